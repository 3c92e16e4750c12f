"""docker-compose.yml, checked without a Docker engine: its YAML, its keys, and that what it tells
pressmon (settings, config path, health check address) is what pressmon reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config.loader import load_config
from monitor.ops_http import parse_listen
from monitor.settings import Settings
from monitor.store.engine import check_url

ROOT = Path(__file__).resolve().parent.parent
SERVICE_KEYS = {
    "build", "image", "restart", "depends_on", "volumes", "stop_grace_period", "healthcheck", "environment",
    "ports",
}  # fmt: skip
HEALTH_KEYS = {"test", "interval", "timeout", "start_period", "retries"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _seconds(value: str) -> float:
    m = re.fullmatch(r"(\d+)s", value)
    assert m, value
    return float(m.group(1))


def test_a_database_and_two_instances(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "pressmon-a", "pressmon-b"}
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    for volume in services["db"]["volumes"]:
        assert volume.split(":")[0] in compose["volumes"]


@pytest.mark.parametrize("name", ["pressmon-a", "pressmon-b"])
def test_each_instance_is_configured_as_pressmon_reads_it(compose: dict[str, Any], name: str) -> None:
    svc = compose["services"][name]
    assert set(svc) <= SERVICE_KEYS and set(svc["healthcheck"]) <= HEALTH_KEYS
    assert svc["build"] == "." and (ROOT / "Dockerfile").exists()
    assert svc["depends_on"] == {"db": {"condition": "service_healthy"}}
    env = svc["environment"]
    fields = {f"PRESSMON_{f.upper()}" for f in Settings.model_fields}
    assert {k for k in env if k.startswith("PRESSMON_")} <= fields, "a PRESSMON_ variable pressmon ignores"
    check_url(env["PRESSMON_DATABASE_URL"].replace("${PRESSMON_DB_PASSWORD:-pressmon}", "pw"))
    assert env["PRESSMON_DATABASE_URL"].startswith("postgresql+psycopg://")
    _, port = parse_listen(env["PRESSMON_HTTP_LISTEN"])
    probe = " ".join(svc["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/healthz" in probe
    assert any(p.endswith(f":{port}") for p in svc["ports"])
    mounts = {v.split(":")[1]: v.split(":")[0] for v in svc["volumes"]}
    feeds = mounts[env["PRESSMON_CONFIG_FILE"]]
    assert load_config(ROOT / feeds).sources, "the mounted feeds.yaml loads"
    assert _seconds(svc["stop_grace_period"]) > Settings().drain_seconds


def test_the_instances_differ_in_identity_and_published_port(compose: dict[str, Any]) -> None:
    a, b = compose["services"]["pressmon-a"], compose["services"]["pressmon-b"]
    assert a["environment"]["PRESSMON_INSTANCE_ID"] != b["environment"]["PRESSMON_INSTANCE_ID"]
    assert {p.rsplit(":", 1)[0] for p in a["ports"]}.isdisjoint({p.rsplit(":", 1)[0] for p in b["ports"]})
    assert a["environment"]["PRESSMON_DATABASE_URL"] == b["environment"]["PRESSMON_DATABASE_URL"]

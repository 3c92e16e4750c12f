"""`pressmon topics list` on the demo's kept database: per topic the items it matched, the alerts it
raised, near misses, last match, where its alerts go and whether a silence holds them; topics the
config no longer defines; no database yet."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from monitor.cli import app
from monitor.demo.run import DEMO_START, run_demo

runner = CliRunner()
SINCE = (DEMO_START - timedelta(hours=1)).isoformat()
TOPICS = ["japan-us-investment", "tariffs-japan", "fms-japan", "japan-defense-spending", "us-lng-japan"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio
    import contextlib
    import io

    d = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        asyncio.run(run_demo(keep_dir=d, out=Console(file=buf, force_terminal=False, width=200)))
    return d


@pytest.fixture
def env(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo's database and config (tests add silences and edit the config)."""
    shutil.copy(demo / "demo.db", tmp_path / "demo.db")
    shutil.copy(demo / "feeds.yaml", tmp_path / "feeds.yaml")
    monkeypatch.setenv("PRESSMON_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("PRESSMON_CONFIG_FILE", str(tmp_path / "feeds.yaml"))
    return tmp_path


def listed(*args: str) -> dict[str, dict[str, Any]]:
    r = runner.invoke(app, ["topics", "list", "--since", SINCE, "--json", *args])
    assert r.exit_code == 0, r.output
    return {row["id"]: row for row in json.loads(r.stdout)}


def items_of(topic: str) -> set[int]:
    r = runner.invoke(app, ["items", "--since", SINCE, "--topic", topic, "--json"])
    assert r.exit_code == 0, r.output
    return {row["id"] for row in json.loads(r.stdout)}


def test_every_topic_with_what_it_matched_and_raised(env: Path) -> None:
    rows = listed()
    assert list(rows) == TOPICS  # in the config's order
    for tid, row in rows.items():
        assert row["configured"] is True and row["to"] == ["console"] and row["silenced"] is None
        assert row["items"] == len(items_of(tid)) > 0, tid
        assert row["last_match_at"].startswith(DEMO_START.date().isoformat())
        assert row["unsent"] == 0  # the demo delivered everything
    # The demo's DSCA notice is its one FMS alert; an alert counts for every topic its revision matched
    assert rows["fms-japan"]["alerts"] == 1
    assert all(row["alerts"] >= 1 for row in rows.values())
    assert rows["tariffs-japan"]["near_misses"] == 1  # the engines-and-transmissions report
    # After the period: nothing counted, but when it last matched still shows
    later = listed("--since", (DEMO_START + timedelta(days=2)).isoformat())
    assert all(r["items"] == r["alerts"] == r["near_misses"] == 0 for r in later.values())
    assert all(r["last_match_at"] for r in later.values())


def test_the_table_when_piped(env: Path) -> None:
    r = runner.invoke(app, ["topics", "list", "--since", SINCE])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "id",
        "items",
        "alerts",
        "near",
        "misses",
        "last",
        "match",
        "to",
        "silenced",
        "title",
    ]
    assert [line.split()[0] for line in lines[1:]] == TOPICS
    assert "counts since" in r.stderr


def test_silences_that_hold_a_topic_wholly_or_in_part(env: Path) -> None:
    whole = runner.invoke(app, ["silence", "add", "topic=fms-japan", "--for", "2h", "--reason", "drill"])
    part = runner.invoke(
        app, ["silence", "add", "topic=~tariffs.*", "source=nikkei", "--for", "1h", "--reason", "wires"]
    )
    assert whole.exit_code == 0 and part.exit_code == 0, whole.output + part.output
    rows = listed()
    assert rows["fms-japan"]["silenced"].startswith("until ")
    assert rows["tariffs-japan"]["silenced"].startswith("partly (silence ")
    assert rows["us-lng-japan"]["silenced"] is None


def test_routes_and_topics_the_config_no_longer_defines(env: Path) -> None:
    cfg = yaml.safe_load((env / "feeds.yaml").read_text())
    cfg["topics"] = [t for t in cfg["topics"] if t["id"] != "us-lng-japan"]
    cfg["routes"] = [{"match": {"topic": ["fms-japan"]}, "to": ["console"]}]
    (env / "feeds.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    rows = listed()
    assert rows["fms-japan"]["to"] == ["console"] and rows["tariffs-japan"]["to"] == []
    assert rows["us-lng-japan"]["configured"] is False and rows["us-lng-japan"]["items"] > 0
    table = runner.invoke(app, ["topics", "list", "--since", SINCE]).stdout
    assert "(no route)" in table and "not in config" in table


def test_no_database_yet(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSMON_DATABASE_URL", f"sqlite:///{env / 'none.db'}")
    rows = listed()
    assert list(rows) == TOPICS and all(r["items"] == 0 and r["last_match_at"] is None for r in rows.values())
    assert not (env / "none.db").exists()

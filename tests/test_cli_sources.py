"""`pressmon sources`: the table (full ids, --wide, --json), pause/resume kept in the database and honoured
by the claims, and `sources test`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config.loader import load_config_text
from monitor.store import leases
from monitor.store.engine import make_engine
from monitor.store.migrate import upgrade
from monitor.store.queries import set_paused
from tests.support.daemon import pressmon_argv
from tests.support.env import use_cli_env
from tests.support.httpserver import FeedServer
from tests.test_poll import JAPAN, POLAND, rss

runner = CliRunner()

LONG_ID = "mofa-japan-press-releases-english-edition-and-statements"
CONFIG = f"""
sources:
  - id: good
    url: {{good}}
  - id: {LONG_ID}
    url: {{bad}}
    timeout: 1s
    deadline: 2s
topics:
  - id: fms-japan
    title: FMS to Japan
    query: '"Foreign Military Sale" AND Japan'
routes:
  - to: [console]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_cli_env(monkeypatch, tmp_path)


def test_table_full_ids_wide_json_and_pause(env: Path) -> None:
    with FeedServer() as server:
        server.set("/good.xml", rss(POLAND))
        server.status("/bad.xml", 500)
        (env / "feeds.yaml").write_text(
            CONFIG.format(good=server.url("/good.xml"), bad=server.url("/bad.xml"))
        )
        assert runner.invoke(app, ["poll", "--once"]).exit_code == 1

        table = runner.invoke(app, ["sources"])
        assert table.exit_code == 0, table.output
        assert LONG_ID in table.output and "failing" in table.output and "HTTP 500" in table.output

        rows = {r["id"]: r for r in json.loads(runner.invoke(app, ["sources", "--json"]).output)}
        assert rows[LONG_ID]["state"] == "failing" and "HTTP 500" in rows[LONG_ID]["last_error"]
        assert rows["good"]["state"] == "ok" and rows["good"]["items"] == 1
        assert rows["good"]["last_ok_at"].endswith("Z")

        paused = runner.invoke(app, ["sources", "pause", LONG_ID, "--reason", "fixing the URL"])
        assert paused.exit_code == 0, paused.output
        rows = {r["id"]: r for r in json.loads(runner.invoke(app, ["sources", "--json"]).output)}
        assert rows[LONG_ID]["state"] == "paused" and rows[LONG_ID]["pause_reason"] == "fixing the URL"

        hits = server.hits("/bad.xml")
        again = runner.invoke(app, ["poll", "--once"])
        assert again.exit_code == 0, again.output  # the failing source is paused, not polled
        assert server.hits("/bad.xml") == hits
        assert f"{LONG_ID}: paused (fixing the URL)" in again.output

        assert runner.invoke(app, ["sources", "resume", LONG_ID]).exit_code == 0
        assert runner.invoke(app, ["poll", "--once"]).exit_code == 1
        assert server.hits("/bad.xml") > hits

    typo = runner.invoke(app, ["sources", "pause", "godo"])
    assert typo.exit_code == 2 and "did you mean good?" in typo.output


@pytest.mark.slow
def test_each_poll_error_is_printed_once(env: Path) -> None:
    """A real process: the log line and the summary line must not both report the same failure."""
    import os
    import subprocess

    with FeedServer() as server:
        server.set("/good.xml", rss(POLAND))
        server.status("/bad.xml", 500)
        (env / "feeds.yaml").write_text(
            CONFIG.format(good=server.url("/good.xml"), bad=server.url("/bad.xml"))
        )
        done = subprocess.run(
            pressmon_argv("poll", "--once"), env=dict(os.environ), capture_output=True, timeout=60, cwd=env
        )
    err = done.stderr.decode()
    assert done.returncode == 1 and err.count("HTTP 500") == 1, err


def test_sources_without_a_database_creates_none(env: Path) -> None:
    (env / "feeds.yaml").write_text(CONFIG.format(good="https://a.example/x", bad="https://b.example/y"))
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 0 and "not yet polled" in result.output and LONG_ID in result.output
    assert not (env / "p.db").exists()


def test_paused_sources_are_never_claimed(db_url: str) -> None:
    config = load_config_text(CONFIG.format(good="https://a.example/x", bad="https://b.example/y"))
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        now = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
        leases.sync_sources(engine, config.sources, now=now)
        assert set_paused(engine, "good", paused_at=now, reason="x")
        ids = [s.id for s in config.sources]
        claims = leases.claim_sources(
            engine,
            owner="a",
            now=now + timedelta(days=1),
            lease=timedelta(minutes=2),
            source_ids=ids,
            limit=9,
        )
        assert [c.source_id for c in claims] == [LONG_ID]
        assert set_paused(engine, "good", paused_at=None, reason=None)
        claims = leases.claim_sources(
            engine, owner="b", now=now + timedelta(days=1), lease=timedelta(minutes=2), source_ids=ids, limit=9,
            due_only=False,
        )  # fmt: skip
        assert [c.source_id for c in claims] == ["good"]
        assert not set_paused(engine, "nope", paused_at=now, reason="x")
    finally:
        engine.dispose()


_ = JAPAN

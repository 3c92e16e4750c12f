"""Retention: the daily job is claimed by one instance at a time; prune keeps what diffs, tombstones and
dedupe need; ``pressmon db prune`` and ``pressmon db vacuum``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from monitor.cli import app as cli_app
from monitor.config.schema import Retention
from monitor.match.index_text import index_expr
from monitor.match.query import parse_query
from monitor.metrics import REGISTRY
from monitor.store.engine import make_engine, read_session, write_session
from monitor.store.maintenance import claim_job, finish_job, prune
from monitor.store.migrate import upgrade
from monitor.store.models import ItemRow, OutboxRow, PollLogRow, RevisionRow
from monitor.store.search_index import candidates
from tests.support.httpserver import FeedServer
from tests.test_poll import JAPAN, JAPAN_EDITED, POLAND, make_config, rss
from tests.test_poll import make_app as make_app  # the fixture

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    e = make_engine(db_url)
    upgrade(e)
    yield e  # type: ignore[misc]
    e.dispose()


def test_the_job_runs_on_one_instance_then_waits_a_day(engine: sa.Engine) -> None:
    token = claim_job(engine, "retention", owner="a", now=NOW, lease=HOUR)
    assert token is not None
    assert claim_job(engine, "retention", owner="b", now=NOW, lease=HOUR) is None  # a holds it
    assert finish_job(engine, "retention", token, now=NOW, next_due=NOW + timedelta(days=1), result={"x": 1})
    assert claim_job(engine, "retention", owner="b", now=NOW + 2 * HOUR, lease=HOUR) is None  # not due
    assert claim_job(engine, "retention", owner="b", now=NOW + timedelta(days=1), lease=HOUR) is not None


def test_a_dead_runners_job_is_taken_over_after_its_lease_and_its_late_finish_refused(
    engine: sa.Engine,
) -> None:
    taken = REGISTRY.get_sample_value("pressmon_lease_takeovers_total", {"work": "job"}) or 0.0
    dead = claim_job(engine, "retention", owner="a", now=NOW, lease=HOUR)
    assert dead is not None
    assert claim_job(engine, "retention", owner="b", now=NOW + HOUR / 2, lease=HOUR) is None
    live = claim_job(engine, "retention", owner="b", now=NOW + 2 * HOUR, lease=HOUR)
    assert live is not None
    assert REGISTRY.get_sample_value("pressmon_lease_takeovers_total", {"work": "job"}) == taken + 1
    assert not finish_job(engine, "retention", dead, now=NOW, next_due=NOW, result={})
    assert finish_job(engine, "retention", live, now=NOW, next_due=NOW, result={})


async def test_prune_keeps_current_revisions_items_and_undelivered_alerts(
    make_app: object,
) -> None:
    with FeedServer() as server:
        a, _ = make_app(make_config(server, "dsca"))  # type: ignore[operator]
        server.set("/dsca.xml", rss(POLAND), etag='"1"')
        await a.poll_pass()
        server.set("/dsca.xml", rss(POLAND, JAPAN), etag='"2"')
        await a.poll_pass()
        assert (await a.deliver()).sent == 1  # the new alert: sent
        server.set("/dsca.xml", rss(POLAND, JAPAN_EDITED), etag='"3"')
        await a.poll_pass()  # the revised alert: left pending
    engine = a.engine
    with write_session(engine) as s:
        s.execute(sa.update(ItemRow).where(ItemRow.item_key == "g:1").values(withdrawn_at=NOW))
    with read_session(engine) as s:
        polls_before = len(s.exec(select(PollLogRow)).all())
    later = datetime.now(UTC) + timedelta(days=365)
    counts = prune(engine, Retention(), now=later)
    assert counts == {"poll_log": polls_before, "revision_bodies": 1, "deliveries": 1}
    with read_session(engine) as s:
        items = {i.item_key: i for i in s.exec(select(ItemRow))}
        assert set(items) == {"g:1", "g:2"} and items["g:1"].withdrawn_at is not None  # tombstone kept
        revs = {(r.item_id, r.seq): r.text for r in s.exec(select(RevisionRow))}
        japan = items["g:2"].id
        assert revs[(japan, 1)] == "" and "$1.2 billion" in revs[(japan, 2)]  # superseded body only
        assert revs[(items["g:1"].id, 1)] != ""
        assert [r.state for r in s.exec(select(OutboxRow))] == ["pending"]
    assert prune(engine, Retention(), now=later) == {"poll_log": 0, "revision_bodies": 0, "deliveries": 0}


def test_db_prune_and_vacuum_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSMON_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds.yaml").write_text(
        "sources:\n  - {id: a, url: 'https://example.org/a.xml'}\nretention:\n  poll_log: 7d\n"
    )
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    pruned = runner.invoke(cli_app, ["db", "prune"])
    assert pruned.exit_code == 0 and "pruned 0 poll_log, 0 revision_bodies, 0 deliveries" in pruned.output
    vacuumed = runner.invoke(cli_app, ["db", "vacuum"])
    assert vacuumed.exit_code == 0 and "vacuumed:" in vacuumed.output and "MB ->" in vacuumed.output


def test_a_retention_horizon_must_be_a_duration(tmp_path: Path) -> None:
    from monitor.config.loader import load_config
    from monitor.errors import ConfigError

    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(
        "sources:\n  - {id: a, url: 'https://example.org/a.xml'}\nretention:\n  poll_log: forever\n"
    )
    with pytest.raises(ConfigError) as e:
        load_config(cfg)
    assert 'retention.poll_log: "forever" is not a duration' in str(e.value)


def _index_hits(engine: sa.Engine, query: str) -> set[int]:
    with engine.connect() as conn:
        return {c.revision_id for batch in candidates(conn, index_expr(parse_query(query))) for c in batch}


async def test_a_pruned_body_leaves_the_search_index_too(make_app: object) -> None:
    first = ("2", "Japan – SM-6", "a possible Foreign Military Sale to Japan of SM-6 interceptors")
    edited = ("2", "Japan – SM-6", "a possible Foreign Military Sale to Japan of SM-6 missiles")
    with FeedServer() as server:
        a, _ = make_app(make_config(server, "dsca"))  # type: ignore[operator]
        server.set("/dsca.xml", rss(POLAND), etag='"1"')
        await a.poll_pass()
        for n, entry in enumerate((first, edited), start=2):
            server.set("/dsca.xml", rss(POLAND, entry), etag=f'"{n}"')
            await a.poll_pass()
    engine = a.engine
    assert len(_index_hits(engine, "interceptors")) == 1  # only the superseded revision said it
    assert len(_index_hits(engine, "Japan")) == 2
    counts = prune(engine, Retention(), now=datetime.now(UTC) + timedelta(days=365))
    assert counts["revision_bodies"] == 1
    assert _index_hits(engine, "interceptors") == set()  # what is not stored is not searchable
    assert len(_index_hits(engine, "Japan")) == 2  # its title still is (the row and title stay)
    assert len(_index_hits(engine, "missiles")) == 1  # the current revision untouched

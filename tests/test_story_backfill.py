"""Items stored before the story index existed (migration 0010) are backfilled at start-up, on SQLite and
PostgreSQL: a report polled after the upgrade finds the story an older item started, by what it reports."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config
from monitor.settings import Settings
from monitor.store import leases, poll_commit
from monitor.store.engine import make_engine
from monitor.store.migrate import upgrade
from monitor.store.story_backfill import backfill_story_index
from tests.test_poll_stories import PLEDGE_EN, PLEDGE_JA, TOPICS
from tests.test_story_race import SOURCES, _decide


def _rows(engine: sa.Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


async def test_items_stored_before_the_story_index_are_backfilled_at_start(db_url: str) -> None:
    now = datetime.now(UTC)
    engine = make_engine(db_url)
    app: App | None = None
    try:
        upgrade(engine)
        leases.sync_sources(engine, SOURCES, now=now - timedelta(days=6))
        old = _decide(engine, "weather", "w1", "Japan pledge", PLEDGE_EN[1], now=now - timedelta(days=5))
        poll_commit.commit_poll(engine, old, now=now - timedelta(days=5), started_at=now)
        en = _decide(engine, "reuters", "en", *PLEDGE_EN, now=now - timedelta(hours=1))
        poll_commit.commit_poll(engine, en, now=now - timedelta(hours=1), started_at=now)
        # As the rows of a database upgraded to 0010 look: no signature, no index rows.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE item SET signature = NULL"))
            conn.execute(sa.text("DELETE FROM story_key"))
        probe = _decide(engine, "nhk", "ja", *PLEDGE_JA, now=now)
        assert [w.story_id for w in probe.items] == [None]  # the English report is not found
        assert leases.release_lease(engine, "nhk", probe.token)

        config = Config(
            sources=tuple(
                s.model_copy(update={"primary": True}) if s.id == "reuters" else s for s in SOURCES
            ),
            topics=TOPICS,
            routes=(Route(to=("console",)),),
            receivers={"console": ConsoleReceiver()},
        )
        app = App.build(Settings(database_url=db_url), config, stream=io.StringIO())
        app.prepare_database(exclusive=False)

        got = dict(
            _rows(engine, "SELECT guid, signature IS NOT NULL FROM item"),  # type: ignore[arg-type]
        )
        assert got == {"w1": False, "en": True}  # only what is still within the story window
        [(primary,)] = _rows(engine, "SELECT primary_source FROM item WHERE guid = 'en'")
        assert primary
        keys = [k for (k,) in _rows(engine, "SELECT key FROM story_key")]
        assert any(k < 0 for k in keys) and any(k >= 0 for k in keys)  # text keys and part keys  # type: ignore[operator]

        joined = _decide(engine, "nhk", "ja", *PLEDGE_JA, now=now)
        [(en_story,)] = _rows(engine, "SELECT story_id FROM item WHERE guid = 'en'")
        assert [w.story_id for w in joined.items] == [en_story]
        assert backfill_story_index(engine, since=now - timedelta(hours=72)) == 0  # done once
    finally:
        if app is not None:
            await app.aclose()
        engine.dispose()


def test_backfill_works_in_batches_and_leaves_indexed_items_alone(sqlite_url: str) -> None:
    now = datetime.now(UTC)
    engine = make_engine(sqlite_url)
    try:
        upgrade(engine)
        leases.sync_sources(engine, SOURCES, now=now - timedelta(days=1))
        for n in range(5):
            w = _decide(engine, "reuters", f"en{n}", f"{PLEDGE_EN[0]} ({n})", PLEDGE_EN[1], now=now)
            poll_commit.commit_poll(engine, w, now=now, started_at=now)
        before = _rows(engine, "SELECT key, item_id, story_id FROM story_key ORDER BY key, item_id")
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE item SET signature = NULL WHERE guid IN ('en1', 'en3', 'en4')"))
            conn.execute(
                sa.text(
                    "DELETE FROM story_key WHERE item_id IN (SELECT id FROM item WHERE guid IN ('en1', 'en3'))"
                )
            )
        # en4 kept its index rows: they are rewritten, not doubled
        assert backfill_story_index(engine, since=now - timedelta(hours=72), batch=2) == 3
        after = _rows(engine, "SELECT key, item_id, story_id FROM story_key ORDER BY key, item_id")
        assert after == before
        assert backfill_story_index(engine, since=now - timedelta(hours=72), batch=2) == 0
    finally:
        engine.dispose()

"""The batched writer (pipeline issue item 5): many poll outcomes per transaction, each still fenced by its
own lease token; a batch the database refuses is split and retried so no other source's result is lost;
real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Source
from monitor.errors import LeaseLost
from monitor.pipeline import decide_failure
from monitor.poll_records import ClaimedSource, PollWrite
from monitor.settings import Settings
from monitor.store.engine import read_session, write_session
from monitor.store.models import PollLogRow, SourceRow
from monitor.writer import BatchWriter
from tests.test_poll import FMS

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
IDS = ["a", "b", "c", "d"]


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    config = Config(
        sources=tuple(Source(id=i, url=f"https://{i}.example/feed.xml") for i in IDS),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    app = App.build(Settings(database_url=db_url), config, stream=io.StringIO(), now=lambda: NOW)
    app.prepare_database(exclusive=False)
    yield app
    app.engine.dispose()


def _claim(app: App) -> dict[str, ClaimedSource]:
    from monitor.store.leases import claim_sources

    claims = claim_sources(
        app.engine, owner="me", now=NOW, lease=timedelta(minutes=2), source_ids=IDS, limit=len(IDS)
    )
    return {c.source_id: c for c in claims}


def _failure(app: App, claim: ClaimedSource) -> PollWrite:
    src = app.config.source(claim.source_id)
    return decide_failure(src, claim, error="HTTP 503", error_kind="http_5xx", now=NOW, rand=0.5)


def _logged(app: App) -> list[str]:
    with read_session(app.engine) as s:
        return sorted(s.exec(select(PollLogRow.source_id)).all())


def _leased(app: App) -> list[str]:
    with read_session(app.engine) as s:
        return sorted(r.id for r in s.exec(select(SourceRow)) if r.lease_token is not None)


async def test_one_transaction_for_many_outcomes_and_a_lost_lease_drops_only_its_own(app: App) -> None:
    claims = _claim(app)
    with write_session(app.engine) as s:  # another instance took "b" over while we fetched
        s.execute(sa.update(SourceRow).where(SourceRow.id == "b").values(lease_token="someone-else"))
    writer = BatchWriter(app.engine, now=lambda: NOW)
    results = await asyncio.gather(
        *(writer.commit(_failure(app, claims[i]), started_at=NOW) for i in IDS), return_exceptions=True
    )
    assert writer.transactions == 1  # all four queued before the writer ran: one transaction
    assert [type(r).__name__ for r in results] == ["NoneType", "LeaseLost", "NoneType", "NoneType"]
    assert _logged(app) == ["a", "c", "d"]  # nothing written for "b" ...
    assert _leased(app) == ["b"]  # ... whose lease stays with its new holder
    with read_session(app.engine) as s:
        streaks = {r.id: r.error_streak for r in s.exec(select(SourceRow))}
    assert streaks == {"a": 1, "b": 0, "c": 1, "d": 1}


async def test_a_refused_batch_is_split_and_every_other_outcome_is_stored(app: App) -> None:
    claims = _claim(app)
    writes = {i: _failure(app, claims[i]) for i in IDS}
    writes["c"] = replace(writes["c"], status=None)  # type: ignore[arg-type]  # poll_log.status NOT NULL
    writer = BatchWriter(app.engine, now=lambda: NOW)
    results = await asyncio.gather(
        *(writer.commit(writes[i], started_at=NOW) for i in IDS), return_exceptions=True
    )
    assert isinstance(results[2], sa.exc.IntegrityError), results
    assert results[0] is None and results[1] is None and results[3] is None
    assert writer.splits >= 1
    assert _logged(app) == ["a", "b", "d"]
    assert _leased(app) == ["c"]  # its outcome was refused alone: its lease expires (or is released)


async def test_lease_lost_reaches_the_poll(app: App) -> None:
    claims = _claim(app)
    with write_session(app.engine) as s:
        s.execute(sa.update(SourceRow).values(lease_token="someone-else"))
    writer = BatchWriter(app.engine, now=lambda: NOW)
    with pytest.raises(LeaseLost, match="source a"):
        await writer.commit(_failure(app, claims["a"]), started_at=NOW)


async def test_a_batch_the_database_refuses_once_is_retried_source_by_source(app: App) -> None:
    """ "database is locked" (or a cut connection) on the batch: each outcome is written alone, as it
    would have been unbatched, so a passing refusal loses nothing."""
    from sqlalchemy import event

    claims = _claim(app)
    refused: list[str] = []

    @event.listens_for(app.engine, "before_cursor_execute")
    def refuse(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not refused and statement.startswith("INSERT INTO poll_log"):
            refused.append(statement)
            raise sa.exc.OperationalError(statement, None, Exception("database is locked"))

    writer = BatchWriter(app.engine, now=lambda: NOW)
    results = await asyncio.gather(
        *(writer.commit(_failure(app, claims[i]), started_at=NOW) for i in IDS), return_exceptions=True
    )
    assert refused and results == [None] * len(IDS)
    assert writer.splits == 1 and writer.transactions == 1 + len(IDS)
    assert _logged(app) == IDS and _leased(app) == []


async def test_a_batch_holds_at_most_max_story_locks_of_story_writes_and_keeps_their_order(app: App) -> None:
    """Story writes join a batch while their story locks together stay within MAX_STORY_LOCKS (PostgreSQL
    holds every lock of a transaction); a write needing more than that still goes, alone. Outcomes
    without new items are not held back by them."""
    from monitor.store.story_keys import MAX_STORY_LOCKS
    from monitor.writer import _Pending

    claims = _claim(app)
    plain = _failure(app, claims["a"])
    story = replace(plain, stories_snapshot=0)
    half = MAX_STORY_LOCKS // 2 + 1

    def pending(write: PollWrite, locks: range) -> _Pending:
        p = _Pending(write, NOW, None, asyncio.get_running_loop().create_future())
        p.__dict__["lock_ids"] = frozenset(locks)  # what write_lock_ids would give
        return p

    writer = BatchWriter(app.engine, now=lambda: NOW)
    first, second, third = (
        pending(story, range(half)),
        pending(story, range(half, 2 * half)),
        pending(story, range(3)),
    )
    big = pending(story, range(MAX_STORY_LOCKS + 5))
    other = pending(plain, range(0))
    writer._queue = [first, second, other, third]
    assert writer._next_batch() == [first, other, third]
    assert writer._next_batch() == [second]
    writer._queue = [big, first]
    assert writer._next_batch() == [big]
    assert writer._next_batch() == [first]

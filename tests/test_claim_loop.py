"""The daemon's claim loop (pipeline issue item 1): claims as fetch slots free up, not per tick; leases
renewed together, fenced by each token; the next claim waits for the earliest due source. Real SQLite and
PostgreSQL, a real loopback feed server; no timing assertions (the tick is an hour, so anything that
happens here happened because a slot freed or a source fell due)."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Source
from monitor.daemon import Daemon
from monitor.settings import Settings
from monitor.store.engine import read_session, write_session
from monitor.store.leases import claim_sources, next_due_at, renew_leases, sync_sources
from monitor.store.models import SourceRow
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.test_poll import FMS, POLAND, rss


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def _config(server: FeedServer, ids: list[str], every: timedelta = timedelta(hours=1)) -> Config:
    return Config(
        sources=tuple(Source(id=i, url=server.url(f"/{i}.xml"), every=every) for i in ids),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )


def _app(db_url: str, config: Config, *, fetches: int) -> App:
    settings = Settings(
        database_url=db_url,
        allow_private_networks=True,
        max_concurrent_fetches=fetches,
        tick_seconds=3600,  # no tick drives a claim here: slots freeing and due times do
        per_host_concurrency=fetches,  # every source is on one loopback host
        per_host_spacing_seconds=0,
    )
    app = App.build(settings, config, stream=io.StringIO())
    app.prepare_database(exclusive=False)
    return app


async def _until(check: object, what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def _stop(daemon: Daemon, loop_task: asyncio.Task[None]) -> None:
    """As SIGTERM does: the loop ends, polls and the delivery scan it started finish, the app closes."""
    daemon.stopping.set()
    daemon._wake.set()
    await loop_task
    await daemon._drain()
    await daemon.app.aclose()


async def test_claims_more_as_each_slot_frees_not_per_tick(server: FeedServer, db_url: str) -> None:
    """Two slots, six sources held by the feed server until released one by one: each release lets the
    loop claim one more, with no tick in between (the tick is an hour)."""
    ids = [f"s{n}" for n in range(6)]
    release = {i: threading.Event() for i in ids}
    started: list[str] = []
    lock = threading.Lock()

    def held(sid: str) -> object:
        def handler(req: FeedRequestHandler) -> None:
            with lock:
                started.append(sid)
            release[sid].wait(60)
            req.respond(200, rss(POLAND), {"Content-Type": "application/rss+xml"})

        return handler

    for i in ids:
        server.set_handler(f"/{i}.xml", held(i))  # type: ignore[arg-type]
    app = _app(db_url, _config(server, ids), fetches=2)
    daemon = Daemon(app)
    loop_task = asyncio.create_task(daemon._claim_loop())
    try:
        await _until(lambda: len(started) == 2, "the first two fetches")
        for n in range(2, 6):
            release[started[n - 2]].set()  # one slot frees ...
            await _until(lambda n=n: len(started) == n + 1, f"fetch {n + 1} after a slot freed")
            assert app.polls_in_flight <= 2
        for e in release.values():
            e.set()
        await _until(lambda: app.polls_in_flight == 0 and not daemon._polls, "the last polls to end")
    finally:
        for e in release.values():
            e.set()
        await _stop(daemon, loop_task)
    assert sorted(started) == ids  # each polled once: nothing is due again for an hour
    assert daemon.loops["polls"].failures == 0


async def test_a_source_due_again_is_claimed_when_it_falls_due(server: FeedServer, db_url: str) -> None:
    """`every: 1s` and an hour's tick: the loop wakes for the source's next due time, so it is polled
    again and again."""
    server.set("/a.xml", rss(POLAND))
    app = _app(db_url, _config(server, ["a"], every=timedelta(seconds=1)), fetches=2)
    daemon = Daemon(app)
    loop_task = asyncio.create_task(daemon._claim_loop())
    try:
        await _until(lambda: server.hits("/a.xml") >= 3, "three polls of a source due every second")
    finally:
        await _stop(daemon, loop_task)


def _lease(db_url: str, sid: str) -> tuple[str | None, datetime | None]:
    engine = sa.create_engine(db_url)
    try:
        with read_session(engine) as s:
            row = s.exec(select(SourceRow).where(SourceRow.id == sid)).one()
            return row.lease_token, row.lease_until
    finally:
        engine.dispose()


async def test_renewal_extends_every_held_lease_in_one_go_and_reports_one_taken_over(
    server: FeedServer, db_url: str
) -> None:
    ids = ["a", "b", "c"]
    app = _app(db_url, _config(server, ids), fetches=3)
    try:
        claims = await app.claim(ids, due_only=True, limit=3)
        assert len(claims) == 3
        with write_session(app.engine) as s:  # another instance took "b" over (ours had expired)
            s.execute(sa.update(SourceRow).where(SourceRow.id == "b").values(lease_token="someone-else"))
        before = {i: _lease(db_url, i)[1] for i in ids}
        lost = await app.leases.renew()
        assert lost == {"b"} and set(app.leases.held) == {"a", "c"}
        assert app.leases.renewals == 1
        for i in ("a", "c"):
            token, until = _lease(db_url, i)
            assert token == claims[0].token and until is not None and until >= before[i]  # type: ignore[operator]
        assert _lease(db_url, "b") == ("someone-else", before["b"])  # not extended: not ours
    finally:
        await app.aclose()


def test_renew_leases_is_fenced_by_each_token(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    try:
        from monitor.store.migrate import upgrade

        upgrade(engine)
        srcs = [Source(id=i, url=f"https://{i}.example/feed") for i in ("a", "b")]
        sync_sources(engine, srcs, now=now)
        claims = claim_sources(
            engine, owner="me", now=now, lease=timedelta(minutes=2), source_ids=["a", "b"], limit=2
        )
        held = {c.source_id: c.token for c in claims}
        held["b"] = "a-token-that-is-not-ours"
        held["gone"] = "no-such-source"
        assert renew_leases(engine, held, until=now + timedelta(minutes=10)) == {"b"}  # lost
        with read_session(engine) as s:
            until = {r.id: r.lease_until for r in s.exec(select(SourceRow))}
        assert until["a"] == now + timedelta(minutes=10) and until["b"] == now + timedelta(minutes=2)
        with write_session(engine) as s:  # "a" committed (its lease given back) while a renewal ran
            s.execute(sa.update(SourceRow).where(SourceRow.id == "a").values(lease_token=None))
        assert renew_leases(engine, {"a": held["a"]}, until=now + timedelta(minutes=20)) == set()
    finally:
        engine.dispose()


def test_next_due_at_is_the_earliest_claimable_time(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    try:
        from monitor.store.migrate import upgrade

        upgrade(engine)
        ids = ["free", "leased", "paused"]
        sync_sources(engine, [Source(id=i, url=f"https://{i}.example/feed") for i in ids], now=now)
        with write_session(engine) as s:
            c = SourceRow.__table__.c  # type: ignore[attr-defined]
            s.execute(sa.update(SourceRow).values(next_due=now + timedelta(minutes=10)))
            s.execute(
                sa.update(SourceRow)
                .where(c.id == "leased")
                .values(
                    next_due=now, lease_token="t", lease_owner="x", lease_until=now + timedelta(minutes=3)
                )
            )
            s.execute(sa.update(SourceRow).where(c.id == "paused").values(next_due=now, paused_at=now))
        assert next_due_at(engine, ids, now=now) == now + timedelta(minutes=3)  # the lease's end
        assert next_due_at(engine, ["free", "paused"], now=now) == now + timedelta(minutes=10)
        assert next_due_at(engine, ["paused"], now=now) is None
        assert next_due_at(engine, [], now=now) is None
    finally:
        engine.dispose()


async def test_a_spread_claim_takes_no_more_per_host_than_its_gate_lets_through(db_url: str) -> None:
    """Six due sources on two hosts, one request per host at a time: the daemon's claim takes one per
    host, leaves the rest for their host's turn, and takes nothing more while both hosts are busy."""
    ids = [f"{h}{n}" for h in ("a", "b") for n in range(3)]
    config = Config(
        sources=tuple(Source(id=i, url=f"https://{i[0]}.example/{i}.xml") for i in ids),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    settings = Settings(database_url=db_url, per_host_concurrency=1, max_concurrent_fetches=6)
    app = App.build(settings, config, stream=io.StringIO())
    app.prepare_database(exclusive=False)
    try:
        first = await app.claim(ids, due_only=True, limit=6, spread_hosts=True)
        assert sorted(c.source_id[0] for c in first) == ["a", "b"]  # one per host
        assert app.claim_held_back == 4 and app.host_load == {"a.example": 1, "b.example": 1}
        assert await app.claim(ids, due_only=True, limit=6, spread_hosts=True) == []
        everything = await app.claim(ids, due_only=True, limit=6)  # poll --once does not spread
        assert len(everything) == 4
    finally:
        await app.aclose()

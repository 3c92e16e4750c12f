"""Several instances on one database: start-up serialised (RELIABILITY 39), bounded lock waits (40),
leases released on SIGTERM, fetches (not passes) counted against ``max_concurrent_fetches``, and the
daemon loops' backoff during a database outage (31)."""

from __future__ import annotations

import asyncio
import io
import logging
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.app import App
from monitor.backoff import LoopState
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Source
from monitor.daemon import Daemon as InProcessDaemon
from monitor.settings import Settings
from monitor.store.engine import DbTimeouts, make_engine
from monitor.store.story_keys import STORY_LOCK_KEY
from tests.support.daemon import Daemon
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.test_daemon import CONFIG, _env, _wait
from tests.test_poll import FMS, JAPAN, POLAND, rss


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def _scalar(url: str, sql: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


# -- pure: the loops' backoff ------------------------------------------------------------------------

BACKOFF_CASES = {
    # name: (failures before the check, seconds waited since the last failure, may run)
    "first failure waits 1 s": (1, 0.5, False),
    "after 1 s it tries again": (1, 1.0, True),
    "third failure waits 4 s": (3, 3.9, False),
    "capped at 10 s": (9, 10.0, True),
}


@pytest.mark.parametrize("case", BACKOFF_CASES)
def test_loop_backoff_doubles_up_to_the_cap(case: str) -> None:
    failures, waited, may_run = BACKOFF_CASES[case]
    state = LoopState("polls", cap_s=10)
    lines = [state.failed(100.0, "connection refused") for _ in range(failures)]
    assert state.tick(100.0 + waited) is may_run
    # One line per streak, however long.
    assert [line is not None for line in lines] == [True] + [False] * (failures - 1)


def test_loop_recovery_is_one_line_and_resets_the_streak() -> None:
    state = LoopState("deliveries")
    assert state.succeeded(1.0) is None  # no streak, nothing to say
    assert state.failed(2.0, "x") is not None
    assert state.failed(3.0, "x") is None
    assert state.succeeded(4.0) == "daemon: deliveries: database back after 2 failed attempts"
    assert state.tick(4.0) and state.failed(5.0, "x") is not None  # a new streak logs again


# -- PostgreSQL connections carry their bounds ------------------------------------------------------


@pytest.mark.postgres
def test_postgres_connections_set_statement_lock_and_idle_timeouts(pg_url: str) -> None:
    engine = make_engine(pg_url, timeouts=DbTimeouts(statement_s=7, lock_s=2, idle_in_transaction_s=9))
    try:
        with engine.connect() as conn:
            shown = [
                conn.exec_driver_sql(f"SHOW {name}").scalar()
                for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
            ]
    finally:
        engine.dispose()
    assert shown == ["7s", "2s", "9s"]


STATEMENT = (
    "The Government of Japan has requested to buy up to three hundred Standard Missile-6 Block I missiles "
    "and related equipment; the estimated total cost is one billion dollars, the agency said on Tuesday."
)


def test_story_locks_are_per_story_key() -> None:
    """Near-duplicates share a lock id (their smallest sketch values); unrelated statements do not; an
    item without a sketch means the one global lock."""
    from monitor.store.story_keys import story_lock_ids
    from monitor.story_text import fingerprint

    a = story_lock_ids([fingerprint("Japan SM-6", STATEMENT)])
    b = story_lock_ids(
        [fingerprint("Japan buys SM-6", STATEMENT.replace("on Tuesday", "on Tuesday, it said"))]
    )
    other = story_lock_ids(
        [fingerprint("Weather", "Rain is expected in Tokyo on Wednesday with strong winds later.")]
    )
    assert a == sorted(a) and len(a) == 16 and STORY_LOCK_KEY not in a
    assert set(a) & set(b) and not set(a) & set(other)
    assert story_lock_ids([fingerprint("x", STATEMENT), None]) == [STORY_LOCK_KEY]


@pytest.mark.postgres
@pytest.mark.parametrize("held", ["its-story-keys", "other-story-keys"])
async def test_a_held_story_lock_delays_only_its_story_and_by_lock_timeout(
    server: FeedServer, pg_url: str, caplog: pytest.LogCaptureFixture, held: str
) -> None:
    """RELIABILITY 40: another connection sits on story locks (an instance paused inside a commit). A
    commit that needs one of them waits lock_timeout, retries once, then commits without it; a commit
    of another story does not wait at all. The alert is queued either way."""
    from monitor.store.story_keys import story_lock_ids
    from monitor.story_text import fingerprint

    config = Config(
        sources=(Source(id="dsca", url=server.url("/dsca.xml"), every=timedelta(minutes=15)),),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    settings = Settings(database_url=pg_url, allow_private_networks=True, db_lock_timeout_seconds=0.3)
    app = App.build(settings, config, stream=io.StringIO())
    holder = make_engine(pg_url)
    title, text = JAPAN[1], JAPAN[2]
    if held == "other-story-keys":
        text = "Rain is expected in Tokyo on Wednesday with strong winds later in the day, forecasters said."
    try:
        app.prepare_database(exclusive=False)
        server.set("/dsca.xml", rss(POLAND))
        await app.poll_pass()  # baseline
        server.set("/dsca.xml", rss(POLAND, JAPAN))
        with holder.connect() as conn:
            for k in story_lock_ids([fingerprint(title, text)]):
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": k})
            with caplog.at_level(logging.WARNING, logger="pressmon.poll"):
                report = await asyncio.wait_for(app.poll_pass(), timeout=60)
            conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
        assert [(r.status, r.new, r.alerts) for r in report.sources] == [("ok", 1, 1)]
        busy = [r.getMessage() for r in caplog.records if "story lock busy" in r.getMessage()]
        if held == "its-story-keys":
            assert len(busy) == 2 and busy[-1].endswith("without the story lock"), busy
        else:
            assert busy == []
    finally:
        holder.dispose()
        await app.aclose()


# -- start-up and shutdown as real processes --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.slow
def test_three_instances_started_at_once_on_an_empty_database_all_come_up(
    server: FeedServer, pg_url: str, tmp_path: Path
) -> None:
    """RELIABILITY 39: migrations and source sync run once, under the schema lock; nobody crashes."""
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(CONFIG.format(url=server.url("/dsca.xml")))
    server.set("/dsca.xml", rss(POLAND))
    daemons = [Daemon(cfg, _env(pg_url), tmp_path, f"d{n}") for n in range(3)]
    try:
        for d in daemons:
            _wait(lambda d=d: "daemon: started" in d.stderr or d.proc.poll() is not None, 60, f"{d.name}")
        assert [d.proc.poll() for d in daemons] == [None, None, None], [d.stderr for d in daemons]
    finally:
        codes = [d.stop(signal.SIGTERM) for d in daemons]
    assert codes == [0, 0, 0], [d.stderr for d in daemons]
    assert not any("Traceback" in d.stderr for d in daemons)
    assert _scalar(pg_url, "SELECT count(*) FROM alembic_version") == 1
    assert _scalar(pg_url, "SELECT count(*) FROM source") == 1


@pytest.mark.postgres
@pytest.mark.slow
def test_sigterm_releases_the_leases_it_holds(server: FeedServer, pg_url: str, tmp_path: Path) -> None:
    """A poll still fetching when the drain deadline passes is cancelled, and its lease is released at
    exit so another instance takes the source at once (not after lease_seconds)."""
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(CONFIG.format(url=server.url("/dsca.xml")))

    def stall(req: FeedRequestHandler) -> None:
        req.stopping.wait(30)
        req.respond(200, rss(POLAND), {"Content-Type": "application/rss+xml"})

    server.set_handler("/dsca.xml", stall)
    env = {**_env(pg_url), "PRESSMON_LEASE_SECONDS": "600", "PRESSMON_DRAIN_SECONDS": "0.5"}
    daemon = Daemon(cfg, env, tmp_path, "d")
    try:
        _wait(lambda: server.hits("/dsca.xml") > 0, 60, "the fetch to start")
        assert _scalar(pg_url, "SELECT count(*) FROM source WHERE lease_owner IS NOT NULL") == 1
    finally:
        assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
    assert _scalar(pg_url, "SELECT count(*) FROM source WHERE lease_owner IS NOT NULL") == 0


# -- max_concurrent_fetches counts fetches ----------------------------------------------------------


async def test_max_concurrent_fetches_bounds_fetches_across_passes(
    server: FeedServer, sqlite_url: str
) -> None:
    """Ticks keep starting passes while earlier ones are still fetching; the limit holds across them."""
    lock = threading.Lock()
    now_in, peak = [0], [0]

    def slow(req: FeedRequestHandler) -> None:
        with lock:
            now_in[0] += 1
            peak[0] = max(peak[0], now_in[0])
        req.stopping.wait(0.4)
        with lock:
            now_in[0] -= 1
        req.respond(200, rss(POLAND), {"Content-Type": "application/rss+xml"})

    ids = [f"s{n}" for n in range(8)]
    for i in ids:
        server.set_handler(f"/{i}.xml", slow)
    config = Config(
        sources=tuple(Source(id=i, url=server.url(f"/{i}.xml"), every=timedelta(minutes=15)) for i in ids),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    settings = Settings(
        database_url=sqlite_url,
        allow_private_networks=True,
        max_concurrent_fetches=3,
        tick_seconds=0.05,
        per_host_concurrency=8,  # every source is on one loopback host; this bound is not the one tested
        per_host_spacing_seconds=0,
    )
    app = App.build(settings, config, stream=io.StringIO())
    app.prepare_database(exclusive=False)
    daemon = InProcessDaemon(app)
    try:
        deadline = time.monotonic() + 60
        while sum(server.hits(f"/{i}.xml") for i in ids) < len(ids) or app.polls_in_flight:
            assert time.monotonic() < deadline, "the sources were not all polled"
            await daemon.tick_polls()
            await asyncio.sleep(0.05)
    finally:
        await asyncio.gather(*daemon._polls, return_exceptions=True)
        await app.aclose()
    assert 1 < peak[0] <= 3, peak[0]


# -- a claim that outlived its lease before the fetch (the instance was paused) ---------------------


@pytest.mark.parametrize("taken_over", [True, False], ids=["taken-over", "nobody-took-it"])
async def test_a_claim_whose_lease_expired_before_the_fetch_fetches_only_if_still_ours(
    server: FeedServer, db_url: str, taken_over: bool
) -> None:
    from datetime import UTC, datetime

    from monitor.poll import poll_source
    from monitor.store.leases import claim_sources

    server.set("/dsca.xml", rss(POLAND))
    config = Config(
        sources=(Source(id="dsca", url=server.url("/dsca.xml"), every=timedelta(minutes=15)),),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    app = App.build(Settings(database_url=db_url, allow_private_networks=True), config, stream=io.StringIO())
    try:
        app.prepare_database(exclusive=False)
        now = datetime.now(UTC)
        [stale] = claim_sources(
            app.engine, owner="paused", now=now - timedelta(minutes=10), lease=timedelta(seconds=5),
            source_ids=["dsca"], limit=1, due_only=False,
        )  # fmt: skip
        if taken_over:
            assert claim_sources(
                app.engine, owner="other", now=now, lease=timedelta(minutes=1), source_ids=["dsca"], limit=1
            )
        report = await poll_source(app.poll_ctx, stale)
    finally:
        await app.aclose()
    if taken_over:
        assert report.status == "lease-lost" and server.hits("/dsca.xml") == 0
    else:
        assert report.status == "ok" and server.hits("/dsca.xml") == 1


def test_work_started_before_an_outage_does_not_end_its_streak() -> None:
    state = LoopState("polls")
    assert state.failed(10.0, "down") is not None
    assert state.succeeded(11.0, started=9.0) is None and state.failures == 1  # began before the outage
    assert state.succeeded(12.0, started=10.5) is not None and state.failures == 0

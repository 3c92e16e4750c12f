"""RELIABILITY cases whose tests were missing or partial: 5 (state after a 304), 8 (logged once per
streak), 12 (odd dates keep the item), 15 (a huge feed is capped; the loop stays responsive), 30 (SQLite:
a long CLI read, a CLI holding the write lock), 31 (PostgreSQL unreachable for minutes), 34 (a soak with
hostile sources: open files and memory flat). Real loopback servers; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import resource
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import select

from monitor.fault import is_store_fault
from monitor.store import engine as engine_module
from monitor.store.engine import read_session, sqlite_path
from monitor.store.models import ItemRow, OutboxRow, PollLogRow, RevisionRow, SourceRow
from tests import test_poll
from tests.support.httpserver import FeedRequestHandler, FeedServer, free_port
from tests.support.tcpproxy import TcpProxy
from tests.test_poll import JAPAN, POLAND, make_config, rss

server = test_poll.server
make_app = test_poll.make_app
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


def source_row(engine: sa.Engine, sid: str) -> SourceRow:
    with read_session(engine) as s:
        row = s.get(SourceRow, sid)
        assert row is not None
        return row


def counts(engine: sa.Engine) -> tuple[int, int, int]:
    with read_session(engine) as s:
        return (
            len(list(s.exec(select(ItemRow)))),
            len(list(s.exec(select(RevisionRow)))),
            len(list(s.exec(select(OutboxRow)))),
        )


def poll_log(engine: sa.Engine, sid: str) -> list[tuple[str, str | None, int]]:
    with read_session(engine) as s:
        q = select(PollLogRow).where(PollLogRow.source_id == sid).order_by(PollLogRow.id)  # type: ignore[arg-type]
        return [(r.status, r.error_kind, r.entries) for r in s.exec(q)]


async def test_case_5_not_modified_changes_only_the_schedule(server: FeedServer, make_app: Any) -> None:
    clock = Clock()
    server.set("/dsca.xml", rss(POLAND, JAPAN), etag='"v1"', last_modified="Tue, 24 Nov 2026 22:00:00 GMT")
    app, _ = make_app(make_config(server, "dsca"), now=clock)
    await app.poll_pass()
    before, stored = source_row(app.engine, "dsca"), counts(app.engine)

    clock.advance(minutes=20)
    report = await app.poll_pass()

    assert report.sources[0].status == "not_modified"
    request = server.last_request("/dsca.xml")
    assert request.headers["if-none-match"] == '"v1"'
    assert request.headers["if-modified-since"] == "Tue, 24 Nov 2026 22:00:00 GMT"
    after = source_row(app.engine, "dsca")
    assert counts(app.engine) == stored  # no item, revision or alert touched
    assert (after.etag, after.last_modified, after.body_hash) == (
        before.etag,
        before.last_modified,
        before.body_hash,
    )
    assert (after.baseline_done, after.key_mode, after.error_streak) == (True, before.key_mode, 0)
    assert after.last_checked_at == clock.at and after.next_due > clock.at > before.next_due
    assert after.lease_token is None
    assert poll_log(app.engine, "dsca") == [("ok", None, 2), ("not_modified", None, 0)]  # nothing parsed


@pytest.mark.parametrize("fault", ["refused", "tls"])
async def test_case_8_network_faults_are_classified_retried_and_logged_once_per_streak(
    server: FeedServer, make_app: Any, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    clock = Clock()
    config = make_config(server, "net")
    url = (
        f"http://127.0.0.1:{free_port()}/x.xml"
        if fault == "refused"
        else server.url("/x.xml").replace("http:", "https:")
    )
    config = config.model_copy(update={"sources": (config.sources[0].model_copy(update={"url": url}),)})
    app, _ = make_app(config, now=clock)
    caplog.set_level(logging.INFO, logger="pressmon")
    for _ in range(4):
        report = await app.poll_pass()
        assert report.sources[0].status == "error"
        clock.advance(hours=1)
    kinds = {k for _, k, _ in poll_log(app.engine, "net")}
    assert kinds == {fault}
    assert source_row(app.engine, "net").error_streak == 4
    assert len([r for r in caplog.records if "net" in r.getMessage()]) == 1  # once per streak, not per poll


async def test_case_12_odd_dates_keep_the_item_and_first_seen_is_authoritative(
    server: FeedServer, make_app: Any
) -> None:
    dates = {
        "missing": None,
        "unparseable": "last Tuesday",
        "date-only": "2026-04-07",
        "future": "Fri, 01 Jan 2099 10:00:00 GMT",
        "era": "令和7年4月1日",
        "year-9999": "Fri, 31 Dec 9999 23:59:00 -2359",
    }
    items = "".join(
        f"<item><guid>{k}</guid><title>{k}</title><link>https://a.example/{k}</link>"
        + (f"<pubDate>{v}</pubDate>" if v else "")
        + "</item>"
        for k, v in dates.items()
    )
    server.set("/d.xml", f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode())
    clock = Clock()
    app, _ = make_app(make_config(server, "d"), now=clock)
    report = await app.poll_pass()
    assert report.sources[0].status == "ok" and report.sources[0].new == len(dates)
    with read_session(app.engine) as s:
        rows = {r.item_key.split(":")[-1]: r for r in s.exec(select(ItemRow))}
    assert len(rows) == len(dates)  # every item kept, whatever its date
    assert all(r.first_seen_at == T0 for r in rows.values())
    published = {r.title: r.published_at for r in rows.values()}
    assert published["future"] == datetime(2099, 1, 1, 10, tzinfo=UTC)
    assert published["era"] == datetime(2025, 4, 1, tzinfo=UTC)
    assert (
        published["missing"] is None and published["unparseable"] is None and published["year-9999"] is None
    )


async def test_case_15_a_huge_feed_is_capped_and_the_loop_stays_responsive(
    server: FeedServer, make_app: Any
) -> None:
    """10,000 entries and a 5 MB description: capped; while it is read, the event loop keeps running
    (other polls, deliveries, signals) because the CPU work runs in a thread."""
    huge_text = "Foreign Military Sale to the Government of Japan. " * 100_000  # ~5 MB
    entries = [(str(n), f"Statement {n}", "text") for n in range(10_000)]
    server.set("/huge.xml", rss(("big", "Japan – big", huge_text), *entries))
    server.set("/small.xml", rss(POLAND))
    app, _ = make_app(make_config(server, "huge", "small"))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    huge = asyncio.create_task(app.poll_pass(["huge"]))
    while not huge.done():  # the loop keeps answering while the huge feed is read
        await asyncio.sleep(0.01)
        if ticks >= 10:
            break
    ticks_while_reading = ticks
    small = await app.poll_pass(["small"])  # another source polls meanwhile
    report = await huge
    done.set()
    await task
    assert ticks_while_reading >= 10 and small.sources[0].status == "ok"
    src = report.sources[0]
    assert src.status == "ok" and src.new == app.config.sources[0].max_entries  # capped at max_entries
    with read_session(app.engine) as s:
        longest = max(len(r.text) for r in s.exec(select(RevisionRow)))
    assert longest <= 200_000  # the field cap


async def test_case_30_sqlite_cli_reads_while_writing_and_a_held_write_lock_loses_nothing(
    server: FeedServer, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)  # do not wait 10 s for the lock
    clock = Clock()
    server.set("/dsca.xml", rss(POLAND))
    app, out = make_app(make_config(server, "dsca"), now=clock)
    if app.engine.dialect.name != "sqlite":
        return  # SQLite only: PostgreSQL has no database-wide write lock (its row locks: case 40)
    await app.poll_pass()
    path = str(sqlite_path(str(app.engine.url)))

    cli = sqlite3.connect(path, isolation_level=None)
    cli.execute("BEGIN")  # a long read, as `pressmon sources` or `outbox` does
    cli.execute("SELECT count(*) FROM item").fetchone()
    server.set("/dsca.xml", rss(POLAND, JAPAN))
    clock.advance(minutes=20)
    report = await app.poll_pass()  # writes proceed beside the reader (WAL)
    assert report.sources[0].new == 1
    cli.execute("COMMIT")

    cli.execute("BEGIN IMMEDIATE")  # the CLI holds the write lock
    japan2 = ("3", "Japan – PAC-3", JAPAN[2])
    server.set("/dsca.xml", rss(POLAND, JAPAN, japan2))
    clock.advance(minutes=20)
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        await app.poll_pass()  # the claim waits busy_timeout, then the daemon tries again next tick
    cli.execute("ROLLBACK")
    cli.close()
    clock.advance(minutes=20)
    report = await app.poll_pass()
    assert report.sources[0].new == 1  # nothing lost
    assert (await app.deliver()).sent == 2 and out.getvalue().count("PAC-3") == 1


async def test_case_31_postgresql_unreachable_for_minutes_resumes_and_loses_nothing(
    server: FeedServer, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL behind a loopback TCP proxy that is cut for two (clock) minutes of daemon ticks."""
    import io

    from monitor.app import App
    from monitor.settings import Settings

    upstream = make_url(pg_url)
    with TcpProxy("127.0.0.1", upstream.port or 5432) as proxy:
        url = upstream.set(port=proxy.port).render_as_string(hide_password=False)
        clock = Clock()
        server.set("/dsca.xml", rss(POLAND))
        out = io.StringIO()
        app = App.build(Settings(database_url=url, allow_private_networks=True), make_config(server, "dsca"),
                        stream=out, now=clock)  # fmt: skip
        try:
            app.prepare_database(exclusive=False)
            await app.poll_pass()
            server.set("/dsca.xml", rss(POLAND, JAPAN))
            caplog.set_level(logging.INFO, logger="pressmon")
            proxy.cut()
            refused = 0
            for _ in range(24):  # two minutes of 5-second ticks
                clock.advance(seconds=5)
                try:
                    await app.poll_pass()
                except Exception as e:
                    assert is_store_fault(e), e
                    app.watch.store_failed(e, clock())
                    refused += 1
            proxy.restore()
            clock.advance(seconds=5)
            report = await app.poll_pass()
            delivered = await app.deliver()
        finally:
            await app.aclose()
    assert refused == 24
    assert report.sources[0].status == "ok" and report.sources[0].new == 1
    assert delivered.sent == 1 and out.getvalue().count("Japan – SM-6") == 1
    assert len([r for r in caplog.records if "refuses writes" in r.getMessage()]) == 1
    assert len([r for r in caplog.records if "writes accepted again" in r.getMessage()]) == 1


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _fd_targets() -> list[str]:
    out = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            out.append(os.readlink(f"/proc/self/fd/{fd}"))
    return sorted(out)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


async def test_case_34_soak_with_hostile_sources_keeps_open_files_and_memory_flat(
    server: FeedServer, make_app: Any
) -> None:
    """150 passes (an accelerated clock: 15 minutes each) over a changing good feed and hostile ones."""
    server.status("/e500.xml", 500)
    server.set(
        "/html.xml", b"<html><head><title>Just a moment</title></head></html>", content_type="text/html"
    )
    server.set("/garbage.xml", bytes(range(256)) * 40)

    def closing(req: FeedRequestHandler) -> None:
        req.close_connection = True

    server.set_handler("/closing.xml", closing)
    server.set("/rot.xml", rss(POLAND).replace(b"utf-8", b"rot13"))
    clock = Clock()
    app, _ = make_app(make_config(server, "good", "e500", "html", "garbage", "closing", "rot"), now=clock)
    await app.cpu.warm(app.poll_ctx.topics)  # every parse worker up (and its pipes open) from the start
    samples: dict[int, tuple[int, float]] = {}
    targets: dict[int, list[str]] = {}
    for n in range(150):
        server.set("/good.xml", rss(POLAND, (f"n{n}", f"Japan – item {n}", JAPAN[2])))
        report = await app.poll_pass()
        assert {r.source_id for r in report.sources if r.status == "ok"} >= {"good"}
        await app.deliver()
        clock.advance(minutes=15)
        if n in (30, 149):
            # Pooled database connections are not a leak (the pool opens more as concurrent writers need
            # them, up to its size): close the idle ones so the count is of everything else.
            app.engine.dispose()
            gc.collect()
            samples[n] = (_open_files(), _rss_mb())
            targets[n] = _fd_targets()
    (files_30, rss_30), (files_149, rss_149) = samples[30], samples[149]
    new_fds = sorted(set(targets[149]) - set(targets[30]))
    # No leaked sockets or files: a leak per pass would show as ~120 more over the 119 passes measured;
    # a few may open once late (a worker replaced after a budget overrun, a pipe of the pool).
    assert files_149 <= files_30 + 8, (samples, new_fds)
    assert rss_149 - rss_30 < 40, samples  # MB: flat, bar caches warming
    print(
        f"\n[figures] soak 150 passes: open files {files_30} -> {files_149}, RSS {rss_30:.0f} -> {rss_149:.0f} MB"
    )

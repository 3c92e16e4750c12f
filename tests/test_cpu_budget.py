"""CPU stages off the event loop, with budgets (issue 9 item 3, RELIABILITY 36).

Real worker processes (``monitor.cpu``) and real feeds on a loopback server. A feed whose parse runs
for ever is stopped at its time budget and recorded on its source by name while other sources are polled
again meanwhile; its worker is replaced. An item with 100,000 categories and a 1.5 MB description dense
in topic words are read (or, over budget, recorded) without the daemon process growing. A job that needs
more memory than a worker may have fails as over the memory budget. No timing assertions: the hanging
feed never finishes, so any budget stops it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.cpu import Budget, CpuPool, WorkerCrashed
from monitor.errors import BudgetExceeded, ParseError
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, PollLogRow, SourceRow
from tests import test_poll
from tests.support.cpujobs import bug, die, hog, refuse, spin, square, uses_shared
from tests.support.httpserver import FeedServer
from tests.test_poll import POLAND, make_config, rss

server = test_poll.server
make_app = test_poll.make_app

RSS_HEAD = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'


def _rss_items(*items: str) -> bytes:
    return (RSS_HEAD + "".join(items) + "</channel></rss>").encode()


def hanging_body() -> bytes:
    """A real body on which today's parser takes far longer than any budget: before the entries are cut
    to ``max_entries``, the tags in front of the first item are scanned by a regex that, on a tag with an
    unclosed quote, reads to the end of the text once per tag (quadratic: 100,000 such tags take hours)."""
    items = "".join(f"<item><title>t{i}</title><link>https://a.example/{i}</link></item>" for i in range(501))
    return _rss_items("<a '" * 100_000 + items)


def categories_body() -> bytes:
    cats = "".join(f"<category>c{i}</category>" for i in range(100_000))
    return _rss_items(
        f"<item><title>Japan FMS</title><link>https://a.example/c</link>{cats}<description>d</description></item>"
    )


def dense_body() -> bytes:
    words = (
        "Foreign Military Sale to the Government of Japan: Japan tariffs on Japanese autos, Japan-U.S. "
        "investment, LNG exports to Japan, Japan defense spending. "
    )
    desc = words * (1_500_000 // len(words))
    return _rss_items(
        f"<item><title>Japan FMS</title><link>https://a.example/d</link><description>{desc}</description></item>"
    )


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _row(engine: sa.Engine, source_id: str) -> SourceRow:
    with read_session(engine) as s:
        row = s.get(SourceRow, source_id)
        assert row is not None
        return row


def _poll_log(engine: sa.Engine, source_id: str) -> list[tuple[str, str | None, str | None]]:
    with read_session(engine) as s:
        q = select(PollLogRow).where(PollLogRow.source_id == source_id).order_by(PollLogRow.id)  # type: ignore[arg-type]
        return [(r.status, r.error_kind, r.error) for r in s.exec(q)]


# --- the pool itself (jobs in tests/support/cpujobs.py: a light module, quick for a worker to import) ----


async def test_a_job_over_its_time_budget_is_stopped_and_its_worker_replaced() -> None:
    pool = CpuPool(2, Budget(seconds=3.0))
    try:
        assert await pool.run("parse", "s", square, 7) == 49
        other = asyncio.create_task(pool.run("parse", "ok", square, 3))
        with pytest.raises(BudgetExceeded, match=r"^parse: hung: parse exceeded the 3 s budget"):
            await pool.run("parse", "hung", spin)
        assert await other == 9  # the other worker went on
        assert pool.killed == 1
        assert await pool.run("parse", "s", square, 5) == 25  # a new worker took its place
    finally:
        await pool.aclose()


async def test_memory_is_capped_in_the_worker_not_in_the_daemon() -> None:
    before = _rss_kib()
    pool = CpuPool(1, Budget(seconds=60, memory_mb=512))
    try:
        with pytest.raises(BudgetExceeded, match="match exceeded the 512 MB memory budget"):
            await pool.run("match", "s", hog, 2048)
        assert await pool.run("match", "s", hog, 16) == 16 * 1024 * 1024  # a fresh worker
    finally:
        await pool.aclose()
    assert _rss_kib() - before < 100 * 1024


async def test_errors_come_back_as_themselves_and_a_dead_worker_is_replaced() -> None:
    pool = CpuPool(1, Budget(seconds=60))
    try:
        with pytest.raises(ParseError, match="parse: src: not a feed: nope"):
            await pool.run("parse", "src", refuse)
        with pytest.raises(ZeroDivisionError, match="division by zero"):
            await pool.run("parse", "src", bug)
        with pytest.raises(WorkerCrashed, match=r"parse worker died \(exit code -9\)"):
            await pool.run("parse", "src", die)
        assert await pool.run("match", "src", uses_shared, "k", shared={"k": "v"}) == "v"
        assert await pool.run("match", "src", uses_shared, "k", shared={"k": "w"}) == "w"  # new object
    finally:
        await pool.aclose()


# --- polls through the pool -----------------------------------------------------------------------------


async def test_a_parse_that_never_ends_is_recorded_on_its_source_while_others_are_polled(
    server: FeedServer, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSMON_PARSE_WORKERS", "2")
    monkeypatch.setenv("PRESSMON_PARSE_BUDGET_SECONDS", "8")
    server.set("/good.xml", rss(POLAND))
    server.set("/hang.xml", hanging_body())
    app, _ = make_app(make_config(server, "good", "hang"))

    bad = asyncio.create_task(app.poll_pass(["hang"]))
    statuses = []
    for _ in range(3):  # the good source is polled again and again while the bad one is parsed
        statuses.append([r.status for r in (await app.poll_pass(["good"])).sources])
    assert not bad.done()
    assert statuses == [["ok"], ["unchanged"], ["unchanged"]] or statuses[0] == ["ok"]
    report = (await bad).sources[0]

    assert report.status == "error"
    row = _row(app.engine, "hang")
    assert row.last_error == "parse: hang: parse exceeded the 8 s budget (worker stopped)"
    assert row.last_error_kind == "budget" and row.error_streak == 1 and row.lease_token is None
    assert _poll_log(app.engine, "hang") == [("error", "budget", row.last_error)]
    assert app.cpu.killed == 1
    assert [r.status for r in (await app.poll_pass(["good"])).sources] != ["error"]  # a new worker


async def test_hostile_items_cost_neither_the_loop_nor_the_daemons_memory(
    server: FeedServer, make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRESSMON_PARSE_WORKERS", "2")
    server.set("/good.xml", rss(POLAND))
    server.set("/cats.xml", categories_body())
    server.set("/dense.xml", dense_body())
    app, _ = make_app(make_config(server, "good", "cats", "dense"))
    before = _rss_kib()

    report = {r.source_id: r for r in (await app.poll_pass()).sources}

    assert report["good"].status == "ok"
    assert report["cats"].status == "ok"  # cut to 200 categories before parsing, 50 tags kept
    with read_session(app.engine) as s:
        assert len(list(s.exec(select(ItemRow).where(ItemRow.source_id == "cats")))) == 1
    # Read within its budget on any sane machine; if not, it is that source's named error, nothing else.
    dense = report["dense"]
    assert dense.status == "ok" or _row(app.engine, "dense").last_error_kind == "budget", dense
    assert _rss_kib() - before < 300 * 1024  # the issue measured 6 GB for the dense description


async def test_warm_starts_every_worker_holding_the_shared_object() -> None:
    pool = CpuPool(2, Budget(seconds=60))
    try:
        shared = {"k": "v"}
        await pool.warm(shared)
        assert pool.started == 2 and len(pool.worker_pids()) == 2
        assert [w.shared_key for w in pool._idle] == [pool._shared.key] * 2 if pool._shared else False
        assert await pool.run("match", "s", uses_shared, "k", shared=shared) == "v"
        assert pool.started == 2
    finally:
        await pool.aclose()

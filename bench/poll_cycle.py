"""Poll-cycle benchmark: pressmon's unchanged and first cycles, and the daemon's steady state, against raw
clients on the same loopback feeds, same run.

Run ``.venv/bin/python bench/poll_cycle.py [--quick] [--sources 1000] [--items 10] [--concurrency 10]
[--repeat 3] [--steady 30] [--profile]``. The feed server runs in its own process (bench/feeds.py).
Read the ratios, not the seconds: the machine is shared. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import feedparser
import httpx

import monitor.fetch
from bench.feeds import (
    Daemon,
    FeedServer,
    Row,
    median,
    parse_args,
    poll_log_counts,
    pressmon_env,
    print_table,
    write_config,
)
from monitor.app import App
from monitor.config.loader import load_config
from monitor.settings import Settings
from monitor.work import PassReport

# --- pressmon in process --------------------------------------------------------------------------


def open_app(db: Path, cfg: Path, concurrency: int, transport: httpx.AsyncBaseTransport | None = None) -> App:
    # No per-host spacing in process: these rows compare throughput with raw clients that have none.
    settings = Settings(
        database_url=f"sqlite:///{db}",
        allow_private_networks=True,
        max_concurrent_fetches=concurrency,
        per_host_spacing_seconds=0,
    )
    app = App.build(settings, load_config(cfg), stream=io.StringIO(), transport=transport)
    app.prepare_database(exclusive=False)
    return app


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


def statuses(report: PassReport) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in report.sources:
        out[s.status] = out.get(s.status, 0) + 1
    return out


# --- raw clients (the baselines) ------------------------------------------------------------------


def aiohttp_transport(concurrency: int) -> httpx.AsyncBaseTransport | None:
    """httpx's API over aiohttp (the httpx-aiohttp package), pooled like make_client; None if missing."""
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:
        return None
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    return AiohttpTransport(limits=limits, trust_env=False)


async def httpx_round(
    urls: list[str],
    concurrency: int,
    etags: dict[str, str],
    *,
    parse: bool,
    transport: httpx.AsyncBaseTransport | None = None,
) -> float:
    """Bare httpx, C in flight: conditional GETs when ``etags`` has the URL, else GET (+ feedparser)."""
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)

    async def get(url: str) -> None:
        headers = {"If-None-Match": etags[url]} if url in etags else {}
        async with sem:
            r = await client.get(url, headers=headers)
        if r.status_code not in (200, 304):
            raise RuntimeError(f"bare httpx: {url}: HTTP {r.status_code}")
        etags[url] = r.headers["etag"]
        if parse and r.status_code == 200 and not feedparser.parse(r.content).entries:
            raise RuntimeError(f"bare httpx: {url}: no entries parsed")

    async with httpx.AsyncClient(limits=limits, trust_env=False, transport=transport) as client:
        t, _ = await timed(lambda: asyncio.gather(*(get(u) for u in urls)))
    return t


async def aiohttp_round(urls: list[str], concurrency: int, etags: dict[str, str]) -> float:
    """Raw aiohttp conditional GETs, C in flight: the floor an HTTP client in Python reaches here."""
    sem = asyncio.Semaphore(concurrency)

    async def get(url: str) -> None:
        async with sem, session.get(url, headers={"If-None-Match": etags[url]}) as r:
            await r.read()
            if r.status != 304:
                raise RuntimeError(f"raw aiohttp: {url}: HTTP {r.status}")

    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        t, _ = await timed(lambda: asyncio.gather(*(get(u) for u in urls)))
    return t


# --- the daemon's steady state --------------------------------------------------------------------


def steady_state(cfg: Path, db: Path, workdir: Path, seconds: float) -> tuple[float, dict[str, int]]:
    """``pressmon run`` (default settings) on an already-baselined database: polls/s from poll_log."""
    with Daemon(cfg, pressmon_env(db), workdir) as daemon:
        daemon.wait_polling(db)
        before, t0 = poll_log_counts(db), time.monotonic()
        time.sleep(seconds)
        after, t1 = poll_log_counts(db), time.monotonic()
        daemon.check_alive()
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return sum(delta.values()) / (t1 - t0), {k: v for k, v in delta.items() if v}


# --- profile ----------------------------------------------------------------------------------------


async def profile_new(cfg: Path, workdir: Path, concurrency: int) -> None:
    """One extra first pass under cProfile; worker-thread DB calls run inline so they show."""

    async def inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    real, asyncio.to_thread = asyncio.to_thread, inline
    prof = cProfile.Profile()
    try:
        app = open_app(workdir / "profile.db", cfg, concurrency)
        prof.enable()
        wall, _ = await timed(app.poll_pass)
        prof.disable()
        await app.aclose()
    finally:
        asyncio.to_thread = real
    stats: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    probes = {
        "fetch (monitor.fetch + httpx)": ("fetch.py", ("fetch",)),
        "read_feed (decode + parse)": ("feed.py", ("read_feed",)),
        "decide_success (match, diff)": ("pipeline.py", ("decide_success",)),
        "commit_poll (SQLite write)": ("poll_commit.py", ("commit_poll",)),
    }
    print(f"\ncProfile of one first pass ({wall:.2f}s wall, inflated by cProfile; DB calls inline):")
    for label, (file, funcs) in probes.items():
        cum = sum(v[3] for k, v in stats.items() if k[0].endswith(file) and k[2] in funcs)
        print(f"  {label:38} {cum:6.2f}s  {100 * cum / wall:5.1f}%")


# --- main ---------------------------------------------------------------------------------------


async def unchanged_pass(app: App, feeds: FeedServer) -> tuple[float, dict[str, int], int]:
    """One pressmon pass over unchanged feeds: seconds, statuses, TCP connections the server accepted."""
    before, _ = feeds.stats()
    t, report = await timed(app.poll_pass)
    after, _ = feeds.stats()
    return t, statuses(report), after - before


async def in_process(args: argparse.Namespace, cfg: Path, db: Path, feeds: FeedServer) -> dict[str, Any]:
    n, c, urls = args.sources, args.concurrency, feeds.urls
    app = open_app(db, cfg, c)
    transport = aiohttp_transport(c)
    aio_app = open_app(db, cfg, c, transport) if transport is not None else None
    times: dict[str, list[float]] = {
        k: [] for k in ("pressmon", "pressmon_aio", "httpx", "httpx_aio", "aiohttp")
    }
    got: dict[str, Any] = {}
    try:
        t_first, report = await timed(app.poll_pass)
        got["first"], got["first_status"] = n / t_first, statuses(report)
        etags: dict[str, str] = {}
        got["parse"] = n / await httpx_round(urls, c, etags, parse=True)  # bare fetch + feedparser, all new
        for _ in range(args.repeat):  # interleaved, so machine noise hits every client alike
            t, got["unchanged"], got["connections"] = await unchanged_pass(app, feeds)
            times["pressmon"].append(t)
            if aio_app is not None:
                t, got["unchanged_aio"], _ = await unchanged_pass(aio_app, feeds)
                times["pressmon_aio"].append(t)
                times["httpx_aio"].append(
                    await httpx_round(urls, c, etags, parse=False, transport=aiohttp_transport(c))
                )
            times["httpx"].append(await httpx_round(urls, c, etags, parse=False))
            times["aiohttp"].append(await aiohttp_round(urls, c, etags))
        # The same pass with unused bodies left unread (as before the drain): every 304 closes its connection.
        drain, monitor.fetch._drain = monitor.fetch._drain, _no_drain  # type: ignore[attr-defined]
        try:
            _, _, got["connections_undrained"] = await unchanged_pass(app, feeds)
        finally:
            monitor.fetch._drain = drain  # type: ignore[attr-defined]
    finally:
        await app.aclose()
        if aio_app is not None:
            await aio_app.aclose()
    got.update({k: n / median(v) if v else None for k, v in times.items()})
    return got


async def _no_drain(response: httpx.Response) -> None:
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=10, help="max_concurrent_fetches")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--steady", type=float, default=30.0, help="seconds of daemon steady state measured")
    ap.add_argument("--every", default="1s", help="the sources' `every` in the daemon run")
    ap.add_argument("--profile", action="store_true", help="also cProfile one pressmon first pass")
    args = parse_args(ap, argv, {"sources": 50, "items": 5, "repeat": 1, "steady": 5.0})

    with FeedServer(args.sources, args.items) as feeds, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = write_config(work / "feeds.yaml", feeds.urls, every=args.every)
        db = work / "bench.db"
        got = asyncio.run(in_process(args, cfg, db, feeds))
        steady, steady_status = steady_state(cfg, db, work, args.steady)
        if args.profile:
            asyncio.run(profile_new(cfg, work, args.concurrency))

    n, c = args.sources, args.concurrency
    raw = "raw aiohttp conditional GET"
    aio = got["pressmon_aio"]

    def vs_raw(what: str, value: float | None, target: str = ">= 0.5x") -> Row:
        met = None if not target or value is None else value >= 0.5 * got["aiohttp"]
        return Row(what, value, got["aiohttp"], "polls/s", target, met, raw)

    rows = [
        vs_raw("unchanged cycle, in process", got["pressmon"]),
        Row("unchanged cycle, in process", got["pressmon"], got["httpx"], "polls/s", "", None,
            "bare httpx conditional GET"),
        vs_raw("unchanged cycle, in process, httpx-aiohttp", aio, ""),
        vs_raw("daemon steady state (pressmon run)", steady),
        vs_raw("bare httpx (tuned pool) conditional GET", got["httpx"], ""),
        vs_raw("bare httpx over httpx-aiohttp conditional GET", got["httpx_aio"], ""),
        Row("TCP connections opened, unchanged cycle", got["connections"], got["connections_undrained"],
            "count", "", None, "same pass, unused bodies not drained"),
        Row("first poll, in process (stored, no alerts)", got["first"], got["parse"], "sources/s", "", None,
            "bare httpx GET + feedparser"),
    ]  # fmt: skip
    saved = got["connections_undrained"] - got["connections"]
    print_table(
        f"poll_cycle: {n} sources x {args.items} items, {c} fetches in flight, median of {args.repeat}",
        rows,
        [
            f"first pass statuses: {got['first_status']}; unchanged pass statuses: {got['unchanged']}",
            f"daemon: default settings, every {args.every}, {args.steady:g} s measured: {steady_status}",
            f"draining 304 bodies saved {saved} of {got['connections_undrained']} TCP handshakes per cycle",
            "httpx-aiohttp rows: '-' when the package is not installed"
            if aio is None
            else f"httpx-aiohttp pass statuses: {got['unchanged_aio']}",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

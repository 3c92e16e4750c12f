"""Poll-cycle benchmark: one pressmon ``poll_pass`` against bare httpx on the same loopback feeds.

Run ``.venv/bin/python bench/poll_cycle.py [--sources N] [--items M] [--concurrency C] [--repeat R]``.
The feed server runs in its own process (asyncio, raw sockets, HTTP/1.1 keep-alive, ETag + 304).
Read the ratios, not the seconds: the machine is shared. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import io
import multiprocessing as mp
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from typing import Any
from xml.sax.saxutils import escape

import feedparser
import httpx

from monitor.app import App, PassReport
from monitor.config.schema import Config, ConsoleReceiver, Route, Source, Topic
from monitor.settings import Settings

WORDS = (
    *("ministry", "statement", "minister", "trade", "defence", "cooperation", "agreement", "bilateral"),
    *("talks", "policy", "export", "security", "budget", "summit", "delegation", "review", "partners"),
)
HOT = ("Japan announced new tariffs on steel imports.", "The FMS case covers radar spares.")

# --- feed server (separate process) -------------------------------------------------------------


def make_feed(i: int, items: int) -> bytes:
    rng = random.Random(i)
    base = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=i % 90)
    parts = [f"<title>Press office {i}</title><link>https://press{i}.example/</link>"]
    for j in range(items):
        title = " ".join(rng.choice(WORDS) for _ in range(7)).capitalize()
        hot = HOT[(i + j) % 2] + " " if (i * items + j) % 13 == 0 else ""  # ~1 item in 13 hits a topic
        text = (hot + " ".join(rng.choice(WORDS) for _ in range(45)).capitalize())[:300].rsplit(" ", 1)[0]
        link = f"https://press{i}.example/releases/{j}"
        parts.append(
            f"<item><title>{escape(title)}</title><link>{link}</link>"
            f'<guid isPermaLink="false">press{i}-{j}</guid>'
            f"<pubDate>{format_datetime(base - timedelta(hours=j * 5), usegmt=True)}</pubDate>"
            f"<description>{escape(text)}.</description></item>"
        )
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            + "".join(parts) + "</channel></rss>").encode()  # fmt: skip


def build_responses(n: int, items: int) -> dict[bytes, tuple[bytes, bytes, bytes]]:
    """path -> (ETag, full 200 response, 304 response), all precomputed."""
    out = {}
    for i in range(n):
        body = make_feed(i, items)
        etag = b'"' + hashlib.sha256(body).hexdigest()[:16].encode() + b'"'
        head = b"Content-Type: application/rss+xml; charset=utf-8\r\nETag: " + etag + b"\r\n"
        ok = b"HTTP/1.1 200 OK\r\n" + head + b"Content-Length: %d\r\n\r\n" % len(body) + body
        not_modified = b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\n\r\n"
        out[f"/feeds/{i}.xml".encode()] = (etag, ok, not_modified)
    return out


async def _serve(n: int, items: int, conn: Connection) -> None:
    responses = build_responses(n, items)
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
                target = head[0].split(b" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(b":") for h in head[1:])}
                etag, ok, not_modified = responses.get(target, (b"", missing, missing))
                writer.write(not_modified if etag and headers.get(b"if-none-match") == etag else ok)
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    conn.send(server.sockets[0].getsockname()[1])
    await server.serve_forever()


def serve(n: int, items: int, conn: Connection) -> None:
    asyncio.run(_serve(n, items, conn))


# --- scenarios ----------------------------------------------------------------------------------


def make_config(urls: list[str]) -> Config:
    return Config(
        sources=tuple(Source(id=f"press-{i:04d}", url=u) for i, u in enumerate(urls)),
        topics=(
            Topic(id="japan-tariffs", keywords=("japan",), requires=(("tariff*", "duties"),)),
            Topic(id="fms", keywords=("FMS", "foreign military sales")),
        ),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )


def open_app(tmp: str, config: Config, concurrency: int) -> App:
    settings = Settings(
        database_url=f"sqlite:///{tmp}/bench.db",
        allow_private_networks=True,
        max_concurrent_fetches=concurrency,
    )
    app = App.build(settings, config, stream=io.StringIO())
    app.prepare_database(exclusive=True)
    return app


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


def check(report: PassReport, want: str, n: int) -> None:
    statuses = [s.status for s in report.sources]
    if len(statuses) != n or any(s != want for s in statuses):
        raise RuntimeError(f"pressmon pass: expected {n} x {want!r}, got {sorted(set(statuses))}")


async def pressmon_round(config: Config, concurrency: int) -> tuple[float, float]:
    n = len(config.sources)
    with tempfile.TemporaryDirectory() as tmp:
        app = open_app(tmp, config, concurrency)
        try:
            t_new, report = await timed(app.poll_pass)
            check(report, "ok", n)
            t_same, report = await timed(app.poll_pass)
            check(report, "not_modified", n)
        finally:
            await app.aclose()
    return t_new, t_same


async def bare_round(urls: list[str], concurrency: int) -> tuple[float, float, float]:
    sem = asyncio.Semaphore(concurrency)
    etags: dict[str, str] = {}
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)

    async def get(url: str, *, conditional: bool = False, parse: bool = False) -> None:
        headers = {"If-None-Match": etags[url]} if conditional else {}
        async with sem:
            r = await client.get(url, headers=headers)
        if r.status_code != (304 if conditional else 200):
            raise RuntimeError(f"bare httpx: {url}: HTTP {r.status_code}")
        etags[url] = r.headers["etag"]
        if parse and not feedparser.parse(r.content).entries:
            raise RuntimeError(f"bare httpx: {url}: no entries parsed")

    async def run(**kw: bool) -> None:
        await asyncio.gather(*(get(u, **kw) for u in urls))

    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        t_new, _ = await timed(run)
        t_same, _ = await timed(lambda: run(conditional=True))
        t_parse, _ = await timed(lambda: run(parse=True))
    return t_new, t_same, t_parse


async def profile_new(config: Config, concurrency: int) -> None:
    """One extra all-new pass under cProfile; worker-thread DB calls are run inline so they show."""

    async def inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    real, asyncio.to_thread = asyncio.to_thread, inline
    prof = cProfile.Profile()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = open_app(tmp, config, concurrency)
            prof.enable()
            wall, _ = await timed(app.poll_pass)
            prof.disable()
            await app.aclose()
    finally:
        asyncio.to_thread = real
    stats: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    probes = {  # label: (file suffix, function names) whose cumulative time is summed
        "fetch (monitor.fetch + httpx)": ("fetch.py", ("fetch",)),
        "parse_feed (feedparser)": ("feed.py", ("parse_feed",)),
        "decide_success (match, diff)": ("pipeline.py", ("decide_success",)),
        "commit_poll (SQLite write)": ("polls.py", ("commit_poll",)),
        "load_stored, guid keys (SQLite)": ("polls.py", ("load_stored", "stored_guid_keys")),
    }
    print(
        f"\ncProfile of one pressmon all-new pass ({wall:.2f}s wall, inflated by cProfile; DB calls inline):"
    )
    for label, (file, funcs) in probes.items():
        cum = sum(v[3] for k, v in stats.items() if k[0].endswith(file) and k[2] in funcs)
        print(f"  {label:38} {cum:6.2f}s  {100 * cum / wall:5.1f}%")


# --- main ---------------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, urls: list[str]) -> dict[str, list[float]]:
    config = make_config(urls)
    times: dict[str, list[float]] = {k: [] for k in ("pn", "pu", "bn", "bu", "bp")}
    for _ in range(args.repeat):  # interleaved, so machine noise hits every scenario alike
        pn, pu = await pressmon_round(config, args.concurrency)
        bn, bu, bp = await bare_round(urls, args.concurrency)
        for key, t in zip(times, (pn, pu, bn, bu, bp), strict=True):
            times[key].append(t)
    return times


def report(args: argparse.Namespace, times: dict[str, list[float]]) -> None:
    n, med = args.sources, {k: statistics.median(v) for k, v in times.items()}
    print(f"\ncpus={os.cpu_count()}  python={platform.python_version()}  sources={n}  items={args.items}  "
          f"concurrency={args.concurrency}  repeat={args.repeat} (medians)")  # fmt: skip
    rows = [
        ("pressmon, all new", "pn", "bn"),
        ("pressmon, all unchanged (304)", "pu", "bu"),
        ("bare httpx, all new", "bn", "bn"),
        ("bare httpx, unchanged (304)", "bu", "bu"),
        ("bare httpx + feedparser, all new", "bp", "bn"),
    ]
    print(f"{'scenario':34} {'median s':>9} {'sources/s':>10} {'x bare fetch':>13}")
    for label, key, ref in rows:
        print(f"{label:34} {med[key]:9.3f} {n / med[key]:10.0f} {med[key] / med[ref]:12.1f}x")
    print(f"\npressmon is {med['pn'] / med['bn']:.1f}x the bare-fetch time on a new-feed cycle; "
          f"{med['pu'] / med['bu']:.1f}x on an unchanged cycle "
          f"(feedparser alone: {med['bp'] / med['bn']:.1f}x).")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="also cProfile one pressmon all-new pass")
    args = ap.parse_args()

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=serve, args=(args.sources, args.items, child), daemon=True)
    server.start()
    try:
        if not parent.poll(30):
            raise RuntimeError(f"feed server did not start (exit code {server.exitcode})")
        port = parent.recv()
        urls = [f"http://127.0.0.1:{port}/feeds/{i}.xml" for i in range(args.sources)]
        report(args, asyncio.run(measure(args, urls)))
        if args.profile:
            asyncio.run(profile_new(make_config(urls), args.concurrency))
    finally:
        server.terminate()
        server.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())

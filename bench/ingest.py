"""Ingest benchmark: entries/s end to end for a first poll and for a second poll where every entry is new
(a burst of news), against feedparser alone parsing the same bytes, same run.

Run ``.venv/bin/python bench/ingest.py [--quick] [--sources 100] [--items 10] [--concurrency 10]
[--workers N]``. ~5% of entries match a topic. "End to end" is ``poll_pass`` in process: fetch, decode,
parse, identity, match, stories, diff, and the commit (items, mentions, queued alerts) on a fresh SQLite
file. Both polls run twice, each time on a fresh database: with the CPU stages in worker processes (the
default, ``PRESSMON_PARSE_WORKERS``) and in process (``--workers 0``: threads, as before the pool). The
per-host gate is opened (``per_host_concurrency`` = in flight, no spacing): this measures the pipeline,
not politeness (at the defaults each host of 20 feeds is asked at most twice a second).
Read the ratios, not the seconds: the machine is shared. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser
import httpx

from bench.feeds import FeedServer, Row, parse_args, print_table, write_config
from monitor.app import App
from monitor.config.loader import load_config
from monitor.settings import Settings
from monitor.sources import fastfeed, feed
from monitor.sources.feed import read_feed

FEED_HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
BASE_URL = "https://press.example/"


def feedparser_rate(bodies: list[bytes]) -> tuple[float, int]:
    """Entries/s of ``feedparser.parse`` alone over ``bodies``, and how many entries it read."""
    started = time.perf_counter()
    count = sum(len(feedparser.parse(b).entries) for b in bodies)
    return count / (time.perf_counter() - started), count


def read_feed_rate(bodies: list[bytes], *, fast_path: bool) -> float:
    """Entries/s of pressmon's whole parse stage (decode, prepare, parse, clean) over ``bodies``."""
    started = time.perf_counter()
    count = sum(
        len(read_feed("bench", b, FEED_HEADERS, base_url=BASE_URL, fast_path=fast_path).entries)
        for b in bodies
    )
    return count / (time.perf_counter() - started)


def fastfeed_rate(bodies: list[bytes]) -> float:
    """Entries/s of the fast path's parser alone (monitor.sources.fastfeed.read) over ``bodies``."""
    started = time.perf_counter()
    docs = [fastfeed.read(b, header_lang=None, quirks=feed._QUIRKS) for b in bodies]
    seconds = time.perf_counter() - started
    return sum(len(d["entries"]) for d in docs if d) / seconds


def fetch_all(urls: list[str]) -> list[bytes]:
    with httpx.Client(trust_env=False) as client:
        return [client.get(u).content for u in urls]


async def poll(app: App) -> tuple[float, dict[str, int], int]:
    started = time.perf_counter()
    report = await app.poll_pass()
    seconds = time.perf_counter() - started
    out: dict[str, int] = {}
    for s in report.sources:
        out[s.status] = out.get(s.status, 0) + 1
    return seconds, out, sum(s.new for s in report.sources)


async def _two_polls(
    args: argparse.Namespace,
    feeds: FeedServer,
    tmp: str,
    workers: int | None,
    rows: list[Row],
    notes: list[str],
) -> list[bytes]:
    cfg = write_config(Path(tmp) / "feeds.yaml", feeds.urls)
    db = Path(tmp) / f"bench-{workers}.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        allow_private_networks=True,
        max_concurrent_fetches=args.concurrency,
        per_host_concurrency=args.concurrency,
        per_host_spacing_seconds=0,
        parse_workers=workers,
    )
    app = App.build(settings, load_config(cfg), stream=io.StringIO())
    app.prepare_database(exclusive=False)
    mode = f"{app.cpu.size} workers" if app.cpu.size else "in process"
    started = time.perf_counter()
    await app.cpu.warm(app.poll_ctx.topics)  # the daemon's workers are up before its first poll
    if app.cpu.size:
        notes.append(
            f"{mode}: started, each holding the topic matcher, in {time.perf_counter() - started:.1f} s"
        )
    bodies: list[bytes] = []
    try:
        for i, label in enumerate(("first poll (baseline, stored)", "second poll, every entry new")):
            if i:
                feeds.advance(args.items)  # every feed: `items` new entries, none of the old ones
            bodies = fetch_all(feeds.urls)
            fp_rate, fp_entries = feedparser_rate(bodies)
            seconds, status, new = await poll(app)
            rate = new / seconds
            rows.append(
                Row(f"{label}, {mode}", rate, fp_rate, "entries/s", ">= 10x, 10,000/s",
                    rate >= 10 * fp_rate and rate >= 10_000, "feedparser.parse alone, same bytes")
            )  # fmt: skip
            notes.append(
                f"{label}, {mode}: {new} new entries of {fp_entries} in {seconds:.1f} s; statuses {status}"
            )
    finally:
        await app.aclose()
    feeds.advance(args.items)  # the next mode starts from entries no database has seen
    return bodies


async def measure(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    notes: list[str] = []
    with FeedServer(args.sources, args.items) as feeds, tempfile.TemporaryDirectory() as tmp:
        for workers in (args.workers, 0):
            bodies = await _two_polls(args, feeds, tmp, workers, rows, notes)
        # The parse stage alone, both paths, on the bytes of the last poll.
        fp_rate, _ = feedparser_rate(bodies)
        fast_rate = fastfeed_rate(bodies)
        rows.append(Row("parser alone, fastfeed.read (lxml)", fast_rate, fp_rate, "entries/s", "", None,
                        "feedparser.parse alone, same bytes"))  # fmt: skip
        for fast in (True, False):
            label = "parse stage, read_feed " + ("(lxml fast path)" if fast else "(feedparser path)")
            rows.append(Row(label, read_feed_rate(bodies, fast_path=fast), fp_rate, "entries/s", "", None,
                            "feedparser.parse alone, same bytes"))  # fmt: skip
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=100)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=10, help="pressmon's max_concurrent_fetches")
    ap.add_argument("--workers", type=int, default=None, help="parse workers (default: one per core)")
    args = parse_args(ap, argv, {"sources": 20, "items": 5})

    rows, notes = asyncio.run(measure(args))
    print_table(
        f"ingest: {args.sources} sources x {args.items} items, ~5% matching, {args.concurrency} in flight",
        rows,
        notes,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

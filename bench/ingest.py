"""Ingest benchmark: entries/s end to end for a first poll and for a second poll where every entry is new
(a burst of news), against feedparser alone parsing the same bytes, same run.

Run ``.venv/bin/python bench/ingest.py [--quick] [--sources 100] [--items 10] [--concurrency 10]``.
~5% of entries match a topic. "End to end" is ``poll_pass`` in process: fetch, decode, parse, identity,
match, stories, diff, and the commit (items, mentions, queued alerts) on a fresh SQLite file.
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


def feedparser_rate(bodies: list[bytes]) -> tuple[float, int]:
    """Entries/s of ``feedparser.parse`` alone over ``bodies``, and how many entries it read."""
    started = time.perf_counter()
    count = sum(len(feedparser.parse(b).entries) for b in bodies)
    return count / (time.perf_counter() - started), count


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


async def measure(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    notes: list[str] = []
    with FeedServer(args.sources, args.items) as feeds, tempfile.TemporaryDirectory() as tmp:
        cfg = write_config(Path(tmp) / "feeds.yaml", feeds.urls)
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            allow_private_networks=True,
            max_concurrent_fetches=args.concurrency,
        )
        app = App.build(settings, load_config(cfg), stream=io.StringIO())
        app.prepare_database(exclusive=False)
        try:
            for label in ("first poll (baseline, stored)", "second poll, every entry new"):
                if rows:
                    feeds.advance(args.items)  # every feed: `items` new entries, none of the old ones
                bodies = fetch_all(feeds.urls)
                fp_rate, fp_entries = feedparser_rate(bodies)
                seconds, status, new = await poll(app)
                rate = new / seconds
                rows.append(
                    Row(label, rate, fp_rate, "entries/s", ">= 10x, 10,000/s",
                        rate >= 10 * fp_rate and rate >= 10_000, "feedparser.parse alone, same bytes")
                )  # fmt: skip
                notes.append(
                    f"{label}: {new} new entries of {fp_entries} in {seconds:.1f} s; statuses {status}"
                )
        finally:
            await app.aclose()
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=100)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=10, help="pressmon's max_concurrent_fetches")
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

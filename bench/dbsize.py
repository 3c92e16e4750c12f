"""Database size per 1,000 items, and what retention gives back.

Run ``.venv/bin/python bench/dbsize.py [--sources 20] [--items 50] [--postgres URL]``. Loopback feeds of
press-release-sized items (about 1,500 characters each, 1 in 10 mentioning a topic) are polled by the
real ``poll_pass``: a baseline, then a pass where 1 item in 10 is revised and 5 new items appear per
source (alerted: mentions and outbox rows). The sizes are measured after VACUUM; then everything is
pruned as if a year had passed (``Retention()`` defaults) and measured again. The ratio pruned/kept is
the figure to read; the bytes depend on the SQLite/PostgreSQL version, not on the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Retention, Source, Topic
from monitor.settings import Settings
from monitor.store.maintenance import prune
from monitor.store.upkeep import database_size, vacuum
from tests.support.httpserver import FeedServer

WORDS = (
    *("ministry", "statement", "minister", "trade", "defence", "cooperation", "agreement", "bilateral"),
    *("talks", "policy", "export", "security", "budget", "summit", "delegation", "review", "partners"),
    *("investment", "framework", "tariff"),
)
TOPIC = Topic(
    id="fms-japan", title="FMS to Japan", keywords=("Foreign Military Sale",), requires=(("Japan",),)
)


def feed(source: int, items: int, *, revised: bool, extra: int) -> bytes:
    rng = random.Random(source)
    parts = []
    for j in range(items + extra):
        words = " ".join(rng.choice(WORDS) for _ in range(200))
        hot = "a possible Foreign Military Sale to the Government of Japan. " if j % 10 == 0 else ""
        edit = " Updated." if revised and j % 10 == 3 else ""
        parts.append(
            f"<item><guid isPermaLink='false'>s{source}-{j}</guid><title>Release {source}-{j}</title>"
            f"<link>https://press{source}.example/{j}</link>"
            f"<description>{escape(hot + words + edit)}</description></item>"
        )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><link>https://x.example/</link>"
        f"<description>d</description>{''.join(parts)}</channel></rss>"
    ).encode()


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() or 0)


async def measure(url: str, sources: int, items: int) -> dict[str, float]:
    with FeedServer() as server:
        config = Config(
            sources=tuple(
                Source(
                    id=f"s{i}", url=server.url(f"/s{i}.xml"), every=timedelta(minutes=15), max_entries=1000
                )
                for i in range(sources)
            ),
            topics=(TOPIC,),
            routes=(Route(to=("console",)),),
            receivers={"console": ConsoleReceiver()},
        )
        app = App.build(Settings(database_url=url, allow_private_networks=True), config, stream=io.StringIO())
        try:
            app.prepare_database(exclusive=False)
            for i in range(sources):
                server.set(f"/s{i}.xml", feed(i, items, revised=False, extra=0))
            await app.poll_pass()
            for i in range(sources):
                server.set(f"/s{i}.xml", feed(i, items, revised=True, extra=5))
            await app.poll_pass()
            await app.deliver()
            n = count(app.engine, "item")
            vacuum(app.engine)
            kept = database_size(app.engine)
            later = datetime.now(UTC) + timedelta(days=400)
            pruned = prune(app.engine, Retention(), now=later)
            vacuum(app.engine)
            after = database_size(app.engine)
            return {
                "items": n,
                "revisions": count(app.engine, "revision"),
                "poll_log": sum(pruned.values()) and pruned["poll_log"],
                "bytes_per_1000_items": kept / n * 1000,
                "bytes_per_1000_items_after_prune": after / n * 1000,
                "ratio_after_prune": after / kept,
            }
        finally:
            await app.aclose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=20)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--postgres", help="a PostgreSQL URL of an empty database to measure too")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        targets = [("sqlite", f"sqlite:///{d}/size.db")]
        if args.postgres:
            targets.append(("postgresql", args.postgres))
        print("| database | items | revisions | MB per 1,000 items | after a year's pruning | ratio |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, url in targets:
            r = asyncio.run(measure(url, args.sources, args.items))
            kept, after = r["bytes_per_1000_items"] / 1e6, r["bytes_per_1000_items_after_prune"] / 1e6
            print(
                f"| {name} | {r['items']:.0f} | {r['revisions']:.0f} | {kept:.2f} | {after:.2f} | "
                f"{r['ratio_after_prune']:.2f} |"
            )


if __name__ == "__main__":
    main()

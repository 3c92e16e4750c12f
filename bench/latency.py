"""Latency benchmark: poll-to-receiver and publish-to-receiver with 1,000 sources active, through a
loopback webhook sink that timestamps arrivals, against a bare fetch-parse-POST loop, same run.

Run ``.venv/bin/python bench/latency.py [--quick] [--sources 1000] [--items 10] [--every 60s]
[--seconds 90]``. Steps: the corpus is served (bench/feeds.py); ``pressmon poll --once`` stores the first
poll (a baseline: nothing alerts); ``pressmon run`` starts with default settings and every source at
``--every``; then every feed publishes one new entry that matches a topic, at one instant T (the feed
server's clock). For each alert the sink receives: publish-to-receiver = arrival - T, and
poll-to-receiver = arrival - the moment the feed server first served that feed's new body.
The baseline does the same for ``--baseline-samples`` feeds with nothing but aiohttp, feedparser and a
POST to the same sink: the floor of this machine. Feeds not alerted within ``--seconds`` are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import feedparser
from aiohttp import web

from bench.feeds import (
    Daemon,
    FeedServer,
    Row,
    parse_args,
    percentile,
    pressmon_argv,
    pressmon_env,
    print_table,
    run_measured,
    write_config,
)


class Sink:
    """A webhook receiver on 127.0.0.1 in its own thread: records (arrival time, JSON body) per POST."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, object]]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        at = time.time()
        with self._lock:
            self.arrivals.append((at, json.loads(body)))
        return web.Response(text="ok")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> Sink:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def taken(self) -> list[tuple[float, dict[str, object]]]:
        with self._lock:
            out, self.arrivals = self.arrivals, []
        return out


async def baseline(feeds: FeedServer, sink: Sink, samples: int) -> list[float]:
    """Fetch, parse, POST the newest entry for ``samples`` feeds one at a time: arrival - fetch start."""
    latencies = []
    async with aiohttp.ClientSession() as session:
        for i in range(samples):
            started = time.time()
            async with session.get(feeds.url(i)) as r:
                body = await r.read()
            entry = feedparser.parse(body).entries[0]
            payload = {"source": {"id": f"press-{i:04d}"}, "title": entry.title, "url": entry.link}
            async with session.post(sink.url, json=payload) as r:
                await r.read()
            arrival = next(at for at, p in reversed(sink.arrivals) if p == payload)
            latencies.append(arrival - started)
    sink.taken()
    return latencies


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--every", default="60s", help="the sources' `every`")
    ap.add_argument("--seconds", type=float, default=90.0, help="how long to wait for alerts")
    ap.add_argument("--baseline-samples", type=int, default=200)
    quick = {"sources": 30, "items": 5, "every": "5s", "seconds": 20.0, "baseline_samples": 30}
    args = parse_args(ap, argv, quick)

    receivers = "receivers:\n  hook: {{kind: webhook, url: '{url}'}}\n"
    with (
        FeedServer(args.sources, args.items, hot_from=args.items) as feeds,
        Sink() as sink,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work, db = Path(tmp), Path(tmp) / "bench.db"
        cfg = write_config(
            work / "feeds.yaml", feeds.urls, every=args.every,
            receivers_yaml=receivers.format(url=sink.url), route_to="hook",
        )  # fmt: skip
        first_s, _, _ = run_measured(
            pressmon_argv("poll", "--once", "-c", str(cfg)), pressmon_env(db), work / "p.log"
        )
        with Daemon(cfg, pressmon_env(db), work) as daemon:
            daemon.wait_polling(db)
            sink.taken()
            published = feeds.advance(1)
            deadline = time.monotonic() + args.seconds
            alerted: dict[int, float] = {}
            while time.monotonic() < deadline and len(alerted) < args.sources:
                daemon.check_alive()
                for at, payload in sink.taken():
                    source = payload.get("source")
                    sid = str(source.get("id", "")) if isinstance(source, dict) else ""
                    if sid.startswith("press-"):
                        alerted.setdefault(int(sid[6:]), at)
                time.sleep(0.2)
            served = feeds.served()
        feeds.advance(1)
        floor = asyncio.run(baseline(feeds, sink, min(args.baseline_samples, args.sources)))

    poll_to = [at - served[i] for i, at in alerted.items() if i in served]
    publish_to = [at - published for at in alerted.values()]
    p99, p99_floor = percentile(poll_to, 0.99), percentile(floor, 0.99)
    missed = args.sources - len(alerted)
    every_s = _seconds(args.every)
    pub99 = percentile(publish_to, 0.99) if not missed else None
    rows = [
        Row("poll-to-receiver p99", p99, p99_floor, "s", "<= 1 s", p99 is not None and p99 <= 1,
            "aiohttp GET + feedparser + POST"),
        Row("poll-to-receiver p50", percentile(poll_to, 0.5), percentile(floor, 0.5), "s", "", None,
            "aiohttp GET + feedparser + POST"),
        Row("publish-to-receiver p99", pub99, every_s * 1.1, "s", "<= every+jitter",
            pub99 is not None and pub99 <= every_s * 1.1, "the source's every + 10% jitter"),
    ]  # fmt: skip
    print_table(
        f"latency: {args.sources} sources x {args.items} items, every {args.every}, default settings",
        rows,
        [
            f"{len(alerted)} of {args.sources} feeds alerted within {args.seconds:g} s of publishing"
            + (f"; {missed} not (publish-to-receiver p99 is then unbounded: '-')" if missed else ""),
            f"publish-to-receiver of those alerted: p50 {percentile(publish_to, 0.5) or 0:.1f} s, "
            f"max {max(publish_to, default=0):.1f} s; first poll (pressmon poll --once) took {first_s:.1f} s",
        ],
    )
    return 0


def _seconds(every: str) -> float:
    from monitor.config.fields import parse_duration

    return parse_duration(every).total_seconds()


if __name__ == "__main__":
    sys.exit(main())

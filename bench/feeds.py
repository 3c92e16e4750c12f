"""What the benches share: a generated corpus (fixed seed), a loopback feed server in its own process,
a daemon config writer, and the one table every bench prints.

The corpus: source ``i`` is an RSS 2.0 feed whose newest entry is number ``head`` (starting at
``items - 1``); it lists entries ``head - items + 1 .. head``, newest first. Entry ``(i, n)`` is the same
bytes whenever it is generated (seeded by ``i`` and ``n``), ~5% of entries carry a sentence that one of
:data:`TOPICS` matches, and entries ``n >= hot_from`` all do (the latency bench uses that so every new
entry alerts). The server answers ``GET /feeds/<i>.xml`` with an ETag and 304 to a matching
``If-None-Match``, keeps connections alive, and takes control requests from the bench:

- ``GET /_advance?by=K[&first=A&count=B]``: feeds ``A .. A+B-1`` (default all) move their head by K
  (K new entries each; K >= items makes every entry new). Answers the server's clock (time.time()).
- ``GET /_served``: JSON ``{feed: time}``, when each feed first answered 200 since the last advance
  (when a poller picked the new entries up).
- ``GET /_stats``: JSON ``{"connections": n, "requests": m}``: connections that asked for a feed, and
  feed requests, since the start (how many TCP handshakes pollers paid).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import platform
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

__all__ = [
    "HOT",
    "TOPICS_YAML",
    "Daemon",
    "FeedServer",
    "Row",
    "machine_line",
    "make_feed",
    "parse_args",
    "poll_log_counts",
    "poll_log_errors",
    "pressmon_argv",
    "pressmon_env",
    "print_table",
    "run_measured",
    "write_config",
]

SEED = 20260101
WORDS = (
    *("ministry", "statement", "minister", "trade", "defence", "cooperation", "agreement", "bilateral"),
    *("talks", "policy", "export", "security", "budget", "summit", "delegation", "review", "partners"),
    *("energy", "climate", "health", "education", "transport", "infrastructure", "finance", "council"),
    *("committee", "report", "consultation", "framework", "programme", "initiative", "regional", "annual"),
    *("investment", "development", "innovation", "research", "digital", "maritime", "agriculture", "labour"),
    *("visit", "meeting", "conference", "announcement", "decision", "measures", "support", "funding"),
)
HOT = ("Japan announced new tariffs on steel imports.", "The FMS case covers radar spares.")
HOT_EVERY = 20  # ~5% of entries match a topic
TOPICS_YAML = """\
topics:
  - id: japan-tariffs
    keywords: [japan]
    requires: [[tariff*, duties]]
  - id: fms
    keywords: [FMS, foreign military sales]
"""
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _entry(i: int, n: int, hot_from: int) -> str:
    rng = random.Random(SEED * 1_000_003 + i * 100_003 + n)
    title = " ".join(rng.choice(WORDS) for _ in range(8)).capitalize()
    hot = n >= hot_from or (i * 31 + n) % HOT_EVERY == 0
    words = " ".join(rng.choice(WORDS) for _ in range(70)).capitalize()
    text = (f"{HOT[(i + n) % 2]} " if hot else "") + f"{words}."
    published = EPOCH + timedelta(minutes=n * 7 + i % 60)
    return (
        f"<item><title>{escape(title)}</title><link>https://press{i}.example/releases/{n}</link>"
        f'<guid isPermaLink="false">press{i}-{n}</guid>'
        f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate>"
        f"<description>{escape(text)}</description></item>"
    )


def make_feed(i: int, items: int, *, head: int | None = None, hot_from: int = 1 << 62) -> bytes:
    """Feed ``i`` with ``items`` entries, the newest numbered ``head`` (default ``items - 1``)."""
    head = items - 1 if head is None else head
    entries = "".join(_entry(i, n, hot_from) for n in range(head, max(head - items, -1), -1))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Press office {i}</title><link>https://press{i}.example/</link>"
        f"<description>Statements of press office {i}</description>{entries}</channel></rss>"
    ).encode()


# --- the server (its own process) -----------------------------------------------------------------


class _State:
    def __init__(self, n: int, items: int, hot_from: int) -> None:
        self.n, self.items, self.hot_from = n, items, hot_from
        self.heads = [items - 1] * n
        self.cache: dict[int, tuple[int, bytes, bytes, bytes]] = {}  # i -> (head, etag, 200, 304)
        self.served: dict[int, float] = {}
        self.connections = self.requests = 0

    def responses(self, i: int) -> tuple[bytes, bytes, bytes]:
        head = self.heads[i]
        hit = self.cache.get(i)
        if hit is None or hit[0] != head:
            body = make_feed(i, self.items, head=head, hot_from=self.hot_from)
            etag = b'"' + hashlib.sha256(body).hexdigest()[:16].encode() + b'"'
            ok = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\nETag: "
                + etag
                + b"\r\nContent-Length: %d\r\n\r\n" % len(body)
                + body
            )
            hit = (head, etag, ok, b"HTTP/1.1 304 Not Modified\r\nETag: " + etag + b"\r\n\r\n")
            self.cache[i] = hit
        return hit[1], hit[2], hit[3]

    def control(self, target: str) -> bytes:
        path, _, query = target.partition("?")
        args = dict(p.partition("=")[::2] for p in query.split("&") if p)
        if path == "/_stats":
            payload = json.dumps({"connections": self.connections, "requests": self.requests})
        elif path == "/_advance":
            first, count = int(args.get("first", 0)), int(args.get("count", self.n))
            for i in range(first, min(first + count, self.n)):
                self.heads[i] += int(args.get("by", 1))
                self.served.pop(i, None)
            payload = json.dumps({"at": time.time()})
        else:
            payload = json.dumps(self.served)
        body = payload.encode()
        return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
            len(body),
            body,
        )


FEEDS_PER_HOST = 20  # the corpus spreads over loopback addresses: one per 20 feeds, like press offices


def loopback_hosts(sources: int, per_host: int = FEEDS_PER_HOST) -> list[str]:
    """The loopback addresses the feeds are served from (127.0.0.1 first): each one a "host" for
    pressmon's per-host politeness, so the defaults apply as they would to many sites."""
    count = max(1, -(-sources // per_host))
    return ["127.0.0.1", *(f"127.0.{1 + k // 250}.{1 + k % 250}" for k in range(count - 1))]


async def _serve(n: int, items: int, hot_from: int, conn: Connection) -> None:
    state = _State(n, items, hot_from)
    missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counted = False  # connections that asked for a feed (not the bench's control requests)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
                target = head[0].split(b" ")[1].decode("latin-1")
                if not target.startswith("/_"):
                    state.requests += 1
                    state.connections += not counted
                    counted = True
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(b":") for h in head[1:])}
                length = int(headers.get(b"content-length", b"0") or 0)
                if length:
                    await reader.readexactly(length)
                if target.startswith("/_"):
                    writer.write(state.control(target))
                elif target.startswith("/feeds/") and target[7:-4].isdigit() and int(target[7:-4]) < n:
                    i = int(target[7:-4])
                    etag, ok, not_modified = state.responses(i)
                    if headers.get(b"if-none-match") == etag:
                        writer.write(not_modified)
                    else:
                        state.served.setdefault(i, time.time())
                        writer.write(ok)
                else:
                    writer.write(missing)
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    hosts = loopback_hosts(n)
    server = await asyncio.start_server(handle, hosts[0], 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    servers = [server]
    for host in hosts[1:]:  # the same port on every address
        servers.append(await asyncio.start_server(handle, host, port, backlog=4096))
    conn.send(port)
    parent = os.getppid()
    while os.getppid() == parent:  # the bench died without stopping us: stop too  # noqa: ASYNC110
        await asyncio.sleep(1)
    for s in servers:
        s.close()


def _serve_process(n: int, items: int, hot_from: int, conn: Connection) -> None:
    asyncio.run(_serve(n, items, hot_from, conn))


class FeedServer:
    """``with FeedServer(1000, 20) as feeds: feeds.urls ...`` -- the corpus on loopback, own process."""

    def __init__(self, sources: int, items: int, *, hot_from: int = 1 << 62) -> None:
        self.sources, self.items, self.hot_from = sources, items, hot_from
        ctx = mp.get_context("spawn")
        self._parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve_process, args=(sources, items, hot_from, child), daemon=True)
        self.port = 0
        self.hosts = loopback_hosts(sources)

    def __enter__(self) -> FeedServer:
        self._proc.start()
        if not self._parent.poll(60):
            self._proc.terminate()
            raise RuntimeError(f"feed server did not start (exit code {self._proc.exitcode})")
        self.port = self._parent.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.join()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    @property
    def urls(self) -> list[str]:
        return [self.url(i) for i in range(self.sources)]

    def url(self, i: int) -> str:
        """Feed ``i``, on loopback host ``i // FEEDS_PER_HOST``."""
        return f"http://{self.hosts[i // FEEDS_PER_HOST]}:{self.port}/feeds/{i}.xml"

    def _get(self, target: str) -> object:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{target}", timeout=30) as r:
            return json.loads(r.read())

    def advance(self, by: int, *, first: int = 0, count: int | None = None) -> float:
        """Publish ``by`` new entries in feeds ``first .. first+count-1``; the server's time of it."""
        n = self.sources if count is None else count
        answer = self._get(f"/_advance?by={by}&first={first}&count={n}")
        assert isinstance(answer, dict)
        return float(answer["at"])

    def stats(self) -> tuple[int, int]:
        """(connections accepted, feed requests answered) since the server started."""
        answer = self._get("/_stats")
        assert isinstance(answer, dict)
        return int(answer["connections"]), int(answer["requests"])

    def served(self) -> dict[int, float]:
        answer = self._get("/_served")
        assert isinstance(answer, dict)
        return {int(k): float(v) for k, v in answer.items()}


# --- pressmon as a user runs it ---------------------------------------------------------------------


def write_config(
    path: Path,
    urls: Sequence[str],
    *,
    every: str = "15m",
    receivers_yaml: str = "receivers:\n  console: {kind: console}\n",
    route_to: str = "console",
) -> Path:
    """A feeds.yaml for ``urls`` with the bench topics, one route to ``route_to``."""
    lines = ["sources:"]
    for i, url in enumerate(urls):
        lines.append(f"  - {{id: press-{i:04d}, url: '{url}', every: {every}, jitter: 0.1}}")
    text = "\n".join(lines) + "\n" + TOPICS_YAML + receivers_yaml + f"routes:\n  - to: [{route_to}]\n"
    path.write_text(text)
    return path


def pressmon_env(db: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMON_")}
    env.update(PRESSMON_DATABASE_URL=f"sqlite:///{db}", PRESSMON_ALLOW_PRIVATE_NETWORKS="1")
    env.update({f"PRESSMON_{k.upper()}": v for k, v in settings.items()})
    return env


def parse_args(ap: argparse.ArgumentParser, argv: Sequence[str] | None, quick: Mapping[str, Any]) -> Any:
    """``ap.parse_args(argv)``; with ``--quick``, ``quick`` replaces the defaults (explicit options win)."""
    ap.add_argument("--quick", action="store_true", help="small and short: " + ", ".join(
        f"{k.replace('_', '-')} {v:g}" if isinstance(v, float) else f"{k.replace('_', '-')} {v}"
        for k, v in quick.items()
    ))  # fmt: skip
    # SIGTERM unwinds like Ctrl-C, so the feed server and any pressmon subprocess are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = ap.parse_args(argv)
    if args.quick:
        ap.set_defaults(**quick)
        args = ap.parse_args(argv)
    return args


def pressmon_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


def run_measured(argv: Sequence[str], env: Mapping[str, str], log: Path) -> tuple[float, float, int]:
    """Run ``argv`` to the end, output to ``log``: (wall seconds, peak RSS in MiB, exit code)."""
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


class Daemon:
    """``pressmon run -c cfg`` in the background, output in ``workdir``; stopped with SIGTERM."""

    def __init__(self, cfg: Path, env: Mapping[str, str], workdir: Path) -> None:
        self.log = workdir / "daemon.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                pressmon_argv("run", "-c", str(cfg)), env=dict(env), stdout=out, stderr=subprocess.STDOUT
            )

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def memory_mib(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MiB, from /proc."""
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        )
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"pressmon run exited ({self.proc.returncode}): {self.log.read_text()[-800:]}")

    def wait_polling(self, db: Path, timeout: float = 60) -> None:
        """Until the daemon has written a poll_log line."""
        base, deadline = sum(poll_log_counts(db).values()), time.monotonic() + timeout
        while sum(poll_log_counts(db).values()) == base:
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"pressmon run did not poll within {timeout:g} s")
            time.sleep(0.2)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def poll_log_counts(db: Path) -> dict[str, int]:
    """poll_log rows by status, read with the standard library while pressmon runs ({} before migration)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute("SELECT status, count(*) FROM poll_log GROUP BY status").fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
    return {str(s): int(c) for s, c in rows}


def poll_log_errors(db: Path, limit: int = 3) -> list[str]:
    """The most frequent distinct errors in poll_log, as "N x error" (a bench table notes them)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute(
            "SELECT error, count(*) FROM poll_log WHERE status = 'error' "
            "GROUP BY error ORDER BY 2 DESC LIMIT ?",
            (limit,),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()
    return [f"{n} x {str(e)[:160]}" for e, n in rows]


# --- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a bench table. ``higher_is_better`` decides how the ratio is read against the target."""

    what: str
    pressmon: float | None
    baseline: float | None
    unit: str
    target: str = ""  # e.g. ">= 0.5x", "<= 150"
    met: bool | None = None
    baseline_label: str = ""

    @property
    def ratio(self) -> float | None:
        if self.pressmon is None or not self.baseline:
            return None
        return self.pressmon / self.baseline


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3f}"


def machine_line() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"machine: {os.cpu_count()} cpus, python {platform.python_version()}, {platform.system()} "
        f"{platform.release()}, load {load:.1f}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def print_table(title: str, rows: Sequence[Row], notes: Sequence[str] = ()) -> None:
    """The one table every bench prints: figure, baseline (same run), ratio, target, met."""
    print(f"\n{title}\n{machine_line()}")
    head = f"{'measure':54} {'pressmon':>10} {'baseline':>10} {'ratio':>7}  {'target':18} met  baseline is"
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        met = {True: "yes", False: "NO", None: ""}[r.met]
        print(
            f"{r.what + f' ({r.unit})':54} {_num(r.pressmon):>10} {_num(r.baseline):>10} {ratio:>7}  "
            f"{r.target:18} {met:4} {r.baseline_label}"
        )
    for note in notes:
        print(f"  {note}")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

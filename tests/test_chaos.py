"""Three daemon processes on one PostgreSQL database, under chaos (RELIABILITY 31, 32, 39, 40).

The three start at once on an empty database (behind a loopback TCP proxy the test controls); a feed
server publishes statements on several sources and records every request with its time; alerts go to
the fake Slack and to a webhook sink that counts them by alert key. Then, while statements keep coming:
one instance is killed with SIGKILL and restarted, one is paused with SIGSTOP past its lease while it
fetches and then continued, the story lock is held by another connection (an instance stalled inside
a commit), and the database is cut at the proxy and restored. At the end:

- no source was fetched twice within one ``every`` slot (takeovers happen after the lease, not during);
- every statement published after the baseline was delivered to both receivers;
- a duplicate only where a send was on the wire when its instance died, stalled or lost the database,
  at most one per such event, none to Slack (in-doubt sends are reconciled against its history);
- the paused instance's late commit was rejected (fenced) and it started no send after waking;
- alerts kept flowing while the story lock was held.

A few minutes of CI. ``PRESSMON_CHAOS_CYCLES=N`` repeats the disruptions N times for a soak by hand;
``PRESSMON_CHAOS_REPORT=path`` writes the counts as JSON.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from monitor.store.engine import make_engine
from monitor.store.story_keys import STORY_LOCK_KEY, story_lock_ids
from monitor.story_text import fingerprint
from tests.support.daemon import Daemon
from tests.support.env import pressmon_env
from tests.support.fakeslack import TOKEN, FakeSlack
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.support.tcpproxy import TcpProxy
from tests.test_daemon import _wait

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EVERY_S = 2.0
LEASE_S = 5.0  # > 2 x every: a takeover's fetch can never fall in the slot of the one it replaces
TICK_S = 0.2
SOURCES = [f"s{n:02d}" for n in range(8)] + ["slow"]
SLOW_STALL_S = 1.5
CYCLES = int(os.environ.get("PRESSMON_CHAOS_CYCLES", "1"))

WORDS = [
    "harbor", "cobalt", "meadow", "lantern", "quartz", "willow", "ember", "falcon", "granite", "juniper",
    "kestrel", "lagoon", "marble", "nectar", "orchid", "pepper", "quiver", "raven", "saffron", "thistle",
    "umber", "velvet", "walnut", "yarrow", "zephyr", "anchor", "bramble", "cinder", "dune", "estuary",
    "fennel", "glacier", "hazel", "iris", "jasper", "kelp", "lichen", "mesa", "nimbus", "opal",
]  # fmt: skip


def _statement(rng: random.Random, source: str, n: int) -> tuple[str, str, str]:
    words = " ".join(rng.choice(WORDS) + str(rng.randrange(10_000)) for _ in range(40))
    return (
        f"{source}-{n}",
        f"Japan – lot {source}-{n}",
        f"The State Department approved a possible Foreign Military Sale to the Government of Japan: {words}",
    )


def _rss(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>https://example.org/a/{g}</link><description>{d}</description></item>"
        for g, t, d in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
        f"<link>https://example.org/</link><description>x</description>{body}</channel></rss>"
    ).encode()


@dataclass
class World:
    """The feeds, what was fetched when, and what the webhook sink received."""

    items: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    fetches: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    hooks: list[tuple[str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    published: int = 0
    slow_in_flight: int = 0

    def feed_route(self, source: str) -> Callable[[FeedRequestHandler], None]:
        def route(req: FeedRequestHandler) -> None:
            with self.lock:
                self.fetches[source].append(time.monotonic())
                body = _rss(list(self.items[source]))
            if source == "slow":
                with self.lock:
                    self.slow_in_flight += 1
                req.stopping.wait(SLOW_STALL_S)
                with self.lock:
                    self.slow_in_flight -= 1
            req.respond(200, body, {"Content-Type": "application/rss+xml"})

        return route

    def hook_route(self, req: FeedRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        req.rfile.read(length)
        with self.lock:
            self.hooks.append((req.headers.get("X-Pressmon-Alert-Key") or "", time.monotonic()))
        req.stopping.wait(0.1)  # a send stays on the wire a little while
        req.respond(200, b"ok", {"Content-Type": "text/plain"})


CONFIG_HEAD = """
topics:
  - id: fms-japan
    title: FMS to Japan
    keywords: ["Foreign Military Sale"]
    requires: [[Japan]]
routes:
  - to: [slack, hook]
receivers:
  slack: {{kind: slack, channel: C123, token_env: T_TOKEN, pace_s: 0}}
  hook: {{kind: webhook, url: "{hook}"}}
sources:
"""


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


class Db:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def rows(self, sql: str, **params: object) -> list[tuple[object, ...]]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params).all()]

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()


def alert_rows_now(db: Db) -> list[tuple[object, ...]]:
    """(item key, receiver, alert key, state) of every item alert in the outbox."""
    return db.rows(
        "SELECT i.item_key, o.receiver, o.alert_key, o.state FROM outbox o "
        "JOIN mention m ON m.id = o.mention_id JOIN revision r ON r.id = m.revision_id "
        "JOIN item i ON i.id = r.item_id WHERE o.kind IN ('new', 'also-reported')"
    )


def _undelivered(db: Db, expected: set[str]) -> str:
    """What a failed wait for every delivery left behind: each missing (item, receiver) with its outbox
    row's state, attempts, next attempt, lease and last error, or "no row" (never planned)."""
    rows = db.rows(
        "SELECT i.item_key, o.receiver, o.kind, o.state, o.attempts, o.next_attempt_at, o.lease_owner, "
        "o.last_error FROM outbox o JOIN mention m ON m.id = o.mention_id JOIN revision r ON "
        "r.id = m.revision_id JOIN item i ON i.id = r.item_id"
    )
    by = {(str(k).removeprefix("g:"), str(rcv)): rest for k, rcv, *rest in rows}
    missing = [
        f"{g}/{r}: {by.get((g, r), 'no row')}"
        for g in sorted(expected)
        for r in ("slack", "hook")
        if by.get((g, r), (None, None))[1] != "sent"
    ]
    return f"{len(missing)} undelivered: " + "; ".join(missing[:20])


def _pid_of(owner: object) -> int | None:
    tail = str(owner).rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def test_three_instances_under_chaos(server: FeedServer, pg_url: str, tmp_path: Path) -> None:
    rng = random.Random(20261206)
    world = World(items={s: [_statement(rng, s, 0)] for s in SOURCES})
    for s in SOURCES:
        server.set_handler(f"/{s}.xml", world.feed_route(s))
    server.set_handler("/hook", world.hook_route)
    cfg = tmp_path / "feeds.yaml"
    lines = [CONFIG_HEAD.format(hook=server.url("/hook"))]
    for s in SOURCES:
        lines.append(
            f"  - {{id: {s}, url: '{server.url(f'/{s}.xml')}', every: {EVERY_S:g}s, jitter: 0, "
            "timeout: 10s, deadline: 15s}\n"
        )
    cfg.write_text("".join(lines))

    pg = make_url(pg_url)
    db = Db(pg_url)
    slack = FakeSlack(min_interval_s=0.0).start()
    proxy = TcpProxy(pg.host or "127.0.0.1", pg.port or 5432).start()
    via_proxy = pg.set(port=proxy.port).render_as_string(hide_password=False)
    env = pressmon_env(
        PRESSMON_DATABASE_URL=via_proxy,
        PRESSMON_ALLOW_PRIVATE_NETWORKS="true",
        PRESSMON_TICK_SECONDS=str(TICK_S),
        PRESSMON_LEASE_SECONDS=str(LEASE_S),
        PRESSMON_DRAIN_SECONDS="5",
        PRESSMON_DB_LOCK_TIMEOUT_SECONDS="1",
        PRESSMON_DB_CONNECT_TIMEOUT_SECONDS="2",
        PRESSMON_DB_BACKOFF_MAX_SECONDS="2",
        PRESSMON_SLACK_API_URL=slack.base_url,
        T_TOKEN=TOKEN,
    )
    daemons: list[Daemon] = []
    generation = Counter[str]()

    def start(name: str) -> Daemon:
        generation[name] += 1
        d = Daemon(cfg, env, tmp_path, f"{name}.{generation[name]}")
        daemons.append(d)
        return d

    report: dict[str, object] = {"cycles": CYCLES}
    marks: list[tuple[str, float]] = []
    stop_publishing = threading.Event()
    baseline_items = sum(len(v) for v in world.items.values())

    upcoming: list[tuple[str, tuple[str, str, str]]] = []  # statements decided ahead (the lock phase)
    counter = [1]

    def next_statements(k: int) -> list[tuple[str, tuple[str, str, str]]]:
        """The next ``k`` statements the publisher will publish (generated now; call under the lock)."""
        while len(upcoming) < k:
            n = counter[0]
            source = SOURCES[n % len(SOURCES)]
            upcoming.append((source, _statement(rng, source, n)))
            counter[0] += 1
        return upcoming[:k]

    def publish() -> None:
        while not stop_publishing.wait(0.6):
            with world.lock:
                source, statement = next_statements(1)[0]
                upcoming.pop(0)
                world.items[source].append(statement)
                world.published += 1

    publisher = threading.Thread(target=publish, daemon=True)
    live: dict[str, Daemon] = {}
    try:
        # 1. Cold start: all three at once on an empty database (RELIABILITY 39).
        for name in ("a", "b", "c"):
            live[name] = start(name)
        for d in live.values():
            _wait(lambda d=d: "daemon: started" in d.stderr or d.proc.poll() is not None, 90, d.name)
        assert all(d.proc.poll() is None for d in live.values()), [d.stderr for d in live.values()]
        _wait(
            lambda: db.scalar("SELECT count(*) FROM source WHERE baseline_done") == len(SOURCES),
            90,
            "every source's baseline",
        )
        publisher.start()
        events: list[str] = []
        takeovers: list[float] = []
        held_alerts: list[int] = []
        rejected_late = 0
        for _ in range(CYCLES):
            # 2. kill -9 one instance while it holds leases; restart it (RELIABILITY 32).
            time.sleep(4)
            victim = live["a"]
            _wait(
                lambda v=victim: bool(
                    db.rows(
                        "SELECT id FROM source WHERE lease_owner LIKE :o AND lease_until > now()",
                        o=f"%:{v.proc.pid}",
                    )
                ),
                30,
                "the victim to hold a lease",
            )
            held = [
                r[0]
                for r in db.rows("SELECT id FROM source WHERE lease_owner LIKE :o", o=f"%:{victim.proc.pid}")
            ]
            killed_at = time.monotonic()
            victim.stop(signal.SIGKILL)
            events.append("kill -9")
            marks.append(("kill -9", killed_at))
            for sid in held:
                src = str(sid)
                _wait(
                    lambda src=src, k=killed_at: any(t > k for t in world.fetches[src]),
                    LEASE_S + 60,
                    f"{src} to be taken over",
                )
                takeovers.append(min(t for t in world.fetches[src] if t > killed_at) - killed_at)
            live["a"] = start("a")

            # 3. SIGSTOP the instance fetching the slow source, past its lease; then SIGCONT.
            time.sleep(2)

            def slow_holder() -> int | None:
                rows = db.rows("SELECT lease_owner FROM source WHERE id = 'slow' AND lease_owner IS NOT NULL")
                return _pid_of(rows[0][0]) if rows else None

            _wait(
                lambda: world.slow_in_flight > 0 and slow_holder() is not None,
                60,
                "someone to be fetching the slow source",
            )
            pid = slow_holder()
            paused = next((d for d in live.values() if d.proc.pid == pid), None)
            if paused is not None:
                paused.proc.send_signal(signal.SIGSTOP)
                events.append("SIGSTOP past the lease")
                marks.append(("SIGSTOP", time.monotonic()))
                time.sleep(LEASE_S + 3)
                before = paused.stderr.count("lease lost")
                paused.proc.send_signal(signal.SIGCONT)
                _wait(
                    lambda p=paused, b=before: p.stderr.count("lease lost") > b,
                    30,
                    "the paused instance's late commit to be rejected",
                )
                rejected_late += paused.stderr.count("lease lost") - before

            # 4. The story locks of the next statements held by another connection (an instance stalled
            # inside a commit of the same stories), and the global one.
            time.sleep(2)
            with world.lock:
                coming = next_statements(12)
            keys = {STORY_LOCK_KEY}
            for _, (_, title, text) in coming:
                keys.update(story_lock_ids([fingerprint(title, text)]))
            with db.engine.connect() as conn:
                for k in sorted(keys):
                    conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": k})
                hold_start = time.monotonic()
                time.sleep(8)
                hold_end = time.monotonic()
                conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
                conn.commit()
            with world.lock:
                held_alerts.append(sum(1 for _, t in world.hooks if hold_start <= t <= hold_end))
            events.append("story lock held 8 s")

            # 5. The database cut at the proxy, then restored (RELIABILITY 31).
            time.sleep(2)
            proxy.cut()
            events.append("database cut 6 s")
            marks.append(("database cut", time.monotonic()))
            time.sleep(6)
            proxy.restore()
            time.sleep(4)
        stop_publishing.set()
        publisher.join()

        # Everything published after the baseline is delivered to both receivers.
        with world.lock:
            expected = {g for items in world.items.values() for g, _, _ in items} - {
                f"{s}-0" for s in SOURCES
            }
        assert len(expected) == world.published

        def all_delivered() -> bool:
            rows = alert_rows_now(db)
            sent = {(str(k).removeprefix("g:"), str(rcv)) for k, rcv, _, state in rows if state == "sent"}
            return all((g, r) in sent for g in expected for r in ("slack", "hook"))

        try:
            # 300 s: a send that failed four or five times during the disruptions waits 80-190 s for its
            # next attempt (retry_delay: 10 s x 2^(n-1), +-20%); a row stuck for good still fails, and says
            # which rows and in what state.
            _wait(all_delivered, 300, "every alert to be delivered")
        except AssertionError as e:
            raise AssertionError(f"{e}; {_undelivered(db, expected)}") from None
        for d in live.values():
            assert d.stop(signal.SIGTERM) == 0, d.stderr
    finally:
        stop_publishing.set()
        for d in daemons:
            if d.proc.poll() is None:
                d.proc.send_signal(signal.SIGCONT)
                d.stop(signal.SIGTERM)
        proxy.stop()
        slack.stop()
        db_rows = alert_rows_now(db)
        db.engine.dispose()

    keys: dict[str, set[str]] = defaultdict(set)
    for _, receiver, key, _ in db_rows:
        keys[str(receiver)].add(str(key))
    hook_counts = Counter(k for k, _ in world.hooks)
    slack_counts = Counter(
        str((m.metadata or {}).get("event_payload", {}).get("alert_key")) for m in slack.all_messages()
    )
    hook_dups = {k: n for k, n in hook_counts.items() if n > 1}
    slack_dups = {k: n for k, n in slack_counts.items() if n > 1}
    per_slot = Counter(
        n for times in world.fetches.values() for n in Counter(int(t // EVERY_S) for t in times).values()
    )
    gaps = [b - a for times in world.fetches.values() for a, b in itertools.pairwise(times)]
    causes = {}
    for key in hook_dups:
        first = min(t for k, t in world.hooks if k == key)
        before = [name for name, t in marks if t <= first + 1]
        causes[key] = before[-1] if before else "none"
    report.update(
        sources=len(SOURCES),
        fetches=sum(len(t) for t in world.fetches.values()),
        fetches_per_slot=dict(sorted(per_slot.items())),
        min_gap_between_fetches_s=round(min(gaps), 2),
        published=world.published,
        baseline_items=baseline_items,
        alerts_expected_per_receiver=len(expected),
        webhook_received=sum(hook_counts.values()),
        webhook_distinct=len(hook_counts),
        webhook_duplicates=hook_dups,
        webhook_duplicate_causes=causes,
        slack_received=sum(slack_counts.values()),
        slack_distinct=len(slack_counts),
        slack_duplicates=slack_dups,
        events=events,
        takeover_after_kill_s=[round(t, 2) for t in takeovers],
        late_commits_rejected=rejected_late,
        alerts_during_held_story_lock=held_alerts,
        lease_takeovers_logged=sum(d.stderr.count("taken over from") for d in daemons),
        story_lock_busy_logged=sum(d.stderr.count("story lock busy") for d in daemons),
        db_outage_lines=sum(d.stderr.count("database unavailable") for d in daemons),
        db_recovery_lines=sum(d.stderr.count("database back after") for d in daemons),
        tracebacks=sum(d.stderr.count("Traceback") for d in daemons),
    )
    print("chaos:", json.dumps(report, indent=1))
    if os.environ.get("PRESSMON_CHAOS_REPORT"):
        Path(os.environ["PRESSMON_CHAOS_REPORT"]).write_text(json.dumps(report, indent=1))

    # No source fetched twice in one slot.
    assert set(per_slot) == {1}, report
    # Every expected alert delivered, to both receivers.
    assert {k for k in hook_counts} >= keys["hook"] and {k for k in slack_counts} >= keys["slack"], report
    # Duplicates: only from sends on the wire at a disruption, at most one each; Slack reconciles.
    disruptions = sum(1 for e in events if not e.startswith("story lock"))
    assert all(n == 2 for n in hook_dups.values()) and len(hook_dups) <= disruptions, report
    assert not slack_dups, report
    # The paused instance's late write was fenced; alerts flowed while the story lock was held.
    assert rejected_late >= CYCLES, report
    assert all(n > 0 for n in held_alerts), report
    assert report["tracebacks"] == 0, report

"""The daemon as a real subprocess: SIGKILL mid-poll loses nothing and re-alerts nothing; SIGTERM exits 0;
a broken config starts nothing; one daemon per SQLite file."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from monitor.notify.digest import message_id_for
from monitor.store.digests import ensure_run
from monitor.store.engine import make_engine, read_session
from monitor.store.models import DigestRunRow, ItemRow, OutboxRow, SourceRow
from tests.support.daemon import Daemon, pressmon_argv
from tests.support.env import pressmon_env
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.support.smtpserver import SmtpServer
from tests.test_poll import JAPAN, POLAND, rss

pytestmark = pytest.mark.slow

CONFIG = """
sources:
  - id: dsca
    url: {url}
    every: 2s
    timeout: 20s
    deadline: 30s
topics:
  - id: fms-japan
    title: FMS to Japan
    keywords: ["Foreign Military Sale"]
    requires: [[Japan]]
routes:
  - to: [console]
receivers:
  console: {{kind: console}}
"""


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def _env(db_url: str, **extra: str) -> dict[str, str]:
    return pressmon_env(
        PRESSMON_DATABASE_URL=db_url,
        PRESSMON_ALLOW_PRIVATE_NETWORKS="true",
        PRESSMON_TICK_SECONDS="0.2",
        PRESSMON_LEASE_SECONDS="3",
        PRESSMON_DRAIN_SECONDS="5",
        **extra,
    )


def _wait(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _counts(db_url: str) -> tuple[int, dict[str, int]]:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as s:
            items = len(list(s.exec(select(ItemRow))))
            states: dict[str, int] = {}
            for row in s.exec(select(OutboxRow)):
                states[row.state] = states.get(row.state, 0) + 1
    finally:
        engine.dispose()
    return items, states


def _leases(db_url: str) -> list[str]:
    """Every source or outbox row still leased (a clean exit leaves none)."""
    engine = make_engine(db_url)
    try:
        with read_session(engine) as s:
            held = [f"source {r.id}" for r in s.exec(select(SourceRow)) if r.lease_token is not None]
            held += [f"outbox #{r.id}" for r in s.exec(select(OutboxRow)) if r.lease_token is not None]
    finally:
        engine.dispose()
    return held


def _slow(body: bytes, stall_s: float) -> Callable[[FeedRequestHandler], None]:
    def route(req: FeedRequestHandler) -> None:
        req.stopping.wait(stall_s)  # returns early when the server stops
        req.respond(200, body, {"Content-Type": "application/rss+xml"})

    return route


def test_sigkill_mid_poll_loses_nothing_and_does_not_realert(
    server: FeedServer, db_url: str, tmp_path: Path
) -> None:
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(CONFIG.format(url=server.url("/dsca.xml")))
    env = _env(db_url)

    # Baseline.
    server.set("/dsca.xml", rss(POLAND))
    done = subprocess.run(
        pressmon_argv("poll", "--once", "-c", str(cfg)), env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    assert _counts(db_url) == (1, {})

    # A new statement, served slowly: the daemon is killed while the fetch is in flight.
    server.set_handler("/dsca.xml", _slow(rss(POLAND, JAPAN), 10))
    hits = server.hits("/dsca.xml")
    daemon = Daemon(cfg, env, tmp_path, "first")
    try:
        _wait(lambda: server.hits("/dsca.xml") > hits, 30, "the daemon to start fetching")
    finally:
        daemon.stop(signal.SIGKILL)
    assert _counts(db_url) == (1, {}), "a killed poll must not have written anything"
    out1 = daemon.stdout

    # Restart with the feed answering normally: the statement is stored and alerted once.
    server.set("/dsca.xml", rss(POLAND, JAPAN), etag='"a"')
    daemon = Daemon(cfg, env, tmp_path, "second")
    try:
        _wait(lambda: _counts(db_url) == (2, {"sent": 1}), 40, "the alert to be sent")
    finally:
        assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
    out2 = daemon.stdout

    # And a clean restart re-sends nothing, even with a new ETag on the same content.
    server.set("/dsca.xml", rss(POLAND, JAPAN), etag='"b"')
    polled = server.hits("/dsca.xml")
    done = subprocess.run(
        pressmon_argv("poll", "--once", "-c", str(cfg)), env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    assert server.hits("/dsca.xml") > polled
    assert _counts(db_url) == (2, {"sent": 1})
    printed = out1 + out2 + done.stdout.decode()
    assert printed.count("Japan – SM-6") == 1, printed


def test_sigterm_drains_and_exits_zero(server: FeedServer, sqlite_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(CONFIG.format(url=server.url("/dsca.xml")))
    server.set_handler("/dsca.xml", _slow(rss(POLAND), 1.5))
    daemon = Daemon(cfg, _env(sqlite_url), tmp_path, "d")
    try:
        _wait(lambda: server.hits("/dsca.xml") > 0, 30, "the first fetch")
    finally:
        assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
    # The in-flight poll finished and was committed during the drain; no lease is left (RELIABILITY 28).
    assert _counts(sqlite_url) == (1, {})
    assert _leases(sqlite_url) == []
    assert not (tmp_path / "pressmon.db.heartbeat").exists()  # a stopped daemon leaves no heartbeat


def test_broken_config_starts_nothing(tmp_path: Path) -> None:
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(CONFIG.format(url="https://example.org/x.xml").replace("every: 2s", "every: 15 minutes"))
    db = tmp_path / "p.db"
    env = _env(f"sqlite:///{db}")
    check = subprocess.run(
        pressmon_argv("config", "check", str(cfg)), env=env, capture_output=True, timeout=60
    )
    run = subprocess.run(pressmon_argv("run", "-c", str(cfg)), env=env, capture_output=True, timeout=60)
    expected = f'{cfg}:5 sources[0].every: "15 minutes" is not a duration; use e.g. 15m'
    assert check.returncode == 1 and expected in check.stderr.decode()
    assert run.returncode == 3 and expected in run.stderr.decode()  # 3: configuration (pressmon --help)
    assert not db.exists(), "nothing may start on a broken config"


def test_second_daemon_on_one_sqlite_file_refuses(
    server: FeedServer, sqlite_url: str, tmp_path: Path
) -> None:
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(CONFIG.format(url=server.url("/dsca.xml")))
    server.set("/dsca.xml", rss(POLAND))
    env = _env(sqlite_url)
    first = Daemon(cfg, env, tmp_path, "first")
    try:
        _wait(lambda: server.hits("/dsca.xml") > 0, 30, "the first daemon to poll")
        second = subprocess.run(
            pressmon_argv("run", "-c", str(cfg)), env=env, capture_output=True, timeout=60
        )
        assert second.returncode == 4  # 4: database (pressmon --help)
        assert "another pressmon daemon" in second.stderr.decode()
    finally:
        assert first.stop(signal.SIGTERM) == 0, first.stderr


def test_sighup_reloads_without_resending_and_refuses_a_broken_file(
    server: FeedServer, sqlite_url: str, tmp_path: Path
) -> None:
    """RELIABILITY case 29: a reload with sent rows re-sends nothing; a broken file is refused."""
    cfg = tmp_path / "feeds.yaml"
    good = CONFIG.format(url=server.url("/dsca.xml"))
    cfg.write_text(good)
    env = _env(sqlite_url)
    server.set("/dsca.xml", rss(POLAND))
    assert (
        subprocess.run(
            pressmon_argv("poll", "--once", "-c", str(cfg)), env=env, capture_output=True, timeout=60
        ).returncode
        == 0
    )
    server.set("/dsca.xml", rss(POLAND, JAPAN))
    daemon = Daemon(cfg, env, tmp_path, "d")
    try:
        _wait(lambda: _counts(sqlite_url) == (2, {"sent": 1}), 40, "the alert")
        cfg.write_text(good.replace("every: 2s", "every: 2 seconds"))
        daemon.proc.send_signal(signal.SIGHUP)
        _wait(lambda: "reload refused" in daemon.stderr, 20, "the broken reload to be refused")
        assert '"2 seconds" is not a duration' in daemon.stderr
        cfg.write_text(good.replace("title: FMS to Japan", "title: FMS (Japan)"))
        daemon.proc.send_signal(signal.SIGHUP)
        _wait(lambda: "daemon: reloaded" in daemon.stderr, 20, "the reload")
        time.sleep(3)  # several ticks and polls after the reload
        assert daemon.proc.poll() is None
    finally:
        assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
    assert _counts(sqlite_url) == (2, {"sent": 1})
    assert daemon.stdout.count("Japan – SM-6") == 1


def test_sigterm_with_a_send_in_flight_finishes_it_and_restart_sends_nothing_twice(
    server: FeedServer, sqlite_url: str, tmp_path: Path
) -> None:
    """RELIABILITY case 28: SIGTERM while Slack is answering slowly: the send completes and is recorded,
    the rest is released, the process exits 0, and a restart delivers the rest exactly once."""
    from tests.support.fakeslack import TOKEN, FakeSlack

    slack = FakeSlack(min_interval_s=0.0).start()
    try:
        cfg = tmp_path / "feeds.yaml"
        config = (
            CONFIG.format(url=server.url("/dsca.xml"))
            .replace(
                "receivers:\n  console: {kind: console}",
                "receivers:\n  console: {kind: console}\n  slack: {kind: slack, channel: C123, token_env: T_TOKEN, pace_s: 0}",
            )
            .replace("  - to: [console]", "  - to: [slack]")
        )
        cfg.write_text(config)
        env = _env(sqlite_url, T_TOKEN=TOKEN, PRESSMON_SLACK_API_URL=slack.base_url)
        server.set("/dsca.xml", rss(POLAND))
        assert (
            subprocess.run(
                pressmon_argv("poll", "--once", "-c", str(cfg)), env=env, capture_output=True, timeout=60
            ).returncode
            == 0
        )
        three = [(f"j{n}", f"Japan – system {n}", JAPAN[2]) for n in range(3)]
        server.set("/dsca.xml", rss(POLAND, *three))
        slack.delay_next_after_accept(1, seconds=2.5)
        daemon = Daemon(cfg, env, tmp_path, "d")
        try:
            _wait(lambda: slack.posts >= 1, 40, "the first (slow) post")
        finally:
            assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
        _, states = _counts(sqlite_url)
        assert states.get("sent") == 1 and slack.posts == 1  # the in-flight send finished and was recorded
        assert _leases(sqlite_url) == []  # the rest of the batch was handed back, not left leased
        daemon = Daemon(cfg, env, tmp_path, "d2")
        try:
            _wait(lambda: _counts(sqlite_url)[1] == {"sent": 3}, 40, "the rest")
        finally:
            assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
        assert slack.posts == 3 and len(slack.messages("C123")) == 3
    finally:
        slack.stop()


DIGEST_CONFIG = (
    CONFIG
    + """
digests:
  desk: {{to: [desk@pressmon.test], at: "{at}", timezone: UTC}}
smtp: {{host: 127.0.0.1, port: {port}, starttls: false, sender: pressmon@pressmon.test, timeout: 30s}}
"""
)


def _runs(db_url: str) -> list[tuple[str, int]]:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as s:
            return [
                (r.state, r.unconfirmed) for r in s.exec(select(DigestRunRow).order_by(col(DigestRunRow.id)))
            ]
    finally:
        engine.dispose()


def test_sigterm_mid_digest_exits_cleanly_and_the_run_is_resent_once(
    server: FeedServer, sqlite_url: str, tmp_path: Path
) -> None:
    """SIGTERM while a digest waits for the SMTP server's answer: the daemon drains, then cancels it,
    exits 0 with no traceback; the run stays unconfirmed (``sending``) and the next daemon sends it again
    with the same Message-ID (RELIABILITY G2: at most one duplicate, recognisable)."""
    now = datetime.now(UTC)
    with SmtpServer() as smtp:
        cfg = tmp_path / "feeds.yaml"
        # The scheduled period ended two hours ago (empty); the run queued below holds the statement.
        cfg.write_text(
            DIGEST_CONFIG.format(
                url=server.url("/dsca.xml"), at=(now - timedelta(hours=2)).strftime("%H:%M"), port=smtp.port
            )
        )
        env = _env(sqlite_url)
        for items in ((POLAND,), (POLAND, JAPAN)):  # a baseline, then a statement for the digest
            server.set("/dsca.xml", rss(*items))
            done = subprocess.run(
                pressmon_argv("poll", "--once", "-c", str(cfg)), env=env, capture_output=True, timeout=60
            )
            assert done.returncode == 0, done.stderr.decode()
        engine = make_engine(sqlite_url)
        start = datetime.now(UTC) - timedelta(hours=1)
        ensure_run(  # as `pressmon digest send desk --now --since 1h` queues it
            engine,
            digest_id="desk",
            start=start,
            end=datetime.now(UTC),
            message_id=message_id_for("desk", start, "pressmon.test"),
            now=datetime.now(UTC),
        )
        engine.dispose()

        smtp.hold_after_data(1, seconds=60)  # the message is queued; the answer never comes in time
        daemon = Daemon(cfg, env, tmp_path, "first")
        try:
            _wait(lambda: len(smtp.envelopes) == 1, 30, "the digest to reach the SMTP server")
        finally:
            rc = daemon.stop(signal.SIGTERM)
        assert rc == 0, daemon.stderr
        assert "Traceback" not in daemon.stderr + daemon.stdout, daemon.stderr
        assert "raised an exception" not in daemon.stderr
        assert ("sending", 0) in _runs(sqlite_url)  # unconfirmed: in doubt, not lost

        daemon = Daemon(cfg, env, tmp_path, "second")
        try:
            _wait(lambda: ("sent", 0) in _runs(sqlite_url) or ("sent", 1) in _runs(sqlite_url), 30, "resend")
        finally:
            assert daemon.stop(signal.SIGTERM) == 0, daemon.stderr
        assert "Traceback" not in daemon.stderr, daemon.stderr
        first, second = smtp.messages()
        assert first["Message-ID"] == second["Message-ID"]

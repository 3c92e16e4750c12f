"""Exactly once across SIGKILL (issue 4, "Done when"): a demo-sized run delivers every expected alert
exactly once to Slack, and the daily digest exactly once by e-mail, across a SIGKILL of the daemon at
each fault point and a clean restart.

Each scenario is a world of its own on loopback: the demo feeds (``DemoServer``: phase 1 is the baseline,
phase 2 publishes 7 statements and edits 1), the fake Slack Web API, a plain aiosmtpd server, a SQLite
file, the shipped topics, and ``pressmon run`` as a real subprocess (killed for real).

- ``clean``: no fault; alerts, then the digest, then a clean restart that sends nothing.
- ``commit``: SIGKILL at ``after-commit-before-send`` (a row in ``sending``, nothing posted); the restart
  looks the alert up in Slack, finds nothing, posts it: every alert once. Then the digest, once.
- ``send``: SIGKILL at ``after-send-before-record`` (Slack has the message, the row is ``sending``); the
  restart finds it through the message metadata and does not post again. Then the digest, once.
- ``digest``: alerts as in ``clean``; then SIGKILL while the SMTP server holds back its answer to the
  digest's DATA (the message is queued, the run is ``sending``); the restart re-sends it with the same
  Message-ID, once (the recognisable duplicate the design accepts); a clean restart sends nothing more.

The expected alerts come from a reference run of the same config in-process (console receiver).

Timing: the digest is daily (``at: HH:MM``, minute granularity) and its period must end after the
phase-2 mentions were stored and before the daemon looks. So the worlds run side by side, one thread
each: phase A (alerts, with the kills) everywhere; as soon as every world has stored its mentions the
next minute boundary M is fixed; phase B (a digest due at M) starts in each world once M has passed.
The tests then assert on what each world recorded. About a minute in all (30 s of it, on average,
waiting for M).
"""

from __future__ import annotations

import asyncio
import io
import math
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import col, select

from monitor.app import App
from monitor.config.loader import load_config_text
from monitor.demo.content import DEMO_SOURCES, demo_sources_yaml
from monitor.demo.server import DemoServer
from monitor.settings import Settings
from monitor.store.engine import make_engine, read_session
from monitor.store.models import DigestRunRow, OutboxRow, PollLogRow
from tests.support.daemon import Daemon
from tests.support.env import pressmon_env
from tests.support.fakeslack import TOKEN, FakeSlack
from tests.support.smtpserver import SmtpServer

pytestmark = pytest.mark.slow

SHIPPED = Path(__file__).resolve().parents[1] / "feeds.yaml"
CHANNEL = "C123"
DIGEST = "japan-desk-daily"
TZ = "Asia/Tokyo"
SENDER = "pressmon@pressmon.test"
RECIPIENTS = ("analysts@pressmon.test", "desk@pressmon.test")
SOURCE_IDS = frozenset(s.id for s in DEMO_SOURCES)
TERMINAL = frozenset({"sent", "failed", "silenced", "empty"})
ANSWERED = frozenset({"ok", "not_modified", "unchanged"})
WAIT_S = 60.0


# --- config ---------------------------------------------------------------------------------------


def _config(
    base_url: str, *, receiver: str = "slack", smtp_port: int | None = None, digest_at: str | None = None
) -> str:
    """The demo sources (polled every 2 s), the shipped topics, one route to ``receiver``."""
    sources = yaml.safe_load(demo_sources_yaml(base_url))["sources"]
    for s in sources:
        s["every"] = "2s"
    doc: dict[str, Any] = {
        "sources": sources,
        "concepts": yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))["concepts"],
        "topics": yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))["topics"],
        "routes": [{"to": [receiver]}],
        "receivers": {"console": {"kind": "console"}},
        "operator": ["console"],
    }
    if receiver == "slack":
        doc["receivers"]["slack"] = {
            "kind": "slack",
            "channel": CHANNEL,
            "token_env": "TEST_SLACK_TOKEN",
            "pace_s": 0,
        }
    if digest_at is not None:
        doc["digests"] = {
            DIGEST: {"to": list(RECIPIENTS), "title": "Japan desk daily", "at": digest_at, "timezone": TZ}
        }
    if smtp_port is not None:
        doc["smtp"] = {
            "host": "127.0.0.1",
            "port": smtp_port,
            "starttls": False,
            "sender": SENDER,
            "timeout": "10s",
        }
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _local_hhmm(t: datetime) -> str:
    return t.astimezone(ZoneInfo(TZ)).strftime("%H:%M")


def _reference(tmp: Path) -> dict[str, str]:
    """alert_key -> kind of every alert the demo's phase 2 produces with this config (in-process)."""

    async def run() -> dict[str, str]:
        with DemoServer() as server:
            config = load_config_text(_config(server.base_url, receiver="console"), filename="reference")
            settings = Settings(database_url=f"sqlite:///{tmp / 'ref.db'}", allow_private_networks=True)
            app = App.build(settings, config, stream=io.StringIO())
            try:
                app.prepare_database(exclusive=False)
                await app.poll_pass()
                server.advance()
                await app.poll_pass()
                with read_session(app.engine) as s:
                    return {r.alert_key: r.kind for r in s.exec(select(OutboxRow))}
            finally:
                await app.aclose()

    return asyncio.run(run())


# --- the daemon as a subprocess ------------------------------------------------------------------


class _Timeout(AssertionError):
    pass


def _wait(cond: Callable[[], bool], what: str, state: Callable[[], object], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise _Timeout(f"timed out after {timeout}s waiting for {what}; state: {state()!r}")


# --- one world -------------------------------------------------------------------------------------


@dataclass
class World:
    name: str
    failpoint: str | None
    root: Path
    demo: DemoServer
    slack: FakeSlack
    smtp: SmtpServer
    seen: dict[str, Any] = field(default_factory=dict)  # what the tests assert on
    daemons: list[Daemon] = field(default_factory=list)
    error: str | None = None
    error_phase: str = ""  # "A" (alerts) or "B" (digest)
    mentions_stored: threading.Event = field(default_factory=threading.Event)
    steps: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, what): for the report
    _engine: sa.Engine | None = None  # used from the world's thread only
    _advanced_at: int = 2**62  # poll_log id when phase 2 was published

    def step(self, what: str) -> None:
        self.steps.append((time.monotonic(), what))

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'pressmon.db'}"

    @property
    def cfg(self) -> Path:
        return self.root / "feeds.yaml"

    @property
    def markers(self) -> Path:
        return self.root / "failpoints"

    def write_config(self, digest_at: str) -> None:
        self.cfg.write_text(
            _config(self.demo.base_url, smtp_port=self.smtp.port, digest_at=digest_at), encoding="utf-8"
        )

    def start(self, label: str) -> Daemon:
        env = pressmon_env(
            PRESSMON_DATABASE_URL=self.db_url,
            PRESSMON_ALLOW_PRIVATE_NETWORKS="true",
            PRESSMON_TICK_SECONDS="0.2",
            PRESSMON_LEASE_SECONDS="2",
            PRESSMON_DRAIN_SECONDS="5",
            PRESSMON_SLACK_API_URL=self.slack.base_url,
            TEST_SLACK_TOKEN=TOKEN,
        )
        if self.failpoint:
            # Armed on every start: the marker file in the directory makes it fire once.
            self.markers.mkdir(exist_ok=True)
            env.update(PRESSMON_FAILPOINTS=self.failpoint, PRESSMON_FAILPOINT_DIR=str(self.markers))
        self.step(f"start {label}")
        d = Daemon(self.cfg, env, self.root, label)
        self.daemons.append(d)
        return d

    # -- observations --

    def _query(self, fn: Callable[[Any], Any]) -> Any:
        if self._engine is None:
            self._engine = make_engine(self.db_url)
        try:
            with read_session(self._engine) as s:
                return fn(s)
        except sa.exc.OperationalError:  # no tables yet
            return None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def outbox(self) -> list[dict[str, Any]]:
        rows = self._query(lambda s: list(s.exec(select(OutboxRow).order_by(col(OutboxRow.id)))))
        return [
            {
                "alert_key": r.alert_key,
                "receiver": r.receiver,
                "state": r.state,
                "attempts": r.attempts,
                "provider_ref": r.provider_ref,
            }
            for r in rows or []
        ]

    def states(self) -> dict[str, int]:
        return dict(Counter(r["state"] for r in self.outbox()))

    def runs(self) -> list[dict[str, Any]]:
        rows = self._query(lambda s: list(s.exec(select(DigestRunRow).order_by(col(DigestRunRow.id)))))
        return [
            {
                "period_end": r.period_end.replace(tzinfo=r.period_end.tzinfo or UTC),
                "state": r.state,
                "attempts": r.attempts,
                "message_id": r.message_id,
                "items": r.items,
                "lease_until": r.lease_until.replace(tzinfo=r.lease_until.tzinfo or UTC)
                if r.lease_until
                else None,
            }
            for r in rows or []
        ]

    def run_at(self, end: datetime) -> dict[str, Any] | None:
        return next((r for r in self.runs() if r["period_end"] == end), None)

    def polls(self, after_id: int, statuses: frozenset[str] = ANSWERED) -> tuple[int, set[str]]:
        """The last poll_log id, and the sources polled with one of ``statuses`` after ``after_id``."""
        q = select(PollLogRow.id, PollLogRow.source_id, PollLogRow.status).where(
            col(PollLogRow.id) > after_id
        )
        rows = self._query(lambda s: list(s.exec(q))) or []
        return max((r[0] for r in rows), default=after_id), {r[1] for r in rows if r[2] in statuses}

    def slack_keys(self) -> list[str]:
        return [
            str((m.metadata or {}).get("event_payload", {}).get("alert_key")) for m in self.slack.messages()
        ]

    def mime(self) -> list[dict[str, Any]]:
        out = []
        for env in list(self.smtp.envelopes):
            msg = env.message()
            text = msg.get_body(("plain",))
            out.append(
                {
                    "message_id": str(msg["Message-ID"]).strip(),
                    "rcpt_tos": env.rcpt_tos,
                    "subject": msg["Subject"],
                    "text": text.get_content() if text is not None else "",
                    "raw": env.raw,
                }
            )
        return out

    def state(self) -> dict[str, Any]:
        return {
            "outbox": self.states(),
            "slack": len(self.slack.messages()),
            "posts": self.slack.posts,
            "smtp": len(self.smtp.envelopes),
            "runs": [(r["state"], r["attempts"]) for r in self.runs()],
            "daemons": {d.name: d.proc.poll() for d in self.daemons},
        }

    # -- steps --

    def wait(self, cond: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        _wait(cond, f"{self.name}: {what}", self.state, timeout)
        self.step(what)

    def full_round(self) -> None:
        """Wait until every source has been polled again (a few daemon ticks and more)."""
        mark, _ = self.polls(0)
        self.wait(lambda: self.polls(mark)[1] >= SOURCE_IDS, "every source to be polled again")

    def settle(self, rounds: int = 1) -> None:
        for _ in range(rounds):
            self.full_round()
        time.sleep(0.6)

    def baseline_then_advance(self) -> None:
        """The running daemon polls phase 1 (the baseline: stored, not alerted); then phase 2 is out."""
        self.wait(lambda: self.polls(0)[1] >= SOURCE_IDS, "the baseline poll of every source")
        self.seen["after_baseline"] = (self.states(), len(self.slack.messages()))
        self._advanced_at, _ = self.polls(0)
        self.demo.advance()

    def phase_two_stored(self) -> bool:
        """Every source's phase-2 document has been polled and committed (a 200 with news: ``ok``;
        phase 1 again would be a 304), so every phase-2 alert is queued."""
        return self.polls(self._advanced_at, frozenset({"ok"}))[1] >= SOURCE_IDS

    def all_delivered(self) -> bool:
        return self.phase_two_stored() and all(r["state"] in TERMINAL for r in self.outbox())

    def snapshot(self, prefix: str) -> None:
        self.seen[f"{prefix}_slack"] = self.slack_keys()
        self.seen[f"{prefix}_posts"] = self.slack.posts
        self.seen[f"{prefix}_outbox"] = self.outbox()
        self.seen[f"{prefix}_mime"] = self.mime()
        self.seen[f"{prefix}_runs"] = self.runs()

    def logs(self) -> str:
        t0 = self.steps[0][0] if self.steps else 0.0
        steps = "\n".join(f"  {t - t0:6.1f}s {what}" for t, what in self.steps)
        daemons = "\n".join(
            f"--- {d.name} (rc {d.proc.poll()}) ---\n{d.stderr[-4000:]}" for d in self.daemons
        )
        return f"steps:\n{steps}\n{daemons}"


# --- phase A: the alerts ---------------------------------------------------------------------------


def phase_a_clean(w: World) -> None:
    d = w.start("a1")
    w.baseline_then_advance()
    w.wait(w.phase_two_stored, "the phase-2 alerts to be queued")
    w.mentions_stored.set()
    w.wait(w.all_delivered, "every alert to be delivered")
    w.settle()
    w.seen["a1_rc"] = d.stop(signal.SIGTERM)
    w.snapshot("a")


def phase_a_kill(w: World) -> None:
    d = w.start("a1")
    w.baseline_then_advance()
    w.wait(lambda: d.proc.poll() is not None, f"the failpoint {w.failpoint} to kill the daemon")
    w.seen["a1_rc"] = d.proc.returncode
    w.seen["marker"] = (w.markers / f"{w.failpoint}.fired").exists()
    w.snapshot("killed")
    d = w.start("a2")  # the same environment: the failpoint stays armed, its marker makes it fire once
    w.wait(w.phase_two_stored, "the phase-2 alerts to be queued")
    w.mentions_stored.set()
    w.wait(w.all_delivered, "every alert to be delivered after the restart")
    w.settle()
    w.seen["a2_rc"] = d.stop(signal.SIGTERM)
    w.seen["a2_log"] = d.stderr
    w.seen["history_calls"] = len(w.slack.calls_to("conversations.history"))
    w.snapshot("a")


# --- phase B: the digest due at M ------------------------------------------------------------------


def phase_b_once(w: World, end: datetime, *, restart: bool = True) -> None:
    """Start after the crash scenario (a clean restart for the alerts): the digest goes out once; with
    ``restart``, a second clean restart sends nothing more."""
    w.write_config(_local_hhmm(end))
    d = w.start("b1")
    w.wait(lambda: (w.run_at(end) or {}).get("state") in TERMINAL, "the digest run to finish")
    w.settle()
    w.seen["b1_rc"] = d.stop(signal.SIGTERM)
    w.seen["b1_stdout"] = d.stdout
    w.snapshot("b1")
    if not restart:
        return
    d = w.start("b2")  # a clean restart: nothing more may go out
    w.settle(rounds=2)
    w.seen["b2_rc"] = d.stop(signal.SIGTERM)
    w.snapshot("b2")


def phase_b_once_no_restart(w: World, end: datetime) -> None:
    phase_b_once(w, end, restart=False)


def phase_b_digest_kill(w: World, end: datetime) -> None:
    w.write_config(_local_hhmm(end))
    w.smtp.hold_after_data(1, seconds=30)  # queued, but the answer is held back: the kill lands before it
    d = w.start("b1")
    w.wait(
        lambda: len(w.smtp.envelopes) >= 1 or (w.run_at(end) or {}).get("state") in TERMINAL,
        "the SMTP server to receive the digest",
    )
    run = w.run_at(end)
    if not w.smtp.envelopes:
        raise AssertionError(
            f"the digest run is {(run or {}).get('state')} but the SMTP server received nothing; "
            f"the daemon's stdout:\n{d.stdout[:2000]}"
        )
    w.seen["b1_rc"] = d.stop(signal.SIGKILL)
    w.snapshot("killed")
    w.seen["killed_run"] = run
    # The killed daemon's lease on the run must lapse before the restart's digest tick can claim it.
    until = (run or {}).get("lease_until") or datetime.now(UTC)
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.3)
    d = w.start("b2")
    w.wait(lambda: (w.run_at(end) or {}).get("state") in TERMINAL, "the in-doubt digest run to finish")
    w.settle()
    w.seen["b2_rc"] = d.stop(signal.SIGTERM)
    w.seen["b2_log"] = d.stderr
    w.snapshot("b2")
    d = w.start("b3")  # a clean restart: nothing more may go out
    w.settle(rounds=2)
    w.seen["b3_rc"] = d.stop(signal.SIGTERM)
    w.snapshot("b3")


# --- the run ---------------------------------------------------------------------------------------


@dataclass
class Run:
    expected: dict[str, str]  # alert_key -> kind, from the reference run
    worlds: dict[str, World]
    period_end: datetime  # M: the digest's period is [M - 24 h, M)


SCENARIOS: dict[str, tuple[str | None, Callable[[World], None], Callable[[World, datetime], None]]] = {
    "clean": (None, phase_a_clean, phase_b_once),
    "commit": ("after-commit-before-send", phase_a_kill, phase_b_once_no_restart),
    "send": ("after-send-before-record", phase_a_kill, phase_b_once_no_restart),
    "digest": (None, phase_a_clean, phase_b_digest_kill),
}


@pytest.fixture(scope="module")
def crash_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    reference: dict[str, Any] = {}
    ref_dir = tmp_path_factory.mktemp("reference")

    def reference_run() -> None:
        try:
            reference["keys"] = _reference(ref_dir)
        except BaseException:
            reference["error"] = traceback.format_exc()

    ref_thread = threading.Thread(target=reference_run, name="reference")
    ref_thread.start()
    with ExitStack() as stack:
        worlds: dict[str, World] = {}
        for name, (failpoint, _, _) in SCENARIOS.items():
            w = World(
                name=name,
                failpoint=failpoint,
                root=tmp_path_factory.mktemp(name),
                demo=stack.enter_context(DemoServer()),
                slack=stack.enter_context(FakeSlack(min_interval_s=0.0)),
                smtp=stack.enter_context(SmtpServer()),
            )
            # Phase A's digest is due at the same minute 12 hours away: its latest period is empty.
            w.write_config(_local_hhmm(datetime.now(UTC) + timedelta(hours=12)))
            worlds[name] = w

        @stack.callback
        def _kill_leftovers() -> None:
            for w in worlds.values():
                for d in w.daemons:
                    d.stop(signal.SIGKILL, timeout=5)

        end_ready = threading.Event()
        period_end: list[datetime] = []

        def script(w: World) -> None:
            _, phase_a, phase_b = SCENARIOS[w.name]
            try:
                w.error_phase = "A"
                phase_a(w)
                w.error_phase = "B"
                if not end_ready.wait(WAIT_S * 2):
                    raise _Timeout("the digest period was never fixed (another world failed first)")
                end = period_end[0]
                time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds()) + 0.3)
                phase_b(w, end)
            except BaseException:
                w.error = traceback.format_exc()
            finally:
                w.mentions_stored.set()  # never leave the main thread waiting
                for d in w.daemons:
                    if d.proc.poll() is None:
                        d.stop(signal.SIGKILL, timeout=5)
                w.close()

        threads = [
            threading.Thread(target=script, args=(w,), name=f"world-{w.name}") for w in worlds.values()
        ]
        for t in threads:
            t.start()
        for w in worlds.values():
            w.mentions_stored.wait(WAIT_S * 2)
        # Every phase-2 mention is stored: the digest's period ends at the next minute boundary.
        now = datetime.now(UTC) + timedelta(seconds=1)
        period_end.append(
            datetime.fromtimestamp(math.ceil(now.timestamp() / 60) * 60, UTC).replace(microsecond=0)
        )
        end_ready.set()
        for t in threads:
            t.join(timeout=WAIT_S * 5)
        ref_thread.join(timeout=WAIT_S)
        assert "keys" in reference, f"the in-process reference run failed:\n{reference.get('error')}"
        yield Run(reference["keys"], worlds, period_end[0])


def _world(run: Run, name: str, phase: str) -> World:
    """The world, if its phase ``phase`` ("A": alerts, "B": digest) and everything before it ran."""
    w = run.worlds[name]
    if w.error and (w.error_phase == "A" or phase == "B"):
        pytest.fail(f"world {name} failed in phase {w.error_phase}:\n{w.error}\n{w.logs()}", pytrace=False)
    return w


# --- assertions shared by the scenarios ------------------------------------------------------------


def _identity(alert_key: str) -> tuple[str, str]:
    """(kind, what): ``new:nikkei:28b2...`` -> ("new", "nikkei:28b2..."); ``what`` is the item (and
    revision) the alert is about."""
    kind, what = alert_key.split(":", 1)
    return kind, what


# Whether a wire copy of a story is `new` or `also-reported` depends on which source's poll committed
# first (in one concurrent pass, the Nikkei copy of the Joint Statement usually comes out `new`; after a
# kill split the pass, `also-reported`): either is one alert for that item.
ORDER_DEPENDENT = frozenset({"new", "also-reported"})


def _assert_each_alert_once(run: Run, w: World, prefix: str = "a") -> None:
    """Slack got exactly one message per expected item (and revision), the outbox one row each, sent."""
    expected = {what: kind for kind, what in map(_identity, run.expected)}
    posted = [_identity(k) for k in w.seen[f"{prefix}_slack"]]
    assert Counter(what for _, what in posted) == Counter(list(expected)), "each expected alert exactly once"
    for kind, what in posted:
        assert kind == expected[what] or {kind, expected[what]} <= ORDER_DEPENDENT, (kind, what)
    rows = w.seen[f"{prefix}_outbox"]
    assert Counter(r["alert_key"] for r in rows) == Counter(w.seen[f"{prefix}_slack"])
    assert {r["receiver"] for r in rows} == {"slack"}
    assert {r["state"] for r in rows} == {"sent"}
    refs = [r["provider_ref"] for r in rows]
    assert len(set(refs)) == len(refs) and all(ref and ref.startswith(f"{CHANNEL}:") for ref in refs)


def _assert_digest_once(run: Run, w: World) -> None:
    """Phase B: one digest for the period ending at M, none for the empty period before, none more
    after a clean restart (when there was one); and no alert was sent again."""
    n = len(run.expected)
    last = "b2" if "b2_rc" in w.seen else "b1"
    assert w.seen["b1_rc"] == 0 and w.seen[f"{last}_rc"] == 0, w.logs()
    runs = w.seen[f"{last}_runs"]
    (due,) = [r for r in runs if r["period_end"] == run.period_end]
    assert (due["state"], due["attempts"], due["items"]) == ("sent", 1, n)
    assert len(w.seen["b1_mime"]) == 1, (
        f"the run is sent but the SMTP server received {len(w.seen['b1_mime'])} digests; "
        f"the daemon's stdout:\n{w.seen['b1_stdout'][:2000]}"
    )
    (mail,) = w.seen["b1_mime"]
    assert w.seen[f"{last}_mime"] == w.seen["b1_mime"], "a clean restart sent the digest again"
    assert {r["state"] for r in runs if r is not due} <= {"empty"}, "an empty period sent something"
    assert mail["message_id"] == due["message_id"]
    assert set(mail["rcpt_tos"]) == set(RECIPIENTS)
    assert "Japan desk daily" in mail["subject"]
    assert "Joint Statement on U.S.-Japan Investment" in mail["text"]
    for prefix in {"b1", last}:
        assert w.seen[f"{prefix}_posts"] == w.seen["a_posts"], "a restart posted to Slack again"
        assert w.seen[f"{prefix}_slack"] == w.seen["a_slack"]
        assert w.seen[f"{prefix}_outbox"] == w.seen["a_outbox"]


# --- the scenarios ---------------------------------------------------------------------------------


def test_reference_is_the_demo_phase_two(crash_run: Run) -> None:
    kinds = Counter(crash_run.expected.values())
    assert kinds["revised"] == 1 and kinds["new"] >= 1, kinds


def test_clean_run_delivers_every_alert_once(crash_run: Run) -> None:
    w = _world(crash_run, "clean", "A")
    n = len(crash_run.expected)
    assert w.seen["after_baseline"] == ({}, 0), "the baseline alerts nothing"
    assert w.seen["a1_rc"] == 0
    _assert_each_alert_once(crash_run, w)
    assert w.seen["a_posts"] == n, "no post was repeated or rejected"
    assert all(r["attempts"] == 1 for r in w.seen["a_outbox"])
    assert w.seen["a_mime"] == [], "phase A's digest period (it ended 12 h ago) is empty: nothing mailed"


def test_clean_run_sends_the_digest_once_and_a_clean_restart_nothing(crash_run: Run) -> None:
    _assert_digest_once(crash_run, _world(crash_run, "clean", "B"))


def test_sigkill_after_commit_before_send_loses_no_alert(crash_run: Run) -> None:
    w = _world(crash_run, "commit", "A")
    n = len(crash_run.expected)
    assert w.seen["after_baseline"] == ({}, 0)
    assert w.seen["a1_rc"] == -signal.SIGKILL and w.seen["marker"]
    # Killed with the first claimed row marked sending and nothing posted.
    killed = w.seen["killed_outbox"]
    assert Counter(r["state"] for r in killed)["sending"] == 1
    assert {r["state"] for r in killed} <= {"sending", "pending"}
    assert w.seen["killed_slack"] == [] and w.seen["killed_posts"] == 0
    (in_doubt,) = [r["alert_key"] for r in killed if r["state"] == "sending"]
    # After the restart: looked up (not found), posted once; every alert exactly once.
    assert w.seen["a2_rc"] == 0
    _assert_each_alert_once(crash_run, w)
    assert w.seen["a_posts"] == n
    assert w.seen["history_calls"] >= 1, "the in-doubt row was not reconciled before re-sending"
    attempts = {r["alert_key"]: r["attempts"] for r in w.seen["a_outbox"]}
    assert attempts.pop(in_doubt) == 2 and set(attempts.values()) == {1}
    assert "earlier send unconfirmed; sending again" in w.seen["a2_log"]


def test_sigkill_after_commit_before_send_then_the_digest_once(crash_run: Run) -> None:
    _assert_digest_once(crash_run, _world(crash_run, "commit", "B"))


def test_sigkill_after_send_before_record_does_not_post_twice(crash_run: Run) -> None:
    w = _world(crash_run, "send", "A")
    n = len(crash_run.expected)
    assert w.seen["after_baseline"] == ({}, 0)
    assert w.seen["a1_rc"] == -signal.SIGKILL and w.seen["marker"]
    # Killed after Slack accepted the first post, before it was recorded.
    killed = w.seen["killed_outbox"]
    (in_doubt,) = [r["alert_key"] for r in killed if r["state"] == "sending"]
    assert {r["state"] for r in killed} <= {"sending", "pending"}
    assert w.seen["killed_slack"] == [in_doubt] and w.seen["killed_posts"] == 1
    (first,) = [m for m in w.slack.messages() if (m.metadata or {})["event_payload"]["alert_key"] == in_doubt]
    # After the restart: found through the message metadata and recorded, not posted again.
    assert w.seen["a2_rc"] == 0
    _assert_each_alert_once(crash_run, w)
    assert w.seen["a_posts"] == n, "the in-doubt alert was posted twice"
    row = next(r for r in w.seen["a_outbox"] if r["alert_key"] == in_doubt)
    assert row["provider_ref"] == f"{CHANNEL}:{first.ts}", "reconciled to the message that had arrived"
    assert row["attempts"] == 1, "one send: the reconciliation found it"
    assert w.seen["history_calls"] >= 1
    assert f"{in_doubt} had arrived" in w.seen["a2_log"]
    assert "earlier send unconfirmed" not in w.seen["a2_log"]


def test_sigkill_after_send_before_record_then_the_digest_once(crash_run: Run) -> None:
    _assert_digest_once(crash_run, _world(crash_run, "send", "B"))


def test_digest_sigkill_before_recording_resends_once_with_the_same_message_id(crash_run: Run) -> None:
    w = _world(crash_run, "digest", "B")
    n = len(crash_run.expected)
    # Phase A as in the clean world: every alert once, nothing mailed.
    assert w.seen["a1_rc"] == 0
    _assert_each_alert_once(crash_run, w)
    assert w.seen["a_posts"] == n and w.seen["a_mime"] == []
    # Killed with the message queued at the server and the run still sending.
    assert w.seen["b1_rc"] == -signal.SIGKILL
    assert len(w.seen["killed_mime"]) == 1
    assert w.seen["killed_run"] is not None and w.seen["killed_run"]["state"] == "sending"
    # The restart could not know the first copy arrived: one more copy, the same Message-ID.
    assert w.seen["b2_rc"] == 0 and w.seen["b3_rc"] == 0
    (due,) = [r for r in w.seen["b2_runs"] if r["period_end"] == crash_run.period_end]
    assert (due["state"], due["attempts"], due["items"]) == ("sent", 2, n)
    assert len(w.seen["b2_mime"]) == 2, "exactly one more copy after the restart"
    first, second = w.seen["b2_mime"]
    assert first["message_id"] == second["message_id"] == due["message_id"]
    assert first["raw"] == second["raw"], "the re-send is the same message"
    assert set(second["rcpt_tos"]) == set(RECIPIENTS)
    assert "earlier send unconfirmed; sending again with the same Message-ID" in w.seen["b2_log"]
    # A clean restart sends nothing more, and no alert went out again.
    assert w.seen["b3_mime"] == w.seen["b2_mime"]
    for prefix in ("killed", "b2", "b3"):
        assert w.seen[f"{prefix}_posts"] == n and w.seen[f"{prefix}_slack"] == w.seen["a_slack"]

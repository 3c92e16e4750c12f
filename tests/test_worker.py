"""The outbox worker's state machine against a real database, with a scripted receiver standing in for a
provider (the Slack and SMTP receivers are tested against real servers in their own files)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.errors import DeliveryError
from monitor.metrics import REGISTRY
from monitor.notify.console import ConsoleNotifier
from monitor.notify.send import retry_delay
from monitor.notify.worker import deliver_due
from monitor.render import Renderer
from monitor.store.engine import make_engine, read_session, write_session
from monitor.store.migrate import upgrade
from monitor.store.models import OutboxRow
from monitor.store.outbox import claim_deliveries, insert_outbox_rows, mark_sending

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


class Scripted:
    """Answers each send with the next scripted outcome: "ok", or a DeliveryError to raise."""

    def __init__(self, name: str, script: list[object], *, delivered: set[str] | None = None) -> None:
        self.name = name
        self.script = list(script)
        self.sent: list[dict[str, Any]] = []
        self.delivered = delivered if delivered is not None else set()
        self.reconciled = 0

    async def send(self, alert: Mapping[str, Any]) -> str:
        outcome = self.script.pop(0) if self.script else "ok"
        if isinstance(outcome, DeliveryError):
            if outcome.ambiguous:
                self.delivered.add(alert["alert_key"])  # the provider got it; the answer was lost
            raise outcome
        self.sent.append(dict(alert))
        self.delivered.add(alert["alert_key"])
        return f"C1:{len(self.sent)}.0001"

    async def reconcile(self, alert: Mapping[str, Any]) -> str | None:
        self.reconciled += 1
        return "C1:found" if alert["alert_key"] in self.delivered else None


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    e = make_engine(db_url)
    upgrade(e)
    yield e  # type: ignore[misc]
    e.dispose()


def queue(engine: sa.Engine, key: str, receiver: str = "slack", **payload: Any) -> None:
    with write_session(engine) as s:
        insert_outbox_rows(
            s,
            [
                {
                    "alert_key": key,
                    "receiver": receiver,
                    "kind": "new",
                    "mention_id": None,
                    "payload": {"alert_key": key, "title": f"title {key}", **payload},
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": T0,
                    "created_at": T0,
                }
            ],
        )


def states(engine: sa.Engine) -> dict[tuple[str, str], str]:
    with read_session(engine) as s:
        return {(r.alert_key, r.receiver): r.state for r in s.exec(select(OutboxRow))}


async def run(engine: sa.Engine, notifiers: dict[str, Any], at: datetime, **kw: Any) -> Any:
    return await deliver_due(engine, notifiers, owner="t", now=lambda: at, lease=LEASE, **kw)


async def test_retryable_error_backs_off_then_sends_once(engine: sa.Engine) -> None:
    slack = Scripted("slack", [DeliveryError("slack", "HTTP 503", retryable=True, retry_after_s=30)])
    queue(engine, "a")
    first = await run(engine, {"slack": slack}, T0)
    assert (first.sent, first.retried) == (0, 1)
    assert states(engine) == {("a", "slack"): "retry"}
    assert (await run(engine, {"slack": slack}, T0 + timedelta(seconds=5))).sent == 0  # not due yet
    later = await run(engine, {"slack": slack}, T0 + timedelta(minutes=5))
    assert later.sent == 1 and len(slack.sent) == 1
    assert (await run(engine, {"slack": slack}, T0 + timedelta(hours=1))).sent == 0  # never twice


async def test_permanent_error_fails_and_tells_the_operator(engine: sa.Engine) -> None:
    slack = Scripted(
        "slack", [DeliveryError("slack", "slack: channel_not_found (channel C9)", retryable=False)]
    )
    out = io.StringIO()
    console = ConsoleNotifier("console", Renderer(), template="console.txt.j2", stream=out)
    queue(engine, "a")
    report = await run(engine, {"slack": slack, "console": console}, T0, operators=("console", "slack"))
    assert report.failed == 1 and report.sent == 1  # the operator alert went out in the same pass
    assert states(engine) == {("a", "slack"): "failed", ("operator:a:slack", "console"): "sent"}
    assert "DELIVERY FAILED" in out.getvalue() and "channel_not_found" in out.getvalue()


async def test_ambiguous_answer_is_reconciled_not_resent(engine: sa.Engine) -> None:
    slack = Scripted(
        "slack", [DeliveryError("slack", "connection reset after send", retryable=True, ambiguous=True)]
    )
    queue(engine, "a")
    await run(engine, {"slack": slack}, T0)
    assert states(engine) == {("a", "slack"): "ambiguous"}
    await run(engine, {"slack": slack}, T0 + timedelta(hours=1))
    assert states(engine) == {("a", "slack"): "sent"}
    assert slack.reconciled == 1 and slack.sent == []  # found by reconcile: exactly one message exists


async def test_ambiguous_and_not_found_is_sent_again(engine: sa.Engine) -> None:
    slack = Scripted("slack", [DeliveryError("slack", "read timeout", retryable=True, ambiguous=True)])
    queue(engine, "a")
    await run(engine, {"slack": slack}, T0)
    slack.delivered.clear()  # it never arrived after all
    await run(engine, {"slack": slack}, T0 + timedelta(hours=1))
    assert states(engine) == {("a", "slack"): "sent"} and len(slack.sent) == 1


async def test_crash_after_send_started_is_in_doubt_and_reconciled(engine: sa.Engine) -> None:
    queue(engine, "a")
    (claimed,) = claim_deliveries(engine, owner="dead", now=T0, lease=LEASE, limit=10)
    assert mark_sending(engine, claimed)
    slack = Scripted("slack", [], delivered={"a"})  # the dead worker's send had arrived
    assert (await run(engine, {"slack": slack}, T0 + timedelta(seconds=30))).sent == 0  # lease still held
    await run(engine, {"slack": slack}, T0 + LEASE + timedelta(seconds=1))
    assert states(engine) == {("a", "slack"): "sent"} and slack.sent == [] and slack.reconciled == 1


async def test_revision_is_threaded_under_the_first_alert(engine: sa.Engine) -> None:
    slack = Scripted("slack", [])
    queue(engine, "new:x")
    await run(engine, {"slack": slack}, T0)
    queue(engine, "revised:x:r2", thread_key="new:x")
    await run(engine, {"slack": slack}, T0)
    assert slack.sent[1]["thread_channel"] == "C1" and slack.sent[1]["thread_ts"] == "1.0001"


@pytest.mark.parametrize(
    ("attempts", "retry_after", "low", "high"),
    [
        pytest.param(1, None, 8, 12, id="first retry ~10s"),
        pytest.param(4, None, 64, 96, id="doubles"),
        pytest.param(30, None, 2880, 4320, id="capped at an hour"),
        pytest.param(1, 120, 120, 120, id="Retry-After is a floor"),
    ],
)
def test_retry_delay(attempts: int, retry_after: float | None, low: float, high: float) -> None:
    for rand in (0.0, 0.5, 0.999):
        d = retry_delay(attempts, rand=rand, retry_after_s=retry_after).total_seconds()
        assert low <= d <= high


async def test_silenced_alert_is_recorded_not_sent(engine: sa.Engine) -> None:
    from monitor.store.silences import add_silence

    slack = Scripted("slack", [])
    add_silence(
        engine,
        topic="tariffs",
        source=None,
        receiver="slack",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=2),
        reason="maintenance",
        created_by="t",
        now=T0,
    )
    queue(engine, "a", topics=[{"id": "tariffs"}])
    queue(engine, "b", topics=[{"id": "fms-japan"}])
    queue(engine, "c", receiver="other", topics=[{"id": "tariffs"}])
    report = await run(engine, {"slack": slack, "other": Scripted("other", [])}, T0 + timedelta(minutes=1))
    assert (report.sent, report.silenced) == (2, 1)
    assert states(engine)[("a", "slack")] == "silenced"
    assert [m["alert_key"] for m in slack.sent] == ["b"]


async def test_repeat_paces_updates_of_one_story(engine: sa.Engine) -> None:
    slack = Scripted("slack", [])
    queue(engine, "new:x", thread_key="new:x")
    await run(engine, {"slack": slack}, T0)
    queue(engine, "revised:x:r2", thread_key="new:x", repeat_s=3600)
    queue(engine, "revised:x:r3", thread_key="new:x", repeat_s=3600)
    report = await run(engine, {"slack": slack}, T0 + timedelta(minutes=10))
    assert report.held == 2 and len(slack.sent) == 1
    with read_session(engine) as s:
        row = s.exec(select(OutboxRow).where(OutboxRow.alert_key == "revised:x:r2")).one()
        assert row.attempts == 0 and row.next_attempt_at == T0 + timedelta(hours=1)
    # An hour after the first alert one update goes out; the other waits another hour.
    first = await run(engine, {"slack": slack}, T0 + timedelta(hours=1, seconds=1))
    assert first.sent == 1 and first.held == 1
    await run(engine, {"slack": slack}, T0 + timedelta(hours=2, seconds=2))
    assert [m["alert_key"] for m in slack.sent] == ["new:x", "revised:x:r2", "revised:x:r3"]


async def test_group_wait_sends_one_message_per_story(engine: sa.Engine) -> None:
    slack = Scripted("slack", [])
    queue(
        engine,
        "new:x",
        thread_key="new:x",
        group_wait_s=60,
        source_title="White House",
        url="https://a.gov/1",
    )
    queue(
        engine,
        "also-reported:y",
        thread_key="new:x",
        group_wait_s=60,
        source_title="Kyodo",
        title="wire copy",
        url="https://b.example/2",
    )
    queue(engine, "new:z", thread_key="new:z", group_wait_s=60)
    report = await run(engine, {"slack": slack}, T0)
    assert report.sent == 2 and len(slack.sent) == 2  # two stories, two messages
    grouped = slack.sent[0]
    assert grouped["alert_key"] == "new:x"
    assert [g["alert_key"] for g in grouped["grouped"]] == ["also-reported:y"]
    assert set(states(engine).values()) == {"sent"}
    assert (await run(engine, {"slack": slack}, T0 + timedelta(hours=1))).sent == 0


async def test_group_members_are_requeued_when_the_message_fails(engine: sa.Engine) -> None:
    slack = Scripted("slack", [DeliveryError("slack", "HTTP 503", retryable=True)])
    queue(engine, "new:x", thread_key="new:x", group_wait_s=60)
    queue(engine, "also-reported:y", thread_key="new:x", group_wait_s=60)
    await run(engine, {"slack": slack}, T0)
    # The failed message's member went back to the queue and out on its own; the lead row retries.
    assert states(engine) == {("new:x", "slack"): "retry", ("also-reported:y", "slack"): "sent"}
    await run(engine, {"slack": slack}, T0 + timedelta(hours=1))
    assert set(states(engine).values()) == {"sent"}
    sent_keys = [m["alert_key"] for m in slack.sent] + [
        g["alert_key"] for m in slack.sent for g in m.get("grouped", [])
    ]
    assert sorted(sent_keys) == ["also-reported:y", "new:x"]  # each exactly once


def _takeovers(work: str) -> float:
    return REGISTRY.get_sample_value("pressmon_lease_takeovers_total", {"work": work}) or 0.0


def test_a_dead_workers_rows_are_counted_as_taken_over_and_a_free_claim_is_not(engine: sa.Engine) -> None:
    queue(engine, "a")
    queue(engine, "b")
    before = _takeovers("delivery")
    (first,) = claim_deliveries(engine, owner="dead", now=T0, lease=LEASE, limit=1)  # a free row: no takeover
    assert _takeovers("delivery") == before
    assert mark_sending(engine, first)  # ... and the instance dies mid-send, its lease left on the row
    assert claim_deliveries(engine, owner="live", now=T0 + LEASE / 2, lease=LEASE, limit=10) != []  # "b" only
    assert _takeovers("delivery") == before
    taken = claim_deliveries(engine, owner="live", now=T0 + 2 * LEASE, lease=LEASE, limit=10)
    assert {d.alert_key for d in taken} == {first.alert_key, "b"}  # "b": its own expired lease, not counted
    assert _takeovers("delivery") == before + 1

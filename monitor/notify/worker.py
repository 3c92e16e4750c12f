"""The outbox worker: every receiver's lane of due rows, each row delivered by
:func:`monitor.notify.send.deliver_one` (claim, reconcile, send, record; the retry policy and the bound
on unconfirmed sends are there).

Every receiver is its own failure domain: :func:`deliver_receiver` is one receiver's lane, and
:func:`deliver_due` runs the lanes of every receiver with due rows in parallel, so a slow or dead receiver
delays only itself. Within a lane, the rows of one story thread go in order, one at a time (a thread's
parent is posted before its replies), and up to the receiver's ``in_flight`` threads send at once
(webhooks 8; Slack, whose rate limit is per channel, and email 1: their rows go strictly in order).
Each claimed batch's first send goes alone, so a receiver that is down costs one send per retry. A lane
whose receiver fails retryably starts no further send, lets the ones in flight finish, and holds the rest
of its rows until that retry. Database calls run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.logjson import log_context
from monitor.notify import Notifier
from monitor.notify.send import SEND_DEADLINE_S, Outcome, _db, deliver_one
from monitor.silence import Silence
from monitor.store.outbox import ClaimedDelivery, claim_deliveries, due_receivers, postpone
from monitor.store.silences import active_silences

__all__ = ["DeliveryReport", "deliver_due", "deliver_receiver"]

log = logging.getLogger("pressmon.deliver")

LANE_BATCH = 10  # rows one lane claims at a time


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    silenced: int = 0
    held: int = 0
    lost_lease: int = 0
    ambiguous: int = 0  # left to a person: sent without an answer as often as allowed

    def count(self, outcome: str) -> None:
        field = {"lost": "lost_lease"}.get(outcome, outcome)
        setattr(self, field, getattr(self, field) + 1)

    def merge(self, other: DeliveryReport) -> None:
        for name in ("sent", "retried", "failed", "silenced", "held", "lost_lease", "ambiguous"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


async def deliver_receiver(
    engine: sa.Engine,
    notifier: Notifier | None,
    receiver: str,
    *,
    owner: str,
    now: Callable[[], datetime],
    lease: timedelta,
    operators: Sequence[str] = (),
    should_stop: Callable[[], bool] = lambda: False,
    deadline_s: float = SEND_DEADLINE_S,
    batch: int = LANE_BATCH,
    on_outcome: Callable[[str, Outcome], None] | None = None,
) -> DeliveryReport:
    """One receiver's lane: send its due rows until none is due, the rows of one thread in order, up to
    the receiver's ``in_flight`` threads at once. When the receiver fails retryably the lane starts no
    further send and its unsent claimed rows wait for that retry (a receiver that is down costs one
    deadline per retry, not one per alert). ``should_stop``: finish the sends in progress, hand the rest
    back unsent."""
    report = DeliveryReport()
    in_flight = max(1, int(getattr(notifier, "in_flight", 1)))
    while not should_stop():
        claimed = await _db(
            claim_deliveries, engine, owner=owner, now=now(), lease=lease, limit=batch, receiver=receiver
        )
        if not claimed:
            return report
        lane = _Lane(engine, notifier, receiver, now, operators, deadline_s, should_stop, report, on_outcome)
        lane.silences = await _db(active_silences, engine, now=now())
        await lane.send(claimed, in_flight)
        if lane.failing is not None:
            outcome, d = lane.failing
            assert outcome.retry_at is not None
            note = f"{receiver} failing ({outcome.error}); waiting with {d.alert_key}"
            await _hand_back(engine, lane.unsent, lane.handled, until=outcome.retry_at, note=note)
            return report
        if lane.unsent:  # shutting down: hand the rest back at once
            await _hand_back(engine, lane.unsent, lane.handled, until=now(), note="released at shutdown")
            return report
    return report


@dataclass
class _Lane:
    """One claimed batch of a receiver's lane, sent thread by thread."""

    engine: sa.Engine
    notifier: Notifier | None
    receiver: str
    now: Callable[[], datetime]
    operators: Sequence[str]
    deadline_s: float
    should_stop: Callable[[], bool]
    report: DeliveryReport
    on_outcome: Callable[[str, Outcome], None] | None
    silences: Sequence[Silence] = ()
    handled: set[int] = field(default_factory=set)  # rows that went out grouped into another's message
    unsent: list[ClaimedDelivery] = field(default_factory=list)  # not started: a send failed, or shutdown
    failing: tuple[Outcome, ClaimedDelivery] | None = None  # the first retryable failure

    async def send(self, claimed: Sequence[ClaimedDelivery], in_flight: int) -> None:
        """The first row alone, then the rest ``in_flight`` threads at a time: a receiver that is down
        costs one send per retry, not ``in_flight`` (each an unconfirmed send once it times out)."""
        threads = _threads(claimed)
        first, threads[0] = threads[0][:1], threads[0][1:]
        await self._chain(first, asyncio.Semaphore(1))
        gate = asyncio.Semaphore(in_flight)
        await asyncio.gather(*(self._chain(rows, gate) for rows in threads if rows))

    async def _chain(self, rows: Sequence[ClaimedDelivery], gate: asyncio.Semaphore) -> None:
        for d in rows:
            if d.id in self.handled:
                continue
            async with gate:
                if self.failing is not None or self.should_stop():  # start nothing new
                    self.unsent.append(d)
                    continue
                topics = d.payload.get("topics") or [{}]
                with log_context(
                    receiver=d.receiver,
                    attempt=d.attempts,
                    source_id=d.payload.get("source_id"),
                    item_key=d.payload.get("item_key"),
                    topic=topics[0].get("id") if isinstance(topics[0], dict) else None,
                ):
                    outcome = await deliver_one(
                        self.engine,
                        self.notifier,
                        d,
                        self.now,
                        self.operators,
                        self.silences,
                        self.handled,
                        self.deadline_s,
                    )
            self.report.count(outcome.kind)
            if self.on_outcome is not None:
                self.on_outcome(self.receiver, outcome)
            if outcome.kind == "retried" and outcome.retry_at is not None and self.failing is None:
                self.failing = (outcome, d)


def _threads(claimed: Sequence[ClaimedDelivery]) -> list[list[ClaimedDelivery]]:
    """The claimed rows by story thread (``thread_key``, else the row's own alert), each in claim order,
    threads in the order of their first row: a thread's rows are sent one after another."""
    by_thread: dict[str, list[ClaimedDelivery]] = {}
    for d in claimed:
        by_thread.setdefault(str(d.payload.get("thread_key") or d.alert_key), []).append(d)
    return list(by_thread.values())


async def _hand_back(
    engine: sa.Engine, rows: Sequence[ClaimedDelivery], handled: set[int], *, until: datetime, note: str
) -> None:
    for rest in rows:
        if rest.id not in handled:
            await _db(postpone, engine, rest, until=until, note=note[:500])


async def deliver_due(
    engine: sa.Engine,
    notifiers: Mapping[str, Notifier],
    *,
    owner: str,
    now: Callable[[], datetime],
    lease: timedelta,
    batch: int = LANE_BATCH,
    operators: Sequence[str] = (),
    should_stop: Callable[[], bool] = lambda: False,
    deadline_s: float = SEND_DEADLINE_S,
    parallel: int = 8,
    on_outcome: Callable[[str, Outcome], None] | None = None,
) -> DeliveryReport:
    """Deliver every due outbox row: one lane per receiver with due rows, up to ``parallel`` lanes at
    once, until no receiver has a due row (or ``should_stop``)."""
    report = DeliveryReport()
    gate = asyncio.Semaphore(parallel)

    async def lane(receiver: str) -> DeliveryReport:
        async with gate:
            return await deliver_receiver(
                engine,
                notifiers.get(receiver),
                receiver,
                owner=owner,
                now=now,
                lease=lease,
                operators=operators,
                should_stop=should_stop,
                deadline_s=deadline_s,
                batch=batch,
                on_outcome=on_outcome,
            )

    while not should_stop():
        receivers = await _db(due_receivers, engine, now=now())
        if not receivers:
            break
        before = report.sent + report.retried + report.failed + report.silenced + report.held
        for r in await asyncio.gather(*(lane(rcv) for rcv in receivers)):
            report.merge(r)
        after = report.sent + report.retried + report.failed + report.silenced + report.held
        if after == before:  # nothing we could do (rows leased elsewhere meanwhile): next tick
            break
    return report

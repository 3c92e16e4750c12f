"""The outbox worker: deliver one claimed row, top to bottom.

claim (lease) -> [in doubt? reconcile with the provider] -> mark sending (committed) -> send -> record
the provider's answer. The outcome is recorded only after the provider answered; a crash in between
leaves the row in ``sending`` and the next claim treats it as in doubt, as it does an ``ambiguous`` answer
(connection lost after the request went out). Retry policy: retryable errors back off exponentially with
jitter (honouring a provider's Retry-After); other errors fail permanently and queue an operator alert
(``operator:`` in feeds.yaml) in the same transaction.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor import failpoints
from monitor.errors import DeliveryError
from monitor.notify import Notifier, Reconciler
from monitor.silence import Silence, covering
from monitor.store.outbox import (
    ClaimedDelivery,
    claim_deliveries,
    claim_siblings,
    last_sent_at,
    mark_sending,
    postpone,
    provider_ref_of,
    record_outcome,
)
from monitor.store.silences import active_silences

__all__ = ["DeliveryReport", "deliver_due", "retry_delay"]

log = logging.getLogger("pressmon.deliver")

MAX_RETRY_DELAY = timedelta(hours=1)


def retry_delay(attempts: int, *, rand: float, retry_after_s: float | None = None) -> timedelta:
    """Backoff after ``attempts`` failed sends: 10 s x 2^(n-1), capped at 1 h, +-20% jitter; a
    provider's Retry-After is a floor."""
    factor: int = 2 ** min(attempts - 1, 16)
    base: timedelta = min(timedelta(seconds=10) * factor, MAX_RETRY_DELAY)
    delay = base * (0.8 + 0.4 * rand)
    if retry_after_s is not None:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return delay


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    silenced: int = 0
    held: int = 0
    lost_lease: int = 0


def operator_rows(
    d: ClaimedDelivery, error: str, operators: Sequence[str], now: datetime
) -> list[dict[str, Any]]:
    """Outbox rows telling the operator receivers that ``d`` failed permanently (never to the receiver
    that failed, so a broken receiver cannot loop)."""
    payload = {
        "alert_key": f"operator:{d.alert_key}:{d.receiver}",
        "kind": "operator",
        "reason": "delivery-failed",
        "receiver": d.receiver,
        "failed_alert_key": d.alert_key,
        "title": str(d.payload.get("title") or d.payload.get("source_title") or d.alert_key),
        "source_id": str(d.payload.get("source_id", "")),
        "source_title": str(d.payload.get("source_title", "")),
        "url": d.payload.get("url"),
        "error": error,
        "attempts": d.attempts,
        "seen_at": now.isoformat(),
    }
    return [
        {
            "alert_key": payload["alert_key"],
            "receiver": op,
            "kind": "operator",
            "mention_id": None,
            "payload": payload,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for op in operators
        if op != d.receiver and d.kind != "operator"
    ]


def _release(engine: sa.Engine, siblings: Sequence[ClaimedDelivery], now: datetime) -> None:
    """Grouped rows whose message was not sent go back to pending, due now."""
    for sib in siblings:
        postpone(engine, sib, until=now, note="group message not sent; queued again")


def _with_thread(engine: sa.Engine, d: ClaimedDelivery) -> dict[str, Any]:
    """The payload, plus where to thread it: a revision goes under the message of the item's first alert
    at the same receiver (``thread_channel``/``thread_ts`` from its ``channel:ts`` reference)."""
    payload = dict(d.payload)
    parent = payload.get("thread_key")
    if parent and parent != d.alert_key:
        ref = provider_ref_of(engine, str(parent), d.receiver)
        if ref and ":" in ref:
            payload["thread_channel"], payload["thread_ts"] = ref.split(":", 1)
    return payload


async def _deliver_one(
    engine: sa.Engine,
    notifier: Notifier | None,
    d: ClaimedDelivery,
    now: Callable[[], datetime],
    operators: Sequence[str],
    silences: Sequence[Silence] = (),
    handled: set[int] | None = None,
) -> str:
    if notifier is None:
        error = f"deliver: {d.receiver}: no such receiver in config"
        log.error("%s (alert %s)", error, d.alert_key)
        ok = record_outcome(
            engine, d, state="failed", now=now(), error=error, queue=operator_rows(d, error, operators, now())
        )
        return "failed" if ok else "lost"
    silence = covering(silences, d.payload, d.receiver, now())
    if silence is not None and not d.in_doubt:
        note = f"silenced by #{silence.id} until {silence.ends_at.isoformat()}: {silence.reason}"
        ok = record_outcome(engine, d, state="silenced", now=now(), error=note)
        return "silenced" if ok else "lost"
    repeat_s = d.payload.get("repeat_s")
    thread = d.payload.get("thread_key")
    if repeat_s and thread and thread != d.alert_key and not d.in_doubt:
        last = last_sent_at(engine, str(thread), d.receiver)
        if last is not None and now() < last + timedelta(seconds=float(repeat_s)):
            until = last + timedelta(seconds=float(repeat_s))
            ok = postpone(engine, d, until=until, note=f"repeat: held until {until.isoformat()}")
            return "held" if ok else "lost"
    payload = _with_thread(engine, d)
    siblings: list[ClaimedDelivery] = []
    if d.payload.get("group_wait_s") and thread and not d.in_doubt:
        siblings = claim_siblings(engine, d, str(thread), now=now())
        if handled is not None:
            handled.update(sib.id for sib in siblings)
        if siblings:
            payload["grouped"] = [
                {k: s.payload.get(k) for k in ("kind", "source_title", "title", "url", "alert_key")}
                for s in siblings
            ]
    if d.in_doubt:
        if isinstance(notifier, Reconciler):
            try:
                found = await notifier.reconcile(payload)
            except DeliveryError as e:
                at = now() + retry_delay(d.attempts, rand=random.random(), retry_after_s=e.retry_after_s)
                ok = record_outcome(engine, d, state="ambiguous", now=now(), error=str(e), next_attempt_at=at)
                return "retried" if ok else "lost"
            if found is not None:
                log.info(
                    "deliver: %s: %s had arrived (%s); not sending again", d.receiver, d.alert_key, found
                )
                ok = record_outcome(engine, d, state="sent", now=now(), provider_ref=found)
                return "sent" if ok else "lost"
        log.warning("deliver: %s: %s: earlier send unconfirmed; sending again", d.receiver, d.alert_key)
    if not mark_sending(engine, d):
        _release(engine, siblings, now())
        return "lost"
    failpoints.hit("after-commit-before-send")
    try:
        ref = await notifier.send(payload)
    except DeliveryError as e:
        _release(engine, siblings, now())
        if e.ambiguous or e.retryable:
            at = now() + retry_delay(d.attempts, rand=random.random(), retry_after_s=e.retry_after_s)
            state = "ambiguous" if e.ambiguous else "retry"
            ok = record_outcome(engine, d, state=state, now=now(), error=str(e), next_attempt_at=at)
            return "retried" if ok else "lost"
        log.error("%s (permanent; not retried)", e)
        ok = record_outcome(
            engine,
            d,
            state="failed",
            now=now(),
            error=str(e),
            queue=operator_rows(d, str(e), operators, now()),
        )
        return "failed" if ok else "lost"
    failpoints.hit("after-send-before-record")
    ok = record_outcome(engine, d, state="sent", now=now(), provider_ref=ref)
    for sib in siblings:  # delivered inside d's message
        record_outcome(
            engine, sib, state="sent", now=now(), provider_ref=ref, error=f"grouped into {d.alert_key}"
        )
    return "sent" if ok else "lost"


async def deliver_due(
    engine: sa.Engine,
    notifiers: Mapping[str, Notifier],
    *,
    owner: str,
    now: Callable[[], datetime],
    lease: timedelta,
    batch: int = 50,
    operators: Sequence[str] = (),
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Deliver every due outbox row, batch by batch, until none is due (or ``should_stop``: then the send
    in progress finishes and the rest of the batch is released unsent)."""
    report = DeliveryReport()
    while True:
        claimed = claim_deliveries(engine, owner=owner, now=now(), lease=lease, limit=batch)
        if not claimed:
            return report
        silences = active_silences(engine, now=now())
        handled: set[int] = set()  # rows that went out grouped into another row's message
        for n, d in enumerate(claimed):
            if should_stop():  # shutting down: finish nothing new; hand the rest back at once
                for rest in claimed[n:]:
                    if rest.id not in handled:
                        postpone(engine, rest, until=now(), note="released at shutdown")
                return report
            if d.id in handled:
                continue
            outcome = await _deliver_one(
                engine, notifiers.get(d.receiver), d, now, operators, silences, handled
            )
            if outcome == "sent":
                report.sent += 1
            elif outcome == "retried":
                report.retried += 1
            elif outcome == "failed":
                report.failed += 1
            elif outcome == "silenced":
                report.silenced += 1
            elif outcome == "held":
                report.held += 1
            else:
                report.lost_lease += 1

"""The outbox worker: deliver one claimed row, top to bottom.

claim (lease) -> mark sending (committed) -> send -> record the provider's answer. The outcome is
recorded only after the provider answered; a crash in between leaves the row in ``sending`` and the next
claim treats it as in doubt. Retry policy: retryable errors back off exponentially with jitter (honouring
a provider's Retry-After); others fail permanently.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.errors import DeliveryError
from monitor.notify import Notifier
from monitor.store.outbox import ClaimedDelivery, claim_deliveries, mark_sending, record_outcome

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
    lost_lease: int = 0


async def _deliver_one(
    engine: sa.Engine, notifier: Notifier | None, d: ClaimedDelivery, now: Callable[[], datetime]
) -> str:
    if notifier is None:
        record_outcome(
            engine, d, state="failed", now=now(), error=f"deliver: {d.receiver}: no such receiver in config"
        )
        return "failed"
    if d.in_doubt:
        log.warning("deliver: %s: %s: send started before a crash; sending again", d.receiver, d.alert_key)
    if not mark_sending(engine, d):
        return "lost"
    try:
        ref = await notifier.send(d.payload)
    except DeliveryError as e:
        if e.retryable:
            at = now() + retry_delay(d.attempts, rand=random.random(), retry_after_s=e.retry_after_s)
            ok = record_outcome(engine, d, state="retry", now=now(), error=str(e), next_attempt_at=at)
            return "retried" if ok else "lost"
        log.error("%s (permanent; not retried)", e)
        ok = record_outcome(engine, d, state="failed", now=now(), error=str(e))
        return "failed" if ok else "lost"
    ok = record_outcome(engine, d, state="sent", now=now(), provider_ref=ref)
    return "sent" if ok else "lost"


async def deliver_due(
    engine: sa.Engine,
    notifiers: Mapping[str, Notifier],
    *,
    owner: str,
    now: Callable[[], datetime],
    lease: timedelta,
    batch: int = 50,
) -> DeliveryReport:
    """Deliver every due outbox row, batch by batch, until none is due."""
    report = DeliveryReport()
    while True:
        claimed = claim_deliveries(engine, owner=owner, now=now(), lease=lease, limit=batch)
        if not claimed:
            return report
        for d in claimed:
            outcome = await _deliver_one(engine, notifiers.get(d.receiver), d, now)
            if outcome == "sent":
                report.sent += 1
            elif outcome == "retried":
                report.retried += 1
            elif outcome == "failed":
                report.failed += 1
            else:
                report.lost_lease += 1

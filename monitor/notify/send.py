"""Deliver one claimed outbox row, top to bottom.

claim (lease) -> [in doubt? reconcile with the provider] -> mark sending (committed, lease re-checked)
-> send (under a total deadline) -> record the provider's answer. The outcome is recorded only after the
provider answered; a crash in between leaves the row in ``sending`` and the next claim treats it as in
doubt, as it does an ``ambiguous`` answer (connection lost after the request went out, or no answer
within the deadline). Retry policy: retryable errors back off exponentially with jitter (honouring a
provider's Retry-After); other errors fail permanently and queue an operator alert (``operator:`` in
feeds.yaml) in the same transaction.

Bounded duplicates: a receiver that cannot be asked whether an alert arrived (webhook) is sent an alert
whose earlier sends went unconfirmed at most ``MAX_UNCONFIRMED_SENDS`` times in all; then the row stays
``ambiguous`` and an operator alert asks a person to decide (``pressmon outbox retry|drop``).

The receivers' lanes that call :func:`deliver_one` for each row are ``monitor.notify.worker``. Database
calls run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa

from monitor import failpoints
from monitor.errors import DeliveryError
from monitor.notify import Notifier, Reconciler
from monitor.notify.operator import operator_rows
from monitor.silence import Silence, covering
from monitor.store.outbox import (
    MAX_UNCONFIRMED_SENDS,
    ClaimedDelivery,
    claim_siblings,
    last_sent_at,
    mark_sending,
    postpone,
    provider_ref_of,
    record_outcome,
)

__all__ = ["SEND_DEADLINE_S", "Outcome", "deliver_one", "retry_delay"]

log = logging.getLogger("pressmon.deliver")

T = TypeVar("T")

MAX_RETRY_DELAY = timedelta(hours=1)
SEND_DEADLINE_S = 30.0


def retry_delay(attempts: int, *, rand: float, retry_after_s: float | None = None) -> timedelta:
    """Backoff after ``attempts`` failed sends: 10 s x 2^(n-1), capped at 1 h, +-20% jitter; a
    provider's Retry-After is a floor."""
    factor: int = 2 ** min(attempts - 1, 16)
    base: timedelta = min(timedelta(seconds=10) * factor, MAX_RETRY_DELAY)
    delay = base * (0.8 + 0.4 * rand)
    if retry_after_s is not None:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return delay


@dataclass(frozen=True)
class Outcome:
    """What became of one row: ``sent | retried | failed | silenced | held | ambiguous | lost``; for
    ``retried``, when the receiver is tried again; the error, if any."""

    kind: str
    retry_at: datetime | None = None
    error: str | None = None


async def _db(fn: Callable[..., T], *args: object, **kw: object) -> T:
    """A database call, off the event loop."""
    return await asyncio.to_thread(fn, *args, **kw)


async def _within(receiver: str, deadline_s: float, call: Awaitable[T]) -> T:
    """``call`` under a total deadline; running out is an ambiguous failure (the request may be in)."""
    try:
        async with asyncio.timeout(deadline_s):
            return await call
    except TimeoutError:
        raise DeliveryError(
            receiver, f"no answer within {deadline_s:g}s (total deadline)", retryable=True, ambiguous=True
        ) from None


async def _release(engine: sa.Engine, siblings: Sequence[ClaimedDelivery], now: datetime) -> None:
    """Grouped rows whose message was not sent go back to pending, due now."""
    for sib in siblings:
        await _db(postpone, engine, sib, until=now, note="group message not sent; queued again")


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


async def deliver_one(
    engine: sa.Engine,
    notifier: Notifier | None,
    d: ClaimedDelivery,
    now: Callable[[], datetime],
    operators: Sequence[str],
    silences: Sequence[Silence] = (),
    handled: set[int] | None = None,
    deadline_s: float = SEND_DEADLINE_S,
) -> Outcome:
    if notifier is None:
        error = f"deliver: {d.receiver}: no such receiver in config"
        log.error("%s (alert %s)", error, d.alert_key)
        ok = await _db(
            record_outcome,
            engine,
            d,
            state="failed",
            now=now(),
            error=error,
            queue=operator_rows(d, error, operators, now()),
        )
        return Outcome("failed" if ok else "lost", error=error)
    silence = covering(silences, d.payload, d.receiver, now())
    if silence is not None and not d.in_doubt:
        note = f"silenced by #{silence.id} until {silence.ends_at.isoformat()}: {silence.reason}"
        ok = await _db(record_outcome, engine, d, state="silenced", now=now(), error=note)
        return Outcome("silenced" if ok else "lost")
    repeat_s = d.payload.get("repeat_s")
    thread = d.payload.get("thread_key")
    if repeat_s and thread and thread != d.alert_key and not d.in_doubt:
        last = await _db(last_sent_at, engine, str(thread), d.receiver)
        if last is not None and now() < last + timedelta(seconds=float(repeat_s)):
            until = last + timedelta(seconds=float(repeat_s))
            ok = await _db(postpone, engine, d, until=until, note=f"repeat: held until {until.isoformat()}")
            return Outcome("held" if ok else "lost")
    payload = await _db(_with_thread, engine, d)
    payload.setdefault("alert_key", d.alert_key)
    siblings: list[ClaimedDelivery] = []
    if d.payload.get("group_wait_s") and thread and not d.in_doubt:
        siblings = await _db(claim_siblings, engine, d, str(thread), now=now())
        if handled is not None:
            handled.update(sib.id for sib in siblings)
        if siblings:
            payload["grouped"] = [
                {k: s.payload.get(k) for k in ("kind", "source_title", "title", "url", "alert_key")}
                for s in siblings
            ]
    reconcilable = isinstance(notifier, Reconciler)
    if d.in_doubt:
        if isinstance(notifier, Reconciler):
            try:
                found = await _within(d.receiver, deadline_s, notifier.reconcile(payload))
            except DeliveryError as e:
                at = now() + retry_delay(d.attempts, rand=random.random(), retry_after_s=e.retry_after_s)
                ok = await _db(
                    record_outcome, engine, d, state="ambiguous", now=now(), error=str(e), next_attempt_at=at
                )
                return Outcome("retried" if ok else "lost", retry_at=at, error=str(e))
            if found is not None:
                log.info(
                    "deliver: %s: %s had arrived (%s); not sending again", d.receiver, d.alert_key, found
                )
                ok = await _db(record_outcome, engine, d, state="sent", now=now(), provider_ref=found)
                return Outcome("sent" if ok else "lost")
            d = replace(d, unconfirmed=0)  # the provider says none of the earlier sends arrived
        elif d.unconfirmed >= MAX_UNCONFIRMED_SENDS:
            return await _leave_ambiguous(engine, d, "earlier send interrupted", operators, now())
        log.warning("deliver: %s: %s: earlier send unconfirmed; sending again", d.receiver, d.alert_key)
    lease_for_send = now() + timedelta(seconds=deadline_s + 30)
    if not await _db(mark_sending, engine, d, now=now(), until=lease_for_send):
        # Our lease ran out (a pause, a slow database): someone else may hold the row now. Not sent.
        log.warning("deliver: %s: %s: lease expired before sending; not sent", d.receiver, d.alert_key)
        await _release(engine, siblings, now())
        return Outcome("lost")
    failpoints.hit("after-commit-before-send")
    try:
        ref = await _within(d.receiver, deadline_s, notifier.send(payload))
    except DeliveryError as e:
        await _release(engine, siblings, now())
        if e.ambiguous and not reconcilable and d.unconfirmed + 1 >= MAX_UNCONFIRMED_SENDS:
            d = replace(d, unconfirmed=d.unconfirmed + 1)
            return await _leave_ambiguous(engine, d, str(e), operators, now())
        if e.ambiguous or e.retryable:
            at = now() + retry_delay(d.attempts, rand=random.random(), retry_after_s=e.retry_after_s)
            state = "ambiguous" if e.ambiguous else "retry"
            unconfirmed = d.unconfirmed + 1 if e.ambiguous and not reconcilable else d.unconfirmed
            ok = await _db(
                record_outcome,
                engine,
                d,
                state=state,
                now=now(),
                error=str(e),
                next_attempt_at=at,
                unconfirmed=unconfirmed,
            )
            return Outcome("retried" if ok else "lost", retry_at=at, error=str(e))
        log.error("%s (permanent; not retried)", e)
        ok = await _db(
            record_outcome,
            engine,
            d,
            state="failed",
            now=now(),
            error=str(e),
            queue=operator_rows(d, str(e), operators, now()),
        )
        return Outcome("failed" if ok else "lost", error=str(e))
    failpoints.hit("after-send-before-record")
    ok = await _db(record_outcome, engine, d, state="sent", now=now(), provider_ref=ref)
    for sib in siblings:  # delivered inside d's message
        await _db(
            record_outcome,
            engine,
            sib,
            state="sent",
            now=now(),
            provider_ref=ref,
            error=f"grouped into {d.alert_key}",
        )
    return Outcome("sent" if ok else "lost")


async def _leave_ambiguous(
    engine: sa.Engine, d: ClaimedDelivery, why: str, operators: Sequence[str], now: datetime
) -> Outcome:
    """Sent ``d.unconfirmed`` times without an answer to a receiver that cannot be asked: sending again
    could only add duplicates. The row stays ``ambiguous`` (never claimed again) and the operator is told."""
    error = (
        f"deliver: {d.receiver}: {d.alert_key}: sent {d.unconfirmed} times without a confirmed answer "
        f"(last: {why}); not sent again: check the receiver, then `pressmon outbox retry {d.id}` or "
        f"`pressmon outbox drop {d.id} --reason ...`"
    )
    log.error("%s", error)
    ok = await _db(
        record_outcome,
        engine,
        d,
        state="ambiguous",
        now=now,
        error=error,
        unconfirmed=d.unconfirmed,
        queue=operator_rows(d, error, operators, now, reason="delivery-ambiguous"),
    )
    return Outcome("ambiguous" if ok else "lost", error=error)

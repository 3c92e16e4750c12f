"""The outbox in the database: claim due deliveries with a lease, mark a send as started, record the
provider's answer. Every write is fenced by the claim's lease token.

States: ``pending`` -> ``sending`` -> ``sent`` | ``retry`` (next_attempt_at) | ``failed`` (permanent)
| ``ambiguous`` (the provider may have it: the connection broke after the request went out).
A row found in ``sending`` with an expired lease is *in doubt* too: its send started and nobody
recorded the answer (a crash). Both are claimed again with ``in_doubt=True`` so the worker reconciles
with the provider (Slack: message metadata carries the alert_key) before any re-send. ``unconfirmed``
counts such sends: at ``MAX_UNCONFIRMED_SENDS`` the row stays ``ambiguous`` for good (never claimed
again; an operator alert says so) and a person decides (``pressmon outbox retry|drop``). ``dropped``:
a person dropped the row. ``silenced``: a silence covered it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select

from monitor.metrics import LEASE_TAKEOVERS
from monitor.store.engine import read_session, write_session
from monitor.store.models import OutboxRow

log = logging.getLogger(__name__)

__all__ = [
    "MAX_UNCONFIRMED_SENDS",
    "ClaimedDelivery",
    "OldestDue",
    "claim_deliveries",
    "claim_siblings",
    "counts_by_state",
    "due_receivers",
    "insert_outbox_rows",
    "last_sent_at",
    "mark_sending",
    "oldest_due",
    "postpone",
    "provider_ref_of",
    "record_outcome",
    "release_delivery_leases",
]


def insert_outbox_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Queue outbox rows; ``(alert_key, receiver)`` is unique and an existing row is left as it is
    (that is what makes re-planning the same alert harmless)."""
    if not rows:
        return
    rows = [{"thread_key": r.get("payload", {}).get("thread_key"), **r} for r in rows]
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(OutboxRow) if dialect == "postgresql" else sqlite.insert(OutboxRow)
    session.execute(ins.on_conflict_do_nothing(index_elements=["alert_key", "receiver"]), list(rows))


def last_sent_at(engine: sa.Engine, thread_key: str, receiver: str) -> datetime | None:
    """When this receiver last got an alert of this story (for ``repeat`` pacing)."""
    with read_session(engine) as s:
        q = select(func.max(OutboxRow.sent_at)).where(
            col(OutboxRow.receiver) == receiver,
            col(OutboxRow.state) == "sent",
            sa.or_(col(OutboxRow.thread_key) == thread_key, col(OutboxRow.alert_key) == thread_key),
        )
        return s.exec(q).first()


def postpone(engine: sa.Engine, d: ClaimedDelivery, *, until: datetime, note: str) -> bool:
    """Release a claimed row untouched but for its next attempt time (no attempt counted)."""
    with write_session(engine) as s:
        res = s.execute(
            sa.update(OutboxRow)
            .where(col(OutboxRow.id) == d.id, col(OutboxRow.lease_token) == d.token)
            .values(
                next_attempt_at=until, lease_owner=None, lease_token=None, lease_until=None, last_error=note
            )
        )
        return bool(getattr(res, "rowcount", 0) == 1)


def claim_siblings(
    engine: sa.Engine, d: ClaimedDelivery, thread_key: str, *, now: datetime
) -> list[ClaimedDelivery]:
    """Lease the other pending rows of the same story for the same receiver under ``d``'s token, to be
    sent as one grouped message (``group_wait``)."""
    pick = (
        select(OutboxRow.id)
        .where(
            col(OutboxRow.receiver) == d.receiver,
            col(OutboxRow.thread_key) == thread_key,
            col(OutboxRow.state) == "pending",
            col(OutboxRow.id) != d.id,
            sa.or_(
                col(OutboxRow.lease_until).is_(None),
                col(OutboxRow.lease_until) < now,
                col(OutboxRow.lease_token) == d.token,  # claimed in the same batch
            ),
        )
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(OutboxRow)
        .where(col(OutboxRow.id).in_(pick.scalar_subquery()))
        .values(lease_owner=d.token, lease_token=d.token, lease_until=now + timedelta(minutes=5))
        .returning(
            col(OutboxRow.id),
            col(OutboxRow.alert_key),
            col(OutboxRow.kind),
            col(OutboxRow.payload),
            col(OutboxRow.attempts),
        )
    )
    with write_session(engine) as s:
        rows = list(s.execute(stmt).all())
    return [
        ClaimedDelivery(r[0], d.token, r[1], d.receiver, r[2], dict(r[3]), int(r[4]) + 1, False)
        for r in sorted(rows, key=lambda r: r[0])
    ]


def provider_ref_of(engine: sa.Engine, alert_key: str, receiver: str) -> str | None:
    """The provider reference of a sent alert (e.g. Slack ``channel:ts``), for threading updates."""
    with read_session(engine) as s:
        q = select(OutboxRow.provider_ref).where(
            col(OutboxRow.alert_key) == alert_key,
            col(OutboxRow.receiver) == receiver,
            col(OutboxRow.state) == "sent",
        )
        return s.exec(q).first()


MAX_UNCONFIRMED_SENDS = 2  # an alert whose sends went unconfirmed this often is left to a person


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: int
    token: str
    alert_key: str
    receiver: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this one
    in_doubt: bool
    # Earlier sends of this row whose outcome is unknown, counting one interrupted by a crash
    # (claimed in ``sending``): what bounds duplicates where the provider cannot be asked.
    unconfirmed: int = 0


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Rows a worker should take: due pending/retry rows, ambiguous rows still worth another try, and
    rows left in ``sending`` (their lease expiry is checked with it)."""
    return sa.or_(
        sa.and_(col(OutboxRow.state).in_(["pending", "retry"]), col(OutboxRow.next_attempt_at) <= now),
        sa.and_(
            col(OutboxRow.state) == "ambiguous",
            col(OutboxRow.next_attempt_at) <= now,
            col(OutboxRow.unconfirmed) < MAX_UNCONFIRMED_SENDS,
        ),
        col(OutboxRow.state) == "sending",
    )


def due_receivers(engine: sa.Engine, *, now: datetime) -> list[str]:
    """Receivers with at least one row due and free now (each gets its own delivery lane)."""
    free = sa.or_(col(OutboxRow.lease_until).is_(None), col(OutboxRow.lease_until) < now)
    with read_session(engine) as s:
        q = select(OutboxRow.receiver).where(_due(now), free).distinct()
        return sorted(s.exec(q).all())


def claim_deliveries(
    engine: sa.Engine,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    receiver: str | None = None,
) -> list[ClaimedDelivery]:
    """Lease up to ``limit`` due rows (of one ``receiver``, or any), oldest due first."""
    token = str(uuid.uuid4())
    free = sa.or_(col(OutboxRow.lease_until).is_(None), col(OutboxRow.lease_until) < now)
    # Picked (and locked) first, so a claim can tell when it takes over a row whose lease another
    # instance let expire: every path that ends an attempt clears the lease, so a lease left on a due row
    # means its holder died or stalled mid-send (pressmon_lease_takeovers{work="delivery"}, a log line).
    pick = select(OutboxRow.id, OutboxRow.lease_owner, OutboxRow.lease_until).where(_due(now), free)
    if receiver is not None:
        pick = pick.where(col(OutboxRow.receiver) == receiver)
    pick = (
        pick.order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(OutboxRow)
        .where(col(OutboxRow.id).in_(sa.bindparam("picked", expanding=True)))
        .values(lease_owner=owner, lease_token=token, lease_until=now + lease)
        .returning(
            col(OutboxRow.id),
            col(OutboxRow.alert_key),
            col(OutboxRow.receiver),
            col(OutboxRow.kind),
            col(OutboxRow.payload),
            col(OutboxRow.attempts),
            col(OutboxRow.state),
            col(OutboxRow.unconfirmed),
        )
    )
    with write_session(engine) as s:
        picked = list(s.execute(pick).all())
        rows = list(s.execute(stmt, {"picked": [p[0] for p in picked]}).all()) if picked else []
    for row_id, previous, until in picked:
        if previous is not None and previous != owner:
            LEASE_TAKEOVERS.labels(work="delivery").inc()
            log.info("claim: outbox row %s taken over from %s (lease expired %s)", row_id, previous, until)
    return [
        ClaimedDelivery(
            id=r[0],
            token=token,
            alert_key=r[1],
            receiver=r[2],
            kind=r[3],
            payload=dict(r[4]),
            attempts=int(r[5]) + 1,
            in_doubt=r[6] in ("sending", "ambiguous"),
            unconfirmed=int(r[7]) + (1 if r[6] == "sending" else 0),
        )
        for r in sorted(rows, key=lambda r: r[0])
    ]


def mark_sending(
    engine: sa.Engine, d: ClaimedDelivery, *, now: datetime | None = None, until: datetime | None = None
) -> bool:
    """Record that the send is about to start (committed before any byte goes out). With ``now``, only
    while our lease is still unexpired (a worker paused past its lease must not send: someone else may
    have taken the row), and the lease is extended to ``until`` to cover the send's deadline."""
    where = [col(OutboxRow.id) == d.id, col(OutboxRow.lease_token) == d.token]
    values: dict[str, object] = {"state": "sending", "attempts": d.attempts, "unconfirmed": d.unconfirmed}
    if now is not None:
        where.append(col(OutboxRow.lease_until) > now)
    if until is not None:
        values["lease_until"] = until
    with write_session(engine) as s:
        res = s.execute(sa.update(OutboxRow).where(*where).values(**values))
        return bool(getattr(res, "rowcount", 0) == 1)


def record_outcome(
    engine: sa.Engine,
    d: ClaimedDelivery,
    *,
    state: str,
    now: datetime,
    provider_ref: str | None = None,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    queue: Sequence[dict[str, Any]] = (),
    unconfirmed: int | None = None,
) -> bool:
    """Record the provider's answer and release the lease; False if the lease was lost meanwhile.
    ``queue``: outbox rows to insert in the same transaction (operator alerts about this one)."""
    values: dict[str, object] = {
        "state": state,
        "lease_owner": None,
        "lease_token": None,
        "lease_until": None,
        "last_error": error,
    }
    if provider_ref is not None:
        values["provider_ref"] = provider_ref
    if state == "sent":
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if unconfirmed is not None:
        values["unconfirmed"] = unconfirmed
    with write_session(engine) as s:
        res = s.execute(
            sa.update(OutboxRow)
            .where(col(OutboxRow.id) == d.id, col(OutboxRow.lease_token) == d.token)
            .values(**values)
        )
        if getattr(res, "rowcount", 0) != 1:
            return False
        insert_outbox_rows(s, queue)
        return True


def release_delivery_leases(engine: sa.Engine, *, owner: str | None = None) -> int:
    """Drop outbox and digest-run leases: every one (SQLite start-up, under the one-daemon lock: their
    holder is dead), or ``owner``'s (shutdown, so another instance takes them over at once). Rows in
    ``sending`` stay in doubt and are reconciled before any re-send. Returns the rows released."""
    from monitor.store.models import DigestRunRow

    released = 0
    with write_session(engine) as s:
        for table in (OutboxRow, DigestRunRow):
            held: sa.ColumnElement[bool] = col(table.lease_token).is_not(None)
            if owner is not None:
                held = col(table.lease_owner) == owner
                if table is OutboxRow:  # grouped siblings are leased under their lead row's token
                    ours = select(OutboxRow.lease_token).where(col(OutboxRow.lease_owner) == owner)
                    held = sa.or_(held, col(OutboxRow.lease_owner).in_(ours.scalar_subquery()))
            res = s.execute(
                sa.update(table).where(held).values(lease_owner=None, lease_token=None, lease_until=None)
            )
            released += int(getattr(res, "rowcount", 0) or 0)
    return released


def counts_by_state(engine: sa.Engine) -> dict[str, int]:
    with read_session(engine) as s:
        q = select(OutboxRow.state, func.count()).group_by(col(OutboxRow.state))
        return {state: int(n) for state, n in s.exec(q).all()}


@dataclass(frozen=True, slots=True)
class OldestDue:
    id: int
    receiver: str
    due_since: datetime
    count: int  # rows due and not taken


def oldest_due(engine: sa.Engine, *, now: datetime) -> OldestDue | None:
    """The row that has been due longest without anyone taking it (a live lease means someone has)."""
    free = sa.or_(col(OutboxRow.lease_until).is_(None), col(OutboxRow.lease_until) < now)
    waiting = sa.and_(_due(now), free, col(OutboxRow.state) != "sending")
    with read_session(engine) as s:
        first = s.exec(
            select(OutboxRow.id, OutboxRow.receiver, OutboxRow.next_attempt_at)
            .where(waiting)
            .order_by(col(OutboxRow.next_attempt_at), col(OutboxRow.id))
            .limit(1)
        ).first()
        if first is None:
            return None
        count = s.exec(select(func.count()).select_from(OutboxRow).where(waiting)).one()
    row_id, receiver, due_since = first
    assert row_id is not None
    return OldestDue(row_id, receiver, due_since, int(count))

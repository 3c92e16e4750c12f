"""The outbox as a person sees it: list rows, send one again, drop one (``pressmon outbox``).

A person decides what the worker cannot: an ``ambiguous`` row (sent without an answer as often as
allowed), a ``failed`` one (a permanent error, since fixed), a receiver that was down for long. Retrying
makes a row pending and due now, with its unconfirmed-send count cleared (the person has checked);
dropping ends it as ``dropped`` with the reason. Rows already sent are never touched (that would be a
duplicate), nor rows a worker holds right now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from monitor.store.engine import read_session, write_session
from monitor.store.models import OutboxRow

__all__ = ["OutboxEntry", "drop_row", "list_outbox", "retry_rows"]

RETRYABLE_STATES = ("pending", "retry", "ambiguous", "failed", "dropped", "silenced")


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    alert_key: str
    receiver: str
    kind: str
    state: str
    attempts: int
    unconfirmed: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    title: str
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def list_outbox(
    engine: sa.Engine,
    *,
    states: Sequence[str] = (),
    receivers: Sequence[str] = (),
    limit: int = 200,
) -> list[OutboxEntry]:
    """Rows, newest first, filtered by state and receiver (none given: all)."""
    q = select(OutboxRow)
    if states:
        q = q.where(col(OutboxRow.state).in_(list(states)))
    if receivers:
        q = q.where(col(OutboxRow.receiver).in_(list(receivers)))
    q = q.order_by(col(OutboxRow.id).desc()).limit(limit)
    with read_session(engine) as s:
        return [
            OutboxEntry(
                id=r.id or 0,
                alert_key=r.alert_key,
                receiver=r.receiver,
                kind=r.kind,
                state=r.state,
                attempts=r.attempts,
                unconfirmed=r.unconfirmed,
                created_at=r.created_at,
                next_attempt_at=r.next_attempt_at,
                sent_at=r.sent_at,
                title=str(r.payload.get("title") or r.payload.get("source_title") or ""),
                last_error=r.last_error,
            )
            for r in s.exec(q)
        ]


def _free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(col(OutboxRow.lease_until).is_(None), col(OutboxRow.lease_until) < now)


def retry_rows(
    engine: sa.Engine, *, now: datetime, row_id: int | None = None, receiver: str | None = None
) -> list[int]:
    """Make one row (or every unsent row of ``receiver``) pending and due now. Returns the ids changed."""
    where = [col(OutboxRow.state).in_(RETRYABLE_STATES), _free(now)]
    if row_id is not None:
        where.append(col(OutboxRow.id) == row_id)
    if receiver is not None:
        where.append(col(OutboxRow.receiver) == receiver)
    stmt = (
        sa.update(OutboxRow)
        .where(*where)
        .values(
            state="pending",
            next_attempt_at=now,
            unconfirmed=0,
            lease_owner=None,
            lease_token=None,
            lease_until=None,
            last_error=f"queued again by hand at {now.isoformat(timespec='seconds')}",
        )
        .returning(col(OutboxRow.id))
    )
    with write_session(engine) as s:
        return sorted(int(i) for i in s.execute(stmt).scalars())


def drop_row(engine: sa.Engine, row_id: int, *, reason: str, now: datetime) -> bool:
    """End an unsent row as ``dropped`` (kept, with the reason, for the record)."""
    stmt = (
        sa.update(OutboxRow)
        .where(
            col(OutboxRow.id) == row_id,
            col(OutboxRow.state).in_(RETRYABLE_STATES),
            _free(now),
        )
        .values(
            state="dropped",
            lease_owner=None,
            lease_token=None,
            lease_until=None,
            last_error=f"dropped by hand at {now.isoformat(timespec='seconds')}: {reason}",
        )
    )
    with write_session(engine) as s:
        return bool(getattr(s.execute(stmt), "rowcount", 0) == 1)


def row_state(engine: sa.Engine, row_id: int) -> str | None:
    with read_session(engine) as s:
        return s.exec(select(OutboxRow.state).where(col(OutboxRow.id) == row_id)).first()

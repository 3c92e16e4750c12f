"""Silences in the database (created and expired by ``pressmon silence``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from monitor.silence import Matcher, Silence
from monitor.store.engine import read_session, write_session
from monitor.store.models import SilenceRow

__all__ = ["active_silences", "add_silence", "expire_silence", "list_silences"]


def _value(r: SilenceRow) -> Silence:
    assert r.id is not None
    matchers = tuple(Matcher(m["name"], m["op"], m["value"]) for m in r.matchers or [])
    return Silence(
        r.id, r.topic, r.source, r.receiver, r.starts_at, r.ends_at, r.reason, r.created_by, matchers
    )


def add_silence(
    engine: sa.Engine,
    *,
    topic: str | None,
    source: str | None,
    receiver: str | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    created_by: str,
    now: datetime,
    matchers: tuple[Matcher, ...] = (),
) -> Silence:
    with write_session(engine) as s:
        row = SilenceRow(
            topic=topic,
            source=source,
            receiver=receiver,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=created_by,
            created_at=now,
            matchers=[m.as_dict() for m in matchers] or None,
        )
        s.add(row)
        s.flush()
        return _value(row)


def list_silences(engine: sa.Engine, *, now: datetime, include_expired: bool = False) -> list[Silence]:
    with read_session(engine) as s:
        q = select(SilenceRow).order_by(col(SilenceRow.ends_at))
        if not include_expired:
            q = q.where(col(SilenceRow.ends_at) > now)
        return [_value(r) for r in s.exec(q)]


def active_silences(engine: sa.Engine, *, now: datetime) -> list[Silence]:
    return [x for x in list_silences(engine, now=now) if x.active(now)]


def expire_silence(engine: sa.Engine, silence_id: int, *, now: datetime) -> bool:
    with write_session(engine) as s:
        res = s.execute(
            sa.update(SilenceRow)
            .where(col(SilenceRow.id) == silence_id, col(SilenceRow.ends_at) > now)
            .values(ends_at=now)
        )
        return bool(getattr(res, "rowcount", 0) == 1)

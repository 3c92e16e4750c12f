"""The claim loop's store side: renew every lease an instance holds in one statement, and find when the
next source falls due (so the loop sleeps until then rather than polling the database).

Renewal is fenced by each lease's token, like the commit: a lease another instance took over (ours had
expired while this one was paused) is not extended, and is reported lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, func, select

from monitor.store.engine import read_session, write_session
from monitor.store.models import SourceRow

__all__ = ["next_due_at", "renew_leases"]

_CHUNK = 500


def renew_leases(engine: sa.Engine, held: Mapping[str, str], *, until: datetime) -> set[str]:
    """Extend each lease in ``held`` (source id -> lease token) to ``until``, in one transaction; the
    ids whose lease another instance holds now (lost: its token is on the row). A lease already given
    back (no token: its poll committed while this ran) is neither renewed nor lost."""
    if not held:
        return set()
    taken: set[str] = set()
    ids = sorted(held)
    with write_session(engine) as s:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            # Which of these rows carry our token (one read), then one UPDATE for those.
            q = select(SourceRow.id, SourceRow.lease_token).where(col(SourceRow.id).in_(chunk))
            ours: list[str] = []
            for sid, token in s.exec(q).all():
                if token is not None and held.get(sid) == token:
                    ours.append(sid)
                elif token is not None:
                    taken.add(sid)
            if not ours:
                continue
            tokens = sorted({held[sid] for sid in ours})
            s.execute(
                sa.update(SourceRow)
                .where(col(SourceRow.id).in_(ours), col(SourceRow.lease_token).in_(tokens))
                .values(lease_until=until)
            )
    return taken


def next_due_at(engine: sa.Engine, source_ids: Sequence[str], *, now: datetime) -> datetime | None:
    """The earliest time one of ``source_ids`` (not paused) can be claimed: its ``next_due`` if nobody
    holds it, the end of its lease if someone does (a lease can expire and be taken over). None: none."""
    if not source_ids:
        return None
    typ = SourceRow.__table__.c.next_due.type  # type: ignore[attr-defined]
    next_due, until = col(SourceRow.next_due), col(SourceRow.lease_until)
    free = sa.or_(until.is_(None), until < now)
    found: list[datetime] = []
    ids = list(source_ids)
    with read_session(engine) as s:
        for i in range(0, len(ids), _CHUNK):
            mine = sa.and_(col(SourceRow.id).in_(ids[i : i + _CHUNK]), col(SourceRow.paused_at).is_(None))
            q = sa.select(
                sa.type_coerce(func.min(next_due).filter(free), typ),
                sa.type_coerce(func.min(until).filter(sa.not_(free)), typ),
            ).where(mine)
            row = s.execute(q).one()
            found.extend(v for v in row if v is not None)
    return min(found, default=None)

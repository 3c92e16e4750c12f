"""Queries for the CLI: source tables and summaries (read-only), pausing a source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, func, select

from monitor.store.engine import read_session, write_session
from monitor.store.models import ItemRow, PollLogRow, SourceRow

__all__ = ["SourceOverview", "set_paused", "source_overview"]


@dataclass(frozen=True)
class SourceOverview:
    id: str
    last_ok_at: datetime | None
    error_streak: int
    next_due: datetime
    items: int
    last_error: str | None
    encoding: str | None = None  # the codec the latest fetch with a body was read with
    paused_at: datetime | None = None  # `pressmon sources pause`
    pause_reason: str | None = None
    # What the last poll that read full texts could not read ("full text of URL not read (...)"), or None.
    full_text_problem: str | None = None


def source_overview(engine: sa.Engine) -> list[SourceOverview]:
    counts = select(ItemRow.source_id, func.count().label("n")).group_by(col(ItemRow.source_id)).subquery()
    q = (
        select(SourceRow, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.source_id == col(SourceRow.id))
        .order_by(col(SourceRow.id))
    )
    latest = (
        select(func.max(col(PollLogRow.id)))
        .where(col(PollLogRow.encoding).is_not(None))
        .group_by(col(PollLogRow.source_id))
    )
    encodings = select(PollLogRow.source_id, PollLogRow.encoding).where(col(PollLogRow.id).in_(latest))
    # The last ok poll that had full texts to read (new or revised items) or failed to read them: a
    # full-text problem stays shown until a later poll reads full texts again.
    reading = (
        select(func.max(col(PollLogRow.id)))
        .where(
            col(PollLogRow.status) == "ok",
            sa.or_(
                col(PollLogRow.error_kind) == "full_text",
                col(PollLogRow.new_count) > 0,
                col(PollLogRow.revised_count) > 0,
            ),
        )
        .group_by(col(PollLogRow.source_id))
    )
    full_text = select(PollLogRow.source_id, PollLogRow.error).where(
        col(PollLogRow.id).in_(reading), col(PollLogRow.error_kind) == "full_text"
    )
    with read_session(engine) as s:
        used = {sid: enc for sid, enc in s.exec(encodings).all()}
        unread = {sid: error for sid, error in s.exec(full_text).all()}
        return [
            SourceOverview(
                r.id,
                r.last_ok_at,
                r.error_streak,
                r.next_due,
                int(n),
                r.last_error,
                used.get(r.id),
                r.paused_at,
                r.pause_reason,
                unread.get(r.id),
            )
            for r, n in s.exec(q).all()
        ]


def set_paused(engine: sa.Engine, source_id: str, *, paused_at: datetime | None, reason: str | None) -> bool:
    """Pause (``paused_at`` set) or resume (None) a source; False when no such source row exists. A paused
    source is never claimed (``leases.claim_sources``), so no instance polls it until it is resumed."""
    with write_session(engine) as s:
        res = s.execute(
            sa.update(SourceRow)
            .where(col(SourceRow.id) == source_id)
            .values(paused_at=paused_at, pause_reason=reason if paused_at else None)
        )
        return bool(getattr(res, "rowcount", 0) == 1)

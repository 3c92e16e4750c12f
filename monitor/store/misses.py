"""Near misses in the database: topics an item almost matched, read back for digests and
``pressmon topics misses`` (written by ``monitor.store.poll_commit`` in the poll's own transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from monitor.store.engine import read_session
from monitor.store.models import ItemRow, NearMissRow, RevisionRow

__all__ = ["StoredMiss", "collect_near_misses"]


@dataclass(frozen=True, slots=True)
class StoredMiss:
    topic_id: str
    reason: str
    source_id: str
    title: str
    url: str | None
    item_id: int
    seq: int
    seen_at: datetime


def collect_near_misses(
    engine: sa.Engine,
    *,
    start: datetime,
    end: datetime | None = None,
    topics: Sequence[str] = (),
    limit: int = 500,
) -> list[StoredMiss]:
    """Near misses recorded in ``[start, end)``, newest first (``topics``: only these; empty: all)."""
    q = (
        select(NearMissRow, RevisionRow, ItemRow)
        .join(RevisionRow, col(RevisionRow.id) == col(NearMissRow.revision_id))
        .join(ItemRow, col(ItemRow.id) == col(RevisionRow.item_id))
        .where(col(NearMissRow.created_at) >= start)
        .order_by(col(NearMissRow.created_at).desc(), col(NearMissRow.id).desc())
        .limit(limit)
    )
    if end is not None:
        q = q.where(col(NearMissRow.created_at) < end)
    if topics:
        q = q.where(col(NearMissRow.topic_id).in_(list(topics)))
    with read_session(engine) as s:
        return [
            StoredMiss(
                topic_id=miss.topic_id,
                reason=miss.reason,
                source_id=item.source_id,
                title=rev.title,
                url=item.canonical_url,
                item_id=item.id or 0,
                seq=rev.seq,
                seen_at=miss.created_at,
            )
            for miss, rev, item in s.exec(q).all()
        ]

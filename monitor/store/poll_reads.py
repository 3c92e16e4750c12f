"""What a poll reads from the store before it decides, outside any transaction: the stored revision of
each item in the listing, the recent identity keys (whether the feed's GUIDs are stable), the items whose
disappearance may be a withdrawal, and the source's publishing history (for ``schedule.adaptive_every``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, func, select

from monitor.diff import StoredRevision
from monitor.poll_records import StoredItem
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, MentionRow, RevisionRow, current_revision

__all__ = ["GoneCandidate", "gone_candidates", "load_stored", "publishing_history", "recent_identity_keys"]


def publishing_history(
    engine: sa.Engine, source_id: str, *, since: datetime
) -> tuple[datetime | None, list[datetime]]:
    """``(history_start, seen)`` for ``schedule.adaptive_every``: when the source's first items were
    stored (its baseline), and when each item stored after the baseline was first seen, since ``since``."""
    with read_session(engine) as s:
        start: datetime | None = s.exec(
            select(func.min(col(ItemRow.first_seen_at))).where(col(ItemRow.source_id) == source_id)
        ).one()
        if start is None:
            return None, []
        rows = s.exec(
            select(ItemRow.first_seen_at).where(
                col(ItemRow.source_id) == source_id,
                col(ItemRow.first_seen_at) > max(start, since),
            )
        ).all()
        return start, list(rows)


def load_stored(engine: sa.Engine, source_id: str, keys: Iterable[str]) -> dict[str, StoredItem]:
    """Current revision of each stored item with one of ``keys``."""
    keys = list(keys)
    out: dict[str, StoredItem] = {}
    with read_session(engine) as s:
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            q = (
                select(ItemRow.item_key, ItemRow.id, ItemRow.revision_count, RevisionRow)
                .join(
                    RevisionRow,
                    current_revision(),
                )
                .where(col(ItemRow.source_id) == source_id, col(ItemRow.item_key).in_(chunk))
            )
            for key, item_id, seq, rev in s.exec(q).all():
                assert item_id is not None
                out[key] = StoredItem(
                    item_id=item_id,
                    seq=seq,
                    revision=StoredRevision(
                        key=key, content_hash=rev.content_hash, title=rev.title, text=rev.text
                    ),
                )
    return out


def recent_identity_keys(engine: sa.Engine, source_id: str, *, limit: int = 1000) -> set[str]:
    """Keys of the most recently seen GUID-keyed items, plus ``"u:" + canonical_url`` of each
    (``"c:" + content_hash`` for one without a link): what ``identity.keys_unstable`` compares against."""
    with read_session(engine) as s:
        q = (
            select(ItemRow.item_key, ItemRow.canonical_url, ItemRow.content_hash)
            .where(col(ItemRow.source_id) == source_id, col(ItemRow.key_kind) == "guid")
            .order_by(col(ItemRow.last_seen_at).desc())
            .limit(limit)
        )
        out: set[str] = set()
        for key, url, chash in s.exec(q).all():
            out.update((key, "u:" + url if url else "c:" + chash))
        return out


@dataclass(frozen=True, slots=True)
class GoneCandidate:
    item_id: int
    item_key: str
    title: str
    url: str
    revision: int
    topic_ids: tuple[str, ...]


def gone_candidates(
    engine: sa.Engine, source_id: str, present: Sequence[str], *, now: datetime, limit: int = 5
) -> list[GoneCandidate]:
    """Items with topic mentions that were in a recent listing (seen in the last 2 days, first seen in
    the last 14), are not in this one, were never checked since, and have a URL: the ones whose
    disappearance may be a withdrawal. At most ``limit`` per poll (each costs a fetch)."""
    # One query for the items and their latest revision's topics (an item without any drops out of the
    # join), not one per item: in a burst every item of the previous listing is absent.
    q = (
        sa.select(
            col(ItemRow.id),
            col(ItemRow.item_key),
            col(ItemRow.title),
            col(ItemRow.canonical_url),
            col(ItemRow.revision_count),
            col(MentionRow.topic_id),
        )
        .join(
            RevisionRow,
            current_revision(),
        )
        .join(MentionRow, col(MentionRow.revision_id) == col(RevisionRow.id))
        .where(
            col(ItemRow.source_id) == source_id,
            col(ItemRow.withdrawn_at).is_(None),
            col(ItemRow.canonical_url).is_not(None),
            col(ItemRow.last_seen_at) >= now - timedelta(days=2),
            col(ItemRow.first_seen_at) >= now - timedelta(days=14),
            sa.or_(
                col(ItemRow.gone_checked_at).is_(None),
                col(ItemRow.gone_checked_at) < col(ItemRow.last_seen_at),
            ),
        )
        .order_by(col(ItemRow.last_seen_at).desc(), col(ItemRow.id), col(MentionRow.id))
    )
    keep = set(present)
    found: dict[int, tuple[str, str, str, int, list[str]]] = {}
    with read_session(engine) as s:
        for item_id, key, title, url, revision, topic in s.execute(q).all():
            if key in keep:
                continue
            if item_id not in found:
                if len(found) >= limit:
                    break
                found[item_id] = (key, title, url, revision, [])
            found[item_id][4].append(topic)
    return [
        GoneCandidate(i, key, title, url, rev, tuple(t)) for i, (key, title, url, rev, t) in found.items()
    ]

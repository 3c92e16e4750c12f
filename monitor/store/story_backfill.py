"""Backfill of the story index for items stored before it existed (migration 0010_story_index).

Such items have no signature and no ``story_key`` rows, so a new item never finds them: a report polled
just after an upgrade started a new story even when the story's first item was an hour old. Only items
first seen within the story window can ever be a candidate (lookups read ``first_seen_at >= since``), so
only those are backfilled: from each item's first revision (title and text, as the poll that stored it
saw them) and the topics that revision matched (its ``mention`` rows), the item gets the fingerprint,
signature, primary flag and index rows a poll would have given it. Older items are left as they are.

:func:`backfill_story_index` runs at start-up (``App.prepare_database``, under the schema lock, so one
instance does it while the others wait) and is idempotent: an item is picked while its ``signature`` is
NULL, and its signature and index rows are written in one transaction per batch. After the first run it
finds nothing (one indexed query per start).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select

from monitor.store.engine import write_session
from monitor.store.models import ItemRow, MentionRow, RevisionRow, StoryKeyRow
from monitor.story_index import item_keys
from monitor.story_signature import signature
from monitor.story_text import fingerprint

__all__ = ["backfill_story_index"]

log = logging.getLogger("pressmon.store")

BATCH = 200


def backfill_story_index(
    engine: sa.Engine, *, since: datetime, primary_sources: Collection[str] = (), batch: int = BATCH
) -> int:
    """Give every item first seen at or after ``since`` that has no signature its fingerprint, signature,
    primary flag and story-index rows; returns how many items were backfilled."""
    done = 0
    after = 0
    while True:
        with write_session(engine) as s:
            rows = s.exec(
                select(ItemRow)
                .where(
                    col(ItemRow.signature).is_(None),
                    col(ItemRow.first_seen_at) >= since,
                    col(ItemRow.id) > after,
                )
                .order_by(col(ItemRow.id))
                .limit(batch)
            ).all()
            if not rows:
                break
            ids = [r.id for r in rows if r.id is not None]
            after = max(ids)
            first: dict[int, RevisionRow] = {}
            for r in s.exec(
                select(RevisionRow).where(col(RevisionRow.item_id).in_(ids)).order_by(col(RevisionRow.seq))
            ).all():
                first.setdefault(r.item_id, r)
            rev_ids = [r.id for r in first.values() if r.id is not None]
            topics: dict[int, set[str]] = {}
            if rev_ids:
                for rev_id, topic in s.exec(
                    select(MentionRow.revision_id, MentionRow.topic_id).where(
                        col(MentionRow.revision_id).in_(rev_ids)
                    )
                ).all():
                    topics.setdefault(rev_id, set()).add(topic)
            s.execute(sa.delete(StoryKeyRow).where(col(StoryKeyRow.item_id).in_(ids)))
            keys: list[dict[str, object]] = []
            for row in rows:
                assert row.id is not None
                rev = first.get(row.id)
                title, text = (rev.title, rev.text) if rev is not None else (row.title, "")
                fp = fingerprint(title, text)
                published = row.published_at.date() if row.published_at is not None else None
                sig = signature(
                    title, text, topics=topics.get(rev.id or 0, set()) if rev else (), published=published
                )
                story = row.story_id if row.story_id is not None else row.id
                s.execute(
                    sa.update(ItemRow)
                    .where(col(ItemRow.id) == row.id)
                    .values(
                        fingerprint=fp,
                        signature=sig.to_json(),
                        primary_source=row.source_id in primary_sources,
                        story_id=story,
                    )
                )
                keys.extend(
                    {"key": k, "first_seen_at": row.first_seen_at, "item_id": row.id, "story_id": story}
                    for k in item_keys(fp, sig)
                )
            if keys:
                s.execute(sa.insert(StoryKeyRow), keys)
            done += len(rows)
    if done:
        log.info("store: story index backfilled for %d items stored before it existed", done)
    return done

"""The story index's table (``story_key``) as the daemon uses it: the lookup a poll's new items make
(``monitor.story_index`` describes the keys; its MemoryIndex is the same in memory), the rows a commit
adds, whether items stored since a lookup could change its decisions, and the advisory locks that make
commits of one story take turns on PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from monitor.poll_records import ItemWrite, PollWrite, Stories
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, MentionRow, RevisionRow, StoryKeyRow
from monitor.stories import StoryCandidate, StoryProbe
from monitor.story_signature import Signature

__all__ = [
    "MAX_STORY_LOCKS",
    "STORY_LOCK_KEY",
    "index_stories",
    "stories_changed",
    "story_lock_ids",
    "story_lookup",
    "story_lookup_in",
]


STORY_LOCK_KEY = 0x70726573  # "pres": the advisory lock that serialises item-adding commits on PostgreSQL


MAX_STORY_LOCKS = 1024  # a commit adding more keys than this takes the one global lock instead


def stories_changed(s: Session, write: PollWrite) -> bool:
    """Whether an item stored since this write's story candidates were read could have been one of them:
    it shares a story-index key with an item this write adds (candidates are only ever found through a
    shared key). Items of unrelated stories stored meanwhile do not make the write decide again; an added
    item without a sketch, or more keys than a lookup takes, falls back to "anything stored since"."""
    from monitor.story_index import item_keys

    snapshot = write.stories_snapshot or 0
    keys: set[int] = set()
    for w in write.items:
        if w.item_id is not None:
            continue
        if w.fingerprint is None:
            keys = set()
            break
        keys.update(item_keys(w.fingerprint, w.signature or Signature.from_json(None)))
    if not keys or len(keys) > MAX_STORY_LOCKS:
        return (s.exec(select(func.max(ItemRow.id))).one() or 0) > snapshot
    k = StoryKeyRow.__table__.c  # type: ignore[attr-defined]
    ordered = sorted(keys)
    for i in range(0, len(ordered), 500):
        q = sa.select(k.item_id).where(k.item_id > snapshot, k.key.in_(ordered[i : i + 500])).limit(1)
        if s.execute(q).first() is not None:
            return True
    return False


def story_lock_ids(
    fingerprints: Sequence[bytes | None], signatures: Sequence[Signature | None] = ()
) -> list[int]:
    """The advisory lock ids a commit adding items with these sketches and signatures takes: one per
    story-index key of each item (``story_index.item_keys``: its text keys, the smallest sketch values,
    and its signature-part keys), as signed 64-bit hashes, ascending so two commits never wait on each
    other in a cycle. Candidates are only ever found through a shared key, so two items that could join
    one story -- by wording or by what they report, in two languages -- always share a lock, and the later
    commit sees the earlier one's item. An item without a sketch, or more keys than MAX_STORY_LOCKS,
    means the one global lock."""
    from monitor.story_index import item_keys

    keys: set[int] = set()
    for n, fp in enumerate(fingerprints):
        if fp is None:
            return [STORY_LOCK_KEY]
        sig = signatures[n] if n < len(signatures) else None
        keys.update(item_keys(fp, sig or Signature.from_json(None)))
    if len(keys) > MAX_STORY_LOCKS:
        return [STORY_LOCK_KEY]
    digest = hashlib.blake2b
    return sorted(
        int.from_bytes(digest(b"pressmon-story:%d" % k, digest_size=8).digest(), "big", signed=True)
        for k in keys
    )


def story_lookup(engine: sa.Engine, probes: Sequence[StoryProbe], *, since: datetime) -> Stories:
    """What the story index holds for ``probes`` in the window (``first_seen_at >= since``): candidate
    items, the rarity of each signature part, the stories a primary source leads, and each candidate
    story's thread key (``monitor.story_index`` describes the keys; the same lookup as its MemoryIndex)."""
    with read_session(engine) as s:
        return story_lookup_in(s, probes, since=since)


def story_lookup_in(s: Session, probes: Sequence[StoryProbe], *, since: datetime) -> Stories:
    """:func:`story_lookup` in a session of the caller's (a commit deciding again in its transaction)."""
    from monitor.plan import AlertReason, alert_key
    from monitor.story_index import MAX_DF, part_keys, text_keys, top_items

    k = StoryKeyRow.__table__.c  # type: ignore[attr-defined]
    in_window = k.first_seen_at >= since
    # Read the high-water mark first: anything stored after it makes the commit decide again.
    snapshot = s.exec(select(func.max(ItemRow.id))).one() or 0
    parts: dict[int, str] = {}
    for p in probes:
        parts.update(part_keys(p.signature))
    rarity: dict[str, int] = {}
    keys = list(parts)
    for i in range(0, len(keys), 500):
        q = (
            sa.select(k.key, func.count(sa.distinct(k.story_id)))
            .where(k.key.in_(keys[i : i + 500]), in_window)
            .group_by(k.key)
        )
        rarity.update({parts[key]: int(n) for key, n in s.execute(q).all()})
    # Each probe's text keys and usable part keys, looked up for all probes at once: one query per 500
    # keys rather than two per probe (a burst's poll has ten or more new items); the items sharing each
    # group's keys are then counted per probe, as a query per group would count them.
    groups = [
        (
            p,
            (
                text_keys(p.fingerprint),
                [key for key, part in part_keys(p.signature).items() if rarity.get(part, 0) <= MAX_DF],
            ),
        )
        for p in probes
    ]
    holders = _items_by_key(s, sorted({key for _, gs in groups for g in gs for key in g}), since=since)
    found: set[int] = set()
    by_probe: dict[bytes, set[int]] = {}
    for p, gs in groups:
        mine = by_probe.setdefault(p.fingerprint, set())
        for group in gs:
            counts: dict[int, int] = {}
            for key in group:
                for item_id in holders.get(key, ()):
                    counts[item_id] = counts.get(item_id, 0) + 1
            if counts:
                mine.update(top_items(counts))
        found |= mine
    candidates: list[StoryCandidate] = []
    ids = sorted(found)
    for i in range(0, len(ids), 500):
        q = sa.select(
            col(ItemRow.id),
            col(ItemRow.story_id),
            col(ItemRow.fingerprint),
            col(ItemRow.first_seen_at),
            col(ItemRow.source_id),
            col(ItemRow.title),
            col(ItemRow.signature),
            col(ItemRow.primary_source),
            col(ItemRow.published_at),
        ).where(col(ItemRow.id).in_(ids[i : i + 500]))
        for item_id, sid, fp, seen, src, title, sig, primary, published in s.execute(q).all():
            if sid is None or fp is None:
                continue
            candidates.append(
                StoryCandidate(
                    story_id=sid,
                    fingerprint=fp,
                    first_seen_at=seen,
                    source_id=src,
                    title=title,
                    signature=Signature.from_json(sig),
                    primary=bool(primary),
                    item_id=item_id,
                    published_at=published,
                )
            )
    story_ids = sorted({c.story_id for c in candidates})
    threads: dict[int, str] = {}
    led: set[int] = set()
    for i in range(0, len(story_ids), 500):
        chunk = story_ids[i : i + 500]
        # The story's thread: its first item that was news on a topic (a ``new`` alert), which need not
        # be the item that started it (one matching no topic starts a story as well, silently).
        news = (
            sa.select(col(ItemRow.story_id), col(ItemRow.id), col(ItemRow.source_id), col(ItemRow.item_key))
            .join(RevisionRow, col(RevisionRow.item_id) == col(ItemRow.id))
            .join(MentionRow, col(MentionRow.revision_id) == col(RevisionRow.id))
            .where(
                col(ItemRow.story_id).in_(chunk),
                col(RevisionRow.seq) == 1,
                col(MentionRow.reason) == AlertReason.FIRST_SEEN.value,
            )
            .order_by(col(ItemRow.id))
        )
        for sid, _item_id, src, key in s.execute(news).all():
            threads.setdefault(int(sid), alert_key("new", src, key, 1))
        leads = select(ItemRow.story_id).where(
            col(ItemRow.story_id).in_(chunk), col(ItemRow.primary_source).is_(True)
        )
        led.update(sid for sid in s.exec(leads).all() if sid is not None)
    return Stories(
        candidates=tuple(candidates),
        threads=threads,
        snapshot=snapshot,
        rarity=rarity,
        led=frozenset(led),
        found={fp: frozenset(ids) for fp, ids in by_probe.items()},
    )


def _items_by_key(s: Session, keys: Sequence[int], *, since: datetime) -> dict[int, list[int]]:
    """The items in the window (``first_seen_at >= since``) holding each of ``keys``."""
    k = StoryKeyRow.__table__.c  # type: ignore[attr-defined]
    out: dict[int, list[int]] = {}
    for i in range(0, len(keys), 500):
        q = sa.select(k.key, k.item_id).where(k.key.in_(keys[i : i + 500]), k.first_seen_at >= since)
        for key, item_id in s.execute(q).all():
            out.setdefault(int(key), []).append(int(item_id))
    return out


def index_stories(s: Session, new: Sequence[ItemWrite], ids: Sequence[int], *, now: datetime) -> None:
    """The story index rows of new items (monitor.story_index): their text and signature-part keys."""
    from monitor.story_index import item_keys

    rows = [
        {"key": key, "first_seen_at": now, "item_id": item_id, "story_id": w.story_id or item_id}
        for w, item_id in zip(new, ids, strict=True)
        if w.fingerprint is not None
        for key in item_keys(w.fingerprint, w.signature or Signature.from_json(None))
    ]
    if rows:
        # The table, not the model: Core's executemany, without the ORM's per-row bulk bookkeeping.
        s.execute(sa.insert(StoryKeyRow.__table__), rows)  # type: ignore[attr-defined]

"""Read-only views of stored history for the analyst's commands: ``show``, ``items``, ``stories``.

Each function is one short read transaction (SQLite readers under WAL never block the daemon).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select

from monitor.plan import alert_key
from monitor.store.engine import read_session
from monitor.store.models import (
    ItemRow,
    MentionRow,
    NearMissRow,
    OutboxRow,
    RevisionRow,
    SourceRow,
    current_revision,
)

__all__ = [
    "Delivery",
    "ItemDetail",
    "ItemSummary",
    "Member",
    "StorySummary",
    "alert_rows",
    "item_detail",
    "lead_of",
    "list_items",
    "list_stories",
    "present_ids",
    "stored_ids",
    "story_members",
]


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    alert_key: str
    receiver: str
    kind: str
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    item_id: int | None
    title: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alert_key": self.alert_key,
            "receiver": self.receiver,
            "kind": self.kind,
            "state": self.state,
            "attempts": self.attempts,
            "created_at": self.created_at,
            "sent_at": self.sent_at,
            "last_error": self.last_error,
            "item_id": self.item_id,
            "title": self.title,
        }


@dataclass(frozen=True, slots=True)
class Member:
    item_id: int
    source_id: str
    title: str
    first_seen_at: datetime
    delay_s: float  # after the story's first item
    primary: bool = False  # from a primary source (a government's own statement)


def lead_of(members: Sequence[Member]) -> Member:
    """The member a story is shown by: its first official statement (a primary source's item), which
    leads the story whenever it arrived (monitor.stories), else its first report."""
    return next((m for m in members if m.primary), members[0])


@dataclass(frozen=True)
class ItemDetail:
    item: ItemRow
    revisions: list[RevisionRow]
    mentions: dict[int, list[MentionRow]]  # revision id -> its mentions
    members: list[Member]  # the item's story, in order (the item itself included)
    deliveries: list[Delivery]


def _deliveries(
    s: Any, rows: Sequence[OutboxRow], item_of: dict[str, int], title: str = ""
) -> list[Delivery]:
    return [
        Delivery(
            id=r.id or 0,
            alert_key=r.alert_key,
            receiver=r.receiver,
            kind=r.kind,
            state=r.state,
            attempts=r.attempts,
            created_at=r.created_at,
            sent_at=r.sent_at,
            last_error=r.last_error,
            item_id=item_of.get(r.alert_key),
            title=str(r.payload.get("title") or title),
        )
        for r in rows
    ]


def _item_keys(item: ItemRow) -> list[str]:
    keys = [alert_key(k, item.source_id, item.item_key, 1) for k in ("new", "also-reported", "withdrawn")]
    keys += [
        alert_key("revised", item.source_id, item.item_key, n) for n in range(2, item.revision_count + 1)
    ]
    return keys


def story_members(s: Any, story_id: int) -> list[Member]:
    c = ItemRow.__table__.c  # type: ignore[attr-defined]
    rows = s.execute(
        sa.select(c.id, c.source_id, c.title, c.first_seen_at, c.primary_source)
        .where(c.story_id == story_id)
        .order_by(c.first_seen_at, c.id)
    ).all()
    if not rows:
        return []
    start = rows[0][3]
    return [Member(i, src, t, at, (at - start).total_seconds(), bool(p)) for i, src, t, at, p in rows]


def item_detail(engine: sa.Engine, item_id: int) -> ItemDetail | None:
    with read_session(engine) as s:
        item = s.get(ItemRow, item_id)
        if item is None:
            return None
        revisions = list(
            s.exec(
                select(RevisionRow).where(col(RevisionRow.item_id) == item_id).order_by(col(RevisionRow.seq))
            )
        )
        rev_ids = [r.id for r in revisions]
        mentions: dict[int, list[MentionRow]] = {}
        for m in s.exec(
            select(MentionRow).where(col(MentionRow.revision_id).in_(rev_ids)).order_by(col(MentionRow.id))
        ):
            mentions.setdefault(m.revision_id, []).append(m)
        mention_ids = [m.id for ms in mentions.values() for m in ms]
        keys = _item_keys(item)
        rows = s.exec(
            select(OutboxRow)
            .where(sa.or_(col(OutboxRow.alert_key).in_(keys), col(OutboxRow.mention_id).in_(mention_ids)))
            .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
        ).all()
        members = story_members(s, item.story_id) if item.story_id is not None else []
        deliveries = _deliveries(s, rows, {r.alert_key: item_id for r in rows}, item.title)
        return ItemDetail(item, revisions, mentions, members, deliveries)


def alert_rows(engine: sa.Engine, ref: str) -> list[Delivery]:
    """Every delivery (one per receiver) of an alert, by outbox id or alert key."""
    with read_session(engine) as s:
        if ref.isdigit():
            row = s.get(OutboxRow, int(ref))
            if row is None:
                return []
            ref = row.alert_key
        rows = s.exec(
            select(OutboxRow).where(col(OutboxRow.alert_key) == ref).order_by(col(OutboxRow.id))
        ).all()
        item_of: dict[str, int] = {}
        mention_ids = [r.mention_id for r in rows if r.mention_id is not None]
        if mention_ids:
            q = (
                select(RevisionRow.item_id)
                .join(MentionRow, col(MentionRow.revision_id) == col(RevisionRow.id))
                .where(col(MentionRow.id) == mention_ids[0])
            )
            found = s.exec(q).first()
            if found is not None:
                item_of[ref] = found
        return _deliveries(s, rows, item_of)


@dataclass(frozen=True, slots=True)
class ItemSummary:
    id: int
    source_id: str
    title: str
    url: str | None
    first_seen_at: datetime
    revisions: int
    topics: tuple[str, ...]
    story_id: int | None
    lang: str | None
    withdrawn: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "title": self.title,
            "url": self.url,
            "first_seen_at": self.first_seen_at,
            "revisions": self.revisions,
            "topics": list(self.topics),
            "story_id": self.story_id,
            "lang": self.lang,
            "withdrawn": self.withdrawn,
        }


def _topics_of(s: Any, item_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Topics of each item's current revision."""
    out: dict[int, list[str]] = {}
    for n in range(0, len(item_ids), 500):
        q = (
            select(ItemRow.id, MentionRow.topic_id)
            .join(
                RevisionRow,
                current_revision(),
            )
            .join(MentionRow, col(MentionRow.revision_id) == col(RevisionRow.id))
            .where(col(ItemRow.id).in_(item_ids[n : n + 500]))
            .order_by(col(MentionRow.id))
        )
        for i, t in s.exec(q).all():
            out.setdefault(i, []).append(t)
    return {i: tuple(ts) for i, ts in out.items()}


def list_items(
    engine: sa.Engine,
    *,
    since: datetime,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    topic: str | None = None,
    limit: int = 50,
) -> list[ItemSummary]:
    """Items first seen in the period, newest first (with a topic: whose current revision matched it)."""
    q = select(ItemRow).where(col(ItemRow.first_seen_at) >= since)
    if until is not None:
        q = q.where(col(ItemRow.first_seen_at) < until)
    if sources:
        q = q.where(col(ItemRow.source_id).in_(list(sources)))
    if topic:
        q = q.where(
            sa.exists()
            .where(current_revision())
            .where(col(MentionRow.revision_id) == col(RevisionRow.id), col(MentionRow.topic_id) == topic)
        )
    q = q.order_by(col(ItemRow.first_seen_at).desc(), col(ItemRow.id).desc()).limit(limit)
    with read_session(engine) as s:
        items = list(s.exec(q))
        topics = _topics_of(s, [i.id for i in items if i.id is not None])
        return [
            ItemSummary(
                i.id or 0,
                i.source_id,
                i.title,
                i.canonical_url,
                i.first_seen_at,
                i.revision_count,
                topics.get(i.id or 0, ()),
                i.story_id,
                i.lang,
                i.withdrawn_at is not None,
            )
            for i in items
        ]


@dataclass(frozen=True, slots=True)
class StorySummary:
    story_id: int
    title: str  # its lead's (lead_of: the official statement when one is stored, else the first report)
    first_seen_at: datetime
    last_seen_at: datetime  # when its latest member was first seen
    members: int
    sources: tuple[str, ...]  # in order of arrival
    topics: tuple[str, ...]
    lead_item_id: int = 0
    official: bool = False  # the lead is an official statement

    def as_json(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "title": self.title,
            "lead_item_id": self.lead_item_id,
            "official": self.official,
            "first_seen_at": self.first_seen_at,
            "last_seen_at": self.last_seen_at,
            "members": self.members,
            "sources": list(self.sources),
            "topics": list(self.topics),
        }


def list_stories(
    engine: sa.Engine,
    *,
    since: datetime,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    topic: str | None = None,
    min_members: int = 1,
    limit: int = 50,
) -> list[StorySummary]:
    """Stories with a member first seen in the period, newest activity first; with ``sources``: a member
    from one of them; with ``topic``: a member whose current revision matched it."""
    latest = func.max(col(ItemRow.first_seen_at))
    q = (
        select(ItemRow.story_id, latest, func.count())
        .where(col(ItemRow.story_id).is_not(None))
        .group_by(col(ItemRow.story_id))
        .having(latest >= since)
        .having(func.count() >= min_members)
    )
    if until is not None:
        q = q.having(func.min(col(ItemRow.first_seen_at)) < until)
    member = ItemRow.__table__.alias("member")  # type: ignore[attr-defined]
    if sources:
        q = q.where(
            col(ItemRow.story_id).in_(
                sa.select(member.c.story_id).where(member.c.source_id.in_(list(sources)))
            )
        )
    if topic:  # the aliases keep these subqueries from correlating with the grouped rows
        rev = RevisionRow.__table__.alias("rev")  # type: ignore[attr-defined]
        mention = MentionRow.__table__.alias("m")  # type: ignore[attr-defined]
        q = q.where(
            col(ItemRow.story_id).in_(
                sa.select(member.c.story_id)
                .join(rev, sa.and_(rev.c.item_id == member.c.id, rev.c.seq == member.c.revision_count))
                .join(mention, mention.c.revision_id == rev.c.id)
                .where(mention.c.topic_id == topic)
            )
        )
    q = q.order_by(latest.desc(), col(ItemRow.story_id).desc()).limit(limit)
    with read_session(engine) as s:
        heads = s.exec(q).all()
        out: list[StorySummary] = []
        for story_id, last, n in heads:
            if story_id is None:
                continue
            members = story_members(s, story_id)
            topics = _topics_of(s, [m.item_id for m in members])
            every = tuple(dict.fromkeys(t for m in members for t in topics.get(m.item_id, ())))
            lead = lead_of(members)
            out.append(
                StorySummary(
                    story_id,
                    lead.title,
                    members[0].first_seen_at,
                    last if isinstance(last, datetime) else members[-1].first_seen_at,
                    int(n),
                    tuple(dict.fromkeys(m.source_id for m in members)),
                    every,
                    lead.item_id,
                    lead.primary,
                )
            )
        return out


def present_ids(engine: sa.Engine, kind: str, wanted: Sequence[str]) -> set[str]:
    """Which of ``wanted`` (source or topic ids) the archive holds: a source row, or a topic some mention
    or near miss carries. Index lookups: an --source/--topic filter is checked before it is used."""
    if not wanted:
        return set()
    with read_session(engine) as s:
        if kind == "source":
            return set(s.exec(select(SourceRow.id).where(col(SourceRow.id).in_(wanted))).all())
        found = set(
            s.exec(select(MentionRow.topic_id).where(col(MentionRow.topic_id).in_(wanted)).distinct())
        )
        rest = [w for w in wanted if w not in found]
        if rest:
            found |= set(
                s.exec(select(NearMissRow.topic_id).where(col(NearMissRow.topic_id).in_(rest)).distinct())
            )
        return found


def stored_ids(engine: sa.Engine, kind: str) -> set[str]:
    """Every source id, or every topic id some mention carries (for the hint after an unknown one)."""
    with read_session(engine) as s:
        if kind == "source":
            return set(s.exec(select(SourceRow.id)).all())
        return set(s.exec(select(MentionRow.topic_id).distinct()).all())

"""Sources and their polls in the database: sync with config, claim with a lease, commit with fencing.

The shape (DESIGN "Scale"): a claim is one short transaction that sets ``lease_owner/lease_token/
lease_until`` on due rows nobody holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; ``BEGIN IMMEDIATE`` on
SQLite). The fetch runs outside any transaction. The commit first runs ``UPDATE source ... WHERE id=:id
AND lease_token=:token``; if that touches no row the lease was lost (a paused instance woke late) and the
whole transaction is rolled back: nothing is written.

The story index's table (lookups, index rows, the staleness check and the story locks a commit takes)
is `monitor.store.story_keys`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from monitor.config.schema import Source
from monitor.diff import StoredRevision
from monitor.errors import LeaseLost, StaleStories, StoryLockBusy
from monitor.metrics import LEASE_TAKEOVERS, STORY_REDECISIONS
from monitor.pipeline import DECIDE_IN_COMMIT, ClaimedSource, PollWrite, StoredItem
from monitor.plan import PlannedAlert
from monitor.store.engine import is_lock_timeout, read_session, write_session
from monitor.store.models import (
    ItemRow,
    MentionRow,
    NearMissRow,
    PollLogRow,
    RevisionRow,
    SourceRow,
)
from monitor.store.outbox import insert_outbox_rows
from monitor.store.search_index import index_revisions
from monitor.store.story_keys import index_stories, stories_changed, story_lock_ids

__all__ = [
    "Redecide",
    "apply_poll",
    "checks_stories",
    "claim_sources",
    "commit_poll",
    "gone_candidates",
    "heartbeat",
    "load_stored",
    "lock_stories",
    "release_lease",
    "release_leases",
    "sync_sources",
    "write_lock_ids",
]


log = logging.getLogger("pressmon.store")


def sync_sources(engine: sa.Engine, sources: Sequence[Source], *, now: datetime) -> None:
    """Make a row for every configured source (due now) and keep url/kind in step with feeds.yaml.
    Rows of sources removed from config stay (their history matters) and are simply never claimed."""
    with write_session(engine) as s:
        existing = {r.id: r for r in s.exec(select(SourceRow)).all()}
        for src in sources:
            row = existing.get(src.id)
            if row is None:
                s.add(SourceRow(id=src.id, kind=src.kind, url=src.url, next_due=now))
            elif row.url != src.url or row.kind != src.kind:
                row.url, row.kind = src.url, src.kind
                row.etag = row.last_modified = row.body_hash = None
                s.add(row)


def claim_sources(
    engine: sa.Engine,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    source_ids: Sequence[str],
    limit: int,
    due_only: bool = True,
    choose: Callable[[list[str]], list[str]] | None = None,
    candidates: int | None = None,
) -> list[ClaimedSource]:
    """Lease up to ``limit`` of ``source_ids`` that are due (or all of them, with ``due_only=False``)
    and not leased by anyone else. With ``choose``, up to ``candidates`` such rows are picked (earliest
    due first) and only the ids ``choose`` returns are leased (the daemon spreads a batch over hosts)."""
    if not source_ids or limit <= 0:
        return []
    token = str(uuid.uuid4())
    free = sa.or_(col(SourceRow.lease_until).is_(None), col(SourceRow.lease_until) < now)
    not_paused = col(SourceRow.paused_at).is_(None)  # `pressmon sources pause`
    # The rows are picked (and locked) first, so a claim can tell when it takes over a lease another
    # instance let expire (it died or stalled: pressmon_lease_takeovers, and a log line).
    pick = select(SourceRow.id, SourceRow.lease_owner, SourceRow.lease_until).where(
        col(SourceRow.id).in_(list(source_ids)), free, not_paused
    )
    if due_only:
        pick = pick.where(col(SourceRow.next_due) <= now)
    wanted = max(limit, candidates or 0) if choose is not None else limit
    pick = pick.order_by(col(SourceRow.next_due)).limit(wanted).with_for_update(skip_locked=True)
    stmt = (
        sa.update(SourceRow)
        .where(col(SourceRow.id).in_(sa.bindparam("picked", expanding=True)))
        .values(lease_owner=owner, lease_token=token, lease_until=now + lease)
        .returning(
            col(SourceRow.id),
            col(SourceRow.baseline_done),
            col(SourceRow.key_mode),
            col(SourceRow.etag),
            col(SourceRow.last_modified),
            col(SourceRow.body_hash),
            col(SourceRow.error_streak),
            col(SourceRow.failing_since),
            col(SourceRow.health_alerted),
        )
    )
    with write_session(engine) as s:
        picked = list(s.execute(pick).all())
        if choose is not None:
            keep = set(choose([p[0] for p in picked])[:limit])
            picked = [p for p in picked if p[0] in keep]
        rows = list(s.execute(stmt, {"picked": [p[0] for p in picked]}).all()) if picked else []
        ids = [r[0] for r in rows]
        for sid, previous, until in picked:
            if previous is not None and previous != owner:
                LEASE_TAKEOVERS.labels(work="source").inc()
                log.info("claim: %s taken over from %s (lease expired %s)", sid, previous, until)
        counts: dict[str, int] = {}
        if ids:
            q = (
                select(ItemRow.source_id, func.count())
                .where(col(ItemRow.source_id).in_(ids))
                .group_by(col(ItemRow.source_id))
            )
            counts = {sid: int(n) for sid, n in s.exec(q).all()}
    return [
        ClaimedSource(
            source_id=r[0],
            token=token,
            baseline_done=bool(r[1]),
            key_mode=r[2],
            etag=r[3],
            last_modified=r[4],
            body_hash=r[5],
            error_streak=int(r[6]),
            item_count=counts.get(r[0], 0),
            failing_since=r[7],
            health_alerted=bool(r[8]),
            lease_until=now + lease,
        )
        for r in sorted(rows, key=lambda r: r[0])
    ]


def heartbeat(engine: sa.Engine, source_id: str, token: str, *, until: datetime) -> bool:
    """Extend our lease; False if it is no longer ours."""
    with write_session(engine) as s:
        res = s.execute(
            sa.update(SourceRow)
            .where(col(SourceRow.id) == source_id, col(SourceRow.lease_token) == token)
            .values(lease_until=until)
        )
        return bool(getattr(res, "rowcount", 0) == 1)


def release_leases(engine: sa.Engine, *, owner: str | None = None) -> int:
    """Drop leases (all of them, or one owner's). Used at shutdown and, on SQLite where one daemon per
    file is enforced, at start: a SIGKILLed predecessor's leases are dead."""
    stmt = sa.update(SourceRow).values(lease_owner=None, lease_token=None, lease_until=None)
    if owner is not None:
        stmt = stmt.where(col(SourceRow.lease_owner) == owner)
    with write_session(engine) as s:
        return int(getattr(s.execute(stmt), "rowcount", 0))


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
                    sa.and_(
                        col(RevisionRow.item_id) == col(ItemRow.id),
                        col(RevisionRow.seq) == col(ItemRow.revision_count),
                    ),
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
            sa.and_(
                col(RevisionRow.item_id) == col(ItemRow.id),
                col(RevisionRow.seq) == col(ItemRow.revision_count),
            ),
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


def _insert_outbox(
    session: Session, alerts: Sequence[tuple[PlannedAlert, int | None]], *, now: datetime
) -> None:
    """Queue alerts with the id of the mention that caused each."""
    insert_outbox_rows(
        session,
        [
            {
                "alert_key": a.alert_key,
                "receiver": a.receiver,
                "kind": a.kind,
                "mention_id": mention_id,
                "payload": a.payload,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": a.not_before or now,
                "created_at": now,
            }
            for a, mention_id in alerts
        ],
    )


def _insert_returning_ids(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> list[int]:
    """Insert many rows in one statement (batched by SQLAlchemy's insertmanyvalues) and return their ids
    in the order given."""
    if not rows:
        return []
    stmt = sa.insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
    return [int(i) for i in session.scalars(stmt, rows).all()]


def _write_items(s: Session, write: PollWrite, *, now: datetime) -> None:
    """Items, revisions, mentions and outbox rows of one poll, a few batched statements in all (the
    bench showed row-by-row ORM flushes were most of a new-feed poll's time)."""
    if not write.items:
        return
    new = [w for w in write.items if w.item_id is None]
    new_ids = _insert_returning_ids(
        s,
        ItemRow,
        [
            {
                "source_id": write.source_id,
                "item_key": w.change.item.key,
                "key_kind": w.change.item.key_kind,
                "canonical_url": w.change.item.canonical_url,
                "guid": w.change.item.guid,
                "title": w.change.item.title,
                "published_at": w.change.item.published_at,
                "first_seen_at": now,
                "last_seen_at": now,
                "revision_count": w.seq,
                "content_hash": w.change.item.content_hash,
                "withdrawn_at": None,
                "story_id": w.story_id,
                "fingerprint": w.fingerprint,
                "lang": w.change.item.lang,
                "signature": w.signature.to_json() if w.signature is not None else None,
                "primary_source": w.primary,
            }
            for w in new
        ],
    )
    if new:  # an item that joined no story starts its own: the story id is its own id
        s.execute(
            sa.update(ItemRow)
            .where(col(ItemRow.id).in_(new_ids), col(ItemRow.story_id).is_(None))
            .values(story_id=ItemRow.id)
        )
        index_stories(s, new, new_ids, now=now)
    item_ids = dict(zip((id(w) for w in new), new_ids, strict=True))
    revised = [w for w in write.items if w.item_id is not None]
    if revised:
        s.execute(
            sa.update(ItemRow),
            [
                {
                    "id": w.item_id,
                    "title": w.change.item.title,
                    "canonical_url": w.change.item.canonical_url,
                    "last_seen_at": now,
                    "revision_count": w.seq,
                    "content_hash": w.change.item.content_hash,
                }
                for w in revised
            ],
        )
    rev_ids = _insert_returning_ids(
        s,
        RevisionRow,
        [
            {
                "item_id": w.item_id if w.item_id is not None else item_ids[id(w)],
                "seq": w.seq,
                "fetched_at": now,
                "title": w.change.item.title,
                "text": w.change.item.text,
                "content_hash": w.change.item.content_hash,
            }
            for w in write.items
        ],
    )
    index_revisions(
        s, [(r, w.change.item.title, w.change.item.text) for w, r in zip(write.items, rev_ids, strict=True)]
    )
    mention_rows: list[dict[str, Any]] = []
    owners: list[tuple[int, str]] = []  # (index into write.items, topic id) per mention row
    for n, (w, rev_id) in enumerate(zip(write.items, rev_ids, strict=True)):
        for m in w.mentions:
            owners.append((n, m.topic_id))
            mention_rows.append(
                {
                    "revision_id": rev_id,
                    "topic_id": m.topic_id,
                    "terms": [
                        {
                            "term": t.term,
                            "field": t.field,
                            "start": t.start,
                            "end": t.end,
                            "matched": t.matched,
                        }
                        for t in m.terms
                    ],
                    "snippet": m.snippet,
                    "facts": dict(m.facts),
                    "reason": w.reason.value,
                    "created_at": now,
                }
            )
    mention_ids = dict(zip(owners, _insert_returning_ids(s, MentionRow, mention_rows), strict=True))
    near = [
        {"revision_id": rev_id, "topic_id": n.topic_id, "reason": n.reason, "created_at": now}
        for w, rev_id in zip(write.items, rev_ids, strict=True)
        for n in w.near_misses
    ]
    if near:  # in the poll's transaction, with its items; never an outbox row
        s.execute(sa.insert(NearMissRow), near)
    _insert_outbox(
        s,
        [
            (a, mention_ids.get((n, a.topic_ids[0])) if a.topic_ids else None)
            for n, w in enumerate(write.items)
            for a in w.alerts
        ],
        now=now,
    )


Redecide = Callable[[Session], tuple[PollWrite, datetime]]  # the write decided again, and when


def checks_stories(write: PollWrite) -> bool:
    """Whether this write adds items that must be checked against stories stored since it decided."""
    return write.stories_snapshot is not None and any(w.item_id is None for w in write.items)


def write_lock_ids(write: PollWrite) -> list[int]:
    """The story lock ids of the items ``write`` adds (``story_keys.story_lock_ids``), ascending."""
    added = [w for w in write.items if w.item_id is None]
    return story_lock_ids([w.fingerprint for w in added], [w.signature for w in added])


def lock_stories(s: Session, writes: Sequence[PollWrite]) -> None:
    """On PostgreSQL, take the story locks of every item these writes add.

    Commits adding items that could join one story take turns (SQLite's BEGIN IMMEDIATE already
    serialises), so the later one sees the earlier one's items and joins their story. Only those: the
    locks are per story-index key, text and signature part (story_lock_ids), each write's own; a write
    whose items have no sketch, or more keys than MAX_STORY_LOCKS, takes the one global lock. A batch
    takes the union of its writes' locks (the batched writer keeps it within MAX_STORY_LOCKS), all in
    ascending order like every commit, so no two commits wait on each other in a cycle. Locks are
    re-entrant within a transaction. The wait is bounded by lock_timeout: a stalled holder costs a
    retry, never a hang (RELIABILITY 40); StoryLockBusy names the first write."""
    if not writes or s.get_bind().dialect.name != "postgresql":
        return
    ids = sorted({k for write in writes for k in write_lock_ids(write)})
    try:
        s.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), [{"key": k} for k in ids])
    except sa.exc.OperationalError as e:
        if is_lock_timeout(e):
            raise StoryLockBusy(writes[0].source_id) from e
        raise


def commit_poll(
    engine: sa.Engine,
    write: PollWrite,
    *,
    now: datetime,
    started_at: datetime,
    redecide: Redecide | None = None,
) -> None:
    """Store one poll's outcome in one transaction, fenced by the lease token. Raises LeaseLost (and
    writes nothing) if the lease is no longer ours."""
    with write_session(engine) as s:
        lock_stories(s, [write] if checks_stories(write) else [])
        if not apply_poll(s, write, now=now, started_at=started_at, redecide=redecide):
            raise LeaseLost(f"source {write.source_id}")


def apply_poll(
    s: Session,
    write: PollWrite,
    *,
    now: datetime,
    started_at: datetime,
    redecide: Redecide | None = None,
) -> bool:
    """Write one poll's outcome in the session's transaction, fenced by the lease token: False (and
    nothing written for it) if the lease is no longer ours. ``monitor.store.batch`` writes many at once.

    A write with a story snapshot whose candidates changed since (items stored meanwhile that share a
    story-index key with its new items) raises StaleStories, or with ``redecide`` is decided again here,
    where the transaction's story locks, taken by the caller (``lock_stories``: ``commit_poll`` for one
    write, ``store.batch`` for a batch), keep the candidates from changing again."""
    u = write.source
    values: dict[str, object] = {
        "next_due": u.next_due,
        "last_checked_at": u.checked_at,
        "error_streak": u.error_streak,
        "failing_since": u.failing_since,
        "health_alerted": u.health_alerted,
        "lease_owner": None,
        "lease_token": None,
        "lease_until": None,
    }
    if u.ok:
        values.update(last_ok_at=u.checked_at, last_error=None, last_error_kind=None)
    else:
        values.update(last_error=u.error, last_error_kind=u.error_kind)
    if u.update_validators:
        values.update(etag=u.etag, last_modified=u.last_modified, body_hash=u.body_hash)
    if u.baseline_done is not None:
        values["baseline_done"] = u.baseline_done
    if u.key_mode is not None:
        values["key_mode"] = u.key_mode
    fenced = s.execute(
        sa.update(SourceRow)
        .where(col(SourceRow.id) == write.source_id, col(SourceRow.lease_token) == write.token)
        .values(**values)
    )
    if getattr(fenced, "rowcount", 0) != 1:
        return False
    if checks_stories(write):
        if write.stories_snapshot == DECIDE_IN_COMMIT and redecide is not None:
            write, now = redecide(s)  # decided here, first: its rows take the time it decided at
        elif stories_changed(s, write):
            if redecide is None:
                raise StaleStories(write.source_id)
            STORY_REDECISIONS.inc()
            write, now = redecide(s)  # its rows take the time it decided at
    _write_items(s, write, now=now)
    _insert_outbox(s, [(a, None) for a in (*write.source_alerts, *write.withdrawn_alerts)], now=now)
    if write.gone_checked:
        s.execute(
            sa.update(ItemRow)
            .where(col(ItemRow.id).in_(list(write.gone_checked)))
            .values(gone_checked_at=now)
        )
    if write.withdrawn:
        s.execute(
            sa.update(ItemRow).where(col(ItemRow.id).in_(list(write.withdrawn))).values(withdrawn_at=now)
        )
    if write.seen_keys:
        keys = list(write.seen_keys)
        for i in range(0, len(keys), 500):
            s.execute(
                sa.update(ItemRow)
                .where(
                    col(ItemRow.source_id) == write.source_id,
                    col(ItemRow.item_key).in_(keys[i : i + 500]),
                )
                .values(last_seen_at=now)
            )
    s.add(
        PollLogRow(
            source_id=write.source_id,
            started_at=started_at,
            duration_ms=max(0, int((now - started_at).total_seconds() * 1000)),
            status=write.status,
            http_status=write.http_status,
            bytes=write.wire_bytes,
            entries=write.entries,
            new_count=write.new_count,
            revised_count=write.revised_count,
            # An ok poll whose full texts were not all read says so, without failing the source.
            error_kind=u.error_kind or ("full_text" if write.full_text_notes else None),
            error=u.error or ("; ".join(write.full_text_notes) or None),
            encoding=write.encoding,
        )
    )
    return True


def release_lease(engine: sa.Engine, source_id: str, token: str) -> bool:
    """Give back one claim's lease untouched (its poll failed and could not be recorded)."""
    with write_session(engine) as s:
        res = s.execute(
            sa.update(SourceRow)
            .where(col(SourceRow.id) == source_id, col(SourceRow.lease_token) == token)
            .values(lease_owner=None, lease_token=None, lease_until=None)
        )
        return bool(getattr(res, "rowcount", 0) == 1)

"""A poll's outcome in the database: one transaction fenced by the source's lease token, with the
poll's items, revisions, mentions, near misses, outbox rows and poll log, and the story checks and locks
that keep a commit's story decisions right when other polls stored items of the same story meanwhile.

The commit first runs ``UPDATE source ... WHERE id=:id AND lease_token=:token``; if that touches no row
the lease was lost (a paused instance woke late) and the whole transaction is rolled back: nothing is
written. Claims and leases are ``monitor.store.leases``; what a poll reads before it decides,
``monitor.store.poll_reads``.

The story index's table (lookups, index rows, the staleness check and the story locks a commit takes)
is ``monitor.store.story_keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col

from monitor.errors import LeaseLost, StaleStories, StoryLockBusy
from monitor.metrics import STORY_REDECISIONS
from monitor.plan import PlannedAlert
from monitor.poll_records import DECIDE_IN_COMMIT, PollWrite
from monitor.store.engine import is_lock_timeout, write_session
from monitor.store.models import ItemRow, MentionRow, NearMissRow, PollLogRow, RevisionRow, SourceRow
from monitor.store.outbox import insert_outbox_rows
from monitor.store.search_index import index_revisions
from monitor.store.story_keys import index_stories, stories_changed, story_lock_ids

__all__ = [
    "Redecide",
    "apply_poll",
    "checks_stories",
    "commit_poll",
    "lock_stories",
    "write_lock_ids",
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
    # The table, not the model: Core's executemany skips the ORM's bulk-persistence bookkeeping (a third
    # of a burst's write time went there), and the rows are plain dicts either way.
    table = model.__table__  # type: ignore[attr-defined]
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
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
                "story_reason": w.story_reason,
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
        s.execute(sa.insert(NearMissRow.__table__), near)  # type: ignore[attr-defined]
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

"""Digests in the database: what a period contains (mentions, never an in-memory buffer) and one
``digest_run`` row per (digest, period) claimed with a lease, so each period is sent once across restarts
and instances."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from monitor.diff import diff_summary
from monitor.store.engine import read_session, write_session
from monitor.store.models import DigestRunRow, ItemRow, MentionRow, RevisionRow
from monitor.store.outbox import MAX_UNCONFIRMED_SENDS

__all__ = ["ClaimedRun", "claim_runs", "collect_mentions", "ensure_run", "record_run"]

NEWS_REASONS = ("first-seen", "also-reported", "material-revision", "no-route", "quiet-hours")


def collect_mentions(
    engine: sa.Engine,
    *,
    topics: Sequence[str],
    start: datetime,
    end: datetime,
    topic_titles: dict[str, str],
    source_titles: dict[str, str],
) -> list[dict[str, Any]]:
    """The period's news for ``topics`` (all topics when empty) as flat alert dicts, one per revision,
    with every matching topic listed. Baseline mentions and immaterial edits are not news."""
    prev = aliased(RevisionRow)
    q = (
        sa.select(MentionRow, RevisionRow, ItemRow, col(prev.title), col(prev.text))
        .join(RevisionRow, col(RevisionRow.id) == col(MentionRow.revision_id))
        .join(ItemRow, col(ItemRow.id) == col(RevisionRow.item_id))
        .outerjoin(
            prev,
            sa.and_(col(prev.item_id) == col(RevisionRow.item_id), col(prev.seq) == col(RevisionRow.seq) - 1),
        )
        .where(
            col(MentionRow.created_at) >= start,
            col(MentionRow.created_at) < end,
            col(MentionRow.reason).in_(NEWS_REASONS),
        )
        .order_by(col(RevisionRow.fetched_at).desc(), col(MentionRow.id))
    )
    if topics:
        q = q.where(col(MentionRow.topic_id).in_(list(topics)))
    by_revision: dict[int, dict[str, Any]] = {}
    with read_session(engine) as s:
        for mention, rev, item, prev_title, prev_text in s.execute(q).all():
            assert rev.id is not None
            alert = by_revision.get(rev.id)
            if alert is None:
                revised = rev.seq > 1
                alert = by_revision[rev.id] = {
                    "alert_key": f"{'revised' if revised else 'new'}:{item.source_id}:{item.id}:r{rev.seq}",
                    "kind": "revised" if revised else "new",
                    "source_id": item.source_id,
                    "source_title": source_titles.get(item.source_id, item.source_id),
                    "title": rev.title,
                    "url": item.canonical_url,
                    "published_at": item.published_at.isoformat() if item.published_at else None,
                    "seen_at": rev.fetched_at.isoformat(),
                    "revision": rev.seq,
                    "story_id": item.story_id,
                    "topics": [],
                    "terms": [],
                    "snippet": mention.snippet,
                    "facts": {},
                    "previous_title": prev_title if revised else None,
                    "diff": diff_summary(f"{prev_title}\n{prev_text}", f"{rev.title}\n{rev.text}")
                    if revised and prev_text is not None
                    else None,
                }
            terms = list(dict.fromkeys(t["matched"] for t in mention.terms))
            alert["topics"].append(
                {
                    "id": mention.topic_id,
                    "title": topic_titles.get(mention.topic_id, mention.topic_id),
                    "terms": terms,
                    "snippet": mention.snippet,
                }
            )
            alert["terms"] = list(dict.fromkeys([*alert["terms"], *terms]))
            alert["facts"].update(mention.facts or {})
    return list(by_revision.values())


def ensure_run(
    engine: sa.Engine, *, digest_id: str, start: datetime, end: datetime, message_id: str, now: datetime
) -> None:
    """Create the period's run row unless it exists (the unique key is the exactly-once guard)."""
    dialect = engine.dialect.name
    ins = postgresql.insert(DigestRunRow) if dialect == "postgresql" else sqlite.insert(DigestRunRow)
    row = {
        "digest_id": digest_id,
        "period_start": start,
        "period_end": end,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "message_id": message_id,
        "items": 0,
        "result": {},
    }
    with write_session(engine) as s:
        s.execute(ins.values(**row).on_conflict_do_nothing(index_elements=["digest_id", "period_start"]))


@dataclass(frozen=True, slots=True)
class ClaimedRun:
    id: int
    token: str
    digest_id: str
    period_start: datetime
    period_end: datetime
    message_id: str
    attempts: int
    in_doubt: bool
    unconfirmed: int = 0  # earlier sends without a confirmed answer (one interrupted by a crash included)


def claim_runs(engine: sa.Engine, *, owner: str, now: datetime, lease: timedelta) -> list[ClaimedRun]:
    token = str(uuid.uuid4())
    free = sa.or_(col(DigestRunRow.lease_until).is_(None), col(DigestRunRow.lease_until) < now)
    due = sa.or_(
        sa.and_(col(DigestRunRow.state).in_(["pending", "retry"]), col(DigestRunRow.next_attempt_at) <= now),
        sa.and_(
            col(DigestRunRow.state) == "ambiguous",
            col(DigestRunRow.next_attempt_at) <= now,
            col(DigestRunRow.unconfirmed) < MAX_UNCONFIRMED_SENDS,
        ),
        col(DigestRunRow.state) == "sending",
    )
    pick = select(DigestRunRow.id).where(due, free).limit(20).with_for_update(skip_locked=True)
    stmt = (
        sa.update(DigestRunRow)
        .where(col(DigestRunRow.id).in_(pick.scalar_subquery()))
        .values(lease_owner=owner, lease_token=token, lease_until=now + lease)
        .returning(
            col(DigestRunRow.id),
            col(DigestRunRow.digest_id),
            col(DigestRunRow.period_start),
            col(DigestRunRow.period_end),
            col(DigestRunRow.message_id),
            col(DigestRunRow.attempts),
            col(DigestRunRow.state),
            col(DigestRunRow.unconfirmed),
        )
    )
    with write_session(engine) as s:
        rows = list(s.execute(stmt).all())
    return [
        ClaimedRun(
            r[0],
            token,
            r[1],
            r[2],
            r[3],
            r[4],
            int(r[5]) + 1,
            r[6] in ("sending", "ambiguous"),
            unconfirmed=int(r[7]) + (1 if r[6] == "sending" else 0),
        )
        for r in sorted(rows, key=lambda r: r[0])
    ]


def record_run(engine: sa.Engine, run: ClaimedRun, *, state: str, now: datetime, **values: Any) -> bool:
    """Move a run to ``state`` (``sending`` keeps the lease; any other state releases it)."""
    update: dict[str, Any] = {"state": state, "attempts": run.attempts, **values}
    if state != "sending":
        update.update(lease_owner=None, lease_token=None, lease_until=None)
    if state == "sent":
        update["sent_at"] = now
    with write_session(engine) as s:
        res = s.execute(
            sa.update(DigestRunRow)
            .where(col(DigestRunRow.id) == run.id, col(DigestRunRow.lease_token) == run.token)
            .values(**update)
        )
        return bool(getattr(res, "rowcount", 0) == 1)

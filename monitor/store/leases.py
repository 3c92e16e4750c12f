"""Source rows and their leases: made (and kept in step) from config, claimed with a lease, kept by
heartbeat or one renewal of every lease an instance holds, given back, and when the next source falls due
(so the claim loop sleeps until then rather than polling the database).

The shape (DESIGN "Scale"): a claim is one short transaction that sets ``lease_owner/lease_token/
lease_until`` on due rows nobody holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; ``BEGIN IMMEDIATE`` on
SQLite). The fetch runs outside any transaction; the commit that ends a poll is fenced by the lease
token (``monitor.store.poll_commit``).

Renewal is fenced by each lease's token, like the commit: a lease another instance took over (ours had
expired while this one was paused) is not extended, and is reported lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, func, select

from monitor.config.schema import Source
from monitor.metrics import LEASE_TAKEOVERS
from monitor.poll_records import ClaimedSource
from monitor.store.engine import read_session, write_session
from monitor.store.models import ItemRow, SourceRow

__all__ = [
    "claim_sources",
    "heartbeat",
    "next_due_at",
    "release_lease",
    "release_leases",
    "renew_leases",
    "sync_sources",
]


log = logging.getLogger("pressmon.store")

_CHUNK = 500


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


def release_leases(engine: sa.Engine, *, owner: str | None = None) -> int:
    """Drop leases (all of them, or one owner's). Used at shutdown and, on SQLite where one daemon per
    file is enforced, at start: a SIGKILLed predecessor's leases are dead."""
    stmt = sa.update(SourceRow).values(lease_owner=None, lease_token=None, lease_until=None)
    if owner is not None:
        stmt = stmt.where(col(SourceRow.lease_owner) == owner)
    with write_session(engine) as s:
        return int(getattr(s.execute(stmt), "rowcount", 0))


def release_lease(engine: sa.Engine, source_id: str, token: str) -> bool:
    """Give back one claim's lease untouched (its poll failed and could not be recorded)."""
    with write_session(engine) as s:
        res = s.execute(
            sa.update(SourceRow)
            .where(col(SourceRow.id) == source_id, col(SourceRow.lease_token) == token)
            .values(lease_owner=None, lease_token=None, lease_until=None)
        )
        return bool(getattr(res, "rowcount", 0) == 1)


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

"""Periodic maintenance shared by every instance: retention (``feeds.yaml`` ``retention:``).

A job is a ``maintenance`` row with ``next_due`` and a lease: the instance whose claim takes it runs the
job, then records the result and the next due time, fenced by its token (DESIGN "Scale": the same shape
as sources and the outbox). A runner that dies leaves a lease that expires.

What retention prunes (in batches, each its own short transaction, so ``statement_timeout`` and other
writers are never held up by a year of history at once):

- ``poll_log`` rows older than ``retention.poll_log``;
- the text of superseded revisions fetched before ``retention.revision_bodies`` (the row, its title,
  hash and mentions stay; an item's current revision is never touched: diffs need it), and with it
  that text's entry in the search index (``pressmon search`` no longer finds words only it held);
- outbox rows in a final state (sent, failed, silenced) created before ``retention.deliveries``, the
  dedupe horizon: an alert key is remembered that long.

Items, withdrawal tombstones and stories are never pruned.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from monitor.config.schema import Retention
from monitor.metrics import LEASE_TAKEOVERS
from monitor.store.engine import write_session
from monitor.store.models import ItemRow, MaintenanceRow, OutboxRow, PollLogRow, RevisionRow
from monitor.store.search_index import reindex_pruned

__all__ = ["BATCH", "claim_job", "finish_job", "prune"]

log = logging.getLogger(__name__)

BATCH = 5000
WAITING = ("pending", "retry", "sending", "ambiguous")


def claim_job(engine: sa.Engine, name: str, *, owner: str, now: datetime, lease: timedelta) -> str | None:
    """Lease job ``name`` if it is due and free (its row is made, due now, on first use); the token, or
    None if it is not due or another instance holds it."""
    token = str(uuid.uuid4())
    with write_session(engine) as s:
        dialect = s.get_bind().dialect.name
        ins = postgresql.insert(MaintenanceRow) if dialect == "postgresql" else sqlite.insert(MaintenanceRow)
        s.execute(
            ins.values(name=name, next_due=now, last_result={}).on_conflict_do_nothing(
                index_elements=["name"]
            )
        )
        free = sa.or_(col(MaintenanceRow.lease_until).is_(None), col(MaintenanceRow.lease_until) < now)
        held = s.execute(
            select(MaintenanceRow.lease_owner, MaintenanceRow.lease_until).where(
                col(MaintenanceRow.name) == name
            )
        ).first()
        res = s.execute(
            sa.update(MaintenanceRow)
            .where(col(MaintenanceRow.name) == name, col(MaintenanceRow.next_due) <= now, free)
            .values(lease_owner=owner, lease_token=token, lease_until=now + lease)
        )
        if getattr(res, "rowcount", 0) != 1:
            return None
    if held is not None and held[0] is not None:  # finish_job clears the lease: its runner died or stalled
        LEASE_TAKEOVERS.labels(work="job").inc()
        log.info("claim: job %s taken over from %s (lease expired %s)", name, held[0], held[1])
    return token


def finish_job(
    engine: sa.Engine, name: str, token: str, *, now: datetime, next_due: datetime, result: dict[str, Any]
) -> bool:
    """Record a run and release the lease; False if the lease was lost meanwhile (nothing recorded)."""
    with write_session(engine) as s:
        res = s.execute(
            sa.update(MaintenanceRow)
            .where(col(MaintenanceRow.name) == name, col(MaintenanceRow.lease_token) == token)
            .values(
                next_due=next_due,
                last_run_at=now,
                last_result=result,
                lease_owner=None,
                lease_token=None,
                lease_until=None,
            )
        )
        return bool(getattr(res, "rowcount", 0) == 1)


def _batched(engine: sa.Engine, pick: sa.Select[Any], apply: Any) -> int:
    """Run ``apply(ids)`` on batches of the ids ``pick`` selects until none are left."""
    done = 0
    while True:
        with write_session(engine) as s:
            ids = [int(i) for i in s.execute(pick.limit(BATCH)).scalars().all()]
            if not ids:
                return done
            s.execute(apply(ids))
            done += len(ids)


def _prune_bodies(engine: sa.Engine, pick: Any) -> int:
    """Empty the text of the revisions ``pick`` selects (id, title, text), index entry included."""
    done = 0
    while True:
        with write_session(engine) as s:
            rows = [(int(i), str(t), str(x)) for i, t, x in s.execute(pick.limit(BATCH)).all()]
            if not rows:
                return done
            ids = [r[0] for r in rows]
            reindex_pruned(s, rows)
            s.execute(sa.update(RevisionRow).where(col(RevisionRow.id).in_(ids)).values(text=""))
            done += len(rows)


def prune(engine: sa.Engine, retention: Retention, *, now: datetime) -> dict[str, int]:
    """Prune what ``retention`` says is past its horizon; counts by kind."""
    polls = _batched(
        engine,
        select(PollLogRow.id).where(col(PollLogRow.started_at) < now - retention.poll_log),
        lambda ids: sa.delete(PollLogRow).where(col(PollLogRow.id).in_(ids)),
    )
    superseded = (
        select(RevisionRow.id, RevisionRow.title, RevisionRow.text)
        .join(ItemRow, col(ItemRow.id) == col(RevisionRow.item_id))
        .where(
            col(RevisionRow.fetched_at) < now - retention.revision_bodies,
            col(RevisionRow.seq) < col(ItemRow.revision_count),
            col(RevisionRow.text) != "",
        )
    )
    bodies = _prune_bodies(engine, superseded)
    deliveries = _batched(
        engine,
        select(OutboxRow.id).where(
            col(OutboxRow.created_at) < now - retention.deliveries, col(OutboxRow.state).not_in(WAITING)
        ),
        lambda ids: sa.delete(OutboxRow).where(col(OutboxRow.id).in_(ids)),
    )
    return {"poll_log": polls, "revision_bodies": bodies, "deliveries": deliveries}

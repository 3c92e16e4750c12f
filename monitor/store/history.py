"""Reading stored history in time order, for replay and backtest (``monitor.replay``).

Every read is a short statement in its own transaction (keyset paging), so a replay over a year of
history never holds the daemon's writers or a PostgreSQL snapshot for long.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.store.models import UTCDateTime

__all__ = [
    "StoredRev",
    "Withdrawal",
    "cut_points",
    "first_polls",
    "latest_revisions",
    "previous_revisions",
    "revisions_in_order",
    "story_candidates_before",
    "withdrawals",
]


@dataclass(frozen=True, slots=True)
class StoredRev:
    """One stored revision with what identity and planning need of its item."""

    revision_id: int
    item_id: int
    seq: int
    fetched_at: datetime
    title: str
    text: str
    content_hash: str
    source_id: str
    item_key: str
    key_kind: str
    url: str | None
    guid: str | None
    published_at: datetime | None
    lang: str | None
    fingerprint: bytes | None  # the item's story sketch, as the daemon stored it (for its first revision)


_REV = (
    "SELECT r.id, r.item_id, r.seq, r.fetched_at, r.title, r.text, r.content_hash, i.source_id, "
    "i.item_key, i.key_kind, i.canonical_url, i.guid, i.published_at, i.lang, i.fingerprint "
    "FROM revision r JOIN item i ON i.id = r.item_id"
)


def _typed(sql: str, *binds: str) -> sa.TextClause:
    return sa.text(sql).bindparams(*(sa.bindparam(b, type_=UTCDateTime) for b in binds))


def _rev_stmt(sql: str, *binds: str) -> sa.TextualSelect:
    return _typed(sql, *binds).columns(fetched_at=UTCDateTime, published_at=UTCDateTime)


def revisions_in_order(
    engine: sa.Engine,
    *,
    since: datetime,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    chunk: int = 5000,
) -> Iterator[StoredRev]:
    """Revisions fetched in ``[since, until)``, in the order they were stored (fetched_at, then id)."""
    where = ["r.fetched_at < :until"] if until is not None else []
    params: dict[str, object] = {"until": until} if until is not None else {}
    if sources:
        names = [f"s{n}" for n in range(len(sources))]
        where.append(f"i.source_id IN ({', '.join(':' + n for n in names)})")
        params |= dict(zip(names, sources, strict=True))
    binds = ["at", *(["until"] if until is not None else [])]
    first = _rev_stmt(
        " ".join(
            [
                _REV,
                "WHERE",
                " AND ".join(["r.fetched_at >= :at", *where]),
                "ORDER BY r.fetched_at, r.id LIMIT :n",
            ]
        ),
        *binds,
    )
    after = _rev_stmt(
        " ".join(
            [
                _REV,
                "WHERE",
                " AND ".join(["(r.fetched_at > :at OR (r.fetched_at = :at AND r.id > :last))", *where]),
                "ORDER BY r.fetched_at, r.id LIMIT :n",
            ]
        ),
        *binds,
    )
    at, last = since, None
    while True:
        with engine.connect() as conn:
            stmt = first if last is None else after
            rows = conn.execute(
                stmt,
                {**params, "at": at, "last": last, "n": chunk} if last else {**params, "at": at, "n": chunk},
            ).all()
        for r in rows:
            yield StoredRev(*r)
        if len(rows) < chunk:
            return
        at, last = rows[-1][3], rows[-1][0]


def cut_points(
    engine: sa.Engine, *, since: datetime, until: datetime | None, sources: Sequence[str] = (), parts: int
) -> list[datetime]:
    """Times that cut the revisions fetched in ``[since, until)`` into ``parts`` runs of about equal size,
    ascending, each the ``fetched_at`` of a revision (so a cut never splits one poll's revisions, which
    share it). Fewer when revisions are few or share their times."""
    where = ["r.fetched_at >= :since", *(["r.fetched_at < :until"] if until is not None else [])]
    params: dict[str, object] = {"since": since, **({"until": until} if until is not None else {})}
    if sources:
        names = [f"s{n}" for n in range(len(sources))]
        where.append(f"i.source_id IN ({', '.join(':' + n for n in names)})")
        params |= dict(zip(names, sources, strict=True))
    binds = ["since", *(["until"] if until is not None else [])]
    body = "FROM revision r JOIN item i ON i.id = r.item_id WHERE " + " AND ".join(where)
    at = _typed(f"SELECT r.fetched_at {body} ORDER BY r.fetched_at, r.id LIMIT 1 OFFSET :k", *binds).columns(
        fetched_at=UTCDateTime
    )
    with engine.connect() as conn:
        total = int(conn.execute(_typed(f"SELECT count(*) {body}", *binds), params).scalar() or 0)
        cuts = {conn.execute(at, {**params, "k": total * n // parts}).scalar() for n in range(1, parts)}
    return sorted(c for c in cuts if c is not None and c > since)


def previous_revisions(engine: sa.Engine, wanted: Sequence[tuple[int, int]]) -> dict[int, StoredRev]:
    """For each ``(item_id, seq)``, the revision ``seq`` of that item, by item id."""
    out: dict[int, StoredRev] = {}
    want = dict(wanted)
    ids = sorted(want)
    with engine.connect() as conn:
        for n in range(0, len(ids), 500):
            part = ids[n : n + 500]
            names = [f"i{k}" for k in range(len(part))]
            stmt = _rev_stmt(f"{_REV} WHERE r.item_id IN ({', '.join(':' + x for x in names)})")
            for r in conn.execute(stmt, dict(zip(names, part, strict=True))).all():
                rev = StoredRev(*r)
                if want.get(rev.item_id) == rev.seq:
                    out[rev.item_id] = rev
    return out


def latest_revisions(engine: sa.Engine, item_ids: Sequence[int]) -> dict[int, StoredRev]:
    """The current revision of each item."""
    if not item_ids:
        return {}
    with engine.connect() as conn:
        names = [f"i{k}" for k in range(len(item_ids))]
        stmt = _rev_stmt(
            f"{_REV} WHERE r.seq = i.revision_count AND i.id IN ({', '.join(':' + x for x in names)})"
        )
        return {
            r[1]: StoredRev(*r) for r in conn.execute(stmt, dict(zip(names, item_ids, strict=True))).all()
        }


def first_polls(engine: sa.Engine) -> dict[str, datetime]:
    """Each source's first stored poll (its baseline): the earliest fetched_at of its revisions."""
    stmt = sa.text(
        "SELECT i.source_id, MIN(r.fetched_at) FROM revision r JOIN item i ON i.id = r.item_id "
        "GROUP BY i.source_id"
    ).columns(sa.column("source_id"), sa.column("first", UTCDateTime))
    with engine.connect() as conn:
        return {sid: at for sid, at in conn.execute(stmt).all()}


def baseline_revisions(engine: sa.Engine, *, since: datetime) -> set[int]:
    """Revisions the daemon stored as part of a baseline poll (a key-mode switch, or a first poll)."""
    stmt = _typed(
        "SELECT DISTINCT m.revision_id FROM mention m JOIN revision r ON r.id = m.revision_id "
        "WHERE m.reason = 'baseline' AND r.fetched_at >= :since",
        "since",
    )
    with engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(stmt, {"since": since}).all()}


@dataclass(frozen=True, slots=True)
class Withdrawal:
    item_id: int
    at: datetime


def withdrawals(engine: sa.Engine, *, since: datetime, until: datetime | None) -> list[Withdrawal]:
    sql = "SELECT id, withdrawn_at FROM item WHERE withdrawn_at >= :since"
    binds = ["since"]
    if until is not None:
        sql += " AND withdrawn_at < :until"
        binds.append("until")
    stmt = _typed(sql + " ORDER BY withdrawn_at, id", *binds).columns(withdrawn_at=UTCDateTime)
    with engine.connect() as conn:
        params = {"since": since, **({"until": until} if until is not None else {})}
        return [Withdrawal(int(i), at) for i, at in conn.execute(stmt, params).all()]


@dataclass(frozen=True, slots=True)
class StoredStory:
    item_id: int
    story_id: int
    fingerprint: bytes
    first_seen_at: datetime
    source_id: str
    title: str
    item_key: str
    signature: dict[str, Any] | None = None  # what it reports (monitor.story_signature), as stored
    primary: bool = False  # from a primary source
    published_at: datetime | None = None
    news: bool = False  # its first revision was news on a topic (a ``new`` alert): a story's thread


def story_candidates_before(engine: sa.Engine, *, since: datetime, until: datetime) -> list[StoredStory]:
    """Items first seen in ``[since, until)`` with their stored story and sketch: the stories a replay
    starting at ``until`` may join."""
    stmt = _typed(
        "SELECT id, story_id, fingerprint, first_seen_at, source_id, title, item_key, signature, "
        "primary_source, published_at, EXISTS (SELECT 1 FROM revision r JOIN mention m "
        "ON m.revision_id = r.id WHERE r.item_id = item.id AND r.seq = 1 AND m.reason = 'first-seen') "
        "AS news "
        "FROM item "
        "WHERE first_seen_at >= :since AND first_seen_at < :until AND fingerprint IS NOT NULL "
        "AND story_id IS NOT NULL ORDER BY first_seen_at, id",
        "since",
        "until",
    ).columns(
        first_seen_at=UTCDateTime,
        signature=sa.JSON,
        primary_source=sa.Boolean,
        published_at=UTCDateTime,
        news=sa.Boolean,
    )
    with engine.connect() as conn:
        return [StoredStory(*r) for r in conn.execute(stmt, {"since": since, "until": until}).all()]

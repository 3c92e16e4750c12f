"""``pressmon export``: stored items, mentions or alerts as CSV or JSON Lines, streamed.

Rows are read in id order in chunks, each chunk one short read transaction (keyset paging: ``id >
last``), and written as they come: memory stays flat however many rows there are, and a long export
never holds a snapshot the daemon's writers (or SQLite's WAL checkpoints) wait on.

Columns (stable; also the JSON keys, in this order):

- items: id, source_id, item_key, title, url, lang, published_at, first_seen_at, last_seen_at,
  revisions, story_id, withdrawn_at
- mentions: id, item_id, revision, source_id, topic_id, reason, created_at, title, snippet, terms, facts
- alerts: id, alert_key, receiver, kind, state, attempts, created_at, sent_at, thread_key, source_id,
  title, url, topics

Times are ISO 8601 UTC. In CSV, ``terms``, ``facts`` and ``topics`` are JSON text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson
import sqlalchemy as sa

from monitor.store.models import UTCDateTime

__all__ = ["COLUMNS", "export_rows", "write_csv", "write_jsonl"]

What = Literal["items", "mentions", "alerts"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "items": (
        "id", "source_id", "item_key", "title", "url", "lang", "published_at", "first_seen_at",
        "last_seen_at", "revisions", "story_id", "withdrawn_at",
    ),
    "mentions": (
        "id", "item_id", "revision", "source_id", "topic_id", "reason", "created_at", "title", "snippet",
        "terms", "facts",
    ),
    "alerts": (
        "id", "alert_key", "receiver", "kind", "state", "attempts", "created_at", "sent_at", "thread_key",
        "source_id", "title", "url", "topics",
    ),
}  # fmt: skip

_SQL = {
    "items": (
        "SELECT i.id, i.source_id, i.item_key, i.title, i.canonical_url, i.lang, i.published_at, "
        "i.first_seen_at, i.last_seen_at, i.revision_count, i.story_id, i.withdrawn_at FROM item i",
        "i.first_seen_at",
        "i.id",
        ("published_at", "first_seen_at", "last_seen_at", "withdrawn_at"),
    ),
    "mentions": (
        "SELECT m.id, r.item_id, r.seq, i.source_id, m.topic_id, m.reason, m.created_at, r.title, "
        "m.snippet, m.terms, m.facts FROM mention m JOIN revision r ON r.id = m.revision_id "
        "JOIN item i ON i.id = r.item_id",
        "m.created_at",
        "m.id",
        ("created_at",),
    ),
    "alerts": (
        "SELECT o.id, o.alert_key, o.receiver, o.kind, o.state, o.attempts, o.created_at, o.sent_at, "
        "o.thread_key, o.payload FROM outbox o",
        "o.created_at",
        "o.id",
        ("created_at", "sent_at"),
    ),
}
_JSON_COLS = {"terms", "facts", "payload"}


def _json(v: Any) -> Any:
    return orjson.loads(v) if isinstance(v, str | bytes) else v


def export_rows(
    engine: sa.Engine,
    what: What,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = 5000,
) -> Iterator[dict[str, Any]]:
    """Rows of ``what`` created in ``[since, until)``, in id order, as dicts keyed by ``COLUMNS[what]``."""
    sql, at, pk, times = _SQL[what]
    where = [f"{pk} > :last"]
    params: dict[str, Any] = {}
    binds = []
    if since is not None:
        where.append(f"{at} >= :since")
        params["since"] = since
        binds.append(sa.bindparam("since", type_=UTCDateTime))
    if until is not None:
        where.append(f"{at} < :until")
        params["until"] = until
        binds.append(sa.bindparam("until", type_=UTCDateTime))
    # Result columns are read raw (no per-value type processing: it was most of the time); times are
    # normalised to ISO 8601 UTC by _iso, JSON text parsed by _json.
    stmt = sa.text(f"{sql} WHERE {' AND '.join(where)} ORDER BY {pk} LIMIT :n").bindparams(*binds)
    cols = COLUMNS[what]
    time_cols = frozenset(times)
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(stmt, {**params, "last": last, "n": chunk}).all()
        for r in rows:
            yield _shape(what, cols, r, time_cols)
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def _iso(v: Any) -> Any:
    """A stored time (naive UTC: a datetime, or SQLite's "YYYY-MM-DD HH:MM:SS.ffffff") as ISO 8601 UTC."""
    if v is None:
        return None
    if isinstance(v, str):
        return v.replace(" ", "T", 1) + "+00:00"
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).isoformat()
    return v


def _shape(what: str, cols: tuple[str, ...], row: sa.Row[Any], times: frozenset[str]) -> dict[str, Any]:
    r: tuple[Any, ...] = tuple(row)
    if what == "alerts":
        payload = _json(r[9]) or {}
        values = [*r[:9], payload.get("source_id"), payload.get("title"), payload.get("url")]
        values.append([t.get("id") for t in payload.get("topics") or [] if isinstance(t, dict)])
        out = dict(zip(cols, values, strict=True))
    else:
        out = dict(zip(cols, r, strict=True))
        for c in _JSON_COLS & out.keys():
            out[c] = _json(out[c])
    for c in times:
        out[c] = _iso(out[c])
    return out


def write_jsonl(
    rows: Iterator[dict[str, Any]], out: TextIO, *, tick: Callable[[], None] | None = None
) -> int:
    n = 0
    for row in rows:
        out.write(orjson.dumps(row, default=str, option=orjson.OPT_APPEND_NEWLINE).decode())
        n += 1
        if tick is not None and n % 1000 == 0:
            tick()
    return n


def write_csv(
    rows: Iterator[dict[str, Any]], out: TextIO, what: str, *, tick: Callable[[], None] | None = None
) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS[what])
    n = 0
    for row in rows:
        w.writerow(
            json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else ("" if v is None else v)
            for v in row.values()
        )
        n += 1
        if tick is not None and n % 1000 == 0:
            tick()
    return n

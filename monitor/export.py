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

Times are ISO 8601 UTC with microseconds. In CSV, ``terms``, ``facts`` and ``topics`` are JSON text.

Two paths: :func:`export_rows` gives dicts (CSV, and any caller wanting values); :func:`json_lines` has
the database serialise each row (JSON Lines: 1.3x less CPU per row than a dict and ``orjson``, measured
by ``bench/replay.py``). Both read the columns from one table, ``_EXPORTS``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson
import sqlalchemy as sa

from monitor.store.models import UTCDateTime

__all__ = ["COLUMNS", "export_rows", "json_lines", "write_csv", "write_json_lines", "write_jsonl"]

What = Literal["items", "mentions", "alerts"]

# Each export: its tables, key (keyset paging), the time that --since/--until select on, and its columns
# as (key, SQL expression, kind): kind "t" is a stored time, "j" a JSON column, "p" a value of the
# alert's frozen payload, "topics" the ids of the payload's topic objects, "" anything else.
_EXPORTS: dict[str, tuple[str, str, str, tuple[tuple[str, str, str], ...]]] = {
    "items": ("item i", "i.id", "i.first_seen_at", (
        ("id", "i.id", ""), ("source_id", "i.source_id", ""), ("item_key", "i.item_key", ""),
        ("title", "i.title", ""), ("url", "i.canonical_url", ""), ("lang", "i.lang", ""),
        ("published_at", "i.published_at", "t"), ("first_seen_at", "i.first_seen_at", "t"),
        ("last_seen_at", "i.last_seen_at", "t"), ("revisions", "i.revision_count", ""),
        ("story_id", "i.story_id", ""), ("withdrawn_at", "i.withdrawn_at", "t"),
    )),
    "mentions": (
        "mention m JOIN revision r ON r.id = m.revision_id JOIN item i ON i.id = r.item_id", "m.id",
        "m.created_at", (
        ("id", "m.id", ""), ("item_id", "r.item_id", ""), ("revision", "r.seq", ""),
        ("source_id", "i.source_id", ""), ("topic_id", "m.topic_id", ""), ("reason", "m.reason", ""),
        ("created_at", "m.created_at", "t"), ("title", "r.title", ""), ("snippet", "m.snippet", ""),
        ("terms", "m.terms", "j"), ("facts", "m.facts", "j"),
    )),
    "alerts": ("outbox o", "o.id", "o.created_at", (
        ("id", "o.id", ""), ("alert_key", "o.alert_key", ""), ("receiver", "o.receiver", ""),
        ("kind", "o.kind", ""), ("state", "o.state", ""), ("attempts", "o.attempts", ""),
        ("created_at", "o.created_at", "t"), ("sent_at", "o.sent_at", "t"),
        ("thread_key", "o.thread_key", ""), ("source_id", "o.payload", "p"), ("title", "o.payload", "p"),
        ("url", "o.payload", "p"), ("topics", "o.payload", "topics"),
    )),
}  # fmt: skip

COLUMNS: dict[str, tuple[str, ...]] = {w: tuple(c[0] for c in e[3]) for w, e in _EXPORTS.items()}


def _row_select(what: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The plain SELECT of :func:`export_rows` (the payload once, for the alerts' last four), and the
    keys of its time and JSON columns."""
    tables, _pk, _at, columns = _EXPORTS[what]
    exprs = [col for _k, col, kind in columns if kind not in ("p", "topics")]
    if len(exprs) < len(columns):
        exprs.append("o.payload")
    times = tuple(k for k, _c, kind in columns if kind == "t")
    jsons = tuple(k for k, _c, kind in columns if kind == "j")
    return f"SELECT {', '.join(exprs)} FROM {tables}", times, jsons


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
    sql, times, jsons = _row_select(what)
    # Result columns are read raw (no per-value type processing: it was most of the time); times are
    # normalised to ISO 8601 UTC by _iso, JSON text parsed by _json.
    cols = COLUMNS[what]
    time_cols, json_cols = frozenset(times), frozenset(jsons)
    for rows in _pages(engine, what, sql, since, until, chunk):
        for r in rows:
            yield _shape(what, cols, r, time_cols, json_cols)


def _pages(
    engine: sa.Engine, what: What, select: str, since: datetime | None, until: datetime | None, chunk: int
) -> Iterator[Sequence[Sequence[Any]]]:
    """``select`` (whose first column is the export's key) over ``[since, until)``, a page at a time in
    key order, each page its own short read (keyset paging: ``key > last``)."""
    _tables, pk, at, _columns = _EXPORTS[what]
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
    stmt = sa.text(f"{select} WHERE {' AND '.join(where)} ORDER BY {pk} LIMIT :n").bindparams(*binds)
    last = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(stmt, {**params, "last": last, "n": chunk}).all()
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def json_lines(
    engine: sa.Engine,
    what: What,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = 5000,
) -> Iterator[list[str]]:
    """The rows :func:`export_rows` gives, each already serialised as one JSON object by the database
    (SQLite's ``json_object``, PostgreSQL's ``json_build_object``), a chunk at a time: the same keys in
    the same order and the same values, without building a Python dict per row (most of an export's
    CPU; ``tests/test_browse.py`` holds the two to the same values on both databases)."""
    tables, pk = _EXPORTS[what][0], _EXPORTS[what][1]
    select = f"SELECT {pk}, {_json_select(what, engine.dialect.name)} FROM {tables}"
    for rows in _pages(engine, what, select, since, until, chunk):
        yield [r[1] for r in rows]


def _json_select(what: str, dialect: str) -> str:
    """The SQL expression serialising one row of ``what`` as a JSON object."""
    columns = _EXPORTS[what][3]
    sqlite = dialect == "sqlite"
    parts = []
    for key, col, kind in columns:
        if kind == "t":  # stored naive UTC
            expr = (
                f"replace({col}, ' ', 'T') || '+00:00'"
                if sqlite
                else f'to_char({col}, \'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\')'
            )
        elif kind == "j":
            expr = f"json({col})" if sqlite else col
        elif kind == "p":
            expr = f"json_extract({col}, '$.{key}')" if sqlite else f"{col}->>'{key}'"
        elif kind == "topics":  # the ids of the payload's topic objects
            expr = (
                f"json((SELECT json_group_array(json_extract(t.value, '$.id')) FROM json_each({col}, "
                "'$.topics') t WHERE t.type = 'object'))"
                if sqlite
                else f"(SELECT coalesce(json_agg(t->>'id'), '[]'::json) FROM json_array_elements(CASE "
                f"WHEN json_typeof({col}->'topics') = 'array' THEN {col}->'topics' ELSE '[]'::json END) t "
                "WHERE json_typeof(t) = 'object')"
            )
        else:
            expr = col
        parts.append(f"'{key}', {expr}")
    return f"json_object({', '.join(parts)})" if sqlite else f"json_build_object({', '.join(parts)})::text"


def write_json_lines(
    chunks: Iterator[list[str]], out: TextIO, *, tick: Callable[[int], None] | None = None
) -> int:
    """Write :func:`json_lines`' chunks, a line per row; the number of rows."""
    n = 0
    for lines in chunks:
        out.write("\n".join(lines))
        out.write("\n")
        n += len(lines)
        if tick is not None:
            tick(len(lines))
    return n


def _iso(v: Any) -> Any:
    """A stored time (naive UTC: a datetime, or SQLite's "YYYY-MM-DD HH:MM:SS.ffffff") as ISO 8601 UTC."""
    if v is None:
        return None
    if isinstance(v, str):
        return v.replace(" ", "T", 1) + "+00:00"
    if isinstance(v, datetime):  # always with microseconds, as SQLite stores them and json_lines writes them
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).isoformat(timespec="microseconds")
    return v


def _shape(
    what: str, cols: tuple[str, ...], row: Sequence[Any], times: frozenset[str], jsons: frozenset[str]
) -> dict[str, Any]:
    r: tuple[Any, ...] = tuple(row)
    if what == "alerts":
        payload = _json(r[9]) or {}
        values = [*r[:9], payload.get("source_id"), payload.get("title"), payload.get("url")]
        values.append([t.get("id") for t in payload.get("topics") or [] if isinstance(t, dict)])
        out = dict(zip(cols, values, strict=True))
    else:
        out = dict(zip(cols, r, strict=True))
        for c in jsons:
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

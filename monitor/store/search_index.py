"""The full-text index over revisions: created by migration 0004, written by the commit that stores a
revision, read by ``pressmon search`` (``monitor.search``).

SQLite: ``revision_fts``, a contentless FTS5 table (``unicode61``; rowid = revision id; columns title,
text). PostgreSQL: ``revision_search`` (revision_id, tsv) with a GIN index; ``tsv`` is
``setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', text), 'B')``. Both
store ``monitor.match.index_text`` forms, so one query means the same on both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from monitor.langtag import normal
from monitor.match.index_text import IndexExpr, fts5_query, index_text, tsquery
from monitor.store.models import UTCDateTime

__all__ = [
    "SEARCH_TABLES",
    "Candidate",
    "backfill",
    "candidates",
    "create_index",
    "drop_index",
    "index_revisions",
    "is_search_table",
    "rebuild",
    "reindex_pruned",
]

SEARCH_TABLES = ("revision_fts", "revision_search")  # FTS5 adds revision_fts_data, _idx, ... beside it


def is_search_table(name: str | None) -> bool:
    """Tables the models do not describe (schema comparisons leave them out)."""
    return bool(name) and any(name == t or name.startswith(t + "_") for t in SEARCH_TABLES)  # type: ignore[union-attr]


def _dialect(bind: sa.Connection | Session) -> str:
    return (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name


def create_index(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(
            sa.text(
                "CREATE VIRTUAL TABLE revision_fts USING fts5("
                "title, text, content='', tokenize='unicode61 remove_diacritics 2')"
            )
        )
        return
    conn.execute(
        sa.text(
            "CREATE TABLE revision_search ("
            "revision_id INTEGER PRIMARY KEY REFERENCES revision(id) ON DELETE CASCADE, "
            "tsv TSVECTOR NOT NULL)"
        )
    )
    conn.execute(sa.text("CREATE INDEX ix_revision_search_tsv ON revision_search USING GIN (tsv)"))


def backfill(conn: sa.Connection, *, chunk: int = 2000) -> int:
    """Index every stored revision not indexed yet (migration 0006 on an existing database)."""
    table, key = (
        ("revision_fts", "rowid") if conn.dialect.name == "sqlite" else ("revision_search", "revision_id")
    )
    done = 0
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                f"SELECT r.id, r.title, r.text FROM revision r WHERE r.id > :last AND NOT EXISTS "
                f"(SELECT 1 FROM {table} x WHERE x.{key} = r.id) ORDER BY r.id LIMIT :n"
            ),
            {"last": last, "n": chunk},
        ).all()
        if not rows:
            return done
        index_revisions(conn, [(r[0], r[1], r[2]) for r in rows])
        done += len(rows)
        last = rows[-1][0]


def rebuild(conn: sa.Connection) -> int:
    """Index every stored revision afresh, in today's ``index_text`` form; returns how many.

    For a migration after a change to what the index stores (0013: a capitalised ``US`` became ``u s``):
    rows written in the old form would stay unfindable by the new query form, and SQLite's contentless
    table removes a row only when given the tokens it was indexed with, so pruning such a row with the new
    form would corrupt the index. Emptying and refilling avoids needing the old form at all."""
    if conn.dialect.name == "sqlite":
        drop_index(conn)
        create_index(conn)
    else:
        conn.execute(sa.text("TRUNCATE revision_search"))
    return backfill(conn)


def drop_index(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "DROP TABLE IF EXISTS " + ("revision_fts" if conn.dialect.name == "sqlite" else "revision_search")
        )
    )


def index_revisions(bind: sa.Connection | Session, rows: Sequence[tuple[int, str, str]]) -> None:
    """Index stored revisions ``(id, title, text)``, in the caller's transaction."""
    if not rows:
        return
    params = [{"id": i, "title": index_text(title), "text": index_text(text)} for i, title, text in rows]
    if _dialect(bind) == "sqlite":
        stmt = sa.text("INSERT INTO revision_fts(rowid, title, text) VALUES (:id, :title, :text)")
    else:
        stmt = sa.text(
            "INSERT INTO revision_search(revision_id, tsv) VALUES (:id, "
            "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :text), 'B'))"
        )
    bind.execute(stmt, params)


def reindex_pruned(bind: sa.Connection | Session, rows: Sequence[tuple[int, str, str]]) -> None:
    """Forget the body of revisions ``(id, title, old_text)`` whose text retention is pruning, in the
    caller's transaction: what is no longer stored is no longer searchable (nor kept in the index).

    SQLite's contentless FTS5 table removes a row only when given the values it indexed (the ``'delete'``
    command), so the old text comes in; the title is indexed again on its own."""
    if not rows:
        return
    if _dialect(bind) == "sqlite":
        bind.execute(
            sa.text(
                "INSERT INTO revision_fts(revision_fts, rowid, title, text) "
                "VALUES ('delete', :id, :title, :text)"
            ),
            [{"id": i, "title": index_text(title), "text": index_text(text)} for i, title, text in rows],
        )
        bind.execute(
            sa.text("INSERT INTO revision_fts(rowid, title, text) VALUES (:id, :title, '')"),
            [{"id": i, "title": index_text(title)} for i, title, _ in rows],
        )
        return
    bind.execute(
        sa.text(
            "UPDATE revision_search SET tsv = setweight(to_tsvector('simple', :title), 'A') "
            "WHERE revision_id = :id"
        ),
        [{"id": i, "title": index_text(title)} for i, title, _ in rows],
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    revision_id: int
    item_id: int
    seq: int
    fetched_at: datetime
    title: str
    text: str
    source_id: str
    lang: str | None
    url: str | None


_COLS = (
    "r.id, r.item_id, r.seq, r.fetched_at, r.title, r.text, i.source_id, i.lang, i.canonical_url "
    "FROM {frm} JOIN revision r ON r.id = {rid} JOIN item i ON i.id = r.item_id"
)


def candidates(
    conn: sa.Connection,
    expr: IndexExpr | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    topic: str | None = None,
    lang: str | None = None,
    batch: int = 200,
) -> Iterator[list[Candidate]]:
    """Revisions the index says may match ``expr`` (all, for ``None``), newest first, in batches.

    The caller stops reading when it has enough; each batch is one short statement (keyset paging on
    the revision id), so a reader never holds a long transaction open.
    """
    sqlite = conn.dialect.name == "sqlite"
    where: list[str] = []
    params: dict[str, object] = {}
    binds = [sa.bindparam("since", type_=UTCDateTime), sa.bindparam("until", type_=UTCDateTime)]
    if expr is None:
        frm, rid = "revision r0", "r0.id"
    elif sqlite:
        frm, rid = "revision_fts", "revision_fts.rowid"
        where.append("revision_fts MATCH :q")
        params["q"] = fts5_query(expr)
    else:
        frm, rid = "revision_search rs", "rs.revision_id"
        where.append("rs.tsv @@ to_tsquery('simple', :q)")
        params["q"] = tsquery(expr)
    if since is not None:
        # Revision ids grow with fetched_at (give or take concurrent commits: an hour's margin), so the
        # id bound lets the index walk stop early; the fetched_at test is exact.
        first = conn.execute(
            sa.text(
                "SELECT id FROM revision WHERE fetched_at >= :since ORDER BY fetched_at LIMIT 1"
            ).bindparams(binds[0]),
            {"since": since - timedelta(hours=1)},
        ).scalar()
        if first is None:
            return
        where += [f"{rid} >= :lo", "r.fetched_at >= :since"]
        params |= {"lo": first, "since": since}
    if until is not None:
        where.append("r.fetched_at < :until")
        params["until"] = until
    if sources:
        names = [f"s{n}" for n in range(len(sources))]
        where.append(f"i.source_id IN ({', '.join(':' + n for n in names)})")
        params |= dict(zip(names, sources, strict=True))
    if lang:  # en takes in en-us and en_US (monitor.langtag.lang_matches)
        tag = "replace(lower(i.lang), '_', '-')"
        where.append(f"({tag} = :lang OR {tag} LIKE :lang_sub)")
        params |= {"lang": normal(lang), "lang_sub": normal(lang) + "-%"}
    if topic:
        where.append("EXISTS (SELECT 1 FROM mention m WHERE m.revision_id = r.id AND m.topic_id = :topic)")
        params["topic"] = topic
    before: int | None = None
    while True:
        clauses = [*where, f"{rid} < :before"] if before is not None else where
        sql = "SELECT " + _COLS.format(frm=frm, rid=rid)
        sql += (" WHERE " + " AND ".join(clauses) if clauses else "") + f" ORDER BY {rid} DESC LIMIT :n"
        stmt = sa.text(sql).bindparams(*[b for b in binds if b.key in params]).columns(fetched_at=UTCDateTime)
        extra = {"before": before} if before is not None else {}
        rows = conn.execute(stmt, {**params, **extra, "n": batch}).all()
        if not rows:
            return
        yield [Candidate(*r) for r in rows]
        if len(rows) < batch:
            return
        before = rows[-1][0]


def stored_languages(conn: sa.Connection) -> set[str]:
    """Every language tag the archive's items carry, normalised (``en-us``, ``ja``). A scan: for the hint
    after a --lang that found nothing, not for the search itself."""
    rows = conn.execute(sa.text("SELECT DISTINCT lang FROM item WHERE lang IS NOT NULL")).scalars()
    return {normal(t) for t in rows if t and t.strip()}

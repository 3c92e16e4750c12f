"""Database size and VACUUM (``pressmon db vacuum``, ``bench/dbsize.py``)."""

from __future__ import annotations

import sqlalchemy as sa

from monitor.store.engine import is_sqlite, sqlite_path

__all__ = ["database_size", "vacuum"]


def database_size(engine: sa.Engine) -> int:
    """Bytes the database takes: the SQLite file and its WAL; on PostgreSQL the tables with their
    indexes and TOAST (``pg_total_relation_size``; the server's per-database overhead is left out)."""
    if is_sqlite(engine):
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        if path is None:
            return 0
        wal = path.with_name(path.name + "-wal")
        return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    with engine.connect() as conn:
        q = (
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        )
        return int(conn.execute(sa.text(q)).scalar() or 0)


def vacuum(engine: sa.Engine) -> None:
    """SQLite: VACUUM then checkpoint the WAL into the file; PostgreSQL: VACUUM ANALYZE (outside a
    transaction, without a statement timeout)."""
    if is_sqlite(engine):
        raw = engine.raw_connection()  # the driver connection is in autocommit (engine.py)
        try:
            cur = raw.cursor()
            cur.execute("VACUUM")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SET statement_timeout = 0")
        conn.exec_driver_sql("VACUUM ANALYZE")
        conn.exec_driver_sql("RESET statement_timeout")

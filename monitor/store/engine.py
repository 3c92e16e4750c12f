"""Engine setup and transactions.

SQLite (the default): WAL, ``busy_timeout``, foreign keys, and ``BEGIN IMMEDIATE`` for write
transactions (a read-then-write transaction never fails half way with "database is locked"); reads use a
deferred ``BEGIN`` so the CLI can read while the daemon writes. PostgreSQL: the same code, with
``FOR UPDATE SKIP LOCKED`` in the claims.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from monitor.errors import StoreError

__all__ = [
    "DaemonLock",
    "check_url",
    "is_sqlite",
    "make_engine",
    "read_session",
    "sqlite_path",
    "write_session",
]

BUSY_TIMEOUT_MS = 10_000


def is_sqlite(engine_or_url: sa.Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, sa.Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL or in-memory SQLite)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


SUPPORTED_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
_URL_HINT = "use sqlite:///path/to/pressmon.db or postgresql+psycopg://user@host/dbname"


def check_url(url: str) -> None:
    """A ``StoreError`` naming PRESSMON_DATABASE_URL unless ``url`` is a SQLite or PostgreSQL (psycopg 3)
    URL, before SQLAlchemy fails on it with an import error or a parse error deep inside."""
    try:
        u = make_url(url)
    except sa.exc.ArgumentError:
        raise StoreError(
            f'database: PRESSMON_DATABASE_URL "{url}" is not a database URL; {_URL_HINT}'
        ) from None
    if u.drivername not in SUPPORTED_DRIVERS:
        raise StoreError(f"database: PRESSMON_DATABASE_URL: {u.drivername} is not supported; {_URL_HINT}")


def make_engine(url: str, **kw: Any) -> sa.Engine:
    check_url(url)
    if is_sqlite(url):
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kw)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below emit BEGIN, not pysqlite's implicit handling.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kw)


@contextmanager
def write_session(engine: sa.Engine) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back on any exception."""
    with (
        engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn,
        conn.begin(),
        Session(bind=conn, expire_on_commit=False, autoflush=False) as session,
    ):
        yield session
        session.flush()


@contextmanager
def read_session(engine: sa.Engine) -> Iterator[Session]:
    with (
        engine.connect() as conn,
        conn.begin(),
        Session(bind=conn, expire_on_commit=False, autoflush=False) as session,
    ):
        yield session


class DaemonLock:
    """One daemon per SQLite file (RELIABILITY G9): an exclusive ``flock`` on ``<db>.lock``, released by
    the kernel when the process dies, so a SIGKILLed daemon never leaves a stale lock."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fh: TextIO | None = None

    def acquire(self) -> None:
        fh = open(self.path, "a+")  # noqa: SIM115 - held for the life of the daemon
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise StoreError(
                f"store: {self.path.with_suffix('')}: another pressmon daemon ({holder}) is using this "
                "database; one daemon per SQLite file (use PostgreSQL for several instances)"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

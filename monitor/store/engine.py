"""Engine setup and transactions.

SQLite (the default): WAL, ``busy_timeout``, foreign keys, and ``BEGIN IMMEDIATE`` for write
transactions (a read-then-write transaction never fails half way with "database is locked"); reads use a
deferred ``BEGIN`` so the CLI can read while the daemon writes. PostgreSQL: the same code, with
``FOR UPDATE SKIP LOCKED`` in the claims, and every connection bounded by ``statement_timeout``,
``lock_timeout`` and ``idle_in_transaction_session_timeout`` (RELIABILITY 40: one stalled connection
cannot hold up the others for longer than that). :func:`schema_lock` serialises start-up work (migrations,
source sync) across instances.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from monitor.errors import StoreError

__all__ = [
    "DaemonLock",
    "DbTimeouts",
    "check_url",
    "is_lock_timeout",
    "is_sqlite",
    "make_engine",
    "read_session",
    "schema_lock",
    "sqlite_path",
    "write_session",
]

BUSY_TIMEOUT_MS = 10_000
SCHEMA_LOCK_KEY = 0x70726D31  # "prm1": the advisory lock around migrations and source sync


@dataclass(frozen=True, slots=True)
class DbTimeouts:
    """Server-side bounds set on every PostgreSQL connection (seconds; 0 turns one off). SQLite has its
    own ``busy_timeout`` and ignores these."""

    statement_s: float = 30.0
    lock_s: float = 5.0
    idle_in_transaction_s: float = 60.0
    connect_s: float = 5.0

    def options(self) -> str:
        ms = {
            "statement_timeout": self.statement_s,
            "lock_timeout": self.lock_s,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_s,
        }
        return " ".join(f"-c {name}={int(v * 1000)}" for name, v in ms.items())


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


def make_engine(url: str, *, timeouts: DbTimeouts | None = None, **kw: Any) -> sa.Engine:
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
    t = timeouts or DbTimeouts()
    connect_args = {
        "options": t.options(),
        "connect_timeout": max(1, int(t.connect_s)),
        # A peer that vanished without closing (a cut network) is noticed within ~30 s, not hours.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kw)


def is_lock_timeout(exc: BaseException) -> bool:
    """A PostgreSQL ``lock_timeout`` (SQLSTATE 55P03, lock_not_available) under SQLAlchemy's wrapper."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "55P03"


@contextmanager
def schema_lock(engine: sa.Engine, *, wait_s: float = 300.0) -> Iterator[sa.Connection | None]:
    """Serialise start-up work across instances (RELIABILITY 39: three started at once on an empty
    database). PostgreSQL: a session advisory lock on a dedicated connection, which is yielded so the
    migration runs on it; SQLite: an ``flock`` on ``<db>.schema.lock`` beside the file (yields None)."""
    if is_sqlite(engine):
        path = sqlite_path(engine.url.render_as_string(hide_password=False))
        if path is None:
            yield None
            return
        with open(path.with_name(path.name + ".schema.lock"), "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield None
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        # Our own bounds for the wait and the migration, not the pool's short per-statement ones.
        conn.exec_driver_sql(f"SET statement_timeout = {int(wait_s * 1000)}")
        conn.exec_driver_sql(f"SET lock_timeout = {int(wait_s * 1000)}")
        conn.exec_driver_sql("SET idle_in_transaction_session_timeout = 0")
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
        conn.commit()
        try:
            yield conn
        finally:
            with suppress(sa.exc.SQLAlchemyError):
                conn.rollback()
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK_KEY})
                conn.commit()
            # The session settings above must not go back to the pool (closing the session also drops
            # the lock if the unlock failed).
            conn.invalidate()


_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(engine: sa.Engine) -> AbstractContextManager[object]:
    """SQLite: one lock per database file for the whole process, so this process's write transactions
    queue here (without a timeout) rather than on SQLite's lock, where a writer kept waiting past
    ``busy_timeout`` fails with "database is locked". Only another process's writer can make a write
    wait on SQLite's lock. PostgreSQL: none (row locks)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    key = str(engine.url.database)
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(key)
        if lock is None:
            lock = _WRITE_LOCKS[key] = threading.RLock()
    return lock


@contextmanager
def write_session(engine: sa.Engine) -> Iterator[Session]:
    """One write transaction: commits on success, rolls back on any exception. On SQLite the process's
    writers to one file take turns (:func:`_write_lock`)."""
    with (
        _write_lock(engine),
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

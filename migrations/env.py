"""Alembic environment. The URL comes from the Alembic config (set by ``monitor.store.migrate``) or,
when run by hand with ``alembic``, from PRESSMON_DATABASE_URL via ``monitor.settings``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import monitor.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from monitor.settings import Settings
from monitor.store.engine import make_engine
from monitor.store.search_index import is_search_table

config = context.config


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """The full-text tables (raw SQL, one per dialect) are not models: autogenerate leaves them alone."""
    return not (type_ == "table" and is_search_table(name))


target_metadata = SQLModel.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn, _sqlite_foreign_keys_off(conn):
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
            _check_foreign_keys(conn)
    engine.dispose()


@contextlib.contextmanager
def _sqlite_foreign_keys_off(conn: sa.Connection) -> Iterator[None]:
    """SQLite alters most things in batch mode: copy the table, drop it, rename the copy. Dropping a
    table that other rows reference fails while foreign keys are enforced (0007's downgrade did), so they
    are off for the migration run: set on the driver's connection before the transaction begins (the
    pragma is a no-op inside one), checked before commit (:func:`_check_foreign_keys`), and on again
    before the connection goes back to the pool."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(conn: sa.Connection) -> None:
    """With enforcement off, a migration must still leave every reference intact: else roll back."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"migration left {len(broken)} broken foreign keys, e.g. {tuple(broken[0])}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Alembic environment. The URL comes from the Alembic config (set by ``monitor.store.migrate``) or,
when run by hand with ``alembic``, from PRESSMON_DATABASE_URL via ``monitor.settings``."""

from __future__ import annotations

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
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

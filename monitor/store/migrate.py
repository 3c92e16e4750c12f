"""Schema migrations with Alembic, configured in code so an installed wheel needs no alembic.ini."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from monitor.resources import bundled_path
from monitor.store.engine import schema_lock

__all__ = ["alembic_config", "current_revision", "head_revision", "is_current", "upgrade"]


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(bundled_path("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(
    engine: sa.Engine,
    revision: str = "head",
    *,
    connection: sa.Connection | None = None,
    locked: bool = False,
) -> None:
    """Apply pending migrations (idempotent), under :func:`schema_lock` so instances starting together
    migrate once. A caller already holding the lock passes ``locked=True`` and, on PostgreSQL, the
    lock's ``connection`` (the migration runs on it)."""
    if not locked:
        with schema_lock(engine) as conn:
            upgrade(engine, revision, connection=conn, locked=True)
        return
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)
    if connection is not None:
        connection.commit()


def is_current(engine: sa.Engine) -> bool:
    """Is the database at the newest migration this code knows?"""
    url = engine.url.render_as_string(hide_password=False)
    return current_revision(engine) == head_revision(url)


def downgrade(engine: sa.Engine, revision: str) -> None:
    url = engine.url.render_as_string(hide_password=False)
    command.downgrade(alembic_config(url), revision)

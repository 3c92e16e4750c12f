"""Schema migrations with Alembic, configured in code so an installed wheel needs no alembic.ini."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from monitor.resources import bundled_path

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade"]


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


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Apply pending migrations (idempotent). Uses the given engine's URL."""
    url = engine.url.render_as_string(hide_password=False)
    command.upgrade(alembic_config(url), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    url = engine.url.render_as_string(hide_password=False)
    command.downgrade(alembic_config(url), revision)

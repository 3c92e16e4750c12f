"""Schema migrations with Alembic, configured in code so an installed wheel needs no alembic.ini.

Alembic (with Mako and Pygments behind it, ~7 MiB resident) is imported only when a migration has to
run: a daemon starting on a database already at the newest revision finds that out with one query and
the migration files' ``revision`` lines, and never loads it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from monitor.resources import bundled_path
from monitor.store.engine import schema_lock

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = ["alembic_config", "current_revision", "head_revision", "is_current", "upgrade"]

_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:['\"]([^'\"]+)['\"]|None)", re.M)


def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(bundled_path("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def heads_of(scripts: dict[str, str]) -> set[str]:
    """The revisions no other script builds on, from the scripts' texts (file name -> source)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for text in scripts.values():
        for key, value in _REVISION.findall(text):
            if value:
                (revisions if key == "revision" else parents).add(value)
    return revisions - parents


@cache
def _head() -> str | None:
    versions = Path(bundled_path("migrations")) / "versions"
    heads = heads_of({p.name: p.read_text(encoding="utf-8") for p in versions.glob("*.py")})
    return next(iter(heads)) if len(heads) == 1 else None


def head_revision(url: str | None = None) -> str | None:
    """The newest migration this code ships (one linear history; ``tests/test_store.py`` holds this to
    Alembic's own answer)."""
    return _head()


def current_revision(engine: sa.Engine) -> str | None:
    """The database's revision (None on an empty database)."""
    with engine.connect() as conn:
        return _revision_in(conn)


def _revision_in(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


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
    if revision == "head" and _head() is not None and _stored(engine, connection) == _head():
        return
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)
    if connection is not None:
        connection.commit()


def _stored(engine: sa.Engine, connection: sa.Connection | None) -> str | None:
    if connection is None:
        return current_revision(engine)
    revision = _revision_in(connection)
    connection.commit()  # the migration, if any, starts its own transaction on this connection
    return revision


def is_current(engine: sa.Engine) -> bool:
    """Is the database at the newest migration this code knows?"""
    return current_revision(engine) == head_revision()


def downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    command.downgrade(alembic_config(url), revision)

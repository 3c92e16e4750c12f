"""``pressmon db upgrade|prune|vacuum``: schema migrations, retention now, and reclaiming space."""

from __future__ import annotations

import typer

from monitor.cli.common import ConfigOpt, database, load
from monitor.cli.output import output

__all__ = ["register"]

group = typer.Typer(help="Database schema and upkeep.", no_args_is_help=True)


@group.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations to PRESSMON_DATABASE_URL (creates a SQLite file if needed).

    Examples:
    PRESSMON_DATABASE_URL=postgresql+psycopg://pressmon@db/pressmon pressmon db upgrade
    """
    from monitor.store.migrate import current_revision

    with database(create=True) as engine:
        output.print(f"database at revision {current_revision(engine)}")


@group.command("prune")
def db_prune(config: ConfigOpt = None) -> None:
    """Prune history past feeds.yaml's retention: horizons now (the daemon does it daily by itself).

    Examples:
    pressmon db prune -c feeds.yaml
    """
    from datetime import UTC, datetime

    from monitor.store.maintenance import prune

    cfg = load(config)
    with database() as engine:
        result = prune(engine, cfg.retention, now=datetime.now(UTC))
    output.print("pruned " + ", ".join(f"{n} {what}" for what, n in result.items()))


@group.command("vacuum")
def db_vacuum() -> None:
    """Give the space of pruned rows back: SQLite VACUUM (rewrites the file; stop the daemon first on a
    large one), PostgreSQL VACUUM ANALYZE (online). Prints the size before and after.

    Examples:
    pressmon db prune && pressmon db vacuum
    """
    from monitor.store.upkeep import database_size, vacuum

    with database() as engine:
        before = database_size(engine)
        vacuum(engine)
        after = database_size(engine)
    output.print(f"vacuumed: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="db")

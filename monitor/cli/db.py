"""``pressmon db upgrade``: apply schema migrations."""

from __future__ import annotations

import typer

from monitor.cli.common import database
from monitor.cli.output import output

__all__ = ["register"]

group = typer.Typer(help="Database schema.", no_args_is_help=True)


@group.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations to PRESSMON_DATABASE_URL (creates a SQLite file if needed).

    Example: PRESSMON_DATABASE_URL=postgresql+psycopg://pressmon@db/pressmon pressmon db upgrade
    """
    from monitor.store.migrate import current_revision

    with database(create=True) as engine:
        output.print(f"database at revision {current_revision(engine)}")


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="db")

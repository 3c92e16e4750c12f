"""``pressmon sources``: what every source did last, from the database, against the config."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from monitor.cli.common import ConfigOpt, JsonOpt, config_path, database, load, settings
from monitor.cli.output import output

__all__ = ["ago", "register"]


def ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return "never"
    secs = int((now - dt).total_seconds())
    sign = "" if secs >= 0 else "in "
    secs = abs(secs)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{sign}{secs // size}{unit}" + ("" if sign else " ago")
    return f"{sign}{secs}s" + ("" if sign else " ago")


def sources(config: ConfigOpt = None, json: JsonOpt = False) -> None:
    """Table of sources: last success, error streak, next poll, items stored, last error.

    Reads the database (never creates one) and the config (when there is one). Example: pressmon sources
    """
    from monitor.store.engine import sqlite_path
    from monitor.store.queries import SourceOverview, source_overview

    path = config_path(config)
    # Without a config file the table still shows what the database knows.
    configured = {s.id for s in load(path).sources} if (config or path.exists()) else set()
    db_file = sqlite_path(settings().database_url)
    rows: list[SourceOverview] = []
    if db_file is None or db_file.exists():
        with database() as engine:
            rows = source_overview(engine)
    elif not configured:
        output.note(f"no database at {db_file} and no config at {path}: nothing to show")
    now = datetime.now(UTC)
    polled = {r.id for r in rows}
    if json:
        output.json(
            [
                {
                    "id": r.id,
                    "configured": r.id in configured if configured else None,
                    "last_ok_at": r.last_ok_at,
                    "error_streak": r.error_streak,
                    "next_due": r.next_due,
                    "items": r.items,
                    "encoding": r.encoding,
                    "last_error": r.last_error,
                }
                for r in rows
            ]
            + [
                {
                    "id": sid,
                    "configured": True,
                    "last_ok_at": None,
                    "error_streak": 0,
                    "next_due": None,
                    "items": 0,
                    "encoding": None,
                    "last_error": None,
                }
                for sid in sorted(configured - polled)
            ]
        )
        return
    table = [
        [
            r.id + ("" if r.id in configured or not configured else " (not in config)"),
            ago(r.last_ok_at, now),
            str(r.error_streak),
            ago(r.next_due, now),
            str(r.items),
            r.encoding or "",
            (r.last_error or "")[:80],
        ]
        for r in rows
    ]
    table += [[sid, "never", "0", "not yet polled", "0", "", ""] for sid in sorted(configured - polled)]
    output.table(
        ["id", "last ok", "errors", "next due", "items", "encoding", "last error"], table, no_wrap=["id"]
    )


def register(root: typer.Typer) -> None:
    root.command()(sources)

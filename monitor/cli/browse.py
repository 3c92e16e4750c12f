"""The archive: ``pressmon search``, ``show``, ``items``, ``stories``, ``export``. Read-only; each read is
a short transaction, so these run beside a live daemon. The work is in :mod:`monitor.search`,
:mod:`monitor.store.browse` and :mod:`monitor.export`.

``search`` is in :mod:`monitor.cli.search_cmd`, ``show`` in :mod:`monitor.cli.show_cmd`, their shared
options in :mod:`monitor.cli.archive`; ``items``, ``stories`` and ``export`` are here."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.archive import (
    LimitOpt,
    SinceOpt,
    SourcesOpt,
    TopicOpt,
    UntilOpt,
    check_filters,
)
from monitor.cli.common import JsonOpt, database, period
from monitor.cli.errors import Failure
from monitor.cli.output import output
from monitor.cli.search_cmd import search
from monitor.cli.show_cmd import show

__all__ = ["register"]


def items(
    since: Annotated[str, typer.Option("--since", help="First seen from: a duration (7d) or a date.")] = "7d",
    until: UntilOpt = None,
    source: SourcesOpt = None,
    topic: TopicOpt = None,
    limit: LimitOpt = 50,
    json: JsonOpt = False,
) -> None:
    """Items first seen in the period, newest first, with the topics their current revision matched.

    Examples:
    pressmon items --since 24h
    pressmon items --since 30d --topic fms-japan --json
    """
    from monitor.store.browse import list_items

    start, end = period(since, until, now=datetime.now(UTC))
    assert start is not None  # --since has a default
    with database() as engine:
        check_filters(engine, sources=source, topics=[topic] if topic else None)
        rows = list_items(
            engine,
            since=start,
            until=end,
            sources=list(source or []),
            topic=topic,
            limit=limit,
        )
    if json:
        output.json([r.as_json() for r in rows])
        return
    output.table(
        ["id", "first seen", "source", "revs", "story", "topics", "title"],
        [
            [
                r.id,
                f"{r.first_seen_at:%Y-%m-%d %H:%M}",
                r.source_id,
                r.revisions,
                r.story_id or "",
                ",".join(r.topics),
                r.title + (" (withdrawn)" if r.withdrawn else ""),
            ]
            for r in rows
        ],
        no_wrap=["id"],
    )


def stories(
    since: Annotated[
        str, typer.Option("--since", help="With a member first seen since (7d, a date).")
    ] = "7d",
    until: UntilOpt = None,
    source: SourcesOpt = None,
    topic: TopicOpt = None,
    min_members: Annotated[int, typer.Option("--min-members", min=1, help="Only stories this big.")] = 1,
    limit: LimitOpt = 50,
    json: JsonOpt = False,
) -> None:
    """Stories (one statement as several sources carry it), newest activity first, each by its lead:
    the official statement when one is stored (marked "official:"), else the first report.

    Examples:
    pressmon stories --since 7d --min-members 2
    pressmon stories --since 30d --topic tariffs-japan --source kantei
    pressmon stories --json
    """
    from monitor.store.browse import list_stories

    start, end = period(since, until, now=datetime.now(UTC))
    assert start is not None  # --since has a default
    with database() as engine:
        check_filters(engine, sources=source, topics=[topic] if topic else None)
        rows = list_stories(
            engine,
            since=start,
            until=end,
            sources=list(source or []),
            topic=topic,
            min_members=min_members,
            limit=limit,
        )
    if json:
        output.json([r.as_json() for r in rows])
        return
    output.table(
        ["story", "first seen", "members", "sources", "topics", "title"],
        [
            [
                r.story_id,
                f"{r.first_seen_at:%Y-%m-%d %H:%M}",
                r.members,
                ",".join(r.sources),
                ",".join(r.topics),
                ("official: " if r.official else "") + r.title,
            ]
            for r in rows
        ],
        no_wrap=["story"],
    )


def export(
    since: SinceOpt = None,
    until: UntilOpt = None,
    format_: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "jsonl",
    what: Annotated[str, typer.Option("--what", help="items, mentions or alerts.")] = "items",
    out: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")] = None,
) -> None:
    """Stream stored items, mentions or alerts as CSV or JSON Lines (columns in README); memory stays
    flat however many rows, and the daemon is never held up (short reads in id order).

    Examples:
    pressmon export --since 30d --format csv > items.csv
    pressmon export --what alerts -o a.jsonl
    """
    from monitor.export import export_rows, json_lines, write_csv, write_json_lines

    if format_ not in ("csv", "jsonl"):
        raise Failure("--format", f'"{format_}" is not a format', "use csv or jsonl")
    if what not in ("items", "mentions", "alerts"):
        raise Failure("--what", f'"{what}" is not exportable', "use items, mentions or alerts")
    start, end = period(since, until, now=datetime.now(UTC))
    with database() as engine:
        fh = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout  # noqa: SIM115
        try:
            with output.progress(f"exporting {what}") as advance:
                if format_ == "csv":
                    rows = export_rows(engine, what, since=start, until=end)  # type: ignore[arg-type]
                    n = write_csv(rows, fh, what, tick=lambda: advance(1000))
                else:  # serialised by the database (monitor.export.json_lines)
                    lines = json_lines(engine, what, since=start, until=end)  # type: ignore[arg-type]
                    n = write_json_lines(lines, fh, tick=advance)
        finally:
            if out:
                fh.close()
            else:
                fh.flush()
    output.note(f"export: {n} {what}" + (f" written to {out}" if out else ""))


def register(root: typer.Typer) -> None:
    for command in (search, show, items, stories, export):
        root.command()(command)

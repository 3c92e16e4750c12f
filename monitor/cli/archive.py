"""What the archive commands (``search``, ``show``, ``items``, ``stories``, ``export``) share: their
options, ``--since``/``--until`` bounds, and highlighted text (reverse video on a terminal, [[...]] when
piped)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.text import Text

from monitor.cli.common import parse_since
from monitor.cli.errors import Failure
from monitor.cli.output import output

SinceOpt = Annotated[
    str | None, typer.Option("--since", help="From: a duration back from now (7d) or a date.")
]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Up to (not including): a duration or a date.")]
SourcesOpt = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
]
TopicOpt = Annotated[str | None, typer.Option("--topic", "-t", help="Only items that matched this topic.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many rows.")]

HIGHLIGHT = "bold reverse"


def _when(value: str | None, option: str, now: datetime) -> datetime | None:
    return parse_since(value, option, now=now) if value else None


def check_filters(
    engine: Any,
    *,
    sources: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    configured: Collection[str] = (),
) -> None:
    """Refuse a --source or --topic the archive does not hold (a typo would silently select nothing).
    ``configured``: source ids of the config in use, known even before their first poll."""
    from monitor.store.browse import present_ids, stored_ids

    for kind, wanted in (("source", sources or ()), ("topic", topics or ())):
        asked = [w for w in wanted if not (kind == "source" and w in configured)]
        have = present_ids(engine, kind, asked)
        missing = [w for w in asked if w not in have]
        if missing:
            known = sorted(stored_ids(engine, kind) | (set(configured) if kind == "source" else set()))
            what = "sources" if kind == "source" else "topics with a stored mention"
            raise Failure(
                f"--{kind}",
                f"no {kind} {', '.join(missing)} in the database",
                f"{what}: {', '.join(known) or '(none yet)'}",
            )


def _marked(text: str, marks: Any) -> Text | str:
    """Highlighted spans: reverse video on a terminal, [[...]] when piped."""
    if not output.stdout_is_terminal:
        out, pos = [], 0
        for a, b in marks:
            out.append(text[pos:a] + "[[" + text[a:b] + "]]")
            pos = b
        return "".join(out) + text[pos:]
    t = Text(text)
    for a, b in marks:
        t.stylize(HIGHLIGHT, a, b)
    return t


def _emit(line: Text | str) -> None:
    if isinstance(line, Text):
        output.out.print(line)
    else:
        output.print(line)

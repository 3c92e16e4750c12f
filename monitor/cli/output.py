"""The CLI's one output layer: tables, plain text, JSON and progress, chosen by where output goes.

- **Tables** (:meth:`Output.table`): a rich table when stdout is a terminal; when piped, plain text with
  one row per line, columns padded with spaces and separated by two spaces, header first, nothing
  truncated or wrapped (so ``grep``/``awk``/``cut`` work).
- **JSON** (:meth:`Output.json`, for ``--json``): one JSON document on stdout. The stable shape of a
  listing is an array of objects, one per row, keys in snake_case, times as ISO 8601 in UTC
  (``2026-12-06T18:23:08Z``), durations in seconds, absent values as ``null``; a single thing (``show``)
  is one object. Keys are only ever added, never renamed or removed.
- **Messages** (:meth:`Output.note`) go to stderr so stdout stays data.
- **Progress** (:meth:`Output.progress`): a bar on stderr only when stderr is a terminal; otherwise
  nothing at all.
- ``NO_COLOR`` (any value) turns colour off; piped output never has colour or box drawing.

Consoles are built per call, so the runner of a test (which swaps ``sys.stdout``) sees everything.
"""

from __future__ import annotations

import json as _json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["Output", "output"]


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # the store's naive datetimes are UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


class Output:
    @property
    def stdout_is_terminal(self) -> bool:
        return _isatty(sys.stdout)

    @property
    def stderr_is_terminal(self) -> bool:
        return _isatty(sys.stderr)

    @property
    def out(self) -> Console:
        """stdout as a rich Console (soft-wrapped: messages are grepped and never broken mid-line)."""
        return Console(
            file=sys.stdout,
            highlight=False,
            soft_wrap=True,
            no_color="NO_COLOR" in os.environ or None,
            force_terminal=None,
        )

    @property
    def err(self) -> Console:
        return Console(
            file=sys.stderr, highlight=False, soft_wrap=True, no_color="NO_COLOR" in os.environ or None
        )

    def print(self, text: str = "") -> None:
        """One line (or block) of data on stdout, no markup."""
        sys.stdout.write(f"{text}\n")
        sys.stdout.flush()

    def note(self, text: str) -> None:
        """A message for the person (not data) on stderr."""
        sys.stderr.write(f"{text}\n")
        sys.stderr.flush()

    def json(self, data: Any) -> None:
        self.print(_json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        no_wrap: Sequence[str] = (),
        title: str | None = None,
    ) -> None:
        """Rows under column headers. ``no_wrap``: columns a rich table must never wrap or cut (ids users
        pass back to other commands)."""
        cells = [["" if c is None else str(c) for c in row] for row in rows]
        if self.stdout_is_terminal:
            table = Table(title=title)
            for i, name in enumerate(columns):
                keep = name in no_wrap  # never cut: as wide as its longest cell
                width = max([len(name), *(len(r[i]) for r in cells)]) if keep else None
                table.add_column(name, no_wrap=keep, min_width=width, overflow="fold")
            for row in cells:
                table.add_row(*row)
            self.out.print(table)
            return
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
        for row in [list(columns), *cells]:
            padded = [v.ljust(w) for v, w in zip(row[:-1], widths[:-1], strict=True)] + [row[-1]]
            self.print("  ".join(padded).rstrip())

    @contextmanager
    def progress(self, description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        """``with output.progress("polling", total=n) as advance: ... advance()`` — a bar on a terminal
        (stderr), nothing when stderr is piped. ``advance(n=1, description=None)``."""
        if not self.stderr_is_terminal:

            def _noop(n: int = 1, description: str | None = None) -> None:
                return None

            yield _noop
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
        ) as bar:
            task = bar.add_task(description, total=total)

            def _advance(n: int = 1, description: str | None = None) -> None:
                if description is not None:
                    bar.update(task, advance=n, description=description)
                else:
                    bar.advance(task, n)

            yield _advance


output = Output()

"""Command help as a terminal shows it: prose paragraphs flow to the terminal's width, examples stand one
per line.

Typer's rich help keeps the docstrings' own line breaks (in the command list and after the first
paragraph), so on an 80-column terminal a docstring wrapped at 110 columns came out ragged, and examples
run together in one line. :func:`reflow` joins each prose paragraph into one line (rich wraps it) and
lays out an ``Example:``/``Examples:`` paragraph one command per line; :func:`reflow_commands` applies it
to every command of the app once, before help is rendered.

Docstring convention (every command): prose paragraphs, then a last paragraph ``Examples:`` with one
command per line.
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["reflow", "reflow_commands"]

_EXAMPLES = ("Example:", "Examples:")


def reflow(text: str) -> str:
    """``text`` (a docstring) with each prose paragraph on one line and each example on its own line."""
    out: list[str] = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        if paragraph.startswith("\b"):  # click's "keep this paragraph as written"
            out.append(paragraph)
        elif lines[0] in _EXAMPLES:
            out.append("\n".join([lines[0], *("  " + line for line in lines[1:])]))
        else:
            out.append(" ".join(lines))
    return "\n\n".join(out)


def reflow_commands(command: Any, epilog: str | None = None) -> None:
    """Reflow the help of ``command`` (a click command or group) and of every command under it, once; a
    command without an epilog of its own gets ``epilog`` (the exit codes): every ``--help`` ends in them."""
    if getattr(command, "_pressmon_reflowed", False):
        return
    command._pressmon_reflowed = True
    if command.help:
        command.help = reflow(command.help)
    if epilog and not command.epilog:
        command.epilog = epilog
    for sub in (getattr(command, "commands", None) or {}).values():
        reflow_commands(sub, epilog)

"""``pressmon init [DIR]``: a commented starter feeds.yaml (the shipped one: real sources, the default
topics and routes), valid as written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.errors import Failure
from monitor.cli.output import output

__all__ = ["register"]


def init(
    directory: Annotated[
        Path, typer.Argument(help="Where to write feeds.yaml (created if needed).")
    ] = Path(),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing feeds.yaml.")] = False,
) -> None:
    """Write a commented starter feeds.yaml into DIR (default: here), valid by `pressmon config check`.

    Examples:
    pressmon init ~/pressmon && cd ~/pressmon && pressmon config check && pressmon poll --once
    """
    from monitor.resources import bundled_path

    target = directory / "feeds.yaml"
    if target.exists() and not force:
        raise Failure(str(target), "already exists", "edit it, or pass --force to overwrite it")
    if directory.exists() and not directory.is_dir():
        raise Failure(str(directory), "is not a directory", "give a directory")
    directory.mkdir(parents=True, exist_ok=True)
    shipped = bundled_path("feeds.yaml").read_text(encoding="utf-8")
    header = (
        f"# Written by `pressmon init` on {datetime.now(UTC):%Y-%m-%d}. Edit it, then check it with\n"
        "#   pressmon config check feeds.yaml\n"
        "# Secrets never go in this file: receivers name environment variables (token_env: ...).\n\n"
    )
    target.write_text(header + shipped, encoding="utf-8")
    output.print(f"wrote {target}")
    output.note(
        f"next: pressmon config check {target}; pressmon poll --once -c {target}; "
        f"pressmon run -c {target} (or try `pressmon demo` first)"
    )


def register(root: typer.Typer) -> None:
    root.command()(init)

"""``pressmon config check``: validate feeds.yaml and summarise it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import ConfigOpt, config_path
from monitor.cli.errors import ExitCode, Failure
from monitor.cli.output import output
from monitor.errors import ConfigError

__all__ = ["register"]

group = typer.Typer(help="Check feeds.yaml.", no_args_is_help=True)


@group.command("check")
def config_check(
    file: Annotated[Path | None, typer.Argument(help="feeds.yaml to check.")] = None,
    config_file: ConfigOpt = None,
) -> None:
    """Validate feeds.yaml and print a summary; print every problem and exit 1 on any error.

    Also refused here: source addresses a poll would refuse (loopback/private without
    PRESSMON_ALLOW_PRIVATE_NETWORKS, link-local/metadata always), custom templates that do not compile or
    use an undefined variable (file:line). Unset *_env secrets are warnings (run refuses them).

    Examples:
    pressmon config check feeds.yaml
    pressmon config check -c feeds.yaml
    """
    from monitor.config.loader import describe, load_config

    if file is not None and config_file is not None and file != config_file:
        raise Failure("config check", f"two files given ({file} and -c {config_file})", "give one")
    path = config_path(file or config_file)
    # Problems with the file itself are one line (exit 3); problems in it are listed (exit 1).
    if not path.exists():
        raise ConfigError([f"{path}: file not found"])
    if path.is_dir():
        raise ConfigError([f"{path}: is a directory, not a file"])
    raw = path.read_bytes()
    try:
        if b"\x00" in raw:
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"), raw.index(b"\x00") + 1, "NUL byte")
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError([f"{path}: not UTF-8 text (bad byte at offset {e.start})"]) from None
    try:
        config = load_config(path)
    except ConfigError as e:
        for line in e.problems:
            output.note(line)
        if any(p.endswith("file not found") for p in e.problems):
            output.note(
                "create a starter file with `pressmon init`, or pass the path: pressmon config check FILE"
            )
        raise typer.Exit(ExitCode.FAILED) from None
    from monitor.cli.common import settings
    from monitor.config.preflight import address_problems, unset_secrets
    from monitor.templates import check_directory

    # What poll and run would refuse, found now: addresses the fetch policy refuses, custom templates
    # that do not compile or use undefined variables (rendered against a sample of every alert kind).
    problems = address_problems(config, allow_private=settings().allow_private_networks)
    if config.templates is not None:
        problems += [f"templates: {p}" for p in check_directory(config.templates)]
    for line in describe(config):
        output.print(line)
    for warning in unset_secrets(config):
        output.note(f"{path}: warning: {warning}")
    if problems:
        for line in problems:
            output.note(f"{path}: {line}")
        raise typer.Exit(ExitCode.FAILED)


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="config")

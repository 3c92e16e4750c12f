"""The ``pressmon`` command line: one Typer app, one module per command group, sharing one output layer
(:mod:`monitor.cli.output`) and one error boundary (:mod:`monitor.cli.errors`).

Adding commands (e.g. a ``history.py`` with ``replay`` and ``search``):

1. Write ``monitor/cli/history.py`` with a ``register(root: typer.Typer) -> None`` that adds its
   commands: ``root.command()(replay)`` for top-level commands, or a group of its own::

       group = typer.Typer(help="...", no_args_is_help=True)
       root.add_typer(group, name="history")

2. Add the module to ``_MODULES`` below.
3. In commands: print data with ``output.table(...)``/``output.json(...)``/``output.print(...)``, messages
   with ``output.note(...)``, progress with ``with output.progress(...)``; take ``--json`` as
   ``JsonOpt`` and ``-c`` as ``ConfigOpt`` from :mod:`monitor.cli.common`; parse durations and dates with
   ``parse_duration_opt``/``parse_since``; open the database with ``with database() as engine``
   (read-only: creates nothing) or ``database(create=True)``; read files named on the command line with
   ``read_text``.
4. Never print an error and exit yourself: raise ``Failure(what, why, hint, code=ExitCode.X)`` or let
   ``ConfigError``/``StoreError``/database/template/file errors through. The boundary
   (``PressmonGroup.main``) prints one line and exits with the documented code. To end with a
   non-zero code without an error (a check that found problems), ``raise typer.Exit(ExitCode.FAILED)``.
5. Give every command a docstring ending in an ``Examples:`` paragraph, one command per line
   (:mod:`monitor.cli.helptext` lays help out for the terminal); tests go in tests/test_cli_*.py and
   the command goes into the table of tests/test_cli_errors.py.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from monitor.cli import (
    browse,
    config_cmds,
    daemon_cmds,
    db,
    digest,
    history,
    init_cmd,
    notify_cmds,
    outbox,
    silence,
    sources,
    template,
    topics,
)
from monitor.cli.errors import EXIT_CODES_HELP, ExitCode, report, state, usage
from monitor.cli.helptext import reflow_commands

__all__ = ["app", "main"]


class OutputClosed(Exception):
    """The reader of stdout went away before the command finished (``pressmon items | head``)."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that nothing else (the interpreter's last flush) hits the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor (a test runner's buffer): nothing to protect
        pass


def _stdout_file() -> tuple[int, int] | None:
    """(device, inode) of what stdout writes to, or None when it is no file (a test runner's buffer)."""
    try:
        st = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return (st.st_dev, st.st_ino)


def _closed_pipe_exit(before: tuple[int, int] | None) -> bool:
    """Whether a ``SystemExit(1)`` came from a closed pipe rather than a failure: Rich (help screens)
    points stdout at /dev/null when its write fails with EPIPE and exits 1; Click wraps stdout in its
    ``PacifyFlushWrapper`` before doing the same."""
    if type(sys.stdout).__name__ == "PacifyFlushWrapper":
        return True
    st = os.stat(os.devnull)
    devnull = (st.st_dev, st.st_ino)
    return before is not None and before != devnull and _stdout_file() == devnull


class PressmonGroup(TyperGroup):
    """The error boundary: every command runs inside :meth:`main`."""

    def invoke(self, ctx: Any) -> Any:
        # Click turns a closed pipe into a silent exit 1, which the exit codes reserve for "the answer
        # is no"; a reader that stops early (`| head`) is not a failure, so it ends the command with 0.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise OutputClosed from None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        state.verbose = False
        reflow_commands(self, EXIT_CODES_HELP)
        stdout_before = _stdout_file()
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or "pressmon",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
            sys.stdout.flush()
        except (OutputClosed, BrokenPipeError):
            _silence_stdout()
            code = ExitCode.OK
        except SystemExit as e:
            if e.code != 1 or not _closed_pipe_exit(stdout_before):
                raise
            code = ExitCode.OK
        except typer.TyperException as e:
            ctx = getattr(e, "ctx", None)
            if type(e).__name__ == "NoArgsIsHelpError" and ctx is not None:  # `pressmon`, `pressmon db`
                print(ctx.get_help())
                code = ExitCode.OK
            else:
                code = usage(e)
        except typer.Abort:
            print("pressmon: interrupted", file=sys.stderr)
            code = ExitCode.INTERRUPTED
        except Exception as e:
            code = report(e, self._command_words(args))
        if standalone_mode:
            sys.exit(code)
        return code

    def _command_words(self, args: Sequence[str] | None) -> str:
        """The subcommand named by ``args`` (``silence add``), for the error line."""
        words: list[str] = []
        node: Any = self
        for arg in list(sys.argv[1:] if args is None else args):
            commands = getattr(node, "commands", None)
            if commands is None:
                break
            if arg.startswith("-"):
                continue
            if arg not in commands:
                break
            words.append(arg)
            node = commands[arg]
        return " ".join(words)


app = typer.Typer(
    cls=PressmonGroup,
    name="pressmon",
    help="Watch government and news sources for statements on Japan-US investment, tariffs, Foreign "
    "Military Sales, Japan's defense spending and US LNG for Japan; alert, digest and replay them.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        try:
            v = version("pressmon")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
            v = "unknown"
        print(f"pressmon {v}")
        raise typer.Exit(0)


@app.callback()
def _root(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Debug logging, and the traceback with any error."),
    ] = False,
    _version_: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    state.verbose = verbose


_MODULES = (
    daemon_cmds,
    init_cmd,
    sources,
    config_cmds,
    db,
    outbox,
    silence,
    digest,
    template,
    topics,
    notify_cmds,
    history,
    browse,
)
for _module in _MODULES:
    _module.register(app)


def main() -> None:
    from monitor.malloc import limit_arenas

    limit_arenas()  # before any thread: see monitor.malloc
    app()

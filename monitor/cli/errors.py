"""The CLI's one error boundary: every failure becomes one line and a documented exit code.

Expected failures print ``pressmon: <what failed>: <why>; <what to do>`` on stderr and exit with a code
from :class:`ExitCode`. ``-v/--verbose`` (before the command: ``pressmon -v sources``) prints the traceback
as well. Anything unexpected prints one line ending "this is a bug" and exits 70.

Commands raise; they do not print errors themselves. Raise :class:`Failure` for a mistake the CLI finds
(an unknown id, a bad option value), or let the library's own errors through: ``ConfigError``,
``StoreError``, SQLAlchemy/psycopg connection and URL errors, Jinja template errors, ``OSError`` on a
file, ``FetchError``/``DeliveryError`` are all classified here.
"""

from __future__ import annotations

import os
import sys
import traceback
from enum import IntEnum

import jinja2
import typer
from pydantic import ValidationError

from monitor.errors import (
    ConfigError,
    DeliveryError,
    FetchError,
    ParseError,
    PressmonError,
    StoreError,
)

__all__ = ["EXIT_CODES_HELP", "ExitCode", "Failure", "explain", "report", "state"]


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the command ran and its answer is "no": a check failed, a source failed, unhealthy
    USAGE = 2  # a bad option or argument: unknown id or name, bad duration/date, unreadable file
    CONFIG = 3  # feeds.yaml, templates: directory, settings (PRESSMON_*) or a secret is wrong or missing
    DATABASE = 4  # PRESSMON_DATABASE_URL is invalid, unreachable, missing, or its schema is not current
    NETWORK = 5  # a source or receiver failed: fetch, parse or delivery
    TEMPLATE = 6  # a template is missing, does not compile, or uses an undefined variable
    INTERNAL = 70  # a bug in pressmon (EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODES_HELP = (
    "Exit codes: 0 ok (also when the reader stops early, as `| head` does); 1 a check or a source "
    "failed; 2 usage (bad option, id, duration, date, file); "
    "3 config (feeds.yaml, templates, settings, secrets); 4 database; 5 network (a source or receiver "
    "failed); 6 template; 70 internal error (a bug); 130 interrupted. "
    "Errors print one line: pressmon: <what failed>: <why>; <what to do>. -v shows the traceback."
)


class _State:
    verbose = False


state = _State()


class Failure(PressmonError):
    """A failure the CLI itself detects. ``what``: the command or option; ``why``; ``hint``: what to do."""

    def __init__(self, what: str, why: str, hint: str = "", *, code: ExitCode = ExitCode.USAGE) -> None:
        self.what, self.why, self.hint, self.code = what, why, hint, code
        super().__init__(f"{what}: {why}")


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())


def _template_line(exc: BaseException) -> str:
    """file:line of the innermost template frame in the traceback (Jinja compiles templates to Python
    whose frames carry the template's file name and line)."""
    found = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        name = frame.f_code.co_filename
        if name.endswith(".j2") or "/alerts/" in name or name.endswith((".html", ".txt")):
            found = f"{name}:{lineno}"
    return found


def _database(exc: BaseException) -> tuple[str, str] | None:
    """(why, hint) for a database error from SQLAlchemy or the driver, else None."""
    import sqlalchemy.exc as sa_exc

    hint = "check PRESSMON_DATABASE_URL and that the database server is running"
    if isinstance(exc, sa_exc.DataError | sa_exc.IntegrityError):
        return None  # the database refused what pressmon wrote: a bug, not the user's setup
    if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
        return (
            _one_line(str(exc)),
            "set PRESSMON_DATABASE_URL to sqlite:///path/to/pressmon.db or "
            "postgresql+psycopg://user@host/dbname",
        )
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        orig = getattr(exc, "orig", None) or exc
        return _one_line(str(orig).split("\n")[0]), hint
    if isinstance(exc, sa_exc.ProgrammingError | sa_exc.InternalError):
        orig = getattr(exc, "orig", None) or exc
        return (
            _one_line(str(orig).split("\n")[0]),
            "is the schema current? run `pressmon db upgrade`",
        )
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return _one_line(str(exc).split("\n")[0]), hint
    mod = type(exc).__module__
    if mod.startswith(("psycopg", "sqlite3")):
        return _one_line(str(exc).split("\n")[0]), hint
    return None


def explain(exc: BaseException) -> tuple[str, ExitCode]:
    """The one line (without the ``pressmon: `` prefix) and the exit code for an exception."""
    if isinstance(exc, Failure):
        return _one_line(f"{exc.what}: {exc.why}" + (f"; {exc.hint}" if exc.hint else "")), exc.code
    if isinstance(exc, ConfigError):
        problems = exc.problems or ["invalid configuration"]
        first = _one_line(problems[0])
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        if first.endswith("file not found"):
            hint = "pass -c FILE, set PRESSMON_CONFIG_FILE, or create one with `pressmon init`"
        else:
            hint = "run `pressmon config check` to see every problem"
        return f"config: {first}{more}; {hint}", ExitCode.CONFIG
    if isinstance(exc, StoreError):
        line = _one_line(str(exc))
        if "cannot open" in line and ";" not in line:
            line += "; check PRESSMON_DATABASE_URL and that the database server is running"
        return line, ExitCode.DATABASE
    if isinstance(exc, FetchError | ParseError | DeliveryError):
        return _one_line(str(exc)), ExitCode.NETWORK
    if isinstance(exc, PressmonError):
        return _one_line(str(exc)), ExitCode.FAILED
    db = _database(exc)
    if db is not None:
        why, hint = db
        return f"database: {why}; {hint}", ExitCode.DATABASE
    if type(exc).__name__ == "SlackTemplateError":  # wraps the Jinja error, or says what the JSON lacks
        if isinstance(exc.__cause__, jinja2.TemplateError):
            return explain(exc.__cause__)
        return f"template: {_one_line(str(exc))}; fix the template", ExitCode.TEMPLATE
    if isinstance(exc, jinja2.TemplateNotFound):
        names = ", ".join(getattr(exc, "templates", None) or [exc.name or "?"])
        return (
            f"template: {names}: not found; see `pressmon template list`, or check the templates: directory",
            ExitCode.TEMPLATE,
        )
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename or exc.name or 'template'}:{exc.lineno}"
        return f"template: {where}: {_one_line(exc.message or str(exc))}; fix the template", ExitCode.TEMPLATE
    if isinstance(exc, jinja2.TemplateError):
        where = _template_line(exc) or "template"
        return (
            f"template: {where}: {_one_line(str(exc))}; the variables a template can use are listed in "
            "README (Alert templates)",
            ExitCode.TEMPLATE,
        )
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        loc = ".".join(str(p) for p in errors[0]["loc"]) if errors else ""
        msg = errors[0]["msg"] if errors else str(exc)
        name = f"PRESSMON_{loc.upper()}" if exc.title == "Settings" else loc or exc.title
        return f"settings: {name}: {_one_line(msg)}; fix the environment variable", ExitCode.CONFIG
    if isinstance(exc, UnicodeDecodeError):
        return f"input: not UTF-8 text (bad byte at offset {exc.start}); give a text file", ExitCode.USAGE
    if isinstance(exc, OSError):
        name = exc.filename if exc.filename is not None else ""
        why = exc.strerror or _one_line(str(exc))
        return (f"{name}: {why}" if name else f"file: {why}") + "; check the path", ExitCode.USAGE
    return (
        f"internal error: {type(exc).__name__}: {_one_line(str(exc))}; "
        "run with -v for the traceback; this is a bug",
        ExitCode.INTERNAL,
    )


def report(exc: BaseException, command: str = "") -> int:
    """Print ``exc`` as one line on stderr (and the traceback under -v); return the exit code.
    ``command``: the subcommand that failed (``silence add``), put first unless the line names it."""
    line, code = explain(exc)
    if command and not line.startswith(f"{command}:"):
        line = f"{command}: {line}"
    if state.verbose or os.environ.get("PRESSMON_TRACEBACK"):
        traceback.print_exception(exc, file=sys.stderr)
    print(f"pressmon: {line}", file=sys.stderr, flush=True)
    return int(code)


def usage(exc: typer.TyperException) -> int:
    """A command-line parsing error as one line."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "pressmon"
    cmd = path.removeprefix("pressmon").strip()
    what = f"{cmd}: " if cmd else ""
    msg = _one_line(exc.format_message()).rstrip(".")
    print(f"pressmon: {what}{msg}; see `{path} --help`", file=sys.stderr, flush=True)
    return int(exc.exit_code) if exc.exit_code not in (0, 1) else int(ExitCode.USAGE)

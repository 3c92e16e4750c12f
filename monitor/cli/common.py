"""Shared options and helpers for command modules: config loading, database access, durations, dates,
files. Each raises (``Failure``, ``ConfigError``, ``StoreError``) and leaves printing to the boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from monitor.cli.errors import ExitCode, Failure
from monitor.config.schema import Config
from monitor.settings import Settings

__all__ = [
    "ConfigOpt",
    "JsonOpt",
    "config_path",
    "database",
    "load",
    "parse_duration_opt",
    "parse_since",
    "read_bytes",
    "read_text",
    "settings",
    "setup_logging",
]

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="feeds.yaml to use (default: PRESSMON_CONFIG_FILE or ./feeds.yaml)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (an array of objects; see README).")]


def settings() -> Settings:
    return Settings()


def config_path(path: Path | None) -> Path:
    return path or settings().config_file


def load(path: Path | None) -> Config:
    """The validated config at ``path`` (or the default); ``ConfigError`` otherwise."""
    from monitor.config.loader import load_config

    return load_config(config_path(path))


def parse_duration_opt(value: str, option: str) -> timedelta:
    """A duration option (``--for 2h``); a one-line usage error otherwise."""
    from monitor.config.fields import parse_duration

    try:
        return parse_duration(value)
    except ValueError as e:
        raise Failure(option, str(e), "durations look like 30m, 2h, 7d or 1h30m") from None


# --since as a duration: an archive may hold years (a config interval is at most 365 days)
LOOKBACK = timedelta(days=36500)


def parse_since(value: str, option: str = "--since", *, now: datetime | None = None) -> datetime:
    """``--since``/``--until``: a duration back from now (``7d``) or a date/time (``2026-11-01``,
    ``2026-11-01T09:00``, UTC unless an offset is given)."""
    now = now or datetime.now(UTC)
    text = value.strip()
    if text and text[0].isdigit() and ("-" in text[1:] or "T" in text):
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise Failure(
                option,
                f'"{value}" is not a date',
                "use a duration (7d, 24h) or a date like 2026-11-01 or 2026-11-01T09:00",
            ) from None
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    from monitor.config.fields import parse_duration

    try:
        return now - parse_duration(text, longest=LOOKBACK)
    except ValueError as e:
        if "longer than" in str(e):
            raise Failure(option, str(e), "give a date like 2000-01-01 to go further back") from None
        raise Failure(
            option,
            f'"{value}" is neither a duration nor a date',
            "use a duration (30m, 24h, 7d) or a date like 2026-11-01",
        ) from None


def period(since: str | None, until: str | None, *, now: datetime) -> tuple[datetime | None, datetime | None]:
    """``--since`` and ``--until`` parsed, and an --until that is not after --since refused (it would
    silently select nothing: ``--since 1d --until 2d`` means from yesterday up to the day before)."""
    start = parse_since(since, now=now) if since else None
    end = parse_since(until, "--until", now=now) if until else None
    if start is not None and end is not None and end <= start:
        raise Failure(
            "--until",
            f"{until} ({end:%Y-%m-%d %H:%M} UTC) is not after --since {since} ({start:%Y-%m-%d %H:%M} UTC)",
            "give an --until later than --since (a duration counts back from now), or leave it out",
        )
    return start, end


def read_text(path: Path, option: str) -> str:
    """A UTF-8 text file named on the command line, or a one-line usage error naming it."""
    raw = read_bytes(path, option)
    if b"\x00" in raw[:8192]:
        raise Failure(option, f"{path}: is a binary file, not text", "give a UTF-8 text file") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Failure(
            option, f"{path}: not UTF-8 text (bad byte at offset {e.start})", "give a UTF-8 text file"
        ) from None


def no_database_yet() -> bool:
    """PRESSMON_DATABASE_URL names a SQLite file that does not exist: listings that also read the config
    (sources, topics list) show it alone instead of failing, and create nothing."""
    from monitor.store.engine import check_url, sqlite_path

    url = settings().database_url
    check_url(url)  # a URL that is not one: the same line as every other command
    path = sqlite_path(url)
    return path is not None and not path.exists()


@contextmanager
def database(*, create: bool = False) -> Iterator[sa.Engine]:
    """An engine on PRESSMON_DATABASE_URL, disposed after. ``create``: apply migrations first (and make
    the SQLite file if there is none); otherwise a missing SQLite file is an error and nothing is
    created, and a schema behind the code is an error naming `pressmon db upgrade`."""
    from monitor.store.engine import check_url, make_engine, sqlite_path
    from monitor.store.migrate import current_revision, head_revision, upgrade

    url = settings().database_url
    check_url(url)
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise Failure(
            "database",
            f"{path}: no database here yet",
            "run `pressmon db upgrade` (or start `pressmon run`), or set PRESSMON_DATABASE_URL",
            code=ExitCode.DATABASE,
        )
    engine = make_engine(url)
    try:
        if create:
            upgrade(engine)
        elif current_revision(engine) != head_revision(url):
            raise Failure(
                "database",
                f"schema at {current_revision(engine)}, this pressmon needs {head_revision(url)}",
                "run `pressmon db upgrade`",
                code=ExitCode.DATABASE,
            )
        yield engine
    finally:
        engine.dispose()


def setup_logging(verbose: bool, log_format: str = "text") -> None:
    """Log lines on stderr for the long-running commands (run, poll, demo); DEBUG under -v; one JSON
    object per line with ``log_format="json"`` (``monitor.logjson``)."""
    import logging
    import sys

    from monitor.cli.errors import state

    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        from monitor.logjson import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s"))
    logging.basicConfig(
        level=logging.DEBUG if (verbose or state.verbose) else logging.INFO, handlers=[handler]
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def read_bytes(path: Path, option: str) -> bytes:
    """A file named on the command line, as bytes, or a one-line usage error naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise Failure(option, f"{path}: no such file", "check the path") from None
    except IsADirectoryError:
        raise Failure(option, f"{path}: is a directory, not a file", "give a file") from None
    except OSError as e:
        raise Failure(option, f"{path}: cannot read: {e.strerror or e}", "check the path") from None

"""Small value readers shared by the digest modules: times (aware, parsed, labelled in a zone), strings,
and links (http(s) only, with the real host shown)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.text import strip_controls


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, str) and value:
        try:
            return _aware(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _label(dt: datetime | None, zone: ZoneInfo) -> str | None:
    if dt is None:
        return None
    local = dt.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _display_host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host.encode("ascii", "backslashreplace").decode("ascii")


def _safe_url(value: Any) -> tuple[str | None, str | None]:
    """(url, host) for http(s) links; (None, None) for anything else (javascript:, data:, relative)."""
    url = strip_controls(_str(value)).strip()
    if not url or any(ch.isspace() for ch in url):
        return None, None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None, None
    if scheme not in ("http", "https"):
        return None, None
    host = _display_host(url)
    return (url, host) if host else (None, None)

"""What a server says about when to come back (pure): ``Retry-After`` and cache freshness headers.

Used by :mod:`monitor.fetch` (a 429/503's Retry-After, a feed's Cache-Control/Expires) and the schedule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["cache_hint_s", "parse_retry_after"]

_MAX_CACHE_HINT_S = 24 * 3600.0


def parse_retry_after(value: str | None, *, now: datetime, max_s: float = 6 * 3600) -> float | None:
    """Retry-After as seconds from ``now``: delay-seconds or an HTTP-date, clamped to [0, max_s].

    Anything unparseable (including negative numbers) is None.
    """
    if value is None or not (text := value.strip()):
        return None
    if text.replace(".", "", 1).isdigit() and text.isascii():
        seconds = float(text)
    else:
        when = _http_date(text)
        if when is None:
            return None
        seconds = (when - _aware(now)).total_seconds()
    return min(max(seconds, 0.0), max_s)


def cache_hint_s(headers: Mapping[str, str], *, now: datetime) -> float | None:
    """Freshness the server declares, in seconds clamped to [0, 24h]; None when it declares none.

    ``Cache-Control: max-age`` wins over ``Expires`` (RFC 9111). Expires is measured from the response's
    Date when present (immune to clock skew), else from ``now``; an invalid Expires means already stale.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    for directive in lower.get("cache-control", "").split(","):
        name, _, arg = directive.partition("=")
        if name.strip().lower() == "max-age":
            arg = arg.strip().strip('"')
            return _clamp_hint(float(arg) if arg.isascii() and arg.isdigit() else 0.0)
    if (expires := lower.get("expires")) is None:
        return None
    when = _http_date(expires)
    if when is None:
        return 0.0
    date = _http_date(lower.get("date", "")) or _aware(now)
    return _clamp_hint((when - date).total_seconds())


def _http_date(text: str) -> datetime | None:
    try:
        return _aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _clamp_hint(seconds: float) -> float:
    return min(max(seconds, 0.0), _MAX_CACHE_HINT_S)

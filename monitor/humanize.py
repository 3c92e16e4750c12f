"""Values formatted for people, for alert templates and CLI messages. Pure.

- ``when(iso, tz="UTC")``: ``2026-11-24T21:55:00.123+00:00`` -> ``2026-11-24 21:55 UTC`` (or
  ``2026-11-25 06:55 JST`` in ``Asia/Tokyo``): minutes, no microseconds, the zone named.
- ``usd(amount)``: ``1000000000`` -> ``$1 billion``; ``1250000000`` -> ``$1.25 billion``;
  ``8500000`` -> ``$8.5 million``; ``12345`` -> ``$12,345``.
- ``count(n, "alert")``: ``1 alert``, ``2 alerts``, ``0 alerts`` (``count(n, "story", "stories")``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["count", "usd", "when"]

_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))


def when(value: object, tz: str | None = "UTC") -> str:
    """An ISO 8601 time (naive means UTC) as ``YYYY-MM-DD HH:MM ZONE`` in ``tz``; other values as given."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(tz) if tz and tz != "UTC" else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = dt.astimezone(zone)
    name = local.tzname() or str(tz)
    if name.startswith(("+", "-")):  # zones without an abbreviation: name the zone instead
        name = str(tz)
    return f"{local:%Y-%m-%d %H:%M} {name}"


def _trim(d: Decimal) -> str:
    text = f"{d.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text or "0"


def usd(amount: object) -> str:
    """A dollar amount for people: ``$1 billion``, ``$1.25 billion``, ``$8.5 million``, ``$12,345``."""
    try:
        d = Decimal(str(amount).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        return str(amount)
    if not d.is_finite():
        return str(amount)
    sign = "-" if d < 0 else ""
    d = abs(d)
    for size, word in _SCALES:
        if d >= size:
            return f"{sign}${_trim(d / size)} {word}"
    return f"{sign}${d.quantize(Decimal('1')):,f}" if d == d.to_integral_value() else f"{sign}${d:,.2f}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 alert``, ``2 alerts``; give ``plural`` when adding "s" is wrong (``story``/``stories``)."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"

"""Dates as listings and APIs print them -> aware UTC datetimes. Pure: ``now`` is passed in.

``parse_date(text, now=..., tz=...)`` reads, after NFKC (full-width digits):

- ISO 8601: ``2025-04-14``, ``2025-04-14T09:00:00+09:00`` (converted to UTC);
- Japanese: ``2025年4月14日``, eras ``令和7年4月14日`` (2025), ``令和元年5月1日`` (2019), ``平成31年4月30日``,
  ``昭和64年1月7日``; and without a year, ``4月14日``;
- numeric: ``2025/04/14``, ``2025.4.14``, ``04/14/2025`` (US order when the year comes last);
- English: ``April 14, 2025``, ``Apr. 14, 2025``, ``14 April 2025``, ``Monday, April 14, 2025``, and
  without a year, ``April 14`` / ``14 April``.

A date without a time is midnight UTC of that day (as the feed adapter does). A date without a year
takes the year that puts it on or before today in ``tz`` (the source's time zone): a listing read on
3 January that says "December 28" means last December, never a date in the future. Impossible dates
(30 February, year 9999 with a -23:59 offset that overflows) are None, never an exception.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, tzinfo

__all__ = ["ERAS", "parse_date"]

ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911}
_MONTH_NAMES = (
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec"),
)  # fmt: skip
_MONTHS = {m: i + 1 for i, names in enumerate(_MONTH_NAMES) for m in names}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_JA = re.compile(r"(?:(令和|平成|昭和|大正)\s*(\d{1,2}|元)|(\d{4}))\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_JA_NO_YEAR = re.compile(r"(?<![年\d])(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YMD = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")
_MDY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_EN_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE)
_EN_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.IGNORECASE)
_MIN_YEAR = 1900


def _day(year: int | None, month: int, day: int, now: datetime | None, tz: tzinfo) -> datetime | None:
    if year is None:
        if now is None:
            return None
        today = now.astimezone(tz).date()
        year = today.year
        try:
            if date(year, month, day) > today:
                year -= 1
        except ValueError:
            if (month, day) != (2, 29):
                return None
            year -= 1  # 29 February of a year that has none: the latest one before today
            while True:
                try:
                    date(year, 2, 29)
                    break
                except ValueError:
                    year -= 1
    if year < _MIN_YEAR:
        return None
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _iso(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_date(text: str | None, *, now: datetime | None = None, tz: tzinfo = UTC) -> datetime | None:
    """The first date ``text`` holds (see the module docstring), or None."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text)[:500]
    if m := _ISO.search(s):
        return _iso(m.group(0))
    if m := _JA.search(s):
        era, era_year, western, month, day = m.groups()
        year = int(western) if western else ERAS[era] + (1 if era_year == "元" else int(era_year))
        return _day(year, int(month), int(day), now, tz)
    if m := _JA_NO_YEAR.search(s):
        return _day(None, int(m.group(1)), int(m.group(2)), now, tz)
    if m := _YMD.search(s):
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)), now, tz)
    if m := _MDY.search(s):
        return _day(int(m.group(3)), int(m.group(1)), int(m.group(2)), now, tz)
    if m := _EN_MDY.search(s):
        given = int(m.group(3)) if m.group(3) else None
        return _day(given, _MONTHS[m.group(1).lower()], int(m.group(2)), now, tz)
    if m := _EN_DMY.search(s):
        given = int(m.group(3)) if m.group(3) else None
        return _day(given, _MONTHS[m.group(2).lower()], int(m.group(1)), now, tz)
    return None

"""Dates and months an item writes without their year (``story_signature``'s ``date:`` and ``month:``
parts), dated by the item's publication: a Japanese report's 12月18日から and an English one's "from Dec.
18" are the same ``date:`` part as a notice's "effective December 18, 2026"; 来年1月から, 3月の電気料金 and
6月末まで are months. Pure."""

from __future__ import annotations

import datetime
import re

__all__ = ["yearless_dates"]

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
)  # fmt: skip
_MONTH_ALT = "|".join(
    sorted({m for name in _MONTH_NAMES for m in (name, name[:3])} | {"sept"}, key=len, reverse=True)
)
# An effective day without its year: "from Dec. 18", "effective December 20", "starting Jan. 1" (not
# followed by a year: those the facts extractor reads), 12月18日から (not after 年), 今月20日から,
# 18日から適用.
_EN_YEARLESS = re.compile(
    r"\b(?:effective|takes?\s+effect|from|starting|beginning|as\s+of|on\s+or\s+after)\s+"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    rf"({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?![\d:]|,?\s+\d{{4}})",
    re.IGNORECASE,
)
_JA_YEARLESS = re.compile(
    r"(?<![年\d])(?:(\d{1,2})月|(今月))(\d{1,2})日\s*(?:から|より|以降|に施行|に発効|に適用|に?発動)"
    r"|(?<![月年\d])(\d{1,2})日\s*(?:から|より)\s*(?:適用|施行|発効)"
)


# A month named by its year relative to the publication, without a day: 来年1月から (next January), 今年4月.
_JA_RELATIVE_MONTH = re.compile(r"(来年|今年|本年)\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")


# A month without its year or a day: 3月の電気料金, 6月末まで, 12月の輸出 (not 1～3月期, 27年3月, 3月18日).
_JA_BARE_MONTH = re.compile(r"(?<![年\d～~〜\-‐－/])(\d{1,2})\s*月(?!\s*\d|期|間)")


def _nearest_month(month: int, published: datetime.date) -> str:
    """``month:YYYY-MM`` of the month nearest ``published`` (3月 in January is this March; 12月 in January
    last December)."""
    years = (published.year - 1, published.year, published.year + 1)
    year = min(years, key=lambda y: abs((datetime.date(y, month, 15) - published).days))
    return f"month:{year}-{month:02d}"


def _year_of(month: int, day: int, published: datetime.date) -> str | None:
    """The ISO date of month/day nearest ``published`` (Dec. 18 published on Dec. 17 is this year's;
    Jan. 1 published in late December, next year's)."""
    best: datetime.date | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            d = datetime.date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((d - published).days) < abs((best - published).days):
            best = d
    return best.isoformat() if best else None


def yearless_dates(nfkc: str, published: datetime.date) -> set[str]:
    """Effective days written without a year, dated by the item's publication (the year, and for 今月
    or a bare 18日 the month): a Japanese report's 12月18日から and an English one's "from Dec. 18" are
    then the same ``date:`` part as a notice's "effective December 18, 2026". Also a month named by its
    year relative to the publication (来年1月から: ``month:``, as 27年1月 would be), and, when none is, a
    Japanese month written bare (3月の電気料金, 6月末まで, 12月の輸出): the nearest such month to the
    publication, as the release's 2027年3月分 or 令和9年6月末 reads."""
    out: set[str] = set()
    for m in _EN_YEARLESS.finditer(nfkc):
        month = _MONTH_NAMES.index(next(n for n in _MONTH_NAMES if n.startswith(m.group(1).lower()[:3]))) + 1
        iso = _year_of(month, int(m.group(2)), published)
        if iso:
            out.add(f"date:{iso}")
    for m in _JA_RELATIVE_MONTH.finditer(nfkc):
        month = int(m.group(2))
        if 1 <= month <= 12:
            out.add(f"month:{published.year + (m.group(1) == '来年')}-{month:02d}")
    if not any(p.startswith("month:") for p in out):
        for m in _JA_BARE_MONTH.finditer(nfkc):
            if 1 <= int(m.group(1)) <= 12:
                out.add(_nearest_month(int(m.group(1)), published))
    for m in _JA_YEARLESS.finditer(nfkc):
        if m.group(4):
            day, month = int(m.group(4)), published.month
        else:
            day, month = int(m.group(3)), int(m.group(1)) if m.group(1) else published.month
        if 1 <= month <= 12:
            iso = _year_of(month, day, published)
            if iso:
                out.add(f"date:{iso}")
    return out

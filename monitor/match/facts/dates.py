"""Effective dates: English and Japanese dates introduced as taking effect (pure; see
:mod:`monitor.match.facts`)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

from monitor.match.facts.model import EffectiveDate, Norm, normalise

__all__ = ["dates_in", "extract_dates"]

_MONTHS: Mapping[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_EN_DATE = (
    rf"(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<mon2>{_MONTH}),?\s+(?P<year2>\d{{4}})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))(?![\d-])"
)
_EN_TRIGGER = (
    r"\b(?:effective(?:\s+date)?|takes?\s+effect|took\s+effect|taking\s+effect|goes\s+into\s+effect"
    r"|go\s+into\s+effect|went\s+into\s+effect|on\s+or\s+after|beginning|starting|commencing)"
)
_EN_GAP = (
    r"(?:\s+(?:is|was|will\s+be))?[\s,:]+"
    r"(?:(?:on|from|as\s+of|at)\s+)?"
    r"(?:\d{1,2}:\d{2}\s*(?:[ap]\.?\s?m\.?)?(?:\s+[A-Za-z]+){0,3}?\s+on\s+)?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
)
_DATE_EN = re.compile(
    r"(?=[EeTtGgWwOoBbSsCc])" + _EN_TRIGGER + _EN_GAP + "(?P<date>" + _EN_DATE + ")", re.IGNORECASE
)

_JA_DATE = (
    r"(?:(?P<era>令和|平成|昭和)\s*(?P<eyear>元|\d{1,2})|(?P<year>\d{4}))\s*年\s*"
    r"(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
)
_JA_AFTER = (
    r"(?:\s*\([^)\n]{1,3}\))?(?:\s*(?:午前|午後)?\s*\d{1,2}時(?:\d{1,2}分)?)?\s*"
    r"(?:に|を)?\s*(?:から|より|以降|以後|施行|発効|適用|効力)"
)
_JA_BEFORE = r"(?:施行日|発効日|適用日|適用開始日|効力発生日)\s*(?:は|:)?\s*"
_DATE_JA_AFTER = re.compile("(?=[令平昭\\d])(?P<date>" + _JA_DATE + ")" + _JA_AFTER)
_DATE_JA_BEFORE = re.compile(_JA_BEFORE + "(?P<date>" + _JA_DATE + ")")
_ERA_BASE: Mapping[str, int] = {"令和": 2018, "平成": 1988, "昭和": 1925}


def _en_date(m: re.Match[str]) -> datetime.date | None:
    try:
        if m.group("iso"):
            return datetime.date.fromisoformat(m.group("iso"))
        mon = m.group("mon") or m.group("mon2")
        day = m.group("day") or m.group("day2")
        year = m.group("year") or m.group("year2")
        return datetime.date(int(year), _MONTHS[mon.lower()[:3]], int(day))
    except (ValueError, KeyError):
        return None


def _ja_date(m: re.Match[str]) -> datetime.date | None:
    if m.group("era"):
        eyear = m.group("eyear")
        year = _ERA_BASE[m.group("era")] + (1 if eyear == "元" else int(eyear))
    else:
        year = int(m.group("year"))
    try:
        return datetime.date(year, int(m.group("month")), int(m.group("day")))
    except ValueError:
        return None


def extract_dates(text: str) -> list[EffectiveDate]:
    """Dates introduced as taking effect, English and Japanese, in order of position."""
    return dates_in(normalise(text))


def dates_in(norm: Norm) -> list[EffectiveDate]:
    found: dict[tuple[int, int], EffectiveDate] = {}
    for m in _DATE_EN.finditer(norm.text):
        en = _en_date(m)
        if en is not None:
            start, end, raw = norm.slice(m.start("date"), m.end("date"))
            found.setdefault((start, end), EffectiveDate(en, start, end, raw))
    for rx in (_DATE_JA_AFTER, _DATE_JA_BEFORE):
        for m in rx.finditer(norm.text):
            ja = _ja_date(m)
            if ja is not None:
                start, end, raw = norm.slice(m.start("date"), m.end("date"))
                found.setdefault((start, end), EffectiveDate(ja, start, end, raw))
    return sorted(found.values(), key=lambda d: d.start)

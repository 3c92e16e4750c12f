"""Fact extractors: money, percentages, FMS notification fields, effective dates (pure: no I/O, no clock).

Every extractor takes the text as given and returns typed values whose ``start``/``end`` are offsets
into *that* text, so ``text[v.start:v.end] == v.text`` always holds. Matching runs on an NFKC-normalised
copy (full-width ``１兆ドル``, ``２５％``, ``＄３４０ million`` work) and spans are mapped back.

Money (:func:`extract_money`)
    A number with a currency marker, optionally scaled: ``$1 trillion``, ``US$550 billion``,
    ``$340,000,000``, ``$185M``, ``$1.2bn``, ``USD 5 billion``, ``¥1.5 trillion``, ``JPY 500 billion``,
    ``1.5 trillion yen``, and Japanese ``1兆ドル``, ``5500億ドル``, ``3,400億円``, ``1兆5000億円``,
    ``十億ドル`` (kanji numerals only together with 万/億/兆, so 関東一円 is not money). ``ドル`` alone
    is read as USD. A leading ``約``/``approximately`` is not part of the span. Without a currency marker a
    number is never money (``Section 232``, ``2026``, ``Transmittal No. 26-28`` are not). ``usd`` equals
    ``amount`` for USD and is ``None`` otherwise: there is no FX conversion.

Rates (:func:`extract_rates`)
    ``25%``, ``２５％``, ``15 percent``, ``15-percent``, ``15 per cent``, ``25パーセント``. ``context`` is
    ``"tariff"`` when a tariff word (tariff, duty, levy, 関税) lies within 6 words on either side in the
    same sentence (a CJK character counts as half a word), else ``None``. "2% of GDP" is a rate with no
    context.

FMS (:func:`extract_fms`)
    Fields from the standard DSCA press-release and Federal Register 36(b) wording. Returns ``None`` when
    the text has nothing FMS-like (no "Foreign Military Sale", "Prospective Purchaser", "Transmittal No.",
    "Arms Sales Notification", "Letter of Offer", "36(b)", DSCA, 対外有償軍事援助). An FMS-like text whose
    fields are absent (a correction notice that only reprints a page) yields an :class:`FMSNotice` with
    ``None`` fields. ``purchaser`` is normalised: "Government of Japan" -> "Japan" (see
    :func:`normalise_purchaser`). ``system`` is the first item of the "Major Defense Equipment (MDE):"
    list, else the item of "possible Foreign Military Sale to <purchaser> of <system>", else the first
    counted item of "has requested to buy", else the Policy Justification heading ("Japan--<system>").
    ``value_usd`` is the USD amount after a total-value cue ("TOTAL ....", "estimated total cost is",
    "for an estimated cost of"). ``quantities`` are the MDE (or "has requested to buy")
    items with a parenthesised count, written ``"<count> <item>"`` ("up to" is dropped: DSCA counts are
    maxima by convention). ``contractor`` is the company name(s) after "principal contractor(s) will be",
    ``"; "``-joined, without locations; ``None`` for "will be determined from approved vendors".
    ``start``/``end`` cover the first to the last FMS marker or field found. One notice per text: a text
    holding several yields the first purchaser, value and transmittal found.

Dates (:func:`extract_dates`)
    Only dates introduced as taking effect: English ``effective [on|as of] <date>``, ``takes effect``,
    ``on or after``, ``beginning``, ``starting``, ``commencing`` (a clock time such as
    ``12:01 a.m. eastern daylight time on`` may come between); Japanese dates followed by から, より, 以降,
    以後, 施行, 発効, 適用 or preceded by 施行日/発効日/適用日. Date forms: ``April 1, 2026``,
    ``Apr. 1, 2026``, ``1 April 2026``, ``2026-04-01``, ``2026年4月1日``, ``令和8年4月1日`` (令和/平成/昭和,
    元年 = 1). A date needs a day and a year; the span covers the date only, not the trigger.

:func:`extract_facts` runs the requested kinds over a title and a text and returns a JSON-serialisable
dict for storage with a mention. **Decimals are written as strings** (``"340000000"``, ``"2.5"``: exact,
no exponent), dates as ISO strings; every value carries ``start``, ``end``, ``text`` (money, rates,
dates) and ``field`` (``"title"`` or ``"text"``). List kinds (``money``, ``rates``, ``dates``) map to a
list (possibly empty), ``fms`` to a dict or ``None``. FMS is read from the text; when the text has none it
is read from the title. A DSCA headline ``"Japan – Class IX Spare Parts"`` fills a missing purchaser or
system of an FMS text. :data:`FIELD_TYPES` is the schema predicates validate against.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from monitor.humanize import usd

__all__ = [
    "FACT_KINDS",
    "FIELD_TYPES",
    "LIST_KINDS",
    "EffectiveDate",
    "FMSNotice",
    "FieldType",
    "Money",
    "Rate",
    "extract_dates",
    "extract_facts",
    "extract_fms",
    "extract_money",
    "extract_rates",
    "normalise_purchaser",
]

FieldType = Literal["number", "string", "date"]

FACT_KINDS: tuple[str, ...] = ("money", "rates", "fms", "dates")
LIST_KINDS: frozenset[str] = frozenset({"money", "rates", "dates"})
# What predicates may name, in the order messages list them.
FIELD_TYPES: Mapping[str, Mapping[str, FieldType]] = {
    "money": {"amount": "number", "currency": "string", "usd": "number", "text": "string"},
    "rates": {"percent": "number", "context": "string", "text": "string"},
    "fms": {
        "purchaser": "string",
        "system": "string",
        "value_usd": "number",
        "transmittal": "string",
        "contractor": "string",
    },
    "dates": {"date": "date", "text": "string"},
}


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str  # ISO 4217: "USD", "JPY", "EUR", ...
    usd: Decimal | None  # == amount when currency is USD, else None (no FX conversion)
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Rate:
    percent: Decimal
    start: int
    end: int
    text: str
    context: str | None = None  # "tariff" when a tariff/duty word is near, else None


@dataclass(frozen=True, slots=True)
class FMSNotice:
    purchaser: str | None
    system: str | None
    value_usd: Decimal | None
    transmittal: str | None
    contractor: str | None
    quantities: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    date: datetime.date
    start: int
    end: int
    text: str


# ---------------------------------------------------------------------------------------------------
# NFKC with an offset map back to the original text


@dataclass(frozen=True, slots=True)
class _Norm:
    original: str
    text: str  # NFKC form
    # Per normalised char: index of the original char it came from, and the end (exclusive) of that
    # original char/cluster. None when the text was already NFKC (offsets are the identity).
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def slice(self, start: int, end: int) -> tuple[int, int, str]:
        s, e = self.span(start, end)
        return s, e, self.original[s:e]


def _normalise(text: str) -> _Norm:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return _Norm(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1  # a base character with its combining marks normalises as one cluster
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return _Norm(text, "".join(out), tuple(starts), tuple(ends))


def _exact(d: Decimal) -> Decimal:
    """An exact value without trailing zeros or exponent noise (1.0 billion -> 1000000000)."""
    if d == d.to_integral_value():
        return Decimal(int(d))
    return d.normalize()


def _dec_str(d: Decimal) -> str:
    return format(_exact(d), "f")


# ---------------------------------------------------------------------------------------------------
# Money

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SCALES: Mapping[str, int] = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "m": 10**6,
    "mn": 10**6,
    "mln": 10**6,
    "billion": 10**9,
    "b": 10**9,
    "bn": 10**9,
    "bln": 10**9,
    "trillion": 10**12,
    "t": 10**12,
    "tn": 10**12,
    "trn": 10**12,
}
_PREFIX_CURRENCY: Mapping[str, str] = {
    "$": "USD",
    "us$": "USD",
    "u.s.$": "USD",
    "usd": "USD",
    "¥": "JPY",
    "jpy": "JPY",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "cny": "CNY",
    "krw": "KRW",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "hk$": "HKD",
    "nz$": "NZD",
    "s$": "SGD",
}
_SUFFIX_CURRENCY: Mapping[str, str] = {
    "dollar": "USD",
    "dollars": "USD",
    "yen": "JPY",
    "euro": "EUR",
    "euros": "EUR",
    "usd": "USD",
    "jpy": "JPY",
    "eur": "EUR",
}
_MONEY_EN = re.compile(
    rf"""
    (?<![A-Za-z0-9$.])
    (?=[$¥€£\dUACHNSJEGK])  # cheap first-character filter; currency codes are upper-case
    (?:
        (?P<pre>U\.?S\.?\s?\$|AU\$|CA\$|HK\$|NZ\$|[ACS]\$|\$|¥|€|£
            |(?:USD|JPY|EUR|GBP|CNY|KRW|AUD|CAD)(?=\s?\d))
        \s?(?P<num>{_NUM})
        (?:[\s-]?(?P<abbr>(?i:trn|tn|bln|bn|mln|mn))\b|(?P<letter>[tbmkTBMK])\b
            |[\s-]+(?P<word>(?i:trillion|billion|million|thousand))\b)?
    |
        (?P<num2>{_NUM})(?:[\s-]+(?P<word2>(?i:trillion|billion|million|thousand)))?
        \s+(?:U\.?S\.?\s+)?(?P<suf>(?i:dollars?|yen|euros?)|USD|JPY|EUR)\b
    )
    """,
    re.VERBOSE,
)

_KANJI_DIGITS: Mapping[str, int] = {
    "〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_SMALL_UNITS: Mapping[str, int] = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS: Mapping[str, int] = {"万": 10**4, "億": 10**8, "兆": 10**12}
_JNUM = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?[千百十]?|[〇零一二三四五六七八九十百千]+)"
_MONEY_JA = re.compile(
    rf"(?<![0-9.,])(?=[\d〇零一二三四五六七八九十百千])(?P<num>{_JNUM}(?:[万億兆]{_JNUM}?)*)"
    r"\s?(?P<cur>米ドル|ドル|円|ユーロ|ポンド|人民元)"
)
_JA_CURRENCY: Mapping[str, str] = {
    "米ドル": "USD",
    "ドル": "USD",
    "円": "JPY",
    "ユーロ": "EUR",
    "ポンド": "GBP",
    "人民元": "CNY",
}
_JA_TOKEN = re.compile(r"\d+(?:\.\d+)?|[〇零一二三四五六七八九]|[十百千]|[万億兆]")


def _parse_japanese_number(s: str) -> Decimal | None:
    total = Decimal(0)
    section = Decimal(0)  # the part below the next 万/億/兆
    current: Decimal | None = None
    for tok in _JA_TOKEN.findall(s.replace(",", "")):
        if tok in _KANJI_DIGITS:
            current = (current or Decimal(0)) * 10 + _KANJI_DIGITS[tok]
        elif tok in _SMALL_UNITS:
            section += (current if current is not None else Decimal(1)) * _SMALL_UNITS[tok]
            current = None
        elif tok in _BIG_UNITS:
            section += current or Decimal(0)
            if section == 0:
                return None
            total += section * _BIG_UNITS[tok]
            section, current = Decimal(0), None
        else:
            try:
                current = Decimal(tok)
            except InvalidOperation:  # pragma: no cover - the token regex admits only digits
                return None
    return total + section + (current or Decimal(0))


def extract_money(text: str) -> list[Money]:
    """Every amount of money in ``text``, in order of position (see the module docstring)."""
    return _money_in(_normalise(text))


def _money_in(norm: _Norm) -> list[Money]:
    found: list[Money] = []
    for nstart, nend, amount, currency in _money_matches(norm.text):
        start, end, text = norm.slice(nstart, nend)
        found.append(Money(amount, currency, amount if currency == "USD" else None, start, end, text))
    return found


def _money_matches(s: str) -> list[tuple[int, int, Decimal, str]]:
    """(start, end, amount, currency) in the NFKC text ``s``, in order of position."""
    found: list[tuple[int, int, Decimal, str]] = []
    for m in _MONEY_EN.finditer(s):
        if m.group("pre") is not None:
            pre = re.sub(r"\s", "", m.group("pre")).lower()
            currency = _PREFIX_CURRENCY.get(pre, "USD" if pre.endswith("$") else pre.upper())
            num = m.group("num")
            scale_word = m.group("abbr") or m.group("letter") or m.group("word")
        else:
            currency = _SUFFIX_CURRENCY[m.group("suf").lower()]
            num = m.group("num2")
            scale_word = m.group("word2")
        scale = _SCALES[scale_word.lower()] if scale_word else 1
        found.append((m.start(), m.end(), _exact(Decimal(num.replace(",", "")) * scale), currency))
    taken = [(start, end) for start, end, _, _ in found]
    for m in _MONEY_JA.finditer(s):
        raw = m.group("num")
        if not re.search(r"\d", raw) and not re.search(r"[万億兆]", raw):
            continue  # 関東一円, 百円: kanji numerals only count with a big unit
        value = _parse_japanese_number(raw)
        if value is None:
            continue
        if any(m.start() < end and start < m.end() for start, end in taken):
            continue
        found.append((m.start(), m.end(), _exact(value), _JA_CURRENCY[m.group("cur")]))
    found.sort(key=lambda f: f[0])
    return found


# ---------------------------------------------------------------------------------------------------
# Rates

_RATE = re.compile(
    r"(?<![A-Za-z0-9.,])(?=\d)(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"(?:\s?%|[\s-]?(?:percent|per\s+cent|pct)\b|\s?パーセント)",
    re.IGNORECASE,
)
_TARIFF_WORD = re.compile(r"\btariff|\bdut(?:y|ies)\b|\blev(?:y|ies)\b|関税", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['.,-][A-Za-z0-9]+)*|[^\sA-Za-z0-9]")
_SENTENCE_END = re.compile(r"[。!?;！？\n]|\.(?=\s+[A-Z\"(]|\s*$)")
_CONTEXT_WORDS = 6


def _is_cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _window(s: str, start: int, end: int, words: float) -> str:
    """The text around [start, end) up to ``words`` words each side, never crossing a sentence end."""
    left = s[max(0, start - 200) : start]
    ends = list(_SENTENCE_END.finditer(left))
    if ends:
        left = left[ends[-1].end() :]
    right = s[end : end + 200]
    stop = _SENTENCE_END.search(right)
    if stop:
        right = right[: stop.start()]

    def take(tokens: list[re.Match[str]]) -> list[re.Match[str]]:
        budget, kept = words, []
        for t in tokens:
            tok = t.group()
            cost = 0.5 if _is_cjk(tok) else (1.0 if tok[0].isalnum() else 0.0)
            if budget - cost < 0:
                break
            budget -= cost
            kept.append(t)
        return kept

    before = take(list(reversed(list(_TOKEN.finditer(left)))))
    after = take(list(_TOKEN.finditer(right)))
    lpart = left[before[-1].start() :] if before else ""
    rpart = right[: after[-1].end()] if after else ""
    return lpart + " " + rpart


def extract_rates(text: str) -> list[Rate]:
    """Every percentage in ``text``, with ``context="tariff"`` near a tariff word (module docstring)."""
    return _rates_in(_normalise(text))


def _rates_in(norm: _Norm) -> list[Rate]:
    rates: list[Rate] = []
    for m in _RATE.finditer(norm.text):
        window = _window(norm.text, m.start(), m.end(), _CONTEXT_WORDS)
        context = "tariff" if _TARIFF_WORD.search(window) else None
        start, end, raw = norm.slice(m.start(), m.end())
        percent = _exact(Decimal(m.group("num").replace(",", "")))
        rates.append(Rate(percent, start, end, raw, context))
    return rates


# ---------------------------------------------------------------------------------------------------
# Dates

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
    return _dates_in(_normalise(text))


def _dates_in(norm: _Norm) -> list[EffectiveDate]:
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


# ---------------------------------------------------------------------------------------------------
# FMS

_FMS_MARKER = re.compile(
    r"(?=[FfPpTtAaLlDd3対])"  # cheap first-character filter
    r"(?:Foreign\s+Military\s+Sales?|Prospective\s+Purchaser|Transmittal\s+No|Arms\s+Sales\s+Notification"
    r"|(?:possible|proposed)\s+(?:Foreign\s+Military\s+)?sales?\s+to\b"
    r"|Letter\s+of\s+Offer|\b36\(b\)|Defense\s+Security\s+Cooperation\s+Agency|\bDSCA\b|対外有償軍事援助)",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Z][\w.'&-]*"
_GOVERNMENT = (
    rf"Government\s+of\s+(?:the\s+)?"
    rf"(?:(?:{_NAME_WORD}\s+)*(?:Republic|Kingdom|State|States|Commonwealth|Duchy|Sultanate|Emirates)"
    rf"\s+of\s+(?:the\s+)?)?{_NAME_WORD}(?:\s+{_NAME_WORD})*"
)
_PURCHASER_LABEL = re.compile(
    r"Prospective\s+Purchaser\s*:\s*(?P<p>[^\n(;]+?)\s*(?=\(|\n|;|$|\s{2,}|\.\s)", re.IGNORECASE
)
_SALE = r"(?:Foreign\s+Military\s+Sales?|(?i:possible|proposed)\s+sales?)\s+(?:\(FMS\)\s+)?to\s+(?:the\s+)?"
_SALE_TO = re.compile(
    rf"{_SALE}"
    rf"(?P<p>{_GOVERNMENT}|[A-Z][^;.]*?)\s+(?:of|for)\s+"
    r"(?!an\s+estimated|a\s+total)(?P<sys>[^\n]+?)"
    r"(?=\s+and\s+related\s+(?:equipment|support|services)|\s+for\s+an?\s+(?:estimated|total)"
    r"|\s+at\s+an\s+estimated|\s+(?:for|worth|valued\s+at)\s+(?:about\s+|approximately\s+)?(?:US)?\$"
    r"|\.\s|\.$|$|;)"
)
# "... a possible Foreign Military Sale to the Government of Japan." with no "of <system>" after it.
_SALE_TO_ONLY = re.compile(
    rf"{_SALE}"
    rf"(?P<p>{_GOVERNMENT}|{_NAME_WORD}(?:\s+{_NAME_WORD})*)(?=\s*[.;,]|\s*$)"
)
_REQUESTED = re.compile(
    rf"(?=[TG])(?:The\s+)?(?P<p>{_GOVERNMENT})\s+has\s+requested\s+to\s+buy\s+"
    r"(?P<what>[^\n]*?)(?=\.\s|\.$|$)"
)
_JUSTIFICATION = re.compile(
    r"POLICY\s+JUSTIFICATION\s+(?:\(U\)\s*)?(?P<c>[A-Z][\w .,'()&-]{1,60}?)\s*(?:--|–|—)\s*"
    r"(?P<sys>[^\n]+?)(?=\s*\n|\s+\(U\)|\s+The\s+[A-Z]|$)"
)
_TRANSMITTAL = re.compile(
    r"Transmittal(?:\s+(?:No\.?|Number|#))?\s*:?\s*(?P<t>\d{2}-[0-9]{1,3}[A-Z]?)(?![\w-])", re.IGNORECASE
)
_CONTRACTOR = re.compile(
    r"(?:principal|prime)\s+contractors?(?:\(s\))?\s+(?:will\s+be|is|are)\s+"
    r"(?P<c>.+?)(?=\.\s+[A-Z(]|\.\s*$|\n\s*\n|$)",
    re.IGNORECASE | re.DOTALL,
)
_MDE_LIST = re.compile(
    r"Major\s+Defense\s+Equipment\s+\(MDE\)\s*:\s*(?P<body>.{0,3000}?)"
    r"(?=Non-?\s*Major\s+Defense\s+Equipment|Non-MDE|\(iv\)|Military\s+Department|POLICY\s+JUSTIFICATION|$)",
    re.DOTALL,
)
_QUANTITY = re.compile(
    r"\((?P<n>\d[\d,]*)\)\s+(?P<item>.+?)"
    r"(?=\s*;|\.\s|\.$|\s*\n|$|,?\s+(?:and\s+)?(?:[Uu]p\s+to\s+)?(?:[A-Za-z]+[\s-]+){0,4}\(\d)",
    re.DOTALL,
)
_VALUE_CUE = re.compile(
    r"(?:\btotal|estimated\s+(?:total\s+)?(?:case\s+)?(?:cost|value)"
    r"|total\s+estimated\s+(?:case\s+)?(?:cost|value))"
    r"\s*(?:is|of|was|will\s+be)?[\s.:*-]*(?:approximately|about|up\s+to|an\s+estimated)?\s*$",
    re.IGNORECASE,
)
_SALE_VALUE_CUE = re.compile(
    r"^\s+(?:for|worth|valued\s+at)\s+(?:about\s+|approximately\s+)?$", re.IGNORECASE
)
_GOVT_PREFIX = re.compile(r"^(?:the\s+)?(?:government\s+of\s+)?(?:the\s+)?", re.IGNORECASE)
_HEADLINE = re.compile(r"^\s*(?P<c>[A-Z][\w .,'()&-]{1,60}?)\s+(?:–|—|--|-)\s+(?P<s>\S.*?)\s*$")


def normalise_purchaser(name: str) -> str:
    """'Government of Japan' -> 'Japan'; 'the Government of the Netherlands' -> 'Netherlands'."""
    name = " ".join(unicodedata.normalize("NFKC", name).split()).strip(" .,:;")
    return _GOVT_PREFIX.sub("", name, count=1).strip() or name


def _contractor(raw: str) -> str | None:
    raw = " ".join(raw.split())
    if not raw or not (raw[0].isupper() or raw[0].isdigit()):
        return None  # "determined from approved vendors", "not yet known"
    parts = re.split(r";\s*(?:and\s+)?", raw)
    if len(parts) == 1 and "," not in raw:
        parts = re.split(r"\s+and\s+", raw)
    names = []
    for part in parts:
        name = part.split(",")[0]
        name = re.sub(r"\s+(?:of|in|located\s+in|headquartered\s+in|based\s+in)\s+[A-Z].*$", "", name)
        name = name.strip(" .")
        if name and (name[0].isupper() or name[0].isdigit()):
            names.append(name)
    return "; ".join(names) or None


def _quantities(body: str) -> list[tuple[str, str]]:
    out = []
    for q in _QUANTITY.finditer(body):
        item = " ".join(q.group("item").split()).rstrip(" ,.;")
        item = re.sub(r",?\s+and$", "", item)
        if item:
            out.append((q.group("n").replace(",", ""), item))
    return out


def extract_fms(text: str) -> FMSNotice | None:
    """The FMS notification fields of ``text``; ``None`` when nothing is FMS-like (module docstring)."""
    return _fms_in(_normalise(text))


def _fms_in(norm: _Norm) -> FMSNotice | None:
    s = norm.text
    markers = list(_FMS_MARKER.finditer(s))
    if not markers:
        return None
    spans: list[tuple[int, int]] = [(m.start(), m.end()) for m in markers]

    purchaser: str | None = None
    sale_system: str | None = None
    label = _PURCHASER_LABEL.search(s)
    sale = _SALE_TO.search(s)
    if sale and sale.group("p").strip().lower() == "government":
        sale = None  # "to the Government of Japan." read as purchaser "Government", system "Japan"
    if sale is None:
        only = _SALE_TO_ONLY.search(s)
        if only:
            purchaser = only.group("p")
            spans.append(only.span())
    requested = _REQUESTED.search(s)
    if label:
        purchaser = label.group("p")
        spans.append(label.span())
    if sale:
        purchaser = label.group("p") if label else sale.group("p")
        sale_system = " ".join(sale.group("sys").split())
        spans.append(sale.span())
    if requested:
        purchaser = purchaser or requested.group("p")
        spans.append(requested.span())

    quantities: list[tuple[str, str]] = []
    mde = _MDE_LIST.search(s)
    if mde:
        spans.append(mde.span())
        quantities = _quantities(mde.group("body"))
    system: str | None = quantities[0][1] if quantities else sale_system
    if not quantities and requested:
        quantities = _quantities(requested.group("what"))
        system = system or (quantities[0][1] if quantities else None)
    if system is None:
        heading = _JUSTIFICATION.search(s)
        if heading:
            system = " ".join(heading.group("sys").split())
            spans.append(heading.span())

    value: Decimal | None = None
    for mstart, mend, amount, currency in _money_matches(s):
        cue = _VALUE_CUE.search(s[max(0, mstart - 80) : mstart])
        if not cue and sale and 0 <= mstart - sale.end() <= 40:  # "sale to Japan of X for $900 million"
            cue = _SALE_VALUE_CUE.search(s[sale.end() : mstart])
        if currency == "USD" and cue:
            value = amount
            spans.append((mstart, mend))
            break

    transmittal = _TRANSMITTAL.search(s)
    if transmittal:
        spans.append(transmittal.span())
    contractor_m = _CONTRACTOR.search(s)
    contractor = _contractor(contractor_m.group("c")) if contractor_m else None
    if contractor_m:
        spans.append(contractor_m.span())

    start, end = norm.span(min(a for a, _ in spans), max(b for _, b in spans))
    return FMSNotice(
        purchaser=normalise_purchaser(purchaser) if purchaser else None,
        system=system or None,
        value_usd=value,
        transmittal=transmittal.group("t") if transmittal else None,
        contractor=contractor,
        quantities=tuple(f"{n} {item}" for n, item in quantities),
        start=start,
        end=end,
    )


# ---------------------------------------------------------------------------------------------------
# Facts for storage


def _money_json(m: Money, field: str) -> dict[str, Any]:
    return {
        "amount": _dec_str(m.amount),
        "currency": m.currency,
        "usd": _dec_str(m.usd) if m.usd is not None else None,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "field": field,
    }


def _rate_json(r: Rate, field: str) -> dict[str, Any]:
    return {
        "percent": _dec_str(r.percent),
        "context": r.context,
        "text": r.text,
        "start": r.start,
        "end": r.end,
        "field": field,
    }


def _date_json(d: EffectiveDate, field: str) -> dict[str, Any]:
    return {"date": d.date.isoformat(), "text": d.text, "start": d.start, "end": d.end, "field": field}


def _fms_json(f: FMSNotice, field: str) -> dict[str, Any]:
    return {
        "purchaser": f.purchaser,
        "system": f.system,
        "value_usd": _dec_str(f.value_usd) if f.value_usd is not None else None,
        "transmittal": f.transmittal,
        "contractor": f.contractor,
        "quantities": list(f.quantities),
        "start": f.start,
        "end": f.end,
        "field": field,
    }


def _fms_with_headline(fms: FMSNotice, title: str) -> FMSNotice:
    """Fill a missing purchaser/system from a DSCA headline such as 'Japan – Class IX Spare Parts'."""
    if fms.purchaser is not None and fms.system is not None:
        return fms
    head = _HEADLINE.match(unicodedata.normalize("NFKC", title))
    if head is None:
        return fms
    return replace(
        fms,
        purchaser=fms.purchaser or normalise_purchaser(head.group("c")),
        system=fms.system or head.group("s"),
    )


def extract_facts(title: str, text: str, kinds: Iterable[str]) -> dict[str, Any]:
    """The requested fact kinds of one item as a JSON-serialisable dict (Decimals as strings).

    Raises ``ValueError`` for a kind not in :data:`FACT_KINDS`.
    """
    wanted = set(kinds)
    unknown = wanted - set(FACT_KINDS)
    if unknown:
        raise ValueError(f"facts: unknown fact kind(s) {sorted(unknown)} (kinds: {', '.join(FACT_KINDS)})")
    fields = (("title", _normalise(title)), ("text", _normalise(text)))
    out: dict[str, Any] = {}
    if "money" in wanted:
        out["money"] = [_money_json(m, f) for f, n in fields for m in _money_in(n)]
    if "rates" in wanted:
        out["rates"] = [_rate_json(r, f) for f, n in fields for r in _rates_in(n)]
    if "dates" in wanted:
        out["dates"] = [_date_json(d, f) for f, n in fields for d in _dates_in(n)]
    if "fms" in wanted:
        fms = _fms_in(fields[1][1])
        if fms is not None:
            out["fms"] = _fms_json(_fms_with_headline(fms, title), "text")
        else:
            from_title = _fms_in(fields[0][1])
            out["fms"] = _fms_json(from_title, "title") if from_title is not None else None
    return out


def describe_facts(facts: Mapping[str, Any]) -> list[str]:
    """One readable line per fact kind of an ``extract_facts`` dict, for alerts ("money: $1 trillion")."""
    lines: list[str] = []
    for kind in ("money", "rates", "dates"):
        values = facts.get(kind) or []
        texts: list[str] = []
        for v in values:
            t = str(v.get("text", ""))
            if kind == "rates" and v.get("context"):
                t += f" ({v['context']})"
            if kind == "dates":
                t = f"{v.get('date')} ({t})"
            if t and t not in texts:
                texts.append(t)
        if texts:
            lines.append(f"{kind}: {', '.join(texts)}")
    fms = facts.get("fms")
    if isinstance(fms, Mapping):
        parts = [
            f"{label} {usd(fms[key]) if key == 'value_usd' else fms[key]}"
            for key, label in (
                ("purchaser", "purchaser"),
                ("system", "system"),
                ("value_usd", "value"),
                ("transmittal", "transmittal"),
                ("contractor", "contractor"),
            )
            if fms.get(key)
        ]
        if parts:
            lines.append("FMS: " + " · ".join(parts))
    return lines

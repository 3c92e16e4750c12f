"""Specific numbers an item states, as signature parts that veto a join when they conflict. Pure.

Templated notices share nearly all their words and differ in a number: the arms-sale transmittal, the
Federal Register document or docket, the CBP message, the DOE order, the antidumping case, how many of a
system are sold, the share of GDP a defence target names. Two items stating different numbers of one
family are different events (``monitor.story_veto.veto``); the same number is strong evidence that
they are one.

Parts (``kind:value``), read from NFKC text:
  ``transmittal``  ``Transmittal No. 25-45`` -> ``transmittal:25-45`` (anywhere, not only in a parsed notice)
  ``doc``          ``doc:frdoc:2025-12345`` (FR Doc.), ``doc:docket:USTR-2025-0012`` (a docket id, with
                   or without the word), ``doc:csms:66421187``, ``doc:order:5378`` (a DOE order),
                   ``doc:case:A-588-875`` (an AD/CVD case), ``doc:rin:0694-AJ80``
  ``qty``          a quantity of one designated system: ``200 Tomahawk`` / ``トマホーク200発`` ->
                   ``qty:BGM-109:200`` (numbers written as words or in parentheses, as notices do, too)
  ``gdp``          a share of GDP: ``2% of GDP`` / ``GDP比2％`` -> ``gdp:2``
  ``volume``       a yearly volume of a supply deal, in million tonnes: ``1 mtpa``, ``0.8 million tonnes a
                   year``, ``年間100万トン`` -> ``volume:1``, ``volume:0.8``
  ``term``         the length of a supply contract in years, only beside a contract word: ``a 20-year
                   agreement``, ``20-YR PURCHASE DEAL``, ``15年間購入する``, ``for 15 years`` -> ``term:20``
  ``fy``           a fiscal year: ``fiscal 2027``, ``FY2027``, ``2027年度``, ``27年度``, ``令和9年度`` ->
                   ``fy:2027`` (a budget, a plan: scores only, it never vetoes, as a report recalls last
                   year's figure beside this year's)
  ``round``        the round of a series: ``the fourth set of projects``, ``fourth round``, ``第4弾`` ->
                   ``round:4`` (scores only)
  ``month``        a month of a year, when no day is given with it: ``January 2027``, ``Jan. 2027``,
                   ``2027年1月``, ``27年1月``, ``令和9年1月`` -> ``month:2027-01`` (when a tax starts, a plan
                   is due: the date a report names before the day is set)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

__all__ = ["number_parts", "quantity_parts"]

_TRANSMITTAL = re.compile(
    r"transmittal\s*(?:no\.?|number|#)?\s*:?\s*(\d{2})-(\d{1,3})(?![\d-])", re.IGNORECASE
)
_DOCS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("frdoc", re.compile(r"FR\s+Doc\.?\s*(?:No\.?\s*)?(\d{4}-\d{4,6})", re.IGNORECASE)),
    (
        "docket",
        re.compile(
            r"(?<![A-Za-z0-9-])((?:USTR|BIS|ITA|DOC|DOE|FE|CBP|OFAC|DOS|DOD|EPA|FDA)-\d{4}-\d{3,5})(?![\d])"
        ),
    ),
    ("csms", re.compile(r"CSMS\s*(?:#|No\.?|Number)?\s*:?\s*(\d{6,10})", re.IGNORECASE)),
    ("order", re.compile(r"(?:DOE(?:/FE)?|FE)\s+Order\s+(?:No\.?\s*)?(\d{3,5})", re.IGNORECASE)),
    ("case", re.compile(r"(?<![A-Za-z0-9-])([ACR]-\d{3}-\d{3})(?![\d-])")),
    ("rin", re.compile(r"RIN\s+(\d{4}-[A-Z]{2}\d{2})")),
)
_GDP = (
    re.compile(
        r"(?:GDP|国内総生産)\s*(?:比|の)?\s*(?:で|約|of)?\s*(\d+(?:\.\d+)?)\s?(?:%|パーセント)", re.IGNORECASE
    ),
    re.compile(
        r"(\d+(?:\.\d+)?)\s?(?:%|percent|per\s+cent)\s+(?:of\s+)?(?:its\s+|the\s+|their\s+|Japan's\s+)?"
        r"(?:GDP|gross\s+domestic\s+product)",
        re.IGNORECASE,
    ),
)
_WORDS: Mapping[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "hundred": 100,
}  # fmt: skip
_VOLUME = (
    re.compile(
        r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:mtpa\b|million\s+(?:metric\s+)?(?:tonnes|tons)\s+(?:a|per)\s+"
        r"(?:year|annum)\b|million\s+(?:metric\s+)?(?:tonnes|tons)\s+annually\b)",
        re.IGNORECASE,
    ),
    re.compile(r"年(?:間)?\s*(?:約)?(\d+(?:\.\d+)?)万トン"),
    # the new level of a volume raised or cut: 年間26万トンから30万トンに (the deal's figure is the second)
    re.compile(r"年(?:間)?\s*(?:約)?\d+(?:\.\d+)?万トンから\s*(?:約)?(\d+(?:\.\d+)?)万トン"),
)
_ORDINALS: Mapping[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10,
    "11th": 11, "12th": 12, "13th": 13, "14th": 14, "15th": 15, "16th": 16, "17th": 17, "18th": 18,
    "19th": 19, "20th": 20,
}  # fmt: skip
_ROUND_EN = re.compile(
    # the ordinal, then the series' noun, one word between at most (the twelfth investment batch)
    r"(?<![A-Za-z0-9])(" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")\s+(?:[a-z-]+\s+)?"
    r"(?:set|round|batch|tranche|group|slate|package)\b",
    re.IGNORECASE,
)
_ROUND_JA = re.compile(r"第\s?(\d{1,2})\s?(?:弾|陣)")
_FY_EN = re.compile(r"(?<![A-Za-z])(?:fiscal(?:\s+year)?|FY)\s?'?(20\d\d)(?!\d)", re.IGNORECASE)
_FY_JA = re.compile(r"(令和)?(?<!\d)(20\d\d|\d{1,2})年度")
_TERM = (
    re.compile(r"(?<![\d.])(\d{1,2})[\s-](?:years?|yrs?)\b", re.IGNORECASE),
    re.compile(r"(?<![\d.])(\d{1,2})年間"),
)
_CONTRACT = re.compile(
    r"agreement|deal|contract|\bspa\b|offtake|purchase|supply|\bbuy\b|契約|購入|調達|供給|合意", re.IGNORECASE
)
_MONTHS = {
    m: n
    for n, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ),
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH_EN = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(20\d{2})\b", re.IGNORECASE
)
# _MONTH_EN found from its year: a year, then the month right before it (a regex that starts with 23
# alternatives tries them at every position of the text; years are few).
_YEAR_EN = re.compile(r"(?<=\s)20\d{2}\b")
_MONTH_BEFORE = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+$", re.IGNORECASE
)
_MONTH_SPAN = 48  # characters before a year looked at for its month (the name, a dot, white space)
_MONTH_JA = re.compile(r"(?<![\d年])(令和)?(\d{1,4})年(\d{1,2})月(?!\d{0,2}日)")
# Before a system's name: "200 Tomahawk", "up to four hundred (400) Tomahawk Block V", "150 more AMRAAMs".
_QTY_BEFORE = re.compile(
    r"(?:(?<![$¥.\d-])(\d{1,3}(?:,\d{3})*|\d+)\)?|\b((?:[a-z]+[\s-])?(?:hundred|[a-z]+)))\s+"
    r"(?:(?:more|additional|new|of\s+the|(?!(?i:mln|million|mn|bln|billion|bn|bil|trillion|tril)\b)[A-Z][\w-]*)\s+)"
    r"{0,3}$"
)
# After a Japanese name: "トマホーク200発", "最大400発", "「AARGM-ER」96発".
_QTY_AFTER = re.compile(
    r"^[」』）)]?\s*(?:最大|約|計|合計)?\s*(\d{1,3}(?:,\d{3})*|\d+)\s*(?:発|基|機|両|セット|門|隻)"
)


def _int(num: str | None) -> int | None:
    if not num:
        return None
    try:
        return int(Decimal(num.replace(",", "")))
    except InvalidOperation:
        return None


def _words(s: str | None) -> int | None:
    if not s:
        return None
    total = 0
    for w in re.split(r"[\s-]+", s.casefold()):
        if w == "hundred":
            total = max(total, 1) * 100
        elif w in _WORDS:
            total += _WORDS[w]
        else:
            return None
    return total or None


# Words one of which every match of a pattern contains (case-folded where the pattern ignores case): a
# pattern runs only on a text that has one. Scanning for a word is C's substring search; running ~20
# patterns over every text was ~1 us a character, a tenth of a replay's time.
_DOC_GATES: Mapping[str, tuple[str, ...]] = {
    "frdoc": ("doc",),
    "docket": tuple(f"{a}-" for a in ("USTR", "BIS", "ITA", "DOC", "DOE", "FE", "CBP", "OFAC", "DOS", "DOD",
                                       "EPA", "FDA")),
    "csms": ("csms",),
    "order": ("order",),
    "case": ("A-", "C-", "R-"),
    "rin": ("RIN",),
}  # fmt: skip
_FOLDED_DOCS = frozenset({"frdoc", "csms", "order"})  # their patterns ignore case
_ROUND_WORDS = ("set", "round", "batch", "tranche", "group", "slate", "package")


def _any(text: str, words: Iterable[str]) -> bool:
    return any(w in text for w in words)


def number_parts(text: str) -> set[str]:
    """Transmittal, document, GDP-share, supply volume, contract term and month parts of an NFKC ``text``."""
    out: set[str] = set()
    folded = text.casefold()
    if "transmittal" in folded:
        for m in _TRANSMITTAL.finditer(text):
            out.add(f"transmittal:{int(m.group(1)):02d}-{int(m.group(2))}")
    for family, rx in _DOCS:
        if _any(folded if family in _FOLDED_DOCS else text, _DOC_GATES[family]):
            out.update(f"doc:{family}:{m.group(1).upper()}" for m in rx.finditer(text))
    if "gdp" in folded or "国内総生産" in text or "domestic" in folded:
        for rx in _GDP:
            for m in rx.finditer(text):
                out.add(f"gdp:{format(Decimal(m.group(1)).normalize(), 'f')}")
    for n, rx in enumerate(_VOLUME):
        if (n == 0 and ("mtpa" in folded or "million" in folded)) or (n and "万トン" in text):
            for m in rx.finditer(text):
                v = Decimal(m.group(1)) / (100 if n else 1)
                if 0 < v < 100:
                    out.add(f"volume:{format(v.normalize(), 'f')}")
    if _any(folded, _ROUND_WORDS):
        for m in _ROUND_EN.finditer(text):
            out.add(f"round:{_ORDINALS[m.group(1).casefold()]}")
    if "第" in text:
        for m in _ROUND_JA.finditer(text):
            out.add(f"round:{int(m.group(1))}")
    if "fiscal" in folded or "fy" in folded:
        for m in _FY_EN.finditer(text):
            out.add(f"fy:{m.group(1)}")
    if "年度" in text:
        for m in _FY_JA.finditer(text):
            year = int(m.group(2))
            year = 2018 + year if m.group(1) else year if year >= 2000 else 2000 + year
            if 2000 <= year <= 2100:
                out.add(f"fy:{year}")
    for y in _YEAR_EN.finditer(text):
        month = _MONTH_BEFORE.search(text, max(0, y.start() - _MONTH_SPAN), y.start())
        if month is not None:
            out.add(f"month:{y.group()}-{_MONTHS[month.group(1).casefold()]:02d}")
    if "年" in text and "月" in text:
        for m in _MONTH_JA.finditer(text):
            year, mon = int(m.group(2)), int(m.group(3))
            year = 2018 + year if m.group(1) else 2000 + year if year < 100 else year
            if 2000 <= year <= 2100 and 1 <= mon <= 12:
                out.add(f"month:{year}-{mon:02d}")
    for n, rx in enumerate(_TERM):
        if ("year" in folded or "yr" in folded) if n == 0 else "年間" in text:
            for m in rx.finditer(text):
                years = int(m.group(1))
                near = text[max(0, m.start() - 60) : m.end() + 40]
                if 2 <= years <= 40 and _CONTRACT.search(near):
                    out.add(f"term:{years}")
    return out


def quantity_parts(text: str, spans: Iterable[tuple[str, int, int]]) -> set[str]:
    """``qty:<designator>:<n>`` for each designator span ``(designator, start, end)`` of ``text`` that a
    count stands right before (English) or right after (Japanese)."""
    out: set[str] = set()
    for designator, start, end in spans:
        before = text[max(0, start - 48) : start]
        n: int | None = None
        m = _QTY_BEFORE.search(before)
        if m:
            n = _int(m.group(1)) if m.group(1) else _words(m.group(2))
        if n is None:
            after = _QTY_AFTER.match(text[end : end + 16])
            n = _int(after.group(1)) if after else None
        if n is not None and 1 <= n <= 100_000 and not 1900 <= n <= 2100:
            out.add(f"qty:{designator}:{n}")
    return out

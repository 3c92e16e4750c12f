"""Money: a number with a currency marker, optionally scaled, in English and Japanese (pure; see
:mod:`monitor.match.facts`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from monitor.match.facts.model import Money, Norm, exact, normalise

__all__ = ["extract_money", "money_in", "money_matches"]

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
    "bil": 10**9,
    "mil": 10**6,
    "trillion": 10**12,
    "t": 10**12,
    "tn": 10**12,
    "trn": 10**12,
    "trln": 10**12,
    "tril.": 10**12,
    "bil.": 10**9,
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
        (?:[\s-]?(?P<abbr>(?i:trln|trn|tn|bln|bil|bn|mln|mil|mn))\b|(?P<letter>[tbmkTBMK])\b
            |[\s-]+(?P<word>(?i:trillion|billion|million|thousand))\b)?
    |
        (?P<num2>{_NUM})(?:[\s-]*(?P<word2>(?i:trillion|billion|million|thousand|trln|trn|tn|bln|bn|mln|mn
            |tril\.|bil\.)))?
        [\s-]+(?:U\.?S\.?\s+)?(?P<suf>(?i:dollars?|yen|euros?)|USD|JPY|EUR)\b
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
# After a small unit, more digits: 5千500億 (5,500 億).
_JCONT = r"(?:(?<=[千百十])\d+(?:\.\d+)?[千百十]?)"
_MONEY_JA = re.compile(
    rf"(?<![0-9.,])(?=[\d〇零一二三四五六七八九十百千])(?P<num>{_JNUM}{_JCONT}{{0,3}}(?:[万億兆](?:{_JNUM}{_JCONT}{{0,3}})?){{0,3}})"
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
    return money_in(normalise(text))


def money_in(norm: Norm) -> list[Money]:
    found: list[Money] = []
    for nstart, nend, amount, currency in money_matches(norm.text):
        start, end, text = norm.slice(nstart, nend)
        found.append(Money(amount, currency, amount if currency == "USD" else None, start, end, text))
    return found


def money_matches(s: str) -> list[tuple[int, int, Decimal, str]]:
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
        found.append((m.start(), m.end(), exact(Decimal(num.replace(",", "")) * scale), currency))
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
        found.append((m.start(), m.end(), exact(value), _JA_CURRENCY[m.group("cur")]))
    found.sort(key=lambda f: f[0])
    return found

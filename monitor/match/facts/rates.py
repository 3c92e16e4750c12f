"""Rates: percentages, with a ``tariff`` context when a tariff word is near (pure; see
:mod:`monitor.match.facts`); not a share price's move, whatever tariff the sentence names as its cause
("shares up 6% on US tariff cap", 一時6％高)."""

from __future__ import annotations

import re
from decimal import Decimal

from monitor.match.facts.model import Norm, Rate, exact, normalise

__all__ = ["extract_rates", "rates_in"]

_RATE = re.compile(
    r"(?<![A-Za-z0-9.,〇一二三四五六七八九十])(?=[\d〇一二三四五六七八九十])"
    r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[〇一二三四五六七八九十]{1,3}(?:・[〇一二三四五六七八九]+)?)"
    r"(?:\s?%|[\s-]?(?:percent|per\s+cent|pct)\b|\s?パーセント)",
    re.IGNORECASE,
)
_KANJI = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _kanji_percent(s: str) -> Decimal | None:
    """十五 -> 15, 二十 -> 20, 三・五 -> 3.5 (a percentage written in kanji numerals)."""
    whole, _, frac = s.partition("・")
    if "十" in whole:
        tens, _, ones = whole.partition("十")
        value = (_KANJI.get(tens, 1) if tens else 1) * 10 + (_KANJI[ones] if ones else 0)
    elif len(whole) == 1:
        value = _KANJI[whole]
    else:
        return None
    return Decimal(f"{value}.{''.join(str(_KANJI[c]) for c in frac)}") if frac else Decimal(value)


_TARIFF_WORD = re.compile(r"\btariff|\bdut(?:y|ies)\b|\blev(?:y|ies)\b|関税", re.IGNORECASE)
# A share price's move is no tariff rate, whatever tariff the sentence names as its cause: "shares up 6% on
# US tariff cap", "stock jumped as much as 6%", 東エレクが一時6％高, 株価は3％安.
_SHARE_MOVE_BEFORE = re.compile(
    r"\b(?:shares?|stocks?|stock price|share price)\s+(?:\w+\s+){0,2}?(?:up|down|jump(?:ed|s)?|rose|rises?|"
    r"rising|fell|falls?|falling|gain(?:ed|s)?|slid|slides?|surge[ds]?|soar(?:ed|s)?|climb(?:ed|s)?|"
    r"drop(?:ped|s)?|plunge[ds]?|tumble[ds]?|sank|sinks?|lost|adds?|added|by)\s+"
    r"(?:(?:as much as|about|nearly|almost|more than|over|some)\s+)?$",
    re.IGNORECASE,
)
_SHARE_MOVE_AFTER = re.compile(r"^\s*(?:高|安)(?!い|く)")
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
    return rates_in(normalise(text))


def rates_in(norm: Norm) -> list[Rate]:
    rates: list[Rate] = []
    for m in _RATE.finditer(norm.text):
        window = _window(norm.text, m.start(), m.end(), _CONTEXT_WORDS)
        context = "tariff" if _TARIFF_WORD.search(window) else None
        if context and (
            _SHARE_MOVE_BEFORE.search(norm.text[max(0, m.start() - 60) : m.start()])
            or _SHARE_MOVE_AFTER.match(norm.text[m.end() : m.end() + 3])
        ):
            context = None  # a share price's move (module docstring)
        start, end, raw = norm.slice(m.start(), m.end())
        num = m.group("num")
        value = Decimal(num.replace(",", "")) if num[0].isdigit() else _kanji_percent(num)
        if value is None:
            continue
        percent = exact(value)
        rates.append(Rate(percent, start, end, raw, context))
    return rates

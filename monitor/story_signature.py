"""Event signatures: what an item reports, as parts that survive rewording and translation. Pure.

Two reports of one event written independently (or one in Japanese, one in English) share few words,
so MinHash sees nothing in common. They do share *what* they report: the amount (``5500億ドル`` and
``$550 billion`` are one ``money:USD:5.5e11``), the rate, the purchaser and system of an arms sale,
the products and countries of a trade action, the people and bodies acting, the effective date.
:func:`signature` reads those from the facts extractors (``monitor.match.facts``) and a small bilingual
key-term table (:data:`TERMS`), and returns a :class:`Signature`: the item's topics plus a set of parts
``"kind:value"``.

Parts (``kind``):
  ``money``       ``money:<ISO currency>:<amount to 2 significant figures>`` (so ``$1.02 trillion`` and
                  ``1兆ドル`` agree; ``$550bn``, ``550 billion dollars``, ``$550 bil.``, ``5,500億ドル``,
                  ``5千500億ドル`` are one); FMS total values included.
  ``tariff``      a rate with a tariff word nearby (``tariff:15``; ``15%``, ``15 percent``, ``15％``,
                  ``十五％`` alike); ``rate`` any other rate; and ``pct`` too (a tariff word beside it or
                  not) when it is a release's own figure (a decimal not ending in 0 or 5, ``13.8%``,
                  ``3.1%``, or three digits or more) rather than a target (2%, 3.5%).
  ``purchaser``, ``system``   FMS notice fields (system: its significant tokens).
  ``transmittal``, ``doc``, ``qty``, ``gdp``, ``volume``, ``term``, ``month``, ``fy``, ``round``
                  specific numbers (``monitor.story_numbers``): an arms-sale transmittal, an FR document,
                  docket, CBP message, DOE order or trade case, how many of one system, a share of GDP, a
                  supply deal's yearly volume (and the new level of one raised: 26万トンから30万トンに) and
                  its length in years, a month of a year named without a day, a fiscal year
                  (``fy:2027``), the round of a series (``round:4``: the fourth set of projects, 第4弾; the
                  last three score only, they never veto).
  ``designator``  a weapon or aircraft designator written anywhere (``AIM-120D``, ``F-35A``, ``SM-6``).
  ``date``        an effective date (ISO); one written without its year (``from Dec. 18``,
                  ``12月18日から``, ``今月20日から``, ``18日から適用``) is dated by the item's publication
                  date, when it has one: the nearest such day to it (``monitor.story_dates``; so is a
                  Japanese month written bare, 3月の電気料金, 6月末まで: a ``month`` part).
  ``country``, ``product``, ``actor``, ``action``, ``place``   from the bilingual table
                  (``monitor.story_terms.TERMS``: English and Japanese spellings of one concept give one
                  part; the United States is left out: it is in everything). A company's own newsroom
                  (``Source.firm``: ``mhi-pr``) adds its ``actor:`` part to every item: its release is
                  about it even when it says only 当社 or "the company".
  ``subject``     fms / tariff / investment: a coarse topic for items no configured topic matched.
  ``hproduct``, ``hcountry``, ``hactor``   the products, countries and companies (``FIRMS``) the headline
                  names (veto only: a proclamation on copper that recalls the steel tariffs still leads
                  with copper; a report headlined with Yokohama Rubber is not Bridgestone's plant).
  ``hmove``       ``hmove:shares``: the headline leads with a share price's move (Tokyo Electron shares
                  jump 6% after ...; 東エレクが一時6％高): a market story (veto only).
  ``hstage``      the stage of one matter the headline reports (``hstage:talks:open``,
                  ``hstage:deal:binding``, ``hstage:law:cabinet``: ``monitor.story_events.STAGES``; veto
                  only: talks opened are not talks concluded, heads of agreement not the binding SPA).

:func:`monitor.story_veto.veto` says why two signatures cannot be one event (a differing fact).

:data:`BACKGROUND` figures (Japan's $550 billion, the deal's 15% tariff) say which programme, not which
event: ``monitor.stories`` never joins on them alone.

:func:`index_parts` are the parts worth an index row (everything but ``rate`` and ``subject``).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ahocorasick

from monitor.match.facts import FACT_KINDS, extract_facts
from monitor.story_dates import yearless_dates
from monitor.story_events import STAGES
from monitor.story_numbers import number_parts, quantity_parts
from monitor.story_terms import CIVIL_MODELS, FIRMS, SUBJECTS, TERMS

__all__ = [
    "BACKGROUND",
    "TERMS",
    "Signature",
    "index_parts",
    "signature",
]

_NOT_INDEXED = ("rate", "subject", "fms_value", "hproduct", "hcountry", "hactor", "hstage", "hmove")
_SYSTEM_STOP = frozenset(
    [
        "and",
        "of",
        "the",
        "for",
        "with",
        "related",
        "equipment",
        "support",
        "services",
        "system",
        "systems",
        "up",
        "to",
        "a",
        "an",
        "in",
        "on",
        "missiles",
        "missile",
        "aircraft",
        "parts",
        "spare",
        "class",
        "ix",
    ]
)
# A weapon or aircraft designator, read as its base (F-35A, F35 -> F-35; AIM-120D -> AIM-120); not a case
# number (A-588-875), nor a name glued to a count in Japanese (ESSM160発, PAC3 12基), nor one of the names
# below that look like one.
_DESIGNATOR = re.compile(
    r"(?<![A-Za-z0-9-])([A-Z]{1,5})-?(\d{1,3})(?:[A-Z]{0,2})(?![A-Za-z0-9]|-\d{3}|[発基機隻両門台])"
)
_NOT_DESIGNATORS = frozenset(
    {
        "G-7",
        "G-8",
        "G-20",
        "COVID-19",
        "PM-2",
        "CO-2",
        "NO-2",
        "SO-2",
        "Q-1",
        "Q-2",
        "Q-3",
        "Q-4",
        "H-1",
        "H-2",
    }
)
# Parts that name a programme rather than an event (Japan's $550 billion, about 80 trillion yen, the
# deal's 15% tariff, Section 232, reciprocal tariffs, defence spending): they are in every follow-up for
# months, so like a country they say which topic, not which event (see monitor.stories.GENERIC_KINDS).
BACKGROUND = frozenset(
    {
        "money:USD:5.5e+11", "money:JPY:8.0e+13", "money:JPY:8.1e+13", "tariff:15", "rate:15", "action:232",
        "action:reciprocal", "action:defense-spending",
    }
)  # fmt: skip
_ASCII_WORD = re.compile(r"[a-z0-9.&'-]")


# "North Korea" is not Korea, a Sea Sparrow (シースパロー) is not a Sparrow (スパロー), Sumitomo Mitsui not
# Mitsui
_NOT_AFTER: Mapping[str, str] = {
    "korea": "north ", "korean": "north ", "スパロー": "シー", "mitsui": "sumitomo ",
    "協議委員会": "安全保障", "協議委": "安全保障",
}  # fmt: skip
# Indonesia is not India, a comment (コメント) is not rice (コメ), Kyushu Electric (九州電力) not
# the island
_NOT_BEFORE: Mapping[str, str] = {
    "インド": "ネシア", "チリ": "ー", "コメ": "ント", "kyushu": " electric", "九州": "電",
}  # fmt: skip
# A country or state spelt in katakana is not the end of a longer katakana word: ハイランダー (Highlander)
# is not イラン (Iran), ニューメキシコ not メキシコ, ウエストバージニア not バージニア.
_KATAKANA_WORD = re.compile(r"[ァ-ヺー]+")


def _compile(table: Mapping[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    """Each concept with its pattern and the literals (folded spellings) one of which any match contains."""
    out: list[tuple[str, re.Pattern[str], frozenset[str]]] = []
    for concept, spellings in table.items():
        alts, literals = [], set()
        for sp in sorted(set(spellings), key=len, reverse=True):
            s = unicodedata.normalize("NFKC", sp)
            literals.add(s.casefold())
            if s.isascii():
                guard = f"(?<!{re.escape(_NOT_AFTER[s])})" if s in _NOT_AFTER else ""
                then = f"(?!{re.escape(_NOT_BEFORE[s])})" if s in _NOT_BEFORE else ""
                alts.append(r"(?<![a-z0-9])" + guard + re.escape(s.casefold()) + r"(?![a-z0-9])" + then)
            else:
                before = f"(?<!{re.escape(_NOT_AFTER[s])})" if s in _NOT_AFTER else ""
                if concept.startswith(("country:", "place:")) and _KATAKANA_WORD.fullmatch(s):
                    before += "(?<![ァ-ヺー])"
                guard = f"(?!{re.escape(_NOT_BEFORE[s])})" if s in _NOT_BEFORE else ""
                alts.append(before + re.escape(s.casefold()) + guard)
        out.append((concept, re.compile("|".join(alts)), frozenset(literals)))
    return out


# The concepts of both tables (TERMS first, then SUBJECTS), and one Aho-Corasick automaton of all their
# literals: a concept's pattern can only match where one of its literals occurs, so one pass over a text
# names the few concepts whose pattern is worth running (a few of ~300).
_TERMS = _compile(TERMS)
_CONCEPTS = _TERMS + _compile(SUBJECTS)
_N_TERMS = len(_TERMS)
_HEADLINE = frozenset(
    i for i, (c, _, _) in enumerate(_TERMS) if c.startswith(("product:", "country:")) or c in FIRMS
)
# Names of the table's companies and bodies that hold a country's word (日本貿易保険, Bank of Japan, Tokyo
# Gas, Korea Zinc): in a headline that word names the company, not the country, so the names are blanked
# before the headline's countries are read. NEXI's notice for India and its notice for the US share 日本
# only through its name: that is no partner both headlines name.
_COUNTRY_WORDS = frozenset(lit for c, _, lits in _TERMS if c.startswith("country:") for lit in lits)
_NAMES_WITH_COUNTRY = re.compile(
    "|".join(
        re.escape(lit)
        for lit in sorted(
            {
                lit
                for c, _, lits in _TERMS
                if c.startswith("actor:")
                for lit in lits
                if any(w in lit and w != lit for w in _COUNTRY_WORDS)
            },
            key=len,
            reverse=True,
        )
    )
)


@functools.lru_cache(maxsize=1024)
def source_firm(source_id: str, title: str | None = None) -> str | None:
    """The company whose own newsroom a source is (``actor:mhi`` for ``mhi-pr``, ``actor:ussteel`` for
    ``ussteel-ir``, ``actor:toyota`` for a source titled "Toyota Global Newsroom"): the one firm of
    ``FIRMS`` its id or title names, by a spelling of the firm (``tokyo-gas-pr``: the table's own pattern,
    as a text is read) or by its key (``tokyoelectron-news``). ``None`` when it names none, or more than
    one (a trade paper's id naming two companies is no company's newsroom). Pure."""
    words = re.sub(r"[^a-z0-9]+", " ", source_id.casefold()).strip()
    head = unicodedata.normalize("NFKC", title or "").casefold()
    tokens = set(words.split())
    found = {firm for firm in FIRMS if firm.split(":", 1)[1] in tokens}
    found.update(c for c, rx, _ in _TERMS if c in FIRMS and (rx.search(words) or rx.search(head)))
    return found.pop() if len(found) == 1 else None


def _automaton() -> tuple[ahocorasick.Automaton, tuple[tuple[int, ...], ...]]:
    by_literal: dict[str, set[int]] = {}
    for i, (_, _, literals) in enumerate(_CONCEPTS):
        for lit in literals:
            by_literal.setdefault(lit, set()).add(i)
    ac = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for n, lit in enumerate(by_literal):
        ac.add_word(lit, n)
    ac.make_automaton()
    return ac, tuple(tuple(sorted(c)) for c in by_literal.values())


_AC, _LITERAL_CONCEPTS = _automaton()
_STAGES = tuple((stage, re.compile(rx)) for stage, rx in STAGES.items())
# A headline leading with a share price's move (Tokyo Electron shares jump 6% after ...; 東エレクが一時6％高):
# a market story, whatever policy it names as the cause (not "..., Shares Rise 4%" after the company's news).
_SHARE_MOVE = re.compile(
    r"^[^,;:、。]{0,40}?\b(?:shares?|stocks?)\s+(?:up|down|jump|jumps|jumped|rise|rises|rose|fall|falls|fell|"
    r"gain|gains|gained|slide|slides|slid|surge|surges|surged|soar|soars|soared|climb|climbs|climbed|drop|"
    r"drops|dropped|plunge|plunges|plunged|tumble|tumbles|tumbled|sink|sinks|sank)\b|"
    r"^[^、。]{0,20}?(?:が|株が)?(?:一時)?\d+(?:\.\d+)?[%％](?:高|安)(?!い|く)"
)


def _candidates(folded: str) -> list[int]:
    """Indices into ``_CONCEPTS`` (in table order) of the concepts a literal of which occurs in ``folded``:
    every concept whose pattern matches, and some whose pattern does not (``eu`` in ``europe``)."""
    if not folded:
        return []
    found: set[int] = set()
    for lit in {lit for _, lit in _AC.iter(folded)}:
        found.update(_LITERAL_CONCEPTS[lit])
    return sorted(found)


NO_PARTS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=1 << 14)
def _by_kind(parts: frozenset[str]) -> Mapping[str, frozenset[str]]:
    """The parts by kind (``"money:USD:5.5e+08"`` under ``"money"``). Cached: a story decision asks each
    candidate's signature for the same kinds again and again (1.8M asks for 3,000 replayed items, ~50 a
    veto; a frozenset keeps its hash), so the veto reads them from this mapping instead of a call each."""
    by: dict[str, set[str]] = {}
    for p in parts:
        by.setdefault(p.split(":", 1)[0], set()).add(p)
    return {k: frozenset(v) for k, v in by.items()}


@dataclass(frozen=True, slots=True)
class Signature:
    """An item's topics and the parts of what it reports (``"kind:value"``)."""

    topics: frozenset[str]
    parts: frozenset[str]

    def kind(self, kind: str) -> frozenset[str]:
        return _by_kind(self.parts).get(kind, NO_PARTS)

    @property
    def kinds(self) -> Mapping[str, frozenset[str]]:
        """The parts by kind: ``sig.kinds.get(kind, NO_PARTS)`` is ``sig.kind(kind)``, without a call."""
        return _by_kind(self.parts)

    def to_json(self) -> dict[str, list[str]]:
        return {"topics": sorted(self.topics), "parts": sorted(self.parts)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Signature:
        if not data:
            return EMPTY
        return cls(frozenset(data.get("topics") or ()), frozenset(data.get("parts") or ()))


EMPTY = Signature(frozenset(), frozenset())


def _sig2(d: Decimal) -> str:
    """An amount to two significant figures, in a form both scripts reach (5.5e+11)."""
    if d <= 0:
        return "0"
    return f"{float(d):.1e}"


def _money_parts(facts: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for m in facts.get("money") or ():
        amount = Decimal(str(m["amount"]))
        if amount >= 1_000_000:  # prices and per-unit figures are not what a report is about
            out.add(f"money:{m['currency']}:{_sig2(amount)}")
    return out


def _system_tokens(system: str) -> set[str]:
    words = re.findall(r"[a-z0-9][a-z0-9-]*", unicodedata.normalize("NFKC", system).casefold())
    return {w for w in words if w not in _SYSTEM_STOP and len(w) > 1}


def signature(
    title: str,
    text: str,
    *,
    topics: Iterable[str] = (),
    published: datetime.date | None = None,
    firm: str | None = None,
) -> Signature:
    """The signature of one item (title and text), with the ids of the topics it matched. ``published``
    (the source's publication date, when it gives one) dates an effective day written without its year.
    ``firm``: the company whose own newsroom the source is (``actor:mhi``; ``Source.firm``): its release
    is about it even when it says only 当社 or "the company" (an ``actor:`` part, not a headline's)."""
    facts = extract_facts(title, text, FACT_KINDS)
    parts: set[str] = _money_parts(facts)
    for r in facts.get("rates") or ():
        pct = format(Decimal(str(r["percent"])).normalize(), "f")
        parts.add(f"{'tariff' if r.get('context') == 'tariff' else 'rate'}:{pct}")
        if "." in pct and (len(pct) >= 4 or pct[-1] not in "05"):
            # 13.8%: a figure of one release, not a target (2%, 3.5%); with a tariff word beside it too (a
            # 3.9% price rise "reflecting costs including tariffs" is the release's figure all the same)
            parts.add(f"pct:{pct}")
    for d in facts.get("dates") or ():
        parts.add(f"date:{d['date']}")
    fms = facts.get("fms")
    if isinstance(fms, Mapping):
        if fms.get("purchaser"):
            parts.add("purchaser:" + str(fms["purchaser"]).casefold())
        if fms.get("value_usd"):
            parts.add(f"fms_value:{_sig2(Decimal(str(fms['value_usd'])))}")
            parts.add(f"money:USD:{_sig2(Decimal(str(fms['value_usd'])))}")
        if fms.get("system"):
            parts.update("system:" + t for t in _system_tokens(str(fms["system"])))
    nfkc = unicodedata.normalize("NFKC", f"{title}\n{text}")
    parts.update(number_parts(nfkc))
    if published is not None:
        dated = any(p.startswith("date:") for p in parts)  # a dated effective day of its own comes first
        parts.update(p for p in yearless_dates(nfkc, published) if not (dated and p.startswith("date:")))
    spans: list[tuple[str, int, int]] = []
    for m in _DESIGNATOR.finditer(nfkc):
        d = f"{m.group(1)}-{m.group(2)}"
        if d not in _NOT_DESIGNATORS:
            spans.append((d, m.start(), m.end()))
    folded = nfkc.casefold()
    # What the headline is about (its products and countries): a notice that mentions earlier actions
    # (steel, aluminium) or another country's deal in passing still leads with its own.
    head = unicodedata.normalize("NFKC", title).casefold()
    named = _NAMES_WITH_COUNTRY.sub(lambda m: " " * len(m.group()), head)  # a company's 日本 is no country
    for i in _candidates(head):
        concept, rx, _ = _CONCEPTS[i]
        if i in _HEADLINE and rx.search(named if concept.startswith("country:") else head):
            parts.add("h" + concept)  # hproduct:copper, hcountry:korea, hactor:toyota
    parts.update(f"hstage:{stage}" for stage, rx in _STAGES if rx.search(head))
    if _SHARE_MOVE.search(head):
        parts.add("hmove:shares")
    subjects: set[str] = set()
    for i in _candidates(folded):
        concept, rx, _ = _CONCEPTS[i]
        if i >= _N_TERMS:
            if rx.search(folded):
                subjects.add(concept)
        elif concept.startswith("designator:"):
            found = list(rx.finditer(folded))
            if found:
                parts.add(concept)
                if concept not in CIVIL_MODELS:  # a car or a console is no weapon: no FMS subject, no count
                    spans.extend((concept.split(":", 1)[1], f.start(), f.end()) for f in found)
        elif rx.search(folded):
            parts.add(concept)
    parts.update(f"designator:{d}" for d, _, _ in spans)
    parts.update(quantity_parts(nfkc, spans))
    if isinstance(fms, Mapping) or spans:
        subjects.add("subject:fms")
    parts.update(subjects)
    if firm:
        parts.add(firm)
    return Signature(frozenset(topics), frozenset(parts))


def index_parts(sig: Signature) -> frozenset[str]:
    """The parts of ``sig`` that go into the story index (the rest only score or veto)."""
    return frozenset(p for p in sig.parts if p.split(":", 1)[0] not in _NOT_INDEXED)

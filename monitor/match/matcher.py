"""Topic queries compiled once into one fast matcher (pure; the query language is ``monitor.match.query``).

API: ``Matcher(topics)`` compiles :class:`TopicQuery` values once (config load); then, per :class:`Doc`,
``match(doc) -> list[Mention]`` (terms with spans, snippet), ``match_ids(doc)`` (ids only, cheaper),
``explain(doc, topic_id) -> Explanation`` (why it matched, or which clauses failed) and
``candidates(doc)`` (what the prefilter let through; for tests and profiling).

How a document is matched:

1. Each field (title, text) is folded once (:func:`monitor.match.query.fold`: NFKC, casefold, quotes,
   separators, single spaces) while keeping an offset map back to the original string. ASCII text with
   single spaces, and text that is already NFKC, need no map.
2. ONE Aho–Corasick automaton (pyahocorasick) holding the folded literal of every term of every topic
   runs over each folded field (ASCII text runs the same automaton minus the CJK keys).
3. Every topic has precompiled *gates*: clauses of literals, one of each must occur (in the right field)
   for the query to have any chance: ``(tariff* OR duties) AND title:Japan`` needs {tariff, duties}
   anywhere and {japan} in the title. Only topics whose gates the raw automaton hits open are evaluated;
   ``source:``/``tag:``/``lang:`` gates are looked at only when a topic still needs them.
4. Evaluation of a candidate reuses the hits: word-boundary checks at the hit positions, wildcard
   extension by scanning forward over Latin word characters, NEAR distances by tokenising only the gap
   between two occurrences (the field's full token index only when a CJK run crosses the gap's ends).
   AND / OR try their cheap children first.

Spans in :class:`~monitor.model.MatchedTerm` are offsets into the ORIGINAL title or text (folding may
change lengths: ``ﬁ`` -> ``fi``, ``…`` -> ``...``, ``ｶﾞ`` -> ``ガ``, a newline run -> one space);
``matched`` is the original substring. ``source:``/``tag:``/``lang:`` leaves give no spans.

``monitor.match.reference`` is the same language evaluated naively (one ``re`` per term); tests and
``bench/match.py`` check that both pick the same topics.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product
from operator import itemgetter
from typing import Literal

import ahocorasick

from monitor.match.query import (
    CJK_CLASS,
    FOLD_TABLE,
    LATIN_WORD_CLASS,
    TEXT_FIELDS,
    TOKEN_RE,
    And,
    Meta,
    Near,
    Node,
    Not,
    Or,
    Term,
    is_latin_word,
    show_term,
    unparse,
)
from monitor.match.snippet import snippet
from monitor.model import MatchedTerm, Mention

__all__ = ["Doc", "Explanation", "Matcher", "TopicQuery", "fold_with_offsets"]

# --- documents and topics -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Doc:
    title: str
    text: str
    source: str = ""
    tags: tuple[str, ...] = ()
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class TopicQuery:
    id: str
    title: str
    query: Node


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a topic matched a document, or why not.

    ``reasons``: for a match, the evidence clause by clause; for a miss, every clause that failed
    ("missing: tariff*", "NOT vetoed by 'Japan Airlines'", "NEAR/20: 'Japan' and 'investment' are 43
    tokens apart"). ``terms``: the positive terms found in the document, matched or not.
    """

    topic_id: str
    matched: bool
    reasons: tuple[str, ...]
    terms: tuple[MatchedTerm, ...]

    def __str__(self) -> str:
        head = f"{self.topic_id}: {'matched' if self.matched else 'no match'}"
        return "\n  ".join([head, *self.reasons])


# --- folding with an offset map -----------------------------------------------------------------------


class _OffsetMap:
    """Maps indices of a derived string back to spans of its source.

    Segments are (derived start, derived length, source start, source length, exact). Exact segments map
    one character to one character; the others (a composed cluster, an expansion, a collapsed run of
    spaces) map every derived character to the whole source segment.
    """

    __slots__ = ("_d", "_dl", "_exact", "_s", "_sl")

    def __init__(self) -> None:
        self._d: list[int] = []
        self._dl: list[int] = []
        self._s: list[int] = []
        self._sl: list[int] = []
        self._exact: list[bool] = []

    def add(self, d: int, dl: int, s: int, sl: int, *, exact: bool) -> None:
        if dl == 0 and sl == 0:
            return
        if (
            exact
            and self._exact
            and self._exact[-1]
            and self._d[-1] + self._dl[-1] == d
            and self._s[-1] + self._sl[-1] == s
        ):
            self._dl[-1] += dl
            self._sl[-1] += sl
            return
        self._d.append(d)
        self._dl.append(dl)
        self._s.append(s)
        self._sl.append(sl)
        self._exact.append(exact)

    def span(self, start: int, end: int) -> tuple[int, int]:
        k = max(bisect_right(self._d, start) - 1, 0)
        s0 = self._s[k] + (start - self._d[k]) if self._exact[k] else self._s[k]
        last = max(end - 1, start)
        k = max(bisect_right(self._d, last) - 1, 0)
        e0 = self._s[k] + (last - self._d[k]) + 1 if self._exact[k] else self._s[k] + self._sl[k]
        return s0, max(e0, s0)


@dataclass(frozen=True, slots=True)
class _Folded:
    text: str  # folded
    maps: tuple[_OffsetMap, ...]  # applied in order to go from folded offsets to original offsets

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        for m in self.maps:
            start, end = m.span(start, end)
        return start, end


_ASCII_SEPARATORS = tuple(chr(c) for c in FOLD_TABLE if c < 128)
_FOLD_CHARS = tuple(chr(c) for c in FOLD_TABLE if c >= 128 or chr(c) in _ASCII_SEPARATORS)
_second = itemgetter(1)
_LATIN_RUN_RE = re.compile(f"{LATIN_WORD_CLASS}+")
_LATIN_WORD_RE = re.compile(LATIN_WORD_CLASS)
_CJK_RE = re.compile(CJK_CLASS)


def _ascii_word(ch: str) -> bool:
    """A Latin word character, for ASCII text (no CJK there): the cheap test."""
    return ch.isalnum() or ch == "_"


def _latin_word(ch: str) -> bool:
    return _LATIN_WORD_RE.match(ch) is not None


@dataclass(frozen=True, slots=True)
class _Tables:
    """Folding tables for BMP characters, built once, on the first text that is not already NFKC
    (a few hundred milliseconds; English and most Japanese press text never needs them).

    A character is *stable* when it folds to exactly one character, on its own, whatever surrounds it:
    NFKC and casefold give one character each, it is no combining mark and nothing that composes with
    the character before it (``ﾞ`` after ``ｶ``, Hangul vowels), and its casefold determines its fold.
    Stretches of stable characters fold as ``casefold()`` plus a one-for-one fix-up (``５`` -> ``5``,
    ``Ａ`` -> ``a``). Unstable ones (``ﬁ``, ``…``, ``ß``, ``㍿``, combining marks, all astral characters)
    fold cluster by cluster with an offset map.
    """

    unstable: re.Pattern[str]
    fix: dict[str, str]  # casefold(c) -> fold(c), where they differ, for stable c
    fix_re: re.Pattern[str] | None
    second: frozenset[int]  # characters that compose with the one before them (NFC second elements)


@cache
def _tables() -> _Tables:
    second = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    for cp in _bmp_to_check(0x80):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                second.add(int(parts[1], 16))
    unstable: set[int] = set(range(0xD800, 0xE000))
    groups: dict[str, list[tuple[int, str]]] = {}  # casefold -> [(code point, fold)]
    for cp in _bmp_to_check(0):
        if cp in unstable:
            continue
        ch = chr(cp)
        nf = unicodedata.normalize("NFKC", ch)
        cf = ch.casefold()
        if (
            len(nf) != 1
            or len(nf.casefold()) != 1
            or len(cf) != 1
            or unicodedata.combining(ch) != 0
            or unicodedata.combining(nf) != 0
            or cp in second
            or ord(nf) in second
        ):
            unstable.add(cp)
        else:
            groups.setdefault(cf, []).append((cp, nf.casefold()))
    fix: dict[str, str] = {}
    for cf, members in groups.items():
        targets = {tgt for _, tgt in members}
        if len(targets) == 1:
            (tgt,) = targets
            if tgt != cf:
                fix[cf] = tgt
        else:  # characters share a casefold but not a fold: the ones that need a fix-up are unstable
            unstable.update(cp for cp, tgt in members if tgt != cf)
    return _Tables(
        unstable=re.compile(f"[{_char_class(unstable)}\\U00010000-\\U0010ffff]+"),
        fix=fix,
        fix_re=re.compile(f"[{_char_class({ord(c) for c in fix})}]") if fix else None,
        second=frozenset(second),
    )


# Blocks whose characters all fold to themselves and compose with nothing before them: skipped when the
# tables are built (CJK ideographs, Hangul syllables, private use). A test checks the claim.
_TRIVIAL_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xE000, 0xF8FF))


def _bmp_to_check(start: int) -> Iterator[int]:
    lo = start
    for a, b in _TRIVIAL_BLOCKS:
        yield from range(lo, a)
        lo = b + 1
    yield from range(lo, 0x10000)


def _char_class(cps: set[int]) -> str:
    ranges: list[list[int]] = []
    for cp in sorted(cps):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


def _fold_stable(seg: str, tables: _Tables) -> str:
    """Fold a stretch of stable characters: one character for one."""
    t = seg.casefold()
    if tables.fix_re is not None:
        for c in set(tables.fix_re.findall(t)):
            t = t.replace(c, tables.fix[c])
    return t


def _attaches(ch: str, tables: _Tables) -> bool:
    """Does ``ch`` (or what NFKC makes of it) combine with the character before it?"""
    nf = unicodedata.normalize("NFKC", ch)[:1] or ch
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.combining(nf) != 0
        or ord(ch) in tables.second
        or ord(nf) in tables.second
    )


def _fold_slow(s: str, tables: _Tables) -> tuple[str, _OffsetMap]:
    """Casefold + NFKC with a map: stable stretches in bulk, unstable ones cluster by cluster."""
    out: list[str] = []
    omap = _OffsetMap()
    d = pos = 0
    for m in tables.unstable.finditer(s):
        a, z = m.span()
        start = max(pos, a - 1)  # the character before may be the base the first mark composes with
        if start > pos:
            seg = _fold_stable(s[pos:start], tables)
            out.append(seg)
            omap.add(d, len(seg), pos, start - pos, exact=True)
            d += len(seg)
        i = start
        while i < z:
            j = i + 1
            while j < z and _attaches(s[j], tables):
                j += 1
            piece = unicodedata.normalize("NFKC", s[i:j]).casefold()
            out.append(piece)
            omap.add(d, len(piece), i, j - i, exact=len(piece) == 1 and j - i == 1)
            d += len(piece)
            i = j
        pos = z
    if pos < len(s):
        seg = _fold_stable(s[pos:], tables)
        out.append(seg)
        omap.add(d, len(seg), pos, len(s) - pos, exact=True)
    # Equal to NFKC(s).casefold() by construction (tests compare them on hostile strings); checking it
    # here would cost a full NFKC pass, ~100 µs on 1,000 Japanese characters.
    return "".join(out), omap


def fold_with_offsets(s: str) -> _Folded:
    """``fold(s)`` plus the maps back to ``s``. Equal to :func:`monitor.match.query.fold` by contract."""
    maps: list[_OffsetMap] = []
    if s.isascii():
        t = s.lower()
        for c in _ASCII_SEPARATORS:
            if c in t:
                t = t.replace(c, " ")
    else:
        t = s.casefold()
        if len(t) != len(s) or not unicodedata.is_normalized("NFKC", s):
            tables = _tables()
            if len(t) == len(s) and tables.unstable.search(s) is None:
                t = _fold_stable(s, tables)  # one for one: no map needed
            else:
                t, omap = _fold_slow(s, tables)
                maps.append(omap)
        for c in _FOLD_CHARS:
            if c in t:
                t = t.replace(c, FOLD_TABLE[ord(c)])
    i = t.find("  ")
    if i != -1:
        t, cmap = _collapse(t, i)
        maps.insert(0, cmap)
    return _Folded(t, tuple(maps))


def _collapse(t: str, i: int) -> tuple[str, _OffsetMap]:
    """``t`` with every run of spaces made one space, and its map (``i``: where the first run starts).

    ``str.find`` rather than a regex: ``re`` is several times slower on non-ASCII strings.
    """
    cmap = _OffsetMap()
    parts: list[str] = []
    d = pos = 0
    n = len(t)
    while i != -1:
        j = i + 2
        while j < n and t[j] == " ":
            j += 1
        parts.append(t[pos : i + 1])
        cmap.add(d, i - pos, pos, i - pos, exact=True)
        d += i - pos
        cmap.add(d, 1, i, j - i, exact=False)  # the one space stands for the whole run
        d += 1
        pos = j
        i = t.find("  ", j)
    parts.append(t[pos:])
    cmap.add(d, n - pos, pos, n - pos, exact=True)
    return "".join(parts), cmap


# --- compiled topics ----------------------------------------------------------------------------------

_FieldIdx = Literal[0, 1]  # 0 = title, 1 = text
_BOTH: tuple[_FieldIdx, ...] = (0, 1)
_FIELD_NAMES = TEXT_FIELDS


@dataclass(frozen=True, slots=True)
class _Spec:
    """One distinct literal to verify at automaton hits: (folded text, prefix)."""

    idx: int
    key: int
    length: int
    check_left: bool
    check_right: bool
    extend: bool


class _CNode:
    __slots__ = ()

    def ev(self, st: _State) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class _CTerm(_CNode):
    __slots__ = ("fields", "node", "spec")

    def __init__(self, node: Term, spec: _Spec) -> None:
        self.node = node
        self.spec = spec
        self.fields: tuple[_FieldIdx, ...] = _fields_of(node)

    def ev(self, st: _State) -> bool:
        return any(st.occ(self.spec, f) for f in self.fields)


class _CMeta(_CNode):
    __slots__ = ("gate", "node")

    def __init__(self, node: Meta, gate: int) -> None:
        self.node = node
        self.gate = gate

    def ev(self, st: _State) -> bool:
        return _meta_true(self.node, st)


class _CAnd(_CNode):
    __slots__ = ("children", "fast", "node")

    def __init__(self, node: And, children: tuple[_CNode, ...]) -> None:
        self.node = node
        self.children = children  # as written (explanations follow the query)
        self.fast = tuple(sorted(children, key=_cost))  # cheapest first; the result is the same

    def ev(self, st: _State) -> bool:
        return all(c.ev(st) for c in self.fast)


class _COr(_CNode):
    __slots__ = ("children", "fast", "node")

    def __init__(self, node: Or, children: tuple[_CNode, ...]) -> None:
        self.node = node
        self.children = children
        self.fast = tuple(sorted(children, key=_cost))

    def ev(self, st: _State) -> bool:
        return any(c.ev(st) for c in self.fast)


class _CNot(_CNode):
    __slots__ = ("child", "node")

    def __init__(self, node: Not, child: _CNode) -> None:
        self.node = node
        self.child = child

    def ev(self, st: _State) -> bool:
        return not self.child.ev(st)


class _CNear(_CNode):
    __slots__ = ("fields", "left", "node", "right")

    def __init__(self, node: Near, left: tuple[_CTerm, ...], right: tuple[_CTerm, ...]) -> None:
        self.node = node
        self.left = left
        self.right = right
        lf = {f for t in left for f in t.fields}
        rf = {f for t in right for f in t.fields}
        self.fields: tuple[_FieldIdx, ...] = tuple(f for f in _BOTH if f in lf and f in rf)

    def ev(self, st: _State) -> bool:
        return any(st.near_within(self, f) for f in self.fields)


def _cost(cn: _CNode) -> int:
    """A rough evaluation cost, to try cheap children of AND / OR first (the result is the same)."""
    if isinstance(cn, _CMeta | _CTerm):
        return 1
    if isinstance(cn, _CNear):
        return 20
    if isinstance(cn, _CNot):
        return _cost(cn.child)
    assert isinstance(cn, _CAnd | _COr)
    return sum(_cost(c) for c in cn.children)


def _fields_of(t: Term) -> tuple[_FieldIdx, ...]:
    if t.field == "title":
        return (0,)
    if t.field == "text":
        return (1,)
    return _BOTH


def _fold_value(v: str) -> str:
    return fold_with_offsets(v).text.strip(" ")


def _meta_true(m: Meta, st: _State) -> bool:
    return any(v == m.value or (m.prefix and v.startswith(m.value)) for v in st.meta(m.field))


@dataclass(frozen=True, slots=True)
class _Topic:
    id: str
    title: str
    query: Node
    root: _CNode
    clauses: tuple[frozenset[int], ...]  # gates: one literal of each must be present
    mask: int  # this topic's clauses, as bits of the matcher-wide clause numbering
    meta_mask: int  # the bits of clauses that a source:/tag:/lang: leaf can satisfy


_Clauses = list[frozenset[int]]
_NO_GATE = (0, 0)
_MAX_CLAUSES = 16


def _gates(cn: _CNode, negated: bool) -> _Clauses | None:
    """CNF-ish necessary conditions: a list of clauses (sets of gate ids), or None for "no condition"."""
    if isinstance(cn, _CTerm):
        return None if negated else [frozenset({_term_gate(cn)})]
    if isinstance(cn, _CMeta):
        return None if negated else [frozenset({cn.gate})]
    if isinstance(cn, _CNear):
        if negated:
            return None
        return [frozenset(_term_gate(t) for t in cn.left), frozenset(_term_gate(t) for t in cn.right)]
    if isinstance(cn, _CNot):
        return _gates(cn.child, not negated)
    assert isinstance(cn, _CAnd | _COr)
    subs = [_gates(c, negated) for c in cn.children]
    if isinstance(cn, _CAnd) != negated:  # a conjunction: every child's conditions hold
        known = [s for s in subs if s is not None]
        return _minimal([c for s in known for c in s]) if known else None
    if any(s is None for s in subs):  # a disjunction with an unconditional branch
        return None
    alts = [s for s in subs if s is not None]
    size = 1
    for s in alts:
        size *= len(s)
    if size <= _MAX_CLAUSES:
        return _minimal([frozenset().union(*combo) for combo in product(*alts)])
    return [frozenset().union(*(min(s, key=len) for s in alts))]


def _term_gate(t: _CTerm) -> int:
    """Gate id of a term: its key, made field-specific when the term is scoped (key*3+1 title, +2 text)."""
    return t.spec.key * 3 + (0 if len(t.fields) == 2 else 1 + t.fields[0])


def _minimal(clauses: _Clauses) -> _Clauses:
    out: _Clauses = []
    for c in sorted(set(clauses), key=lambda c: (len(c), sorted(c))):
        if not any(o <= c for o in out):
            out.append(c)
    return out


# --- per-document state -------------------------------------------------------------------------------


class _Tokens:
    """Token positions of one folded field (see the query module docstring for the definition)."""

    __slots__ = ("ends", "starts")

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for m in TOKEN_RE.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())

    def first(self, start: int) -> int:
        i = bisect_right(self.starts, start) - 1
        return i if i >= 0 and self.ends[i] > start else i + 1

    def last(self, end: int) -> int:
        return bisect_right(self.starts, end - 1) - 1


_Occ = tuple[int, int]


class _State:
    """Everything computed for one document, lazily and at most once."""

    __slots__ = ("_meta", "doc", "fields", "hits", "occs", "present", "tokens")

    def __init__(
        self, doc: Doc, fields: tuple[_Folded, _Folded], hits: tuple[list[tuple[int, int]], ...]
    ) -> None:
        self.doc = doc
        self.fields = fields
        self.hits = hits  # per field: (end index, key id) from the automaton, unverified
        self.present = (set(map(_second, hits[0])), set(map(_second, hits[1])))
        self.occs: dict[int, list[_Occ]] = {}
        self.tokens: list[_Tokens | None] = [None, None]
        self._meta: dict[str, tuple[str, ...]] | None = None

    def meta(self, field: str) -> tuple[str, ...]:
        """The document's folded source / tags / lang values."""
        if self._meta is None:
            d = self.doc
            self._meta = {
                "source": (_fold_value(d.source),) if d.source else (),
                "tag": tuple(_fold_value(t) for t in d.tags),
                "lang": (_fold_value(d.lang),) if d.lang else (),
            }
        return self._meta[field]

    def occ(self, spec: _Spec, f: int) -> list[_Occ]:
        ck = spec.idx * 2 + f
        found = self.occs.get(ck)
        if found is not None:
            return found
        found = []
        key = spec.key
        if key in self.present[f]:
            t = self.fields[f].text
            n = len(t)
            length = spec.length
            word = _ascii_word if t.isascii() else _latin_word
            for end, k in self.hits[f]:
                if k != key:
                    continue
                s = end - length + 1
                e = end + 1
                if spec.check_left and s > 0 and word(t[s - 1]):
                    continue
                if spec.extend:
                    m = _LATIN_RUN_RE.match(t, e)
                    if m is not None:
                        e = m.end()
                elif spec.check_right and e < n and word(t[e]):
                    continue
                found.append((s, e))
        self.occs[ck] = found
        return found

    def toks(self, f: int) -> _Tokens:
        tk = self.tokens[f]
        if tk is None:
            tk = self.tokens[f] = _Tokens(self.fields[f].text)
        return tk

    def within(self, f: int, a: _Occ, b: _Occ, n: int) -> bool:
        """Are occurrences a and b at most n tokens apart? Counts only the tokens of the gap between them.

        The tokens strictly between two occurrences are exactly the tokens lying inside the gap, so the
        gap alone can be tokenised, unless a CJK run crosses an end of the gap (its pairing depends on
        where the run starts) or the occurrences overlap: then the field's full token index is used.
        """
        if a[1] <= b[0]:
            g0, g1 = a[1], b[0]
        elif b[1] <= a[0]:
            g0, g1 = b[1], a[0]
        else:
            return self.distance(f, a, b) <= n
        if g1 - g0 < n:  # each token in the gap takes at least one character
            return True
        t = self.fields[f].text
        if (_CJK_RE.match(t, g0 - 1) and _CJK_RE.match(t, g0)) or (
            _CJK_RE.match(t, g1 - 1) and _CJK_RE.match(t, g1)
        ):
            return self.distance(f, a, b) <= n
        # n or more tokens inside the gap put the two at least n + 1 apart
        return all(count < n for count, _ in enumerate(TOKEN_RE.finditer(t, g0, g1), start=1))

    def distance(self, f: int, a: _Occ, b: _Occ) -> int:
        """The exact token distance of two occurrences (full token index of the field)."""
        tk = self.toks(f)
        af, al = tk.first(a[0]), tk.last(a[1])
        bf, bl = tk.first(b[0]), tk.last(b[1])
        return bf - al if al < bf else (af - bl if bl < af else 0)

    def _pairs(self, cn: _CNear, f: int) -> list[tuple[_CTerm, _Occ, _CTerm, _Occ]]:
        left = [(t, o) for t in cn.left if f in t.fields for o in self.occ(t.spec, f)]
        if not left:
            return []
        right = [(t, o) for t in cn.right if f in t.fields for o in self.occ(t.spec, f)]
        return [(lt, lo, rt, ro) for lt, lo in left for rt, ro in right]

    def near_within(self, cn: _CNear, f: int) -> bool:
        pairs = self._pairs(cn, f)
        if len(pairs) > 1:  # likeliest first: the pair closest in characters
            pairs.sort(key=lambda p: max(p[1][0] - p[3][1], p[3][0] - p[1][1]))
        n = cn.node.distance
        return any(self.within(f, lo, ro, n) for _, lo, _, ro in pairs)

    def near_pairs(self, cn: _CNear, f: int) -> list[tuple[_CTerm, _Occ, _CTerm, _Occ]]:
        """Every pair within the NEAR distance in field f (the evidence)."""
        n = cn.node.distance
        return [p for p in self._pairs(cn, f) if self.within(f, p[1], p[3], n)]

    def closest(self, cn: _CNear, f: int) -> tuple[int, _Occ, _Occ] | None:
        """The closest pair (distance, left occurrence, right occurrence) in field f, for explanations."""
        best: tuple[int, _Occ, _Occ] | None = None
        for _, lo, _, ro in self._pairs(cn, f):
            d = self.distance(f, lo, ro)
            if best is None or d < best[0]:
                best = (d, lo, ro)
        return best

    def original(self, f: int, occ: _Occ) -> tuple[int, int, str]:
        s, e = self.fields[f].original_span(*occ)
        src = self.doc.title if f == 0 else self.doc.text
        return s, e, src[s:e]


# --- the matcher --------------------------------------------------------------------------------------


class Matcher:
    """Topics compiled once; :meth:`match` is pure and safe to call from many threads."""

    def __init__(self, topics: Sequence[TopicQuery]) -> None:
        ids = [t.id for t in topics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"match: duplicate topic ids: {', '.join(dupes)}")
        self._keys: dict[str, int] = {}
        self._specs: dict[tuple[str, bool], _Spec] = {}
        self._metas: dict[Meta, int] = {}
        compiled = [(t, self._compile(t.query)) for t in topics]
        self._meta_gates = tuple(self._metas.items())
        self._topics: list[_Topic] = []
        # Every clause of every topic gets one bit; a gate (key or metadata leaf) sets the bits of the
        # clauses it appears in. A topic is a candidate when all its bits are set.
        gate_bits: dict[int, int] = {}
        gate_topics: dict[int, int] = {}  # gate -> bits of the topics (by index) that use it
        always = 0  # topics that only metadata can gate
        bit = 0
        for ti, (t, root) in enumerate(compiled):
            clauses = _gates(root, negated=False)
            if not clauses:
                raise ValueError(f"match: topic {t.id}: the query can match without any positive term")
            mask = meta_mask = 0
            for clause in clauses:
                for g in clause:
                    gate_bits[g] = gate_bits.get(g, 0) | 1 << bit
                    gate_topics[g] = gate_topics.get(g, 0) | 1 << ti
                    if g < 0:
                        meta_mask |= 1 << bit
                mask |= 1 << bit
                bit += 1
            if mask == meta_mask:
                always |= 1 << ti
            self._topics.append(_Topic(t.id, t.title, t.query, root, tuple(clauses), mask, meta_mask))
        self._gate_bits = gate_bits
        self._always = always
        # Per field: key -> (clause bits, topic bits) of the gates a hit of the key in that field opens
        # (the key's unscoped gate and its title: or text: one).
        self._key_gates: tuple[dict[int, tuple[int, int]], ...] = tuple(
            {
                k: (
                    gate_bits.get(k * 3, 0) | gate_bits.get(k * 3 + 1 + f, 0),
                    gate_topics.get(k * 3, 0) | gate_topics.get(k * 3 + 1 + f, 0),
                )
                for k in self._keys.values()
            }
            for f in _BOTH
        )
        self._by_id = {t.id: t for t in self._topics}
        self._ac_all = self._automaton(list(self._keys))
        self._ac_ascii = self._automaton([k for k in self._keys if k.isascii()])

    def _automaton(self, keys: list[str]) -> ahocorasick.Automaton | None:
        if not keys:
            return None
        a = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for k in keys:
            a.add_word(k, self._keys[k])
        a.make_automaton()
        return a

    def _compile(self, node: Node) -> _CNode:
        if isinstance(node, Term):
            return _CTerm(node, self._spec(node))
        if isinstance(node, Meta):
            gate = self._metas.setdefault(node, -1 - len(self._metas))  # negative: not an automaton key
            return _CMeta(node, gate)
        if isinstance(node, And):
            return _CAnd(node, tuple(self._compile(c) for c in node.children))
        if isinstance(node, Or):
            return _COr(node, tuple(self._compile(c) for c in node.children))
        if isinstance(node, Not):
            return _CNot(node, self._compile(node.child))
        left = tuple(_CTerm(t, self._spec(t)) for t in node.left)
        right = tuple(_CTerm(t, self._spec(t)) for t in node.right)
        return _CNear(node, left, right)

    def _spec(self, t: Term) -> _Spec:
        sk = (t.norm, t.prefix)
        spec = self._specs.get(sk)
        if spec is None:
            key = self._keys.setdefault(t.norm, len(self._keys))
            spec = _Spec(
                idx=len(self._specs),
                key=key,
                length=len(t.norm),
                check_left=is_latin_word(t.norm[0]),
                check_right=not t.prefix and is_latin_word(t.norm[-1]),
                extend=t.prefix and is_latin_word(t.norm[-1]),
            )
            self._specs[sk] = spec
        return spec

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self._topics)

    # -- per document --

    def _state(self, doc: Doc) -> _State:
        title, text = fold_with_offsets(doc.title), fold_with_offsets(doc.text)
        return _State(doc, (title, text), (self._scan(title.text), self._scan(text.text)))

    def _scan(self, t: str) -> list[tuple[int, int]]:
        """(end index, key id) of every key occurrence in folded text: the one pass over the text."""
        ac = self._ac_ascii if t.isascii() else self._ac_all
        return list(ac.iter(t)) if ac is not None and t else []

    def _candidates(self, st: _State) -> list[_Topic]:
        bits = 0
        touched = self._always
        for present, by_key in zip(st.present, self._key_gates, strict=True):
            for key in present:
                b, tb = by_key.get(key, _NO_GATE)
                bits |= b
                touched |= tb
        out = []
        meta_bits = -1  # not computed yet: metadata is folded only when a topic needs it
        topics = self._topics
        while touched:
            low = touched & -touched
            touched ^= low
            t = topics[low.bit_length() - 1]
            missing = t.mask & ~bits
            if missing and not (missing & ~t.meta_mask):
                if meta_bits < 0:
                    meta_bits = 0
                    for m, gate in self._meta_gates:
                        if _meta_true(m, st):
                            meta_bits |= self._gate_bits[gate]
                missing &= ~meta_bits
            if not missing:
                out.append(t)
        return out

    def candidates(self, doc: Doc) -> list[str]:
        """Topic ids that pass the prefilter (a superset of the matches); for tests and profiling."""
        return [t.id for t in self._candidates(self._state(doc))]

    def match_ids(self, doc: Doc) -> list[str]:
        """The ids of the topics that match ``doc`` (no evidence collected: cheaper than :meth:`match`)."""
        st = self._state(doc)
        return [t.id for t in self._candidates(st) if t.root.ev(st)]

    def match(self, doc: Doc) -> list[Mention]:
        """Every topic that matches ``doc``, in configuration order, with its evidence."""
        st = self._state(doc)
        if not st.present[0] and not st.present[1] and not self._meta_gates:
            return []
        out = []
        for topic in self._candidates(st):
            if topic.root.ev(st):
                terms = _matched_terms(topic.root, st)
                spans = [(t.start, t.end) for t in terms if t.field == "text"]
                out.append(Mention(topic_id=topic.id, terms=terms, snippet=snippet(doc.text, spans)))
        return out

    def explain(self, doc: Doc, topic_id: str) -> Explanation:
        """Why ``topic_id`` matches ``doc``, or which clauses failed (evaluates fully, no prefilter)."""
        topic = self._by_id.get(topic_id)
        if topic is None:
            raise KeyError(f"match: unknown topic {topic_id!r} (topics: {', '.join(self._by_id)})")
        st = self._state(doc)
        matched = topic.root.ev(st)
        reasons = _why(topic.root, st) if matched else _why_not(topic.root, st)
        found = _matched_terms(topic.root, st, everywhere=True)
        return Explanation(topic_id, matched, tuple(reasons), found)


# --- evidence and explanations ------------------------------------------------------------------------

_Hit = tuple[Term, int, _Occ]


def _evidence(cn: _CNode, st: _State, out: list[_Hit], *, everywhere: bool) -> None:
    """Positive term occurrences that make ``cn`` true (``everywhere``: all positive ones present)."""
    if isinstance(cn, _CTerm):
        for f in cn.fields:
            out.extend((cn.node, f, o) for o in st.occ(cn.spec, f))
    elif isinstance(cn, _CAnd):
        for c in cn.children:
            _evidence(c, st, out, everywhere=everywhere)
    elif isinstance(cn, _COr):
        for c in cn.children:
            if everywhere or c.ev(st):
                _evidence(c, st, out, everywhere=everywhere)
    elif isinstance(cn, _CNear):
        if everywhere:
            for t in (*cn.left, *cn.right):
                _evidence(t, st, out, everywhere=True)
        else:
            for f in cn.fields:
                for lt, lo, rt, ro in st.near_pairs(cn, f):
                    out.append((lt.node, f, lo))
                    out.append((rt.node, f, ro))


def _matched_terms(root: _CNode, st: _State, *, everywhere: bool = False) -> tuple[MatchedTerm, ...]:
    hits: list[_Hit] = []
    _evidence(root, st, hits, everywhere=everywhere)
    seen: dict[tuple[str, int, int, int], MatchedTerm] = {}
    for term, f, occ in hits:
        s, e, text = st.original(f, occ)
        k = (term.text, f, s, e)
        if k not in seen:
            seen[k] = MatchedTerm(term=term.text, field=_FIELD_NAMES[f], start=s, end=e, matched=text)
    return tuple(sorted(seen.values(), key=lambda t: (t.field != "title", t.start, t.end, t.term)))


def _quote(st: _State, f: int, occ: _Occ) -> str:
    return repr(st.original(f, occ)[2])


def _label(cn: _CNode) -> str:
    if isinstance(cn, _CTerm | _CMeta):
        return show_term(cn.node)
    assert isinstance(cn, _CAnd | _COr | _CNot | _CNear)
    return unparse(cn.node)


def _why(cn: _CNode, st: _State) -> list[str]:
    """For a true node: the evidence, clause by clause."""
    if isinstance(cn, _CTerm):
        f, occ = next((f, o) for f in cn.fields for o in st.occ(cn.spec, f))
        return [f"found {_label(cn)}: {_quote(st, f, occ)} in {_FIELD_NAMES[f]}"]
    if isinstance(cn, _CMeta):
        return [f"{_label(cn)}: yes"]
    if isinstance(cn, _CNot):
        return [f"absent: {_label(cn.child)}"]
    if isinstance(cn, _CNear):
        for f in cn.fields:
            best = st.closest(cn, f)
            if best is not None and best[0] <= cn.node.distance:
                d, lo, ro = best
                return [
                    f"NEAR/{cn.node.distance}: {_quote(st, f, lo)} and {_quote(st, f, ro)} "
                    f"are {d} token{'s' if d != 1 else ''} apart in {_FIELD_NAMES[f]}"
                ]
        raise AssertionError("_why on a false NEAR")  # pragma: no cover
    if isinstance(cn, _CAnd):
        return [r for c in cn.children for r in _why(c, st)]
    assert isinstance(cn, _COr)
    return _why(next(c for c in cn.children if c.ev(st)), st)


def _why_not(cn: _CNode, st: _State) -> list[str]:
    """For a false node: every clause that failed, in words."""
    if isinstance(cn, _CTerm):
        return [f"missing: {_label(cn)}"]
    if isinstance(cn, _CMeta):
        m = cn.node
        have = {"source": [st.doc.source] if st.doc.source else [], "tag": list(st.doc.tags)}.get(
            m.field, [st.doc.lang] if st.doc.lang else []
        )
        return [f"missing: {_label(cn)} ({m.field}: {', '.join(have) if have else 'none'})"]
    if isinstance(cn, _CNot):
        found: list[_Hit] = []
        _evidence(cn.child, st, found, everywhere=False)
        quoted = sorted({repr(st.original(f, o)[2]) for _, f, o in found})
        return [f"NOT vetoed by {', '.join(quoted) if quoted else _label(cn.child)}"]
    if isinstance(cn, _CNear):
        return _why_not_near(cn, st)
    if isinstance(cn, _CAnd):
        return [r for c in cn.children if not c.ev(st) for r in _why_not(c, st)]
    assert isinstance(cn, _COr)
    if all(isinstance(c, _CTerm) for c in cn.children):
        return [f"missing: any of {', '.join(_label(c) for c in cn.children)}"]
    parts = [" and ".join(_why_not(c, st)) for c in cn.children]
    return ["none of: " + " | ".join(f"({p})" for p in parts)]


def _why_not_near(cn: _CNear, st: _State) -> list[str]:
    n = cn.node.distance
    present = [any(st.occ(t.spec, f) for t in side for f in t.fields) for side in (cn.left, cn.right)]
    missing = [
        "missing: " + (_label(side[0]) if len(side) == 1 else "any of " + ", ".join(_label(t) for t in side))
        for side, ok in zip((cn.left, cn.right), present, strict=True)
        if not ok
    ]
    if missing:
        return missing
    best: tuple[int, _Occ, _Occ] | None = None
    best_f = 0
    for f in cn.fields:
        c = st.closest(cn, f)
        if c is not None and (best is None or c[0] < best[0]):
            best, best_f = c, f
    if best is None:
        return [f"NEAR/{n}: {_alts_label(cn.left)} and {_alts_label(cn.right)} never occur in the same field"]
    d, lo, ro = best
    return [f"NEAR/{n}: {_quote(st, best_f, lo)} and {_quote(st, best_f, ro)} are {d} tokens apart"]


def _alts_label(side: tuple[_CTerm, ...]) -> str:
    return " / ".join(_label(t) for t in side)

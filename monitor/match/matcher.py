"""Topic queries compiled once into one fast matcher (pure; the query language is ``monitor.match.query``).

How a document is matched:

1. Each field (title, text) is folded once (:func:`monitor.match.query.fold`: NFKC, casefold, quotes,
   separators, single spaces) while keeping an offset map back to the original string. Plain ASCII text
   with single spaces (the common case) needs no map at all.
2. ONE Aho–Corasick automaton (pyahocorasick) holding the folded literal of every term of every topic
   runs over each folded field. (ASCII text runs a smaller automaton without the CJK keys.)
3. Every topic has precompiled *gates*: clauses of literals, at least one of each must occur for the query
   to have any chance (``(tariff* OR duties) AND Japan`` needs {tariff, duties} and {japan}). Only topics
   whose gates are all satisfied by raw automaton hits are evaluated.
4. Evaluation of a candidate reuses the hits: word-boundary checks at the hit positions, wildcard
   extension by scanning forward over Latin word characters, token positions (for NEAR) computed lazily,
   once per field.

Spans in :class:`~monitor.model.MatchedTerm` are offsets into the ORIGINAL title or text (folding may
change lengths: ``ﬁ`` -> ``fi``, ``…`` -> ``...``, a newline run -> one space); ``matched`` is the
original substring. ``source:``/``tag:``/``lang:`` leaves match document metadata and give no spans.

``monitor.match.reference`` is the same language evaluated naively (one ``re`` per term); tests and
``bench/match.py`` check that both agree.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product
from typing import Literal

import ahocorasick

from monitor.match.keywords import snippet
from monitor.match.query import (
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
    fold,
    is_latin_word,
    show_term,
    unparse,
)
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
_FOLD_CHARS_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in FOLD_TABLE) + "]")
_SPACE_RUN_RE = re.compile(" {2,}")
_LATIN_RUN_RE = re.compile(f"{LATIN_WORD_CLASS}+")
_LATIN_WORD_RE = re.compile(LATIN_WORD_CLASS)


@cache
def _second_elements() -> frozenset[int]:
    """Characters that can compose with the character before them (NFC's second elements)."""
    second = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    for cp in range(0x80, 0x10000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                second.add(int(parts[1], 16))
    return frozenset(second)


@cache
def _unstable_re() -> re.Pattern[str]:
    """Characters whose folding is not one-to-one and context-free: they are folded cluster by cluster.

    Unstable: NFKC or casefold gives 0 or 2+ characters (``ﬁ``, ``…``, ``ß``, ``㍿``), a combining
    mark, or something that composes with the character before it (``ﾞ`` after ``ｶ``, Hangul vowels);
    every astral character, to be safe. Everything else folds in bulk, character for character.
    Computed on first use (some 50 ms), only when a text is not already NFKC.
    """
    ranges: list[list[int]] = []
    for cp in range(0x80, 0x10000):
        if _unstable(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    body = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return re.compile(f"[{body}\\U00010000-\\U0010ffff]+")


def _unstable(ch: str) -> bool:
    if 0xD800 <= ord(ch) <= 0xDFFF:
        return True
    nf = unicodedata.normalize("NFKC", ch)
    return len(nf) != 1 or len(nf.casefold()) != 1 or _attaches(ch)


def _attaches(ch: str) -> bool:
    """Does ``ch`` (or what it folds to) combine with the character before it?"""
    second = _second_elements()
    nf = unicodedata.normalize("NFKC", ch)
    return (
        unicodedata.combining(ch) != 0
        or ord(ch) in second
        or (nf != "" and (unicodedata.combining(nf[0]) != 0 or ord(nf[0]) in second))
    )


def _fold_slow(s: str) -> tuple[str, _OffsetMap]:
    """NFKC + casefold with a map: stable stretches in bulk, unstable ones cluster by cluster."""
    out: list[str] = []
    omap = _OffsetMap()
    d = pos = 0
    for m in _unstable_re().finditer(s):
        a, z = m.span()
        start = max(pos, a - 1)  # the character before may be the base the first mark composes with
        if start > pos:
            seg = unicodedata.normalize("NFKC", s[pos:start]).casefold()
            out.append(seg)
            omap.add(d, len(seg), pos, start - pos, exact=len(seg) == start - pos)
            d += len(seg)
        i = start
        while i < z:
            j = i + 1
            while j < z and _attaches(s[j]):
                j += 1
            piece = unicodedata.normalize("NFKC", s[i:j]).casefold()
            out.append(piece)
            omap.add(d, len(piece), i, j - i, exact=len(piece) == 1 and j - i == 1)
            d += len(piece)
            i = j
        pos = z
    if pos < len(s):
        seg = unicodedata.normalize("NFKC", s[pos:]).casefold()
        out.append(seg)
        omap.add(d, len(seg), pos, len(s) - pos, exact=len(seg) == len(s) - pos)
    text = "".join(out)
    expected = unicodedata.normalize("NFKC", s).casefold()
    if text != expected:  # pragma: no cover - guard: never seen, but spans must never be wrong
        coarse = _OffsetMap()
        coarse.add(0, len(expected), 0, len(s), exact=False)
        return expected, coarse
    return text, omap


def fold_with_offsets(s: str) -> _Folded:
    """``fold(s)`` plus the maps back to ``s``. Equal to :func:`monitor.match.query.fold` by contract."""
    maps: list[_OffsetMap] = []
    if s.isascii():
        t = s.lower()
        for c in _ASCII_SEPARATORS:
            if c in t:
                t = t.replace(c, " ")
    else:
        if unicodedata.is_normalized("NFKC", s) and len(t := s.casefold()) == len(s):
            pass
        else:
            t, omap = _fold_slow(s)
            maps.append(omap)
        if _FOLD_CHARS_RE.search(t) is not None:
            t = t.translate(FOLD_TABLE)
    if "  " in t:
        cmap = _OffsetMap()
        parts: list[str] = []
        d = pos = 0
        for m in _SPACE_RUN_RE.finditer(t):
            a, z = m.span()
            parts.append(t[pos:a])
            cmap.add(d, a - pos, pos, a - pos, exact=True)
            d += a - pos
            parts.append(" ")
            cmap.add(d, 1, a, z - a, exact=False)
            d += 1
            pos = z
        parts.append(t[pos:])
        cmap.add(d, len(t) - pos, pos, len(t) - pos, exact=True)
        t = "".join(parts)
        maps.insert(0, cmap)
    return _Folded(t, tuple(maps))


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
        return _meta_true(self.node, st.doc)


class _CAnd(_CNode):
    __slots__ = ("children", "node")

    def __init__(self, node: And, children: tuple[_CNode, ...]) -> None:
        self.node = node
        self.children = children

    def ev(self, st: _State) -> bool:
        return all(c.ev(st) for c in self.children)


class _COr(_CNode):
    __slots__ = ("children", "node")

    def __init__(self, node: Or, children: tuple[_CNode, ...]) -> None:
        self.node = node
        self.children = children

    def ev(self, st: _State) -> bool:
        return any(c.ev(st) for c in self.children)


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
        n = self.node.distance
        for f in self.fields:
            best = st.closest(self, f, stop_at=n)
            if best is not None and best[0] <= n:
                return True
        return False


def _fields_of(t: Term) -> tuple[_FieldIdx, ...]:
    if t.field == "title":
        return (0,)
    if t.field == "text":
        return (1,)
    return _BOTH


def _meta_true(m: Meta, doc: Doc) -> bool:
    if m.field == "source":
        values: tuple[str, ...] = (doc.source,)
    elif m.field == "tag":
        values = doc.tags
    else:
        values = (doc.lang,) if doc.lang else ()
    for v in values:
        fv = fold(v).strip(" ")
        if fv == m.value or (m.prefix and fv.startswith(m.value)):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Topic:
    id: str
    title: str
    query: Node
    root: _CNode
    clauses: tuple[frozenset[int], ...]  # gates: one literal of each must be present
    full_mask: int


_Clauses = list[frozenset[int]]
_MAX_CLAUSES = 16


def _gates(cn: _CNode, negated: bool) -> _Clauses | None:
    """CNF-ish necessary conditions: a list of clauses (sets of gate ids), or None for "no condition"."""
    if isinstance(cn, _CTerm):
        return None if negated else [frozenset({cn.spec.key})]
    if isinstance(cn, _CMeta):
        return None if negated else [frozenset({cn.gate})]
    if isinstance(cn, _CNear):
        if negated:
            return None
        return [frozenset(t.spec.key for t in cn.left), frozenset(t.spec.key for t in cn.right)]
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

    __slots__ = ("doc", "fields", "hits", "occs", "tokens")

    def __init__(
        self, doc: Doc, fields: tuple[_Folded, _Folded], hits: tuple[dict[int, list[int]], ...]
    ) -> None:
        self.doc = doc
        self.fields = fields
        self.hits = hits
        self.occs: dict[int, list[_Occ]] = {}
        self.tokens: list[_Tokens | None] = [None, None]

    def occ(self, spec: _Spec, f: int) -> list[_Occ]:
        ck = spec.idx * 2 + f
        found = self.occs.get(ck)
        if found is not None:
            return found
        found = []
        ends = self.hits[f].get(spec.key)
        if ends:
            t = self.fields[f].text
            n = len(t)
            length = spec.length
            for end in ends:
                s = end - length + 1
                e = end + 1
                if spec.check_left and s > 0 and _LATIN_WORD_RE.match(t, s - 1) is not None:
                    continue
                if spec.extend:
                    m = _LATIN_RUN_RE.match(t, e)
                    if m is not None:
                        e = m.end()
                elif spec.check_right and e < n and _LATIN_WORD_RE.match(t, e) is not None:
                    continue
                found.append((s, e))
        self.occs[ck] = found
        return found

    def toks(self, f: int) -> _Tokens:
        tk = self.tokens[f]
        if tk is None:
            tk = self.tokens[f] = _Tokens(self.fields[f].text)
        return tk

    def closest(
        self, cn: _CNear, f: int, *, stop_at: int = -1
    ) -> tuple[int, _CTerm, _Occ, _CTerm, _Occ] | None:
        """The closest pair (distance, left term, its occurrence, right term, its occurrence) in field f."""
        left = [(t, o) for t in cn.left if f in t.fields for o in self.occ(t.spec, f)]
        if not left:
            return None
        right = [(t, o) for t in cn.right if f in t.fields for o in self.occ(t.spec, f)]
        if not right:
            return None
        tk = self.toks(f)
        lpos = [(tk.first(o[0]), tk.last(o[1])) for _, o in left]
        rpos = [(tk.first(o[0]), tk.last(o[1])) for _, o in right]
        best: tuple[int, _CTerm, _Occ, _CTerm, _Occ] | None = None
        for (lt, lo), (lf, ll) in zip(left, lpos, strict=True):
            for (rt, ro), (rf, rl) in zip(right, rpos, strict=True):
                d = rf - ll if ll < rf else (lf - rl if rl < lf else 0)
                if best is None or d < best[0]:
                    best = (d, lt, lo, rt, ro)
                    if d <= stop_at:
                        return best
        return best

    def near_pairs(self, cn: _CNear, f: int) -> list[tuple[int, _CTerm, _Occ, _CTerm, _Occ]]:
        """Every pair within the NEAR distance in field f (for evidence)."""
        out = []
        tk = self.toks(f)
        n = cn.node.distance
        for lt in cn.left:
            for lo in self.occ(lt.spec, f) if f in lt.fields else ():
                lf, ll = tk.first(lo[0]), tk.last(lo[1])
                for rt in cn.right:
                    for ro in self.occ(rt.spec, f) if f in rt.fields else ():
                        rf, rl = tk.first(ro[0]), tk.last(ro[1])
                        d = rf - ll if ll < rf else (lf - rl if rl < lf else 0)
                        if d <= n:
                            out.append((d, lt, lo, rt, ro))
        return out

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
        gate_index: dict[int, dict[int, int]] = {}
        for ti, (t, root) in enumerate(compiled):
            clauses = _gates(root, negated=False)
            if not clauses:
                raise ValueError(f"match: topic {t.id}: the query can match without any positive term")
            clauses = clauses[:62]  # a handful in practice; the mask stays a small int
            for ci, clause in enumerate(clauses):
                for g in clause:
                    gate_index.setdefault(g, {}).setdefault(ti, 0)
                    gate_index[g][ti] |= 1 << ci
            self._topics.append(_Topic(t.id, t.title, t.query, root, tuple(clauses), (1 << len(clauses)) - 1))
        self._gate_index = {g: tuple(d.items()) for g, d in gate_index.items()}
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
        fields = (fold_with_offsets(doc.title), fold_with_offsets(doc.text))
        hits: list[dict[int, list[int]]] = []
        for fd in fields:
            h: dict[int, list[int]] = {}
            ac = self._ac_ascii if fd.text.isascii() else self._ac_all
            if ac is not None and fd.text:
                for end, key in ac.iter(fd.text):
                    lst = h.get(key)
                    if lst is None:
                        h[key] = [end]
                    else:
                        lst.append(end)
            hits.append(h)
        return _State(doc, fields, (hits[0], hits[1]))

    def _candidates(self, st: _State) -> list[_Topic]:
        sat: dict[int, int] = {}
        index = self._gate_index
        for h in st.hits:
            for key in h:
                for ti, mask in index.get(key, ()):
                    sat[ti] = sat.get(ti, 0) | mask
        for m, gate in self._meta_gates:
            if _meta_true(m, st.doc):
                for ti, mask in index.get(gate, ()):
                    sat[ti] = sat.get(ti, 0) | mask
        topics = self._topics
        return [topics[ti] for ti in sorted(sat) if sat[ti] == topics[ti].full_mask]

    def candidates(self, doc: Doc) -> list[str]:
        """Topic ids that pass the prefilter (a superset of the matches); for tests and profiling."""
        return [t.id for t in self._candidates(self._state(doc))]

    def match(self, doc: Doc) -> list[Mention]:
        """Every topic that matches ``doc``, in configuration order, with its evidence."""
        st = self._state(doc)
        if not st.hits[0] and not st.hits[1] and not self._meta_gates:
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
                for _, lt, lo, rt, ro in st.near_pairs(cn, f):
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
                d, _, lo, _, ro = best
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
    best: tuple[int, _CTerm, _Occ, _CTerm, _Occ] | None = None
    best_f = 0
    for f in cn.fields:
        c = st.closest(cn, f)
        if c is not None and (best is None or c[0] < best[0]):
            best, best_f = c, f
    if best is None:
        return [f"NEAR/{n}: {_alts_label(cn.left)} and {_alts_label(cn.right)} never occur in the same field"]
    d, _, lo, _, ro = best
    return [f"NEAR/{n}: {_quote(st, best_f, lo)} and {_quote(st, best_f, ro)} are {d} tokens apart"]


def _alts_label(side: tuple[_CTerm, ...]) -> str:
    return " / ".join(_label(t) for t in side)

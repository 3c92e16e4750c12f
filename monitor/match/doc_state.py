"""Per-document state for evaluating compiled queries (:mod:`monitor.match.evaluate`): :class:`State`
(folded fields, automaton hits, verified occurrences, token and sentence indexes, computed lazily and at
most once) with the NEAR / SENT sweeps over occurrences, and :class:`Tokens` (token positions of a field).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import replace
from operator import itemgetter
from typing import TYPE_CHECKING

from monitor.langtag import primary
from monitor.match.doc import Doc
from monitor.match.fold import Folded, ascii_word, fold_with_offsets, latin_word
from monitor.match.query import CJK_CLASS, LATIN_WORD_CLASS, TOKEN_RE, is_katakana, sentence_starts

if TYPE_CHECKING:
    from monitor.match.evaluate import CNear, CTerm, Occ, Pair, Spec

_second = itemgetter(1)
_LATIN_RUN_RE = re.compile(f"{LATIN_WORD_CLASS}+")
_CJK_RE = re.compile(CJK_CLASS)


def _fold_value(v: str) -> str:
    return fold_with_offsets(v, us=False).text.strip(" ")


# --- per-document state -------------------------------------------------------------------------------


class Tokens:
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


class State:
    """Everything computed for one document, lazily and at most once."""

    __slots__ = (
        "_meta",
        "assumed",
        "concepts",
        "doc",
        "fields",
        "hits",
        "occs",
        "present",
        "sentences",
        "sides",
        "tokens",
    )

    def __init__(
        self,
        doc: Doc,
        fields: tuple[Folded, Folded],
        hits: tuple[list[tuple[int, int]], ...],
        present: tuple[set[int], set[int]] | None = None,
    ) -> None:
        self.doc = doc
        self.fields = fields
        self.hits = hits  # per field: (end index, key id) from the automaton, unverified
        # per field: the keys with a hit (the matcher leaves out hits inside longer words)
        self.present = present or (set(map(_second, hits[0])), set(map(_second, hits[1])))
        self.occs: dict[int, list[Occ]] = {}
        self.sides: dict[tuple[int, int, int], list[Occ]] = {}  # (NEAR node, field, side) -> occurrences
        self.tokens: list[Tokens | None] = [None, None]
        self.sentences: list[list[int] | None] = [None, None]
        self.concepts: dict[int, bool] = {}
        self._meta: dict[str, tuple[str, ...]] | None = None
        self.assumed: frozenset[str] = frozenset()  # implied only by assumption (near misses)

    def assuming(self, implies: frozenset[str]) -> State:
        """The same document as if its source implied ``implies``: what does not depend on implied
        concepts (occurrences, tokens, sentences, NEAR sides) is shared, not computed again."""
        new = State.__new__(State)
        new.doc = replace(self.doc, implies=implies)
        new.fields, new.hits, new.present = self.fields, self.hits, self.present
        new.occs, new.sides, new.tokens, new.sentences = self.occs, self.sides, self.tokens, self.sentences
        new.concepts = {}
        new._meta = None
        new.assumed = implies - self.doc.implies
        return new

    def side(self, cn: CNear, f: int, which: int) -> list[Occ]:
        """Every occurrence of a NEAR's left (0) or right (1) operand in field f, in term order; terms whose
        literal the automaton did not see in f are skipped without a lookup (a concept has hundreds)."""
        ck = (id(cn), f, which)
        found = self.sides.get(ck)
        if found is None:
            found = [o for _, t in cn.present_terms(which, self.present[f], f) for o in self.occ(t.spec, f)]
            self.sides[ck] = found
        return found

    def meta(self, field: str) -> tuple[str, ...]:
        """The document's folded source / tags / lang values, and the concepts its source implies."""
        if self._meta is None:
            d = self.doc
            self._meta = {
                "source": (_fold_value(d.source),) if d.source else (),
                "tag": tuple(_fold_value(t) for t in d.tags),
                # en-us is also en (lang:en), as monitor.langtag reads a tag everywhere
                "lang": tuple(dict.fromkeys((_fold_value(d.lang), _fold_value(primary(d.lang)))))
                if d.lang
                else (),
                "implies": tuple(d.implies),
            }
        return self._meta[field]

    def occ(self, spec: Spec, f: int) -> list[Occ]:
        ck = spec.idx * 2 + f
        found = self.occs.get(ck)
        if found is not None:
            return found
        if spec.base is not None:
            found = self.occ(spec.base, f)
            if found:
                masks = [m for ms in spec.masks for m in self.occ(ms, f)]
                if masks:
                    found = [o for o in found if not any(m[0] <= o[0] and o[1] <= m[1] for m in masks)]
            self.occs[ck] = found
            return found
        found = []
        key = spec.key
        if key in self.present[f]:
            t = self.fields[f].text
            n = len(t)
            length = spec.length
            word = ascii_word if t.isascii() else latin_word
            for end, k in self.hits[f]:
                if k != key:
                    continue
                s = end - length + 1
                e = end + 1
                if spec.check_left and s > 0 and word(t[s - 1]):
                    continue
                if spec.kana_left and s > 0 and is_katakana(t[s - 1]):
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

    def toks(self, f: int) -> Tokens:
        tk = self.tokens[f]
        if tk is None:
            tk = self.tokens[f] = Tokens(self.fields[f].text)
        return tk

    def sents(self, f: int) -> list[int]:
        ss = self.sentences[f]
        if ss is None:
            ss = self.sentences[f] = sentence_starts(self.fields[f].text)
        return ss

    def within(self, f: int, a: Occ, b: Occ, n: int) -> bool:
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

    def distance(self, f: int, a: Occ, b: Occ) -> int:
        """The exact token distance of two occurrences (full token index of the field)."""
        tk = self.toks(f)
        af, al = tk.first(a[0]), tk.last(a[1])
        bf, bl = tk.first(b[0]), tk.last(b[1])
        return bf - al if al < bf else (af - bl if bl < af else 0)

    def sentence_distance(self, f: int, a: Occ, b: Occ) -> int:
        ss = self.sents(f)
        af, al = bisect_right(ss, a[0]) - 1, bisect_right(ss, a[1] - 1) - 1
        bf, bl = bisect_right(ss, b[0]) - 1, bisect_right(ss, b[1] - 1) - 1
        return bf - al if al < bf else (af - bl if bl < af else 0)

    def apart(self, cn: CNear, f: int, a: Occ, b: Occ) -> int:
        """The distance of two occurrences in the NEAR's unit (tokens or sentences)."""
        return self.distance(f, a, b) if cn.node.unit == "tokens" else self.sentence_distance(f, a, b)

    def close(self, cn: CNear, f: int, a: Occ, b: Occ) -> bool:
        n = cn.node.distance
        return self.within(f, a, b, n) if cn.node.unit == "tokens" else self.sentence_distance(f, a, b) <= n

    def near_within(self, cn: CNear, f: int) -> bool:
        """Some left and right occurrence in field f within the distance: one sweep in position order."""
        left = self.side(cn, f, 0)
        if not left:
            return False
        right = self.side(cn, f, 1)
        if not right:
            return False
        merged = sorted([(o, 0) for o in left] + [(o, 1) for o in right])
        reach: list[Occ | None] = [None, None]  # per side, the occurrence seen so far that ends last
        for o, side in merged:
            other = reach[1 - side]
            if other is not None and self.close(cn, f, other, o):
                return True
            mine = reach[side]
            if mine is None or o[1] > mine[1]:
                reach[side] = o
        return False

    def across(self, cn: CNear) -> bool:
        """The left operand in the title and the right one in the text (the headline as subject)."""
        return bool(self.side(cn, 0, 0)) and bool(self.side(cn, 1, 1))

    def _partners(self, cn: CNear, f: int) -> list[tuple[CTerm, Occ, int, tuple[CTerm, Occ] | None]]:
        """Each occurrence of either side in field f, in position order, with its side and its best
        partners: the other side's occurrence before it that ends last and the first one after it. Every
        other partner is at least as far away (distance only grows moving away), so a pair within the
        distance exists for an occurrence iff one of these two is within it: linear in the occurrences."""
        present = self.present[f]  # terms whose literal the automaton did not see in f have no occurrence
        merged = sorted(
            [(o, 0, i, t) for i, t in cn.present_terms(0, present, f) for o in self.occ(t.spec, f)]
            + [(o, 1, i, t) for i, t in cn.present_terms(1, present, f) for o in self.occ(t.spec, f)],
            key=lambda m: (m[0], m[1], m[2]),
        )
        before: list[tuple[CTerm, Occ] | None] = []
        reach: list[tuple[CTerm, Occ] | None] = [None, None]
        for o, side, _, t in merged:
            before.append(reach[1 - side])
            mine = reach[side]
            if mine is None or o[1] > mine[1][1]:
                reach[side] = (t, o)
        out: list[tuple[CTerm, Occ, int, tuple[CTerm, Occ] | None]] = []
        nxt: list[tuple[CTerm, Occ] | None] = [None, None]
        after: list[tuple[CTerm, Occ] | None] = [None] * len(merged)
        for k in range(len(merged) - 1, -1, -1):
            o, side, _, t = merged[k]
            after[k] = nxt[1 - side]
            nxt[side] = (t, o)
        for k, (o, side, _, t) in enumerate(merged):
            out.append((t, o, side, before[k]))
            out.append((t, o, side, after[k]))
        return out

    def near_pairs(self, cn: CNear, f: int) -> list[Pair]:
        """Pairs within the distance in field f, enough to cover every occurrence that is in one (the
        evidence): each occurrence with its best partner on either side, never all pairs (a long text
        dense in both sides' terms would make that quadratic in time and memory)."""
        seen: set[tuple[int, int, int, int, int, int]] = set()
        out: list[Pair] = []
        for t, o, side, partner in self._partners(cn, f):
            if partner is None:
                continue
            pt, po = partner
            a, b = (o, po) if o <= po else (po, o)
            if not self.close(cn, f, a, b):
                continue
            pair = (t, o, pt, po) if side == 0 else (pt, po, t, o)
            key = (id(pair[0]), *pair[1], id(pair[2]), *pair[3])
            if key not in seen:
                seen.add(key)
                out.append(pair)
        return out

    def closest(self, cn: CNear, f: int) -> tuple[int, Occ, Occ] | None:
        """The closest pair (distance, left occurrence, right occurrence) in field f, for explanations."""
        best: tuple[int, Occ, Occ] | None = None
        for _, o, side, partner in self._partners(cn, f):
            if partner is None:
                continue
            lo, ro = (o, partner[1]) if side == 0 else (partner[1], o)
            d = self.apart(cn, f, lo, ro)
            if best is None or d < best[0] or (d == best[0] and (lo, ro) < best[1:]):
                best = (d, lo, ro)
        return best

    def original(self, f: int, occ: Occ) -> tuple[int, int, str]:
        s, e = self.fields[f].original_span(*occ)
        src = self.doc.title if f == 0 else self.doc.text
        return s, e, src[s:e]

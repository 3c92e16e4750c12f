"""Evaluation of compiled queries over one document (pure; compiled by ``monitor.match.compile``).

A :class:`State` holds what is computed for one document, lazily and at most once: the folded fields,
the raw Aho–Corasick hits, verified occurrences per term (word-boundary checks at the hit positions,
wildcard extension, masks), token and sentence indexes. Compiled nodes (``CTerm``, ``CAnd`` ...) evaluate
against it; AND / OR try their cheap children first.

NEAR / SENT are decided by one sweep over the two sides' occurrences in position order (linear in the
occurrences): each occurrence is compared only with the farthest-reaching occurrence of the other side
before it, which is at least as close as any other before it. NEAR distances tokenise only the gap
between the two occurrences (the field's full token index only when a CJK run crosses the gap's ends).

This module owns the compiled nodes (``Spec``, ``CTerm`` ... ``CNear``) and their evaluation order;
:class:`State` and the NEAR sweeps live in :mod:`monitor.match.doc_state` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitor.match.doc_state import State as State
from monitor.match.doc_state import Tokens as Tokens
from monitor.match.query import And, Concept, Meta, Near, Not, Or, Term

FieldIdx = Literal[0, 1]  # 0 = title, 1 = text
BOTH: tuple[FieldIdx, ...] = (0, 1)
Occ = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Spec:
    """One distinct literal to verify at automaton hits: (folded text, prefix, masks)."""

    idx: int
    key: int
    length: int
    check_left: bool
    check_right: bool
    extend: bool
    base: Spec | None = None  # the same literal without masks (masks set)
    masks: tuple[Spec, ...] = ()
    kana_left: bool = False  # starts with katakana: no match right after another katakana letter


class CNode:
    __slots__ = ()

    def ev(self, st: State) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class CTerm(CNode):
    __slots__ = ("fields", "node", "spec")

    def __init__(self, node: Term, spec: Spec) -> None:
        self.node = node
        self.spec = spec
        self.fields: tuple[FieldIdx, ...] = fields_of(node)

    def ev(self, st: State) -> bool:
        # a literal the automaton did not see in a field has no occurrence there: skip the lookup (the
        # concepts' ORs hold hundreds of terms, few of them present)
        key = self.spec.key
        present = st.present
        return any(key in present[f] and st.occ(self.spec, f) for f in self.fields)


class CMeta(CNode):
    __slots__ = ("gate", "node")

    def __init__(self, node: Meta, gate: int) -> None:
        self.node = node
        self.gate = gate

    def ev(self, st: State) -> bool:
        return meta_true(self.node, st)


class CAnd(CNode):
    __slots__ = ("children", "fast", "node")

    def __init__(self, node: And, children: tuple[CNode, ...]) -> None:
        self.node = node
        self.children = children  # as written (explanations follow the query)
        self.fast = tuple(sorted(children, key=cost))  # cheapest first; the result is the same

    def ev(self, st: State) -> bool:
        return all(c.ev(st) for c in self.fast)


class COr(CNode):
    __slots__ = ("by_key", "children", "fast", "keys", "node", "others")

    def __init__(self, node: Or, children: tuple[CNode, ...]) -> None:
        self.node = node
        self.children = children
        self.fast = tuple(sorted(children, key=cost))
        # A concept's OR holds hundreds of terms and few are in any one document: when none of their
        # literals was seen in either field, only the other children can make the OR true; otherwise only
        # the terms whose literal was seen are tried (looked up by literal, not scanned), then the rest.
        self.keys = frozenset(c.spec.key for c in children if isinstance(c, CTerm))
        self.others = tuple(c for c in self.fast if not isinstance(c, CTerm))
        by_key: dict[int, list[CTerm]] = {}
        for c in self.fast:
            if isinstance(c, CTerm):
                by_key.setdefault(c.spec.key, []).append(c)
        # (a small OR is cheaper to scan than to intersect)
        self.by_key = {k: tuple(v) for k, v in by_key.items()} if len(self.keys) > _LOOKUP_MIN else None

    def ev(self, st: State) -> bool:
        title, text = st.present
        by_key = self.by_key
        if by_key is None:
            if self.keys.isdisjoint(title) and self.keys.isdisjoint(text):
                return any(c.ev(st) for c in self.others)
            return any(c.ev(st) for c in self.fast)
        seen = (self.keys & title) | (self.keys & text)
        if seen and any(c.ev(st) for k in seen for c in by_key[k]):
            return True
        return any(c.ev(st) for c in self.others)


class CNot(CNode):
    __slots__ = ("child", "node")

    def __init__(self, node: Not, child: CNode) -> None:
        self.node = node
        self.child = child

    def ev(self, st: State) -> bool:
        return not self.child.ev(st)


class CConcept(CNode):
    """``@name``: implied by the source, or its body holds. One compiled body is shared by every use of
    the concept (with the same masks), and evaluated at most once per document."""

    __slots__ = ("body", "gate", "idx", "node")

    def __init__(self, node: Concept, body: CNode, gate: int, idx: int) -> None:
        self.node = node
        self.body = body
        self.gate = gate  # the metadata gate "implies: name"
        self.idx = idx

    def ev(self, st: State) -> bool:
        name = self.node.name
        if name in st.doc.implies and not (self.node.field == "title" and name in st.assumed):
            return True  # an assumed concept is not the headline's subject (near misses)
        memo = st.concepts
        found = memo.get(self.idx)
        if found is None:
            found = memo[self.idx] = self.body.ev(st)
        return found


_LOOKUP_MIN = 16  # an OR or NEAR side with more terms than this is looked up by literal, not scanned


def _positions_by_key(terms: tuple[CTerm, ...]) -> dict[int, tuple[int, ...]]:
    out: dict[int, list[int]] = {}
    for i, t in enumerate(terms):
        out.setdefault(t.spec.key, []).append(i)
    return {k: tuple(v) for k, v in out.items()}


class CNear(CNode):
    __slots__ = ("cross", "fields", "left", "left_gates", "node", "right", "right_gates", "sides_by_key")

    def __init__(
        self,
        node: Near,
        left: tuple[CTerm, ...],
        right: tuple[CTerm, ...],
        left_gates: tuple[int, ...],
        right_gates: tuple[int, ...],
    ) -> None:
        self.node = node
        self.left = left
        self.right = right
        self.left_gates = left_gates  # metadata gates of the implied concepts of each side
        self.right_gates = right_gates
        lf = {f for t in left for f in t.fields}
        rf = {f for t in right for f in t.fields}
        self.fields: tuple[FieldIdx, ...] = tuple(f for f in BOTH if f in lf and f in rf)
        # the headline is the subject of the text: the left operand in the title pairs with the text
        self.cross = 0 in lf and 1 in rf
        # each side's term positions by literal: a side of hundreds of terms is looked up by the literals
        # a field holds, not scanned (see present_terms)
        self.sides_by_key: tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]] = (
            _positions_by_key(left),
            _positions_by_key(right),
        )

    def present_terms(self, which: int, present: set[int], f: int) -> list[tuple[int, CTerm]]:
        """The terms of the left (0) or right (1) side whose literal is in ``present`` and which may occur
        in field f, with their positions in the side, in side order."""
        terms = self.right if which else self.left
        if len(terms) > _LOOKUP_MIN and len(present) < len(terms):
            index = self.sides_by_key[which]
            positions = sorted(i for k in present if k in index for i in index[k])
            return [(i, terms[i]) for i in positions if f in terms[i].fields]
        return [(i, t) for i, t in enumerate(terms) if t.spec.key in present and f in t.fields]

    def implied(self, st: State) -> tuple[bool, bool]:
        imp = st.doc.implies
        if not imp:
            return False, False
        n = self.node
        return any(c in imp for c in n.left_implied), any(c in imp for c in n.right_implied)

    def ev(self, st: State) -> bool:
        li, ri = self.implied(st)
        if li or ri:
            return (li and ri) or any(st.side(self, f, 0 if ri else 1) for f in BOTH)
        return any(st.near_within(self, f) for f in self.fields) or (self.cross and st.across(self))


def cost(cn: CNode) -> int:
    """A rough evaluation cost, to try cheap children of AND / OR first (the result is the same)."""
    if isinstance(cn, CMeta | CTerm):
        return 1
    if isinstance(cn, CNear):
        return 20
    if isinstance(cn, CNot):
        return cost(cn.child)
    if isinstance(cn, CConcept):
        return cost(cn.body)
    assert isinstance(cn, CAnd | COr)
    return sum(cost(c) for c in cn.children)


def fields_of(t: Term) -> tuple[FieldIdx, ...]:
    if t.field == "title":
        return (0,)
    if t.field == "text":
        return (1,)
    return BOTH


def meta_true(m: Meta, st: State) -> bool:
    return any(v == m.value or (m.prefix and v.startswith(m.value)) for v in st.meta(m.field))


Pair = tuple[CTerm, Occ, CTerm, Occ]

"""Compilation of resolved queries into evaluation nodes and prefilter gates (pure, once per config).

Every distinct literal becomes one :class:`~monitor.match.evaluate.Spec` and one key of the shared
Aho–Corasick automaton (a masked literal shares the key of the bare one and adds its masks' keys).
Every concept is compiled once per mask set and shared by all its uses.

*Gates* are necessary conditions in CNF: clauses of literals, one of each must occur (in the right field)
for the query to have any chance: ``(tariff* OR duties) AND title:Japan`` needs {tariff, duties}
anywhere and {japan} in the title. Gate ids: ``key*3`` (either field), ``key*3+1`` (title), ``key*3+2``
(text), negative for metadata (``source:``, ``tag:``, ``lang:``, and a concept implied by the source,
which can stand for a whole clause of that concept's literals).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from monitor.match.evaluate import (
    CAnd,
    CConcept,
    CMeta,
    CNear,
    CNode,
    CNot,
    COr,
    CTerm,
    Spec,
)
from monitor.match.query import And, Concept, Meta, Node, Not, Or, Ref, Term, is_katakana, is_latin_word

__all__ = ["Compiler", "Topic", "gates"]

Clauses = list[frozenset[int]]
_MAX_CLAUSES = 16


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    query: Node
    root: CNode
    clauses: tuple[frozenset[int], ...]  # gates: one literal of each must be present
    mask: int  # this topic's clauses, as bits of the matcher-wide clause numbering
    meta_mask: int  # the bits of clauses that a metadata leaf can satisfy


class Compiler:
    """Shared tables of one Matcher: automaton keys, literal specs, metadata gates, compiled concepts."""

    def __init__(self) -> None:
        self.keys: dict[str, int] = {}
        self.specs: dict[tuple[str, bool, tuple[Term, ...], bool], Spec] = {}
        self.metas: dict[Meta, int] = {}
        self.concepts: dict[tuple[str, Node], CConcept] = {}

    def node(self, node: Node) -> CNode:
        if isinstance(node, Term):
            return CTerm(node, self.spec(node))
        if isinstance(node, Meta):
            return CMeta(node, self.meta(node))
        if isinstance(node, And):
            return CAnd(node, tuple(self.node(c) for c in node.children))
        if isinstance(node, Or):
            return COr(node, tuple(self.node(c) for c in node.children))
        if isinstance(node, Not):
            return CNot(node, self.node(node.child))
        if isinstance(node, Concept):
            ck = (node.name, node.body)
            found = self.concepts.get(ck)
            if found is None:
                gate = self.meta(Meta("implies", node.name, node.name))
                found = CConcept(node, self.node(node.body), gate, len(self.concepts))
                self.concepts[ck] = found
            return found
        if isinstance(node, Ref):
            raise ValueError(f"match: @{node.name} is not resolved (monitor.match.concepts.resolve)")
        left = tuple(CTerm(t, self.spec(t)) for t in node.left)
        right = tuple(CTerm(t, self.spec(t)) for t in node.right)
        return CNear(
            node,
            left,
            right,
            tuple(self.meta(Meta("implies", c, c)) for c in node.left_implied),
            tuple(self.meta(Meta("implies", c, c)) for c in node.right_implied),
        )

    def meta(self, m: Meta) -> int:
        return self.metas.setdefault(m, -1 - len(self.metas))  # negative: not an automaton key

    def spec(self, t: Term, *, mask: bool = False) -> Spec:
        """``mask``: ``t`` is a mask phrase, which matches inside any word (no katakana-start rule)."""
        sk = (t.norm, t.prefix, t.masks, mask)
        spec = self.specs.get(sk)
        if spec is not None:
            return spec
        if t.masks:
            base = self.spec(Term(t.text, t.norm, t.prefix))
            masks = tuple(self.spec(m, mask=True) for m in t.masks)
            spec = Spec(
                idx=len(self.specs),
                key=base.key,
                length=base.length,
                check_left=base.check_left,
                check_right=base.check_right,
                extend=base.extend,
                base=base,
                masks=masks,
                kana_left=base.kana_left,
            )
        else:
            key = self.keys.setdefault(t.norm, len(self.keys))
            spec = Spec(
                idx=len(self.specs),
                key=key,
                length=len(t.norm),
                check_left=is_latin_word(t.norm[0]),
                check_right=not t.prefix and is_latin_word(t.norm[-1]),
                extend=t.prefix and is_latin_word(t.norm[-1]),
                kana_left=not mask and is_katakana(t.norm[0]),
            )
        self.specs[sk] = spec
        return spec


def gates(cn: CNode, negated: bool) -> Clauses | None:
    """CNF-ish necessary conditions: a list of clauses (sets of gate ids), or None for "no condition"."""
    if isinstance(cn, CTerm):
        return None if negated else [frozenset({term_gate(cn)})]
    if isinstance(cn, CMeta):
        return None if negated else [frozenset({cn.gate})]
    if isinstance(cn, CNear):
        if negated:
            return None
        return [
            frozenset({*(term_gate(t) for t in cn.left), *cn.left_gates}),
            frozenset({*(term_gate(t) for t in cn.right), *cn.right_gates}),
        ]
    if isinstance(cn, CNot):
        return gates(cn.child, not negated)
    if isinstance(cn, CConcept):
        if negated:  # NOT @x: @x may be implied, so nothing is necessary
            return None
        body = gates(cn.body, negated)
        return None if body is None else [c | {cn.gate} for c in body]
    assert isinstance(cn, CAnd | COr)
    subs = [gates(c, negated) for c in cn.children]
    if isinstance(cn, CAnd) != negated:  # a conjunction: every child's conditions hold
        known = [s for s in subs if s is not None]
        return minimal([c for s in known for c in s]) if known else None
    if any(s is None for s in subs):  # a disjunction with an unconditional branch
        return None
    alts = [s for s in subs if s is not None]
    size = 1
    for s in alts:
        size *= len(s)
    if size <= _MAX_CLAUSES:
        return minimal([frozenset().union(*combo) for combo in product(*alts)])
    # Too many combinations: a subset of them, still each a necessary condition. Each branch offers its
    # smallest clause; then, while the product stays within the cap, the branch whose next clause is the
    # smallest offers it too (one clause per branch made the gate hinge on which of two near-equal
    # clauses was a term shorter: a plant word or a "new" / "million" build word).
    ranked = [sorted(s, key=lambda c: (len(c), sorted(c))) for s in alts]
    take = [1] * len(ranked)
    size = 1
    while True:
        options = [
            (len(r[k]), i)
            for i, (r, k) in enumerate(zip(ranked, take, strict=True))
            if k < len(r) and size // k * (k + 1) <= _MAX_CLAUSES
        ]
        if not options:
            break
        _, i = min(options)
        size = size // take[i] * (take[i] + 1)
        take[i] += 1
    chosen = [r[:k] for r, k in zip(ranked, take, strict=True)]
    return minimal([frozenset().union(*combo) for combo in product(*chosen)])


def term_gate(t: CTerm) -> int:
    """Gate id of a term: its key, made field-specific when the term is scoped (key*3+1 title, +2 text)."""
    return t.spec.key * 3 + (0 if len(t.fields) == 2 else 1 + t.fields[0])


def minimal(clauses: Clauses) -> Clauses:
    out: Clauses = []
    for c in sorted(set(clauses), key=lambda c: (len(c), sorted(c))):
        if not any(o <= c for o in out):
            out.append(c)
    return out

"""Named concepts: ``@name`` in a query stands for a query defined once in ``concepts:`` (pure).

A concept is a query (terms, phrases, wildcards, other ``@concepts``, any operator) and an optional list
of *masks*: terms or phrases in whose occurrences the concept's terms do not count (``Japan`` inside
``Bank of Japan`` is not the Japanese state). Masks apply to every term the concept reaches, nested
concepts included; the rest of the document still counts, unlike a whole-item ``NOT``.

:func:`resolve` turns a parsed query's :class:`~monitor.match.query.Ref` nodes into
:class:`~monitor.match.query.Concept` nodes (their bodies resolved once and shared), and a NEAR/SENT
operand ``@name`` into the concept's terms (the concept must then be an OR of terms, phrases and such
concepts). Unknown names and cycles raise :class:`ConceptError`; the config loader adds file and line.

Implied concepts (a source's ``implies: [japan]``) are decided per document by the matcher: a
:class:`Concept` node is true, and a NEAR/SENT side that names it is present everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from monitor.match.query import (
    And,
    Concept,
    Meta,
    Near,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Ref,
    Term,
    TextField,
    parse_query,
)

__all__ = ["ConceptDef", "ConceptError", "parse_concept", "refs_of", "resolve"]


class ConceptError(ValueError):
    """An unknown concept, a cycle, or a concept that cannot stand where it is used."""


@dataclass(frozen=True, slots=True)
class ConceptDef:
    name: str
    query: Node
    masks: tuple[Term, ...] = ()


def parse_concept(name: str, query: str, masks: tuple[str, ...] = ()) -> ConceptDef:
    """Parse a concept's query and masks; raises QuerySyntaxError (``masks[i]: ...`` for a bad mask)."""
    node = parse_query(query)
    parsed: list[Term] = []
    for i, text in enumerate(masks):
        phrase = text.strip()
        if not phrase.startswith('"'):
            phrase = f'"{phrase}"'  # a mask is a phrase as written: Bank of Japan, 旧日本軍, Japan Air*
        try:
            m = parse_query(phrase)
        except QuerySyntaxError as e:
            raise QuerySyntaxError(f"mask[{i}]: {e.message}", e.column) from None
        if not isinstance(m, Term) or m.field is not None:
            raise QuerySyntaxError(f"mask[{i}]: a mask is one word or phrase, e.g. Bank of Japan", 1)
        parsed.append(m)
    return ConceptDef(name, node, tuple(parsed))


def refs_of(node: Node) -> Iterator[Ref]:
    """Every ``@name`` written in a parsed query, in order."""
    if isinstance(node, Ref):
        yield node
    elif isinstance(node, Near):
        yield from (*node.left_refs, *node.right_refs)
    elif isinstance(node, Not):
        yield from refs_of(node.child)
    elif isinstance(node, And | Or):
        for c in node.children:
            yield from refs_of(c)


def check(defs: Mapping[str, ConceptDef]) -> dict[str, str]:
    """Problems per concept name (unknown references, cycles): {name: reason}."""
    problems: dict[str, str] = {}
    for name, d in defs.items():
        for r in refs_of(d.query):
            if r.name not in defs:
                problems.setdefault(name, unknown(r.name, defs))
    for name in defs:
        if name in problems:
            continue
        path = _cycle(name, defs, ())
        if path is not None:
            problems[name] = "concept cycle: " + " -> ".join(f"@{p}" for p in path)
    return problems


def unknown(name: str, defs: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(name, list(defs), n=1, cutoff=0.75)
    if close:
        return f"unknown concept @{name} (did you mean @{close[0]}?)"
    known = ", ".join(f"@{n}" for n in defs)
    return f"unknown concept @{name} ({'concepts defined: ' + known if known else 'no concepts defined'})"


def _cycle(name: str, defs: Mapping[str, ConceptDef], stack: tuple[str, ...]) -> tuple[str, ...] | None:
    if name in stack:
        return (*stack[stack.index(name) :], name)
    d = defs.get(name)
    if d is None:
        return None
    for r in refs_of(d.query):
        found = _cycle(r.name, defs, (*stack, name))
        if found is not None:
            return found
    return None


def resolve(node: Node, defs: Mapping[str, ConceptDef]) -> Node:
    """``node`` with every ``@name`` replaced by its concept (raises ConceptError)."""
    return _Resolver(defs).node(node, (), ())


class _Resolver:
    def __init__(self, defs: Mapping[str, ConceptDef]) -> None:
        self.defs = defs
        self.done: dict[tuple[str, tuple[Term, ...], TextField | None], Concept] = {}  # shared bodies

    def concept(
        self, name: str, masks: tuple[Term, ...], stack: tuple[str, ...], field: TextField | None = None
    ) -> Concept:
        d = self.defs.get(name)
        if d is None:
            raise ConceptError(unknown(name, self.defs))
        if name in stack:
            raise ConceptError("concept cycle: " + " -> ".join(f"@{p}" for p in (*stack, name)))
        all_masks = tuple(dict.fromkeys((*masks, *d.masks)))
        key = (name, all_masks, field)
        found = self.done.get(key)
        if found is None:
            body = self.node(d.query, all_masks, (*stack, name))
            if field is not None:
                body = _scoped(body, field)
            found = self.done[key] = Concept(name, body, field=field)
        return found

    def term(self, t: Term, masks: tuple[Term, ...], stack: tuple[str, ...]) -> Term:
        if not stack:
            return t
        concept = t.concept if t.concept is not None else stack[-1]
        return replace(t, concept=concept, masks=tuple(dict.fromkeys((*t.masks, *masks))))

    def side(
        self, terms: tuple[Term, ...], refs: tuple[Ref, ...], masks: tuple[Term, ...], stack: tuple[str, ...]
    ) -> tuple[tuple[Term, ...], tuple[str, ...]]:
        out = [self.term(t, masks, stack) for t in terms]
        names: list[str] = []
        for r in refs:
            c = self.concept(r.name, masks, stack, r.field)
            flat = _flatten(c, names)
            if flat is None:
                raise ConceptError(
                    f"@{r.name} cannot be a NEAR/SENT operand: it is not an OR of terms and phrases "
                    "(use it outside the NEAR, or split it into two concepts)"
                )
            out.extend(flat)
        return tuple(dict.fromkeys(out)), tuple(dict.fromkeys(names))

    def node(self, n: Node, masks: tuple[Term, ...], stack: tuple[str, ...]) -> Node:
        if isinstance(n, Term):
            return self.term(n, masks, stack)
        if isinstance(n, Meta | Concept):
            return n
        if isinstance(n, Ref):
            return replace(self.concept(n.name, masks, stack, n.field), column=n.column)
        if isinstance(n, Not):
            return replace(n, child=self.node(n.child, masks, stack))
        if isinstance(n, And | Or):
            return replace(n, children=tuple(self.node(c, masks, stack) for c in n.children))
        if n.resolved:
            return n
        left, left_implied = self.side(n.left, n.left_refs, masks, stack)
        right, right_implied = self.side(n.right, n.right_refs, masks, stack)
        return replace(
            n, left=left, right=right, left_implied=left_implied, right_implied=right_implied, resolved=True
        )


def _scoped(n: Node, field: TextField) -> Node:
    """``n`` with every unscoped term limited to ``field`` (terms scoped otherwise can never match)."""
    if isinstance(n, Term):
        return n if n.field == field else replace(n, field=field) if n.field is None else n
    if isinstance(n, Near):
        return replace(
            n,
            left=tuple(_scoped(t, field) for t in n.left),  # type: ignore[misc]
            right=tuple(_scoped(t, field) for t in n.right),  # type: ignore[misc]
        )
    if isinstance(n, Not):
        return replace(n, child=_scoped(n.child, field))
    if isinstance(n, And | Or):
        return replace(n, children=tuple(_scoped(c, field) for c in n.children))
    if isinstance(n, Concept):
        return replace(n, body=_scoped(n.body, field), field=field)
    return n


def _flatten(c: Concept, names: list[str]) -> list[Term] | None:
    """The terms of a concept that is an OR of terms (and of such concepts), collecting concept names."""
    names.append(c.name)
    parts = c.body.children if isinstance(c.body, Or) else (c.body,)
    out: list[Term] = []
    for p in parts:
        if isinstance(p, Term):
            out.append(p)
        elif isinstance(p, Concept):
            sub = _flatten(p, names)
            if sub is None:
                return None
            out.extend(sub)
        else:
            return None
    return out

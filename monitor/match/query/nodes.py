"""The query AST: frozen nodes, the syntax error, and helpers that read or print a tree (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal, TypeAlias

__all__ = [
    "CONCEPT_NAME_RE",
    "DEFAULT_NEAR",
    "FIELDS",
    "META_FIELDS",
    "TEXT_FIELDS",
    "And",
    "Concept",
    "Meta",
    "MetaField",
    "Near",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "Ref",
    "Term",
    "TextField",
    "Unit",
    "show_term",
    "terms_of",
    "unparse",
]


TextField: TypeAlias = Literal["title", "text"]
MetaField: TypeAlias = Literal["source", "tag", "lang", "implies"]  # implies: internal, not in queries
Unit: TypeAlias = Literal["tokens", "sentences"]
TEXT_FIELDS: tuple[TextField, ...] = ("title", "text")
META_FIELDS: tuple[MetaField, ...] = ("source", "tag", "lang")
CONCEPT_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
FIELDS: tuple[str, ...] = (*TEXT_FIELDS, *META_FIELDS)
DEFAULT_NEAR = 10


@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or prefix to find in the title and/or text.

    ``text`` is the term as written (no quotes, no field; ``*`` kept): it is what a MatchedTerm shows.
    ``norm`` is the folded literal without the ``*``. ``column`` is for messages and not compared.
    """

    text: str
    norm: str
    prefix: bool = False
    phrase: bool = False
    field: TextField | None = None
    column: int = dc_field(default=0, compare=False, repr=False)
    # Set by concept resolution: the concept the term was written in, and the phrases that mask it.
    concept: str | None = None
    masks: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Ref:
    """``@name``, a concept not resolved yet (see :func:`monitor.match.concepts.resolve`)."""

    name: str
    column: int = dc_field(default=0, compare=False, repr=False)
    field: TextField | None = None  # title:@japan: every term of the concept in the title


@dataclass(frozen=True, slots=True)
class Concept:
    """A resolved ``@name``: true when the document's source implies ``name``, or when ``body`` holds.
    An implied concept counts in every field (``title:@japan`` too: the source is the headline's
    subject)."""

    name: str
    body: Node
    column: int = dc_field(default=0, compare=False, repr=False)
    field: TextField | None = None


@dataclass(frozen=True, slots=True)
class Meta:
    """``source:``/``tag:``/``lang:`` — the whole folded value equals ``value`` (or starts with it)."""

    field: MetaField
    text: str
    value: str
    prefix: bool = False
    column: int = dc_field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]
    column: int = dc_field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]
    column: int = dc_field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    column: int = dc_field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Near:
    """Some occurrence of one of ``left`` within ``distance`` tokens (or sentences) of one of ``right``,
    in the same field, or one in the title and the other in the text.

    ``left_refs``/``right_refs`` are the ``@concepts`` written as operands; resolution adds their terms to
    ``left``/``right`` and every concept name they stand for (nested ones too) to ``left_implied`` /
    ``right_implied``: a document whose source implies one of those has that side everywhere.
    """

    left: tuple[Term, ...]
    right: tuple[Term, ...]
    distance: int = DEFAULT_NEAR
    column: int = dc_field(default=0, compare=False, repr=False)
    unit: Unit = "tokens"
    left_refs: tuple[Ref, ...] = ()
    right_refs: tuple[Ref, ...] = ()
    left_implied: tuple[str, ...] = ()
    right_implied: tuple[str, ...] = ()
    resolved: bool = False

    @property
    def operator(self) -> str:
        return f"{'NEAR' if self.unit == 'tokens' else 'SENT'}/{self.distance}"


Node: TypeAlias = Term | Meta | And | Or | Not | Near | Ref | Concept


class QuerySyntaxError(ValueError):
    """A query that cannot be used. ``column`` is 1-based; ``message`` is for people."""

    def __init__(self, message: str, column: int) -> None:
        self.message = message
        self.column = column
        super().__init__(f"column {column}: {message}")


def terms_of(node: Node) -> list[Term]:
    """The positive terms (under an even number of NOTs), first occurrence order, without repeats."""
    out: list[Term] = []

    def walk(n: Node, negated: bool) -> None:
        if isinstance(n, Term):
            if not negated and n not in out:
                out.append(n)
        elif isinstance(n, Near):
            for t in (*n.left, *n.right):
                walk(t, negated)
        elif isinstance(n, Not):
            walk(n.child, not negated)
        elif isinstance(n, Concept):
            walk(n.body, negated)
        elif isinstance(n, And | Or):
            for c in n.children:
                walk(c, negated)

    walk(node, False)
    return out


def show_term(t: Term | Meta) -> str:
    """A leaf as it would be written in a query: ``title:"Section 232"``, ``tariff*``, ``tag:us-gov``."""
    quoted = t.phrase if isinstance(t, Term) else " " in t.text
    body = f'"{t.text}"' if quoted else t.text
    return f"{t.field}:{body}" if t.field else body


def unparse(node: Node) -> str:
    """A canonical, fully parenthesised rendering (used in tests and explanations)."""
    if isinstance(node, Term | Meta):
        return show_term(node)
    if isinstance(node, Ref | Concept):
        return f"{node.field}:@{node.name}" if node.field else f"@{node.name}"
    if isinstance(node, Not):
        return f"NOT {unparse(node.child)}"
    if isinstance(node, Near):
        return f"({_alts(node.left, node.left_refs)} {node.operator} {_alts(node.right, node.right_refs)})"
    sep = " AND " if isinstance(node, And) else " OR "
    return "(" + sep.join(unparse(c) for c in node.children) + ")"


def _alts(terms: tuple[Term, ...], refs: tuple[Ref, ...] = ()) -> str:
    """A NEAR side as written: its own terms and its @concepts (not the terms they stand for)."""
    shown = [show_term(t) for t in terms if t.concept is None] + [f"@{r.name}" for r in refs]
    if len(shown) == 1:
        return shown[0]
    return "(" + " OR ".join(shown) + ")"

"""Fact predicates for ``topics[].where`` (pure; parsed with lark, never with ``eval``).

Grammar (keywords case-insensitive)::

    expr     := expr "or" expr | expr "and" expr | "not" expr | "(" expr ")" | test
    test     := name OP literal | name "in" list | name "not" "in" list | name
    name     := kind | kind "." field          e.g. fms.purchaser, money.usd, rates
    OP       := == != < <= > >=
    literal  := "string" | 'string' | number    numbers: 100_000_000, 1e9, 2.5, -3
    list     := "[" literal ("," literal)* [","] "]"

``and`` binds tighter than ``or``; ``not`` tighter than both. Names and types are checked against
:data:`monitor.match.facts.FIELD_TYPES` when the predicate is compiled; a problem raises
:class:`PredicateError` with a message and the column of the offending token (its 1-based character
offset in the expression; in a multi-line YAML expression each newline counts as one character).
Number fields take number literals, string fields take strings (``==``, ``!=``, ``in`` only), date fields
take ``"YYYY-MM-DD"`` strings (all comparisons).

Semantics, over the dict :func:`monitor.match.facts.extract_facts` returns:

- **Missing facts compare false**, whatever the operator (``!=`` too): a comparison on an absent kind,
  ``None`` field or unparseable value is false. ``not`` then makes it true.
- **List kinds are existential.** ``money``, ``rates`` and ``dates`` are lists; ``money.usd >= 1e9`` holds
  when *some* element has ``usd >= 1e9``. Within one ``and``, comparisons on the same list kind (in
  at least two of its operands, not under a ``not``) must hold for the *same* element:
  ``rates.percent >= 10 and rates.context == "tariff"`` needs one tariff rate of at least 10%.
- **``not`` is document-level**: ``not X`` holds when ``X`` does not; ``not rates.context == "tariff"``
  means no rate is a tariff rate.
- **A bare name tests presence**: ``fms`` (an FMS notice was found), ``fms.contractor`` (it names one),
  ``money`` (some amount); ``not fms.purchaser`` is a notice without a purchaser, or no notice.
- **Strings compare case-insensitively** after NFKC and whitespace collapsing. ``fms.purchaser`` is
  compared after :func:`~monitor.match.facts.normalise_purchaser` on both sides, so
  ``fms.purchaser == "Japan"`` and ``fms.purchaser == "Government of Japan"`` both hold for a notice to the
  Government of Japan. There is no substring matching ("Niger" is not "Nigeria").
- Numbers compare exactly as :class:`~decimal.Decimal` (stored facts hold them as strings).

API: ``compile_where(text) -> Predicate`` (raises :class:`PredicateError`); ``Predicate.kinds`` is the set of
fact kinds it reads (extract only those); ``Predicate(facts) -> bool``; ``Predicate.explain(facts) -> str``
says why it does not hold, for near misses (``fms.value_usd is 340000000, needs >= 1000000000``), or
``"holds: ..."`` with the values that satisfied it.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from monitor.errors import PressmonError
from monitor.match.facts import FIELD_TYPES, LIST_KINDS, FieldType, normalise_purchaser

__all__ = ["Predicate", "PredicateError", "compile_where"]


class PredicateError(PressmonError):
    """A ``where`` expression that does not parse or names/compares facts wrongly."""

    def __init__(self, message: str, column: int) -> None:
        self.message = message
        self.column = column  # 1-based character offset in the expression
        super().__init__(f"where: column {column}: {message}")


_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr
        | or_expr _OR and_expr -> or_
?and_expr: not_expr
         | and_expr _AND not_expr -> and_
?not_expr: _NOT not_expr -> not_
         | atom
?atom: name COMPOP literal -> compare
     | name _IN list -> in_
     | name _NOT _IN list -> not_in
     | name -> presence
     | "(" or_expr ")"
name: NAME ("." NAME)*
?literal: STRING | NUMBER
list: "[" [literal ("," literal)* [","]] "]"
COMPOP: "==" | "!=" | "<=" | ">=" | "<" | ">"
_AND: "and"i
_OR: "or"i
_NOT: "not"i
_IN: "in"i
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /[+-]?\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?/
STRING: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/
%ignore /\s+/
"""

_TERMINAL_NAMES: Mapping[str, str] = {
    "NUMBER": "a number",
    "STRING": "a string",
    "NAME": "a fact name",
    "COMPOP": "a comparison (== != < <= > >=)",
    "_AND": "'and'",
    "_OR": "'or'",
    "_NOT": "'not'",
    "_IN": "'in'",
    "DOT": "'.'",
    "COMMA": "','",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "$END": "end of expression",
}
_NUMBER_SYNTAX = re.compile(r"[+-]?\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?(?:[eE][+-]?\d+)?")
_KEYWORDS = frozenset({"and", "or", "not", "in"})
_ORDERING = frozenset({"<", "<=", ">", ">="})


@functools.cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


# ---------------------------------------------------------------------------------------------------
# Compiled form

Value: TypeAlias = Decimal | str | datetime.date


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Value  # Decimal, folded string, or date
    shown: str  # for messages: 1000000000, "Japan", "2026-04-01"


@dataclass(frozen=True, slots=True)
class _Cmp:
    kind: str
    field: str | None  # None: presence of the kind itself
    op: str  # == != < <= > >= in "not in" present
    literals: tuple[_Literal, ...]  # one for comparisons, any number for in / not in, none for present
    ftype: FieldType | None
    src: str

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.field}" if self.field else self.kind

    @property
    def needs(self) -> str:
        if self.op in ("in", "not in"):
            return f"{self.op} [{', '.join(lit.shown for lit in self.literals)}]"
        return f"{self.op} {self.literals[0].shown}"


@dataclass(frozen=True, slots=True)
class _Not:
    child: _Node
    src: str


@dataclass(frozen=True, slots=True)
class _And:
    children: tuple[_Node, ...]
    bind: tuple[str, ...]  # list kinds whose comparisons must hold for one element
    src: str


@dataclass(frozen=True, slots=True)
class _Or:
    children: tuple[_Node, ...]
    src: str


_Node: TypeAlias = _Cmp | _Not | _And | _Or
_Bound: TypeAlias = Mapping[str, Mapping[str, Any]]


def _fold(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def _fold_field(kind: str, field: str, s: str) -> str:
    return _fold(normalise_purchaser(s)) if (kind, field) == ("fms", "purchaser") else _fold(s)


def _plain(d: Decimal) -> str:
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


# ---------------------------------------------------------------------------------------------------
# Compiling


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text
        self.kinds: set[str] = set()

    def src(self, tree: Tree[Token]) -> str:
        meta = tree.meta
        return self.text[meta.start_pos : meta.end_pos] if not meta.empty else self.text

    def node(self, tree: Tree[Token] | Token) -> _Node:
        if isinstance(tree, Token):  # pragma: no cover - the grammar never yields a bare token here
            raise PredicateError(f"unexpected {tree.value!r}", _tok_column(tree))
        rule = tree.data
        if rule in ("and_", "or_"):
            children = tuple(self._flatten(tree, rule))
            if rule == "or_":
                return _Or(children, self.src(tree))
            return _And(children, _bindable(children), self.src(tree))
        if rule == "not_":
            return _Not(self.node(tree.children[0]), self.src(tree))
        return self.comparison(tree)

    def _flatten(self, tree: Tree[Token], rule: str) -> Iterator[_Node]:
        for child in tree.children:
            if isinstance(child, Tree) and child.data == rule:
                yield from self._flatten(child, rule)
            else:
                yield self.node(child)

    def comparison(self, tree: Tree[Token]) -> _Cmp:
        name_tree = tree.children[0]
        assert isinstance(name_tree, Tree)
        kind, field, ftype = self.name(name_tree)
        src = self.src(tree)
        if tree.data == "presence":
            return _Cmp(kind, field, "present", (), ftype, src)
        if field is None or ftype is None:
            column = _column(name_tree)
            example = next(iter(FIELD_TYPES[kind]))
            raise PredicateError(
                f"compare a field of {kind}, not {kind} itself (e.g. {kind}.{example})", column
            )
        if tree.data == "compare":
            op_tok, lit_tok = tree.children[1], tree.children[2]
            assert isinstance(op_tok, Token) and isinstance(lit_tok, Token)
            op = str(op_tok)
            if ftype == "string" and op in _ORDERING:
                raise PredicateError(
                    f"{kind}.{field} is a string: compare it with ==, != or in, not {op}", _tok_column(op_tok)
                )
            literals: tuple[_Literal, ...] = (self.literal(lit_tok, kind, field, ftype),)
        else:
            op = "in" if tree.data == "in_" else "not in"
            list_tree = tree.children[1]
            assert isinstance(list_tree, Tree)
            literals = tuple(
                self.literal(tok, kind, field, ftype) for tok in list_tree.children if isinstance(tok, Token)
            )
        return _Cmp(kind, field, op, literals, ftype, src)

    def name(self, tree: Tree[Token]) -> tuple[str, str | None, FieldType | None]:
        parts = [str(t) for t in tree.children]
        column = _column(tree)
        for tok in tree.children:
            if isinstance(tok, Token) and tok.lower() in _KEYWORDS:
                raise PredicateError(f"unexpected '{tok}'; expected a fact name", _tok_column(tok))
        kind = parts[0]
        if kind not in FIELD_TYPES:
            raise PredicateError(
                f"unknown fact kind '{kind}' (kinds: {', '.join(FIELD_TYPES)})",
                column,
            )
        self.kinds.add(kind)
        if len(parts) == 1:
            return kind, None, None
        dotted = ".".join(parts)
        fields = FIELD_TYPES[kind]
        if len(parts) > 2 or parts[1] not in fields:
            raise PredicateError(f"unknown fact field '{dotted}' (fields: {', '.join(fields)})", column)
        return kind, parts[1], fields[parts[1]]

    def literal(self, tok: Token, kind: str, field: str, ftype: FieldType) -> _Literal:
        column = _tok_column(tok)
        name = f"{kind}.{field}"
        if tok.type == "NUMBER":
            if ftype != "number":
                raise PredicateError(f"{name} is a {ftype}; {tok} is a number", column)
            if not _NUMBER_SYNTAX.fullmatch(str(tok)):
                raise PredicateError(f"malformed number {tok}", column)
            number = Decimal(str(tok).replace("_", ""))
            return _Literal(number, _plain(number))
        text = _unquote(str(tok))
        shown = json.dumps(text, ensure_ascii=False)
        if ftype == "number":
            raise PredicateError(f"{name} is a number; {shown} is a string", column)
        if ftype == "date":
            try:
                day = datetime.date.fromisoformat(text)
            except ValueError:
                raise PredicateError(
                    f'{name} is a date: expected "YYYY-MM-DD", got {shown}', column
                ) from None
            return _Literal(day, json.dumps(day.isoformat()))
        return _Literal(_fold_field(kind, field, text), shown)


def _column(tree: Tree[Token]) -> int:
    return 1 if tree.meta.empty else tree.meta.start_pos + 1


def _tok_column(tok: Token) -> int:
    return (tok.start_pos or 0) + 1


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _positive_kinds(node: _Node) -> set[str]:
    """List kinds a node's comparisons touch without crossing a ``not``."""
    if isinstance(node, _Cmp):
        return {node.kind} if node.kind in LIST_KINDS else set()
    if isinstance(node, _Not):
        return set()
    return set().union(*(_positive_kinds(c) for c in node.children))


def _bindable(children: Sequence[_Node]) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for child in children:
        for kind in _positive_kinds(child):
            counts[kind] = counts.get(kind, 0) + 1
    return tuple(sorted(k for k, n in counts.items() if n >= 2))


def _syntax_error(text: str, e: UnexpectedInput) -> PredicateError:
    if isinstance(e, UnexpectedToken):
        expected = sorted({_TERMINAL_NAMES.get(t, t) for t in e.expected})
        if e.token.type == "$END":
            return PredicateError(
                f"unexpected end of expression; expected {' or '.join(expected)}", len(text) + 1
            )
        return PredicateError(
            f"unexpected {str(e.token)!r}; expected {' or '.join(expected)}", _tok_column(e.token)
        )
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        if char in "\"'":
            return PredicateError("unterminated string", pos + 1)
        return PredicateError(f"unexpected character {char!r}", pos + 1)
    return PredicateError(f"syntax error: {e}", (e.pos_in_stream or 0) + 1)  # pragma: no cover


# ---------------------------------------------------------------------------------------------------
# Evaluating


def _elements(facts: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    value = facts.get(kind)
    if kind in LIST_KINDS:
        return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []
    return [value] if isinstance(value, Mapping) else []


def _coerce(cmp: _Cmp, raw: Any) -> Value | None:
    if raw is None or cmp.field is None:
        return None
    if cmp.ftype == "number":
        if isinstance(raw, bool):
            return None
        try:
            number = Decimal(str(raw)) if isinstance(raw, str | int | float | Decimal) else None
        except InvalidOperation:
            return None
        return number if number is not None and number.is_finite() else None
    if cmp.ftype == "date":
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            return None
    return _fold_field(cmp.kind, cmp.field, raw) if isinstance(raw, str) else None


_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _test(cmp: _Cmp, element: Mapping[str, Any]) -> bool:
    if cmp.field is None:
        return True
    if cmp.op == "present":
        raw = element.get(cmp.field)
        return raw is not None and raw != "" and raw != []
    value = _coerce(cmp, element.get(cmp.field))
    if value is None:
        return False
    if cmp.op == "in":
        return any(value == lit.value for lit in cmp.literals)
    if cmp.op == "not in":
        return all(value != lit.value for lit in cmp.literals)
    return _OPS[cmp.op](value, cmp.literals[0].value)


def _scope(cmp: _Cmp, facts: Mapping[str, Any], bound: _Bound) -> list[Mapping[str, Any]]:
    return [bound[cmp.kind]] if cmp.kind in bound else _elements(facts, cmp.kind)


def _bindings(node: _And, facts: Mapping[str, Any], bound: _Bound) -> Iterator[_Bound]:
    """Every assignment of one element per bindable kind (kinds with no elements stay unbound)."""
    kinds = [k for k in node.bind if k not in bound and _elements(facts, k)]
    for combo in itertools.product(*(_elements(facts, k) for k in kinds)):
        yield {**bound, **dict(zip(kinds, combo, strict=True))}


def _eval(node: _Node, facts: Mapping[str, Any], bound: _Bound) -> bool:
    if isinstance(node, _Cmp):
        return any(_test(node, e) for e in _scope(node, facts, bound))
    if isinstance(node, _Not):
        return not _eval(node.child, facts, {})
    if isinstance(node, _Or):
        return any(_eval(c, facts, bound) for c in node.children)
    return any(all(_eval(c, facts, b) for c in node.children) for b in _bindings(node, facts, bound))


# ---------------------------------------------------------------------------------------------------
# Explaining


def _show(cmp: _Cmp, raw: Any) -> str:
    if raw is None or raw == "":
        return "missing"
    if cmp.ftype == "number":
        value = _coerce(cmp, raw)
        return _plain(value) if isinstance(value, Decimal) else json.dumps(str(raw))
    return json.dumps(str(raw), ensure_ascii=False)


def _why_cmp(cmp: _Cmp, facts: Mapping[str, Any], bound: _Bound) -> str:
    elements = _scope(cmp, facts, bound)
    if not elements:
        what = "no FMS notice" if cmp.kind == "fms" else f"no {cmp.kind} facts"
        return f"{what}, needs {cmp.src}" if cmp.op != "present" or cmp.field else what
    if cmp.op == "present":
        return f"{cmp.name} is missing"
    shown = [_show(cmp, e.get(cmp.field or "")) for e in elements]
    if cmp.kind not in LIST_KINDS or cmp.kind in bound:
        return f"{cmp.name} is {shown[0]}, needs {cmp.needs}"
    return f"{cmp.name} values are {', '.join(shown)}; none is {cmp.needs}"


def _how_cmp(cmp: _Cmp, facts: Mapping[str, Any], bound: _Bound) -> str:
    if cmp.op == "present":
        return f"{cmp.name} is present"
    element = next(e for e in _scope(cmp, facts, bound) if _test(cmp, e))
    return f"{cmp.name} is {_show(cmp, element.get(cmp.field or ''))}, meets {cmp.needs}"


def _why(node: _Node, facts: Mapping[str, Any], bound: _Bound) -> list[str]:
    """Reasons a node that evaluates false does so."""
    if isinstance(node, _Cmp):
        return [_why_cmp(node, facts, bound)]
    if isinstance(node, _Not):
        return [f"not ({node.child.src}) fails: " + "; ".join(_how(node.child, facts, {}))]
    if isinstance(node, _Or):
        return [r for c in node.children for r in _why(c, facts, bound)]
    failing = [c for c in node.children if not _eval(c, facts, bound)]
    if failing:
        return [r for c in failing for r in _why(c, facts, bound)]
    kinds = ", ".join(k for k in node.bind if k not in bound)
    return [f"no single {kinds} fact meets all of: {node.src}"]


def _how(node: _Node, facts: Mapping[str, Any], bound: _Bound) -> list[str]:
    """Reasons a node that evaluates true does so."""
    if isinstance(node, _Cmp):
        return [_how_cmp(node, facts, bound)]
    if isinstance(node, _Not):
        return [f"not ({node.child.src}): " + "; ".join(_why(node.child, facts, {}))]
    if isinstance(node, _Or):
        first = next(c for c in node.children if _eval(c, facts, bound))
        return _how(first, facts, bound)
    for b in _bindings(node, facts, bound):
        if all(_eval(c, facts, b) for c in node.children):
            return [r for c in node.children for r in _how(c, facts, b)]
    return []  # pragma: no cover - only called on true nodes


# ---------------------------------------------------------------------------------------------------
# Public surface


@dataclass(frozen=True, slots=True)
class Predicate:
    """A compiled ``where`` expression. Call it with the dict ``extract_facts`` returns."""

    text: str
    kinds: frozenset[str]  # the fact kinds it reads: extract only these
    _root: _Node

    def __call__(self, facts: Mapping[str, Any]) -> bool:
        return _eval(self._root, facts, {})

    def explain(self, facts: Mapping[str, Any]) -> str:
        """Why the predicate fails (``fms.value_usd is 340000000, needs >= 1000000000``) or holds."""
        if _eval(self._root, facts, {}):
            return "holds: " + "; ".join(_how(self._root, facts, {}))
        return "; ".join(_why(self._root, facts, {}))


def compile_where(text: str) -> Predicate:
    """Parse and validate a ``where`` expression. Raises :class:`PredicateError` (message, column)."""
    if not text.strip():
        raise PredicateError("empty expression", 1)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    compiler = _Compiler(text)
    root = compiler.node(tree)
    return Predicate(text, frozenset(compiler.kinds), root)

"""Parsing and compiling a ``where`` expression: the lark grammar, :class:`PredicateError` (message and
column), name/type checks against ``FIELD_TYPES``, and syntax errors worded for a person."""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from monitor.errors import PressmonError
from monitor.match.facts import FIELD_TYPES, LIST_KINDS, FieldType
from monitor.match.predicate.nodes import _And, _Cmp, _fold_field, _Literal, _Node, _Not, _Or, _plain


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

"""Query text -> AST (pure): the lark grammar, error messages with columns, and the checks the grammar
cannot express. The language is described in :mod:`monitor.match.query`."""

from __future__ import annotations

import contextlib
import re
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from monitor.match.query.nodes import (
    CONCEPT_NAME_RE,
    DEFAULT_NEAR,
    FIELDS,
    META_FIELDS,
    TEXT_FIELDS,
    And,
    Concept,
    Meta,
    MetaField,
    Near,
    Node,
    Not,
    Or,
    QuerySyntaxError,
    Ref,
    Term,
    TextField,
    Unit,
)
from monitor.match.query.text import fold, is_cjk, is_latin_word

__all__ = ["parse_query"]


_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: near_expr (_AND? near_expr)*
?near_expr: unary (NEAR unary)*
?unary: NOT unary -> not_
      | NEG unary -> neg
      | primary
?primary: FIELD atom -> scoped
        | atom
?atom: TERM -> term
     | PHRASE -> phrase
     | LPAR or_expr RPAR -> group

FIELD.4: /[A-Za-z_]+:/
NEAR.3: /(?:NEAR|SENT)(?:\/[^\s()"]*)?(?![^\s()"])/
_AND.3: /AND(?![^\s()"])/
_OR.3: /OR(?![^\s()"])/
NOT.3: /NOT(?![^\s()"])/
NEG.3: /-(?=[^\s)])/
PHRASE.2: /"[^"]*"/
TERM.1: /[^\s()"\-][^\s()"]*/
LPAR: "("
RPAR: ")"
%ignore /\s+/
"""

# Full-width ASCII and the ideographic space, one character for one, so columns stay true.
_WIDE = {0x3000: " ", 0x201C: '"', 0x201D: '"'} | {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_OPERATOR_NAMES = {"_AND": "AND", "_OR": "OR", "NOT": "NOT", "NEAR": "NEAR", "NEG": "-"}
_LOWER_OPERATORS = frozenset({"and", "or", "not", "near"})
_TEXT_FIELD: dict[str, TextField] = {"title": "title", "text": "text"}
_META_FIELD: dict[str, MetaField] = {"source": "source", "tag": "tag", "lang": "lang"}


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="basic", propagate_positions=True, maybe_placeholders=False)


def parse_query(text: str) -> Node:
    """Parse a topic query into its AST, or raise :class:`QuerySyntaxError`."""
    if not text.strip():
        raise QuerySyntaxError("empty query", 1)
    q = text.translate(_WIDE)
    try:
        tree = _parser().parse(q)
    except UnexpectedInput as exc:
        raise _syntax_error(q, exc) from None
    node = _Builder(q).build(tree, None)
    if not _has_positive(node, negated=False):
        raise QuerySyntaxError(
            "a query cannot be only negative (add a term that must be present)", _first_not_column(node)
        )
    return node


def _syntax_error(q: str, exc: UnexpectedInput) -> QuerySyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        ch = q[pos]
        if ch == '"':
            return QuerySyntaxError("unterminated quote", pos + 1)
        if ch == "-":
            return QuerySyntaxError(
                "'-' must touch what it negates, e.g. -\"Japan Airlines\" or -(a OR b)", pos + 1
            )
        return QuerySyntaxError(f"unexpected character {ch!r}", pos + 1)
    if not isinstance(exc, UnexpectedToken):  # pragma: no cover - LALR raises only these two
        return QuerySyntaxError(str(exc), 1)
    tokens: list[Token] = []
    with contextlib.suppress(UnexpectedInput):  # a later lexing error: the tokens before it suffice
        tokens.extend(_parser().lex(q))
    bad = exc.token
    if bad.type == "$END":
        idx = len(tokens)
    else:
        idx = next((i for i, t in enumerate(tokens) if t.start_pos == bad.start_pos), len(tokens))
    prev = tokens[idx - 1] if idx > 0 else None
    col = (bad.start_pos or 0) + 1 if bad.type != "$END" else len(q.rstrip()) + 1
    open_col = _unclosed_paren(tokens[:idx])
    if bad.type == "$END" and open_col is not None and (prev is None or prev.type not in _OPERATOR_NAMES):
        return QuerySyntaxError("unbalanced parenthesis", open_col)
    if prev is not None and prev.type in _OPERATOR_NAMES:
        name = _OPERATOR_NAMES[prev.type]
        if prev.type == "NEAR":
            name = str(prev)
        return QuerySyntaxError(f"'{name}' needs a term after it", (prev.start_pos or 0) + 1)
    if prev is not None and prev.type == "FIELD":
        if bad.type == "FIELD":
            return QuerySyntaxError("field scopes cannot be nested", col)
        if bad.type in ("NOT", "NEG"):
            return QuerySyntaxError(f"put the negation before the field: -{prev}term", col)
        return QuerySyntaxError(f"'{prev}' needs a term, phrase or group after it", (prev.start_pos or 0) + 1)
    if bad.type == "RPAR":
        if prev is not None and prev.type == "LPAR":
            return QuerySyntaxError("empty parentheses", (prev.start_pos or 0) + 1)
        return QuerySyntaxError("unbalanced parenthesis", col)
    if bad.type in _OPERATOR_NAMES:
        return QuerySyntaxError(f"'{_OPERATOR_NAMES[bad.type]}' needs a term before it", col)
    return QuerySyntaxError(f"unexpected {bad!s}", col)  # pragma: no cover - defensive


def _unclosed_paren(tokens: list[Token]) -> int | None:
    stack: list[int] = []
    for t in tokens:
        if t.type == "LPAR":
            stack.append((t.start_pos or 0) + 1)
        elif t.type == "RPAR" and stack:
            stack.pop()
    return stack[-1] if stack else None


class _Builder:
    """Tree -> AST, with the checks the grammar cannot express."""

    def __init__(self, q: str) -> None:
        self.q = q

    def build(self, t: Tree[Token] | Token, scope: str | None) -> Node:
        if isinstance(t, Token):  # pragma: no cover - every token sits under a rule
            raise QuerySyntaxError(f"unexpected {t!s}", (t.start_pos or 0) + 1)
        col = _col(t)
        kind = t.data
        if kind == "term":
            return self._leaf(t.children[0], scope, phrase=False)
        if kind == "phrase":
            return self._leaf(t.children[0], scope, phrase=True)
        if kind == "group":
            return self.build(t.children[1], scope)
        if kind in ("not_", "neg"):
            child = self.build(t.children[1], scope)
            return child.child if isinstance(child, Not) else Not(child, column=col)
        if kind == "scoped":
            tok = t.children[0]
            assert isinstance(tok, Token)
            name = str(tok)[:-1].lower()
            if name not in FIELDS:
                raise QuerySyntaxError(
                    f"unknown field '{str(tok)[:-1]}' (fields: {', '.join(FIELDS)})", _tcol(tok)
                )
            if scope is not None:
                raise QuerySyntaxError("field scopes cannot be nested", _tcol(tok))
            return self.build(t.children[1], name)
        if kind == "or_expr":
            return _flat(Or, [self.build(c, scope) for c in t.children], col)
        if kind == "and_expr":
            return _flat(And, [self.build(c, scope) for c in t.children], col)
        if kind == "near_expr":
            return self._near(t, scope)
        raise AssertionError(kind)  # pragma: no cover

    def _near(self, t: Tree[Token], scope: str | None) -> Node:
        ops = [c for c in t.children if isinstance(c, Token) and c.type == "NEAR"]
        if len(ops) > 1:
            raise QuerySyntaxError(
                "only one NEAR or SENT per chain: write (a NEAR/5 b) AND (b NEAR/5 c)", _tcol(ops[1])
            )
        op = ops[0]
        name = str(op)[:4]
        unit: Unit = "tokens" if name == "NEAR" else "sentences"
        if scope in META_FIELDS:
            raise QuerySyntaxError(f"{name} cannot be used inside {scope}:", _tcol(op))
        spec = str(op)[4:]
        if spec == "":
            distance = DEFAULT_NEAR if unit == "tokens" else 0
        elif re.fullmatch(r"/[0-9]+", spec) is None:
            example = "NEAR/20" if unit == "tokens" else "SENT/1"
            raise QuerySyntaxError(f"{name} needs a distance, e.g. {example}", _tcol(op))
        else:
            distance = int(spec[1:])
            if distance < 1 and unit == "tokens":
                raise QuerySyntaxError(
                    "NEAR distance must be at least 1 (adjacent words are 1 apart)", _tcol(op)
                )
        left_t, right_t = t.children[0], t.children[2]
        left, left_refs = self._near_operand(left_t, scope, name)
        right, right_refs = self._near_operand(right_t, scope, name)
        lf = {f for x in left for f in ((x.field,) if x.field else TEXT_FIELDS)} | (
            set(TEXT_FIELDS) if left_refs else set()
        )
        rf = {f for x in right for f in ((x.field,) if x.field else TEXT_FIELDS)} | (
            set(TEXT_FIELDS) if right_refs else set()
        )
        if not lf & rf:
            raise QuerySyntaxError(f"{name} operands are in different fields (title: and text:)", _tcol(op))
        return Near(
            left,
            right,
            distance,
            column=_col(left_t) if isinstance(left_t, Tree) else _tcol(left_t),
            unit=unit,
            left_refs=left_refs,
            right_refs=right_refs,
        )

    def _near_operand(
        self, t: Tree[Token] | Token, scope: str | None, name: str
    ) -> tuple[tuple[Term, ...], tuple[Ref, ...]]:
        node = self.build(t, scope)
        parts = node.children if isinstance(node, Or) else (node,)
        if all(isinstance(c, Term | Ref) for c in parts):
            return (
                tuple(c for c in parts if isinstance(c, Term)),
                tuple(c for c in parts if isinstance(c, Ref)),
            )
        column = _col(t) if isinstance(t, Tree) else _tcol(t)
        if isinstance(node, Not):
            raise QuerySyntaxError(
                f"{name} operands cannot be negated (NOT binds tighter than {name}): write NOT (a {name} b)",
                column,
            )
        raise QuerySyntaxError(
            f"{name} operands must be terms, phrases, wildcards, @concepts or an OR of them, "
            "e.g. (Japan OR 日本)",
            column,
        )

    def _leaf(self, tok: Tree[Token] | Token, scope: str | None, *, phrase: bool) -> Term | Meta | Ref:
        assert isinstance(tok, Token)
        col = _tcol(tok)
        raw = str(tok)[1:-1] if phrase else str(tok)
        if not phrase and raw.startswith("@"):
            if CONCEPT_NAME_RE.fullmatch(raw[1:]) is None:
                raise QuerySyntaxError(
                    f"'{raw}' is not a concept name (@ then lower-case letters, digits and _, e.g. @japan)",
                    col,
                )
            if scope in META_FIELDS:
                raise QuerySyntaxError(f"a concept cannot be scoped with {scope}: (title:, text:)", col)
            return Ref(raw[1:], column=col, field=_TEXT_FIELD.get(scope or ""))
        if not phrase and raw.casefold() in _LOWER_OPERATORS:
            raise QuerySyntaxError(
                f"'{raw}' is an operator only in upper case: write {raw.upper()}, "
                f'or "{raw}" to search for the word',
                col,
            )
        stripped = raw.strip()
        if not stripped:
            raise QuerySyntaxError("empty phrase", col)
        prefix = stripped.endswith("*")
        body = stripped[:-1] if prefix else stripped
        if "*" in body:
            where = body.index("*")
            message = (
                "leading wildcards are not supported"
                if where == 0
                else "'*' is a wildcard only at the end of a term, e.g. tariff*"
            )
            raise QuerySyntaxError(message, col + (1 if phrase else 0) + raw.index("*"))
        meta = _META_FIELD.get(scope or "")
        norm = fold(body, us=meta is None, term=True).strip(" ")
        if meta is not None:
            if not norm:
                raise QuerySyntaxError(f"'{raw}' is empty after normalisation", col)
            return Meta(meta, stripped, norm, prefix, column=col)
        if not any(ch.isalnum() for ch in norm):
            raise QuerySyntaxError(f"'{raw}' has no letters or digits to search for", col)
        if prefix:
            if len(norm) < 2:
                raise QuerySyntaxError("a wildcard needs at least 2 characters before '*'", col)
            if not (is_latin_word(norm[-1]) or is_cjk(norm[-1])):
                raise QuerySyntaxError("'*' must follow a letter or digit", col)
        return Term(stripped, norm, prefix, phrase, _TEXT_FIELD.get(scope or ""), column=col)


def _col(t: Tree[Token]) -> int:
    pos = getattr(t.meta, "start_pos", None)
    return (pos or 0) + 1


def _tcol(tok: Token) -> int:
    return (tok.start_pos or 0) + 1


def _flat(kind: type[And] | type[Or], children: list[Node], column: int) -> Node:
    flat: list[Node] = []
    for c in children:
        if isinstance(c, kind):
            flat.extend(c.children)
        else:
            flat.append(c)
    return kind(tuple(flat), column=column)


def _has_positive(node: Node, *, negated: bool) -> bool:
    """Can the query only be true when some positive literal is present? (False: it matches "nothing".)"""
    if isinstance(node, Term | Meta | Near | Ref):
        return not negated
    if isinstance(node, Concept):
        return _has_positive(node.body, negated=negated)
    if isinstance(node, Not):
        return _has_positive(node.child, negated=not negated)
    conj = isinstance(node, And) != negated  # And, or a negated Or (De Morgan)
    results = [_has_positive(c, negated=negated) for c in node.children]
    return any(results) if conj else all(results)


def _first_not_column(node: Node) -> int:
    """Column of the first NOT / ``-`` in the query (where "only negative" starts), else 1."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop(0)
        if isinstance(n, Not):
            return n.column or 1
        if isinstance(n, And | Or):
            stack = [*n.children, *stack]
    return 1

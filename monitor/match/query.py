"""The topic query language: ``topics[].query`` parsed once, at config load, into a frozen AST (pure).

Grammar (lark, LALR; precedence from tightest to loosest: NOT > NEAR > AND > OR)::

    query    := or
    or       := and ("OR" and)*
    and      := near (["AND"] near)*                  adjacent operands are ANDed
    near     := unary ("NEAR" | "NEAR/" n | "SENT" | "SENT/" n) unary
                                              one per chain; bare NEAR is NEAR/10, bare SENT is SENT/0
    unary    := "NOT" unary | "-" unary | [field ":"] atom
    atom     := term | '"' phrase '"' | "@" concept | "(" or ")"
    field    := title | text | source | tag | lang

- ``Japan tariff*`` = ``Japan AND tariff*``; ``a b OR c`` = ``(a AND b) OR c``; ``a -b`` = ``a AND NOT b``.
- ``-x`` is exactly ``NOT x``; the ``-`` must touch what it negates (``-"Japan Airlines"``, ``-(a OR b)``).
- Operators are upper-case only. A bare lower-case ``and``/``or``/``not``/``near`` is an error (it would
  silently become a required search word); quote it to search for the word: ``"and"``.
- ``tariff*``: trailing wildcard, any ending of Latin word characters (at least 2 characters before
  ``*``; ``"Foreign Military Sale*"`` puts it on a phrase's last word). After a CJK character ``*`` adds
  nothing (CJK terms already match inside words). Only ``*`` is special; there are no escapes, and a
  phrase cannot contain ``"``.
- ``title:`` / ``text:`` limit a term, phrase or group to one field (default: either). ``source:``,
  ``tag:``, ``lang:`` compare the whole value of the document's source id, any of its tags, or its
  language (``tag:us-gov``, ``lang:ja``, ``source:dsca*``); they produce no spans. Scopes do not nest.
- NEAR: order-free; operands are terms, phrases, wildcards or a parenthesised OR of them
  (``(Japan OR 日本) NEAR/10 (tariff* OR 関税)``); both ends must be in the same field.
- SENT: ``a SENT b`` holds when a and b occur in the same sentence, ``a SENT/1 b`` in the same or adjacent
  sentences (``SENT/n``: at most n sentences apart); operands as for NEAR. Sentences end at ``。 ！ ？ !
  ?`` and at a ``.`` followed by a space, except after an abbreviation or initial (``U.S.``, ``Mr.``,
  ``No.``, ``J.``: see :data:`ABBREVIATIONS`); the title is its own sentence.
- The headline is the subject of what follows: for NEAR and SENT, an occurrence of the LEFT operand in
  the title counts as next to every occurrence of the right operand in the text (``@japan NEAR/8
  @tariff``: Japan in the title pairs with a tariff anywhere in the body; write the actor first). The
  reverse does not hold ("Australia lifts defense spending" with Japan in the body is not Japan's
  spending). Two occurrences in the same field are measured as written.
- ``@name`` is a named concept (``concepts:`` in feeds.yaml, ``monitor.match.concepts``): a query defined
  once, used anywhere a term can be, also as a NEAR/SENT operand when it is an OR of terms. A concept can
  mask phrases (an occurrence of one of its terms inside a mask occurrence does not count), and a
  source can imply it (its items satisfy ``@name`` without writing it; inside NEAR/SENT an implied
  side is present everywhere, so only the other side must occur). The parser leaves ``@name`` as a
  :class:`Ref`; :func:`monitor.match.concepts.resolve` replaces it with a :class:`Concept`.
- A query must be able to match through a positive term: ``NOT x`` and ``a OR -b`` are rejected.

Text model (the contract the matcher and the reference evaluator implement; see :func:`fold`):

- Both query terms and document fields are *folded*: NFKC, ``str.casefold``, curly quotes to straight
  ones, every whitespace character and hyphen/dash (``-`` and U+2010–U+2015) to a space, runs of spaces
  to one. So ``ＦＭＳ`` = ``FMS``, ``１兆ドル`` = ``1兆ドル``, ``U.S.-Japan`` = ``U.S. Japan``, a phrase
  matches across newlines and double spaces, and ``Japan’s`` = ``Japan's``. Dots and other punctuation
  are kept: ``U.S.`` does not match ``US``.
- CJK characters: kana, CJK ideographs (and 々〆〇ー). Latin word characters: every other letter, digit
  or ``_`` (Python ``\\w``), of any script.
- A term edge that is a Latin word character must sit at a Latin word boundary: ``Japan`` does not match
  ``Japanese`` (``Japan*`` does), ``FMS`` matches in ``日本へのFMS売却``. A CJK edge matches anywhere:
  ``関税`` matches in ``自動車関税``; ``1兆ドル`` matches in ``約1兆ドル`` but not ``11兆ドル``.
- Tokens (for NEAR): a maximal run of Latin word characters is one token; a run of CJK characters is cut
  into pairs from its start, so a run of L characters counts ceil(L/2) tokens (two characters is about one
  Japanese word, so one NEAR/n reads the same in both languages). Punctuation and spaces are not tokens.
- An occurrence covers tokens first..last. The distance of two occurrences is 0 if they share a token,
  else (first token of the later) - (last token of the earlier): adjacent words are 1 apart.
  ``a NEAR/n b`` holds if some occurrence of a and some of b in the same field are at most n apart.
  Example: in 「日本政府は米国の自動車関税について」 日本 is token 0 and 関税 covers tokens 5..6
  (日本|政府|は米|国の|自動|車関|税に|つい|て), so ``日本 NEAR/5 関税`` matches and ``NEAR/4`` does not.

Errors are :class:`QuerySyntaxError` with a human message and a 1-based column (character offset in the
query string; full-width ASCII counts as one character). The config loader adds the file, line and topic.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache
from typing import Literal, TypeAlias

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

__all__ = [
    "ABBREVIATIONS",
    "CJK_CLASS",
    "DEFAULT_NEAR",
    "FIELDS",
    "FOLD_TABLE",
    "LATIN_WORD_CLASS",
    "META_FIELDS",
    "SEPARATORS",
    "TEXT_FIELDS",
    "TOKEN_RE",
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
    "fold",
    "is_cjk",
    "is_latin_word",
    "parse_query",
    "sentence_starts",
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

# --- text model ---------------------------------------------------------------------------------------

# Kana and CJK ideographs that are word characters (punctuation such as ・ and ゠ is left out).
_CJK_RANGES = (
    "\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
CJK_CLASS = f"[{_CJK_RANGES}]"
LATIN_WORD_CLASS = rf"[^\W{_CJK_RANGES}]"
TOKEN_RE = re.compile(rf"{LATIN_WORD_CLASS}+|{CJK_CLASS}{{1,2}}")
_CJK_RE = re.compile(CJK_CLASS)
_LATIN_WORD_RE = re.compile(LATIN_WORD_CLASS)

SEPARATORS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u1680\u2028\u2029-\u2010\u2011\u2012\u2013\u2014\u2015"
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}
# Applied after NFKC + casefold; every entry maps one character to one character.
FOLD_TABLE: dict[int, str] = {ord(c): " " for c in SEPARATORS} | {ord(k): v for k, v in _QUOTES.items()}
_SPACE_RUN_RE = re.compile(" {2,}")


def fold(s: str) -> str:
    """The folded form terms and fields are compared in: NFKC, casefold, quotes/separators, one space."""
    t = unicodedata.normalize("NFKC", s).casefold().translate(FOLD_TABLE)
    return _SPACE_RUN_RE.sub(" ", t)


def is_cjk(ch: str) -> bool:
    return _CJK_RE.match(ch) is not None


def is_latin_word(ch: str) -> bool:
    return _LATIN_WORD_RE.match(ch) is not None


# Words that end in a dot without ending a sentence (folded: lower case). Single letters (initials,
# "U.S.", "e.g.") are covered by the rule below, not listed.
_ABBREVIATED = (
    "mr mrs ms dr prof sen rep gov gen lt col maj capt adm sgt st no nos vol pp fig inc corp co ltd bros "
    "jr sr vs approx est dept univ jan feb mar apr jun jul aug sep sept oct nov dec"
)
ABBREVIATIONS = frozenset(_ABBREVIATED.split())
_SENTENCE_END_RE = re.compile(r"[。!?]+[\"')\]」』]*|\.[\"')\]」』]*(?= |$)")
_WORD_BEFORE_RE = re.compile(r"[^\W\d_]+$")


def sentence_starts(folded: str) -> list[int]:
    """Offsets where sentences start in a folded field (always begins with 0). See the module docstring."""
    starts = [0]
    n = len(folded)
    for m in _SENTENCE_END_RE.finditer(folded):
        p = m.start()
        if folded[p] == ".":
            w = _WORD_BEFORE_RE.search(folded, max(0, p - 16), p)
            word = w.group() if w else ""
            if len(word) == 1 or word in ABBREVIATIONS:  # an initial, "U.S.", "e.g.", "Mr."
                continue
        end = m.end()
        while end < n and folded[end] == " ":
            end += 1
        if end < n and end != starts[-1]:
            starts.append(end)
    return starts


# --- AST ----------------------------------------------------------------------------------------------


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


# --- grammar ------------------------------------------------------------------------------------------

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
        norm = fold(body).strip(" ")
        meta = _META_FIELD.get(scope or "")
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


# --- helpers ------------------------------------------------------------------------------------------


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

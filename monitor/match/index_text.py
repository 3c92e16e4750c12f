"""What the full-text index stores and how a topic query becomes an index query (pure).

One text form for both databases (SQLite FTS5 with the ``unicode61`` tokenizer, PostgreSQL ``tsvector``
with the ``simple`` configuration), so both find the same candidates:

- the text is folded as the matcher folds it (``monitor.match.query.fold``: NFKC, casefold, dashes and
  whitespace to spaces),
- a run of Latin word characters is one token; punctuation separates tokens (``U.S.`` -> ``u s``),
- a run of CJK characters becomes its overlapping character *bigrams* plus its last character alone
  (``自動車関税`` -> ``自動 動車 車関 関税 税``), so a Japanese term of two or more characters is a phrase
  of bigrams wherever it sits inside a run (the matcher matches CJK terms inside words), and a single
  character is a prefix search (every character starts a bigram or ends a run).

Why bigrams and not FTS5's ``trigram`` tokenizer (measured on the demo and the bench corpus): most
Japanese search words are two characters (関税, 投資, 日米, 米国), which a trigram index cannot look up (it
falls back to a full scan), and PostgreSQL has no trigram *tokenizer* for tsvector (``pg_trgm`` is an
index on one column, without phrases, fields or prefixes). Bigram tokens work the same in both.

A change to what :func:`tokens` returns (as when a capitalised ``US`` came to fold as ``u s``) needs a
migration that calls ``monitor.store.search_index.rebuild``, as ``0013_search_reindex`` does: rows stored
in the old form would be missed by the new query form, and SQLite's contentless table can only delete a
row given the tokens it was indexed with.

The index is a *candidate* filter, a superset of what the matcher accepts: ``NOT``, ``NEAR`` distances,
``source:``/``tag:``/``lang:`` scopes and anything the index cannot express are left to the real matcher,
which runs on every candidate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from monitor.match.query import CJK_CLASS, LATIN_WORD_CLASS, And, Concept, Near, Node, Or, Term, fold

__all__ = [
    "IndexAnd",
    "IndexExpr",
    "IndexOr",
    "IndexTerm",
    "fts5_query",
    "index_expr",
    "index_text",
    "tokens",
    "tsquery",
]

_TOKEN = re.compile(f"({LATIN_WORD_CLASS}+)|({CJK_CLASS}+)")
MAX_INDEX_CHARS = 200_000  # a longer text is indexed up to here (PostgreSQL tsvector positions stop at 16383)


def _tokens(s: str, *, closed: bool) -> list[str]:
    out: list[str] = []
    matches = list(_TOKEN.finditer(fold(s)))
    for n, m in enumerate(matches):
        if m.group(1):
            out.append(m.group(1))
            continue
        run = m.group(2)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        # The run's last character alone: a doc always has it; a query phrase ending in a run of two or
        # more characters leaves it out (the bigram already ends there, and the next doc token may differ).
        if len(run) == 1 or closed or n < len(matches) - 1:
            out.append(run[-1])
    return out


def tokens(s: str) -> list[str]:
    """The tokens a document field is indexed as."""
    return _tokens(s[:MAX_INDEX_CHARS], closed=True)


def index_text(s: str) -> str:
    """A document field as the index stores it: its tokens, space-separated."""
    return " ".join(tokens(s))


@dataclass(frozen=True, slots=True)
class IndexTerm:
    tokens: tuple[str, ...]  # a phrase of index tokens (one token: a word)
    prefix: bool = False  # the last token is a prefix
    field: str | None = None  # "title" | "text" | None (either)


@dataclass(frozen=True, slots=True)
class IndexAnd:
    children: tuple[IndexExpr, ...]


@dataclass(frozen=True, slots=True)
class IndexOr:
    children: tuple[IndexExpr, ...]


IndexExpr = IndexTerm | IndexAnd | IndexOr


def _term(t: Term) -> IndexExpr | None:
    toks = _tokens(t.norm, closed=False)
    if not toks:
        return None  # nothing indexable (punctuation): the matcher decides
    last_cjk = re.fullmatch(CJK_CLASS, t.norm[-1]) is not None
    if len(toks) == 1 and last_cjk and len(toks[0]) == 1:
        return IndexTerm(tuple(toks), prefix=True, field=t.field)  # one CJK character: starts a bigram
    return IndexTerm(tuple(toks), prefix=t.prefix and not last_cjk, field=t.field)


def index_expr(node: Node, implied: frozenset[str] = frozenset()) -> IndexExpr | None:
    """The part of a query the index can check; ``None`` means "any document" (no index filter).

    Terms, phrases and prefixes map directly; AND and OR map to AND and OR of their mappable parts;
    ``NOT`` and the scopes map to "any"; ``a NEAR b`` to ``a AND b``. Unknown node kinds (extensions of
    the query language) map to "any": the matcher checks them on the candidates. ``implied``: the
    concepts some searched source implies; such a concept (and a NEAR/SENT side standing for one) maps
    to "any", since that source's items satisfy it without any of its words.
    """
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, And):
        kids = [e for e in (index_expr(c, implied) for c in node.children) if e is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else IndexAnd(tuple(kids))
    if isinstance(node, Or):
        ors: list[IndexExpr] = []
        for c in node.children:
            e = index_expr(c, implied)
            if e is None:
                return None
            ors.append(e)
        return ors[0] if len(ors) == 1 else IndexOr(tuple(ors))
    if isinstance(node, Concept):
        return None if node.name in implied else index_expr(node.body, implied)
    if isinstance(node, Near):
        if not node.left or not node.right:  # an unresolved @concept side
            return None
        sides = [
            None
            if implied.intersection(names)
            else index_expr(Or(side) if len(side) > 1 else side[0], implied)
            for side, names in ((node.left, node.left_implied), (node.right, node.right_implied))
        ]
        kept = [s for s in sides if s is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else IndexAnd(tuple(kept))
    return None


def _render(e: IndexExpr, term: Callable[[IndexTerm], str], and_: str, or_: str) -> str:
    if isinstance(e, IndexTerm):
        return term(e)
    op = and_ if isinstance(e, IndexAnd) else or_
    return "(" + op.join(_render(c, term, and_, or_) for c in e.children) + ")"


def fts5_query(e: IndexExpr) -> str:
    """The FTS5 MATCH string (tokens are word or CJK characters only: no quoting issues)."""

    def term(t: IndexTerm) -> str:
        phrase = '"' + " ".join(t.tokens) + '"' + (" *" if t.prefix else "")
        return f"{t.field} : {phrase}" if t.field else phrase

    return _render(e, term, " AND ", " OR ")


def tsquery(e: IndexExpr) -> str:
    """The PostgreSQL ``to_tsquery('simple', ...)`` string; title is weight A, text weight B."""

    def term(t: IndexTerm) -> str:
        w = {"title": "A", "text": "B"}.get(t.field or "", "")
        parts = [f"'{tok}'" + (":" + w if w else "") for tok in t.tokens]
        if t.prefix:
            parts[-1] = f"'{t.tokens[-1]}':*{w}"
        return "(" + " <-> ".join(parts) + ")" if len(parts) > 1 else parts[0]

    return _render(e, term, " & ", " | ")

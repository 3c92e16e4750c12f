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

The text model (folding, tokens, sentences) is described in :mod:`monitor.match.query.text`; the AST
is :mod:`monitor.match.query.nodes`, the parser :mod:`monitor.match.query.parser`.


Errors are :class:`QuerySyntaxError` with a human message and a 1-based column (character offset in the
query string; full-width ASCII counts as one character). The config loader adds the file, line and topic.
"""

from __future__ import annotations

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
    show_term,
    terms_of,
    unparse,
)
from monitor.match.query.parser import parse_query
from monitor.match.query.text import (
    ABBREVIATIONS,
    CJK_CLASS,
    FOLD_TABLE,
    KATAKANA_CLASS,
    LATIN_WORD_CLASS,
    SEPARATORS,
    TOKEN_RE,
    fold,
    is_cjk,
    is_katakana,
    is_latin_word,
    sentence_starts,
)

__all__ = [
    "ABBREVIATIONS",
    "CJK_CLASS",
    "CONCEPT_NAME_RE",
    "DEFAULT_NEAR",
    "FIELDS",
    "FOLD_TABLE",
    "KATAKANA_CLASS",
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
    "Unit",
    "fold",
    "is_cjk",
    "is_katakana",
    "is_latin_word",
    "parse_query",
    "sentence_starts",
    "show_term",
    "terms_of",
    "unparse",
]

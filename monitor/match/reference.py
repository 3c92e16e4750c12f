"""The naive evaluator: the query language as one Python ``re`` per term, run topic by topic (pure).

No prefilter, no shared scan, no offset maps: each field is folded with :func:`~monitor.match.query.fold`
and every term of every topic is searched with its own compiled pattern. It is the executable
specification that ``tests/test_matcher.py`` and ``bench/match.py`` compare :class:`Matcher` with
(same answers, ~30x slower), not something the daemon uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.langtag import primary
from monitor.match.doc import Doc, TopicQuery
from monitor.match.query import (
    KATAKANA_CLASS,
    LATIN_WORD_CLASS,
    TOKEN_RE,
    And,
    Concept,
    Meta,
    Near,
    Node,
    Not,
    Or,
    Ref,
    Term,
    fold,
    is_katakana,
    sentence_starts,
)

__all__ = ["ReferenceMatcher", "term_pattern"]

_LATIN = re.compile(LATIN_WORD_CLASS)


def term_pattern(t: Term, *, overlapping: bool = False, mask: bool = False) -> re.Pattern[str]:
    """The pattern of ``t`` over folded text; ``overlapping``: every occurrence, as group 1 of a lookahead.

    ``mask``: ``t`` is a mask phrase, which matches inside any word (no katakana-start rule)."""
    body = re.escape(t.norm)
    left = f"(?<!{LATIN_WORD_CLASS})" if _LATIN.match(t.norm[0]) else ""
    if is_katakana(t.norm[0]) and not mask:
        left = f"(?<!{KATAKANA_CLASS})"
    last_latin = _LATIN.match(t.norm[-1]) is not None
    if t.prefix:
        right = f"{LATIN_WORD_CLASS}*" if last_latin else ""
    else:
        right = f"(?!{LATIN_WORD_CLASS})" if last_latin else ""
    return re.compile(f"(?=({left}{body}{right}))" if overlapping else f"{left}{body}{right}")


class _Fields:
    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = {"title": fold(doc.title), "text": fold(doc.text)}
        self._tokens: dict[str, list[tuple[int, int]]] = {}
        self._sentences: dict[str, list[int]] = {}

    def sentence(self, field: str, pos: int) -> int:
        if field not in self._sentences:
            self._sentences[field] = sentence_starts(self.text[field])
        return sum(1 for s in self._sentences[field] if s <= pos) - 1

    def tokens(self, field: str) -> list[tuple[int, int]]:
        if field not in self._tokens:
            self._tokens[field] = [m.span() for m in TOKEN_RE.finditer(self.text[field])]
        return self._tokens[field]

    def position(self, field: str, start: int, end: int) -> tuple[int, int]:
        """(first, last) token of an occurrence: first token ending after start, last starting before end."""
        toks = self.tokens(field)
        first = next((i for i, (_, e) in enumerate(toks) if e > start), len(toks))
        last = max((i for i, (s, _) in enumerate(toks) if s < end), default=-1)
        return first, last

    def sentences(self, field: str, start: int, end: int) -> tuple[int, int]:
        """(first, last) sentence of an occurrence."""
        return self.sentence(field, start), self.sentence(field, end - 1)


class ReferenceMatcher:
    def __init__(self, topics: Sequence[TopicQuery]) -> None:
        self._topics = list(topics)
        self._search: dict[Term, re.Pattern[str]] = {}
        self._all: dict[tuple[Term, bool], re.Pattern[str]] = {}
        for t in topics:
            self._compile(t.query)

    def _compile(self, node: Node) -> None:
        if isinstance(node, Term):
            if node in self._search:
                return
            self._search[node] = term_pattern(node)
            # A concept's masks ride on each of its terms: compiled once each, not once per term.
            if (node, False) not in self._all:
                self._all[(node, False)] = term_pattern(node, overlapping=True)
            for t in node.masks:
                if (t, True) not in self._all:
                    self._all[(t, True)] = term_pattern(t, overlapping=True, mask=True)
        elif isinstance(node, Near):
            for t in (*node.left, *node.right):
                self._compile(t)
        elif isinstance(node, Concept):
            self._compile(node.body)
        elif isinstance(node, Ref):
            raise ValueError(f"reference: @{node.name} is not resolved")
        elif isinstance(node, Not):
            self._compile(node.child)
        elif isinstance(node, And | Or):
            for c in node.children:
                self._compile(c)

    @staticmethod
    def _fields(t: Term) -> tuple[str, ...]:
        return (t.field,) if t.field else ("title", "text")

    def _occurrences(self, t: Term, f: _Fields) -> list[tuple[str, int, int]]:
        """Every occurrence of ``t``, less those inside an occurrence of one of its masks."""
        out = []
        for name in self._fields(t):
            masks = [
                (m.start(1), m.end(1)) for mt in t.masks for m in self._all[(mt, True)].finditer(f.text[name])
            ]
            for m in self._all[(t, False)].finditer(f.text[name]):
                s, e = m.start(1), m.end(1)
                if not any(ms <= s and e <= me for ms, me in masks):
                    out.append((name, s, e))
        return out

    def _eval(self, node: Node, f: _Fields) -> bool:
        if isinstance(node, Term):
            if node.masks:
                return bool(self._occurrences(node, f))
            pat = self._search[node]
            return any(pat.search(f.text[name]) for name in self._fields(node))
        if isinstance(node, Concept):
            return node.name in f.doc.implies or self._eval(node.body, f)
        if isinstance(node, Meta):
            doc = f.doc
            langs = [doc.lang, primary(doc.lang)] if doc.lang else []
            values = {"source": [doc.source], "tag": list(doc.tags), "lang": langs}[node.field]
            folded = [fold(v, us=False).strip(" ") for v in values if v]
            return any(v == node.value or (node.prefix and v.startswith(node.value)) for v in folded)
        if isinstance(node, Not):
            return not self._eval(node.child, f)
        if isinstance(node, And):
            return all(self._eval(c, f) for c in node.children)
        if isinstance(node, Or):
            return any(self._eval(c, f) for c in node.children)
        assert isinstance(node, Near)
        return self._near(node, f)

    def _near(self, node: Near, f: _Fields) -> bool:
        left = [o for t in node.left for o in self._occurrences(t, f)]
        right = [o for t in node.right for o in self._occurrences(t, f)]
        left_implied = any(c in f.doc.implies for c in node.left_implied)
        right_implied = any(c in f.doc.implies for c in node.right_implied)
        if left_implied or right_implied:
            return (left_implied or bool(left)) and (right_implied or bool(right))
        where = f.position if node.unit == "tokens" else f.sentences
        for lf, ls, le in left:
            a1, a2 = where(lf, ls, le)
            for rf, rs, re_ in right:
                if rf != lf:  # the left operand in the headline is the subject of the text
                    if lf == "title":
                        return True
                    continue
                b1, b2 = where(rf, rs, re_)
                distance = b1 - a2 if a2 < b1 else (a1 - b2 if b2 < a1 else 0)
                if distance <= node.distance:
                    return True
        return False

    def match_ids(self, doc: Doc) -> list[str]:
        """The ids of the topics that match ``doc``, in configuration order."""
        f = _Fields(doc)
        return [t.id for t in self._topics if self._eval(t.query, f)]

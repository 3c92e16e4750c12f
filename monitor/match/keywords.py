"""Keyword topics: compile once, match many (pure).

A topic fires when the title or text contains one of ``keywords``, at least one term of every group in
``requires``, and none of ``excludes``. Matching is case-insensitive on NFKC-normalised text (so
full-width ``ＦＭＳ`` matches ``FMS``). A term containing CJK characters matches anywhere (Japanese has no
word spaces); any other term matches whole words, and a trailing ``*`` matches any word ending
(``tariff*`` matches tariffs). The query language of a later issue replaces this module's syntax, not
its output: a :class:`~monitor.model.Mention` with the matched terms, their spans and a snippet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.config.schema import Topic
from monitor.model import MatchedTerm, Mention

__all__ = ["CompiledTopic", "compile_topics", "match_topics", "snippet"]

_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
SNIPPET_CHARS = 240


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _term_regex(term: str) -> str:
    t = _nfkc(term).strip()
    wildcard = t.endswith("*")
    core = t.rstrip("*").strip()
    # Words separated by any run of whitespace or hyphens ("U.S.-Japan", "U.S. Japan").
    body = r"[\s\-]+".join(re.escape(w) for w in core.split())
    if _CJK_RE.search(core):
        return body + (r"\w*" if wildcard else "")
    left = r"(?<!\w)" if re.match(r"\w", core) else ""
    right = r"\w*" if wildcard else (r"(?!\w)" if re.search(r"\w$", core) else "")
    return left + body + right


@dataclass(frozen=True, slots=True)
class _TermSet:
    terms: tuple[str, ...]
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, terms: Sequence[str]) -> _TermSet:
        parts = [f"(?P<t{i}>{_term_regex(t)})" for i, t in enumerate(terms)]
        return cls(tuple(terms), re.compile("|".join(parts), re.IGNORECASE))

    def find(self, field: str, text: str) -> list[MatchedTerm]:
        found = []
        for m in self.pattern.finditer(text):
            idx = int((m.lastgroup or "t0")[1:])
            found.append(MatchedTerm(self.terms[idx], field, m.start(), m.end(), m.group()))
        return found


@dataclass(frozen=True, slots=True)
class CompiledTopic:
    id: str
    title: str
    keywords: _TermSet
    requires: tuple[_TermSet, ...]
    excludes: _TermSet | None


def compile_topics(topics: Sequence[Topic]) -> tuple[CompiledTopic, ...]:
    return tuple(
        CompiledTopic(
            id=t.id,
            title=t.title or t.id,
            keywords=_TermSet.of(t.keywords),
            requires=tuple(_TermSet.of(g) for g in t.requires),
            excludes=_TermSet.of(t.excludes) if t.excludes else None,
        )
        for t in topics
    )


def _scan(ts: _TermSet, fields: Sequence[tuple[str, str]]) -> list[MatchedTerm]:
    out: list[MatchedTerm] = []
    for name, text in fields:
        out.extend(ts.find(name, text))
    return out


def snippet(text: str, spans: Sequence[tuple[int, int]], *, width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first span, cut at word boundaries, with ``…`` where cut."""
    if not text:
        return ""
    if not spans:
        start = 0
    else:
        first = min(s for s, _ in spans)
        start = max(0, first - width // 3)
        if start > 0:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space != -1 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    out = text[start:end].strip()
    return ("…" if start > 0 else "") + out + ("…" if end < len(text) else "")


def match_topics(topics: Sequence[CompiledTopic], *, title: str, text: str) -> list[Mention]:
    """Every topic that fires on this title and text, with its evidence."""
    fields = (("title", _nfkc(title)), ("text", _nfkc(text)))
    mentions: list[Mention] = []
    for topic in topics:
        hits = _scan(topic.keywords, fields)
        if not hits:
            continue
        required: list[MatchedTerm] = []
        for group in topic.requires:
            group_hits = _scan(group, fields)
            if not group_hits:
                break
            required.extend(group_hits)
        else:
            if topic.excludes is not None and _scan(topic.excludes, fields):
                continue
            terms = tuple(sorted(hits + required, key=lambda t: (t.field != "title", t.start)))
            # Centre the snippet on the first topic keyword in the text; fall back to any hit.
            spans = [(t.start, t.end) for t in hits if t.field == "text"] or [
                (t.start, t.end) for t in terms if t.field == "text"
            ]
            snip = snippet(fields[1][1], spans)
            mentions.append(Mention(topic_id=topic.id, terms=terms, snippet=snip))
    return mentions

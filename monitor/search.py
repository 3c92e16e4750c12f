"""``pressmon search``: the topic query language over every stored revision.

The full-text index (``monitor.store.search_index``) proposes candidates, newest first; the real matcher
(the one the daemon alerts with) decides each and gives the spans that are highlighted. So a search
means exactly what the same query as a topic would mean, NEAR, NOT, scopes and all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.match.concepts import ConceptDef, resolve
from monitor.match.doc import SourceContext
from monitor.match.index_text import index_expr
from monitor.match.matcher import Doc, Matcher, TopicQuery
from monitor.match.query import Node, parse_query
from monitor.model import MatchedTerm
from monitor.store.search_index import Candidate, candidates

__all__ = ["Hit", "Snippet", "make_snippet", "search"]

MAX_CANDIDATES = 20_000  # a search reads at most this many index candidates (then says so)


@dataclass(frozen=True, slots=True)
class Snippet:
    """A window of a field; ``marks`` are (start, end) spans in ``text`` to highlight."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def marked(self, left: str = "[[", right: str = "]]") -> str:
        out, pos = [], 0
        for a, b in self.marks:
            out.append(self.text[pos:a] + left + self.text[a:b] + right)
            pos = b
        return "".join(out) + self.text[pos:]


def make_snippet(text: str, spans: Sequence[tuple[int, int]], *, width: int = 240) -> Snippet:
    """A window of ``text`` around the first span, with the spans inside it, "…" where cut."""
    spans = sorted(set(spans))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    lo = max(0, merged[0][0] - width // 3) if merged and len(text) > width else 0
    hi = min(len(text), lo + width)
    head = "…" if lo else ""
    body = text[lo:hi].replace("\n", " ")
    marks = tuple(
        (max(a, lo) - lo + len(head), min(b, hi) - lo + len(head)) for a, b in merged if a < hi and b > lo
    )
    return Snippet(head + body + ("…" if hi < len(text) else ""), marks)


@dataclass(frozen=True, slots=True)
class Hit:
    item_id: int
    revision_id: int
    seq: int
    fetched_at: datetime
    source_id: str
    lang: str | None
    url: str | None
    title: Snippet
    snippet: Snippet
    terms: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "revision_id": self.revision_id,
            "revision": self.seq,
            "fetched_at": self.fetched_at,
            "source_id": self.source_id,
            "lang": self.lang,
            "url": self.url,
            "title": self.title.text,
            "snippet": self.snippet.text,
            "highlights": [list(m) for m in self.snippet.marks],
            "title_highlights": [list(m) for m in self.title.marks],
            "terms": list(self.terms),
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    scanned: int  # index candidates read
    truncated: bool  # stopped at MAX_CANDIDATES before finding `limit` hits


def _hit(c: Candidate, terms: Sequence[MatchedTerm]) -> Hit:
    def spans(field: str) -> list[tuple[int, int]]:
        return [(t.start, t.end) for t in terms if t.field == field]

    text_spans = spans("text")
    return Hit(
        item_id=c.item_id,
        revision_id=c.revision_id,
        seq=c.seq,
        fetched_at=c.fetched_at,
        source_id=c.source_id,
        lang=c.lang,
        url=c.url,
        title=make_snippet(c.title, spans("title"), width=max(len(c.title), 1)),
        snippet=make_snippet(c.text, text_spans) if text_spans or c.text else Snippet("", ()),
        terms=tuple(dict.fromkeys(t.matched for t in terms)),
    )


def search(
    engine: sa.Engine,
    query: str | Node,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    topic: str | None = None,
    lang: str | None = None,
    limit: int = 20,
    all_revisions: bool = False,
    concepts: Mapping[str, ConceptDef] | None = None,
    source_context: Mapping[str, SourceContext] | None = None,
) -> SearchResult:
    """Revisions matching ``query``, newest first; one per item (its newest matching revision) unless
    ``all_revisions``. ``concepts``: the definitions ``@name`` resolves to (``concept_defs`` of the
    config). ``source_context``: per configured source id, its tags and implied concepts, so a stored
    item matches as the daemon matched it (a MOFA readout satisfies ``@japan`` without writing 日本);
    a source no longer configured has neither. Raises ``QuerySyntaxError`` for a query that does not
    parse, ``ConceptError`` for an unknown ``@name``."""
    node = resolve(parse_query(query) if isinstance(query, str) else query, concepts or {})
    matcher = Matcher([TopicQuery("search", "search", node)])
    context = dict(source_context or {})
    searched = set(sources) if sources else set(context)
    implied = frozenset(n for sid in searched if sid in context for n in context[sid].implies)
    none = SourceContext()
    hits: list[Hit] = []
    seen: set[int] = set()
    scanned = 0
    with engine.connect() as conn:
        for batch in candidates(
            conn, index_expr(node, implied), since=since, until=until, sources=sources, topic=topic, lang=lang
        ):
            for c in batch:
                scanned += 1
                if not all_revisions and c.item_id in seen:
                    continue
                ctx = context.get(c.source_id, none)
                doc = Doc(c.title, c.text, c.source_id, ctx.tags, c.lang, ctx.implies)
                found = matcher.match(doc)
                if not found:
                    continue
                seen.add(c.item_id)
                hits.append(_hit(c, found[0].terms))
                if len(hits) >= limit:
                    return SearchResult(hits, scanned, False)
            if scanned >= MAX_CANDIDATES:
                return SearchResult(hits, scanned, True)
            conn.rollback()  # one short read transaction per batch: never hold the daemon's writes back
    return SearchResult(hits, scanned, False)

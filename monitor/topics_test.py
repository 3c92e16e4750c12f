"""``pressmon topics test``: try a query or a topic against some text, a feed file, or stored history,
and show matches with highlights, extracted facts, and why a near miss did not match.

For a topic that did not match, one line: the alternative of the query that came closest and what it
lacked ("closest: missing @japan", "'Japan' and 'levy' are 43 tokens apart", "where fails: ...");
``verbose`` adds every failing clause. A sample's ``implies`` (the concepts its source implies, from
``--source ID``) is passed to the matcher as the daemon does.

Pure apart from the two readers at the bottom (a feed file, stored revisions); the CLI prints
:attr:`Report.lines` and exits 1 when :attr:`Report.matched` is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from monitor.config.schema import Concept, Topic
from monitor.match.doc import SourceContext
from monitor.match.facts import describe_facts
from monitor.match.topics import TopicMatcher
from monitor.model import MatchedTerm

__all__ = ["Report", "Sample", "highlight", "report", "samples_from_feed", "samples_from_history"]


@dataclass(frozen=True, slots=True)
class Sample:
    label: str  # where it came from: "--text", a feed entry, "dsca #12 r2"
    title: str
    text: str
    source: str = ""
    tags: tuple[str, ...] = ()
    lang: str | None = None
    implies: tuple[str, ...] = ()


def highlight(text: str, terms: Sequence[MatchedTerm], field: str, *, width: int = 300) -> str:
    """``text`` with each matched span in ``[[...]]``, cut to a window around the first one."""
    spans = sorted({(t.start, t.end) for t in terms if t.field == field})
    if not spans:
        return text[:width] + ("…" if len(text) > width else "")
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(text[pos:start] + "[[" + text[start:end] + "]]")
        pos = end
    marked = "".join(out) + text[pos:]
    first = marked.find("[[")
    lo = max(0, first - width // 3)
    cut = marked[lo : lo + width]
    return ("…" if lo else "") + cut + ("…" if lo + width < len(marked) else "")


@dataclass(frozen=True, slots=True)
class Report:
    lines: list[str] = field(default_factory=list)
    matched: int = 0  # samples that matched at least one topic


def report(
    topics: Sequence[Topic],
    samples: Sequence[Sample],
    *,
    concepts: Mapping[str, Concept] | None = None,
    near_misses: bool = True,
    verbose: bool = False,
) -> Report:
    """Per sample and topic, a match with highlights and facts, or the closest clause and what it lacked."""
    matcher = TopicMatcher(topics, concepts)
    out: list[str] = []
    fired = 0
    for sample in samples:
        meta = {
            "source": sample.source,
            "tags": sample.tags,
            "lang": sample.lang,
            "implies": sample.implies,
        }
        mentions = {
            m.topic_id: m
            for m in matcher.match(title=sample.title, text=sample.text, **meta)  # type: ignore[arg-type]
        }
        lines: list[str] = []
        for topic in topics:
            m = mentions.get(topic.id)
            if m is not None:
                lines.append(f"  MATCH {topic.id}: {', '.join(dict.fromkeys(t.matched for t in m.terms))}")
                if any(t.field == "title" for t in m.terms):
                    lines.append(f"    title: {highlight(sample.title, m.terms, 'title')}")
                if any(t.field == "text" for t in m.terms):
                    lines.append(f"    text:  {highlight(sample.text, m.terms, 'text')}")
                lines.extend(f"    {line}" for line in describe_facts(m.facts))
                if verbose:
                    why, _ = matcher.explain(topic.id, title=sample.title, text=sample.text, **meta)  # type: ignore[arg-type]
                    lines.extend(f"    {r}" for r in why.reasons)
                continue
            why, where = matcher.explain(topic.id, title=sample.title, text=sample.text, **meta)  # type: ignore[arg-type]
            if not (near_misses and (why.terms or where or verbose)):
                continue
            if where:
                lines.append(f"  near miss {topic.id}: the query holds, but {where}")
            else:
                lines.append(f"  near miss {topic.id}: closest: {'; '.join(why.closest)}")
            if verbose:
                lines.extend(f"    {r}" for r in why.reasons)
        if lines or len(samples) == 1:
            fired += bool(mentions)
            out.append(f"{sample.label}: {sample.title[:120]}")
            out.extend(lines or ["  no topic matched, and no topic's terms were found"])
    out.append(f"{fired} of {len(samples)} samples matched at least one topic")
    return Report(out, fired)


def samples_from_feed(path: Path) -> list[Sample]:
    """Entries of a feed file on disk (RSS, RDF, Atom), as the daemon would read them."""
    from monitor.sources.feed import parse_feed

    entries = parse_feed(path.name, path.read_bytes(), {}, base_url=path.resolve().as_uri())
    return [Sample(f"{path.name} #{i + 1}", e.title, e.text, lang=e.lang) for i, e in enumerate(entries)]


def samples_from_history(
    engine: sa.Engine,
    *,
    since: datetime,
    limit: int = 5000,
    source_context: Mapping[str, SourceContext] | None = None,
) -> list[Sample]:
    """Stored revisions fetched since ``since``, newest first. ``source_context``: per configured
    source, the tags and implied concepts its items are matched with (as the daemon matched them)."""
    from sqlmodel import col, select

    from monitor.store.engine import read_session
    from monitor.store.models import ItemRow, RevisionRow

    context = source_context or {}
    none = SourceContext()
    q = (
        select(RevisionRow, ItemRow.source_id, ItemRow.lang)
        .join(ItemRow, col(ItemRow.id) == col(RevisionRow.item_id))
        .where(col(RevisionRow.fetched_at) >= since)
        .order_by(col(RevisionRow.fetched_at).desc())
        .limit(limit)
    )
    with read_session(engine) as s:
        return [
            Sample(
                f"{source} item {rev.item_id} r{rev.seq}",
                rev.title,
                rev.text,
                source=source,
                tags=context.get(source, none).tags,
                lang=lang,
                implies=tuple(sorted(context.get(source, none).implies)),
            )
            for rev, source, lang in s.exec(q).all()
        ]

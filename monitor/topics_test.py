"""``pressmon topics test``: try a query or a topic against some text, a feed file, or stored history,
and show matches with highlights, extracted facts, and why a near miss did not match.

Pure apart from the two readers at the bottom (a feed file, stored revisions); the CLI prints what
:func:`report` returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from monitor.config.schema import Topic
from monitor.match.facts import describe_facts
from monitor.match.topics import TopicMatcher
from monitor.model import MatchedTerm

__all__ = ["Sample", "highlight", "report", "samples_from_feed", "samples_from_history"]


@dataclass(frozen=True, slots=True)
class Sample:
    label: str  # where it came from: "--text", a feed entry, "dsca #12 r2"
    title: str
    text: str
    source: str = ""
    tags: tuple[str, ...] = ()
    lang: str | None = None


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


def report(topics: Sequence[Topic], samples: Sequence[Sample], *, near_misses: bool = True) -> Iterator[str]:
    """Lines to print: per sample and topic, a match with highlights and facts, or why not."""
    matcher = TopicMatcher(topics)
    fired = 0
    for sample in samples:
        mentions = {
            m.topic_id: m
            for m in matcher.match(
                title=sample.title, text=sample.text, source=sample.source, tags=sample.tags, lang=sample.lang
            )
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
                continue
            why, where = matcher.explain(
                topic.id,
                title=sample.title,
                text=sample.text,
                source=sample.source,
                tags=sample.tags,
                lang=sample.lang,
            )
            found_any = bool(why.terms)
            if near_misses and (found_any or where):
                reasons = list(why.reasons) + ([where] if where else [])
                lines.append(f"  near miss {topic.id}: " + "; ".join(reasons))
        if lines or len(samples) == 1:
            fired += bool(mentions)
            yield f"{sample.label}: {sample.title[:120]}"
            yield from lines or ["  no topic matched, and no topic's terms were found"]
    yield f"{fired} of {len(samples)} samples matched at least one topic"


def samples_from_feed(path: Path) -> list[Sample]:
    """Entries of a feed file on disk (RSS, RDF, Atom), as the daemon would read them."""
    from monitor.sources.feed import parse_feed

    entries = parse_feed(path.name, path.read_bytes(), {}, base_url=path.resolve().as_uri())
    return [Sample(f"{path.name} #{i + 1}", e.title, e.text, lang=e.lang) for i, e in enumerate(entries)]


def samples_from_history(engine: sa.Engine, *, since: datetime, limit: int = 5000) -> list[Sample]:
    """Stored revisions fetched since ``since``, newest first."""
    from sqlmodel import col, select

    from monitor.store.engine import read_session
    from monitor.store.models import ItemRow, RevisionRow

    q = (
        select(RevisionRow, ItemRow.source_id)
        .join(ItemRow, col(ItemRow.id) == col(RevisionRow.item_id))
        .where(col(RevisionRow.fetched_at) >= since)
        .order_by(col(RevisionRow.fetched_at).desc())
        .limit(limit)
    )
    with read_session(engine) as s:
        return [
            Sample(f"{source} item {rev.item_id} r{rev.seq}", rev.title, rev.text, source=source)
            for rev, source in s.exec(q).all()
        ]

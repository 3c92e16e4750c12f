"""What the matcher reads: one document, and one topic's query (pure values)."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.match.query import Node

__all__ = ["Doc", "TopicQuery"]


@dataclass(frozen=True, slots=True)
class Doc:
    """One item to match. ``implies``: the concept names its source implies (``implies: [japan]``)."""

    title: str
    text: str
    source: str = ""
    tags: tuple[str, ...] = ()
    lang: str | None = None
    implies: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TopicQuery:
    id: str
    title: str
    query: Node  # resolved: no Ref left (monitor.match.concepts.resolve)

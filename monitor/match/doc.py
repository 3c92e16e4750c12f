"""What the matcher reads: one document, and one topic's query (pure values)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from monitor.match.query import Node

__all__ = ["Doc", "SourceContext", "TopicQuery", "source_contexts"]


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
class SourceContext:
    """What a configured source adds to each of its items when stored items are matched again (search,
    ``topics test --since``): its tags and the concepts it implies, as the daemon matched them."""

    tags: tuple[str, ...] = ()
    implies: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TopicQuery:
    id: str
    title: str
    query: Node  # resolved: no Ref left (monitor.match.concepts.resolve)


class _Source(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def implies(self) -> Sequence[str]: ...


def source_contexts(sources: Iterable[_Source]) -> dict[str, SourceContext]:
    """Each configured source's :class:`SourceContext` (``config.sources``), by source id."""
    return {s.id: SourceContext(tuple(s.tags), frozenset(s.implies)) for s in sources}

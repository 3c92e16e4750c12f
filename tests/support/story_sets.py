"""Shared reading of the labelled story sets (tests/corpus/stories/*.yaml, the blind one included): the
shape tests of each set use these, so both read dates and group stories the same way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = ["by_story", "published"]


def published(item: dict[str, Any]) -> datetime:
    """An item's ``published`` (ISO 8601 UTC with Z; anything else raises)."""
    return datetime.strptime(item["published"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def by_story(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Items grouped by their ``story``, each group in publication order."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by[item["story"]].append(item)
    for group in by.values():
        group.sort(key=published)
    return dict(by)

"""The story index: which recent items a new item should be compared with, without scanning the window.

Every stored item puts a few keys into a side table (``story_key``: key, item, story, first seen):

* **text keys**: the ``TEXT_KEYS`` (16) smallest values of its MinHash sketch. Two texts with Jaccard
  similarity J share one of them unless none of the ~16 smallest hashes of their union is common to
  both: probability ~(1 - J)^16, 3% at J = 0.2, the join threshold;
* **part keys**: one per indexed signature part (``story_signature.index_parts``), a 63-bit hash of the
  part written as a negative number so it never collides with a text key.

A lookup asks, for the window only (``first_seen_at >= since``, an indexed range per key): how many
stories carry each part (the rarity the decision weighs parts by), then the items sharing the most text
keys and the items sharing the most part keys, ``CANDIDATES`` of each, leaving out parts more than
``MAX_DF`` stories carry (they glue nothing). The cost per lookup depends on how busy the window is, not
on how much history is stored.

:class:`MemoryIndex` does the same in memory, for replay and the benchmark; ``monitor.store.story_keys``
does it in SQL. Both feed ``monitor.stories.decide_story``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.stories import StoryCandidate, StoryProbe
from monitor.story_signature import Signature, index_parts
from monitor.story_text import sketch_values

__all__ = ["CANDIDATES", "MAX_DF", "TEXT_KEYS", "Lookup", "MemoryIndex", "item_keys", "part_key", "top_items"]

TEXT_KEYS = 16
CANDIDATES = 24
MAX_DF = 64


def part_key(part: str) -> int:
    """The index key of one signature part: negative, 63 bits."""
    h = int.from_bytes(hashlib.blake2b(part.encode(), digest_size=8, person=b"pressmon-part").digest(), "big")
    return -(h & ((1 << 62) - 1)) - 1


def text_keys(fp: bytes) -> list[int]:
    return list(sketch_values(fp)[:TEXT_KEYS])


def part_keys(sig: Signature) -> dict[int, str]:
    return {part_key(p): p for p in sorted(index_parts(sig))}


def item_keys(fp: bytes, sig: Signature) -> list[int]:
    """Every index key of one item (text keys, then part keys), without repeats."""
    return list(dict.fromkeys([*text_keys(fp), *part_keys(sig)]))


def top_items(counts: Mapping[int, int], limit: int = CANDIDATES) -> list[int]:
    """The ``limit`` items sharing the most keys (ties: the most recent, i.e. the highest id)."""
    return [i for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], -kv[0]))[:limit]]


@dataclass(frozen=True, slots=True)
class Lookup:
    candidates: tuple[StoryCandidate, ...]
    rarity: Mapping[str, int]  # part -> stories in the window carrying it
    led: frozenset[int]  # stories with an item from a primary source


@dataclass
class MemoryIndex:
    """An in-memory story index with the store's semantics (items added in first-seen order).

    :meth:`expire` forgets items first seen before a time (a replay over months keeps only its window);
    ``led`` keeps every story a primary source ever led, as the store's does."""

    postings: dict[int, deque[tuple[datetime, int]]] = field(default_factory=dict)
    items: dict[int, StoryCandidate] = field(default_factory=dict)
    led: set[int] = field(default_factory=set)
    order: deque[tuple[datetime, int, tuple[int, ...]]] = field(default_factory=deque)

    def add(self, c: StoryCandidate) -> None:
        self.items[c.item_id] = c
        if c.primary:
            self.led.add(c.story_id)
        keys = tuple(item_keys(c.fingerprint, c.signature))
        for k in keys:
            self.postings.setdefault(k, deque()).append((c.first_seen_at, c.item_id))
        self.order.append((c.first_seen_at, c.item_id, keys))

    def expire(self, since: datetime) -> None:
        """Forget the items first seen before ``since`` (no lookup from ``since`` on can find them)."""
        while self.order and self.order[0][0] < since:
            _, item_id, keys = self.order.popleft()
            self.items.pop(item_id, None)
            for k in keys:
                posting = self.postings.get(k)
                while posting and posting[0][0] < since:
                    posting.popleft()
                if not posting:
                    self.postings.pop(k, None)

    def _window(self, key: int, since: datetime) -> Iterable[int]:
        return (i for at, i in self.postings.get(key, ()) if at >= since)

    def lookup(self, probe: StoryProbe, *, since: datetime) -> Lookup:
        parts = part_keys(probe.signature)
        rarity: dict[str, int] = {}
        for k, p in parts.items():
            n = len({self.items[i].story_id for i in self._window(k, since)})
            if n:
                rarity[p] = n
        found: set[int] = set()
        usable = [k for k, p in parts.items() if rarity.get(p, 0) <= MAX_DF]
        for keys in (text_keys(probe.fingerprint), usable):
            counts: dict[int, int] = {}
            for k in keys:
                for i in self._window(k, since):
                    counts[i] = counts.get(i, 0) + 1
            found.update(top_items(counts))
        cands = tuple(self.items[i] for i in sorted(found))
        return Lookup(cands, rarity, frozenset(c.story_id for c in cands if c.story_id in self.led))

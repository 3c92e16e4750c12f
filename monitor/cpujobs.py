"""The CPU stages of one poll, as jobs for ``monitor.cpu``'s workers. Pure, module-level, picklable.

Each takes the pool's shared object first (the topic matcher for ``prepare`` and ``parse``) and
returns plain data: ``Parsed``, ``Item`` and ``NewItem`` values are frozen dataclasses of strings,
numbers, dates and tuples.

- ``parse``: decode, sanitise, parse and clean a fetched body (``read_source``) and, when the body has no
  further pages to fetch, give its entries their identity too (``poll_prepare.identify``), and for a source
  with nothing stored yet prepare them too (below); ``parse_page`` reads a later page.
- ``identify``: identity alone, for entries gathered over several pages.
- ``prepare``: topic mentions, near misses, fingerprint and story signature of each new item
  (``poll_prepare.prepare_new``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from monitor.config.schema import Source
from monitor.match.topics import TopicMatcher
from monitor.model import Entry, FetchResult, Item, Parsed
from monitor.poll_prepare import NewItem, prepare_new
from monitor.poll_prepare import identify as _identify
from monitor.poll_records import ClaimedSource
from monitor.sources.dispatch import read_source

__all__ = ["Identified", "identify", "parse", "parse_page", "prepare", "warm"]

Identified = tuple[list[Item], str, bool]  # items, key_mode, switched (poll_prepare.identify)


def parse(
    topics: TopicMatcher | None,
    src: Source,
    result: FetchResult,
    now: datetime,
    claim: ClaimedSource,
    recent_keys: set[str],
) -> tuple[Parsed, Identified | None, dict[str, NewItem] | None]:
    """With ``topics`` (a source with nothing stored yet: every item is new and none alerts), the new
    items are prepared in the same job, so they cross between the processes once."""
    parsed = read_source(src, result, now=now)
    if parsed.next_url:
        return parsed, None, None
    identified = _identify(parsed.entries, claim, recent_keys)
    new = prepare_new(src, identified[0], {}, topics) if topics is not None else None
    return parsed, identified, new


def warm(_: Any) -> None:
    """Nothing: a worker started and, when sent, holding the shared object (``CpuPool.warm``)."""


def parse_page(_: Any, src: Source, result: FetchResult, now: datetime) -> Parsed:
    return read_source(src, result, now=now)


def identify(_: Any, entries: Sequence[Entry], claim: ClaimedSource, recent_keys: set[str]) -> Identified:
    return _identify(entries, claim, recent_keys)


def prepare(
    topics: TopicMatcher,
    src: Source,
    items: Sequence[Item],
    full_texts: Mapping[str, str],
    near_misses: bool,
) -> dict[str, NewItem]:
    return prepare_new(src, items, {}, topics, full_texts, near_misses=near_misses)

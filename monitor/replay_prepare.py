"""A stored revision as the item a poll saw, and the per-revision stages of a replay, optionally in worker
processes ahead of it.

:func:`prepare_revisions` computes what depends only on a revision, its source and the rules: the topic
mentions (with their facts) of every revision and, for an item's first revision, its story probe (event
signature and sketch): ``poll_prepare.prepare_new``'s work. Those are about half of a replay's CPU. The
story decisions, which depend on everything decided before, stay in order in the replaying process.

:class:`Preparer` runs :func:`prepare_revisions` in ``spawn`` worker processes on the batches a replay is
about to reach (a few batches ahead), so one core decides while the others prepare. The results are
those the replaying process would compute itself (pure functions of the same inputs): the alerts are
exactly one process's. A revision the workers did not prepare as new (an item whose earlier revision the
replay never saw) is prepared in the replaying process, as before.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from monitor.config.schema import Config, Source
from monitor.match.topics import TopicMatcher
from monitor.model import Item, Mention
from monitor.poll_prepare import NewItem, mentions_of, prepare_new
from monitor.store.history import StoredRev
from monitor.story_text import fingerprint

__all__ = ["Prepared", "Preparer", "item_of", "prepare_revisions", "sketch_of", "source_of", "topic_matcher"]

B = TypeVar("B")

_SKETCH_VERSION = fingerprint("", "")[0]


def source_of(config: Config, source_id: str) -> Source:
    try:
        return config.source(source_id)
    except Exception:  # a source removed from feeds.yaml: its history still replays, untagged
        return Source(id=source_id, url="https://example.invalid/")


def item_of(r: StoredRev, src: Source) -> Item:
    return Item(
        key=r.item_key,
        key_kind=r.key_kind,
        canonical_url=r.url,
        guid=r.guid,
        title=r.title,
        text=r.text,
        published_at=r.published_at,
        content_hash=r.content_hash,
        lang=r.lang or src.lang,
    )


def sketch_of(r: StoredRev) -> bytes:
    """The story sketch of a new item, to pick its story candidates: the one the daemon stored, when it is
    of this version (it is a pure function of the same title and text), else computed."""
    fp = r.fingerprint
    if r.seq == 1 and fp and fp[0] == _SKETCH_VERSION:
        return fp
    return fingerprint(r.title, r.text)


def topic_matcher(config: Config, topics: Sequence[str] = ()) -> TopicMatcher:
    """The matcher of the topics a replay runs (``topics``: only these ids; empty: all)."""
    return TopicMatcher([t for t in config.topics if not topics or t.id in topics], config.concepts)


@dataclass(frozen=True, slots=True)
class Prepared:
    """By revision id: every revision's mentions, and the new-item stages of first revisions."""

    mentions: dict[int, tuple[Mention, ...]]
    new: dict[int, NewItem]


def prepare_revisions(revs: Sequence[StoredRev], config: Config, matcher: TopicMatcher) -> Prepared:
    """Mentions of every revision; for a first revision (``seq`` 1), what ``prepare_new`` gives it."""
    mentions: dict[int, tuple[Mention, ...]] = {}
    new: dict[int, NewItem] = {}
    for r in revs:
        src = source_of(config, r.source_id)
        item = item_of(r, src)
        if r.seq == 1:
            prepared = prepare_new(src, [item], {}, matcher, fingerprints={item.key: sketch_of(r)})[item.key]
            new[r.revision_id] = prepared
            mentions[r.revision_id] = prepared.mentions
        else:
            mentions[r.revision_id] = tuple(mentions_of(matcher, src, item))
    return Prepared(mentions, new)


_worker: tuple[Config, TopicMatcher] | None = None


def _start(config: Config, topics: Sequence[str]) -> None:
    global _worker
    _worker = (config, topic_matcher(config, topics))


def _prepare(revs: list[StoredRev]) -> Prepared:
    assert _worker is not None, "replay_prepare: worker not started"
    return prepare_revisions(revs, *_worker)


class Preparer(Generic[B]):
    """Worker processes that prepare a replay's batches ahead of it (see the module docstring). Use as a
    context manager; :meth:`ahead` yields each batch with its :class:`Prepared`, in order."""

    def __init__(self, config: Config, topics: Sequence[str], workers: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_start, initargs=(config, topics)
        )
        self._depth = 2 * workers  # batches in flight: each worker busy with one, one waiting

    def __enter__(self) -> Preparer[B]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def ahead(
        self, batches: Iterator[B], revisions: Callable[[B], list[StoredRev]]
    ) -> Iterator[tuple[B, Prepared]]:
        pending: deque[tuple[B, Future[Prepared]]] = deque()
        for batch in batches:
            pending.append((batch, self._pool.submit(_prepare, revisions(batch))))
            if len(pending) > self._depth:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()

"""One writer, batched: every poll's outcome is queued and committed many to a transaction by one task,
instead of one transaction per source.

    writer = BatchWriter(engine, now=utcnow)
    await writer.commit(write, started_at=started)   # raises LeaseLost if that source's lease was lost
    await writer.commit(write, started_at=started, redecide=redecide)   # new items: stories checked

Outcomes with new items have their stories decided inside the batch's transaction, in turn, so each sees
the items of the outcomes before it (``monitor.store.batch``): the daemon's polls come decided without
candidates (``poll_records.DECIDE_IN_COMMIT``); one decided against candidates read earlier is decided again
only if items stored since could change it. At most MAX_STORY_WRITES of them share a transaction, so one
transaction's decisions never hold the write lock for long. Before, each of them committed alone: in a
burst of news, polls queued one transaction each behind the story check.

While one batch is being written the next one gathers, so under load batches grow by themselves and an
idle writer commits a lone outcome at once. Each outcome stays fenced by its own lease token: a lost lease
drops that source's outcome only. A batch the database refuses is split and retried down to single
outcomes, so one source's failure never loses another's result: in halves when the error is in the data
(a bad row), one outcome per transaction when the database itself refused (locked, cut off, timed out),
as each would have been written unbatched. Writes are serialised: on SQLite no two of our write
transactions wait on each other's lock.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.backoff import is_database_error
from monitor.errors import LeaseLost, StaleStories
from monitor.poll_records import PollWrite
from monitor.store.batch import commit_polls
from monitor.store.poll_commit import Redecide, write_lock_ids
from monitor.store.story_keys import MAX_STORY_LOCKS

__all__ = ["BatchWriter"]

log = logging.getLogger("pressmon.store")

MAX_BATCH = 200  # outcomes per transaction
MAX_STORY_WRITES = 32  # outcomes with new items per transaction (each may decide its stories again)


@dataclass
class _Pending:
    write: PollWrite
    started_at: datetime
    redecide: Redecide | None
    done: asyncio.Future[None]

    @property
    def checks_stories(self) -> bool:
        return self.write.stories_snapshot is not None

    @functools.cached_property
    def lock_ids(self) -> frozenset[int]:
        """The story locks its commit takes (PostgreSQL): a batch holds at most MAX_STORY_LOCKS."""
        return frozenset(write_lock_ids(self.write)) if self.checks_stories else frozenset()


class BatchWriter:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        now: Callable[[], datetime],
        max_batch: int = MAX_BATCH,
        max_story_writes: int = MAX_STORY_WRITES,
    ) -> None:
        self.engine = engine
        self.now = now
        self.max_batch = max_batch
        self.max_story_writes = max_story_writes
        self.transactions = 0  # write transactions attempted (tests and benches read it)
        self.splits = 0  # batches refused and split in two
        self._queue: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None

    async def commit(
        self, write: PollWrite, *, started_at: datetime, redecide: Redecide | None = None
    ) -> None:
        """Queue one poll's outcome and wait until it is stored. Raises LeaseLost if its lease is no
        longer ours, StaleStories if it checks stories without ``redecide`` and they changed,
        StoryLockBusy if its story locks were not had in time, or the database's error if it could not
        be stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(write, started_at, redecide, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await done

    async def _run(self) -> None:
        while self._queue:
            await self._write(self._next_batch())

    def _next_batch(self) -> list[_Pending]:
        """The oldest outcomes, up to max_batch, and up to max_story_writes of them with new items whose
        story locks together stay within MAX_STORY_LOCKS (the first is taken whatever it needs); the
        rest keep their order for the next batch."""
        batch: list[_Pending] = []
        rest: list[_Pending] = []
        stories = 0
        locks: set[int] = set()
        for p in self._queue:
            if len(batch) >= self.max_batch:
                rest.append(p)
                continue
            if p.checks_stories:
                full = stories >= self.max_story_writes or len(locks | p.lock_ids) > MAX_STORY_LOCKS
                if stories and full:
                    rest.append(p)
                    continue
                stories += 1
                locks |= p.lock_ids
            batch.append(p)
        self._queue = rest
        return batch

    async def _write(self, batch: Sequence[_Pending]) -> None:
        self.transactions += 1
        try:
            stored = await asyncio.to_thread(
                commit_polls,
                self.engine,
                [(p.write, p.started_at, p.redecide) for p in batch],
                now=self.now(),
            )
        except Exception as e:
            if len(batch) == 1:
                _settle(batch[0], e)
                return
            self.splits += 1
            if isinstance(e, StaleStories):
                # A story lock not had in time (or stories changed under a write that cannot decide
                # again): its polls decide again and retry as they would unbatched; the others are
                # written without them, not held up by them.
                waiting = [p for p in batch if p.checks_stories]
                for p in waiting:
                    _settle(p, type(e)(p.write.source_id))
                others = [p for p in batch if not p.checks_stories]
                if others:
                    await self._write(others)
                return
            log.debug("store: a batch of %d outcomes was refused (%s); splitting it", len(batch), e)
            if is_database_error(
                e
            ):  # locked, cut, timed out: each outcome tries alone, as it would unbatched
                for p in batch:
                    await self._write([p])
                return
            half = len(batch) // 2  # one bad outcome: halves find it in log2(n) rounds
            await self._write(batch[:half])
            await self._write(batch[half:])
            return
        for p, ok in zip(batch, stored, strict=True):
            _settle(p, None if ok else LeaseLost(f"source {p.write.source_id}"))


def _settle(p: _Pending, error: BaseException | None) -> None:
    if p.done.done():  # its poll was cancelled (the drain deadline): the outcome is stored regardless
        return
    if error is None:
        p.done.set_result(None)
    else:
        p.done.set_exception(error)

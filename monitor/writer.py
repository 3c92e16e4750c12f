"""One writer, batched: poll outcomes that need no story check (not modified, unchanged, errors, first
polls) are queued and committed many to a transaction by one task, instead of one transaction per
source.

    writer = BatchWriter(engine, now=utcnow)
    await writer.commit(write, started_at=started)   # raises LeaseLost if that source's lease was lost

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
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.backoff import is_database_error
from monitor.errors import LeaseLost
from monitor.pipeline import PollWrite
from monitor.store.batch import commit_polls

__all__ = ["BatchWriter"]

log = logging.getLogger("pressmon.store")

MAX_BATCH = 200  # outcomes per transaction


@dataclass
class _Pending:
    write: PollWrite
    started_at: datetime
    done: asyncio.Future[None]


class BatchWriter:
    def __init__(self, engine: sa.Engine, *, now: Callable[[], datetime], max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.now = now
        self.max_batch = max_batch
        self.transactions = 0  # write transactions attempted (tests and benches read it)
        self.splits = 0  # batches refused and split in two
        self._queue: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None

    async def commit(self, write: PollWrite, *, started_at: datetime) -> None:
        """Queue one poll's outcome and wait until it is stored. Raises LeaseLost if its lease is no
        longer ours, or the database's error if it could not be stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(write, started_at, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await done

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            await self._write(batch)

    async def _write(self, batch: Sequence[_Pending]) -> None:
        self.transactions += 1
        try:
            stored = await asyncio.to_thread(
                commit_polls, self.engine, [(p.write, p.started_at) for p in batch], now=self.now()
            )
        except Exception as e:
            if len(batch) == 1:
                _settle(batch[0], e)
                return
            self.splits += 1
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

"""Keeping the leases of claimed sources while they are polled: one periodic renewal of every lease this
instance holds (one transaction, fenced by each lease's token), not a heartbeat task per poll.

    keeper = LeaseKeeper(engine, lease=timedelta(seconds=120), now=utcnow)
    keeper.hold(claims)          # after a claim batch
    ...                          # poll them; every lease/3 all held leases are renewed at once
    keeper.drop(source_id, token)  # once the poll's result is committed (or given up)

A lease found lost (another instance took the source over while this one was paused) is logged and no
longer renewed; the poll's fenced commit then writes nothing for that source.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.fault import one_line
from monitor.poll_records import ClaimedSource
from monitor.store.leases import renew_leases

__all__ = ["LeaseKeeper"]

log = logging.getLogger("pressmon.poll")


class LeaseKeeper:
    def __init__(self, engine: sa.Engine, *, lease: timedelta, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.lease = lease
        self.now = now
        self.held: dict[str, str] = {}  # source id -> lease token
        self.renewals = 0  # renewal transactions run (tests read it)
        self._task: asyncio.Task[None] | None = None

    @property
    def interval_s(self) -> float:
        return self.lease.total_seconds() / 3

    def hold(self, claims: Iterable[ClaimedSource]) -> None:
        for c in claims:
            self.held[c.source_id] = c.token
        if self.held and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._run())

    def drop(self, source_id: str, token: str) -> None:
        if self.held.get(source_id) == token:
            del self.held[source_id]

    async def renew(self) -> set[str]:
        """Renew every held lease now; the source ids whose lease was lost (dropped from ``held``)."""
        snapshot = dict(self.held)
        if not snapshot:
            return set()
        taken = await asyncio.to_thread(renew_leases, self.engine, snapshot, until=self.now() + self.lease)
        self.renewals += 1
        lost = {sid for sid in taken if self.held.get(sid) == snapshot[sid]}  # still polling it
        for sid in sorted(lost):
            log.warning("poll: %s: lease lost during the poll", sid, extra={"source_id": sid})
            self.drop(sid, snapshot[sid])
        return lost

    async def _run(self) -> None:
        while self.held:
            await asyncio.sleep(self.interval_s)
            try:
                await self.renew()
            except Exception as e:  # the database refused: each commit finds out; polls go on
                log.warning("poll: lease renewal of %d sources failed: %s", len(self.held), one_line(e))

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

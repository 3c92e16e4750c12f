"""Many polls' outcomes in one write transaction (the batched writer, ``monitor.writer``).

Each outcome is still fenced by its own source's lease token (``poll_commit.apply_poll``): one whose lease
was lost writes nothing and is reported, the others commit together. Outcomes that add items to stories are
decided in turn inside the transaction: the batch takes every story lock it needs first (PostgreSQL),
then each write that finds items stored since it read its candidates -- an earlier write of the same
batch included -- decides again (``redecide``) before it is written, so the batch makes exactly the
decisions its writes would have made one transaction each, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from monitor.poll_records import PollWrite
from monitor.store.engine import write_session
from monitor.store.poll_commit import Redecide, apply_poll, checks_stories, lock_stories

__all__ = ["commit_polls"]


def commit_polls(
    engine: sa.Engine,
    writes: Sequence[tuple[PollWrite, datetime, Redecide | None]],
    *,
    now: datetime,
) -> list[bool]:
    """Store each ``(write, started_at, redecide)`` in one transaction; per write, True if it was stored,
    False if its lease was no longer ours (nothing stored for it). Any other failure (StoryLockBusy
    included) rolls the whole batch back and raises: the caller splits the batch and tries again."""
    with write_session(engine) as s:
        lock_stories(s, [w for w, _, _ in writes if checks_stories(w)])
        return [
            apply_poll(s, w, now=now, started_at=started, redecide=redecide)
            for w, started, redecide in writes
        ]

"""Many polls' outcomes in one write transaction (the batched writer, ``monitor.writer``).

Each outcome is still fenced by its own source's lease token (``polls.apply_poll``): one whose lease was
lost writes nothing and is reported, the others commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from monitor.pipeline import PollWrite
from monitor.store.engine import write_session
from monitor.store.polls import apply_poll

__all__ = ["commit_polls"]


def commit_polls(
    engine: sa.Engine, writes: Sequence[tuple[PollWrite, datetime]], *, now: datetime
) -> list[bool]:
    """Store each ``(write, started_at)`` in one transaction; per write, True if it was stored, False if
    its lease was no longer ours (nothing stored for it). Any other failure rolls the whole batch back
    and raises: the caller splits the batch and tries again."""
    with write_session(engine) as s:
        return [apply_poll(s, w, now=now, started_at=started) for w, started in writes]

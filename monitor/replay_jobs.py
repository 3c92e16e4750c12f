"""Replay in several processes: the range cut into consecutive windows of about as many revisions each,
every window replayed on its own in a worker process, the alerts joined back in order.

A window is replayed as a replay starting at its first revision would be (``monitor.replay``): from the
stories stored in the 72 hours before it, not from the stories the window before it would have left.
Where those differ (other rules, or history stored by an older version of the story rules), an item may
join another story than one process would give it, and through it later items too: some alerts come out
"also reported" instead of "new" or the other way round (28 of 2,720 in a 100,000-revision check). So it
is the user's choice (``pressmon replay --jobs N``); one process is the default and decides every story
under the replayed rules from the start.

Workers are started with ``spawn`` (no state of the caller leaks into them) and each builds its own
engine and topic matcher; starting them costs a second or two, so few revisions are replayed in this
process instead (:data:`MIN_PER_JOB`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from monitor.config.schema import Config
from monitor.replay import ReplayedAlert, replay
from monitor.store import history

__all__ = ["MIN_PER_JOB", "default_jobs", "replay_jobs"]

MIN_PER_JOB = 20_000  # revisions a worker must have to be worth starting


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _window(
    url: str,
    config: Config,
    since: datetime,
    until: datetime | None,
    sources: Sequence[str],
    topics: Sequence[str],
    done: Any,  # a managed queue: revisions replayed since the last report
) -> list[ReplayedAlert]:
    from monitor.store.engine import make_engine

    engine = make_engine(url)
    last = 0

    def progress(n: int) -> None:
        nonlocal last
        done.put(n - last)
        last = n

    try:
        return list(
            replay(
                engine, config, since=since, until=until, sources=sources, topics=topics, progress=progress
            )
        )
    finally:
        engine.dispose()


def replay_jobs(
    engine: sa.Engine,
    config: Config,
    *,
    since: datetime,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    topics: Sequence[str] = (),
    jobs: int,
    total: int,
    progress: Callable[[int], None] | None = None,
    min_per_job: int = MIN_PER_JOB,
) -> list[ReplayedAlert]:
    """What :func:`monitor.replay.replay` yields for the range, in order, replayed by up to ``jobs``
    processes (``total``: the revisions in the range, to size the windows). ``progress`` is called with
    the revisions done so far, across all workers."""
    parts = min(jobs, total // min_per_job)
    cuts = (
        history.cut_points(engine, since=since, until=until, sources=sources, parts=parts)
        if parts > 1
        else []
    )
    if not cuts:
        return list(
            replay(
                engine, config, since=since, until=until, sources=sources, topics=topics, progress=progress
            )
        )
    bounds: list[datetime | None] = [since, *cuts, until]
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(len(bounds) - 1, mp_context=ctx) as pool:
        done: Any = manager.Queue()
        futures: list[Future[list[ReplayedAlert]]] = [
            pool.submit(_window, url, config, start, end, list(sources), list(topics), done)
            for start, end in pairwise(bounds)
            if start is not None
        ]
        count = 0
        while True:
            finished = all(f.done() for f in futures)
            try:
                while True:
                    count += done.get(timeout=0 if finished else 0.2)
                    if progress is not None:
                        progress(count)
            except queue.Empty:
                pass
            if finished:
                break
        return [a for f in futures for a in f.result()]

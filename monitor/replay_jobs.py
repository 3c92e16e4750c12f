"""Replay in several processes: the range cut into consecutive windows of about as many revisions each,
every window replayed on its own in a worker process, the alerts joined back in order; the same alerts as
one process.

A window is replayed as a replay starting at its first revision would be (``monitor.replay``): from the
stories stored in the 72 hours before it. One process would start it from the stories the window before
left. The two agree when the history was stored by this version with these rules; where they do not
(other rules, or history stored by an older version of the story rules), an item may join another story,
and through it later items too. So each window reports what it knew of those 72 hours when it started
(:func:`monitor.replay.stories_known`) and what it knew of the next window's when it ended; at the first
boundary where they differ, the windows from the one before it on are replayed again in this process,
from a start that did agree, and the caller is told (``notice``). With consistent history the windows
stand; otherwise the replay costs up to the parallel run more than one process would (over 38 days of a
generated archive whose stored stories no version of these rules made: 109 s against 59 s, the same
2,720 alerts in the same order). Hence one process by default, several on request.

Workers are started with ``spawn`` (no state of the caller leaks into them) and each builds its own
engine and topic matcher; starting them costs a second or two, so few revisions are replayed in this
process instead (:data:`MIN_PER_JOB`).

Where windows are not used (a range too short for them) or had to be replayed again, the replay runs in
this process with ``jobs - 1`` workers preparing its revisions ahead of it (``monitor.replay_prepare``:
matching, facts, signatures and sketches; about half the work) while this process makes the story
decisions: exact whatever the history, so it is what a range of :data:`MIN_PREPARED` revisions or more
gets.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from monitor.config.schema import Config
from monitor.replay import ReplayedAlert, ReplayState, replay, stories_known
from monitor.store import history

__all__ = ["MIN_PER_JOB", "default_jobs", "replay_jobs"]

MIN_PER_JOB = 20_000  # revisions a worker must have to be worth starting
MIN_PREPARED = 5_000  # revisions a replay must have for workers preparing them to be worth starting


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class _Window:
    alerts: list[ReplayedAlert]
    started_from: frozenset[tuple[Any, ...]]  # the stories it knew of the 72 h before its start
    left: frozenset[tuple[Any, ...]]  # those it knew of the 72 h before its end
    revisions: int


def _window(
    url: str,
    config: Config,
    since: datetime,
    until: datetime | None,
    sources: Sequence[str],
    topics: Sequence[str],
    done: Any,  # a managed queue: revisions replayed since the last report
) -> _Window:
    from monitor.store.engine import make_engine

    engine = make_engine(url)
    last = 0
    known: dict[str, frozenset[tuple[Any, ...]]] = {}

    def progress(n: int) -> None:
        nonlocal last
        done.put(n - last)
        last = n

    def start(state: ReplayState) -> None:
        known["start"] = stories_known(state, since=since - state.window, until=since)

    def end(state: ReplayState) -> None:
        if until is not None:
            known["end"] = stories_known(state, since=until - state.window, until=until)

    try:
        alerts = list(
            replay(
                engine,
                config,
                since=since,
                until=until,
                sources=sources,
                topics=topics,
                progress=progress,
                at_start=start,
                at_end=end,
            )
        )
    finally:
        engine.dispose()
    return _Window(alerts, known["start"], known.get("end", frozenset()), last)


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
    notice: Callable[[str], None] | None = None,
    min_per_job: int = MIN_PER_JOB,
) -> list[ReplayedAlert]:
    """What :func:`monitor.replay.replay` yields for the range, in order, replayed by up to ``jobs``
    processes (``total``: the revisions in the range, to size the windows). ``progress`` is called with
    the revisions done so far, across all workers; ``notice`` when windows had to be replayed again."""
    parts = min(jobs, total // min_per_job)
    cuts = (
        history.cut_points(engine, since=since, until=until, sources=sources, parts=parts)
        if parts > 1
        else []
    )
    helpers = jobs - 1 if total >= MIN_PREPARED else 0
    if not cuts:
        return list(
            replay(
                engine,
                config,
                since=since,
                until=until,
                sources=sources,
                topics=topics,
                progress=progress,
                workers=helpers,
            )
        )
    bounds: list[datetime | None] = [since, *cuts, until]
    url = engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(len(bounds) - 1, mp_context=ctx) as pool:
        done: Any = manager.Queue()
        futures: list[Future[_Window]] = [
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
        windows = [f.result() for f in futures]
    kept = len(windows)
    for n in range(1, len(windows)):
        if windows[n].started_from != windows[n - 1].left:
            kept = n - 1  # window n-1 started from what one process would have known; n did not
            break
    alerts = [a for w in windows[:kept] for a in w.alerts]
    if kept == len(windows):
        return alerts
    redo, boundary = bounds[kept], bounds[kept + 1]
    assert redo is not None and boundary is not None
    if notice is not None:
        notice(
            f"the stories stored before {boundary:%Y-%m-%d %H:%M} UTC differ from what this replay decided "
            "(other rules, or history stored by another version of the story rules): replayed again from "
            f"{redo:%Y-%m-%d %H:%M} UTC in one process"
            + (f" (with {helpers} preparing revisions ahead of it)" if helpers else "")
        )
    before = sum(w.revisions for w in windows[:kept])

    def step(n: int) -> None:
        if progress is not None:
            progress(before + n)

    rest = replay(
        engine,
        config,
        since=redo,
        until=until,
        sources=sources,
        topics=topics,
        progress=step,
        workers=helpers,
    )
    return alerts + list(rest)

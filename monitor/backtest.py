"""``pressmon backtest``: two rule sets side by side over stored history.

Both configs are replayed (``monitor.replay``: the daemon's own stages) over the same revisions. Per
topic: the alerts each would have sent. Per item and topic whose alerting differs: gained or lost, the
snippet of the side that matched, and the reason the other side did not alert (the matcher's clause by
clause explanation, the ``where`` verdict, or the plan's reason: baseline, no route, quiet hours).

With a labels file, precision and recall per topic for each config, over the labelled items only.
Labels (YAML or JSON) map an item id (``pressmon items``) to the topics it is relevant to; an item
listed with no topics (``[]``) is a labelled negative for every topic::

    # labels.yaml
    12: [fms-japan]
    14: [tariffs-japan, japan-us-investment]
    15: []

Precision and recall count *matches* (the topic matched a revision of the item in the period), not
alerts: a baseline poll or a route does not make a rule better or worse.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from monitor.config.schema import Config
from monitor.errors import PressmonError
from monitor.match.topics import TopicMatcher
from monitor.poll_records import ItemWrite
from monitor.replay import replay
from monitor.store import history
from monitor.store.history import StoredRev

__all__ = ["Backtest", "Difference", "Score", "TopicCount", "backtest", "load_labels"]


class LabelsError(PressmonError):
    pass


@dataclass(frozen=True, slots=True)
class TopicCount:
    topic: str
    old: int  # alerts (distinct alert keys) under the --against config
    new: int  # ... under the new config


@dataclass(frozen=True, slots=True)
class Difference:
    item_id: int
    topic: str
    gained: bool  # alerts under the new config and not the old one (False: lost)
    source_id: str
    title: str
    url: str | None
    snippet: str  # from the side that matched
    reason: str  # why the other side did not alert

    def as_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "topic": self.topic,
            "change": "gained" if self.gained else "lost",
            "source_id": self.source_id,
            "title": self.title,
            "url": self.url,
            "snippet": self.snippet,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Score:
    topic: str
    side: str  # "old" | "new"
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class _Side:
    """What one config made of the history."""

    alerts: dict[str, set[str]] = field(default_factory=dict)  # topic -> alert keys
    alerted: set[tuple[int, str]] = field(default_factory=set)  # (item, topic)
    matched: dict[tuple[int, str], str] = field(default_factory=dict)  # (item, topic) -> snippet
    reason: dict[int, str] = field(default_factory=dict)  # item -> last plan reason
    latest: dict[int, int] = field(default_factory=dict)  # item -> the seq of its last revision replayed

    def record(self, rev: StoredRev, w: ItemWrite) -> None:
        self.latest[rev.item_id] = rev.seq
        self.reason[rev.item_id] = w.reason.value
        for m in w.mentions:
            self.matched[(rev.item_id, m.topic_id)] = m.snippet


@dataclass(frozen=True)
class Backtest:
    counts: list[TopicCount]
    differences: list[Difference]
    scores: list[Score]
    revisions: int


def _run(
    engine: sa.Engine,
    config: Config,
    since: datetime,
    until: datetime | None,
    progress: Callable[[int], None] | None,
) -> tuple[_Side, int]:
    side = _Side()
    seen = 0

    def on_write(rev: StoredRev, w: ItemWrite) -> None:
        nonlocal seen
        seen += 1
        side.record(rev, w)

    for r in replay(engine, config, since=since, until=until, progress=progress, on_write=on_write):
        for t in r.alert.topic_ids:
            side.alerts.setdefault(t, set()).add(r.alert.alert_key)
            side.alerted.add((r.item_id, t))
    return side, seen


def _run_apart(
    url: str, config: Config, since: datetime, until: datetime | None, done: Any
) -> tuple[_Side, int]:
    """:func:`_run` in a worker process; progress goes to ``done`` (a managed queue) as increments."""
    from monitor.store.engine import make_engine

    engine = make_engine(url)
    last = 0

    def progress(n: int) -> None:
        nonlocal last
        done.put(n - last)
        last = n

    try:
        return _run(engine, config, since, until, progress)
    finally:
        engine.dispose()


def _both(
    engine: sa.Engine,
    old: Config,
    new: Config,
    since: datetime,
    until: datetime | None,
    progress: Callable[[int], None] | None,
    parallel: bool,
) -> tuple[tuple[_Side, int], tuple[_Side, int]]:
    """Both sides: one after the other, or (``parallel``) the old one in a worker process while this one
    replays the new; ``progress`` is called with the revisions both have done."""
    if not parallel:
        offset = 0

        def step(n: int) -> None:
            if progress is not None:
                progress(offset + n)

        a = _run(engine, old, since, until, step)
        offset = a[1]
        return a, _run(engine, new, since, until, step)
    ctx = multiprocessing.get_context("spawn")
    url = engine.url.render_as_string(hide_password=False)
    with ctx.Manager() as manager, ProcessPoolExecutor(1, mp_context=ctx) as pool:
        done: Any = manager.Queue()
        other = pool.submit(_run_apart, url, old, since, until, done)
        theirs = mine = 0

        def drain(block: bool) -> None:
            nonlocal theirs
            try:
                while True:
                    theirs += done.get(timeout=0.2 if block else 0)
                    block = False
                    if progress is not None:
                        progress(mine + theirs)
            except queue.Empty:
                pass

        def step(n: int) -> None:
            nonlocal mine
            mine = n
            drain(False)
            if progress is not None:
                progress(mine + theirs)

        b = _run(engine, new, since, until, step)
        while not other.done():
            drain(True)
        drain(False)
        return other.result(), b


def _why_not(
    config: Config, matcher: TopicMatcher, side: _Side, rev: StoredRev, topic: str, label: str
) -> str:
    if topic not in matcher.titles:
        return f"topic {topic} is not in {label}"
    if (rev.item_id, topic) in side.matched:
        return f"matched in {label}, not alerted: {side.reason.get(rev.item_id, 'no-route')}"
    why, where = matcher.explain(topic, title=rev.title, text=rev.text, source=rev.source_id, lang=rev.lang)
    reasons = [*why.reasons, *([where] if where else [])]
    return f"{label}: " + ("; ".join(reasons) or "no match")


def backtest(
    engine: sa.Engine,
    new: Config,
    old: Config,
    *,
    since: datetime,
    until: datetime | None = None,
    labels: Mapping[int, frozenset[str]] | None = None,
    new_label: str = "new",
    old_label: str = "old",
    progress: Callable[[int], None] | None = None,
    parallel: bool = False,
) -> Backtest:
    """``progress`` is called with the revisions both sides have replayed so far (twice the range's in
    all); ``parallel``: the two sides in two processes at once (worth it from ~20,000 revisions)."""
    (a, n), (b, _) = _both(engine, old, new, since, until, progress, parallel)
    topics = list(dict.fromkeys([*(t.id for t in old.topics), *(t.id for t in new.topics)]))
    counts = [TopicCount(t, len(a.alerts.get(t, ())), len(b.alerts.get(t, ()))) for t in topics]
    old_m, new_m = TopicMatcher(old.topics, old.concepts), TopicMatcher(new.topics, new.concepts)
    diffs: list[Difference] = []
    # Both sides replay the same revisions, so an item's last one is the same on both: the few that the
    # differences name are read once, at the end.
    last_seq = {**a.latest, **b.latest}
    differing = sorted({i for i, _ in a.alerted ^ b.alerted})
    revs = history.previous_revisions(engine, [(i, last_seq[i]) for i in differing])
    for gained, (have, have_not, other, other_matcher, label) in (
        (True, (b, a, old, old_m, old_label)),
        (False, (a, b, new, new_m, new_label)),
    ):
        for item_id, topic in sorted(have.alerted - have_not.alerted):
            rev = revs[item_id]
            diffs.append(
                Difference(
                    item_id,
                    topic,
                    gained,
                    rev.source_id,
                    rev.title,
                    rev.url,
                    have.matched.get((item_id, topic), ""),
                    _why_not(other, other_matcher, have_not, rev, topic, label),
                )
            )
    scores: list[Score] = []
    if labels is not None:
        for t in topics:
            for name, side in (("old", a), ("new", b)):
                hits = {i for (i, tt) in side.matched if tt == t and i in labels}
                relevant = {i for i, ts in labels.items() if t in ts}
                scores.append(
                    Score(t, name, len(hits & relevant), len(hits - relevant), len(relevant - hits))
                )
    return Backtest(counts, diffs, scores, n)


def load_labels(path: Path) -> dict[int, frozenset[str]]:
    """Read a labels file (see the module docstring); a problem is a LabelsError with the line."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise LabelsError(f"backtest: --labels {path}: {e}") from None
    if not isinstance(data, dict):
        raise LabelsError(f"backtest: --labels {path}: expected a mapping of item id to a list of topic ids")
    out: dict[int, frozenset[str]] = {}
    for k, v in data.items():
        try:
            item = int(k)
        except (TypeError, ValueError):
            raise LabelsError(f"backtest: --labels {path}: {k!r} is not an item id (a number)") from None
        if v is None:
            v = []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(t, str) for t in v):
            raise LabelsError(f"backtest: --labels {path}: item {item}: give a list of topic ids")
        out[item] = frozenset(v)
    return out

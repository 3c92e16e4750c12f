"""Replay stored history through today's (or another file's) rules: the alerts that would have gone out.

Stored revisions are read in the order they were stored and grouped back into the polls that stored
them (one source, one ``fetched_at``). Each poll goes through :func:`monitor.pipeline.decide_success`,
the very function the daemon decides with (classify, match + facts, story decision, plan), against an
in-memory copy of what the daemon knew at that moment: the previous revision of each item and the story
candidates of the last 72 hours. Nothing is written; the caller prints, renders or (``--send``) queues
the result under replay keys.

Not replayed: source-health alerts (they come from fetch failures, which leave no revisions), delivery
pacing (group_wait, repeat, silences: the outbox's business at send time).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from monitor.config.schema import Config
from monitor.diff import StoredRevision
from monitor.match.topics import TopicMatcher
from monitor.model import FetchOutcome, FetchResult, Mention
from monitor.pipeline import decide_success
from monitor.plan import AlertReason, GoneItem, PlannedAlert, alert_key, plan_withdrawn_alerts
from monitor.poll_prepare import prepare_new
from monitor.poll_records import ClaimedSource, ItemWrite, StoredItem, Stories
from monitor.replay_prepare import Prepared, Preparer, item_of, sketch_of, source_of, topic_matcher
from monitor.store import history
from monitor.store.history import StoredRev
from monitor.stories import StoryCandidate, StoryProbe
from monitor.story_index import MemoryIndex
from monitor.story_signature import EMPTY, Signature

__all__ = ["ReplayState", "ReplayedAlert", "mark", "replay", "replay_key", "run_id", "stories_known"]

STORY_WINDOW = timedelta(hours=72)  # as monitor.poll: how far back a new item looks for a story
_RESULT = FetchResult(FetchOutcome.OK, "", "", 200, {}, b"", None, None, None, 0, 0.0)


def replay_key(run: str, key: str) -> str:
    """A replayed alert's key: never equal to an original's, and distinct per replay run."""
    return f"replay:{run}:{key}"


@dataclass(frozen=True, slots=True)
class ReplayedAlert:
    """One planned alert (one per receiver) and where it came from."""

    at: datetime  # when the daemon stored the revision (or saw the withdrawal)
    item_id: int
    revision_id: int | None
    alert: PlannedAlert


@dataclass
class ReplayState:
    """What the daemon knew at the current point of the replay (pure, in memory): the latest revision of
    each item, and the story index of the window with the daemon's semantics
    (``story_index.MemoryIndex``: the same text and signature-part keys, rarity and primary-led stories
    as ``store.story_keys.story_lookup``), so a replayed item joins the story the daemon joined it to,
    by text or by what it reports."""

    window: timedelta = STORY_WINDOW
    current: dict[int, StoredItem] = field(default_factory=dict)  # item id -> its latest revision
    index: MemoryIndex = field(default_factory=MemoryIndex)
    threads: dict[int, str] = field(default_factory=dict)
    topics_of: dict[int, tuple[str, ...]] = field(default_factory=dict)  # item id -> topics now

    def add_story(self, c: StoryCandidate, *, thread: str | None) -> None:
        self.index.add(c)
        if thread is not None:
            self.threads.setdefault(c.story_id, thread)

    def expire(self, now: datetime) -> None:
        self.index.expire(now - self.window)

    def stories_for(self, probes: Sequence[StoryProbe], now: datetime) -> Stories:
        """What the daemon's lookup returns for a poll's new items: the union of each one's candidates,
        the rarity of their signature parts, the stories a primary source leads, the thread keys."""
        since = now - self.window
        found: dict[int, StoryCandidate] = {}
        by_probe: dict[bytes, frozenset[int]] = {}
        rarity: dict[str, int] = {}
        led: set[int] = set()
        for p in probes:
            look = self.index.lookup(p, since=since)
            found.update((c.item_id, c) for c in look.candidates)
            by_probe[p.fingerprint] = by_probe.get(p.fingerprint, frozenset()) | {
                c.item_id for c in look.candidates
            }
            rarity.update(look.rarity)
            led |= look.led
        return Stories(
            candidates=tuple(found[i] for i in sorted(found)),
            threads=self.threads,
            rarity=rarity,
            led=frozenset(led),
            found=by_probe,
        )


def _stored(r: StoredRev) -> StoredItem:
    return StoredItem(r.item_id, r.seq, StoredRevision(r.item_key, r.content_hash, r.title, r.text))


def _polls(revs: Iterator[StoredRev]) -> Iterator[list[StoredRev]]:
    """Revisions of one source stored at one instant: one poll."""
    pending: dict[str, list[StoredRev]] = {}
    at: datetime | None = None
    for r in revs:
        if r.fetched_at != at:
            yield from pending.values()
            pending, at = {}, r.fetched_at
        pending.setdefault(r.source_id, []).append(r)
    yield from pending.values()


def replay(
    engine: sa.Engine,
    config: Config,
    *,
    since: datetime,
    until: datetime | None = None,
    sources: Sequence[str] = (),
    topics: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    on_write: Callable[[StoredRev, ItemWrite], None] | None = None,
    at_start: Callable[[ReplayState], None] | None = None,
    at_end: Callable[[ReplayState], None] | None = None,
    workers: int = 0,
) -> Iterator[ReplayedAlert]:
    """The alerts stored history would cause under ``config``, in the order they would have been
    planned. ``topics`` keeps only alerts for those topic ids; ``sources`` reads only those sources
    (stories then only form among them). ``progress`` is called with the revisions done so far;
    ``on_write`` with every revision and the decision about it (mentions, reason, alerts); ``at_start``
    and ``at_end`` with what the replay knows before its first revision and after its last. ``workers``:
    processes that match and prepare revisions ahead of the story decisions (``monitor.replay_prepare``;
    the same alerts), 0 for none."""
    matcher = topic_matcher(config, topics)
    state = ReplayState()
    _preload_stories(engine, state, since=since)
    if at_start is not None:
        at_start(state)
    first = history.first_polls(engine)
    baselines = history.baseline_revisions(engine, since=since)
    gone = deque(history.withdrawals(engine, since=since, until=until))
    done = 0
    revs = history.revisions_in_order(engine, since=since, until=until, sources=sources)
    batches = _batches(_polls(revs), engine)
    with Preparer[Batch](config, topics, workers) if workers > 0 else nullcontext() as preparer:
        prepared: Iterator[tuple[Batch, Prepared | None]] = (
            preparer.ahead(batches, lambda b: [r for g, _ in b for r in g])
            if preparer is not None
            else ((b, None) for b in batches)
        )
        for batch, ready in prepared:
            for group, previous in batch:
                now = group[0].fetched_at
                while gone and gone[0].at <= now:
                    yield from _withdrawn(engine, config, matcher, state, gone.popleft())
                yield from _replay_poll(
                    config, matcher, state, group, previous, now, first, baselines, on_write, ready
                )
                done += len(group)
            if progress is not None:
                progress(done)
    while gone:
        yield from _withdrawn(engine, config, matcher, state, gone.popleft())
    if at_end is not None:
        at_end(state)


def stories_known(state: ReplayState, *, since: datetime, until: datetime) -> frozenset[tuple[Any, ...]]:
    """What a replay knows of the items first seen in ``[since, until)`` that later items may join: each
    one's story, what it reports, whether a primary source sent it, and its story's thread. Two replays
    knowing the same of the 72 hours before an instant decide alike from it on."""
    return frozenset(
        (c.item_id, c.story_id, c.signature, c.primary, state.threads.get(c.story_id))
        for c in state.index.items.values()
        if since <= c.first_seen_at < until
    )


Batch = list[tuple[list[StoredRev], dict[int, StoredRev]]]  # polls, each with its items' previous revisions


def _batches(polls: Iterator[list[StoredRev]], engine: sa.Engine, size: int = 2000) -> Iterator[Batch]:
    """Polls in batches, each with the previous revisions (read from the store, once per batch) of its
    items that were revised before the replay reached them."""
    batch: list[list[StoredRev]] = []
    n = 0
    for group in polls:
        batch.append(group)
        n += len(group)
        if n >= size:
            yield _with_previous(batch, engine)
            batch, n = [], 0
    if batch:
        yield _with_previous(batch, engine)


def _with_previous(batch: list[list[StoredRev]], engine: sa.Engine) -> Batch:
    wanted = [(r.item_id, r.seq - 1) for g in batch for r in g if r.seq > 1]
    prev = history.previous_revisions(engine, wanted) if wanted else {}
    return [(g, prev) for g in batch]


def _preload_stories(engine: sa.Engine, state: ReplayState, *, since: datetime) -> None:
    """Stories first seen in the 72 h before the replay starts, as stored."""
    stored = history.story_candidates_before(engine, since=since - state.window, until=since)
    for s in stored:
        thread = alert_key("new", s.source_id, s.item_key, 1) if s.news else None
        state.add_story(
            StoryCandidate(
                s.story_id,
                s.fingerprint,
                s.first_seen_at,
                s.source_id,
                s.title,
                Signature.from_json(s.signature),
                s.primary,
                s.item_id,
                s.published_at,
            ),
            thread=thread,
        )


def _replay_poll(
    config: Config,
    matcher: TopicMatcher,
    state: ReplayState,
    group: list[StoredRev],
    previous: dict[int, StoredRev],
    now: datetime,
    first: dict[str, datetime],
    baselines: set[int],
    on_write: Callable[[StoredRev, ItemWrite], None] | None,
    ready: Prepared | None = None,
) -> Iterator[ReplayedAlert]:
    src = source_of(config, group[0].source_id)
    state.expire(now)
    stored: dict[str, StoredItem] = {}
    for r in group:
        if r.seq > 1:
            known = state.current.get(r.item_id)
            if known is None and r.item_id in previous:
                known = _stored(previous[r.item_id])
            if known is not None:
                stored[r.item_key] = known
    baseline = first.get(src.id) == now or any(r.revision_id in baselines for r in group)
    items = [item_of(r, src) for r in group]
    # Revised items' mentions, when workers prepared them: by key and content (a poll may hold two revisions
    # of one item, the first a new item's).
    matched: dict[tuple[str, str], tuple[Mention, ...]] = {}
    if ready is None:
        sketches = {r.item_key: sketch_of(r) for r in group if r.item_key not in stored}
        new = prepare_new(src, items, stored, matcher, fingerprints=sketches)
    else:  # prepared by workers: what prepare_new would give; an item they did not take as new, here
        new = {}
        for r, item in zip(group, items, strict=True):
            if item.key in stored:
                matched[item.key, item.content_hash] = ready.mentions[r.revision_id]
            elif item.key not in new:
                new[item.key] = (
                    ready.new.get(r.revision_id)
                    or prepare_new(src, [item], {}, matcher, fingerprints={item.key: sketch_of(r)})[item.key]
                )
    probes = [] if baseline else [n.probe for n in new.values()]
    claim = ClaimedSource(
        source_id=src.id, token="", baseline_done=not baseline, key_mode="guid", etag=None,
        last_modified=None, body_hash=None, error_streak=0, item_count=0,
    )  # fmt: skip
    write = decide_success(
        src,
        claim,
        _RESULT,
        items,
        stored,
        key_mode="guid",
        stories=state.stories_for(probes, now) if probes else Stories(),
        new=new,
        topics=matcher,
        routes=config.routes,
        now=now,
        rand=0.0,
        near_misses=False,  # recorded by the daemon for `pressmon topics misses`; a replay shows only alerts
        known_mentions=matched,
    )
    by_key = {r.item_key: r for r in group}
    for w in write.items:
        r = by_key[w.change.item.key]
        if on_write is not None:
            on_write(r, w)
        state.current[r.item_id] = StoredItem(
            r.item_id, w.seq, StoredRevision(r.item_key, r.content_hash, r.title, r.text)
        )
        state.topics_of[r.item_id] = tuple(m.topic_id for m in w.mentions)
        if w.fingerprint is not None:
            story = w.story_id if w.story_id is not None else r.item_id
            # The story's thread is its first item that was news (a ``new`` alert), as in the store.
            thread = alert_key("new", src.id, r.item_key, 1) if w.reason is AlertReason.FIRST_SEEN else None
            state.add_story(
                StoryCandidate(
                    story,
                    w.fingerprint,
                    now,
                    src.id,
                    r.title,
                    w.signature or EMPTY,
                    w.primary,
                    r.item_id,
                    w.change.item.published_at,
                ),
                thread=thread,
            )
        for a in w.alerts:
            yield ReplayedAlert(now, r.item_id, r.revision_id, a)


def _withdrawn(
    engine: sa.Engine, config: Config, matcher: TopicMatcher, state: ReplayState, w: history.Withdrawal
) -> Iterator[ReplayedAlert]:
    latest = history.latest_revisions(engine, [w.item_id]).get(w.item_id)
    if latest is None:
        return
    src = source_of(config, latest.source_id)
    topic_ids = state.topics_of.get(w.item_id)
    if topic_ids is None:
        found = matcher.match(
            title=latest.title, text=latest.text, source=src.id, tags=src.tags, lang=latest.lang
        )
        topic_ids = tuple(m.topic_id for m in found)
    if not topic_ids:
        return
    url = latest.url or ""
    gone = GoneItem(
        w.item_id, latest.item_key, latest.title, url, latest.seq, topic_ids, f"{url} was withdrawn"
    )
    for a in plan_withdrawn_alerts(
        gone,
        source_id=src.id,
        source_title=src.title or src.id,
        tags=src.tags,
        topic_titles=matcher.titles,
        routes=config.routes,
        now=w.at,
    ):
        yield ReplayedAlert(w.at, w.item_id, latest.revision_id, a)


def mark(alert: PlannedAlert, run: str) -> PlannedAlert:
    """The alert as a replay sends it: its own key (and thread), a visible marker, no hold."""
    key = replay_key(run, alert.alert_key)
    payload: dict[str, Any] = dict(alert.payload)
    payload.update(
        alert_key=key,
        replay={"run": run, "original_key": alert.alert_key},
        title="[replay] " + str(payload.get("title") or ""),
    )
    if payload.get("thread_key"):
        payload["thread_key"] = replay_key(run, str(payload["thread_key"]))
    return replace(alert, alert_key=key, payload=payload, not_before=None)


def run_id(now: datetime) -> str:
    """A short id for one replay run (part of every replayed key)."""
    return now.strftime("%Y%m%dT%H%M%S") + "-" + hashlib.sha256(now.isoformat().encode()).hexdigest()[:4]

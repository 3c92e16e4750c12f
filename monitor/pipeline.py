"""One poll's decisions, as pure functions: what to store and what to alert.

``decide_success`` takes what a fetch and parse produced plus what the store already holds and returns a
:class:`PollWrite`; ``decide_failure`` does the same for a failed fetch or parse (which changes nothing
stored but the schedule). The orchestrator (``monitor.poll``) does the I/O around them; the store commits a
``PollWrite`` in one fenced transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.config.schema import Route, Source
from monitor.diff import StoredRevision, classify, diff_summary, is_material
from monitor.identity import assign_identity, keys_unstable
from monitor.match.topics import NearMiss, TopicMatcher
from monitor.model import Change, ChangeKind, Entry, FetchResult, Item, Mention
from monitor.plan import (
    AlertReason,
    GoneItem,
    PlannedAlert,
    StoryLink,
    plan_health_alerts,
    plan_item_alerts,
    plan_withdrawn_alerts,
)
from monitor.schedule import next_due
from monitor.stories import StoryCandidate, StoryProbe, decide_story
from monitor.story_signature import Signature, signature
from monitor.story_text import fingerprint

__all__ = [
    "DECIDE_IN_COMMIT",
    "ClaimedSource",
    "ItemWrite",
    "NewItem",
    "PollWrite",
    "SourceUpdate",
    "StoredItem",
    "Stories",
    "decide_failure",
    "decide_not_modified",
    "decide_success",
    "identify",
    "prepare_new",
]


# A write's ``stories_snapshot`` when its new items were decided without story candidates, for the commit
# to decide them inside its transaction (``redecide``), where the candidates cannot change before it
# commits: the batched writer's polls read them once, there, instead of once before and again there.
DECIDE_IN_COMMIT = -1  # never an item id


@dataclass(frozen=True, slots=True)
class ClaimedSource:
    """A source row as claimed: its state and the lease token that fences our commit."""

    source_id: str
    token: str
    baseline_done: bool
    key_mode: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    error_streak: int
    item_count: int
    failing_since: datetime | None = None
    health_alerted: bool = False
    lease_until: datetime | None = None  # a poll that finds this passed (it was paused) does not fetch


@dataclass(frozen=True, slots=True)
class StoredItem:
    item_id: int
    seq: int  # current revision number
    revision: StoredRevision


@dataclass(frozen=True, slots=True)
class SourceUpdate:
    next_due: datetime
    checked_at: datetime
    ok: bool
    error_streak: int
    error: str | None = None
    error_kind: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    update_validators: bool = False
    baseline_done: bool | None = None
    key_mode: str | None = None
    failing_since: datetime | None = None  # start of the failure streak (None once healthy)
    health_alerted: bool = False


@dataclass(frozen=True, slots=True)
class ItemWrite:
    change: Change
    item_id: int | None  # None for NEW
    seq: int  # the revision number this write creates
    mentions: tuple[Mention, ...]
    alerts: tuple[PlannedAlert, ...]
    reason: AlertReason
    fingerprint: bytes | None = None  # NEW items: the near-duplicate sketch (monitor.stories)
    story_id: int | None = None  # NEW items: the story joined; None starts a story of its own
    near_misses: tuple[NearMiss, ...] = ()  # topics it almost matched (recorded, never alerted)
    signature: Signature | None = None  # NEW items: what it reports (monitor.story_signature)
    primary: bool = False  # NEW items: from a primary source


@dataclass(frozen=True, slots=True)
class Stories:
    """What the story index found for this poll's new items: recent items of every source they may join,
    how many stories in the window carry each signature part (``rarity``), the stories a primary source
    already leads, and the alert_key each story's updates thread under (its first item's ``new`` alert)."""

    candidates: tuple[StoryCandidate, ...] = ()
    threads: Mapping[int, str] = field(default_factory=dict)  # story -> its first ``new`` alert's key
    snapshot: int = 0  # the highest item id when they were read
    rarity: Mapping[str, int] = field(default_factory=dict)
    led: frozenset[int] = frozenset()
    # The item ids the index found for each probe, by its fingerprint: a new item is compared with its
    # own candidates, not with every candidate of its poll (a poll of 10 items found ~140 in a burst).
    # A probe not in it is compared with all of them.
    found: Mapping[bytes, frozenset[int]] = field(default_factory=dict)

    def for_probe(self, probe: StoryProbe) -> tuple[StoryCandidate, ...]:
        mine = self.found.get(probe.fingerprint)
        if mine is None:
            return self.candidates
        return tuple(c for c in self.candidates if c.item_id in mine)


@dataclass(frozen=True, slots=True)
class NewItem:
    """A new item's topic mentions and its story probe (fingerprint + signature), computed once per poll:
    the probes are what the story index is asked about before the poll is decided."""

    mentions: tuple[Mention, ...]
    probe: StoryProbe
    near_misses: tuple[NearMiss, ...] | None = None  # computed with the mentions when the poll alerts


def _mentions(topics: TopicMatcher, src: Source, item: Item) -> list[Mention]:
    """The topics ``item`` matches, in its source's context (tags, implied concepts)."""
    return topics.match(
        title=item.title, text=item.text, source=src.id, tags=src.tags, lang=item.lang, implies=src.implies
    )


def _near_misses(
    topics: TopicMatcher, src: Source, item: Item, mentions: Sequence[Mention]
) -> list[NearMiss]:
    """The topics ``item`` almost matched (those in ``mentions`` did), in its source's context."""
    return topics.near_misses(
        title=item.title,
        text=item.text,
        source=src.id,
        tags=src.tags,
        lang=item.lang,
        implies=src.implies,
        matched=[m.topic_id for m in mentions],
    )


def prepare_new(
    src: Source,
    items: Sequence[Item],
    stored: Mapping[str, StoredItem],
    topics: TopicMatcher,
    full_texts: Mapping[str, str] = {},
    *,
    near_misses: bool = False,
    fingerprints: Mapping[str, bytes] = {},
) -> dict[str, NewItem]:
    """Mentions, fingerprint and signature of every item not stored yet (with its page's main text when
    ``full_texts`` has it, as ``decide_success`` stores it), by item key; with ``near_misses`` (a poll that
    is not a baseline) the topics each one almost matched too. ``fingerprints``: sketches already known
    (a replay reads the stored ones), by item key."""
    out: dict[str, NewItem] = {}
    for item in items:
        if item.key in stored or item.key in out:
            continue
        if item.key in full_texts:
            item = replace(item, text=full_texts[item.key])
        mentions = tuple(_mentions(topics, src, item))
        published = item.published_at.date() if item.published_at is not None else None
        sig = signature(item.title, item.text, topics=[m.topic_id for m in mentions], published=published)
        fp = fingerprints.get(item.key) or fingerprint(item.title, item.text)
        probe = StoryProbe(fp, item.title, src.id, sig, src.is_primary, item.published_at)
        near = tuple(_near_misses(topics, src, item, mentions)) if near_misses else None
        out[item.key] = NewItem(mentions, probe, near)
    return out


@dataclass(frozen=True, slots=True)
class PollWrite:
    source_id: str
    token: str
    source: SourceUpdate
    items: tuple[ItemWrite, ...] = ()
    seen_keys: tuple[str, ...] = ()  # unchanged items: bump last_seen_at
    status: str = "ok"  # ok | not_modified | unchanged | error
    http_status: int | None = None
    wire_bytes: int = 0
    entries: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    source_alerts: tuple[PlannedAlert, ...] = ()  # source-health: failing / resolved
    # Commit only if no item was stored after this id (story candidates were read up to it); None: no check;
    # DECIDE_IN_COMMIT: decided without candidates, the commit decides its stories (``redecide``).
    stories_snapshot: int | None = None
    gone_checked: tuple[int, ...] = ()  # items whose URL was checked after they left the listing
    withdrawn: tuple[int, ...] = ()  # ... and answered 404/410
    withdrawn_alerts: tuple[PlannedAlert, ...] = ()
    encoding: str | None = None  # the codec the body was read with (poll_log.encoding)
    # Full texts not read (page failed, no main text, over full_text_max, deadline): the poll is ok and
    # the summaries stand in, but its poll_log row says so (error_kind "full_text"; `pressmon sources`).
    full_text_notes: tuple[str, ...] = ()

    @property
    def new_count(self) -> int:
        return sum(1 for w in self.items if w.change.kind is ChangeKind.NEW)

    @property
    def revised_count(self) -> int:
        return sum(1 for w in self.items if w.change.kind is ChangeKind.REVISED)

    @property
    def alert_count(self) -> int:
        return sum(len(w.alerts) for w in self.items) + len(self.source_alerts) + len(self.withdrawn_alerts)


def identify(
    entries: Sequence[Entry], claim: ClaimedSource, recent_keys: set[str]
) -> tuple[list[Item], str, bool]:
    """Identity for this fetch's entries: ``(items, key_mode, switched)``. A source whose GUIDs all
    changed since the last poll while its URLs did not is switched to URL keys for good.
    ``recent_keys`` is ``identity.identity_keys`` of the recently stored items."""
    items = assign_identity(entries, prefer=claim.key_mode)
    if claim.key_mode == "guid" and claim.baseline_done and keys_unstable(recent_keys, items):
        return assign_identity(entries, prefer="url"), "url", True
    return items, claim.key_mode, False


def _ok_update(
    src: Source,
    claim: ClaimedSource,
    *,
    now: datetime,
    rand: float,
    hint_s: float | None,
    every: timedelta | None = None,
) -> SourceUpdate:
    return SourceUpdate(
        next_due=next_due(
            now=now, every=every or src.every, jitter=src.jitter, error_streak=0, rand=rand, hint_s=hint_s
        ),
        checked_at=now,
        ok=True,
        error_streak=0,
    )


def decide_failure(
    src: Source,
    claim: ClaimedSource,
    *,
    error: str,
    error_kind: str,
    now: datetime,
    rand: float,
    routes: Sequence[Route] = (),
    retry_after_s: float | None = None,
    http_status: int | None = None,
    wire_bytes: int = 0,
) -> PollWrite:
    """A failed fetch or parse: nothing stored changes but the schedule (backoff) and the error.
    A source failing for ``health_alert_after`` raises one source-health alert per failure streak."""
    streak = claim.error_streak + 1
    failing_since = claim.failing_since or now
    alerts: list[PlannedAlert] = []
    if not claim.health_alerted and now - failing_since >= src.health_alert_after:
        alerts = plan_health_alerts(
            src, routes, state="failing", failing_since=failing_since, error=error, streak=streak, now=now
        )
    update = SourceUpdate(
        next_due=next_due(
            now=now,
            every=src.every,
            jitter=src.jitter,
            error_streak=streak,
            rand=rand,
            retry_after_s=retry_after_s,
        ),
        checked_at=now,
        ok=False,
        error_streak=streak,
        error=error,
        error_kind=error_kind,
        failing_since=failing_since,
        health_alerted=claim.health_alerted or bool(alerts),
    )
    return PollWrite(
        source_id=src.id,
        token=claim.token,
        source=update,
        status="error",
        http_status=http_status,
        wire_bytes=wire_bytes,
        source_alerts=tuple(alerts),
    )


def _recovered(
    src: Source, claim: ClaimedSource, routes: Sequence[Route], now: datetime
) -> tuple[PlannedAlert, ...]:
    if not claim.health_alerted or claim.failing_since is None:
        return ()
    return tuple(
        plan_health_alerts(
            src, routes, state="resolved", failing_since=claim.failing_since, error=None, streak=0, now=now
        )
    )


def decide_not_modified(
    src: Source,
    claim: ClaimedSource,
    result: FetchResult,
    *,
    now: datetime,
    rand: float,
    routes: Sequence[Route] = (),
    every: timedelta | None = None,
) -> PollWrite:
    """304, or 200 with the same body as last time: only the schedule (and validators) move."""
    base = _ok_update(src, claim, now=now, rand=rand, hint_s=result.next_poll_hint_s, every=every)
    update = SourceUpdate(
        next_due=base.next_due,
        checked_at=now,
        ok=True,
        error_streak=0,
        etag=result.etag,
        last_modified=result.last_modified,
        body_hash=result.body_hash or claim.body_hash,
        update_validators=True,
    )
    return PollWrite(
        source_id=src.id,
        token=claim.token,
        source=update,
        status=result.outcome.value,
        http_status=result.status_code,
        wire_bytes=result.wire_bytes,
        source_alerts=_recovered(src, claim, routes, now),
    )


def decide_success(
    src: Source,
    claim: ClaimedSource,
    result: FetchResult,
    items: Sequence[Item],
    stored: Mapping[str, StoredItem],
    *,
    key_mode: str,
    key_mode_switched: bool = False,
    stories: Stories = Stories(),
    new: Mapping[str, NewItem] | None = None,
    gone: Sequence[tuple[int, GoneItem | None]] = (),
    topics: TopicMatcher,
    routes: Sequence[Route],
    now: datetime,
    rand: float,
    parse_notes: Sequence[str] = (),
    full_texts: Mapping[str, str] = {},
    every: timedelta | None = None,  # this poll's interval (adaptive); None: src.every
    near_misses: bool = True,  # False: a replay, which neither stores nor shows them
) -> PollWrite:
    """A parsed fetch: classify every item against the store, match topics, plan alerts.

    A first poll is a baseline (stored with its mentions, not alerted). A source whose GUIDs all changed
    since the last poll while its URLs did not is switched to URL keys; that poll is treated as a baseline
    too, so a CMS that regenerates GUIDs causes no alert flood.
    """
    if not items and claim.item_count > 0:
        what = {"html": "listing", "json_api": "API response"}.get(src.kind, "feed")
        why = f" ({'; '.join(parse_notes)})" if parse_notes else ""
        return decide_failure(
            src,
            claim,
            error=f"parse: {src.id}: {what} has no entries{why} (had {claim.item_count} before); "
            "nothing changed",
            error_kind="empty",
            now=now,
            rand=rand,
            routes=routes,
            http_status=result.status_code,
            wire_bytes=result.wire_bytes,
        )
    baseline = not claim.baseline_done or key_mode_switched
    notes: list[str] = list(parse_notes)
    if key_mode_switched:
        notes.append("GUIDs changed on every item while URLs did not: switched to URL keys")
    stored_revisions = {k: s.revision for k, s in stored.items()}
    changes = classify(items, stored_revisions)
    if new is None:
        new = prepare_new(src, items, stored, topics, full_texts)
    topic_titles = topics.titles
    writes: list[ItemWrite] = []
    seen: list[str] = []
    for change in changes:
        item = change.item
        if change.kind is ChangeKind.UNCHANGED:
            seen.append(item.key)
            continue
        if item.key in full_texts:
            # Matched, clustered, diffed and stored with the page's main text; the content hash stays the
            # listing's, so the next poll (summary only) sees the item unchanged.
            item = replace(item, text=full_texts[item.key])
            change = replace(change, item=item)
        prev = stored.get(item.key)
        seq = prev.seq + 1 if prev else 1
        fresh = new.get(item.key) if change.kind is ChangeKind.NEW else None
        mentions = fresh.mentions if fresh is not None else tuple(_mentions(topics, src, item))
        near: tuple[NearMiss, ...] = ()
        if not baseline and fresh is not None and fresh.near_misses is not None:
            near = fresh.near_misses  # computed with its mentions (in a worker)
        elif not baseline and near_misses:  # a baseline is not news: its near misses are not either
            near = tuple(_near_misses(topics, src, item, mentions))
        material: tuple[bool, str] = (True, "")
        diff: str | None = None
        link: StoryLink | None = None
        if fresh is not None and not baseline:
            decision = decide_story(
                fresh.probe,
                stories.for_probe(fresh.probe),
                seen_at=now,
                rarity=stories.rarity,
                led=stories.led,
            )
            if decision.story_id is not None:
                link = StoryLink(
                    decision.story_id,
                    stories.threads.get(decision.story_id),
                    decision.reason,
                    decision.official,
                )
        if change.kind is ChangeKind.REVISED:
            material = is_material(
                change.previous_title or "", change.previous_text or "", item.title, item.text
            )
            diff = diff_summary(
                f"{change.previous_title}\n{change.previous_text}", f"{item.title}\n{item.text}"
            )
        reason, alerts = plan_item_alerts(
            change,
            mentions,
            seq=seq,
            source_id=src.id,
            source_title=src.title or src.id,
            tags=src.tags,
            topic_titles=topic_titles,
            routes=routes,
            baseline=baseline,
            material=material,
            diff=diff,
            seen_at=now,
            story=link,
            primary=src.is_primary,
        )
        writes.append(
            ItemWrite(
                change=change,
                item_id=prev.item_id if prev else None,
                seq=seq,
                mentions=mentions,
                alerts=tuple(alerts),
                reason=reason,
                fingerprint=fresh.probe.fingerprint if fresh else None,
                story_id=link.story_id if link else None,
                near_misses=near,
                signature=fresh.probe.signature if fresh else None,
                primary=src.is_primary,
            )
        )
    withdrawn = [g for _, g in gone if g is not None]
    withdrawn_alerts = [
        a
        for g in withdrawn
        for a in plan_withdrawn_alerts(
            g,
            source_id=src.id,
            source_title=src.title or src.id,
            tags=src.tags,
            topic_titles=topic_titles,
            routes=routes,
            now=now,
        )
    ]
    base = _ok_update(src, claim, now=now, rand=rand, hint_s=result.next_poll_hint_s, every=every)
    update = SourceUpdate(
        next_due=base.next_due,
        checked_at=now,
        ok=True,
        error_streak=0,
        etag=result.etag,
        last_modified=result.last_modified,
        body_hash=result.body_hash,
        update_validators=True,
        baseline_done=True,
        key_mode=key_mode,
    )
    return PollWrite(
        source_id=src.id,
        token=claim.token,
        source=update,
        items=tuple(writes),
        seen_keys=tuple(seen),
        status="ok",
        http_status=result.status_code,
        wire_bytes=result.wire_bytes,
        entries=len(items),
        notes=tuple(notes),
        source_alerts=_recovered(src, claim, routes, now),
        gone_checked=tuple(item_id for item_id, _ in gone),
        withdrawn=tuple(g.item_id for g in withdrawn),
        withdrawn_alerts=tuple(withdrawn_alerts),
    )

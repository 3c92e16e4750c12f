"""The records a poll hands between its stages and the store: the claimed source row (``ClaimedSource``),
what the store holds of an item (``StoredItem``), what the story index found (``Stories``), and the
decided outcome the store commits in one fenced transaction (``PollWrite`` with its ``SourceUpdate``
and one ``ItemWrite`` per new or revised item).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.diff import StoredRevision
from monitor.match.topics import NearMiss
from monitor.model import Change, ChangeKind, Mention
from monitor.plan import AlertReason, PlannedAlert
from monitor.stories import StoryCandidate, StoryProbe
from monitor.story_signature import Signature

__all__ = [
    "DECIDE_IN_COMMIT",
    "ClaimedSource",
    "ItemWrite",
    "PollWrite",
    "SourceUpdate",
    "StoredItem",
    "Stories",
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
    story_reason: str | None = None  # NEW items (not a baseline's): the story decision's reason, stored


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

"""SQLModel tables. Every change here is also an Alembic migration in ``migrations/versions``
(``tests/test_migrations.py`` fails when the models and the migrated schema disagree).

Times are stored as naive UTC and read back as aware UTC (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel, col

__all__ = [
    "DigestRunRow",
    "ItemRow",
    "MaintenanceRow",
    "MentionRow",
    "NearMissRow",
    "OutboxRow",
    "PollLogRow",
    "RevisionRow",
    "SilenceRow",
    "SourceRow",
    "StoryKeyRow",
    "UTCDateTime",
    "current_revision",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store: naive datetime given; pressmon stores aware UTC times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class SourceRow(SQLModel, table=True):
    """Schedule state of one configured source. The config (feeds.yaml) owns url/interval; this row owns
    what happened: validators, error streak, next due time and the lease of whoever polls it now."""

    __tablename__ = "source"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    url: str
    next_due: datetime = _utc(index=True)
    baseline_done: bool = False
    key_mode: str = Field(default="guid", max_length=8)  # "guid" | "url" (key-unstable sources)
    error_streak: int = 0
    last_error: str | None = None
    last_error_kind: str | None = Field(default=None, max_length=32)
    last_ok_at: datetime | None = _utc(default=None, nullable=True)
    # Start of the current failure streak, and whether a source-health alert was raised for it.
    failing_since: datetime | None = _utc(default=None, nullable=True)
    health_alerted: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    last_checked_at: datetime | None = _utc(default=None, nullable=True)
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = Field(default=None, max_length=64)
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = _utc(default=None, nullable=True)
    # `pressmon sources pause ID`: not claimed (so not polled) until resumed.
    paused_at: datetime | None = _utc(default=None, nullable=True)
    pause_reason: str | None = None


class ItemRow(SQLModel, table=True):
    """One statement at one source. ``first_seen_at`` is our clock and authoritative."""

    __tablename__ = "item"
    __table_args__ = (sa.UniqueConstraint("source_id", "item_key", name="uq_item_source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="source.id", max_length=64, index=True)
    item_key: str
    key_kind: str = Field(max_length=8)
    canonical_url: str | None = None
    guid: str | None = None
    title: str
    published_at: datetime | None = _utc(default=None, nullable=True)
    first_seen_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    withdrawn_at: datetime | None = _utc(default=None, nullable=True)
    # When we last checked the URL of this item after it left the source's listing (withdrawn or not).
    gone_checked_at: datetime | None = _utc(default=None, nullable=True)
    revision_count: int = 1
    content_hash: str = Field(max_length=64)  # hash of the current revision
    # Near-duplicates across sources share a story: the id of the story's first item (monitor.stories).
    story_id: int | None = Field(default=None, index=True)
    fingerprint: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    lang: str | None = Field(default=None, max_length=16)  # the entry's language, else the source's
    # What the item reports (monitor.story_signature: topics and parts), and whether its source is primary
    # (a government's own statement): the story decision reads both back for later items.
    signature: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    primary_source: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Why the story decision put it where it is (monitor.stories: the story it joined and on what
    # evidence, or why it started its own and what came closest); None for a baseline's items, which
    # are stored without a decision. ``pressmon show`` prints it: the answer to "why two alerts?".
    story_reason: str | None = Field(default=None, sa_type=sa.Text)


class StoryKeyRow(SQLModel, table=True):
    """The story index (monitor.story_index): one row per key of an item (text keys: its smallest sketch
    values; part keys: negative hashes of its signature parts). Looked up with ``key IN (...)`` over the
    window: the primary key's (key, first_seen_at) prefix makes that a range read per key."""

    __tablename__ = "story_key"

    key: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    first_seen_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    item_id: int = Field(foreign_key="item.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    story_id: int


class RevisionRow(SQLModel, table=True):
    """A version of an item's content. seq 1 is the first one seen."""

    __tablename__ = "revision"
    __table_args__ = (sa.UniqueConstraint("item_id", "seq", name="uq_revision_item_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    seq: int
    fetched_at: datetime = _utc(index=True)
    title: str
    text: str
    content_hash: str = Field(max_length=64)


class MentionRow(SQLModel, table=True):
    """A topic matched in a revision, with the evidence (matched terms and spans, snippet, facts)."""

    __tablename__ = "mention"
    __table_args__ = (sa.UniqueConstraint("revision_id", "topic_id", name="uq_mention_revision_topic"),)

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revision.id", index=True)
    topic_id: str = Field(max_length=64, index=True)
    terms: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    snippet: str
    facts: dict[str, Any] = Field(sa_type=sa.JSON)
    # Why this mention was (not) alerted: first-seen, material-revision, baseline, immaterial-revision,
    # no-route. Digests include what was news (not baseline or immaterial edits).
    reason: str = Field(
        default="first-seen", max_length=32, sa_column_kwargs={"server_default": "first-seen"}
    )
    created_at: datetime = _utc(index=True)


class NearMissRow(SQLModel, table=True):
    """A topic a revision almost matched, and why not (its terms but no Japan actor, terms too far
    apart, a failing ``where``): shown in digests and ``topics misses``, never alerted."""

    __tablename__ = "near_miss"
    __table_args__ = (sa.UniqueConstraint("revision_id", "topic_id", name="uq_near_miss_revision_topic"),)

    id: int | None = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revision.id", index=True)
    topic_id: str = Field(max_length=64)
    reason: str
    created_at: datetime = _utc(index=True)


class OutboxRow(SQLModel, table=True):
    """One alert for one receiver. Written in the same transaction as its mention; ``(alert_key,
    receiver)`` is unique, which is what makes delivery idempotent across restarts."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("alert_key", "receiver", name="uq_outbox_key_receiver"),
        sa.Index("ix_outbox_due", "state", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_key: str = Field(max_length=200)
    receiver: str = Field(max_length=128)
    kind: str = Field(max_length=16)  # new | revised | also-reported | source-health | operator
    # The alert_key of the story's first alert: updates thread under it and are paced by `repeat`.
    thread_key: str | None = Field(default=None, max_length=200, index=True)
    mention_id: int | None = Field(default=None, foreign_key="mention.id")
    payload: dict[str, Any] = Field(sa_type=sa.JSON)  # the flat template context, frozen at plan time
    state: str = Field(
        default="pending", max_length=16
    )  # pending|sending|sent|retry|failed|ambiguous|dropped|silenced
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None, nullable=True)
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = _utc(default=None, nullable=True)
    provider_ref: str | None = None
    last_error: str | None = None
    # Sends whose outcome is unknown (connection lost after the request went out, a crash mid-send): a
    # receiver that cannot be reconciled is sent an alert at most MAX_UNCONFIRMED_SENDS times.
    unconfirmed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PollLogRow(SQLModel, table=True):
    """One line per fetch attempt."""

    __tablename__ = "poll_log"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=64, index=True)
    started_at: datetime = _utc()
    duration_ms: int
    status: str = Field(max_length=16)  # ok | not_modified | unchanged | error
    http_status: int | None = None
    bytes: int = 0
    entries: int = 0
    new_count: int = 0
    revised_count: int = 0
    error_kind: str | None = Field(default=None, max_length=32)
    error: str | None = None
    encoding: str | None = Field(default=None, max_length=32)  # the codec the body was read with


class SilenceRow(SQLModel, table=True):
    """Alerts matching every given field (topic, source, receiver) between starts_at and ends_at are not
    sent; their outbox rows end in state ``silenced`` (visible, not lost)."""

    __tablename__ = "silence"

    id: int | None = Field(default=None, primary_key=True)
    topic: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=64)
    receiver: str | None = Field(default=None, max_length=128)
    # Alertmanager-style matchers beyond the three equality fields: [{"name", "op", "value"}, ...].
    matchers: list[dict[str, str]] | None = Field(default=None, sa_type=sa.JSON)
    starts_at: datetime = _utc()
    ends_at: datetime = _utc(index=True)
    reason: str
    created_by: str = Field(max_length=128)
    created_at: datetime = _utc()


class DigestRunRow(SQLModel, table=True):
    """One digest period. ``(digest_id, period_start)`` is unique: whichever instance inserts the row
    first owns that period, so a digest is sent once per period across restarts and instances."""

    __tablename__ = "digest_run"
    __table_args__ = (sa.UniqueConstraint("digest_id", "period_start", name="uq_digest_run_period"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: str = Field(max_length=64)
    period_start: datetime = _utc()
    period_end: datetime = _utc()
    state: str = Field(default="pending", max_length=16)  # pending|sending|sent|retry|failed|ambiguous
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    message_id: str = Field(max_length=255)
    items: int = 0
    result: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)  # per-recipient outcome
    unconfirmed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # see OutboxRow
    last_error: str | None = None
    sent_at: datetime | None = _utc(default=None, nullable=True)
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = _utc(default=None, nullable=True)


class MaintenanceRow(SQLModel, table=True):
    """A periodic job shared by every instance (``retention``): whoever claims the due row (a lease, as
    for sources) runs it, then sets the next due time; a dead runner's lease expires."""

    __tablename__ = "maintenance"

    name: str = Field(primary_key=True, max_length=32)
    next_due: datetime = _utc()
    last_run_at: datetime | None = _utc(default=None, nullable=True)
    last_result: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    lease_owner: str | None = Field(default=None, max_length=128)
    lease_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = _utc(default=None, nullable=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_revision() -> sa.ColumnElement[bool]:
    """The join condition of an item and its current (latest) revision."""
    return sa.and_(
        col(RevisionRow.item_id) == col(ItemRow.id), col(RevisionRow.seq) == col(ItemRow.revision_count)
    )

"""Plain data passed between pipeline stages.

Every stage of the pipeline (fetch -> parse -> identity -> diff -> match -> plan -> store) exchanges
these frozen values; none of them is an ORM row. The error tree for the whole daemon lives in
``monitor.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "Change",
    "ChangeKind",
    "Entry",
    "FetchOutcome",
    "FetchResult",
    "Item",
    "MatchedTerm",
    "Mention",
    "Parsed",
]


class FetchOutcome(StrEnum):
    """What a successful fetch produced."""

    OK = "ok"  # a body to parse
    NOT_MODIFIED = "not_modified"  # 304 after a conditional GET
    UNCHANGED = "unchanged"  # 200, but the body hash equals the previous one


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetch that got an acceptable answer. Failures raise ``monitor.errors.FetchError``."""

    outcome: FetchOutcome
    url: str  # the URL asked for
    final_url: str  # after redirects
    status_code: int
    headers: dict[str, str]  # response headers, lower-cased names
    body: bytes  # decoded (gunzipped) body; empty for NOT_MODIFIED
    body_hash: str | None  # sha256 hex of body; None for NOT_MODIFIED
    etag: str | None
    last_modified: str | None
    wire_bytes: int  # bytes received on the wire (compressed)
    elapsed_s: float
    # Server hint for the next poll (Cache-Control max-age / Expires / Retry-After), seconds.
    next_poll_hint_s: float | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry as a source adapter read it, before identity is decided."""

    title: str
    text: str  # plain text, HTML stripped, whitespace collapsed, no NULs
    link: str | None  # absolute http(s) URL, or None when missing/unsafe
    guid: str | None
    published_at: datetime | None  # the source's claim, tz-aware UTC, may be None
    tags: tuple[str, ...] = ()
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a source adapter read from one fetched body."""

    entries: list[Entry]
    encoding: str | None = None  # the text codec the body was read with (None: not text, e.g. 304)
    ttl_s: float | None = None  # the source's own "poll me at most this often" (RSS <ttl>), seconds
    notes: tuple[str, ...] = ()  # things worth a log line that are not errors
    next_url: str | None = None  # a listing's next page, when the adapter found one
    # Where an item's full text is, by canonical URL, when the source says (Federal Register raw text).
    full_text_urls: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Item:
    """An entry with its identity decided (see ``monitor.identity``)."""

    key: str  # unique within one source
    key_kind: str  # "guid" | "url" | "hash"
    canonical_url: str | None
    guid: str | None
    title: str
    text: str
    published_at: datetime | None
    content_hash: str  # sha256 of normalised title + text
    tags: tuple[str, ...] = ()
    lang: str | None = None


class ChangeKind(StrEnum):
    NEW = "new"
    REVISED = "revised"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Change:
    """How one fetched item relates to what is stored."""

    kind: ChangeKind
    item: Item
    previous_title: str | None = None  # for REVISED: the stored revision's title
    previous_text: str | None = None  # for REVISED: the stored revision's text


@dataclass(frozen=True, slots=True)
class MatchedTerm:
    term: str  # the configured keyword that matched
    field: str  # "title" | "text"
    start: int
    end: int
    matched: str  # the text actually matched


@dataclass(frozen=True, slots=True)
class Mention:
    topic_id: str
    terms: tuple[MatchedTerm, ...]
    snippet: str
    facts: dict[str, object] = field(default_factory=dict)

"""The feeds.yaml schema: pydantic models, ``extra="forbid"``, frozen.

The loader (``monitor.config.loader``) turns validation errors into ``file:line key: reason`` lines;
messages raised here are the *reason* part and must read well after ``sources[3].every:``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.config.kinds import HtmlSelect, JsonApi

__all__ = [
    "AlertKind",
    "Config",
    "ConsoleReceiver",
    "Digest",
    "Duration",
    "EmailReceiver",
    "Receiver",
    "Retention",
    "Route",
    "RouteMatch",
    "SlackReceiver",
    "Smtp",
    "Source",
    "Topic",
    "WebhookReceiver",
    "Window",
    "parse_duration",
    "quote",
]

_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_MAX_DURATION = timedelta(days=365)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def quote(value: object) -> str:
    """A value as it appears in a message: text in double quotes (JSON escapes), anything else plain."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def parse_duration(value: object, *, longest: timedelta = _MAX_DURATION) -> timedelta:
    """``"15m"``, ``"1h30m"``, ``"90s"``, ``"2d"`` or a number of seconds -> timedelta, at most
    ``longest`` (a config interval: 365 days; a look back over history passes its own)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{quote(value)} is not a duration; use e.g. 15m")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{quote(value)} is not a positive duration; use e.g. 15m")
        if value > longest.total_seconds():
            raise ValueError(f"{quote(value)} is longer than {longest.days} days")
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        text = value.strip().replace(" ", "") if re.fullmatch(r"[\dhdms ]+", value.strip()) else value
        m = _DURATION_RE.match(text) if text else None
        if m and any(m.groups()):
            d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            # int seconds first: timedelta() overflows (an OverflowError, not a ValueError) past ~2.7M years
            if d * 86400 + h * 3600 + mi * 60 + s > longest.total_seconds():
                raise ValueError(f"{quote(value)} is longer than {longest.days} days")
            td = timedelta(days=d, hours=h, minutes=mi, seconds=s)
            if td.total_seconds() > 0:
                return td
    raise ValueError(f"{quote(value)} is not a duration; use e.g. 15m")


def _check_http_url(v: str) -> str:
    try:
        parts = urlsplit(v)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unbalanced "[" in the host
        ok = False
    if not ok:
        raise ValueError(f"{quote(v)} is not an http(s) URL")
    return v


def _check_term(term: str) -> str:
    if not term.strip() or term.strip() == "*":
        raise ValueError(f"{quote(term)} is not a usable term")
    return term


def _check_email(address: str) -> str:
    if not _EMAIL_RE.match(address):
        raise ValueError(f"{quote(address)} is not an e-mail address")
    return address


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Slug = Annotated[str, Field(pattern=_SLUG_RE.pattern, description="lower-case id: a-z 0-9 . _ -")]
AlertKind = Literal["new", "revised", "also-reported", "withdrawn", "source-health"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Checked one by one, so that an error names the entry (keywords[2], to[0]) and its line.
Term = Annotated[str, AfterValidator(_check_term)]
Email = Annotated[str, AfterValidator(_check_email)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """One thing to poll."""

    id: Slug
    title: str | None = None
    kind: Literal["feed", "html", "json_api"] = "feed"
    url: str
    select: HtmlSelect | None = None  # kind: html (monitor.config.kinds)
    api: JsonApi | None = None  # kind: json_api
    timezone: str = "UTC"  # dates a listing prints without a time or a year are read in this zone
    # Fetch each new item's page (politely, within the poll's deadline) and match on its main text.
    full_text: bool = False
    full_text_max: int = Field(5, ge=1, le=50)  # page fetches per poll
    every: Duration = timedelta(minutes=15)
    # Adaptive polling: between these, by the source's publishing at this time of week (schedule.py).
    every_min: Duration | None = None
    every_max: Duration | None = None
    jitter: float = Field(0.1, ge=0, le=0.5)  # fraction of `every`, spread both ways
    timeout: Duration = timedelta(seconds=10)  # connect and read timeout
    deadline: Duration = timedelta(seconds=30)  # total time for one fetch
    max_bytes: int = Field(10_000_000, gt=0)  # cap on wire and on decoded size
    max_entries: int = Field(500, gt=0)  # entries read from one fetch
    # A source failing for this long raises a source-health alert (and a resolved one on recovery).
    health_alert_after: Duration = timedelta(hours=6)
    tags: tuple[str, ...] = ()
    lang: str | None = None  # "en", "ja": overrides what the feed says
    # Concept names its items imply (a Japanese ministry speaks for Japan): @japan holds without 日本.
    implies: tuple[str, ...] = ()
    enabled: bool = True
    # A primary source publishes the statements themselves (a government); its item leads a story that
    # news reports started ("official statement published"). Unset: true for sources tagged us-gov or jp-gov.
    primary: bool | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        return _check_http_url(v)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)

    @property
    def is_primary(self) -> bool:
        if self.primary is not None:
            return self.primary
        return bool({"us-gov", "jp-gov"} & set(self.tags))

    @model_validator(mode="after")
    def _deadline_covers_timeout(self) -> Source:
        if self.deadline < self.timeout:
            raise ValueError("deadline must be at least timeout")
        return self

    @model_validator(mode="after")
    def _every_bounds(self) -> Source:
        if self.every_min is not None and self.every_min > self.every:
            raise ValueError("every_min must be at most every")
        if self.every_max is not None and self.every_max < self.every:
            raise ValueError("every_max must be at least every")
        return self

    @model_validator(mode="after")
    def _kind_settings(self) -> Source:
        if self.kind == "html" and self.select is None:
            raise ValueError("kind: html needs select: (at least item: a CSS selector)")
        if self.kind == "json_api" and self.api is None:
            raise ValueError("kind: json_api needs api: (preset: federal_register, or paths)")
        if self.select is not None and self.kind != "html":
            raise ValueError("select: is only for kind: html")
        if self.api is not None and self.kind != "json_api":
            raise ValueError("api: is only for kind: json_api")
        return self


FactKind = Literal["money", "rates", "fms", "dates"]


class Concept(_Model):
    """A named query used in other queries as ``@name`` (``monitor.match.concepts``). ``mask`` lists
    phrases in which the concept's terms do not count (``Bank of Japan`` is not the Japanese state).
    In feeds.yaml a concept is either this mapping or just its query string. ``actor: true`` marks
    who acts (Japan, the US) as opposed to what about (tariffs): near misses of the "no @name" kind are
    only tried for actor concepts when any concept is marked (all concepts otherwise)."""

    title: str | None = None
    query: str
    mask: tuple[str, ...] = ()
    actor: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: object) -> object:
        return {"query": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _parses(self) -> Concept:
        from monitor.match.concepts import parse_concept
        from monitor.match.query import QuerySyntaxError

        try:
            parse_concept("", self.query, self.mask)
        except QuerySyntaxError as e:
            raise ValueError(f"column {e.column}: {e.message}") from None
        return self


class Topic(_Model):
    """What to look for. Either a ``query`` in the query language (README "Topic queries": AND, OR, NOT,
    "phrases", wildcards, NEAR/n, field scopes) or the simple keyword form: any of ``keywords``, one term
    of each ``requires`` group, none of ``excludes``. ``facts`` lists the fact kinds to extract and keep
    with each mention; ``where`` is a predicate over them that must hold too."""

    id: Slug
    title: str | None = None
    query: str | None = None
    keywords: tuple[Term, ...] = ()
    requires: tuple[tuple[Term, ...], ...] = ()
    excludes: tuple[Term, ...] = ()
    facts: tuple[FactKind, ...] = ()
    where: str | None = None

    @field_validator("keywords")
    @classmethod
    def _keywords_given(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("needs at least one entry")
        return v

    @field_validator("requires")
    @classmethod
    def _non_empty_groups(cls, v: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        if any(not group for group in v):
            raise ValueError("each requires group needs at least one term")
        return v

    @field_validator("query")
    @classmethod
    def _query_parses(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return v
        from monitor.match.query import QuerySyntaxError, parse_query

        try:
            parse_query(v)
        except QuerySyntaxError as e:
            raise ValueError(f"topic '{info.data.get('id', '?')}': column {e.column}: {e.message}") from None
        return v

    @field_validator("where")
    @classmethod
    def _where_compiles(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return v
        from monitor.match.predicate import PredicateError, compile_where

        try:
            compile_where(v)
        except PredicateError as e:
            raise ValueError(f"topic '{info.data.get('id', '?')}': column {e.column}: {e.message}") from None
        return v

    @model_validator(mode="after")
    def _one_form(self) -> Topic:
        if self.query is None and not self.keywords:
            raise ValueError("give a query (or keywords)")
        if self.query is not None and (self.keywords or self.requires or self.excludes):
            raise ValueError("give either a query or keywords/requires/excludes, not both")
        return self


class RouteMatch(_Model):
    """All given fields must match; an empty field matches anything."""

    topic: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    lang: tuple[str, ...] = ()
    kind: tuple[AlertKind, ...] = ()


def _check_tz(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{quote(v)} is not a time zone; use e.g. Asia/Tokyo") from None
    return v


class Window(_Model):
    """When a route may notify: ``days`` between ``start`` and ``end`` local time in ``timezone``
    (``end`` before ``start`` spans midnight). Outside it an alert is held until the window opens
    (``outside: hold``) or left to the digests (``outside: digest``: not sent to this route's receivers)."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    start: str = "00:00"
    end: str = "24:00"
    timezone: str = "UTC"
    outside: Literal["hold", "digest"] = "hold"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", v):
            raise ValueError(f"{quote(v)} is not a time of day; use HH:MM, e.g. 08:00")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)


class Route(_Model):
    match: RouteMatch = RouteMatch()
    to: tuple[str, ...] = Field(min_length=1)
    # Alertmanager semantics: routes are tried in order; the first match wins unless it says continue.
    continue_: bool = Field(False, alias="continue")
    window: Window | None = None  # quiet hours: notify only inside this window
    # Updates of one story (revisions, also-reported) reach a receiver at most once per `repeat`.
    repeat: Duration | None = None
    # Wait this long before the first message; alerts of the same story queued meanwhile join it.
    group_wait: Duration | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConsoleReceiver(_Model):
    kind: Literal["console"] = "console"
    template: str = "console.txt.j2"
    timezone: str = "UTC"  # times in alerts are shown in this IANA zone (Asia/Tokyo)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)


class SlackReceiver(_Model):
    """Slack through the Web API (``mode: api``: a bot token, a channel id; threads, reconciliation) or an
    incoming webhook (``mode: webhook``: the webhook URL is a secret, read from ``url_env``)."""

    kind: Literal["slack"]
    mode: Literal["api", "webhook"] = "api"
    channel: str | None = None  # a channel id (C0123ABCDEF), needed in api mode
    token_env: str = "SLACK_BOT_TOKEN"  # name of the environment variable holding the bot token
    url_env: str | None = None  # name of the environment variable holding the webhook URL
    template: str = "slack_alert.json.j2"
    pace_s: float = Field(1.0, ge=0)  # at most one message per pace_s per channel
    timezone: str = "UTC"  # times in alerts are shown in this IANA zone (Asia/Tokyo)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)

    @model_validator(mode="after")
    def _mode_needs(self) -> SlackReceiver:
        if self.mode == "api" and not self.channel:
            raise ValueError("channel is required in api mode (a channel id such as C0123ABCDEF)")
        if self.mode == "webhook" and not self.url_env:
            raise ValueError("url_env is required in webhook mode (the variable holding the webhook URL)")
        return self


class EmailReceiver(_Model):
    kind: Literal["email"]
    to: tuple[Email, ...] = Field(min_length=1)


class WebhookReceiver(_Model):
    """POST each alert as JSON, signed with HMAC-SHA256 when ``secret_env`` names a secret."""

    kind: Literal["webhook"]
    url: str
    secret_env: str | None = None
    template: str = "webhook.json.j2"
    # The template's `when` filter and its `timezone` value use this IANA zone; raw ISO times stay UTC.
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        return _check_http_url(v)


Receiver = Annotated[
    ConsoleReceiver | SlackReceiver | EmailReceiver | WebhookReceiver, Field(discriminator="kind")
]


class Digest(_Model):
    """A scheduled e-mail of the period's news for some topics: daily ``at`` a local time, or on a
    ``cron`` line, both in ``timezone``. Sent once per period (a digest_run row per period)."""

    to: tuple[Email, ...] = Field(min_length=1)
    title: str | None = None
    at: str = "07:30"
    cron: str | None = None  # e.g. "30 7 * * 1-5": weekdays at 07:30; overrides `at`
    timezone: str = "UTC"
    topics: tuple[str, ...] = ()  # empty: every topic

    @field_validator("cron")
    @classmethod
    def _crontab(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from monitor.schedule import crontab_trigger

        try:
            crontab_trigger(v)
        except ValueError as e:
            raise ValueError(f'{quote(v)} is not a crontab line ({e}); use e.g. "30 7 * * 1-5"') from None
        return v

    @field_validator("at", mode="before")
    @classmethod
    def _sexagesimal(cls, v: object) -> object:
        # YAML 1.1 reads an unquoted 7:30 as the base-60 number 450; say so instead of "not a string".
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 24 * 60:
            h, m = divmod(v, 60)
            raise ValueError(f'YAML read {h}:{m:02d} as a number; quote the time, e.g. "{h:02d}:{m:02d}"')
        return v

    @field_validator("at")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v):
            raise ValueError(f"{quote(v)} is not a time of day; use HH:MM, e.g. 07:30")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _check_tz(v)


class Retention(_Model):
    """How long stored history is kept (the daily maintenance job prunes past these; see README).
    Items themselves, withdrawal tombstones and current revisions are never pruned."""

    poll_log: Duration = timedelta(days=30)  # one row per fetch: the bulk of a busy database
    revision_bodies: Duration = timedelta(days=180)  # text of superseded revisions (title and hash stay)
    deliveries: Duration = timedelta(days=90)  # sent/failed outbox rows: the dedupe horizon
    every: Duration = timedelta(days=1)


class Smtp(_Model):
    """The mail server for digests. Credentials only from the environment, and only ever sent over TLS."""

    host: str
    port: int = Field(587, gt=0, lt=65536)
    starttls: bool = True  # upgrade with STARTTLS, verified against the system trust store
    implicit_tls: bool = False  # TLS from the first byte (port 465)
    username_env: str | None = None
    password_env: str | None = None
    sender: Email
    timeout: Duration = timedelta(seconds=30)


def _default_receivers() -> dict[str, Receiver]:
    return {"console": ConsoleReceiver()}


class Config(_Model):
    sources: tuple[Source, ...] = ()
    concepts: dict[str, Concept] = Field(default_factory=dict)
    topics: tuple[Topic, ...] = ()
    routes: tuple[Route, ...] = ()
    receivers: dict[str, Receiver] = Field(default_factory=_default_receivers)
    digests: dict[str, Digest] = Field(default_factory=dict)
    smtp: Smtp | None = None  # without it, digests are printed to the console
    # A directory of templates overriding the bundled alerts/ ones by file name (relative to feeds.yaml).
    templates: Path | None = None
    # Receivers told when a delivery fails permanently (a 4xx from Slack, a refused mailbox...).
    operator: tuple[str, ...] = ()
    retention: Retention = Field(default_factory=Retention)  # how long history is kept

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)

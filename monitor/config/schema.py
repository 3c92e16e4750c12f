"""The feeds.yaml schema: pydantic models, ``extra="forbid"``, frozen. This module holds what is watched
(sources, concepts, topics), how long history is kept, and the root ``Config``; where alerts go (routes,
receivers, digests, SMTP) is ``monitor.config.delivery``, the value types and checks both use
``monitor.config.fields``.

The loader (``monitor.config.loader``) turns validation errors into ``file:line key: reason`` lines;
messages raised here are the *reason* part and must read well after ``sources[3].every:``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from monitor.config.delivery import ConsoleReceiver, Digest, Receiver, Route, Smtp
from monitor.config.fields import Duration, HttpUrl, LangTag, Slug, Term, TimeZone, _Model
from monitor.config.kinds import HtmlSelect, JsonApi
from monitor.story_terms import FIRMS

__all__ = ["Concept", "Config", "Retention", "Source", "Topic"]


class Source(_Model):
    """One thing to poll."""

    id: Slug
    title: str | None = None
    kind: Literal["feed", "html", "json_api"] = "feed"
    url: HttpUrl
    select: HtmlSelect | None = None  # kind: html (monitor.config.kinds)
    api: JsonApi | None = None  # kind: json_api
    timezone: TimeZone = "UTC"  # dates a listing prints without a time or a year are read in this zone
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
    lang: LangTag | None = None  # "en", "ja": overrides what the feed says
    # Concept names its items imply (a Japanese ministry speaks for Japan): @japan holds without 日本.
    implies: tuple[str, ...] = ()
    enabled: bool = True
    # A primary source publishes the statements themselves (a government); its item leads a story that
    # news reports started ("official statement published"). Unset: true for sources tagged us-gov or jp-gov.
    primary: bool | None = None
    # The company whose own newsroom this is (a firm of monitor.story_terms.FIRMS: mhi, tokyoelectron):
    # its releases (当社は..., "the company") are about it, named or not. Unset: the one firm the id or
    # title names.
    company: str | None = None

    @property
    def is_primary(self) -> bool:
        if self.primary is not None:
            return self.primary
        return bool({"us-gov", "jp-gov"} & set(self.tags))

    @property
    def firm(self) -> str | None:
        """The company part (``actor:mhi``) its items' signatures carry: ``company``, or the one firm its
        id or title names (``story_signature.source_firm``)."""
        if self.company is not None:
            return f"actor:{self.company}"
        from monitor.story_signature import source_firm  # loaded with the stories, not with the config

        return source_firm(self.id, self.title)

    @field_validator("company")
    @classmethod
    def _known_company(cls, v: str | None) -> str | None:
        if v is not None and f"actor:{v}" not in FIRMS:
            import difflib

            known = sorted(f.removeprefix("actor:") for f in FIRMS)
            close = difflib.get_close_matches(
                v.lower().replace(" ", "").replace("-", ""), known, n=3, cutoff=0.75
            )
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise ValueError(
                f"unknown company {v!r}: {hint}the companies pressmon knows are {', '.join(known)}; "
                "or leave `company:` out"
            )
        return v

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


class Retention(_Model):
    """How long stored history is kept (the daily maintenance job prunes past these; see README).
    Items themselves, withdrawal tombstones and current revisions are never pruned."""

    poll_log: Duration = timedelta(days=30)  # one row per fetch: the bulk of a busy database
    revision_bodies: Duration = timedelta(days=180)  # text of superseded revisions (title and hash stay)
    deliveries: Duration = timedelta(days=90)  # sent/failed outbox rows: the dedupe horizon
    every: Duration = timedelta(days=1)


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

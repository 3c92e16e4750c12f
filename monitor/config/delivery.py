"""Where alerts and digests go, as feeds.yaml says it: routes (what they match, quiet-hours windows, repeat
and group_wait), the receivers (console, Slack, e-mail, webhook), digests and the SMTP server.

Pydantic models, ``extra="forbid"``, frozen (``monitor.config.fields``); ``monitor.config.schema`` holds
the root ``Config`` that names them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from monitor.config.fields import (
    AlertKind,
    Duration,
    Email,
    HttpUrl,
    LangTag,
    TimeZone,
    Weekday,
    _Model,
    quote,
)

__all__ = [
    "ConsoleReceiver",
    "Digest",
    "EmailReceiver",
    "Receiver",
    "Route",
    "RouteMatch",
    "SlackReceiver",
    "Smtp",
    "WebhookReceiver",
    "Window",
]


class RouteMatch(_Model):
    """All given fields must match; an empty field matches anything."""

    topic: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    lang: tuple[LangTag, ...] = ()
    kind: tuple[AlertKind, ...] = ()


class Window(_Model):
    """When a route may notify: ``days`` between ``start`` and ``end`` local time in ``timezone``
    (``end`` before ``start`` spans midnight). Outside it an alert is held until the window opens
    (``outside: hold``) or left to the digests (``outside: digest``: not sent to this route's receivers)."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    start: str = "00:00"
    end: str = "24:00"
    timezone: TimeZone = "UTC"
    outside: Literal["hold", "digest"] = "hold"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", v):
            raise ValueError(f"{quote(v)} is not a time of day; use HH:MM, e.g. 08:00")
        return v


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
    timezone: TimeZone = "UTC"  # times in alerts are shown in this IANA zone (Asia/Tokyo)


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
    timezone: TimeZone = "UTC"  # times in alerts are shown in this IANA zone (Asia/Tokyo)

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
    url: HttpUrl
    secret_env: str | None = None
    template: str = "webhook.json.j2"
    # The template's `when` filter and its `timezone` value use this IANA zone; raw ISO times stay UTC.
    timezone: TimeZone = "UTC"


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
    timezone: TimeZone = "UTC"
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

"""The value types feeds.yaml's models are built from, and their checks: durations (``parse_duration``,
``Duration``), slugs, terms, e-mail addresses, http(s) URLs and time zones, the alert kinds and weekdays,
the frozen ``extra="forbid"`` base model, and ``quote`` (a value as an error message shows it).

Messages raised here are the *reason* part of a ``file:line key: reason`` line (``monitor.config.loader``)
and must read well after ``sources[3].every:``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "AlertKind",
    "Duration",
    "Email",
    "HttpUrl",
    "LangTag",
    "Slug",
    "Term",
    "TimeZone",
    "Weekday",
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


def _check_lang(tag: str) -> str:
    from monitor.langtag import is_tag

    if not is_tag(tag):
        raise ValueError(f"{quote(tag)} is not a language tag; use one like en, ja or en-us")
    return tag


LangTag = Annotated[str, AfterValidator(_check_lang)]  # en, ja, en-US (read by monitor.langtag)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_tz(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{quote(v)} is not a time zone; use e.g. Asia/Tokyo") from None
    return v


TimeZone = Annotated[str, AfterValidator(_check_tz)]  # an IANA zone name (Asia/Tokyo)
HttpUrl = Annotated[str, AfterValidator(_check_http_url)]  # an http(s) URL with a host

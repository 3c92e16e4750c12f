"""Silences (pure): does an active silence cover this alert at this receiver?

A silence names any of topic, source and receiver (equality), and any number of Alertmanager-style
matchers ``name op value`` on ``topic``, ``source``, ``receiver`` and ``kind`` with ``op`` one of ``=``,
``!=``, ``=~`` (the regular expression matches the whole value) and ``!~``. Every field and matcher
must match. An alert matches ``topic=X`` when X is among the topics it fired for, ``topic!=X`` when it is
not, ``topic=~R`` when one of its topics matches R, ``topic!~R`` when none does. Source-health and
operator alerts have no topics: ``topic=...`` and ``topic=~...`` never match them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["MATCHER_NAMES", "Matcher", "Silence", "covering", "parse_matcher"]

MATCHER_NAMES = ("topic", "source", "receiver", "kind")
_MATCHER = re.compile(r"^\s*(?P<name>[a-z_]+)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*?)\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str  # topic | source | receiver | kind
    op: str  # = | != | =~ | !~
    value: str

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"

    def matches(self, values: Iterable[str]) -> bool:
        """Whether the alert's values for ``name`` (several for topics, one otherwise) satisfy this."""
        vals = list(values)
        if self.op in ("=~", "!~"):
            rx = re.compile(self.value)
            hit = any(rx.fullmatch(v) for v in vals)
        else:
            hit = self.value in vals
        return hit if self.op in ("=", "=~") else not hit

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "op": self.op, "value": self.value}


def parse_matcher(text: str) -> Matcher:
    """``topic=tariffs-japan``, ``source=~nikkei|kyodo``, ``kind!=revised``; ValueError saying why not."""
    m = _MATCHER.match(text)
    if not m:
        raise ValueError(
            f'"{text}" is not a matcher; write NAME=VALUE, NAME!=VALUE, NAME=~REGEX or NAME!~REGEX'
        )
    name, op, value = m.group("name"), m.group("op"), m.group("value").strip("\"'")
    if name not in MATCHER_NAMES:
        raise ValueError(f'"{text}": {name} cannot be matched; use one of {", ".join(MATCHER_NAMES)}')
    if not value:
        raise ValueError(f'"{text}": empty value')
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as e:
            raise ValueError(f'"{text}": not a regular expression ({e})') from None
    return Matcher(name, op, value)


def alert_values(alert: Mapping[str, Any], receiver: str, name: str) -> list[str]:
    if name == "topic":
        return [str(t.get("id")) for t in alert.get("topics") or [] if isinstance(t, Mapping)]
    if name == "receiver":
        return [receiver]
    key = "source_id" if name == "source" else name
    value = alert.get(key)
    return [str(value)] if value is not None else []


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    topic: str | None
    source: str | None
    receiver: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str = ""
    matchers: tuple[Matcher, ...] = ()

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def covers(self, alert: Mapping[str, Any], receiver: str) -> bool:
        if self.receiver is not None and self.receiver != receiver:
            return False
        if self.source is not None and self.source != alert.get("source_id"):
            return False
        if self.topic is not None:
            topics = {t.get("id") for t in alert.get("topics") or [] if isinstance(t, Mapping)}
            if self.topic not in topics:
                return False
        return all(m.matches(alert_values(alert, receiver, m.name)) for m in self.matchers)

    def describe(self) -> str:
        """``topic=tariffs-japan source=~nikkei|kyodo``: every condition, for listings."""
        parts = [
            f"{n}={v}"
            for n, v in (("topic", self.topic), ("source", self.source), ("receiver", self.receiver))
            if v
        ]
        return " ".join([*parts, *(str(m) for m in self.matchers)]) or "*"


def covering(
    silences: Iterable[Silence], alert: Mapping[str, Any], receiver: str, now: datetime
) -> Silence | None:
    """The first active silence covering this alert at this receiver, if any."""
    for s in silences:
        if s.active(now) and s.covers(alert, receiver):
            return s
    return None

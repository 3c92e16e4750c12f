"""Silences (pure): does an active silence cover this alert at this receiver?

A silence names any of topic, source and receiver; every field it names must match (an alert matches a
topic when that topic is among the topics it fired for). Source-health and operator alerts match on
source and receiver only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Silence", "covering"]


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
        return True


def covering(
    silences: Iterable[Silence], alert: Mapping[str, Any], receiver: str, now: datetime
) -> Silence | None:
    """The first active silence covering this alert at this receiver, if any."""
    for s in silences:
        if s.active(now) and s.covers(alert, receiver):
            return s
    return None

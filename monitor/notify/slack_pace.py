"""How often the Slack receivers post: one lock and next-allowed time per ``(base_url, channel)``.

Pacing: at most one post per ``pace_s`` (1 s) per channel. Posts to one ``(base_url, channel)`` share a
lock and a next-allowed time across notifier instances (per event loop); the wait is measured from the
previous post's *answer*, so Slack's receive times are spaced too. After a 429 the channel is held for
Retry-After: a send during the hold raises a retryable ``DeliveryError`` without calling Slack.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from monitor.errors import DeliveryError
from monitor.notify.slack_errors import SlackError

__all__ = ["Pace", "pace_for", "paced"]


@dataclass
class Pace:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float | None = None  # earliest time of the next post (previous answer + pace)
    hold_until: float | None = None  # Slack's Retry-After


_PACES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], Pace]] = (
    weakref.WeakKeyDictionary()
)


def pace_for(key: tuple[str, str]) -> Pace:
    per_loop = _PACES.setdefault(asyncio.get_running_loop(), {})
    pace = per_loop.get(key)
    if pace is None:
        pace = per_loop[key] = Pace()
    return pace


async def paced(
    key: tuple[str, str],
    call: Callable[[], Awaitable[Any]],
    *,
    receiver: str,
    where: str,
    pace_s: float,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[Any]],
    prefix: str,
) -> Any:
    pace = pace_for(key)
    async with pace.lock:
        now = clock()
        if pace.hold_until is not None and pace.hold_until > now:
            wait = pace.hold_until - now
            raise SlackError(
                receiver,
                "ratelimited",
                f"{where}; holding off {wait:.1f}s after Slack's Retry-After",
                retryable=True,
                retry_after_s=wait,
                prefix=prefix,
            )
        if pace.next_at is not None and pace.next_at > now:
            await sleep(pace.next_at - now)
        try:
            return await call()
        except DeliveryError as e:
            if e.retry_after_s is not None:
                pace.hold_until = clock() + e.retry_after_s
            raise
        finally:
            pace.next_at = clock() + pace_s

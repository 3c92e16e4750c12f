"""When to poll a source next (pure).

The interval itself is ``every``, or, for a source with ``every_min``/``every_max``, what
:func:`adaptive_every` makes of its observed publishing at this time of the week.

After a success: the configured interval, jittered, but never sooner than a server hint (Cache-Control
max-age / Expires), and never later than 4x the interval because of one.
After an error: exponential backoff from the interval (x2 per consecutive error), capped at
``MAX_BACKOFF``, jittered; a Retry-After from the server is a floor. It never gives up: a failing source is
retried at least every ``MAX_BACKOFF`` forever (Miniflux's "stop after 3 errors" is what we avoid).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

__all__ = [
    "ADAPT_LOOKBACK",
    "MAX_BACKOFF",
    "adaptive_every",
    "backoff_delay",
    "crontab_trigger",
    "digest_period",
    "next_due",
    "window_opens_at",
]

MAX_BACKOFF = timedelta(hours=4)


def backoff_delay(every: timedelta, error_streak: int) -> timedelta:
    """Delay after ``error_streak`` consecutive errors (1 = the first error)."""
    if error_streak <= 0:
        return every
    factor: int = 2 ** min(error_streak - 1, 20)
    delay: timedelta = min(max(every, timedelta(seconds=30)) * factor, max(MAX_BACKOFF, every))
    return delay


def next_due(
    *,
    now: datetime,
    every: timedelta,
    jitter: float,
    error_streak: int,
    rand: float,
    retry_after_s: float | None = None,
    hint_s: float | None = None,
) -> datetime:
    """The next time to poll. ``rand`` in [0, 1) is injected so tests are exact; ``jitter`` is a
    fraction of the delay spread both ways."""
    if error_streak > 0:
        delay = backoff_delay(every, error_streak)
    else:
        delay = every
        if hint_s is not None:
            delay = max(delay, min(timedelta(seconds=hint_s), every * 4))
    delay = delay * (1 + jitter * (2 * rand - 1))
    if retry_after_s is not None:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return now + delay


_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def crontab_trigger(line: str, tz: ZoneInfo | None = None) -> CronTrigger:
    """A crontab line (``minute hour day month day-of-week``) as an APScheduler trigger, with crontab's
    day numbers (0 and 7 = Sunday). APScheduler 3's own ``from_crontab`` counts 0 as Monday, so
    ``1-5`` would silently mean Tuesday to Saturday."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f"a crontab line has 5 fields, got {len(fields)}")
    minute, hour, day, month, dow = fields

    def name(m: re.Match[str]) -> str:
        n = int(m.group())
        if n > 7:
            raise ValueError(f"day of week {n} is not 0-7")
        return _DOW[n]

    # Numbers in the day-of-week field are days, except a step after "/".
    dow = re.sub(r"(?<![/\d])\d+", name, dow)
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=tz or UTC)


def digest_period(
    *, now: datetime, tz: str, at: str | None = None, cron: str | None = None
) -> tuple[datetime, datetime]:
    """The latest complete digest period ``[start, end)`` with ``end <= now``, in aware UTC.

    ``at`` ("07:30") means daily at that local time in ``tz`` (DST-correct: a period is one local day,
    23 or 25 hours around a change); ``cron`` is a crontab line evaluated in ``tz`` (the period runs from
    the previous fire time to the latest one)."""
    zone = ZoneInfo(tz)
    if cron is not None:
        trigger = crontab_trigger(cron, zone)
        fires: list[datetime] = []
        t: datetime | None = trigger.get_next_fire_time(None, now - timedelta(days=32))
        while t is not None and t <= now:
            fires.append(t)
            t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
        if len(fires) < 2:
            raise ValueError(f"cron {cron!r} fires less than twice in 32 days")
        return fires[-2].astimezone(UTC), fires[-1].astimezone(UTC)
    hh, mm = (int(x) for x in (at or "07:30").split(":"))
    local = now.astimezone(zone)
    end_day = local.date() if (local.hour, local.minute) >= (hh, mm) else local.date() - timedelta(days=1)
    end = datetime.combine(end_day, time(hh, mm), tzinfo=zone)
    start = datetime.combine(end_day - timedelta(days=1), time(hh, mm), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def window_opens_at(
    *, now: datetime, days: tuple[str, ...], start: str, end: str, tz: str
) -> datetime | None:
    """None when ``now`` is inside the window (``days``, ``start``-``end`` local time in ``tz``; an
    ``end`` before ``start`` spans midnight, the day being the one it starts on); else when it next
    opens, in aware UTC."""
    zone = ZoneInfo(tz)
    sh, sm = (int(x) for x in start.split(":"))
    eh, em = (int(x) for x in end.split(":"))
    start_min, end_min = sh * 60 + sm, eh * 60 + em
    local = now.astimezone(zone)

    def opening(day: datetime) -> datetime:
        return datetime.combine(day.date(), time(0, 0), tzinfo=zone) + timedelta(minutes=start_min)

    for back in (1, 0):  # a window that started yesterday may still be open (spans midnight)
        day = local - timedelta(days=back)
        if _WEEKDAYS[day.weekday()] not in days:
            continue
        opens = opening(day)
        length = (end_min - start_min) % (24 * 60) or 24 * 60
        if opens <= local < opens + timedelta(minutes=length):
            return None
    for ahead in range(0, 8):
        day = local + timedelta(days=ahead)
        if _WEEKDAYS[day.weekday()] in days and opening(day) > local:
            return opening(day).astimezone(UTC)
    return None  # no day listed: never open (config prevents this)


# --- adaptive intervals ---------------------------------------------------------------------------

ADAPT_LOOKBACK = timedelta(days=28)
_SLOT = timedelta(hours=3)  # the hour-of-week window around now that is compared across weeks
_WEEK = timedelta(days=7)
_POLLS_PER_ITEM = 2  # poll about twice per expected statement


def adaptive_every(
    *,
    every: timedelta,
    every_min: timedelta | None,
    every_max: timedelta | None,
    seen: Sequence[datetime],
    history_start: datetime | None,
    now: datetime,
) -> timedelta:
    """The polling interval for a source from its own publishing, within ``[every_min, every_max]``.

    ``seen`` are the times pressmon first saw the source's statements (after its baseline) in the last
    ``ADAPT_LOOKBACK``; ``history_start`` is the source's first poll. The rate that counts is the one at
    this time of the week: statements first seen within 90 minutes either side of now's hour-of-week, in
    each past week of history. A source that publishes hourly on weekday afternoons is polled about every
    30 minutes then, and at ``every_max`` at night and at weekends when it never publishes.

    Without bounds configured, or with less than a day of history, it is ``every``.
    """
    if every_min is None and every_max is None:
        return every
    lo = every_min or min(every, every_max or every)
    hi = every_max or max(every, lo)
    if history_start is None or now - history_start < timedelta(days=1):
        return min(max(every, lo), hi)
    span = min(now - history_start, ADAPT_LOOKBACK)
    weeks = max(span / _WEEK, 1.0)
    half = _SLOT / 2
    in_slot = 0
    for t in seen:
        if not now - span - half <= t <= now:  # the oldest week's window reaches half a slot further
            continue
        offset = (now - t) % _WEEK  # how far back t is, modulo whole weeks
        if offset <= half or offset >= _WEEK - half:
            in_slot += 1
    if in_slot == 0:
        return hi
    per_hour = in_slot / (weeks * (_SLOT / timedelta(hours=1)))
    interval = timedelta(hours=1) / (per_hour * _POLLS_PER_ITEM)
    return min(max(interval, lo), hi)

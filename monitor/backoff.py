"""Per-loop liveness and database-outage backoff for the daemon (RELIABILITY 31).

Each of the daemon's loops (polls, deliveries, digests, maintenance) has a :class:`LoopState`: when it
last ticked (``/healthz`` reads that) and, during a failure streak, when it may try again. A streak
waits 1 s, 2 s, 4 s ... up to a cap, and is one log line when it starts and one when it ends, however
long it lasts. Pure: callers pass the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LoopState", "is_database_error"]


def is_database_error(exc: BaseException) -> bool:
    """An error that says the database is unreachable or refused us (as opposed to a bug)."""
    import sqlalchemy as sa

    from monitor.errors import StoreError

    if isinstance(exc, StoreError):
        return True
    return isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or (
        isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
    )


@dataclass
class LoopState:
    name: str
    base_s: float = 1.0
    cap_s: float = 60.0
    last_tick: float | None = None  # monotonic seconds of the last tick (attempted or skipped)
    last_ok: float | None = None
    failures: int = 0
    retry_at: float = 0.0
    first_error: str | None = None
    failed_at: float = 0.0

    def tick(self, now: float) -> bool:
        """Record a tick; True if the loop may do its work now (not waiting out a failure streak)."""
        self.last_tick = now
        return now >= self.retry_at

    def failed(self, now: float, error: str) -> str | None:
        """Count a failure and schedule the next try; the line to log if this starts a streak."""
        self.failures += 1
        self.failed_at = now
        self.retry_at = now + min(self.cap_s, self.base_s * 2 ** (self.failures - 1))
        if self.failures == 1:
            self.first_error = error
            return (
                f"daemon: {self.name}: database unavailable ({error}); "
                f"retrying with backoff up to {self.cap_s:g}s"
            )
        return None

    def succeeded(self, now: float, *, started: float | None = None) -> str | None:
        """End a streak; the line to log if one ended. Work ``started`` before the streak's latest
        failure (a pass that began before the outage and finished during it) ends nothing."""
        if started is not None and self.failures and started < self.failed_at:
            return None
        self.last_ok = now
        self.retry_at = 0.0
        if self.failures == 0:
            return None
        n, self.failures, self.first_error = self.failures, 0, None
        return f"daemon: {self.name}: database back after {n} failed attempt{'s' if n != 1 else ''}"

    def stale(self, now: float, max_age_s: float) -> bool:
        """Has this loop not ticked for ``max_age_s`` (the scheduler stuck, the event loop blocked)?"""
        return self.last_tick is None or now - self.last_tick > max_age_s

"""The operator knows: streaks of trouble that no single alert row shows, told once each.

Three kinds of streak, tracked in this process (each instance tells what it sees):

- a receiver whose sends keep failing (retryable errors: 5xx, timeouts, refused connections) for
  ``receiver_after``;
- an outbox whose oldest due row has waited ``stuck_after`` without being taken (the delivery loop is
  wedged, or no instance is delivering);
- a database that refuses writes (disk full, read-only, locked, unreachable) for ``store_after``.

Each streak gets one log line when it starts, one operator alert once it has lasted past its threshold,
and one log line when it ends: never one per attempt. Operator alerts go to the ``operator:`` receivers
other than the one in trouble. Receiver and outbox alerts are outbox rows (unique keys, so instances and
restarts do not repeat them); a database that refuses writes cannot queue anything, so that alert is
sent straight to the operator receivers, best effort, under the send deadline.

The daemon also writes a heartbeat file each tick (:class:`Heartbeat`) for ``pressmon health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from monitor.fault import one_line
from monitor.notify import Notifier
from monitor.notify.operator import operator_alert_rows
from monitor.notify.send import Outcome
from monitor.store.engine import sqlite_path, write_session
from monitor.store.outbox import insert_outbox_rows, oldest_due

__all__ = ["Heartbeat", "Watch", "heartbeat_path", "operator_alert_rows", "queue_rows"]

log = logging.getLogger("pressmon.watch")


@dataclass
class _Streak:
    since: datetime
    failures: int
    error: str
    alerted: bool = False
    quiet: bool = False  # its start and end are logged by someone else


class Watch:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        operators: Sequence[str],
        receiver_after: timedelta,
        stuck_after: timedelta,
        store_after: timedelta = timedelta(seconds=60),
        deadline_s: float = 30.0,
    ) -> None:
        self.engine = engine
        self.operators = tuple(operators)
        self.receiver_after = receiver_after
        self.stuck_after = stuck_after
        self.store_after = store_after
        self.deadline_s = deadline_s
        self.receivers: dict[str, _Streak] = {}
        self.store: _Streak | None = None
        self.stuck: _Streak | None = None

    # -- receivers ---------------------------------------------------------------------------------

    def delivery(self, receiver: str, outcome: Outcome, now: datetime) -> None:
        """Feed one delivery outcome (the lanes' ``on_outcome``)."""
        streak = self.receivers.get(receiver)
        if outcome.kind == "retried":
            if streak is None:
                self.receivers[receiver] = _Streak(now, 1, outcome.error or "unknown error")
                log.warning(
                    "deliver: %s: failing: %s; retrying with backoff (logged once until it recovers)",
                    receiver,
                    outcome.error,
                )
            else:
                streak.failures += 1
                streak.error = outcome.error or streak.error
        elif outcome.kind == "sent" and streak is not None:
            del self.receivers[receiver]
            log.info(
                "deliver: %s: recovered after %d failed sends over %s",
                receiver,
                streak.failures,
                _ago(now - streak.since),
            )

    def _receiver_rows(self, now: datetime) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for receiver, streak in self.receivers.items():
            if streak.alerted or now - streak.since < self.receiver_after:
                continue
            error = (
                f"deliver: {receiver}: failing for {_ago(now - streak.since)} ({streak.failures} failed "
                f"sends); last: {streak.error}; alerts to it are queued and retried"
            )
            key = f"receiver-failing:{receiver}:{streak.since.strftime('%Y%m%dT%H%M%S')}"
            new = operator_alert_rows(
                "receiver-failing",
                key,
                title=f"receiver {receiver} failing",
                error=error,
                operators=self.operators,
                now=now,
                avoid=receiver,
                receiver=receiver,
            )
            streak.alerted = True
            told = ", ".join(r["receiver"] for r in new) or "no other operator receiver configured"
            log.error("%s; operator alert to %s", error, told)
            rows += new
        return rows

    # -- the outbox --------------------------------------------------------------------------------

    def _stuck_rows(self, now: datetime) -> list[dict[str, Any]]:
        oldest = oldest_due(self.engine, now=now)
        if oldest is None or now - oldest.due_since < self.stuck_after:
            if self.stuck is not None:
                log.info("deliver: outbox moving again after %s", _ago(now - self.stuck.since))
                self.stuck = None
            return []
        if self.stuck is not None:
            return []
        self.stuck = _Streak(oldest.due_since, 1, "", alerted=True)
        error = (
            f"deliver: outbox stuck: {oldest.count} alert(s) due and not taken for over "
            f"{_ago(self.stuck_after)}; oldest #{oldest.id} to {oldest.receiver}, due since "
            f"{oldest.due_since.isoformat(timespec='seconds')}; see `pressmon outbox`"
        )
        log.error("%s", error)
        return operator_alert_rows(
            "outbox-stuck",
            f"outbox-stuck:{oldest.id}",
            title="outbox stuck",
            error=error,
            operators=self.operators,
            now=now,
            avoid=oldest.receiver,
            receiver=oldest.receiver,
        )

    async def check(self, now: datetime) -> None:
        """The periodic check (each daemon tick): queue the operator alerts that are due."""
        rows = self._receiver_rows(now)
        rows += await asyncio.to_thread(self._stuck_rows, now)
        if rows:
            await asyncio.to_thread(queue_rows, self.engine, rows)

    # -- the database ------------------------------------------------------------------------------

    def store_failed(self, exc: BaseException | str, now: datetime, *, quiet: bool = False) -> bool:
        """The database refused a write (or could not be reached). True when this starts a streak.
        ``quiet``: the caller logs the streak itself (the daemon's loops do), so this logs nothing."""
        error = exc if isinstance(exc, str) else one_line(exc)
        if self.store is None:
            self.store = _Streak(now, 1, error, quiet=quiet)
            if quiet:
                return True
            log.error(
                "store: the database refuses writes: %s; retrying every tick, nothing is lost "
                "(logged once until it recovers)",
                error,
            )
            return True
        self.store.failures += 1
        self.store.error = error
        return False

    def store_ok(self, now: datetime) -> None:
        if self.store is not None and self.store.quiet:
            self.store = None
        elif self.store is not None:
            log.info(
                "store: writes accepted again after %s (%d refusals)",
                _ago(now - self.store.since),
                self.store.failures,
            )
            self.store = None

    async def tell_store(self, notifiers: Mapping[str, Notifier], now: datetime) -> list[str]:
        """Once per streak, past ``store_after``: tell the operator receivers directly (the outbox is in
        the database that refuses). Returns the receivers told."""
        streak = self.store
        if streak is None or streak.alerted or now - streak.since < self.store_after:
            return []
        streak.alerted = True
        error = (
            f"store: the database has refused writes for {_ago(now - streak.since)} (refusals: "
            f"{streak.failures}): {streak.error}; polls and deliveries wait until it accepts writes again "
            "(disk full? read-only file or mount? permissions?)"
        )
        (row,) = operator_alert_rows(
            "store-refusing",
            f"store-refusing:{streak.since.isoformat()}",
            title="database refuses writes",
            error=error,
            operators=("-",),
            now=now,
        )
        told: list[str] = []
        for name in self.operators:
            notifier = notifiers.get(name)
            if notifier is None:
                continue
            try:
                async with asyncio.timeout(self.deadline_s):
                    await notifier.send(row["payload"])
                told.append(name)
            except Exception as e:
                log.error("store: could not tell operator receiver %s: %s", name, one_line(e))
        log.error("%s; told %s", error, ", ".join(told) or "no operator receiver")
        return told


def queue_rows(engine: sa.Engine, rows: Sequence[dict[str, Any]]) -> None:
    with write_session(engine) as s:
        insert_outbox_rows(s, rows)


def _ago(delta: timedelta) -> str:
    s = int(delta.total_seconds())
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def heartbeat_path(database_url: str, configured: Path | None = None) -> Path:
    """Where the daemon's heartbeat file is: as configured, else beside the SQLite file, else in the
    temporary directory (one daemon per container)."""
    if configured is not None:
        return configured
    db = sqlite_path(database_url)
    if db is not None:
        return db.with_name(db.name + ".heartbeat")
    return Path(tempfile.gettempdir()) / "pressmon.heartbeat"


class Heartbeat:
    """A small JSON file the daemon rewrites each tick (atomically): when each loop last ticked and
    whether the database refuses writes. ``pressmon health`` reads it. A file, not a row: it must
    still be written when the database is what is failing."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, *, now: datetime, loops: Mapping[str, datetime], store_error: str | None) -> None:
        doc = {
            "pid": os.getpid(),
            "written_at": now.isoformat(),
            "loops": {name: at.isoformat() for name, at in loops.items()},
            "store_error": store_error,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(self.path)

    def read(self) -> dict[str, Any] | None:
        try:
            doc = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    def clear(self) -> None:
        for p in (self.path, self.path.with_name(self.path.name + ".tmp")):
            with contextlib.suppress(OSError):
                p.unlink()

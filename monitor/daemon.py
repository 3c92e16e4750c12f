"""The daemon: APScheduler is the local clock, the database is the coordinator (DESIGN "Scale").

SIGHUP reloads feeds.yaml (build, then swap; a broken file is refused and the old config keeps
running). Interval jobs tick: the claim loop (lease due sources, poll each in its own task, bounded by
``max_concurrent_fetches``) and the delivery loop (drain the outbox). SIGTERM/SIGINT stop the ticks,
let in-flight polls and sends finish within ``drain_seconds``, release leases, and return (exit 0).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.app import App
from monitor.config.schema import Config
from monitor.errors import PressmonError

__all__ = ["Daemon"]

log = logging.getLogger("pressmon.daemon")


class Daemon:
    def __init__(self, app: App, *, reload_config: Callable[[], Config] | None = None) -> None:
        self.app = app
        self._reload_config = reload_config
        self.stopping = asyncio.Event()
        self._polls: set[asyncio.Task[object]] = set()
        self._delivering: asyncio.Task[object] | None = None

    async def tick_polls(self) -> None:
        if self.stopping.is_set():
            return
        room = self.app.settings.max_concurrent_fetches - len(self._polls)
        if room <= 0:
            return
        try:
            task: asyncio.Task[object] = asyncio.create_task(
                self.app.claim_and_poll(self.app.enabled_source_ids(), due_only=True, limit=room)
            )
        except Exception:  # pragma: no cover - defensive: a tick must never kill the scheduler
            log.exception("daemon: claim tick failed")
            return
        self._polls.add(task)
        task.add_done_callback(self._poll_done)

    def _poll_done(self, task: asyncio.Task[object]) -> None:
        self._polls.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("daemon: poll pass failed: %s", exc)
            return
        report = task.result()
        for r in getattr(report, "sources", []):
            if r.alerts or r.new or r.revised:
                log.info("poll: %s: %d new, %d revised, %d alerts", r.source_id, r.new, r.revised, r.alerts)
        # New alerts were queued in the same transaction as their items: deliver them without waiting.
        asyncio.get_running_loop().call_soon(self._kick_delivery)

    def _kick_delivery(self) -> None:
        if self._delivering is None or self._delivering.done():
            self._delivering = asyncio.create_task(self._deliver())

    async def tick_deliver(self) -> None:
        if not self.stopping.is_set():
            self._kick_delivery()

    async def tick_digests(self) -> None:
        if self.stopping.is_set() or not self.app.config.digests:
            return
        try:
            report = await self.app.run_digests()
        except Exception as e:
            log.error("daemon: digest pass failed: %s", e)
            return
        for label in report.sent:
            log.info("digest: %s sent", label)

    async def _deliver(self) -> object:
        try:
            return await self.app.deliver(should_stop=self.stopping.is_set)
        except Exception as e:
            log.error("daemon: delivery pass failed: %s", e)
            return None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        loop.add_signal_handler(signal.SIGHUP, self._on_reload)
        tick = self.app.settings.tick_seconds
        scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        scheduler.add_job(
            self.tick_polls, "interval", seconds=tick, next_run_time=now, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.tick_deliver, "interval", seconds=tick, next_run_time=now, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.tick_digests, "interval", seconds=60, next_run_time=now, max_instances=1, coalesce=True
        )
        scheduler.start()
        log.info(
            "daemon: started as %s; %d sources; tick %ss",
            self.app.owner,
            len(self.app.enabled_source_ids()),
            tick,
        )
        try:
            await self.stopping.wait()
        finally:
            scheduler.shutdown(wait=False)
            await self._drain()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)

    def _on_reload(self) -> None:
        if self._reload_config is None:
            log.warning("daemon: SIGHUP received but no config file to reload")
            return
        try:
            config = self._reload_config()
            self.app.reload(config)
        except PressmonError as e:
            log.error("daemon: reload refused, still running the previous config:\n%s", e)
            return
        log.info(
            "daemon: reloaded: %d sources, %d topics, %d receivers",
            len(config.sources),
            len(config.topics),
            len(config.receivers),
        )

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("daemon: %s received; draining in-flight work", sig.name)
        self.stopping.set()

    async def _drain(self) -> None:
        pending: set[asyncio.Task[object]] = set(self._polls)
        if self._delivering is not None and not self._delivering.done():
            pending.add(self._delivering)
        if not pending:
            return
        _, not_done = await asyncio.wait(pending, timeout=self.app.settings.drain_seconds)
        for t in not_done:
            t.cancel()
        if not_done:
            await asyncio.gather(*not_done, return_exceptions=True)
            log.warning(
                "daemon: %d tasks cancelled after the drain deadline; their leases expire", len(not_done)
            )

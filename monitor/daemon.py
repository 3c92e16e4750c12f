"""The daemon: APScheduler is the local clock, the database is the coordinator (DESIGN "Scale").

SIGHUP reloads feeds.yaml (build, then swap; a broken file is refused and the old config keeps
running). The claim loop keeps ``max_concurrent_fetches`` polls in flight: it leases due sources in
batches as slots free up and sleeps until the next one falls due (leases renewed together by
``monitor.leases``). Interval jobs tick the delivery loop (one lane per receiver with due rows, at most
``max_parallel_receivers`` at once: a slow receiver holds up only its own lane). SIGTERM/SIGINT stop
the claims and ticks, let in-flight polls and sends finish within ``drain_seconds``, release leases, and
return (exit 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.app import App
from monitor.backoff import LoopState, is_database_error
from monitor.config.schema import Config
from monitor.errors import PressmonError
from monitor.fault import one_line
from monitor.metrics import DELIVERIES
from monitor.notify.send import Outcome
from monitor.poll import SourceReport
from monitor.store.leases import next_due_at
from monitor.watch import Heartbeat, heartbeat_path

__all__ = ["Daemon"]

log = logging.getLogger("pressmon.daemon")

DIGEST_TICK_S = 60.0


def _count_delivery(receiver: str, outcome: Outcome) -> None:
    DELIVERIES.labels(receiver=receiver, outcome=outcome.kind).inc()


class Daemon:
    def __init__(self, app: App, *, reload_config: Callable[[], Config] | None = None) -> None:
        self.app = app
        self._reload_config = reload_config
        self.stopping = asyncio.Event()
        self._polls: set[asyncio.Task[object]] = set()
        # The claim loop: when the next claim makes sense (monotonic), and what wakes it early.
        self._claim_at = 0.0
        self._host_bound = False  # the last claim left due sources for their host's turn
        self._wake = asyncio.Event()
        self._claiming: asyncio.Task[None] | None = None
        app.on_poll_done = self._on_poll_done
        self._scanning: asyncio.Task[object] | None = None
        self._lanes: dict[str, asyncio.Task[object]] = {}
        self._watching: asyncio.Task[None] | None = None
        self._lane_gate = asyncio.Semaphore(app.settings.max_parallel_receivers)
        cap = app.settings.db_backoff_max_seconds
        # Each loop's last tick (``/healthz``) and its database-outage backoff (RELIABILITY 31).
        self._maintaining: asyncio.Task[None] | None = None
        self._digesting: asyncio.Task[None] | None = None
        self.loops = {
            name: LoopState(name, cap_s=cap) for name in ("polls", "deliveries", "digests", "maintenance")
        }
        # ... published each tick for `pressmon health` (with whether the database refuses writes).
        self.heartbeat = Heartbeat(heartbeat_path(app.settings.database_url, app.settings.heartbeat_file))

    def interval(self, loop: str) -> float:
        """Seconds between ticks of a loop (``/healthz`` allows a few missed ones)."""
        return DIGEST_TICK_S if loop in ("digests", "maintenance") else self.app.settings.tick_seconds

    def _loop_failed(self, name: str, e: BaseException) -> None:
        if not is_database_error(e):
            log.error("daemon: %s pass failed: %s", name, one_line(e))
            return
        # The loop's streak line is the log line; the watch decides the operator alert.
        self.app.watch.store_failed(e, self.app.now(), quiet=True)
        line = self.loops[name].failed(time.monotonic(), str(e).splitlines()[0][:200])
        if line:
            log.warning("%s", line)

    def _loop_ok(self, name: str, started: float | None = None) -> None:
        line = self.loops[name].succeeded(time.monotonic(), started=started)
        if line:
            log.info("%s", line)

    async def _warm_workers(self) -> None:
        """Start the parse workers, each holding the topic matcher, before the first claim: a worker's
        start (seconds on a busy machine) is then not paid inside a poll. A failure is logged, not fatal:
        workers are started on demand anyway."""
        try:
            await self.app.cpu.warm(self.app.poll_ctx.topics)
        except Exception as e:
            log.warning("daemon: parse workers not started ahead (%s); starting them on demand", one_line(e))

    def _on_poll_done(self, report: SourceReport) -> None:
        """A poll ended: its fetch slot is free, and its source is due again at ``report.next_due``."""
        if self._host_bound:  # due sources wait for their host: this poll may have freed it
            self._claim_at = min(self._claim_at, time.monotonic())
        if report.next_due is not None:
            due_in = (report.next_due - self.app.now()).total_seconds()
            self._claim_at = min(self._claim_at, time.monotonic() + max(0.0, due_in))
        if report.alerts:  # queued with its items: deliver now, not when the whole batch is done
            asyncio.get_running_loop().call_soon(self._kick_delivery)
        self._wake.set()

    def _wake_claims(self) -> None:
        """Claim at once (a reload changed the sources; a stop ends the loop)."""
        self._claim_at = 0.0
        self._wake.set()

    async def tick_polls(self) -> None:
        """One claim batch: lease as many due sources as there are free fetch slots and start polling
        them in one task. If fewer were due than there was room for, the next claim waits until the
        earliest next one falls due (``_claim_at``), or a poll ends with its source due sooner."""
        mono = time.monotonic()
        if not self.loops["polls"].tick(mono) or self.stopping.is_set():
            return
        # Counted in sources (fetches): a batch claims only what the limit leaves.
        room = self.app.settings.max_concurrent_fetches - self.app.polls_in_flight
        if room <= 0:
            return
        ids = self.app.enabled_source_ids()
        try:
            claims = await self.app.claim(ids, due_only=True, limit=room, spread_hosts=True)
            self._host_bound = self.app.claim_held_back > 0
            due = None
            if len(claims) < room and not self._host_bound:  # nothing more due now: when next?
                due = await asyncio.to_thread(next_due_at, self.app.engine, ids, now=self.app.now())
        except Exception as e:
            self._loop_failed("polls", e)
            return
        self._loop_ok("polls", mono)
        if len(claims) < room:
            wait = self.app.settings.tick_seconds  # host-bound: until a poll ends and frees its host
            if due is not None:
                wait = min(wait, max(0.0, (due - self.app.now()).total_seconds()))
            self._claim_at = time.monotonic() + wait
        if not claims:
            self.app.watch.store_ok(self.app.now())  # the claim was a write, and it went in
            return
        task: asyncio.Task[object] = asyncio.create_task(self.app.poll_claimed(claims))
        self._polls.add(task)
        task.add_done_callback(lambda t: self._poll_done(t, mono))

    async def _claim_loop(self) -> None:
        """Keep ``max_concurrent_fetches`` polls in flight: claim a batch whenever slots are free and
        something is due; otherwise sleep until a poll ends, the next source falls due, a reload or a
        stop (at most ``tick_seconds``, so ``/healthz`` sees the loop tick and leases taken over from a
        dead instance are found). During a database outage the claims back off (RELIABILITY 31)."""
        tick = self.app.settings.tick_seconds
        while not self.stopping.is_set():
            self._wake.clear()
            mono = time.monotonic()
            room = self.app.settings.max_concurrent_fetches - self.app.polls_in_flight
            retry_at = self.loops["polls"].retry_at
            if room > 0 and mono >= self._claim_at and mono >= retry_at:
                try:
                    await self.tick_polls()
                except Exception:  # pragma: no cover - defensive: the loop must never die
                    log.exception("daemon: claim failed")
                    self._claim_at = time.monotonic() + tick
                continue
            self.loops["polls"].tick(mono)  # idle or full: still alive for /healthz
            wait = tick if room <= 0 else max(self._claim_at, retry_at) - mono
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(tick, max(0.001, wait)))

    def _poll_done(self, task: asyncio.Task[object], started: float | None = None) -> None:
        self._polls.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._loop_failed("polls", exc)
            return
        self._loop_ok("polls", started)
        report = task.result()
        for r in getattr(report, "sources", []):
            if r.alerts or r.new or r.revised:
                log.info(
                    "poll: %s: %d new, %d revised, %d alerts",
                    r.source_id,
                    r.new,
                    r.revised,
                    r.alerts,
                    extra={"source_id": r.source_id},
                )
        # New alerts were queued in the same transaction as their items: deliver them without waiting.
        asyncio.get_running_loop().call_soon(self._kick_delivery)

    def _kick_delivery(self) -> None:
        if self._scanning is None or self._scanning.done():
            self._scanning = asyncio.create_task(self._start_lanes())

    async def _start_lanes(self) -> object:
        """A lane for each receiver with due rows whose lane is not already running."""
        try:
            receivers = await self.app.due_receivers()
        except Exception as e:
            self._loop_failed("deliveries", e)
            return None
        self._loop_ok("deliveries")
        for receiver in receivers:
            lane = self._lanes.get(receiver)
            if (lane is None or lane.done()) and not self.stopping.is_set():
                self._lanes[receiver] = asyncio.create_task(self._lane(receiver))
        return None

    async def _lane(self, receiver: str) -> object:
        async with self._lane_gate:
            try:
                return await self.app.deliver_lane(
                    receiver, should_stop=self.stopping.is_set, on_outcome=_count_delivery
                )
            except Exception as e:
                self._loop_failed("deliveries", e)
                return None

    async def tick_deliver(self) -> None:
        if self.loops["deliveries"].tick(time.monotonic()) and not self.stopping.is_set():
            self._kick_delivery()

    async def tick_watch(self) -> None:
        """Operator alerts that are due (failing receivers, a stuck outbox, a database refusing writes)
        and the heartbeat file for ``pressmon health``: in a task of its own, so a slow database never
        makes the scheduler skip or pile up ticks."""
        if self.stopping.is_set() or (self._watching is not None and not self._watching.done()):
            return
        self._watching = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        now = self.app.now()
        watch = self.app.watch
        try:
            await watch.check(now)
        except Exception as e:
            if is_database_error(e):
                watch.store_failed(e, now, quiet=True)
            else:
                log.error("daemon: operator check failed: %s", one_line(e))
        await watch.tell_store(self.app.notifiers, now)
        mono = time.monotonic()
        ticked = {  # each loop's last tick, as wall time
            name: now - timedelta(seconds=mono - state.last_tick)
            for name, state in self.loops.items()
            if state.last_tick is not None
        }
        try:
            await asyncio.to_thread(
                self.heartbeat.write,
                now=now,
                loops=ticked,
                store_error=watch.store.error if watch.store else None,
            )
        except OSError as e:
            log.debug("daemon: heartbeat not written: %s", e)

    async def tick_digests(self) -> None:
        """Digests due, in a task of their own, drained on SIGTERM like polls and sends: a scheduler job
        cancelled mid-send would print APScheduler's traceback. A digest still sending when the drain
        ends is cancelled; its run stays ``sending`` (unconfirmed) and is resent with the same
        Message-ID after its lease (``monitor.notify.digest_run``)."""
        if not self.loops["digests"].tick(time.monotonic()) or self.stopping.is_set():
            return
        if not self.app.config.digests:
            return
        if self._digesting is None or self._digesting.done():
            self._digesting = asyncio.create_task(self._digest())

    async def _digest(self) -> None:
        try:
            report = await self.app.run_digests()
        except Exception as e:
            self._loop_failed("digests", e)
            return
        self._loop_ok("digests")
        for label in report.sent:
            log.info("digest: %s sent", label)

    async def tick_maintenance(self) -> None:
        """Retention, once a day across all instances (whoever claims the job runs it). A task of its
        own, drained on SIGTERM like polls and sends (the scheduler's jobs are not)."""
        if not self.loops["maintenance"].tick(time.monotonic()) or self.stopping.is_set():
            return
        if self._maintaining is None or self._maintaining.done():
            self._maintaining = asyncio.create_task(self._maintain())

    async def _maintain(self) -> None:
        try:
            result = await self.app.run_maintenance()
        except Exception as e:
            self._loop_failed("maintenance", e)
            return
        self._loop_ok("maintenance")
        if result is not None:
            log.info("retention: pruned %s", ", ".join(f"{n} {what}" for what, n in result.items()))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        loop.add_signal_handler(signal.SIGHUP, self._on_reload)
        tick = self.app.settings.tick_seconds
        scheduler = AsyncIOScheduler(timezone=UTC)
        now = datetime.now(UTC)
        scheduler.add_job(
            self.tick_deliver, "interval", seconds=tick, next_run_time=now, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.tick_watch,
            "interval",
            seconds=max(tick, 1.0),
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(
            self.tick_digests,
            "interval",
            seconds=DIGEST_TICK_S,
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
        scheduler.add_job(
            self.tick_maintenance,
            "interval",
            seconds=DIGEST_TICK_S,
            next_run_time=now,
            max_instances=1,
            coalesce=True,
        )
        ops = None
        if self.app.settings.http_listen:
            from monitor.ops_http import OpsServer

            try:
                ops = OpsServer(self, self.app.settings.http_listen)
                await ops.start()
            except (OSError, ValueError) as e:
                raise PressmonError(f"http: cannot listen on {self.app.settings.http_listen}: {e}") from None
        scheduler.start()
        await self._warm_workers()
        self._claiming = asyncio.create_task(self._claim_loop())
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
            self._wake.set()
            if self._claiming is not None:  # ends after the claim in hand (its polls are drained below)
                await asyncio.gather(self._claiming, return_exceptions=True)
            if ops is not None:
                await ops.stop()
            await self._drain()
            if self._watching is not None and not self._watching.done():
                self._watching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._watching
            self.heartbeat.clear()
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
        self._wake_claims()
        log.info(
            "daemon: reloaded: %d sources, %d topics, %d receivers",
            len(config.sources),
            len(config.topics),
            len(config.receivers),
        )

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("daemon: %s received; draining in-flight work", sig.name)
        self.stopping.set()
        self._wake.set()

    async def _drain(self) -> None:
        pending: set[asyncio.Task[object]] = set(self._polls)
        tasks = (self._scanning, self._maintaining, self._digesting, *self._lanes.values())
        pending.update(t for t in tasks if t is not None and not t.done())
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

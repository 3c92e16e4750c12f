"""Composition root and lifecycle: settings + config -> engine, HTTP client, notifiers, compiled topics
(built by ``monitor.wiring``), then preparing the database, reloading the config (SIGHUP) and releasing
what the instance holds at exit.

Everything that can fail is built in :meth:`App.build` before anything starts, so a bad config or an
unreachable database fails at start with one clear message. ``poll_pass`` and ``deliver`` are the two
units of work the CLI and the daemon share (``monitor.work``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import httpx
import sqlalchemy as sa

from monitor.config.schema import Config
from monitor.cpu import Budget, CpuPool, default_workers
from monitor.errors import ConfigError, StoreError
from monitor.fault import one_line
from monitor.hosts import HostGate
from monitor.http_client import make_client
from monitor.leases import LeaseKeeper
from monitor.match.topics import TopicMatcher
from monitor.notify import Notifier
from monitor.notify.digest_run import DigestRunner
from monitor.notify.email import SmtpSettings
from monitor.poll import STORY_WINDOW, PollContext, SourceReport
from monitor.settings import Settings, db_timeouts
from monitor.store import leases
from monitor.store.engine import DaemonLock, make_engine, schema_lock, sqlite_path
from monitor.store.migrate import upgrade
from monitor.store.outbox import release_delivery_leases
from monitor.store.story_backfill import backfill_story_index
from monitor.watch import Watch
from monitor.wiring import build_notifiers, pool_size, smtp_settings
from monitor.work import UnitsOfWork
from monitor.writer import BatchWriter

__all__ = ["App"]

log = logging.getLogger("pressmon.app")


def utcnow() -> datetime:
    return datetime.now(UTC)


class App(UnitsOfWork):
    def __init__(
        self,
        settings: Settings,
        config: Config,
        *,
        engine: sa.Engine,
        client: httpx.AsyncClient,
        notifiers: dict[str, Notifier],
        now: Callable[[], datetime] = utcnow,
        rand: Callable[[], float] = random.random,
        smtp: SmtpSettings | None = None,
        stream: TextIO | None = None,
        template_dirs: Sequence[Path] = (),
    ) -> None:
        self.settings = settings
        self.config = config
        self.engine = engine
        self.client = client
        self.notifiers = notifiers
        self.now = now
        self.owner = settings.instance_id or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = timedelta(seconds=settings.lease_seconds)
        workers = settings.parse_workers if settings.parse_workers is not None else default_workers()
        budget = Budget(
            seconds=settings.parse_budget_seconds,
            memory_mb=settings.parse_memory_mb,
            max_bytes=settings.parse_max_bytes,
        )
        self.cpu = CpuPool(workers, budget)  # parse and match off the event loop (monitor.cpu)
        self.poll_ctx = PollContext(
            cpu=self.cpu,
            engine=engine,
            client=client,
            config=config,
            topics=TopicMatcher(config.topics, config.concepts),
            allow_private=settings.allow_private_networks,
            lease=self.lease,
            now=now,
            rand=rand,
            hosts=HostGate(
                concurrency=settings.per_host_concurrency, spacing_s=settings.per_host_spacing_seconds
            ),
            writer=BatchWriter(engine, now=now),
        )
        self._lock: DaemonLock | None = None
        # max_concurrent_fetches counts fetches across every pass in this process; polls_in_flight is
        # what the daemon subtracts before claiming more (claimed sources never queue past their lease).
        self.fetch_slots = asyncio.Semaphore(settings.max_concurrent_fetches)
        self.polls_in_flight = 0
        self.host_load: dict[str, int] = {}  # polls in flight per host (claims spread over hosts)
        self.claim_held_back = 0  # due sources the last spread claim left for their host's turn
        # Every lease this instance holds, renewed together (one transaction every lease/3).
        self.leases = LeaseKeeper(engine, lease=self.lease, now=now)
        # Called as each poll ends (its slot is free again): the daemon's claim loop claims more.
        self.on_poll_done: Callable[[SourceReport], None] | None = None
        self._prepared = False
        self._stream = stream
        self._template_dirs = tuple(template_dirs)
        self.digests = DigestRunner(
            engine,
            config,
            owner=self.owner,
            now=now,
            lease=self.lease,
            smtp=smtp,
            stream=stream,
            template_dirs=template_dirs,
        )
        self.watch = Watch(
            engine,
            operators=config.operator,
            receiver_after=timedelta(seconds=settings.receiver_failing_alert_seconds),
            stuck_after=timedelta(seconds=settings.outbox_stuck_alert_seconds),
            store_after=timedelta(seconds=settings.store_alert_seconds),
            deadline_s=settings.send_deadline_seconds,
        )

    @classmethod
    def build(
        cls,
        settings: Settings,
        config: Config,
        *,
        stream: TextIO | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        template_dirs: Sequence[Path] = (),
        now: Callable[[], datetime] = utcnow,
    ) -> App:
        dirs = [
            *template_dirs,
            *([config.templates] if config.templates else []),
            *([settings.template_dir] if settings.template_dir else []),
        ]
        notifiers, problems = build_notifiers(settings, config, template_dirs=dirs, stream=stream)
        if problems:
            raise ConfigError(problems)
        engine = make_engine(settings.database_url, timeouts=db_timeouts(settings))
        client = make_client(
            transport=transport, max_connections=pool_size(config, settings.max_concurrent_fetches)
        )
        return cls(
            settings,
            config,
            engine=engine,
            client=client,
            notifiers=notifiers,
            now=now,
            smtp=smtp_settings(config),
            stream=stream,
            template_dirs=dirs,
        )

    # -- lifecycle -------------------------------------------------------------------------------------

    def reload(self, config: Config) -> None:
        """Swap in a new config (SIGHUP): build everything that can fail first, then swap. Raises
        ConfigError and changes nothing when the new config cannot run. Nothing queued or sent is
        touched, so a reload re-sends nothing (the outbox is the truth)."""
        notifiers, problems = build_notifiers(
            self.settings, config, template_dirs=self._template_dirs, stream=self._stream
        )
        if problems:
            raise ConfigError(problems)
        topics = TopicMatcher(config.topics, config.concepts)
        digests = DigestRunner(
            self.engine,
            config,
            owner=self.owner,
            now=self.now,
            lease=self.lease,
            smtp=smtp_settings(config),
            stream=self._stream,
            template_dirs=self._template_dirs,
        )
        with schema_lock(self.engine):
            leases.sync_sources(self.engine, config.sources, now=self.now())
        self.config = config
        self.notifiers = notifiers
        self.digests = digests
        self.watch.operators = tuple(config.operator)
        self.poll_ctx = replace(self.poll_ctx, config=config, topics=topics)

    def prepare_database(self, *, exclusive: bool) -> None:
        """Apply pending migrations and register configured sources. With ``exclusive`` (the daemon),
        take the one-daemon-per-SQLite-file lock; whoever holds that lock may drop stale leases left by
        a killed predecessor."""
        path = sqlite_path(self.settings.database_url)
        if path is not None:
            lock = DaemonLock(path)
            try:
                lock.acquire()
            except StoreError:
                if exclusive:
                    raise
            else:
                self._lock = lock
        stage = "open"
        try:
            # Instances starting together take turns: one migrates and registers sources, the others
            # then find nothing to do (RELIABILITY 39).
            with schema_lock(self.engine) as conn:
                upgrade(self.engine, connection=conn, locked=True)
                stage = "prepare"
                leases.sync_sources(self.engine, self.config.sources, now=self.now())
                # Items stored before the story index existed, still within the window: index them so
                # the next reports find their stories (a no-op once done).
                backfill_story_index(
                    self.engine,
                    since=self.now() - STORY_WINDOW,
                    primary_sources={s.id for s in self.config.sources if s.is_primary},
                )
            if self._lock is not None:
                # We hold the one-daemon lock: any lease in the file belongs to a dead predecessor.
                leases.release_leases(self.engine)
                release_delivery_leases(self.engine)
            self._prepared = True
        except sa.exc.SQLAlchemyError as e:
            if stage == "open":
                if isinstance(e, sa.exc.OperationalError):
                    raise StoreError(f"store: cannot open {self.engine.url!r}: {e.orig}") from e
                raise
            # The first failure, in one line (a read-only or full database fails here, at start).
            url = self.engine.url.render_as_string(hide_password=True)
            raise StoreError(
                f"store: cannot prepare the database {url}: {one_line(e)}; check that it is writable "
                "(file and directory permissions, read-only mount, disk space) and reachable"
            ) from e
        finally:
            if self._lock is not None and not exclusive:
                self._lock.release()
                self._lock = None

    async def aclose(self) -> None:
        """Release what we hold. Never raises: a failure here must not hide the one that stopped us."""
        await self.leases.aclose()
        await self.client.aclose()
        try:
            await self.cpu.aclose()
        except Exception as e:  # a worker that will not stop dies with us (PR_SET_PDEATHSIG)
            log.warning("cpu: workers not stopped cleanly (%s)", one_line(e))
        if self._prepared:  # at a failed start there is nothing of ours to release
            try:
                await asyncio.to_thread(self.release_own_leases)
            except Exception as e:  # database gone: the leases expire on their own
                log.warning("store: leases not released at exit (%s); they expire by themselves", one_line(e))
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        self.engine.dispose()

    def release_own_leases(self) -> int:
        """Drop every lease this instance holds (sources, outbox rows, digest runs) so another instance
        takes the work over at once rather than after the lease (a clean stop, SIGTERM)."""
        return leases.release_leases(self.engine, owner=self.owner) + release_delivery_leases(
            self.engine, owner=self.owner
        )

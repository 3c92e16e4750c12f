"""Composition root: settings + config -> engine, HTTP client, notifiers, compiled topics.

Everything that can fail is built in :meth:`App.build` before anything starts, so a bad config or an
unreachable database fails at start with one clear message. ``poll_pass`` and ``deliver`` are the two
units of work the CLI and the daemon share.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import httpx
import jinja2
import sqlalchemy as sa

from monitor.config.schema import Config, ConsoleReceiver, SlackReceiver, WebhookReceiver
from monitor.cpu import Budget, CpuPool, default_workers
from monitor.errors import ConfigError, StoreError
from monitor.fault import one_line
from monitor.fetch import make_client
from monitor.hosts import HostGate
from monitor.leases import LeaseKeeper
from monitor.match.topics import TopicMatcher
from monitor.metrics import ITEMS, POLLS
from monitor.notify import Notifier
from monitor.notify.console import ConsoleNotifier
from monitor.notify.digest_run import DigestReport, DigestRunner
from monitor.notify.email import SmtpSettings
from monitor.notify.webhook import WebhookNotifier
from monitor.notify.worker import DeliveryReport, Outcome, deliver_due, deliver_receiver
from monitor.pipeline import ClaimedSource
from monitor.poll import STORY_WINDOW, PollContext, SourceReport, poll_source
from monitor.render import Renderer
from monitor.settings import Settings, db_timeouts, secret
from monitor.store import leases, maintenance
from monitor.store.engine import DaemonLock, make_engine, schema_lock, sqlite_path
from monitor.store.migrate import upgrade
from monitor.store.outbox import due_receivers, release_delivery_leases
from monitor.store.story_backfill import backfill_story_index
from monitor.watch import Watch
from monitor.writer import BatchWriter

__all__ = ["App", "PassReport"]

MAINTENANCE_LEASE = timedelta(hours=1)  # a retention run that dies is retried by another after this
log = logging.getLogger("pressmon.app")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class PassReport:
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceReport]:
        return [r for r in self.sources if r.failed]


MAX_POOL = 256  # connections kept open at most (file descriptors); above it, idle ones are recycled


def pool_size(config: Config, concurrency: int) -> int:
    """Connections the HTTP client may keep: twice the fetches in flight, and at least one per host the
    sources name, so that fetch slots handed out host by host (``monitor.hosts``) find that host's
    connection still open on the next poll instead of a pool of 20 recycling 50 hosts' connections and
    paying a new TCP (and TLS) handshake for every unchanged poll. At most ``MAX_POOL``."""
    hosts = {httpx.URL(s.url).host for s in config.sources if s.enabled}
    return min(MAX_POOL, max(2 * concurrency, len(hosts)))


def build_notifiers(
    settings: Settings,
    config: Config,
    *,
    template_dirs: Sequence[Path] = (),
    stream: TextIO | None = None,
) -> tuple[dict[str, Notifier], list[str]]:
    """One notifier per receiver, templates loaded now (a broken template fails at start), secrets read
    from the environment variables the config names. Returns the notifiers and the problems found."""
    renderer = Renderer(template_dirs)
    notifiers: dict[str, Notifier] = {}
    problems: list[str] = []
    for name, receiver in config.receivers.items():
        try:
            if isinstance(receiver, ConsoleReceiver):
                renderer.check(receiver.template)
                notifiers[name] = ConsoleNotifier(
                    name, renderer, template=receiver.template, stream=stream, timezone=receiver.timezone
                )
            elif isinstance(receiver, SlackReceiver):
                notifiers[name] = _slack(name, receiver, settings, template_dirs)
            elif isinstance(receiver, WebhookReceiver):
                renderer.check(receiver.template)
                secret_value = secret(receiver.secret_env) if receiver.secret_env else None
                if receiver.secret_env and secret_value is None:
                    problems.append(
                        f"receivers.{name}: environment variable {receiver.secret_env} is not set"
                    )
                    continue
                notifiers[name] = WebhookNotifier(
                    name,
                    url=receiver.url,
                    secret=secret_value,
                    renderer=renderer,
                    template=receiver.template,
                    timezone=receiver.timezone,
                )
            else:
                problems.append(
                    f"receivers.{name}: kind 'email' delivers through digests (see digests:); "
                    "route alerts to console, slack or webhook receivers"
                )
        except jinja2.TemplateError as e:
            problems.append(f"receivers.{name}: template: {e}")
        except ValueError as e:
            problems.append(f"receivers.{name}: {e}")
    return notifiers, problems


def smtp_settings(config: Config) -> SmtpSettings | None:
    """SMTP settings from feeds.yaml ``smtp:`` with credentials from the environment (None: no SMTP, digests
    print to the console)."""
    smtp = config.smtp
    if smtp is None:
        return None
    problems = []
    username = secret(smtp.username_env) if smtp.username_env else None
    password = secret(smtp.password_env) if smtp.password_env else None
    for env, value in ((smtp.username_env, username), (smtp.password_env, password)):
        if env and value is None:
            problems.append(f"smtp: environment variable {env} is not set")
    if problems:
        raise ConfigError(problems)
    return SmtpSettings(
        host=smtp.host,
        port=smtp.port,
        starttls=smtp.starttls,
        implicit_tls=smtp.implicit_tls,
        username=username,
        password=password,
        timeout_s=smtp.timeout.total_seconds(),
        sender=smtp.sender,
    )


def _slack(name: str, r: SlackReceiver, settings: Settings, template_dirs: Sequence[Path]) -> Notifier:
    # slack-sdk and aiohttp (~10 MiB resident) load only when a Slack receiver is configured.
    from monitor.notify.slack import SlackNotifier, SlackWebhookNotifier

    if r.mode == "webhook":
        url = secret(r.url_env or "")
        if url is None:
            raise ValueError(f"environment variable {r.url_env} (the Slack webhook URL) is not set")
        hook = SlackWebhookNotifier(
            name,
            url=url,
            template=r.template,
            template_dirs=template_dirs,
            pace_s=r.pace_s,
            timezone=r.timezone,
        )
        hook.check()
        return hook
    token = secret(r.token_env)
    if token is None:
        raise ValueError(f"environment variable {r.token_env} (the Slack bot token) is not set")
    api = SlackNotifier(
        name,
        token=token,
        channel=r.channel or "",
        template=r.template,
        template_dirs=template_dirs,
        base_url=settings.slack_api_url,
        pace_s=r.pace_s,
        timezone=r.timezone,
    )
    api.check()
    return api


class App:
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

    # -- units of work ---------------------------------------------------------------------------------

    def enabled_source_ids(self) -> list[str]:
        return [s.id for s in self.config.sources if s.enabled]

    def host_of(self, source_id: str) -> str:
        try:
            return HostGate.host_of(self.config.source(source_id).url)
        except Exception:  # not in the config any more: its poll records that
            return ""

    def _spread(self, limit: int) -> Callable[[list[str]], list[str]]:
        """A claim's choice among due sources (earliest due first): none on a host that already has
        ``per_host_concurrency`` polls in flight or chosen, so a batch's polls never wait on one
        host's gate while other hosts' sources are due. What it held back is ``claim_held_back``."""
        per_host = self.settings.per_host_concurrency
        busy = dict(self.host_load)

        def choose(ids: list[str]) -> list[str]:
            out: list[str] = []
            for sid in ids:
                host = self.host_of(sid)
                if busy.get(host, 0) < per_host:
                    out.append(sid)
                    busy[host] = busy.get(host, 0) + 1
                    if len(out) >= limit:
                        break
            self.claim_held_back = len(ids) - len(out) if len(out) < limit else 0
            return out

        return choose

    async def claim(
        self, source_ids: Sequence[str], *, due_only: bool, limit: int, spread_hosts: bool = False
    ) -> list[ClaimedSource]:
        """Lease up to ``limit`` of ``source_ids`` (due ones only, with ``due_only``); each claimed source
        counts in ``polls_in_flight`` until its poll ends, and its lease is kept by ``self.leases``.
        ``spread_hosts`` (the daemon): at most ``per_host_concurrency`` in flight per host."""
        self.polls_in_flight += limit  # reserved while claiming, so overlapping claims cannot over-claim
        self.claim_held_back = 0
        try:
            claims = await asyncio.to_thread(
                leases.claim_sources,
                self.engine,
                owner=self.owner,
                now=self.now(),
                lease=self.lease,
                source_ids=list(source_ids),
                limit=limit,
                due_only=due_only,
                choose=self._spread(limit) if spread_hosts else None,
                candidates=min(max(limit * 5, 50), 1000),
            )
        finally:
            self.polls_in_flight -= limit
        self.polls_in_flight += len(claims)
        for c in claims:
            host = self.host_of(c.source_id)
            self.host_load[host] = self.host_load.get(host, 0) + 1
        self.leases.hold(claims)
        return claims

    async def poll_claimed(
        self,
        claims: Sequence[ClaimedSource],
        *,
        on_done: Callable[[SourceReport], None] | None = None,
    ) -> PassReport:
        """Poll claimed sources, at most ``max_concurrent_fetches`` at once across every caller."""

        async def one(claim: ClaimedSource) -> SourceReport:
            done: SourceReport | None = None
            try:
                async with self.fetch_slots:  # one semaphore for every pass: it counts fetches
                    done = await poll_source(self.poll_ctx, claim)
                if on_done is not None:
                    on_done(done)
                return done
            finally:
                self.polls_in_flight -= 1
                host = self.host_of(claim.source_id)
                self.host_load[host] = self.host_load.get(host, 0) - 1
                if self.host_load[host] <= 0:
                    del self.host_load[host]
                self.leases.drop(claim.source_id, claim.token)
                if done is not None and self.on_poll_done is not None:
                    self.on_poll_done(done)

        # Fetch slots are granted in this order: host by host in turn, so C slots are not all taken
        # by one host's sources queued at its gate while other hosts wait.
        by_host: dict[str, list[ClaimedSource]] = {}
        for c in claims:
            by_host.setdefault(self.host_of(c.source_id), []).append(c)
        order = [c for turn in itertools.zip_longest(*by_host.values()) for c in turn if c is not None]
        done_in_order = await asyncio.gather(*(one(c) for c in order))
        by_id = {r.source_id: r for r in done_in_order}
        report = PassReport(sources=[by_id[c.source_id] for c in claims])
        for r in report.sources:
            POLLS.labels(outcome=r.status).inc()
            if r.new:
                ITEMS.labels(change="new").inc(r.new)
            if r.revised:
                ITEMS.labels(change="revised").inc(r.revised)
        refused = [r for r in report.sources if r.error_kind == "store"]
        if refused:
            self.watch.store_failed(refused[0].error or "store error", self.now())
        elif report.sources:  # the claim was a write, and every commit went in
            self.watch.store_ok(self.now())
        return report

    async def claim_and_poll(
        self,
        source_ids: Sequence[str],
        *,
        due_only: bool,
        limit: int,
        on_claimed: Callable[[int], None] | None = None,
        on_done: Callable[[SourceReport], None] | None = None,
    ) -> PassReport:
        """Claim up to ``limit`` of ``source_ids`` and poll them. ``on_claimed(n)`` and ``on_done(report)``
        let a caller show progress (``poll --once`` on a terminal)."""
        claims = await self.claim(source_ids, due_only=due_only, limit=limit)
        if on_claimed is not None:
            on_claimed(len(claims))
        if not claims:
            self.watch.store_ok(self.now())  # the claim was a write, and it went in
        return await self.poll_claimed(claims, on_done=on_done)

    async def poll_pass(
        self,
        source_ids: Sequence[str] | None = None,
        *,
        on_done: Callable[[SourceReport], None] | None = None,
    ) -> PassReport:
        """Poll the given (default: all enabled) sources now, due or not; then return."""
        ids = list(source_ids) if source_ids else self.enabled_source_ids()
        return await self.claim_and_poll(ids, due_only=False, limit=len(ids), on_done=on_done)

    async def run_maintenance(self) -> dict[str, int] | None:
        """Run the retention job if it is due and this instance claims it (one instance a day, across
        all of them); the pruned counts, or None if there was nothing to do here."""
        now = self.now()
        token = await asyncio.to_thread(
            maintenance.claim_job,
            self.engine,
            "retention",
            owner=self.owner,
            now=now,
            lease=MAINTENANCE_LEASE,
        )
        if token is None:
            return None
        retention = self.config.retention
        result = await asyncio.to_thread(maintenance.prune, self.engine, retention, now=now)
        await asyncio.to_thread(
            maintenance.finish_job,
            self.engine,
            "retention",
            token,
            now=self.now(),
            next_due=now + retention.every,
            result=dict(result),
        )
        return result

    async def run_digests(self) -> DigestReport:
        """Queue each digest's latest complete period (once) and send what is due."""
        await asyncio.to_thread(self.digests.schedule)
        return await self.digests.run_due()

    async def deliver(self, *, should_stop: Callable[[], bool] = lambda: False) -> DeliveryReport:
        """Every receiver's due rows, one lane per receiver in parallel (``poll --once``, tests)."""
        return await deliver_due(
            self.engine,
            self.notifiers,
            owner=self.owner,
            now=self.now,
            lease=self.lease,
            operators=self.config.operator,
            should_stop=should_stop,
            deadline_s=self.settings.send_deadline_seconds,
            parallel=self.settings.max_parallel_receivers,
            on_outcome=self._outcome,
        )

    def _outcome(self, receiver: str, outcome: Outcome) -> None:
        self.watch.delivery(receiver, outcome, self.now())

    async def due_receivers(self) -> list[str]:
        return await asyncio.to_thread(due_receivers, self.engine, now=self.now())

    async def deliver_lane(
        self,
        receiver: str,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        on_outcome: Callable[[str, Outcome], None] | None = None,
    ) -> DeliveryReport:
        """One receiver's due rows (the daemon runs one lane per receiver, so a slow one waits alone).
        Each outcome goes to the operator watch, then to ``on_outcome``."""

        def outcome(receiver: str, o: Outcome) -> None:
            self._outcome(receiver, o)
            if on_outcome is not None:
                on_outcome(receiver, o)

        return await deliver_receiver(
            self.engine,
            self.notifiers.get(receiver),
            receiver,
            owner=self.owner,
            now=self.now,
            lease=self.lease,
            operators=self.config.operator,
            should_stop=should_stop,
            deadline_s=self.settings.send_deadline_seconds,
            on_outcome=outcome,
        )

"""The units of work the CLI and the daemon share, as :class:`monitor.app.App` runs them: claim sources
(spread over hosts) and poll them within the process's fetch slots (``poll_pass``, ``claim_and_poll``,
``claim`` + ``poll_claimed``), deliver each receiver's due alerts (``deliver``, ``deliver_lane``), queue and
send digests, run the retention job. ``App`` builds and owns the state they use.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.config.schema import Config
from monitor.hosts import HostGate
from monitor.leases import LeaseKeeper
from monitor.metrics import ITEMS, POLLS
from monitor.notify import Notifier
from monitor.notify.digest_run import DigestReport, DigestRunner
from monitor.notify.send import Outcome
from monitor.notify.worker import DeliveryReport, deliver_due, deliver_receiver
from monitor.poll import PollContext, SourceReport, poll_source
from monitor.poll_records import ClaimedSource
from monitor.settings import Settings
from monitor.store import leases, maintenance
from monitor.store.outbox import due_receivers
from monitor.watch import Watch

__all__ = ["PassReport", "UnitsOfWork"]

MAINTENANCE_LEASE = timedelta(hours=1)  # a retention run that dies is retried by another after this


@dataclass
class PassReport:
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceReport]:
        return [r for r in self.sources if r.failed]


class UnitsOfWork:
    """The units of work of :class:`monitor.app.App`, which builds every attribute below."""

    settings: Settings
    config: Config
    engine: sa.Engine
    notifiers: dict[str, Notifier]
    now: Callable[[], datetime]
    owner: str
    lease: timedelta
    poll_ctx: PollContext
    fetch_slots: asyncio.Semaphore
    polls_in_flight: int
    host_load: dict[str, int]
    claim_held_back: int
    leases: LeaseKeeper
    on_poll_done: Callable[[SourceReport], None] | None
    digests: DigestRunner
    watch: Watch

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

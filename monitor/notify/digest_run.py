"""Digest delivery, top to bottom: for each configured digest make sure the latest complete period has a
``digest_run`` row, claim due runs with a lease, collect the period's mentions from the database, render,
send (or print, when no SMTP server is configured), record the outcome.

Once per period: the run row is unique per (digest, period start), claimed by one instance at a time,
and marked sent only after the SMTP server answered. A run interrupted after DATA (or found in
``sending`` after a crash) is sent again with the same Message-ID: at worst a recognisable duplicate.
"""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from monitor.config.delivery import Digest
from monitor.config.schema import Config
from monitor.errors import DeliveryError
from monitor.notify.digest import build_message, digest_context, message_id_for, render_digest
from monitor.notify.email import SmtpSettings, send_email
from monitor.notify.operator import operator_alert_rows
from monitor.notify.send import retry_delay
from monitor.schedule import digest_period
from monitor.store.digests import ClaimedRun, claim_runs, collect_mentions, ensure_run, record_run
from monitor.store.misses import collect_near_misses
from monitor.store.outbox import MAX_UNCONFIRMED_SENDS
from monitor.watch import queue_rows

__all__ = ["DigestReport", "DigestRunner"]

log = logging.getLogger("pressmon.digest")


@dataclass
class DigestReport:
    sent: list[str] = field(default_factory=list)  # "<digest>@<period start>"
    empty: int = 0
    retried: int = 0
    failed: int = 0
    ambiguous: int = 0  # mailed without a confirmed answer as often as allowed: a person decides


class DigestRunner:
    def __init__(
        self,
        engine: sa.Engine,
        config: Config,
        *,
        owner: str,
        now: Callable[[], datetime],
        lease: timedelta,
        smtp: SmtpSettings | None,
        stream: TextIO | None = None,
        template_dirs: Sequence[Path] = (),
    ) -> None:
        self.engine = engine
        self.config = config
        self.owner = owner
        self.now = now
        self.lease = lease
        self.smtp = smtp
        self.stream = stream
        self.template_dirs = tuple(template_dirs)
        self.domain = smtp.sender.rsplit("@", 1)[-1] if smtp else "pressmon.localhost"

    def message_id(self, digest_id: str, start: datetime) -> str:
        return message_id_for(digest_id, start, self.domain)

    def render(self, digest_id: str, start: datetime, end: datetime) -> tuple[dict[str, object], str, str]:
        """The period's context, text and HTML (also used by `pressmon digest preview`)."""
        d = self.config.digests[digest_id]
        alerts = collect_mentions(
            self.engine,
            topics=d.topics,
            start=start,
            end=end,
            topic_titles={t.id: t.title or t.id for t in self.config.topics},
            source_titles={s.id: s.title or s.id for s in self.config.sources},
        )
        topic_titles = {t.id: t.title or t.id for t in self.config.topics}
        source_titles = {s.id: s.title or s.id for s in self.config.sources}
        misses = [
            {
                "topic_title": topic_titles.get(m.topic_id, m.topic_id),
                "title": m.title,
                "source_title": source_titles.get(m.source_id, m.source_id),
                "reason": m.reason,
                "url": m.url,
            }
            for m in collect_near_misses(self.engine, start=start, end=end, topics=d.topics, limit=100)
        ]
        ctx = digest_context(
            digest_id=digest_id,
            title=d.title or digest_id,
            period_start=start,
            period_end=end,
            tz=d.timezone,
            alerts=alerts,
            misses=misses,
        )
        text, html = render_digest(ctx, template_dirs=self.template_dirs)
        return ctx, text, html

    def schedule(self) -> None:
        """Make sure each digest's latest complete period has its run row."""
        now = self.now()
        for digest_id, d in self.config.digests.items():
            start, end = digest_period(now=now, tz=d.timezone, at=d.at, cron=d.cron)
            ensure_run(
                self.engine,
                digest_id=digest_id,
                start=start,
                end=end,
                message_id=self.message_id(digest_id, start),
                now=now,
            )

    def queue_now(self, digest_id: str, *, since: timedelta) -> datetime:
        """An extra run for ``[now - since, now)`` (``pressmon digest send --now``)."""
        now = self.now()
        start = now - since
        ensure_run(
            self.engine,
            digest_id=digest_id,
            start=start,
            end=now,
            message_id=self.message_id(digest_id, start),
            now=now,
        )
        return start

    async def run_due(self) -> DigestReport:
        report = DigestReport()
        for run in claim_runs(self.engine, owner=self.owner, now=self.now(), lease=self.lease):
            await self._send(run, report)
        return report

    def _leave_ambiguous(self, run: ClaimedRun, label: str, why: str, report: DigestReport) -> None:
        """Mailed ``run.unconfirmed`` times without a confirmed answer: SMTP cannot be asked whether it
        arrived, so it is not sent again; the operator receivers are told (RELIABILITY G2: at most one
        duplicate, recognisable by its Message-ID)."""
        error = (
            f"digest: {label}: mailed {run.unconfirmed} times without a confirmed answer (last: {why}); "
            f"not sent again: check the mailboxes (Message-ID {run.message_id})"
        )
        log.error("%s", error)
        now = self.now()
        rows = operator_alert_rows(
            "delivery-ambiguous",
            f"digest:{label}",
            title=f"digest {label} unconfirmed",
            error=error,
            operators=self.config.operator,
            now=now,
            receiver=f"digest {run.digest_id}",
        )
        if record_run(
            self.engine, run, state="ambiguous", now=now, last_error=error, unconfirmed=run.unconfirmed
        ):
            queue_rows(self.engine, rows)
            report.ambiguous += 1

    async def _send(self, run: ClaimedRun, report: DigestReport) -> None:
        d: Digest | None = self.config.digests.get(run.digest_id)
        if d is None:
            record_run(
                self.engine, run, state="failed", now=self.now(), last_error="digest no longer in config"
            )
            report.failed += 1
            return
        ctx, text, html = self.render(run.digest_id, run.period_start, run.period_end)
        counts = ctx["counts"]
        count = int(counts["statements"]) if isinstance(counts, dict) else 0
        if ctx["empty"]:
            record_run(self.engine, run, state="empty", now=self.now(), items=0)
            report.empty += 1
            return
        label = f"{run.digest_id}@{run.period_start.isoformat(timespec='minutes')}"
        if self.smtp is None:
            out = self.stream or sys.stdout
            out.write(f"── digest {label} (no smtp: configured: printed here) ──\n{text}\n")
            out.flush()
            record_run(
                self.engine, run, state="sent", now=self.now(), items=count, result={"console": "printed"}
            )
            report.sent.append(label)
            return
        if run.in_doubt and run.unconfirmed >= MAX_UNCONFIRMED_SENDS:
            self._leave_ambiguous(run, label, "earlier send interrupted", report)
            return
        if run.in_doubt:
            log.warning("digest: %s: earlier send unconfirmed; sending again with the same Message-ID", label)
        message = build_message(
            context=ctx,
            text=text,
            html=html,
            sender=self.smtp.sender,
            recipients=d.to,
            message_id=run.message_id,
        )
        if not record_run(self.engine, run, state="sending", now=self.now(), unconfirmed=run.unconfirmed):
            return
        try:
            result = await send_email(self.smtp, message, d.to, receiver=f"digest {run.digest_id}")
        except DeliveryError as e:
            if e.ambiguous and run.unconfirmed + 1 >= MAX_UNCONFIRMED_SENDS:
                self._leave_ambiguous(replace(run, unconfirmed=run.unconfirmed + 1), label, str(e), report)
                return
            if e.retryable or e.ambiguous:
                at = self.now() + retry_delay(
                    run.attempts, rand=random.random(), retry_after_s=e.retry_after_s
                )
                state = "ambiguous" if e.ambiguous else "retry"
                record_run(
                    self.engine,
                    run,
                    state=state,
                    now=self.now(),
                    next_attempt_at=at,
                    last_error=str(e),
                    unconfirmed=run.unconfirmed + (1 if e.ambiguous else 0),
                )
                report.retried += 1
            else:
                log.error("%s (permanent; not retried)", e)
                record_run(self.engine, run, state="failed", now=self.now(), last_error=str(e))
                report.failed += 1
            return
        outcome = {"accepted": list(result.accepted), "refused": dict(result.refused)}
        if result.refused:
            log.warning("digest: %s: refused by the server for %s", label, ", ".join(sorted(result.refused)))
        record_run(self.engine, run, state="sent", now=self.now(), items=count, result=outcome)
        report.sent.append(label)

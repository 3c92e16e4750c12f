"""Poll one claimed source, top to bottom: fetch -> parse -> identity -> load stored -> decide -> commit.

The only function here with side effects in the middle of the pipeline; every decision is made by the
pure stages in ``monitor.pipeline``. The fetch runs outside any transaction while the instance's lease
keeper (``monitor.leases``) renews every lease it holds; the commit is one fenced transaction. A failure
at any step commits only the source's schedule and error, so a broken feed never changes stored items
(RELIABILITY G4).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from monitor import cpujobs, failpoints
from monitor.config.schema import Config, Source
from monitor.cpu import CpuPool
from monitor.errors import BudgetExceeded, FetchError, LeaseLost, ParseError, StaleStories, StoryLockBusy
from monitor.fault import fault_kind, fault_message, one_line
from monitor.fetch import FetchPolicy, fetch
from monitor.hosts import HostGate
from monitor.logjson import log_context
from monitor.match.topics import TopicMatcher
from monitor.metrics import FETCH_SECONDS, MENTIONS, STAGE_SECONDS, timed
from monitor.model import FetchOutcome, FetchResult, Parsed
from monitor.pages import full_texts, more_pages
from monitor.pipeline import decide_failure, decide_not_modified, decide_success
from monitor.plan import GoneItem
from monitor.poll_records import DECIDE_IN_COMMIT, ClaimedSource, PollWrite, Stories
from monitor.schedule import ADAPT_LOOKBACK, adaptive_every
from monitor.store import leases, poll_commit, poll_reads, story_keys
from monitor.store.poll_commit import Redecide
from monitor.writer import BatchWriter

__all__ = ["PollContext", "SourceReport", "poll_source", "record_fault"]

log = logging.getLogger("pressmon.poll")

STORY_WINDOW = timedelta(hours=72)  # how far back a new item looks for a story to join
STORY_ATTEMPTS = 25  # decide-and-commit tries (a commit refused for a busy story lock tries again)
STORY_LOCK_TRIES = 2  # commits that may wait lock_timeout for the story lock before going without it


@dataclass(frozen=True)
class PollContext:
    engine: sa.Engine
    client: httpx.AsyncClient
    config: Config
    topics: TopicMatcher
    allow_private: bool
    lease: timedelta
    now: Callable[[], datetime]
    rand: Callable[[], float]
    hosts: HostGate = field(default_factory=HostGate)  # per-host politeness for every fetch
    cpu: CpuPool = field(default_factory=CpuPool)  # parse and match (monitor.cpu); in process by default
    writer: BatchWriter | None = None  # outcomes commit in batches (monitor.writer)


async def _commit(
    ctx: PollContext,
    write: PollWrite,
    *,
    started_at: datetime,
    redecide: Redecide | None = None,
) -> None:
    """Store one poll's outcome, fenced by its lease (LeaseLost if lost): through the batched writer when
    there is one (a write with new items decides again inside the batch's transaction with ``redecide``
    if items stored meanwhile could change its stories), else in a transaction of its own."""
    if ctx.writer is not None:
        await ctx.writer.commit(write, started_at=started_at, redecide=redecide)
    else:
        await asyncio.to_thread(
            poll_commit.commit_poll,
            ctx.engine,
            write,
            now=ctx.now(),
            started_at=started_at,
            redecide=redecide,
        )


async def _get(ctx: PollContext, src: Source, url: str, policy: FetchPolicy, **kw: Any) -> FetchResult:
    """Every fetch a poll makes (feed, pages, full texts, probes) goes through the host's gate."""
    async with ctx.hosts.slot(url):
        return await fetch(ctx.client, src.id, url, policy=policy, **kw)


@dataclass(frozen=True)
class SourceReport:
    source_id: str
    status: str  # ok | not_modified | unchanged | error | lease-lost
    new: int = 0
    revised: int = 0
    alerts: int = 0
    error: str | None = None
    baseline: bool = False
    error_kind: str | None = None  # for errors this pass found: "store" when the database refused
    unrecorded: bool = False  # the error could not even be recorded (the database refuses writes)
    next_due: datetime | None = None  # when the source is due again, as committed (the claim loop wakes)

    @property
    def failed(self) -> bool:
        return self.status in ("error", "lease-lost")


def _policy(src: Source, allow_private: bool) -> FetchPolicy:
    t = src.timeout.total_seconds()
    return FetchPolicy(
        connect_timeout_s=t,
        read_timeout_s=t,
        deadline_s=src.deadline.total_seconds(),
        max_wire_bytes=src.max_bytes,
        max_decoded_bytes=src.max_bytes,
        allow_private=allow_private,
    )


Decide = Callable[..., Awaitable[PollWrite]]


@dataclass(frozen=True)
class Deciding:
    """A parsed poll, ready to decide: ``decide`` before the commit (story candidates read outside any
    lock), ``redecide`` inside it when items stored meanwhile could change a story decision."""

    decide: Decide
    redecide: Redecide


async def _probe(ctx: PollContext, src: Source, url: str) -> str | None:
    """Is a statement that left the listing gone at its URL? "" (no: it answers), evidence text (yes:
    404/410), or None (no definite answer: a timeout, a 5xx)."""
    policy = replace(_policy(src, ctx.allow_private), max_wire_bytes=2_000_000, max_decoded_bytes=2_000_000)
    try:
        await _get(ctx, src, url, policy)
    except FetchError as e:
        if e.status_code in (404, 410):
            return f"{url} answers HTTP {e.status_code}"
        if e.kind.value == "too_large":
            return ""
        return None
    return ""


async def _interval(ctx: PollContext, src: Source) -> timedelta | None:
    """This poll's interval for a source with every_min/every_max (``schedule.adaptive_every``)."""
    if src.every_min is None and src.every_max is None:
        return None
    now = ctx.now()
    start, seen = await asyncio.to_thread(
        poll_reads.publishing_history, ctx.engine, src.id, since=now - ADAPT_LOOKBACK
    )
    return adaptive_every(
        every=src.every,
        every_min=src.every_min,
        every_max=src.every_max,
        seen=seen,
        history_start=start,
        now=now,
    )


async def _read_page(ctx: PollContext, src: Source, page: FetchResult, now: datetime) -> Parsed:
    """A later page of a listing or API, read in a worker (no identity yet: the pages are joined first)."""
    return await ctx.cpu.run("parse", src.id, cpujobs.parse_page, src, page, now)


async def _decide(ctx: PollContext, src: Source, claim: ClaimedSource) -> PollWrite | Deciding:
    """A failure or not-modified write, or (for a parsed feed) how to decide the write against the stories
    as they are: before the commit, and again inside it if they moved (:class:`Deciding`)."""
    policy = _policy(src, ctx.allow_private)
    now = ctx.now()
    every = await _interval(ctx, src)
    if claim.lease_until is not None and now >= claim.lease_until:
        # Claimed, then paused (SIGSTOP, a stalled host, a long queue) past the lease: if another
        # instance took the source meanwhile, fetching would poll it twice in one slot (and the commit
        # would be refused anyway); if nobody did, the lease is ours again.
        renewed = await asyncio.to_thread(
            leases.heartbeat, ctx.engine, claim.source_id, claim.token, until=now + ctx.lease
        )
        if not renewed:
            raise LeaseLost(f"source {src.id} (taken over while this instance was paused; not fetched)")
    try:
        with timed(FETCH_SECONDS):
            result = await _get(
                ctx,
                src,
                src.url,
                policy,
                etag=claim.etag,
                last_modified=claim.last_modified,
                previous_body_hash=claim.body_hash,
            )
    except FetchError as e:
        return decide_failure(
            src,
            claim,
            error=str(e),
            error_kind=e.kind.value,
            now=ctx.now(),
            rand=ctx.rand(),
            routes=ctx.config.routes,
            retry_after_s=e.retry_after_s,
            http_status=e.status_code,
        )
    if result.outcome is not FetchOutcome.OK:
        return decide_not_modified(
            src, claim, result, now=ctx.now(), rand=ctx.rand(), routes=ctx.config.routes, every=every
        )
    guid_keys = (
        await asyncio.to_thread(poll_reads.recent_identity_keys, ctx.engine, src.id)
        if claim.baseline_done
        else set()
    )
    budget = ctx.cpu.budget
    try:
        if len(result.body) > budget.max_bytes:
            raise BudgetExceeded(
                src.id,
                "parse",
                f"body of {len(result.body):,} bytes is over the {budget.max_bytes:,}-byte parse budget",
            )
        # CPU work in a worker process (monitor.cpu), under a time and a memory budget: a huge or hostile
        # body must not stall the event loop (other polls, deliveries), nor grow this process.
        # A source with nothing stored (a first poll): every item is new, so they are prepared too.
        first = claim.item_count == 0 and not claim.baseline_done
        with timed(STAGE_SECONDS, stage="parse"):
            parsed, identified, new = await ctx.cpu.run(
                "parse",
                src.id,
                cpujobs.parse,
                src,
                result,
                now,
                claim,
                guid_keys,
                shared=ctx.topics if first else None,
            )
    except (ParseError, BudgetExceeded) as e:
        return decide_failure(
            src,
            claim,
            error=str(e),
            error_kind="parse" if isinstance(e, ParseError) else "budget",
            now=ctx.now(),
            rand=ctx.rand(),
            routes=ctx.config.routes,
            http_status=result.status_code,
            wire_bytes=result.wire_bytes,
        )
    if parsed.next_url:
        parsed = await more_pages(
            src,
            parsed,
            lambda url: _get(ctx, src, url, policy),
            now=now,
            read=lambda page: _read_page(ctx, src, page, now),
        )
    if parsed.ttl_s is not None:  # the feed's own <ttl> is a floor like Cache-Control
        result = replace(result, next_poll_hint_s=max(parsed.ttl_s, result.next_poll_hint_s or 0.0))
    if identified is None:  # entries of several pages
        identified = await ctx.cpu.run("identity", src.id, cpujobs.identify, parsed.entries, claim, guid_keys)
    items, key_mode, switched = identified
    stored = await asyncio.to_thread(poll_reads.load_stored, ctx.engine, src.id, [i.key for i in items])
    texts: dict[str, str] = {}
    text_notes: list[str] = []
    if src.full_text and claim.baseline_done and not switched:  # never for a baseline's hundreds of items
        changed = [
            i for i in items if i.key not in stored or stored[i.key].revision.content_hash != i.content_hash
        ]
        texts, text_notes = await full_texts(
            src, changed, parsed.full_text_urls, lambda url: _get(ctx, src, url, policy)
        )
    gone: list[tuple[int, GoneItem | None]] = []
    if claim.baseline_done and not switched and items:
        candidates = await asyncio.to_thread(
            poll_reads.gone_candidates, ctx.engine, src.id, [i.key for i in items], now=ctx.now()
        )
        for c in candidates:
            verdict = await _probe(ctx, src, c.url)
            if verdict is not None:  # a definite answer; anything else is checked again next poll
                gone.append(
                    (
                        c.item_id,
                        GoneItem(c.item_id, c.item_key, c.title, c.url, c.revision, c.topic_ids, verdict),
                    )
                    if verdict
                    else (c.item_id, None)
                )

    # Mentions, near misses and story probes of the new items, once per poll, in a worker like the parse.
    fresh = [i for i in items if i.key not in stored]
    alerting = claim.baseline_done and not switched
    if new is None or stored or texts:
        new = (
            await ctx.cpu.run(
                "match", src.id, cpujobs.prepare, src, fresh, texts, alerting, shared=ctx.topics
            )
            if fresh
            else {}
        )

    baseline = not claim.baseline_done or switched  # stored, not alerted: no story to join
    probes = [n.probe for n in new.values()] if not baseline and new else []  # only new items join stories

    def decide_with(stories: Stories, snapshot: int | None, now: datetime) -> PollWrite:
        with timed(STAGE_SECONDS, stage="decide"):
            write = decide_success(
                src,
                claim,
                result,
                items,
                stored,
                key_mode=key_mode,
                key_mode_switched=switched,
                stories=stories,
                new=new,
                gone=gone,
                topics=ctx.topics,
                routes=ctx.config.routes,
                now=now,
                rand=ctx.rand(),
                parse_notes=(*parsed.notes, *text_notes),
                full_texts=texts,
                every=every,
            )
        return replace(
            write,
            stories_snapshot=snapshot,
            encoding=parsed.encoding,
            full_text_notes=tuple(text_notes) if write.status == "ok" else (),
        )

    async def decide(*, check_stories: bool) -> PollWrite:
        stories = Stories()
        if probes and check_stories and ctx.writer is not None:
            # The batched writer decides the stories inside its transaction: reading the candidates
            # here too would be read again there whenever a poll of the same burst committed first.
            return await asyncio.to_thread(decide_with, stories, DECIDE_IN_COMMIT, ctx.now())
        if probes:
            stories = await asyncio.to_thread(
                story_keys.story_lookup, ctx.engine, probes, since=ctx.now() - STORY_WINDOW
            )
        snapshot = stories.snapshot if check_stories and probes else None
        return await asyncio.to_thread(decide_with, stories, snapshot, ctx.now())

    def redecide(s: Session) -> tuple[PollWrite, datetime]:
        """Decided again inside the commit's transaction, which holds the write lock (SQLite) or the
        story locks of these items (PostgreSQL): the candidates it reads cannot change before it
        commits, so a burst of polls carrying one story decides each item at most twice. Its rows take
        the time it decided at, not the time the commit started waiting for the lock: an item that joins
        a story stored meanwhile is queued after that story's first alert."""
        now = ctx.now()
        return decide_with(story_keys.story_lookup_in(s, probes, since=now - STORY_WINDOW), None, now), now

    return Deciding(decide, redecide)


async def poll_source(ctx: PollContext, claim: ClaimedSource) -> SourceReport:
    """Poll one claimed source. Never raises (but for cancellation): every source is its own failure
    domain, so any exception in its fetch, decode, parse, identity, match or commit becomes a recorded
    error on this source (``monitor.fault``) and the rest of the pass goes on."""
    started = ctx.now()
    with log_context(source_id=claim.source_id):
        try:
            return await _poll(ctx, claim, started)
        except Exception as e:
            return await record_fault(ctx, claim, e, started=started)


async def record_fault(
    ctx: PollContext, claim: ClaimedSource, exc: Exception, *, started: datetime
) -> SourceReport:
    """An unexpected failure of one source's poll: record it as that source's error (poll_log row,
    backoff, health alert after the threshold), log one line naming the source (once per streak), and
    give the lease back. If the database refuses that too, the lease simply expires."""
    kind = fault_kind(exc)
    error = fault_message(kind, claim.source_id, exc)
    try:
        src = ctx.config.source(claim.source_id)
        write = decide_failure(
            src, claim, error=error, error_kind=kind, now=ctx.now(), rand=ctx.rand(), routes=ctx.config.routes
        )
        await _commit(ctx, write, started_at=started)
    except LeaseLost as e:
        log.error("%s (after: %s)", e, error)
        return SourceReport(claim.source_id, "lease-lost", error=str(e))
    except Exception as e2:
        # The database refuses even this: the operator hears it once per streak (monitor.watch).
        log.debug("poll: %s: %s; recording it failed too (%s)", claim.source_id, error, one_line(e2))
        try:
            await asyncio.to_thread(leases.release_lease, ctx.engine, claim.source_id, claim.token)
        except Exception:
            log.debug("poll: %s: lease not released; it expires by itself", claim.source_id)
        return SourceReport(claim.source_id, "error", error=error, error_kind=kind, unrecorded=True)
    if write.source.error_streak == 1:  # once per streak, like every source error (RELIABILITY 8)
        log.error("poll: %s: %s; recorded, backing off", claim.source_id, error)
    log.debug("poll: %s: %s", claim.source_id, kind, exc_info=exc)
    return SourceReport(
        claim.source_id, "error", error=error, error_kind=kind, next_due=write.source.next_due
    )


async def _poll(ctx: PollContext, claim: ClaimedSource, started: datetime) -> SourceReport:
    src = ctx.config.source(claim.source_id)
    try:
        outcome = await _decide(ctx, src, claim)
        # Two sources polled at once may carry the same story: a commit that finds items stored since
        # its story candidates were read decides again inside its transaction (``redecide``), where
        # nothing can change them again; before that, a burst of n polls on one story re-decided up to
        # n-1 times each (8 decisions per item in bench/ingest.py's burst).
        # A story lock not had within lock_timeout is retried once, then the commit goes ahead without
        # it (as the last try does), so a stalled lock holder delays alerts by seconds, not forever.
        busy = 0
        for attempt in range(STORY_ATTEMPTS):
            last = attempt == STORY_ATTEMPTS - 1 or busy >= STORY_LOCK_TRIES
            if isinstance(outcome, PollWrite):
                write, redecide = outcome, None
            else:
                write, redecide = await outcome.decide(check_stories=not last), outcome.redecide
            failpoints.hit("mid-poll")
            try:
                await _commit(ctx, write, started_at=started, redecide=redecide)
                break
            except StoryLockBusy as e:
                busy += 1
                log.warning("poll: %s%s", e, "" if busy < STORY_LOCK_TRIES else " without the story lock")
            except StaleStories:
                continue
    except LeaseLost as e:
        log.error("%s", e)
        return SourceReport(src.id, "lease-lost", error=str(e))
    for w in write.items:
        for m in w.mentions:
            MENTIONS.labels(topic=m.topic_id).inc()
    for note in write.notes:
        log.warning("poll: %s: %s", src.id, note, extra={"source_id": src.id})
    if write.status == "error":
        # Logged once per streak, not once per poll (RELIABILITY case 8).
        if write.source.error_streak == 1:
            log.warning("%s", write.source.error)
        return SourceReport(src.id, "error", error=write.source.error, next_due=write.source.next_due)
    if claim.error_streak > 0:
        log.info("poll: %s: recovered after %d failed polls", src.id, claim.error_streak)
    return SourceReport(
        src.id,
        write.status,
        new=write.new_count,
        revised=write.revised_count,
        alerts=write.alert_count,
        baseline=not claim.baseline_done and write.status == "ok",
        next_due=write.source.next_due,
    )

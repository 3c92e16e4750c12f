"""One poll's decisions, as pure functions: what to store and what to alert.

``decide_success`` takes what a fetch and parse produced plus what the store already holds and returns a
:class:`PollWrite`; ``decide_failure`` does the same for a failed fetch or parse (which changes nothing
stored but the schedule), ``decide_not_modified`` for an unchanged feed. The orchestrator
(``monitor.poll``) does the I/O around them; what they take from the fetch is prepared by
``monitor.poll_prepare``; the records they return are ``monitor.poll_records``; the store commits a
``PollWrite`` in one fenced transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.config.delivery import Route
from monitor.config.schema import Source
from monitor.diff import classify, diff_summary, is_material
from monitor.match.topics import NearMiss, TopicMatcher
from monitor.model import ChangeKind, FetchResult, Item, Mention
from monitor.plan import (
    GoneItem,
    PlannedAlert,
    StoryLink,
    plan_health_alerts,
    plan_item_alerts,
    plan_withdrawn_alerts,
)
from monitor.poll_prepare import NewItem, mentions_of, near_misses_of, prepare_new
from monitor.poll_records import ClaimedSource, ItemWrite, PollWrite, SourceUpdate, StoredItem, Stories
from monitor.schedule import next_due
from monitor.stories import decide_story

__all__ = ["decide_failure", "decide_not_modified", "decide_success"]


def _ok_update(
    src: Source,
    claim: ClaimedSource,
    *,
    now: datetime,
    rand: float,
    hint_s: float | None,
    every: timedelta | None = None,
) -> SourceUpdate:
    return SourceUpdate(
        next_due=next_due(
            now=now, every=every or src.every, jitter=src.jitter, error_streak=0, rand=rand, hint_s=hint_s
        ),
        checked_at=now,
        ok=True,
        error_streak=0,
    )


def decide_failure(
    src: Source,
    claim: ClaimedSource,
    *,
    error: str,
    error_kind: str,
    now: datetime,
    rand: float,
    routes: Sequence[Route] = (),
    retry_after_s: float | None = None,
    http_status: int | None = None,
    wire_bytes: int = 0,
) -> PollWrite:
    """A failed fetch or parse: nothing stored changes but the schedule (backoff) and the error.
    A source failing for ``health_alert_after`` raises one source-health alert per failure streak."""
    streak = claim.error_streak + 1
    failing_since = claim.failing_since or now
    alerts: list[PlannedAlert] = []
    if not claim.health_alerted and now - failing_since >= src.health_alert_after:
        alerts = plan_health_alerts(
            src, routes, state="failing", failing_since=failing_since, error=error, streak=streak, now=now
        )
    update = SourceUpdate(
        next_due=next_due(
            now=now,
            every=src.every,
            jitter=src.jitter,
            error_streak=streak,
            rand=rand,
            retry_after_s=retry_after_s,
        ),
        checked_at=now,
        ok=False,
        error_streak=streak,
        error=error,
        error_kind=error_kind,
        failing_since=failing_since,
        health_alerted=claim.health_alerted or bool(alerts),
    )
    return PollWrite(
        source_id=src.id,
        token=claim.token,
        source=update,
        status="error",
        http_status=http_status,
        wire_bytes=wire_bytes,
        source_alerts=tuple(alerts),
    )


def _recovered(
    src: Source, claim: ClaimedSource, routes: Sequence[Route], now: datetime
) -> tuple[PlannedAlert, ...]:
    if not claim.health_alerted or claim.failing_since is None:
        return ()
    return tuple(
        plan_health_alerts(
            src, routes, state="resolved", failing_since=claim.failing_since, error=None, streak=0, now=now
        )
    )


def decide_not_modified(
    src: Source,
    claim: ClaimedSource,
    result: FetchResult,
    *,
    now: datetime,
    rand: float,
    routes: Sequence[Route] = (),
    every: timedelta | None = None,
) -> PollWrite:
    """304, or 200 with the same body as last time: only the schedule (and validators) move."""
    base = _ok_update(src, claim, now=now, rand=rand, hint_s=result.next_poll_hint_s, every=every)
    update = SourceUpdate(
        next_due=base.next_due,
        checked_at=now,
        ok=True,
        error_streak=0,
        etag=result.etag,
        last_modified=result.last_modified,
        body_hash=result.body_hash or claim.body_hash,
        update_validators=True,
    )
    return PollWrite(
        source_id=src.id,
        token=claim.token,
        source=update,
        status=result.outcome.value,
        http_status=result.status_code,
        wire_bytes=result.wire_bytes,
        source_alerts=_recovered(src, claim, routes, now),
    )


def decide_success(
    src: Source,
    claim: ClaimedSource,
    result: FetchResult,
    items: Sequence[Item],
    stored: Mapping[str, StoredItem],
    *,
    key_mode: str,
    key_mode_switched: bool = False,
    stories: Stories = Stories(),
    new: Mapping[str, NewItem] | None = None,
    gone: Sequence[tuple[int, GoneItem | None]] = (),
    topics: TopicMatcher,
    routes: Sequence[Route],
    now: datetime,
    rand: float,
    parse_notes: Sequence[str] = (),
    full_texts: Mapping[str, str] = {},
    every: timedelta | None = None,  # this poll's interval (adaptive); None: src.every
    near_misses: bool = True,  # False: a replay, which neither stores nor shows them
    known_mentions: Mapping[tuple[str, str], tuple[Mention, ...]] = {},  # (key, content hash): matched
) -> PollWrite:
    """A parsed fetch: classify every item against the store, match topics, plan alerts.

    A first poll is a baseline (stored with its mentions, not alerted). A source whose GUIDs all changed
    since the last poll while its URLs did not is switched to URL keys; that poll is treated as a baseline
    too, so a CMS that regenerates GUIDs causes no alert flood.
    """
    if not items and claim.item_count > 0:
        what = {"html": "listing", "json_api": "API response"}.get(src.kind, "feed")
        why = f" ({'; '.join(parse_notes)})" if parse_notes else ""
        return decide_failure(
            src,
            claim,
            error=f"parse: {src.id}: {what} has no entries{why} (had {claim.item_count} before); "
            "nothing changed",
            error_kind="empty",
            now=now,
            rand=rand,
            routes=routes,
            http_status=result.status_code,
            wire_bytes=result.wire_bytes,
        )
    baseline = not claim.baseline_done or key_mode_switched
    notes: list[str] = list(parse_notes)
    if key_mode_switched:
        notes.append("GUIDs changed on every item while URLs did not: switched to URL keys")
    stored_revisions = {k: s.revision for k, s in stored.items()}
    changes = classify(items, stored_revisions)
    if new is None:
        new = prepare_new(src, items, stored, topics, full_texts)
    topic_titles = topics.titles
    writes: list[ItemWrite] = []
    seen: list[str] = []
    for change in changes:
        item = change.item
        if change.kind is ChangeKind.UNCHANGED:
            seen.append(item.key)
            continue
        if item.key in full_texts:
            # Matched, clustered, diffed and stored with the page's main text; the content hash stays the
            # listing's, so the next poll (summary only) sees the item unchanged.
            item = replace(item, text=full_texts[item.key])
            change = replace(change, item=item)
        prev = stored.get(item.key)
        seq = prev.seq + 1 if prev else 1
        fresh = new.get(item.key) if change.kind is ChangeKind.NEW else None
        if fresh is not None:
            mentions = fresh.mentions
        elif (item.key, item.content_hash) in known_mentions and item.key not in full_texts:
            mentions = known_mentions[item.key, item.content_hash]
        else:
            mentions = tuple(mentions_of(topics, src, item))
        near: tuple[NearMiss, ...] = ()
        if not baseline and fresh is not None and fresh.near_misses is not None:
            near = fresh.near_misses  # computed with its mentions (in a worker)
        elif not baseline and near_misses:  # a baseline is not news: its near misses are not either
            near = tuple(near_misses_of(topics, src, item, mentions))
        material: tuple[bool, str] = (True, "")
        diff: str | None = None
        link: StoryLink | None = None
        story_reason: str | None = None
        if fresh is not None and not baseline:
            decision = decide_story(
                fresh.probe,
                stories.for_probe(fresh.probe),
                seen_at=now,
                rarity=stories.rarity,
                led=stories.led,
            )
            story_reason = decision.reason
            if decision.story_id is not None:
                link = StoryLink(
                    decision.story_id,
                    stories.threads.get(decision.story_id),
                    decision.reason,
                    decision.official,
                )
        if change.kind is ChangeKind.REVISED:
            material = is_material(
                change.previous_title or "", change.previous_text or "", item.title, item.text
            )
            diff = diff_summary(
                f"{change.previous_title}\n{change.previous_text}", f"{item.title}\n{item.text}"
            )
        reason, alerts = plan_item_alerts(
            change,
            mentions,
            seq=seq,
            source_id=src.id,
            source_title=src.title or src.id,
            tags=src.tags,
            topic_titles=topic_titles,
            routes=routes,
            baseline=baseline,
            material=material,
            diff=diff,
            seen_at=now,
            story=link,
            primary=src.is_primary,
        )
        writes.append(
            ItemWrite(
                change=change,
                item_id=prev.item_id if prev else None,
                seq=seq,
                mentions=mentions,
                alerts=tuple(alerts),
                reason=reason,
                fingerprint=fresh.probe.fingerprint if fresh else None,
                story_id=link.story_id if link else None,
                near_misses=near,
                signature=fresh.probe.signature if fresh else None,
                primary=src.is_primary,
                story_reason=story_reason,
            )
        )
    withdrawn = [g for _, g in gone if g is not None]
    withdrawn_alerts = [
        a
        for g in withdrawn
        for a in plan_withdrawn_alerts(
            g,
            source_id=src.id,
            source_title=src.title or src.id,
            tags=src.tags,
            topic_titles=topic_titles,
            routes=routes,
            now=now,
        )
    ]
    base = _ok_update(src, claim, now=now, rand=rand, hint_s=result.next_poll_hint_s, every=every)
    update = SourceUpdate(
        next_due=base.next_due,
        checked_at=now,
        ok=True,
        error_streak=0,
        etag=result.etag,
        last_modified=result.last_modified,
        body_hash=result.body_hash,
        update_validators=True,
        baseline_done=True,
        key_mode=key_mode,
    )
    return PollWrite(
        source_id=src.id,
        token=claim.token,
        source=update,
        items=tuple(writes),
        seen_keys=tuple(seen),
        status="ok",
        http_status=result.status_code,
        wire_bytes=result.wire_bytes,
        entries=len(items),
        notes=tuple(notes),
        source_alerts=_recovered(src, claim, routes, now),
        gone_checked=tuple(item_id for item_id, _ in gone),
        withdrawn=tuple(g.item_id for g in withdrawn),
        withdrawn_alerts=tuple(withdrawn_alerts),
    )

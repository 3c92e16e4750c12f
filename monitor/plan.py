"""Which changes become alerts, for whom, and why (pure).

Input: the changes one poll found (new / revised items), the topics that matched each, the routes and
receivers from feeds.yaml, and whether this poll is a baseline. Output: for every item to store, the
alerts to queue, each with a reason. Nothing here reads the clock, the database or the network.

Alert identity: ``alert_key`` names one version of one item at one source (``new:<source>:<key>`` or
``revised:<source>:<key>:r<seq>``); with the receiver it is unique in the outbox, which is what makes
delivery idempotent. All topics that matched one item for one receiver go into one message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from monitor.config.delivery import Route
from monitor.config.fields import AlertKind
from monitor.config.schema import Source
from monitor.langtag import lang_matches
from monitor.match.facts import describe_facts
from monitor.model import Change, ChangeKind, Mention
from monitor.schedule import window_opens_at

__all__ = [
    "AlertReason",
    "GoneItem",
    "PlannedAlert",
    "RouteContext",
    "StoryLink",
    "alert_key",
    "plan_health_alerts",
    "plan_item_alerts",
    "plan_withdrawn_alerts",
    "route_receivers",
    "route_targets",
    "window_hold",
]


class AlertReason(StrEnum):
    FIRST_SEEN = "first-seen"  # a new item matched a topic
    ALSO_REPORTED = "also-reported"  # a new item joined a story first seen elsewhere
    MATERIAL_REVISION = "material-revision"  # a stored item changed in a way that matters
    BASELINE = "baseline"  # first poll of a source: stored, not alerted
    IMMATERIAL_REVISION = "immaterial-revision"
    NO_TOPIC = "no-topic"
    NO_ROUTE = "no-route"
    QUIET_HOURS = "quiet-hours"  # outside every matching route's window, left to the digests


@dataclass(frozen=True, slots=True)
class RouteContext:
    source_id: str
    tags: tuple[str, ...]
    kind: AlertKind
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class GoneItem:
    """A stored item that left the listing and whose URL now answers 404/410."""

    item_id: int
    item_key: str
    title: str
    url: str
    revision: int
    topic_ids: tuple[str, ...]
    evidence: str  # e.g. "https://... answers HTTP 404"


@dataclass(frozen=True, slots=True)
class StoryLink:
    """The story a new item joined: its id, the alert_key its updates thread under (None while no item of
    the story has had a ``new`` alert: the first one to match a topic is the story's first alert, not an
    update of a story nobody was told about), and why."""

    story_id: int
    thread_key: str | None
    reason: str
    official: bool = False  # a primary source's statement joining a story news reports started


@dataclass(frozen=True, slots=True)
class PlannedAlert:
    alert_key: str
    receiver: str
    kind: AlertKind
    topic_ids: tuple[str, ...]
    payload: dict[str, Any]
    not_before: datetime | None = None  # held until a route's window opens


def route_targets(routes: Sequence[Route], ctx: RouteContext, topic_id: str) -> list[tuple[str, Route]]:
    """(receiver, the route that chose it) for one topic hit, Alertmanager style: routes in order, the
    first match wins unless it says ``continue: true``. Within a route every given field must match; an
    empty field matches all."""
    out: list[tuple[str, Route]] = []
    for route in routes:
        m = route.match
        if m.topic and topic_id not in m.topic:
            continue
        if m.source and ctx.source_id not in m.source:
            continue
        if m.tag and not set(m.tag) & set(ctx.tags):
            continue
        if m.lang and not any(lang_matches(ctx.lang, w) for w in m.lang):
            continue
        if m.kind and ctx.kind not in m.kind:
            continue
        out.extend((r, route) for r in route.to if r not in {x for x, _ in out})
        if not route.continue_:
            break
    return out


def route_receivers(routes: Sequence[Route], ctx: RouteContext, topic_id: str) -> list[str]:
    return [r for r, _ in route_targets(routes, ctx, topic_id)]


def window_hold(route: Route, now: datetime) -> tuple[bool, datetime | None]:
    """(deliver at all, not before when). Inside the window: (True, None); outside with ``hold``:
    (True, when it opens); outside with ``digest``: (False, None) — the digests carry it."""
    w = route.window
    if w is None:
        return True, None
    opens = window_opens_at(now=now, days=w.days, start=w.start, end=w.end, tz=w.timezone)
    if opens is None:
        return True, None
    return (w.outside == "hold"), (opens if w.outside == "hold" else None)


def alert_key(kind: AlertKind, source_id: str, item_key: str, seq: int) -> str:
    digest = hashlib.sha256(item_key.encode()).hexdigest()[:20]
    return f"{kind}:{source_id}:{digest}" + (f":r{seq}" if kind == "revised" else "")


def _distinct(words: Iterable[str]) -> list[str]:
    """Matched words once each, case-insensitively, in order of appearance."""
    seen: dict[str, str] = {}
    for w in words:
        seen.setdefault(w.casefold(), w)
    return list(seen.values())


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def plan_health_alerts(
    src: Source,
    routes: Sequence[Route],
    *,
    state: str,
    failing_since: datetime,
    error: str | None,
    streak: int,
    now: datetime,
) -> list[PlannedAlert]:
    """A source-health alert: ``state`` is "failing" (after ``health_alert_after``) or "resolved". One
    per failure streak: the key carries the streak's start."""
    ctx = RouteContext(source_id=src.id, tags=src.tags, kind="source-health")
    receivers = route_receivers(routes, ctx, topic_id="")  # source health ignores quiet hours
    key = f"source-health:{src.id}:{failing_since.isoformat()}:{state}"
    payload: dict[str, Any] = {
        "alert_key": key,
        "kind": "source-health",
        "reason": f"source-{state}",
        "state": state,
        "source_id": src.id,
        "source_title": src.title or src.id,
        "url": src.url,
        "failing_since": _iso(failing_since),
        "seen_at": _iso(now),
        "error": error,
        "error_streak": streak,
    }
    return [PlannedAlert(key, r, "source-health", (), payload) for r in receivers]


def plan_withdrawn_alerts(
    gone: GoneItem,
    *,
    source_id: str,
    source_title: str,
    tags: tuple[str, ...],
    topic_titles: Mapping[str, str],
    routes: Sequence[Route],
    now: datetime,
) -> list[PlannedAlert]:
    """A statement that matched topics left the source's listing and its URL answers 404/410: tell the
    receivers its topics route to (kind ``withdrawn``), in the item's thread."""
    ctx = RouteContext(source_id=source_id, tags=tags, kind="withdrawn")
    receivers: list[str] = []
    for topic_id in gone.topic_ids:
        receivers.extend(r for r, _ in route_targets(routes, ctx, topic_id) if r not in receivers)
    key = f"withdrawn:{source_id}:{hashlib.sha256(gone.item_key.encode()).hexdigest()[:20]}"
    payload: dict[str, Any] = {
        "alert_key": key,
        "thread_key": alert_key("new", source_id, gone.item_key, 1),
        "kind": "withdrawn",
        "reason": "withdrawn",
        "source_id": source_id,
        "source_title": source_title,
        "title": gone.title,
        "url": gone.url,
        "published_at": None,
        "seen_at": _iso(now),
        "revision": gone.revision,
        "topics": [
            {"id": t, "title": topic_titles.get(t, t), "terms": [], "snippet": ""} for t in gone.topic_ids
        ],
        "terms": [],
        "snippet": gone.evidence,
        "previous_title": None,
        "change": None,
        "diff": None,
    }
    return [PlannedAlert(key, r, "withdrawn", gone.topic_ids, payload) for r in receivers]


def plan_item_alerts(
    change: Change,
    mentions: Sequence[Mention],
    *,
    seq: int,
    source_id: str,
    source_title: str,
    tags: tuple[str, ...],
    topic_titles: Mapping[str, str],
    routes: Sequence[Route],
    baseline: bool,
    material: tuple[bool, str] = (True, ""),
    diff: str | None = None,
    seen_at: datetime,
    story: StoryLink | None = None,
    primary: bool = False,
) -> tuple[AlertReason, list[PlannedAlert]]:
    """The alerts one new or revised item causes, and the reason for that decision."""
    if change.kind is ChangeKind.UNCHANGED:
        return AlertReason.NO_TOPIC, []
    if not mentions:
        return AlertReason.NO_TOPIC, []
    if baseline:
        return AlertReason.BASELINE, []
    if change.kind is ChangeKind.REVISED and not material[0]:
        return AlertReason.IMMATERIAL_REVISION, []
    kind: AlertKind = "new" if change.kind is ChangeKind.NEW else "revised"
    if kind == "new" and story is not None and story.thread_key is not None:
        kind = "also-reported"  # a near-duplicate of a story another source broke: update its thread
    ctx = RouteContext(source_id=source_id, tags=tags, kind=kind, lang=change.item.lang)
    by_receiver: dict[str, list[Mention]] = {}
    route_of: dict[str, Route] = {}
    for mention in mentions:
        for receiver, route in route_targets(routes, ctx, mention.topic_id):
            by_receiver.setdefault(receiver, []).append(mention)
            route_of.setdefault(receiver, route)
    if not by_receiver:
        return AlertReason.NO_ROUTE, []
    item = change.item
    key = alert_key(kind, source_id, item.key, seq)
    reason = {"new": AlertReason.FIRST_SEEN, "also-reported": AlertReason.ALSO_REPORTED}.get(
        kind, AlertReason.MATERIAL_REVISION
    )
    thread = (
        story.thread_key
        if story is not None and story.thread_key
        else alert_key("new", source_id, item.key, 1)
    )
    alerts = []
    for receiver, ms in by_receiver.items():
        route = route_of[receiver]
        deliver, not_before = window_hold(route, seen_at)
        if not deliver:
            continue  # quiet hours with `outside: digest`: the digests carry it
        if route.group_wait:
            waited = seen_at + route.group_wait
            not_before = max(not_before, waited) if not_before else waited
        terms = _distinct(t.matched for m in ms for t in m.terms)
        facts: dict[str, Any] = {}
        for m in ms:
            facts.update(m.facts)
        payload: dict[str, Any] = {
            "alert_key": key,
            "thread_key": thread,
            "story_id": story.story_id if story is not None else None,
            "story": story.reason if story is not None else None,
            # The government's own statement: it leads its story (alerts link it first, digests list it
            # on top); "official" when it arrived after news reports of it.
            "primary": primary,
            "official": story.official if story is not None else False,
            "kind": kind,
            "reason": reason.value,
            "source_id": source_id,
            "source_title": source_title,
            "title": item.title,
            "url": item.canonical_url,
            "published_at": _iso(item.published_at),
            "seen_at": _iso(seen_at),
            "revision": seq,
            "topics": [
                {
                    "id": m.topic_id,
                    "title": topic_titles.get(m.topic_id, m.topic_id),
                    "terms": _distinct(t.matched for t in m.terms),
                    "snippet": m.snippet,
                }
                for m in ms
            ],
            "terms": terms,
            "snippet": ms[0].snippet,
            "facts": facts,
            "fact_lines": describe_facts(facts),
            "previous_title": change.previous_title if kind == "revised" else None,
            "change": material[1] if kind == "revised" else None,
            "diff": diff if kind == "revised" else None,
            "lang": item.lang,
            "repeat_s": route.repeat.total_seconds() if route.repeat else None,
            "group_wait_s": route.group_wait.total_seconds() if route.group_wait else None,
        }
        alerts.append(
            PlannedAlert(
                alert_key=key,
                receiver=receiver,
                kind=kind,
                topic_ids=tuple(m.topic_id for m in ms),
                payload=payload,
                not_before=not_before,
            )
        )
    if not alerts:
        return AlertReason.QUIET_HOURS, []
    return reason, alerts

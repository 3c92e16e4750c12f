"""``digest_context``: one period's alerts grouped by topic and story, counted, labelled in the
digest's zone (every key is described in the package docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.notify.digest.items import _alert_key, _health, _item, _story_key
from monitor.notify.digest.message import clean_subject
from monitor.notify.digest.values import _aware, _label, _parse_time, _safe_url, _str

_OTHER_TOPIC = ("", "Other matches")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newest_first(entries: Iterable[tuple[datetime | None, str, Any]]) -> list[Any]:
    return [e[2] for e in sorted(entries, key=lambda e: (-(e[0] or _EPOCH).timestamp(), e[1]))]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def digest_context(
    *,
    digest_id: str,
    title: str,
    period_start: datetime,
    period_end: datetime,
    tz: str,
    alerts: Sequence[Mapping[str, Any]],
    topics: Sequence[str] | None = None,
    misses: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The template context of one digest period (see the module docstring for every key).
    ``topics`` (the digest's configured topic ids) limits the topic sections to those; an alert that
    matched none of them goes under "Other matches", never silently away."""
    zone = ZoneInfo(tz)
    wanted = set(topics) if topics is not None else None
    start, end = _aware(period_start), _aware(period_end)

    items: dict[str, tuple[dict[str, Any], datetime | None, Mapping[str, Any]]] = {}
    health: list[tuple[datetime | None, str, dict[str, Any]]] = []
    seen_health: set[str] = set()
    for alert in alerts:
        key = _alert_key(alert)
        if alert.get("kind") == "source-health":
            if key not in seen_health:
                seen_health.add(key)
                health.append((_parse_time(alert.get("seen_at")), key, _health(alert, zone)))
            continue
        if key in items:
            continue
        item, when = _item(alert, zone)
        items[key] = (item, when, alert)

    # topic id -> (title, story key -> [(when, alert_key, item)])
    topic_titles: dict[str, str] = {}
    topic_stories: dict[str, dict[str, list[tuple[datetime | None, str, dict[str, Any]]]]] = {}
    for key, (item, when, alert) in items.items():
        alert_topics = [t for t in (alert.get("topics") or []) if isinstance(t, Mapping)]
        pairs = [
            (_str(t.get("id")), _str(t.get("title") or t.get("id")))
            for t in alert_topics
            if wanted is None or _str(t.get("id")) in wanted
        ]
        if not pairs:
            pairs = [_OTHER_TOPIC]
        story = _story_key(alert)
        done: set[str] = set()
        for topic_id, topic_title in pairs:
            if topic_id in done:
                continue
            done.add(topic_id)
            topic_titles.setdefault(topic_id, topic_title)
            topic_stories.setdefault(topic_id, {}).setdefault(story, []).append((when, key, item))

    topic_entries: list[tuple[datetime | None, str, dict[str, Any]]] = []
    for topic_id, stories in topic_stories.items():
        story_entries: list[tuple[datetime | None, str, dict[str, Any]]] = []
        for story_key, members in stories.items():
            # The primary source's statement (a government's own) leads its story, then newest first.
            ordered = sorted(_newest_first(members), key=lambda it: not it["primary"])
            latest = max((m[0] for m in members if m[0] is not None), default=None)
            sources: list[str] = []
            for it in ordered:
                if it["source_title"] not in sources:
                    sources.append(it["source_title"])
            story_entries.append(
                (
                    latest,
                    story_key,
                    {
                        "key": story_key,
                        "title": ordered[0]["title"],
                        "count": len(ordered),
                        "latest_label": _label(latest, zone) or "",
                        "sources": sources,
                        "statements": ordered,
                    },
                )
            )
        topic_items = [it for s in stories.values() for (_w, _k, it) in s]
        newest = max((w for s in stories.values() for (w, _k, _i) in s if w is not None), default=None)
        topic_entries.append(
            (
                newest,
                topic_titles[topic_id].casefold() if topic_id else "\uffff",
                {
                    "id": topic_id,
                    "title": topic_titles[topic_id],
                    "count": len(topic_items),
                    "new": sum(1 for it in topic_items if it["kind"] == "new"),
                    "revised": sum(1 for it in topic_items if it["kind"] == "revised"),
                    "stories": _newest_first(story_entries),
                },
            )
        )
    # Busiest topic first, then the one with the newest statement, then by title; "Other matches" last.
    topics_sorted = [
        e[2]
        for e in sorted(
            topic_entries,
            key=lambda e: (not e[2]["id"], -e[2]["count"], -(e[0] or _EPOCH).timestamp(), e[1]),
        )
    ]

    by_kind: dict[str, int] = {}
    by_source: dict[str, dict[str, Any]] = {}
    for item, _when, _alert in items.values():
        by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + 1
        src = by_source.setdefault(
            item["source_id"], {"id": item["source_id"], "title": item["source_title"], "count": 0}
        )
        src["count"] += 1
    sources_sorted = sorted(by_source.values(), key=lambda s: (-s["count"], s["title"].casefold()))

    n = len(items)
    revised = by_kind.get("revised", 0)
    period_local_end = end.astimezone(zone)
    date_label = f"{period_local_end:%Y-%m-%d}"
    if n:
        summary = _plural(n, "statement") + (f" ({revised} revised)" if revised else "")
    else:
        summary = "no new statements"
    subject = clean_subject(f"pressmon {title}: {summary} · {date_label}")
    story_keys = {_story_key(alert) for (_i, _w, alert) in items.values()}
    return {
        "digest_id": digest_id,
        "title": title,
        "subject": subject,
        "tz": tz,
        "period_start": start.astimezone(zone).isoformat(),
        "period_end": period_local_end.isoformat(),
        "period_label": _period_label(start, end, zone),
        "date_label": date_label,
        "empty": n == 0 and not health,
        "counts": {
            "statements": n,
            "stories": len(story_keys),
            "topics": len(topics_sorted),
            "sources": len(by_source),
            "new": by_kind.get("new", 0),
            "revised": revised,
            "by_kind": dict(sorted(by_kind.items())),
        },
        "sources": sources_sorted,
        "topics": topics_sorted,
        "health": _newest_first(health),
        "possible_misses": [_miss(m) for m in misses[:MAX_MISSES]],
        "possible_misses_more": max(0, len(misses) - MAX_MISSES),
    }


MAX_MISSES = 10


def _miss(m: Mapping[str, Any]) -> dict[str, Any]:
    """A near miss for templates: ``{topic_title, title, source_title, reason, url, host}``."""
    url, host = _safe_url(m.get("url"))
    return {
        "topic_title": _str(m.get("topic_title") or m.get("topic_id")),
        "title": _str(m.get("title")),
        "source_title": _str(m.get("source_title") or m.get("source_id")),
        "reason": _str(m.get("reason")),
        "url": url,
        "host": host,
    }


def _period_label(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M} {b.tzname() or ''}".rstrip()

"""``pressmon show``: one item (revisions with a word diff, mentions, story, deliveries), one story, or
one alert. The reads are in :mod:`monitor.store.browse`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from monitor.cli.archive import _emit
from monitor.cli.common import JsonOpt, database
from monitor.cli.errors import Failure
from monitor.cli.output import output

if TYPE_CHECKING:
    from monitor.store.browse import Member

__all__ = ["show"]


def _diff_line(old: str, new: str) -> Text | str:
    from monitor.diff import word_diff

    ops = word_diff(old, new)
    if not output.stdout_is_terminal:
        from monitor.diff import diff_summary

        return diff_summary(old, new, max_chars=4000) or "(no word changed)"
    t = Text()
    for op in ops:
        if op.op == "equal":
            t.append(op.old)
        if op.op in ("delete", "replace"):
            t.append(op.old, style="red strike")
        if op.op in ("insert", "replace"):
            t.append(op.new, style="green underline")
    return t if ops else "(no word changed)"


def _members_table(members: Sequence[Member], first: str, title: str) -> None:
    """A story's members in order of arrival; its lead (the official statement, if stored) says so."""
    from monitor.store.browse import lead_of

    lead = lead_of(members).item_id
    output.table(
        [first, "source", "first seen", "after", "title"],
        [
            [
                m.item_id,
                m.source_id,
                f"{m.first_seen_at:%Y-%m-%d %H:%M:%S}",
                _after(m.delay_s),
                ("leads, official: " if m.item_id == lead and m.primary else "") + m.title,
            ]
            for m in members
        ],
        title=title,
    )


def _stories_named(engine: Any, reason: str | None, *, but: int | None) -> list[tuple[int, str]]:
    """The other stories a decision's reason names (its closest miss, a vetoed one), each by its lead's
    title: 'closest is story 21' says little until it says which statement that is."""
    import re

    from monitor.store.browse import lead_of, story_members
    from monitor.store.engine import read_session

    ids = list(dict.fromkeys(int(x) for x in re.findall(r"\bstory (\d+)", reason or "")))
    out: list[tuple[int, str]] = []
    with read_session(engine) as s:
        for sid in ids:
            members = story_members(s, sid) if sid != but else []
            if members:
                out.append((sid, lead_of(members).title))
    return out


def _story_reason(reason: str | None) -> str:
    """Why the item is in its story, as the decision said when it was stored."""
    if reason is None:
        return (
            "no story decision recorded (a first poll's baseline is stored without one, as were items "
            "before 2026-12)"
        )
    return reason


def _show_item(engine: Any, item_id: int, json: bool) -> None:
    from monitor.match.facts import describe_facts
    from monitor.store.browse import item_detail

    d = item_detail(engine, item_id)
    if d is None:
        raise Failure("show", f"no item {item_id}", "find ids with `pressmon items` or `pressmon search`")
    item = d.item
    if json:
        output.json(
            {
                "item": {
                    "id": item.id,
                    "source_id": item.source_id,
                    "title": item.title,
                    "url": item.canonical_url,
                    "lang": item.lang,
                    "published_at": item.published_at,
                    "first_seen_at": item.first_seen_at,
                    "withdrawn_at": item.withdrawn_at,
                    "story_id": item.story_id,
                    "story_reason": item.story_reason,
                },
                "revisions": [
                    {
                        "revision": r.seq,
                        "id": r.id,
                        "fetched_at": r.fetched_at,
                        "title": r.title,
                        "text": r.text,
                        "mentions": [
                            {
                                "topic_id": m.topic_id,
                                "reason": m.reason,
                                "terms": m.terms,
                                "snippet": m.snippet,
                                "facts": m.facts,
                            }
                            for m in d.mentions.get(r.id or 0, [])
                        ],
                    }
                    for r in d.revisions
                ],
                "story": [
                    {
                        "item_id": m.item_id,
                        "source_id": m.source_id,
                        "title": m.title,
                        "first_seen_at": m.first_seen_at,
                        "delay_s": m.delay_s,
                    }
                    for m in d.members
                ],
                "deliveries": [x.as_json() for x in d.deliveries],
            }
        )
        return
    output.print(f"item {item.id}  {item.source_id}  {item.title}")
    output.print(f"  {item.canonical_url or '(no url)'}")
    output.print(
        f"  published {_when(item.published_at)} · first seen {_when(item.first_seen_at)}"
        + f" · lang {item.lang or '?'}"
        + (f" · withdrawn {_when(item.withdrawn_at)}" if item.withdrawn_at else "")
    )
    prev = None
    for r in d.revisions:
        output.print()
        output.print(f"revision {r.seq}  fetched {_when(r.fetched_at)}")
        if prev is None:
            output.print(f"  {r.title}")
            output.print(f"  {r.text[:600]}" + ("…" if len(r.text) > 600 else ""))
        else:
            output.print("  diff from the previous revision:")
            line = _diff_line(f"{prev.title}\n{prev.text}", f"{r.title}\n{r.text}")
            _emit(Text("  ") + line if isinstance(line, Text) else "  " + line)
        for m in d.mentions.get(r.id or 0, []):
            spans = ", ".join(f'{t["field"]} {t["start"]}-{t["end"]} "{t["matched"]}"' for t in m.terms[:8])
            spans += f", … {len(m.terms) - 8} more (--json has all)" if len(m.terms) > 8 else ""
            output.print(f"  mention {m.topic_id} ({m.reason}): {spans}")
            output.print(f"    {m.snippet}")
            for f in describe_facts(m.facts):
                output.print(f"    {f}")
        prev = r
    output.print()
    output.print(f"story {item.story_id}: {_story_reason(item.story_reason)}")
    for other, title in _stories_named(engine, item.story_reason, but=item.story_id):
        output.print(f"  story {other} is: {title}")
    if len(d.members) > 1:
        output.print()
        _members_table(d.members, "story member", f"story {item.story_id}")
    output.print()
    _deliveries(d.deliveries)


def _when(at: datetime | None) -> str:
    """A stored time as the listings print it (seconds kept: revisions of one poll differ by less)."""
    return f"{at:%Y-%m-%d %H:%M:%S} UTC" if at is not None else "?"


def _after(seconds: float) -> str:
    if seconds <= 0:
        return "first"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"+{seconds / size:.1f}{unit}"
    return f"+{seconds:.1f}s"


def _deliveries(rows: Any) -> None:
    if not rows:
        output.print("no deliveries")
        return
    output.table(
        ["alert", "kind", "receiver", "state", "attempts", "queued", "sent", "key", "error"],
        [
            [
                x.id,
                x.kind,
                x.receiver,
                x.state,
                x.attempts,
                f"{x.created_at:%Y-%m-%d %H:%M:%S}",
                f"{x.sent_at:%Y-%m-%d %H:%M:%S}" if x.sent_at else "",
                x.alert_key,
                (x.last_error or "")[:60],
            ]
            for x in rows
        ],
        no_wrap=["key"],
    )


def show(
    what: Annotated[
        str,
        typer.Argument(
            help="ITEM (12 or item:12), story:ID, or alert:ID / an alert key.", metavar="ITEM|STORY|ALERT"
        ),
    ],
    json: JsonOpt = False,
) -> None:
    """One item (revisions with a word diff, mentions with their spans and facts, its story, every
    delivery), one story (its members in order, sources and delays, deliveries), or one alert (every
    delivery of it, per receiver, with state and time).

    Examples:
    pressmon show 12
    pressmon show story:7
    pressmon show alert:31
    pressmon show 'new:dsca:…' --json
    """
    from monitor.store import browse

    kind, _, ref = (
        what.partition(":") if what.split(":")[0] in ("item", "story", "alert") else ("item", "", what)
    )
    if kind == "item" and not ref.isdigit():
        kind, ref = "alert", what  # an alert key (new:dsca:…)
    with database() as engine:
        if kind == "item":
            _show_item(engine, int(ref), json)
            return
        if kind == "story":
            if not ref.isdigit():
                raise Failure(
                    "show", f"story:{ref}: not a story id", "story ids are numbers (see `pressmon stories`)"
                )
            from monitor.store.engine import read_session

            with read_session(engine) as s:
                members = browse.story_members(s, int(ref))
            if not members:
                raise Failure("show", f"no story {ref}", "find ids with `pressmon stories`")
            details = [browse.item_detail(engine, m.item_id) for m in members]
            deliveries = [x for d in details if d is not None for x in d.deliveries]
            if json:
                output.json(
                    {
                        "story_id": int(ref),
                        "lead_item_id": browse.lead_of(members).item_id,
                        "members": [
                            {
                                "item_id": m.item_id,
                                "source_id": m.source_id,
                                "title": m.title,
                                "first_seen_at": m.first_seen_at,
                                "delay_s": m.delay_s,
                                "official": m.primary,
                                "story_reason": d.item.story_reason if d is not None else None,
                            }
                            for m, d in zip(members, details, strict=True)
                        ],
                        "deliveries": [x.as_json() for x in deliveries],
                    }
                )
                return
            _members_table(members, "item", f"story {ref}")
            output.print()
            for m, d in zip(members, details, strict=True):  # why each is in it, as decided when stored
                reason = d.item.story_reason if d is not None else None
                output.print(f"  item {m.item_id} ({m.source_id}): {_story_reason(reason)}")
            output.print()
            _deliveries(deliveries)
            return
        rows = browse.alert_rows(engine, ref)
    if not rows:
        raise Failure(
            "show",
            f"no alert {ref}",
            "alert ids and keys are in `pressmon show ITEM` and `export --what alerts`",
        )
    if json:
        output.json(
            {
                "alert_key": rows[0].alert_key,
                "item_id": rows[0].item_id,
                "deliveries": [x.as_json() for x in rows],
            }
        )
        return
    output.print(
        f"alert {rows[0].alert_key}: {rows[0].title}"
        + (f" (item {rows[0].item_id})" if rows[0].item_id else "")
    )
    _deliveries(rows)

"""The archive: ``pressmon search``, ``show``, ``items``, ``stories``, ``export``. Read-only; each read is
a short transaction, so these run beside a live daemon. The work is in :mod:`monitor.search`,
:mod:`monitor.store.browse` and :mod:`monitor.export`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from monitor.cli.common import JsonOpt, database, load, parse_since
from monitor.cli.errors import Failure
from monitor.cli.output import output

__all__ = ["register"]

SinceOpt = Annotated[
    str | None, typer.Option("--since", help="From: a duration back from now (7d) or a date.")
]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Up to (not including): a duration or a date.")]
SourcesOpt = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
]
TopicOpt = Annotated[str | None, typer.Option("--topic", "-t", help="Only items that matched this topic.")]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many rows.")]

HIGHLIGHT = "bold reverse"


def _when(value: str | None, option: str, now: datetime) -> datetime | None:
    return parse_since(value, option, now=now) if value else None


def _marked(text: str, marks: Any) -> Text | str:
    """Highlighted spans: reverse video on a terminal, [[...]] when piped."""
    if not output.stdout_is_terminal:
        out, pos = [], 0
        for a, b in marks:
            out.append(text[pos:a] + "[[" + text[a:b] + "]]")
            pos = b
        return "".join(out) + text[pos:]
    t = Text(text)
    for a, b in marks:
        t.stylize(HIGHLIGHT, a, b)
    return t


def _emit(line: Text | str) -> None:
    if isinstance(line, Text):
        output.out.print(line)
    else:
        output.print(line)


def search(
    query: Annotated[
        str, typer.Argument(help='A query in the topic language: terms, "phrases", AND/OR/NOT, prefix*.')
    ],
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourcesOpt = None,
    topic: TopicOpt = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Only items in this language (en, ja).")] = None,
    limit: LimitOpt = 20,
    all_revisions: Annotated[
        bool, typer.Option("--all-revisions", help="Every matching revision, not one per item.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Full-text search over every stored revision, newest first, with highlighted snippets.

    The query means what it would mean as a topic: the index proposes candidates and the matcher that
    alerts decides them (NEAR, NOT, title:, source:, concepts included). Japanese works without spaces.
    Exits 1 when nothing matched.

    Examples: pressmon search '"Foreign Military Sale" Japan' --since 30d | pressmon search 関税 --lang ja
    | pressmon search 'tariff* NEAR/5 Japan' --source whitehouse --json
    """
    from monitor.match.query import QuerySyntaxError
    from monitor.search import search as run_search

    now = datetime.now(UTC)
    try:
        from monitor.match.query import parse_query

        node = parse_query(query)
    except QuerySyntaxError as e:
        raise Failure("search", f"query: {e} (column {e.column})", "see README, The query language") from None
    start, end = _when(since, "--since", now), _when(until, "--until", now)
    concepts = None
    context = None
    if "@" in query or "tag:" in query.casefold():
        # @name: the concepts of the default feeds.yaml; each stored item is matched with its source's
        # tags and implied concepts (a MOFA readout satisfies @japan), as the daemon matched it.
        from monitor.match.doc import source_contexts
        from monitor.match.topics import concept_defs

        cfg = load(None)
        concepts = concept_defs(cfg.concepts)
        context = source_contexts(cfg.sources)
    from monitor.match.concepts import ConceptError

    with database() as engine:
        try:
            result = run_search(
                engine,
                node,
                since=start,
                until=end,
                sources=list(source or []),
                topic=topic,
                lang=lang,
                limit=limit,
                all_revisions=all_revisions,
                concepts=concepts,
                source_context=context,
            )
        except ConceptError as e:
            raise Failure("search", f"query: {e}", "concepts are defined in feeds.yaml (concepts:)") from None
    if json:
        output.json([h.as_json() for h in result.hits])
    else:
        for h in result.hits:
            output.print(
                f"item {h.item_id} r{h.seq}  {h.source_id}  {h.fetched_at:%Y-%m-%d %H:%M}  {h.url or ''}"
            )
            _emit(_marked("  " + h.title.text, [(a + 2, b + 2) for a, b in h.title.marks]))
            if h.snippet.text:
                _emit(_marked("  " + h.snippet.text, [(a + 2, b + 2) for a, b in h.snippet.marks]))
            output.print()
        more = (
            " (stopped after reading the newest candidates; narrow with --since or --source)"
            if result.truncated
            else ""
        )
        output.note(f"search: {len(result.hits)} found, {result.scanned} candidates checked{more}")
    if not result.hits:
        raise typer.Exit(1)


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
        f"  published {item.published_at or '?'} · first seen {item.first_seen_at} · lang {item.lang or '?'}"
        + (f" · withdrawn {item.withdrawn_at}" if item.withdrawn_at else "")
    )
    prev = None
    for r in d.revisions:
        output.print()
        output.print(f"revision {r.seq}  fetched {r.fetched_at}")
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
    if len(d.members) > 1:
        output.print()
        output.table(
            ["story member", "source", "first seen", "after", "title"],
            [
                [m.item_id, m.source_id, f"{m.first_seen_at:%Y-%m-%d %H:%M:%S}", _after(m.delay_s), m.title]
                for m in d.members
            ],
            title=f"story {item.story_id}",
        )
    output.print()
    _deliveries(d.deliveries)


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

    Examples: pressmon show 12 | pressmon show story:7 | pressmon show alert:31
    | pressmon show 'new:dsca:…' --json
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
                        "members": [
                            {
                                "item_id": m.item_id,
                                "source_id": m.source_id,
                                "title": m.title,
                                "first_seen_at": m.first_seen_at,
                                "delay_s": m.delay_s,
                            }
                            for m in members
                        ],
                        "deliveries": [x.as_json() for x in deliveries],
                    }
                )
                return
            output.table(
                ["item", "source", "first seen", "after", "title"],
                [
                    [
                        m.item_id,
                        m.source_id,
                        f"{m.first_seen_at:%Y-%m-%d %H:%M:%S}",
                        _after(m.delay_s),
                        m.title,
                    ]
                    for m in members
                ],
                title=f"story {ref}",
            )
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


def items(
    since: Annotated[str, typer.Option("--since", help="First seen from: a duration (7d) or a date.")] = "7d",
    until: UntilOpt = None,
    source: SourcesOpt = None,
    topic: TopicOpt = None,
    limit: LimitOpt = 50,
    json: JsonOpt = False,
) -> None:
    """Items first seen in the period, newest first, with the topics their current revision matched.

    Examples: pressmon items --since 24h | pressmon items --since 30d --topic fms-japan --json
    """
    from monitor.store.browse import list_items

    now = datetime.now(UTC)
    start, end = parse_since(since, now=now), _when(until, "--until", now)
    with database() as engine:
        rows = list_items(
            engine,
            since=start,
            until=end,
            sources=list(source or []),
            topic=topic,
            limit=limit,
        )
    if json:
        output.json([r.as_json() for r in rows])
        return
    output.table(
        ["id", "first seen", "source", "revs", "story", "topics", "title"],
        [
            [
                r.id,
                f"{r.first_seen_at:%Y-%m-%d %H:%M}",
                r.source_id,
                r.revisions,
                r.story_id or "",
                ",".join(r.topics),
                r.title + (" (withdrawn)" if r.withdrawn else ""),
            ]
            for r in rows
        ],
        no_wrap=["id"],
    )


def stories(
    since: Annotated[
        str, typer.Option("--since", help="With a member first seen since (7d, a date).")
    ] = "7d",
    min_members: Annotated[int, typer.Option("--min-members", min=1, help="Only stories this big.")] = 1,
    limit: LimitOpt = 50,
    json: JsonOpt = False,
) -> None:
    """Stories (one statement as several sources carry it), newest activity first.

    Examples: pressmon stories --since 7d --min-members 2 | pressmon stories --json
    """
    from monitor.store.browse import list_stories

    start = parse_since(since)
    with database() as engine:
        rows = list_stories(engine, since=start, min_members=min_members, limit=limit)
    if json:
        output.json([r.as_json() for r in rows])
        return
    output.table(
        ["story", "first seen", "members", "sources", "topics", "title"],
        [
            [
                r.story_id,
                f"{r.first_seen_at:%Y-%m-%d %H:%M}",
                r.members,
                ",".join(r.sources),
                ",".join(r.topics),
                r.title,
            ]
            for r in rows
        ],
        no_wrap=["story"],
    )


def export(
    since: SinceOpt = None,
    until: UntilOpt = None,
    format_: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "jsonl",
    what: Annotated[str, typer.Option("--what", help="items, mentions or alerts.")] = "items",
    out: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")] = None,
) -> None:
    """Stream stored items, mentions or alerts as CSV or JSON Lines (columns in README); memory stays
    flat however many rows, and the daemon is never held up (short reads in id order).

    Examples: pressmon export --since 30d --format csv > items.csv | pressmon export --what alerts -o a.jsonl
    """
    from monitor.export import export_rows, write_csv, write_jsonl

    if format_ not in ("csv", "jsonl"):
        raise Failure("--format", f'"{format_}" is not a format', "use csv or jsonl")
    if what not in ("items", "mentions", "alerts"):
        raise Failure("--what", f'"{what}" is not exportable', "use items, mentions or alerts")
    now = datetime.now(UTC)
    start, end = _when(since, "--since", now), _when(until, "--until", now)
    with database() as engine:
        rows = export_rows(engine, what, since=start, until=end)  # type: ignore[arg-type]
        fh = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout  # noqa: SIM115
        try:
            with output.progress(f"exporting {what}") as advance:
                tick = lambda: advance(1000)  # noqa: E731
                n = (
                    write_csv(rows, fh, what, tick=tick)
                    if format_ == "csv"
                    else write_jsonl(rows, fh, tick=tick)
                )
        finally:
            if out:
                fh.close()
            else:
                fh.flush()
    output.note(f"export: {n} {what}" + (f" written to {out}" if out else ""))


def register(root: typer.Typer) -> None:
    for command in (search, show, items, stories, export):
        root.command()(command)

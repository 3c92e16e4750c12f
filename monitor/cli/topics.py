"""``pressmon topics list``, ``topics test`` and ``topics misses``: argument handling only; the work is in
:mod:`monitor.store.topic_stats`, :mod:`monitor.topics_test` and :mod:`monitor.store.misses`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from monitor.cli.common import (
    ConfigOpt,
    JsonOpt,
    database,
    load,
    no_database_yet,
    parse_since,
    read_bytes,
    read_text,
)
from monitor.cli.errors import ExitCode, Failure
from monitor.cli.output import output

__all__ = ["register"]

group = typer.Typer(help="Topics: try queries and topics before you ship them.", no_args_is_help=True)

FEED_SUFFIXES = (".xml", ".rss", ".rdf", ".atom", ".ashx")


@group.command("test")
def topics_test(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="A query to try (instead of --topic).")
    ] = None,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", "-t", help="A topic id from feeds.yaml (repeatable).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Text to test.")] = None,
    title: Annotated[str, typer.Option("--title", help="Title to go with --text.")] = "",
    file: Annotated[
        Path | None, typer.Option("--file", help="A text file, or a feed file (.xml/.rss/.rdf/.atom).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Stored history of this long (30d) or since a date.")
    ] = None,
    where: Annotated[str | None, typer.Option("--where", help="A fact predicate for --query.")] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Match --text/--file as an item of this source (its tags, implies)."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every failing clause, not only the closest.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Show what matches, with highlights, facts, and why near misses did not match.

    Exits 1 when --text matched no topic (so it scripts), 2 on a usage error.

    Examples:
    pressmon topics test -t fms-japan --since 30d
    pressmon topics test --text "DSCA approves possible sale to Japan of SM-6 missiles for $900 million"
    """
    from monitor.config.schema import Topic
    from monitor.topics_test import Sample, report, samples_from_feed, samples_from_history

    topics: list[Topic] = []
    if query is not None:
        try:
            topics.append(Topic(id="query", title="--query", query=query, where=where, facts=()))
        except ValidationError as e:  # --query/--where: the message carries the column
            problem = e.errors()[0]
            where_ = ".".join(str(p) for p in problem["loc"]) or "query"
            msg = problem["msg"].removeprefix("Value error, ")
            raise Failure(f"--{where_}", msg, "see README (the query language)") from None
    cfg = None
    if topic or query is None or source is not None or "@" in (query or ""):
        cfg = load(config)
    if cfg is not None and (topic or query is None):
        wanted = topic or [t.id for t in cfg.topics]
        known = {x.id for x in cfg.topics}
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise Failure(
                "--topic",
                f"unknown topic {', '.join(unknown)}",
                f"topics in the config: {', '.join(sorted(known)) or 'none'}",
            )
        topics.extend(t for t in cfg.topics if t.id in wanted)
    meta: dict[str, Any] = {}
    if source is not None and cfg is not None:
        sources = {s.id: s for s in cfg.sources}
        if source not in sources:
            raise Failure("--source", f"unknown source {source}", f"sources: {', '.join(sources)}")
        src = sources[source]
        meta = {"source": src.id, "tags": src.tags, "lang": src.lang, "implies": src.implies}
    since_at = parse_since(since) if since is not None else None
    samples: list[Sample] = []
    if text is not None:
        samples.append(Sample("--text", title, text, **meta))
    if file is not None:
        if file.suffix.lower() in FEED_SUFFIXES:
            read_bytes(file, "--file")  # a missing file or a directory: one line, before parsing
            samples.extend(samples_from_feed(file))
        else:
            body = read_text(file, "--file")
            first, _, rest = body.partition("\n")
            samples.append(Sample(file.name, title or first.strip(), rest if not title else body, **meta))
    if since_at is not None:
        from monitor.match.doc import source_contexts

        if cfg is None:  # stored items are matched with their sources' tags and implied concepts
            cfg = load(config)
        with database() as engine:
            history = samples_from_history(
                engine, since=since_at, source_context=source_contexts(cfg.sources)
            )
        if not history:
            output.note(
                "pressmon: topics test: --since: no stored statements since "
                f"{since_at.isoformat(timespec='minutes')}: the history is empty for that period; "
                "poll first (`pressmon poll --once`, or `pressmon run`)"
            )
            if not samples:
                raise typer.Exit(ExitCode.FAILED)
        samples.extend(history)
    if not samples:
        raise Failure("arguments", "nothing to test", "give --text, --file or --since")
    from monitor.match.concepts import ConceptError

    try:
        result = report(topics, samples, concepts=cfg.concepts if cfg else None, verbose=verbose)
    except ConceptError as e:
        raise Failure("--query", str(e), "see README (the query language)") from None
    for line in result.lines:
        output.print(line)
    if text is not None and result.matched == 0:
        raise typer.Exit(ExitCode.FAILED)


@group.command("misses")
def topics_misses(
    since: Annotated[str, typer.Option("--since", help="How far back (7d) or since a date.")] = "7d",
    topic: Annotated[
        list[str] | None, typer.Option("--topic", "-t", help="Only this topic id (repeatable).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Items a topic almost matched (never alerted), newest first, with why not.

    Examples:
    pressmon topics misses --since 7d
    pressmon topics misses -t tariffs-japan --json
    """
    from monitor.cli.archive import check_filters
    from monitor.store.misses import collect_near_misses

    start = parse_since(since)
    with database() as engine:
        check_filters(engine, topics=topic)
        rows = collect_near_misses(engine, start=start, topics=topic or ())
    if json:
        output.json(
            [
                {
                    "seen_at": m.seen_at,
                    "topic": m.topic_id,
                    "source": m.source_id,
                    "item_id": m.item_id,
                    "revision": m.seq,
                    "title": m.title,
                    "url": m.url,
                    "reason": m.reason,
                }
                for m in rows
            ]
        )
        return
    if not rows:
        output.note(f"pressmon: topics misses: none since {start:%Y-%m-%d %H:%M} UTC")
        return
    output.table(
        ["seen", "topic", "source", "item", "title", "why not"],
        [_miss_row(m) for m in rows],
        no_wrap=["item"],
    )


@group.command("list")
def topics_list(
    since: Annotated[
        str, typer.Option("--since", help="Counts over this period (30d) or since a date.")
    ] = "30d",
    config: ConfigOpt = None,
    json: JsonOpt = False,
) -> None:
    """Every topic: what it matched in the period, the alerts it raised, its near misses, when it last
    matched, where its alerts go and whether a silence holds them.

    "to" lists the receivers a new alert of the topic reaches from any configured source, routed as the
    daemon routes it (first match wins); "(no route)" means its matches are stored, never alerted. A
    topic with stored matches that the config no longer defines is listed as "not in config". Reads the
    database (never creates one) and the config.

    Examples:
    pressmon topics list
    pressmon topics list --since 7d
    pressmon topics list --json | jq '.[] | select(.items == 0)'
    """
    from datetime import UTC, datetime

    from monitor.cli.sources import ago
    from monitor.store.silences import active_silences
    from monitor.store.topic_stats import TopicActivity, topic_activity

    cfg = load(config)
    now = datetime.now(UTC)
    start = parse_since(since, now=now)
    titles = {t.id: t.title or "" for t in cfg.topics}
    activity: dict[str, TopicActivity] = {}
    silences: list[Any] = []
    if not no_database_yet():
        with database() as engine:
            activity = topic_activity(engine, since=start, topics=titles)
            silences = active_silences(engine, now=now)
    ids = list(titles) + sorted(set(activity) - set(titles))
    rows: list[dict[str, Any]] = []
    for tid in ids:
        a = activity.get(tid) or TopicActivity(tid)
        rows.append(
            {
                "id": tid,
                "title": titles.get(tid, ""),
                "configured": tid in titles,
                "items": a.items,
                "alerts": a.alerts,
                "unsent": a.unsent,
                "near_misses": a.near_misses,
                "last_match_at": a.last_match_at,
                "to": _receivers(cfg, tid) if tid in titles else [],
                "silenced": _silenced(silences, tid),
            }
        )
    if json:
        output.json(rows)
        return
    output.table(
        ["id", "items", "alerts", "near misses", "last match", "to", "silenced", "title"],
        [
            [
                r["id"],
                str(r["items"]),
                f"{r['alerts']} ({r['unsent']} unsent)" if r["unsent"] else str(r["alerts"]),
                str(r["near_misses"]),
                ago(r["last_match_at"], now),
                ", ".join(r["to"]) or ("(no route)" if r["configured"] else "not in config"),
                r["silenced"] or "",
                r["title"],
            ]
            for r in rows
        ],
        no_wrap=["id"],
    )
    output.note(f"topics: counts since {start:%Y-%m-%d %H:%M} UTC")


def _receivers(cfg: Any, topic: str) -> list[str]:
    """Receivers a ``new`` alert of ``topic`` reaches from any configured source: the planner's own
    routing (first match wins), tried with each source's id, tags and language."""
    from monitor.plan import RouteContext, route_receivers

    out: list[str] = []
    for src in cfg.sources:
        ctx = RouteContext(source_id=src.id, tags=src.tags, kind="new", lang=src.lang)
        out += [r for r in route_receivers(cfg.routes, ctx, topic) if r not in out]
    return out


def _silenced(silences: list[Any], topic: str) -> str | None:
    """ "until TIME" when an active silence that names topics holds every alert of ``topic`` alone;
    "partly (silence N)" when it also names a source, receiver or kind; None otherwise. Silences that name
    no topic (a whole source, say) are left to `pressmon silence list`."""
    from monitor.silence import Matcher

    whole: Any = None
    partly = None
    for s in silences:
        conds = [m for m in s.matchers if m.name == "topic"]
        conds += [Matcher("topic", "=", s.topic)] if s.topic else []
        if not conds or not all(m.matches([topic]) for m in conds):
            continue
        if s.source or s.receiver or any(m.name != "topic" for m in s.matchers):
            partly = partly or s.id
        else:
            whole = s.ends_at if whole is None else max(whole, s.ends_at)
    if whole is not None:
        return f"until {whole:%Y-%m-%d %H:%M}"
    return f"partly (silence {partly})" if partly is not None else None


def _miss_row(m: Any) -> list[object]:
    return [f"{m.seen_at:%Y-%m-%d %H:%M}", m.topic_id, m.source_id, m.item_id, m.title[:80], m.reason]


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="topics")

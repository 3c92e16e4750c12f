"""``pressmon sources``: what every source did last, against the config; ``pause``/``resume`` a source;
``test`` one (fetch once, store nothing)."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from monitor.cli.common import ConfigOpt, JsonOpt, config_path, database, load, no_database_yet, settings
from monitor.cli.errors import Failure
from monitor.cli.output import output

__all__ = ["ago", "register"]

group = typer.Typer(invoke_without_command=True)  # its help is the callback's docstring

ERROR_WIDTH = 60  # last errors are cut to this on a terminal, unless --wide


def ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return "never"
    secs = int((now - dt).total_seconds())
    sign = "" if secs >= 0 else "in "
    secs = abs(secs)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{sign}{secs // size}{unit}" + ("" if sign else " ago")
    return f"{sign}{secs}s" + ("" if sign else " ago")


@group.callback()
def sources(
    ctx: typer.Context,
    config: ConfigOpt = None,
    json: JsonOpt = False,
    wide: Annotated[bool, typer.Option("--wide", "-w", help="Full last errors on a terminal.")] = False,
) -> None:
    """Sources: their state (the table), pause and resume, test one before you trust it.

    The table: state, last success, error streak, next poll, items, encoding, last error.

    Reads the database (never creates one) and the config (when there is one). Ids are never cut;
    piped output has full errors.

    Examples:
    pressmon sources
    pressmon sources --wide
    pressmon sources --json | jq '.[] | select(.state == "failing")'
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.store.engine import sqlite_path
    from monitor.store.queries import SourceOverview, source_overview

    path = config_path(config)
    # Without a config file the table still shows what the database knows.
    configured = {s.id for s in load(path).sources} if (config or path.exists()) else set()
    rows: list[SourceOverview] = []
    if not no_database_yet():
        with database() as engine:
            rows = source_overview(engine)
    elif not configured:
        db_file = sqlite_path(settings().database_url)
        output.note(f"no database at {db_file} and no config at {path}: nothing to show")
    now = datetime.now(UTC)
    polled = {r.id for r in rows}

    def state(r: SourceOverview) -> str:
        if r.paused_at is not None:
            return "paused"
        if configured and r.id not in configured:
            return "not in config"
        return "failing" if r.error_streak else ("ok" if r.last_ok_at else "not yet polled")

    if json:
        output.json(
            [
                {
                    "id": r.id,
                    "state": state(r),
                    "configured": r.id in configured if configured else None,
                    "paused_at": r.paused_at,
                    "pause_reason": r.pause_reason,
                    "last_ok_at": r.last_ok_at,
                    "error_streak": r.error_streak,
                    "next_due": r.next_due,
                    "items": r.items,
                    "encoding": r.encoding,
                    "last_error": r.last_error,
                    "full_text_problem": r.full_text_problem,
                }
                for r in rows
            ]
            + [
                {
                    "id": sid,
                    "state": "not yet polled",
                    "configured": True,
                    "paused_at": None,
                    "pause_reason": None,
                    "last_ok_at": None,
                    "error_streak": 0,
                    "next_due": None,
                    "items": 0,
                    "encoding": None,
                    "last_error": None,
                    "full_text_problem": None,
                }
                for sid in sorted(configured - polled)
            ]
        )
        return
    cut = not wide and output.stdout_is_terminal

    def error(r: SourceOverview) -> str:
        # An ok source that could not read some full texts says so here too (its summaries stood in).
        text = r.pause_reason if r.paused_at is not None else (r.last_error or r.full_text_problem)
        text = text or ""
        return text[: ERROR_WIDTH - 1] + "…" if cut and len(text) > ERROR_WIDTH else text

    table = [
        [
            r.id,
            state(r),
            ago(r.last_ok_at, now),
            str(r.error_streak),
            "paused" if r.paused_at is not None else ago(r.next_due, now),
            str(r.items),
            r.encoding or "",
            error(r),
        ]
        for r in rows
    ]
    table += [[sid, "not yet polled", "never", "0", "-", "0", "", ""] for sid in sorted(configured - polled)]
    output.table(
        ["id", "state", "last ok", "errors", "next due", "items", "encoding", "last error"],
        table,
        no_wrap=["id"],
    )


IdArg = Annotated[str, typer.Argument(help="A source id (as in `pressmon sources`).")]


def _known_source(source_id: str, config: ConfigOpt) -> None:
    ids = sorted(s.id for s in load(config).sources)
    if source_id not in ids:
        close = difflib.get_close_matches(source_id, ids, n=1)
        raise Failure(
            source_id,
            f"no such source in {config_path(config)}",
            f"did you mean {close[0]}?" if close else "see `pressmon sources`",
        )


@group.command("pause")
def sources_pause(
    source_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (shown by `pressmon sources`).")] = "",
    config: ConfigOpt = None,
) -> None:
    """Stop polling a source (every instance, until `sources resume`); kept in the database.

    Examples:
    pressmon sources pause nikkei --reason "paywall change, fixing the selector"
    """
    from monitor.store import leases
    from monitor.store.queries import set_paused

    _known_source(source_id, config)
    cfg = load(config)
    now = datetime.now(UTC)
    with database(create=True) as engine:
        leases.sync_sources(engine, cfg.sources, now=now)
        set_paused(engine, source_id, paused_at=now, reason=reason or "paused")
    output.print(f"{source_id}: paused; `pressmon sources resume {source_id}` polls it again")


@group.command("resume")
def sources_resume(source_id: IdArg, config: ConfigOpt = None) -> None:
    """Poll a paused source again (at its next due time).

    Examples:
    pressmon sources resume nikkei
    """
    from monitor.store import leases
    from monitor.store.queries import set_paused

    _known_source(source_id, config)
    cfg = load(config)
    with database(create=True) as engine:
        leases.sync_sources(engine, cfg.sources, now=datetime.now(UTC))
        set_paused(engine, source_id, paused_at=None, reason=None)
    output.print(f"{source_id}: resumed")


@group.command("test")
def sources_test(
    target: Annotated[str, typer.Argument(help="A source id from the config, or an http(s) URL of a feed.")],
    config: ConfigOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Items to list (all are matched).")] = 20,
) -> None:
    """Fetch a source once as a poll would, store nothing, print what came back and what matches.

    Same timeouts, size caps and address policy as a poll; prints the status, timings, encoding, the
    items parsed and what each topic would match.

    Examples:
    pressmon sources test dsca-major-arms-sales
    pressmon sources test https://example.org/feed.xml
    """
    import asyncio

    from pydantic import ValidationError

    from monitor.config.schema import Source
    from monitor.fetch import FetchPolicy, fetch
    from monitor.http_client import make_client
    from monitor.humanize import count, when
    from monitor.match.topics import TopicMatcher
    from monitor.sources.dispatch import read_source

    path = config_path(config)
    cfg = load(path) if (config or path.exists()) else None
    if target.startswith(("http://", "https://")):
        try:
            src = Source(id="url-test", url=target)
        except ValidationError as err:
            raise Failure(target, err.errors()[0]["msg"].removeprefix("Value error, ")) from None
    else:
        _known_source(target, config)
        assert cfg is not None
        src = next(s for s in cfg.sources if s.id == target)
    t = src.timeout.total_seconds()
    policy = FetchPolicy(
        connect_timeout_s=t,
        read_timeout_s=t,
        deadline_s=src.deadline.total_seconds(),
        max_wire_bytes=src.max_bytes,
        max_decoded_bytes=src.max_bytes,
        allow_private=settings().allow_private_networks,
    )
    now = datetime.now(UTC)

    async def go() -> Any:
        client = make_client()
        try:
            return await fetch(client, src.id, src.url, policy=policy)
        finally:
            await client.aclose()

    result = asyncio.run(go())  # a FetchError is one line, exit 5
    parsed = read_source(src, result, now=now)  # a ParseError too
    output.print(f"{src.id}: {src.url}" + (f" -> {result.final_url}" if result.final_url != src.url else ""))
    output.print(
        f"  HTTP {result.status_code} in {result.elapsed_s:.2f} s, {result.wire_bytes:,} bytes on the wire, "
        f"{len(result.body):,} decoded; {result.headers.get('content-type', 'no content-type')}; "
        f"encoding {parsed.encoding or 'unknown'}"
    )
    if result.etag or result.last_modified:
        output.print(f"  validators: ETag {result.etag or '-'}, Last-Modified {result.last_modified or '-'}")
    for note in parsed.notes:
        output.print(f"  note: {note}")
    output.print(f"  {count(len(parsed.entries), 'item')} parsed (kind {src.kind})")
    matcher = TopicMatcher(cfg.topics, cfg.concepts) if cfg is not None and cfg.topics else None
    per_topic: dict[str, int] = {}
    for i, e in enumerate(parsed.entries):
        mentions = (
            matcher.match(
                title=e.title, text=e.text, source=src.id, tags=(*src.tags, *e.tags),
                lang=src.lang or e.lang, implies=src.implies,
            )
            if matcher is not None
            else []
        )  # fmt: skip
        for m in mentions:
            per_topic[m.topic_id] = per_topic.get(m.topic_id, 0) + 1
        if i < limit:
            date = when(e.published_at) if e.published_at else "no date"
            output.print(f"  {i + 1:>3}. {date}  {e.title[:100]}")
            for m in mentions:
                terms = ", ".join(dict.fromkeys(t.matched for t in m.terms))
                output.print(f"       matches {m.topic_id}: {terms}")
    if len(parsed.entries) > limit:
        output.print(f"  … {len(parsed.entries) - limit} more (--limit)")
    if matcher is None:
        output.print("  no topics to match (no config, or no topics in it)")
    else:
        topic_ids = [t.id for t in cfg.topics] if cfg is not None else []
        output.print("  items per topic: " + ", ".join(f"{tid} {per_topic.get(tid, 0)}" for tid in topic_ids))


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="sources")

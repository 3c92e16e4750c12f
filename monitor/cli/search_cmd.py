"""``pressmon search``: full-text search over stored revisions with highlighted snippets. The work is in
:mod:`monitor.search`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from monitor.cli.archive import (
    LimitOpt,
    SinceOpt,
    SourcesOpt,
    TopicOpt,
    UntilOpt,
    _emit,
    _marked,
    check_filters,
)
from monitor.cli.common import JsonOpt, database, load, period
from monitor.cli.errors import Failure
from monitor.cli.output import output
from monitor.langtag import is_tag, matching, normal

__all__ = ["search"]


def search(
    query: Annotated[
        str, typer.Argument(help='A query in the topic language: terms, "phrases", AND/OR/NOT, prefix*.')
    ],
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourcesOpt = None,
    topic: TopicOpt = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Only items in this language (en, ja; en takes in en-us).")
    ] = None,
    limit: LimitOpt = 20,
    all_revisions: Annotated[
        bool, typer.Option("--all-revisions", help="Every matching revision, not one per item.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Full-text search over every stored revision, newest first, with highlighted snippets.

    The query means what it would mean as a topic: the index proposes candidates and the matcher that
    alerts decides them (NEAR, NOT, title:, source:, concepts included). Japanese works without spaces.
    Exits 1 when nothing matched; 2 for a bad option, such as a --source, --topic or --lang that no
    stored item has (the message lists the ones stored).

    Examples:
    pressmon search '"Foreign Military Sale" Japan' --since 30d
    pressmon search 関税 --lang ja
    pressmon search 'tariff* NEAR/5 Japan' --source whitehouse --json
    """
    from monitor.match.query import QuerySyntaxError
    from monitor.search import search as run_search

    now = datetime.now(UTC)
    try:
        from monitor.match.query import parse_query

        node = parse_query(query)
    except QuerySyntaxError as e:
        raise Failure("search", f"query: {e}", "see README, The query language") from None
    start, end = period(since, until, now=now)
    if lang is not None and not is_tag(lang):
        raise Failure("--lang", f'"{lang}" is not a language tag', "use one like en, ja or en-us")
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
        check_filters(engine, sources=source, topics=[topic] if topic else None)
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
        if lang is not None and not result.hits:  # a typo'd or absent language, not just no match
            from monitor.store.search_index import stored_languages

            with engine.connect() as conn:
                stored = stored_languages(conn)
            if not matching(stored, lang):
                raise Failure(
                    "--lang",
                    f"no stored item is in language {normal(lang)}",
                    f"languages stored: {', '.join(sorted(stored)) or '(none yet)'}",
                )
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

"""Cross-checks of feeds.yaml on the raw data (so they run even when the schema found problems
elsewhere): duplicate ids, references to unknown topics, sources, tags and receivers, and concepts
(names, unknown @names, cycles, sources' implies)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from monitor.config.yaml_lines import KeyPath, _line_for, _Problem

# --------------------------------------------------------------------------------------------------
# cross-checks (on the raw data, so they run even when the schema found problems elsewhere)


def _cross_check(data: Mapping[str, Any], lines: Mapping[KeyPath, int]) -> list[_Problem]:
    problems: list[_Problem] = []

    def problem(path: KeyPath, reason: str) -> None:
        problems.append(_Problem(_line_for(path, lines), path, reason))

    def ids(section: str, what: str) -> list[str] | None:
        """Ids defined in a list section (reporting duplicates); None when the section is unusable."""
        items = data.get(section, [])
        if not isinstance(items, list):
            return None
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            if not isinstance(ident, str):
                continue
            if ident in first:
                at = _line_for((section, first[ident], "id"), lines)
                where = f" (first at line {at})" if at is not None else ""
                problem((section, i, "id"), f"duplicate {what} id '{ident}'{where}")
            else:
                first[ident] = i
        return list(first)

    source_ids = ids("sources", "source")
    topic_ids = ids("topics", "topic")
    receivers = data.get("receivers", {"console": None})
    receiver_names = [str(k) for k in receivers] if isinstance(receivers, dict) else None
    tags: list[str] | None = None
    sources = data.get("sources", [])
    if isinstance(sources, list):
        tags = []
        for source in sources:
            source_tags = source.get("tags") if isinstance(source, dict) else None
            for tag in source_tags if isinstance(source_tags, list) else []:
                if isinstance(tag, str) and tag not in tags:
                    tags.append(tag)

    def refs(path: KeyPath, values: object, known: list[str] | None, what: str, listing: str) -> None:
        if known is None or not isinstance(values, list):
            return
        for j, v in enumerate(values):
            if not isinstance(v, str) or v in known:
                continue
            close = difflib.get_close_matches(v, known, n=1, cutoff=0.75)  # not fms-japan for tariffs-japan
            if close:
                hint = f"did you mean '{close[0]}'?"
            elif what == "receiver" and v.startswith("digest:"):
                hint = "routes cannot send to digests; a digest picks items by its own topics"
            else:
                hint = f"{listing}: {', '.join(known)}" if known else f"no {listing}"
            problem((*path, j), f"unknown {what} '{v}' ({hint})")

    routes = data.get("routes", [])
    for i, route in enumerate(routes if isinstance(routes, list) else []):
        if not isinstance(route, dict):
            continue
        match = route.get("match", {})
        if isinstance(match, dict):
            refs(("routes", i, "match", "topic"), match.get("topic"), topic_ids, "topic", "topics defined")
            refs(
                ("routes", i, "match", "source"), match.get("source"), source_ids, "source", "sources defined"
            )
            refs(("routes", i, "match", "tag"), match.get("tag"), tags, "tag", "tags used by sources")
        refs(("routes", i, "to"), route.get("to"), receiver_names, "receiver", "receivers defined")

    digests = data.get("digests", {})
    for name, digest in (digests if isinstance(digests, dict) else {}).items():
        if isinstance(digest, dict):
            refs(("digests", str(name), "topics"), digest.get("topics"), topic_ids, "topic", "topics defined")
    refs(("operator",), data.get("operator"), receiver_names, "receiver", "receivers defined")
    problems.extend(_check_concepts(data, lines))
    return problems


def _check_concepts(data: Mapping[str, Any], lines: Mapping[KeyPath, int]) -> list[_Problem]:
    """Concept names, unknown @names, cycles, sources' implies, and concepts that cannot be NEAR operands."""
    from monitor.match import concepts as cm
    from monitor.match.query import CONCEPT_NAME_RE, QuerySyntaxError, parse_query

    problems: list[_Problem] = []

    def problem(path: KeyPath, reason: str) -> None:
        problems.append(_Problem(_line_for(path, lines), path, reason))

    raw = data.get("concepts", {})
    defs: dict[str, cm.ConceptDef] = {}
    for name, spec in (raw if isinstance(raw, dict) else {}).items():
        name = str(name)
        if CONCEPT_NAME_RE.fullmatch(name) is None:
            problem(("concepts", name), "a concept name is lower-case letters, digits and _ (used as @name)")
            continue
        query = spec.get("query") if isinstance(spec, dict) else spec
        mask = spec.get("mask", []) if isinstance(spec, dict) else []
        if not (isinstance(query, str) and isinstance(mask, list) and all(isinstance(m, str) for m in mask)):
            continue  # the schema reports it
        try:
            defs[name] = cm.parse_concept(name, query, tuple(mask))
        except QuerySyntaxError:
            continue  # the schema reports it

    def where(name: str) -> KeyPath:
        return ("concepts", name, "query") if isinstance(raw.get(name), dict) else ("concepts", name)

    bad = cm.check(defs)
    for name, reason in bad.items():
        problem(where(name), reason)
    usable = {n: d for n, d in defs.items() if n not in bad}

    def resolves(path: KeyPath, query: object) -> None:
        if not isinstance(query, str):
            return
        try:
            node = parse_query(query)
        except QuerySyntaxError:
            return  # the schema reports it
        for r in cm.refs_of(node):
            if r.name not in defs:
                problem(path, cm.unknown(r.name, defs))
                return
        try:
            cm.resolve(node, usable)
        except cm.ConceptError as e:
            if not any(r.name not in usable for r in cm.refs_of(node)):
                problem(path, str(e))

    for name, spec in (raw if isinstance(raw, dict) else {}).items():
        if str(name) in usable and isinstance(spec, dict | str):
            resolves(where(str(name)), spec.get("query") if isinstance(spec, dict) else spec)
    topics = data.get("topics", [])
    for i, topic in enumerate(topics if isinstance(topics, list) else []):
        if isinstance(topic, dict):
            resolves(("topics", i, "query"), topic.get("query"))
    sources = data.get("sources", [])
    for i, source in enumerate(sources if isinstance(sources, list) else []):
        implies = source.get("implies") if isinstance(source, dict) else None
        for j, name in enumerate(implies if isinstance(implies, list) else []):
            if isinstance(name, str) and name not in defs:
                problem(("sources", i, "implies", j), cm.unknown(name, defs))
    return problems

"""Load feeds.yaml: YAML (safe) -> schema (pydantic) -> cross-checks, with ``file:line key: reason`` errors.

Every problem found is reported at once, one line each, in file order::

    feeds.yaml:42 sources[3].every: "15 minutes" is not a duration; use e.g. 15m
    feeds.yaml:57 routes[0].to[1]: unknown receiver 'slack:#trade' (receivers defined: console)

Lines come from the YAML node tree: each key path (``("sources", 3, "every")``) maps to the line of its
key, or of the item for sequence items; an error is placed at the deepest part of its path that exists
in the file (a missing key is reported at the line of the mapping that lacks it).
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from monitor.config.schema import (
    _SLUG_RE,
    Config,
    ConsoleReceiver,
    EmailReceiver,
    SlackReceiver,
    WebhookReceiver,
    quote,
)
from monitor.errors import ConfigError

__all__ = ["describe", "load_config", "load_config_text"]

KeyPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_SIMPLE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class _Problem:
    line: int | None
    path: KeyPath
    reason: str

    def render(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line is not None else filename
        path = _render_path(self.path)
        return f"{where} {path}: {self.reason}" if path else f"{where}: {self.reason}"


# --------------------------------------------------------------------------------------------------
# public API


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, parse and validate a feeds.yaml; ``ConfigError.problems`` lists every problem found."""
    filename = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{filename}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{filename}: is a directory, not a file"]) from None
    except OSError as e:
        raise ConfigError([f"{filename}: cannot read: {e.strerror or e}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ConfigError([f"{filename}: not UTF-8 text (bad byte at offset {e.start})"]) from None
    config = load_config_text(text, filename=filename)
    if config.templates is not None and not config.templates.is_absolute():
        # A relative templates directory is relative to the feeds.yaml that names it.
        config = config.model_copy(update={"templates": Path(path).parent / config.templates})
    if config.templates is not None and not config.templates.is_dir():
        raise ConfigError([f"{filename}: templates: {config.templates} is not a directory"])
    return config


def load_config_text(text: str, *, filename: str = "feeds.yaml") -> Config:
    """Parse and validate feeds.yaml text; ``filename`` is only used in the messages."""
    problems: list[_Problem] = []
    lines: dict[KeyPath, int] = {}
    try:
        data = _parse_yaml(text, lines, problems)
    except yaml.MarkedYAMLError as e:
        raise ConfigError([_yaml_problem(e).render(filename)]) from None
    except yaml.reader.ReaderError as e:  # a control character, or a byte the reader refuses
        at = text.count("\n", 0, e.position) + 1
        char = f"#x{e.character:04x}" if isinstance(e.character, int) else repr(e.character)
        reason = f"unacceptable character {char}: {e.reason}"
        raise ConfigError([_Problem(at, (), f"YAML syntax error: {reason}").render(filename)]) from None
    except yaml.YAMLError as e:
        raise ConfigError([f"{filename}: YAML syntax error: {e}"]) from None

    config: Config | None = None
    if data is None:
        problems.append(_Problem(None, (), "no sources defined (the file is empty)"))
    elif not isinstance(data, dict):
        problems.append(
            _Problem(
                lines.get(()),
                (),
                "the top level must be a mapping of sources, topics, routes, receivers, digests",
            )
        )
    else:
        # A section whose entries are all commented out reads as null: treat it as absent.
        data = {k: v for k, v in data.items() if not (v is None and k in Config.model_fields)}
        if not data.get("sources"):
            line = lines.get(("sources",))
            problems.append(_Problem(line, (), "no sources defined"))
        try:
            config = Config.model_validate(data)
        except ValidationError as e:
            problems.extend(_pydantic_problem(err, lines) for err in _relevant(e.errors(include_url=False)))
        problems.extend(_cross_check(data, lines))

    if problems or config is None:
        ordered = sorted(problems, key=lambda p: -1 if p.line is None else p.line)  # stable: file order
        raise ConfigError(_dedupe(p.render(filename) for p in ordered))
    return config


def describe(config: Config) -> list[str]:
    """A short human summary for ``pressmon config check``: counts, then one line per thing."""
    enabled = sum(1 for s in config.sources if s.enabled)
    out = [
        ", ".join(
            [
                f"{_plural(len(config.sources), 'source')} ({enabled} enabled)",
                _plural(len(config.topics), "topic"),
                _plural(len(config.routes), "route"),
                _plural(len(config.receivers), "receiver"),
                _plural(len(config.digests), "digest"),
            ]
        )
    ]
    for s in config.sources:
        host = urlsplit(s.url).hostname or s.url
        extra = [f"tags {', '.join(s.tags)}"] if s.tags else []
        extra += [f"lang {s.lang}"] if s.lang else []
        extra += ["DISABLED"] if not s.enabled else []
        tail = f" ({'; '.join(extra)})" if extra else ""
        kind: str = s.kind
        if s.select is not None:
            pages = f", up to {s.select.max_pages} pages" if s.select.max_pages > 1 else ""
            kind = f"html listing (items {s.select.item!r}{pages})"
        elif s.api is not None:
            kind = f"json_api ({s.api.preset or 'items ' + repr(s.api.items)})"
        if s.full_text:
            kind += f" + full text (up to {s.full_text_max} pages a poll)"
        every = _duration(s.every)
        if s.every_min is not None or s.every_max is not None:
            bounds = (_duration(s.every_min or s.every), _duration(s.every_max or s.every))
            every += f" (adaptive {bounds[0]}-{bounds[1]})"
        out.append(f"source {s.id}: {kind} from {host} every {every}{tail}")
    for t in config.topics:
        if t.query is not None:
            q = " ".join(t.query.split())
            parts = [f"query {q[:70]}{'…' if len(q) > 70 else ''}"]
        else:
            parts = [_plural(len(t.keywords), "keyword")]
            parts += [f"requires {_plural(len(t.requires), 'group')}"] if t.requires else []
            parts += [f"excludes {_plural(len(t.excludes), 'term')}"] if t.excludes else []
        parts += [f"facts {', '.join(t.facts)}"] if t.facts else []
        parts += [f"where {' '.join(t.where.split())}"] if t.where else []
        title = f" - {t.title}" if t.title else ""
        out.append(f"topic {t.id}: {', '.join(parts)}{title}")
    for i, r in enumerate(config.routes):
        conds = [
            f"{name} {'|'.join(values)}"
            for name, values in (
                ("topic", r.match.topic),
                ("source", r.match.source),
                ("tag", r.match.tag),
                ("kind", r.match.kind),
            )
            if values
        ]
        cont = " (continue)" if r.continue_ else ""
        out.append(f"route {i}: {' and '.join(conds) or 'everything'} -> {', '.join(r.to)}{cont}")
    for name, rcv in config.receivers.items():
        out.append(f"receiver {name}: {_receiver_summary(rcv)}")
    for name, d in config.digests.items():
        topics = ", ".join(d.topics) if d.topics else "all topics"
        when = f"cron '{d.cron}'" if d.cron else f"daily {d.at}"
        via = f"via {config.smtp.host}" if config.smtp else "printed to the console: no smtp configured"
        out.append(f"digest {name}: {when} {d.timezone} to {', '.join(d.to)} ({topics}; {via})")
    if config.operator:
        out.append(f"operator alerts -> {', '.join(config.operator)}")
    return out


# --------------------------------------------------------------------------------------------------
# YAML


def _parse_yaml(text: str, lines: dict[KeyPath, int], problems: list[_Problem]) -> Any:
    """Compose the node tree, record key lines (``lines[()]`` is the document's first line) and
    duplicate keys, then construct the data from that same tree (None for an empty document)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        lines[()] = node.start_mark.line + 1
        # Walk before constructing: construction flattens merge keys (<<) in place.
        _map_lines(node, (), lines, problems, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _yaml_problem(e: yaml.MarkedYAMLError) -> _Problem:
    mark = e.problem_mark or e.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = e.problem or e.context or "unreadable YAML"
    if e.context and e.problem and e.problem.startswith("but "):  # "expected a single document ..., but"
        problem = f"{e.context}, {e.problem}"
    if "'\\t'" in problem:
        problem += " (indent with spaces, not tabs)"
    kind = "YAML error" if isinstance(e, yaml.constructor.ConstructorError) else "YAML syntax error"
    return _Problem(line, (), f"{kind}: {problem}")


def _key_of(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _map_lines(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    problems: list[_Problem],
    seen: set[int],
) -> None:
    """Record the line of every key path under ``node``; report duplicate keys.

    ``seen`` holds nodes already walked: an alias (``*x``) re-uses its anchor's node, so walking it
    once keeps recursive anchors finite and "billion laughs" documents linear.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _map_lines(item, (*path, i), lines, problems, seen)
    elif isinstance(node, yaml.MappingNode):
        explicit: dict[tuple[str, str], int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            key = _key_of(key_node)
            if key is None:
                continue  # a complex key: the constructor reports it if it is unusable
            line = key_node.start_mark.line + 1
            ident = (key_node.tag, key)
            if ident in explicit:
                problems.append(
                    _Problem(line, path, f"duplicate key '{key}' (first at line {explicit[ident]})")
                )
            else:
                explicit[ident] = line
            lines[(*path, key)] = line  # the last one wins, as in the constructed data
            _map_lines(value_node, (*path, key), lines, problems, seen)
        # Merged keys (<<: *defaults) count only where the mapping does not set them itself.
        present = {k for _, k in explicit}
        for merge in merges:
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    continue
                for key_node, value_node in src.value:
                    key = _key_of(key_node)
                    if key is None or key in present:
                        continue
                    present.add(key)
                    lines[(*path, key)] = key_node.start_mark.line + 1
                    _map_lines(value_node, (*path, key), lines, problems, seen)


def _line_for(path: KeyPath, lines: Mapping[KeyPath, int]) -> int | None:
    """The line of the deepest prefix of ``path`` that exists in the file."""
    for n in range(len(path), 0, -1):
        line = lines.get(path[:n])
        last = path[n - 1]
        if line is None and isinstance(last, int):  # pydantic's int 1 for a YAML mapping key 1
            line = lines.get((*path[: n - 1], str(last)))
        if line is not None:
            return line
    return None


def _render_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY_RE.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


# --------------------------------------------------------------------------------------------------
# pydantic errors -> problems


def _pydantic_problem(err: ErrorDetails, lines: Mapping[KeyPath, int]) -> _Problem:
    loc = tuple(err["loc"])
    path, target = _resolve(loc)
    etype = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    value = err.get("input")

    if etype in ("union_tag_invalid", "union_tag_not_found"):
        path = (*path, "kind")
        choices = _quoted_list(ctx.get("expected_tags", "")) or _receiver_kinds()
        if etype == "union_tag_invalid":
            reason = f"'{ctx.get('tag')}' is not one of: {', '.join(choices)}"
        else:
            reason = f"required key missing: every receiver needs a kind, one of: {', '.join(choices)}"
    elif loc and loc[-1] == "[key]":
        reason = f'key {quote(value)} must be text; quote it: "{value}"'
    else:
        if etype == "extra_forbidden":  # the unknown key leads nowhere: suggest from the model holding it
            target = _resolve(loc[:-1])[1]
        reason = _reason(etype, err["msg"], ctx, value, path, target)
    return _Problem(_line_for(path, lines), path, reason)


def _relevant(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop pydantic's "too short" for a list whose entries failed: the entries' errors say it."""
    locs = [tuple(err["loc"]) for err in errors]

    def has_inner(loc: tuple[str | int, ...]) -> bool:
        return any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)

    return [
        err
        for err, loc in zip(errors, locs, strict=True)
        if not (err["type"] == "too_short" and has_inner(loc))
    ]


def _reason(etype: str, msg: str, ctx: dict[str, Any], value: object, path: KeyPath, target: Any) -> str:
    if etype == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        known = _field_names(target)
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            return f"unknown key '{key}' (did you mean '{close[0]}'?)"
        return f"unknown key '{key}' (allowed: {', '.join(known)})" if known else f"unknown key '{key}'"
    if etype == "invalid_key":
        return f'key {quote(value)} must be text; quote it: "{value}"'
    if etype == "missing":
        return "required key missing"
    if etype == "literal_error":
        choices = _literal_choices(target) or _quoted_list(ctx.get("expected", ""))
        shown = f"'{value}'" if isinstance(value, str) else quote(value)
        return f"{shown} is not one of: {', '.join(choices)}"
    if etype in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", msg)
    if etype == "string_pattern_mismatch" and ctx.get("pattern") == _SLUG_RE.pattern:
        return f"{quote(value)} is not a valid id; use lower-case a-z, 0-9, '.', '_', '-' (at most 64)"
    if etype == "too_short":
        if path and path[-1] == "to":
            return "needs at least one receiver" if path[0] == "routes" else "needs at least one address"
        return "needs at least one entry"
    if etype in ("string_type", "string_sub_type"):
        hint = (
            f' (quote it: "{value}")'
            if isinstance(value, int | float) and not isinstance(value, bool)
            else ""
        )
        return f"expected text, got {_describe(value)}{hint}"
    if etype in ("tuple_type", "list_type"):
        hint = f" (write [{value}])" if isinstance(value, str) else ""
        return f"expected a list, got {_describe(value)}{hint}"
    if etype in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping (key: value), got {_describe(value)}"
    if etype in ("bool_type", "bool_parsing"):
        return f"expected true or false, got {_describe(value)}"
    if etype in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_describe(value)}"
    if etype in ("float_type", "float_parsing", "finite_number"):
        return f"expected a number, got {_describe(value)}"
    bounds = {
        "greater_than": ("gt", "more than"),
        "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "less than"),
        "less_than_equal": ("le", "at most"),
    }
    if etype in bounds:
        key, words = bounds[etype]
        return f"{quote(value)} is out of range: must be {words} {ctx.get(key)}"
    return msg


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return quote(value)


def _quoted_list(text: object) -> list[str]:
    return re.findall(r"'([^']*)'", text) if isinstance(text, str) else []


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------------------------------
# walking the schema's types along a pydantic loc


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (Union, types.UnionType)


def _resolve(loc: Sequence[str | int]) -> tuple[KeyPath, Any]:
    """Walk the schema along ``loc``: the path as the user wrote it (without pydantic's union tags and
    ``[key]`` markers) and the type reached at its end (a model class, a Literal, ...; None if lost)."""
    tp: Any = Config
    path: list[str | int] = []
    for part in loc:
        tp = _unwrap(tp)
        if _is_union(tp):
            members = [m for m in (_unwrap(a) for a in typing.get_args(tp)) if m is not type(None)]
            tagged = [m for m in members if isinstance(m, type) and _literal_choices(_kind_of(m)) == [part]]
            if tagged:  # a discriminated-union tag such as 'slack': not a key in the file
                tp = tagged[0]
                continue
            tp = members[0] if len(members) == 1 else None
            tp = _unwrap(tp)
        if part == "[key]":
            continue
        path.append(part)
        tp = _step(tp, part)
    return tuple(path), _unwrap(tp)


def _step(tp: Any, part: str | int) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[part] if isinstance(part, int) and 0 <= part < len(args) else None
    if origin in (list, Sequence) and args:
        return args[0]
    if origin in (dict, Mapping) and len(args) == 2:
        return args[1]
    return None


def _kind_of(model: type) -> Any:
    if issubclass(model, BaseModel) and "kind" in model.model_fields:
        return model.model_fields["kind"].annotation
    return None


def _literal_choices(tp: Any) -> list[str]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) is typing.Literal:
        return [str(a) for a in typing.get_args(tp)]
    return []


def _field_names(target: Any) -> list[str]:
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [f.alias or name for name, f in target.model_fields.items()]
    return []


def _receiver_kinds() -> list[str]:
    models: tuple[type[BaseModel], ...] = (ConsoleReceiver, SlackReceiver, EmailReceiver, WebhookReceiver)
    return [c for m in models for c in _literal_choices(_kind_of(m))]


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


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --------------------------------------------------------------------------------------------------
# describe() helpers


def _duration(td: timedelta) -> str:
    total = int(td.total_seconds())
    if total <= 0:
        return f"{td.total_seconds():g}s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            out += f"{n}{unit}"
    return out


def _receiver_summary(rcv: ConsoleReceiver | SlackReceiver | EmailReceiver | WebhookReceiver) -> str:
    if isinstance(rcv, SlackReceiver):
        if rcv.mode == "webhook":
            return f"slack incoming webhook (URL from ${rcv.url_env})"
        return f"slack channel {rcv.channel} (token from ${rcv.token_env})"
    if isinstance(rcv, EmailReceiver):
        return f"email to {', '.join(rcv.to)}"
    if isinstance(rcv, WebhookReceiver):
        return f"webhook to {urlsplit(rcv.url).hostname}"
    return "console"

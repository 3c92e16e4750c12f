"""pydantic validation errors -> feeds.yaml problems: the reason worded for a person, and the path as
the user wrote it (found by walking the schema's types along pydantic's ``loc``)."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Union

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from monitor.config.delivery import ConsoleReceiver, EmailReceiver, SlackReceiver, WebhookReceiver
from monitor.config.fields import _SLUG_RE, quote
from monitor.config.schema import Config
from monitor.config.yaml_lines import KeyPath, _line_for, _Problem

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

"""Slack message formatting (pure): the Jinja2 environment Slack templates render in, its filters, and
the check and clamp of what a template produced. The escaping, ``link``/``md`` and the Block Kit limits it
relies on are ``monitor.notify.slack_mrkdwn``.

- ``slack_environment(template_dirs)`` / ``render_message(env, template, context)``: templates produce
  JSON, ``{"text": ..., "blocks": [...]}``; ``render_message`` parses it, checks its shape and clamps it.

Escaping in templates (the order matters). Feed data is only ever a variable, never template source.

1. ``{{ value | json }}`` is how a value enters the JSON. The ``json`` filter runs first: it escapes every
   plain string it is given (recursively through lists and dicts; :class:`Mrkdwn` is kept as is, and
   strings are control-stripped *before* JSON encoding, because ``json.dumps`` would turn a C0 control
   into ``\\u0001``, out of reach of any later stripping), then encodes with ``json.dumps`` and
   ``ensure_ascii=False``: no HTML-safe ``\\u003c`` escapes, so what reaches Slack is exactly the
   ``&lt;`` written by the escaping, never a raw ``<`` in disguise. The result is marked
   :class:`SafeJSON`.
2. ``finalize`` runs on every ``{{ }}`` result after its filters: :class:`SafeJSON` passes through
   untouched (escaping twice would show ``&amp;lt;``); any other string is escaped for mrkdwn *and* for
   the inside of a JSON string literal, so ``"text": "Seen {{ title }}"`` is safe too; numbers and
   booleans become JSON literals; ``None`` becomes ``""``; a list or dict without ``| json`` is an error.
   A value written outside any JSON string without ``| json`` makes the output invalid JSON, which
   ``render_message`` refuses: failure is closed, never an injection.
3. ``link()`` and ``md()`` return :class:`Mrkdwn`; concatenating one with ``~`` yields a plain string,
   which is then escaped as data (a broken link, never a forged one). Build composite text with ``md``.

Other helpers: filters ``highlight(highlights)`` (escaped text, phrases or ``[start, end]`` spans in
``*bold*``), ``fact_items`` (a facts dict as ``(label, value)`` pairs, offsets dropped), ``worddiff``
(``[-old-]{+new+}`` -> ``~old~ *new*``), ``mdjoin(sep)`` (join, items escaped unless Mrkdwn), ``when``
(ISO-8601 -> ``2025-07-23 03:12 UTC``), ``plain`` (lists joined, ``None`` as "—"), ``clip(n)``; globals
``link`` and ``md``. StrictUndefined throughout: an undefined name fails the render.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import jinja2

from monitor import humanize
from monitor.notify.slack_mrkdwn import (
    MAX_FALLBACK_TEXT,
    Mrkdwn,
    clamp_blocks,
    clamp_text,
    clip_plain,
    escape_mrkdwn,
    link,
    md,
)
from monitor.resources import bundled_path

__all__ = [
    "SafeJSON",
    "SlackMessage",
    "SlackTemplateError",
    "render_message",
    "slack_environment",
]


class SafeJSON(str):
    """JSON text produced by the ``json`` filter: its strings are already escaped."""

    __slots__ = ()


class SlackTemplateError(Exception):
    """A Slack template failed to render or did not produce ``{"text": str, "blocks": [object, ...]}``."""


@dataclass(frozen=True, slots=True)
class SlackMessage:
    text: str  # the fallback (notifications, screen readers), mrkdwn, escaped
    blocks: list[dict[str, Any]]  # Block Kit, within limits


# --- the template environment ---


def _strip_deep(value: Any) -> Any:
    """Escape every plain string inside ``value`` (keys too); keep :class:`Mrkdwn` as is."""
    if isinstance(value, str):
        return escape_mrkdwn(value)
    if isinstance(value, Mapping):
        return {escape_mrkdwn(k): _strip_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strip_deep(v) for v in value]
    return value


def _json_filter(value: Any) -> SafeJSON:
    """The value as JSON, every string escaped for mrkdwn first; no HTML-safe ``\\u003c`` escapes."""
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the variable
        raise jinja2.UndefinedError("slack template: an undefined value cannot be inserted")
    return SafeJSON(json.dumps(_strip_deep(value), ensure_ascii=False))


def _finalize(value: Any) -> str:
    if isinstance(value, SafeJSON):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(escape_mrkdwn(value), ensure_ascii=False)[1:-1]
    raise TypeError(f"slack template: a {type(value).__name__} must be inserted with '| json'")


def _plain(value: Any) -> str:
    """A fact value for display: lists joined with ", ", mappings as ``k: v``, None as "—"."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _highlight_spans(text: str, highlights: Iterable[Any]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for h in highlights:
        if isinstance(h, str) and h.strip():
            spans.extend(m.span() for m in re.finditer(re.escape(h.strip()), text, re.IGNORECASE))
        elif isinstance(h, list | tuple) and len(h) == 2 and all(type(x) is int for x in h):
            spans.append((h[0], h[1]))
        elif isinstance(h, Mapping) and type(h.get("start")) is int and type(h.get("end")) is int:
            spans.append((h["start"], h["end"]))
    merged: list[tuple[int, int]] = []
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _highlight(text: Any, highlights: Iterable[Any] = ()) -> Mrkdwn:
    """Escaped ``text`` with ``highlights`` in ``*bold*``: phrases (every case-insensitive occurrence),
    ``[start, end]`` spans or ``{start, end}`` mappings (offsets into ``text``)."""
    raw = "" if text is None else str(text)
    out: list[str] = []
    pos = 0
    for a, b in _highlight_spans(raw, highlights):
        seg = raw[a:b]
        core = seg.strip()
        lead, trail = seg[: len(seg) - len(seg.lstrip())], seg[len(seg.rstrip()) :]
        out.append(escape_mrkdwn(raw[pos:a] + lead))
        out.append(f"*{escape_mrkdwn(core)}*" if core else "")
        out.append(escape_mrkdwn(trail))
        pos = b
    out.append(escape_mrkdwn(raw[pos:]))
    return Mrkdwn("".join(out))


_FACT_LABELS = {"money": "Money", "rates": "Rates", "dates": "Effective dates", "fms": "FMS notification"}
_FACT_META = frozenset({"start", "end", "field"})  # offsets and provenance: not for readers


def _fact_scalar(key: str, value: Any) -> str:
    if key.endswith("usd") and isinstance(value, str | int | float):
        try:
            return f"${Decimal(str(value)):,}"
        except InvalidOperation:
            return str(value)
    return _plain(value)


def _fact_value(value: Any) -> str:
    """One fact for display: extracted values by their original ``text`` (a rate with its context);
    a record (an FMS notice) as ``key: value`` lines without offsets; empty parts dropped."""
    if isinstance(value, list | tuple):
        shown: list[str] = []
        for v in value:
            if isinstance(v, Mapping) and isinstance(v.get("text"), str):
                s = v["text"] + (f" ({v['context']})" if isinstance(v.get("context"), str) else "")
            else:
                s = _fact_value(v)
            if s and s not in shown:
                shown.append(s)
        return ", ".join(shown)
    if isinstance(value, Mapping):
        lines = []
        for k, v in value.items():
            if k in _FACT_META or v in (None, "", [], ()):
                continue
            text = _fact_value(v) if isinstance(v, list) else _fact_scalar(str(k), v)
            lines.append(f"{str(k).replace('_', ' ')}: {text}")
        return "\n".join(lines)
    return "" if value is None else _plain(value)


def _fact_items(facts: Any) -> list[tuple[str, str]]:
    """``facts`` (a dict, e.g. ``monitor.match.facts.extract_facts``) as ``(label, value)`` pairs to show;
    empty facts are left out."""
    if not isinstance(facts, Mapping):
        return []
    items = []
    for key, value in facts.items():
        shown = _fact_value(value)
        if shown:
            items.append((_FACT_LABELS.get(str(key), str(key).replace("_", " ").capitalize()), shown))
    return items


_DIFF_OP = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.DOTALL)


def _diff(text: Any) -> Mrkdwn:
    """A ``diff_summary`` (``[-removed-]{+added+}``) as mrkdwn: ``~removed~`` and ``*added*``."""
    raw = "" if text is None else str(text)
    out: list[str] = []
    pos = 0
    for m in _DIFF_OP.finditer(raw):
        if out and m.start() == pos:  # [-a-]{+b+}: "~a~*b*" would not render; "~a~ *b*" does
            out.append(" ")
        out.append(escape_mrkdwn(raw[pos : m.start()]))
        removed, added = m.group(1), m.group(2)
        out.append(f"~{escape_mrkdwn(removed)}~" if removed is not None else f"*{escape_mrkdwn(added)}*")
        pos = m.end()
    out.append(escape_mrkdwn(raw[pos:]))
    return Mrkdwn("".join(out))


def _mdjoin(items: Iterable[Any], sep: str = "\n") -> Mrkdwn:
    """Items joined by ``sep`` (trusted); each item escaped unless it is :class:`Mrkdwn`."""
    return Mrkdwn(str(sep).join(escape_mrkdwn(i) for i in items))


@jinja2.pass_context
def _when(ctx: jinja2.runtime.Context, value: Any) -> str:
    """ISO-8601 -> ``2025-07-23 03:12 UTC`` (naive times are UTC), in the context's ``timezone`` when
    given; anything else as given (see ``monitor.humanize.when``)."""
    return humanize.when(value, ctx.get("timezone") or "UTC")


def _clip(value: Any, limit: int) -> str:
    return clip_plain("" if value is None else str(value), limit)


def slack_environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """The Slack environment: user directories first, then the bundled ``alerts/``."""
    dirs = [*template_dirs, bundled_path("alerts")]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        json=_json_filter,
        highlight=_highlight,
        worddiff=_diff,
        mdjoin=_mdjoin,
        when=_when,
        plain=_plain,
        fact_items=_fact_items,
        clip=_clip,
    )
    env.globals.update(link=link, md=md)
    return env


def render_message(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> SlackMessage:
    """Render ``template`` with ``context`` (an alert payload), parse the JSON, check it, clamp it."""
    try:
        source = env.get_template(template).render(**context)
    except (jinja2.TemplateError, TypeError, ValueError) as e:
        raise SlackTemplateError(f"{template}: {type(e).__name__}: {e}") from e
    try:
        data = json.loads(source)
    except json.JSONDecodeError as e:
        raise SlackTemplateError(f"{template}: output is not JSON ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise SlackTemplateError(f'{template}: output must be an object with a string "text"')
    blocks = data.get("blocks", [])
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise SlackTemplateError(f'{template}: "blocks" must be a list of objects')
    text = clamp_text(data["text"], MAX_FALLBACK_TEXT)
    if not text.strip():
        raise SlackTemplateError(f"{template}: empty fallback text")
    return SlackMessage(text=text, blocks=clamp_blocks(blocks))

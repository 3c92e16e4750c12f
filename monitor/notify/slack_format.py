"""Slack message formatting (pure): mrkdwn escaping, the one link helper, Block Kit limits, and the Jinja2
environment Slack templates render in.

- ``escape_mrkdwn(s)``: control, bidi and zero-width characters stripped (``monitor.text.strip_controls``),
  then ``&`` -> ``&amp;``, ``<`` -> ``&lt;``, ``>`` -> ``&gt;`` (the only characters Slack decodes). No
  ``<!channel>``, ``<@U…>`` or ``<url|label>`` can survive it. A :class:`Mrkdwn` value is already safe
  and is returned unchanged.
- ``link(url, label=None)``: THE way to build a link. Only absolute http/https URLs; the host is shown in
  punycode after the escaped label (``<https://www.whitehouse.gov/x|Fact Sheet (www.whitehouse.gov)>``),
  so a label can never show a host other than the target's. ``|``, ``<``, ``>`` and spaces in the URL
  are percent-encoded, ``&`` is written ``&amp;``; a ``|`` in the label is shown as ``¦``. Anything
  else (``javascript:``, ``data:``, relative, None) yields just the escaped label, unlinked.
- ``md(fmt, *args)``: trusted mrkdwn from a template: ``fmt`` is template source (ours or an operator's),
  every argument is escaped unless it is already :class:`Mrkdwn` (e.g. a ``link()``).
- ``clamp_text`` / ``clamp_blocks(blocks)``: Block Kit limits enforced before sending: at most 50 blocks
  (the first 49 and a context block "… N more"), section text 3000, section fields 10 x 2000, header
  text 150, context elements 10 (each 3000), fallback text 3000. Truncation ends in "…" and never cuts an
  entity (``&amp;``) or a ``<…>`` link in half. Lengths are counted in Python characters.
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

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from monitor import humanize
from monitor.identity import absolute_http_url
from monitor.resources import bundled_path
from monitor.text import collapse_ws, strip_controls

__all__ = [
    "ELLIPSIS",
    "MAX_BLOCKS",
    "MAX_CONTEXT_ELEMENTS",
    "MAX_FALLBACK_TEXT",
    "MAX_FIELDS",
    "MAX_FIELD_TEXT",
    "MAX_HEADER_TEXT",
    "MAX_SECTION_TEXT",
    "Mrkdwn",
    "SafeJSON",
    "SlackMessage",
    "SlackTemplateError",
    "clamp_blocks",
    "clamp_text",
    "escape_mrkdwn",
    "link",
    "md",
    "render_message",
    "slack_environment",
]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK_TEXT = 3000
MAX_LINK_LABEL = 150
ELLIPSIS = "…"

_LONGEST_ENTITY = len("&amp;")


class Mrkdwn(str):
    """A string that is already valid, safe mrkdwn (escaped data plus trusted markup)."""

    __slots__ = ()


class SafeJSON(str):
    """JSON text produced by the ``json`` filter: its strings are already escaped."""

    __slots__ = ()


class SlackTemplateError(Exception):
    """A Slack template failed to render or did not produce ``{"text": str, "blocks": [object, ...]}``."""


@dataclass(frozen=True, slots=True)
class SlackMessage:
    text: str  # the fallback (notifications, screen readers), mrkdwn, escaped
    blocks: list[dict[str, Any]]  # Block Kit, within limits


# --- escaping and links ---


def escape_mrkdwn(s: object) -> str:
    """Strip control/bidi/zero-width characters, then escape ``&``, ``<`` and ``>``. ``None`` -> ``""``."""
    if isinstance(s, Mrkdwn):
        return s
    if s is None:
        return ""
    text = strip_controls(s if isinstance(s, str) else str(s))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip_plain(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def link(url: object, label: object = None) -> Mrkdwn:
    """``<url|label (host)>`` for an http(s) URL, host in punycode; else the escaped label alone."""
    target = absolute_http_url(url) if isinstance(url, str) else None
    shown = collapse_ws(strip_controls(str(label))) if label is not None else ""
    if target is None:
        return Mrkdwn(escape_mrkdwn(shown))
    host = urlsplit(target).netloc  # punycode, lower-case, no userinfo, port only if given
    # "|" separates target from label; one inside the label is shown as "¦" so no parser can misread it.
    label_text = escape_mrkdwn(_clip_plain(shown, MAX_LINK_LABEL)).replace("|", "¦")
    text = f"{label_text} ({host})" if shown else host
    # absolute_http_url percent-encodes everything outside RFC 3986 (|, <, >, space, non-ASCII);
    # & is a legal URL character that Slack wants written as an entity.
    return Mrkdwn(f"<{target.replace('&', '&amp;')}|{text}>")


def md(fmt: str, *args: object, **kwargs: object) -> Mrkdwn:
    """``fmt.format(...)`` with every argument escaped unless it is :class:`Mrkdwn`. ``fmt`` is trusted."""
    return Mrkdwn(
        str(fmt).format(*(escape_mrkdwn(a) for a in args), **{k: escape_mrkdwn(v) for k, v in kwargs.items()})
    )


# --- Block Kit limits ---


def clamp_text(s: str, limit: int) -> str:
    """``s`` cut to at most ``limit`` characters ending in "…", never inside ``&amp;`` or ``<…>``."""
    if len(s) <= limit:
        return s
    head = s[: max(limit - len(ELLIPSIS), 0)]
    lt = head.rfind("<")
    if lt > head.rfind(">"):  # an unfinished <link|label> or <!...>: drop it whole
        head = head[:lt]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:] and len(head) - amp < _LONGEST_ENTITY:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS


def _clamp_text_object(obj: Any, limit: int) -> None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        obj["text"] = clamp_text(obj["text"], limit)


def _more_block(n: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{ELLIPSIS} {n} more"}]}


def clamp_blocks(blocks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``blocks`` within Slack's limits (see the module docstring)."""
    out: list[dict[str, Any]] = [copy.deepcopy(dict(b)) for b in blocks]
    if len(out) > MAX_BLOCKS:
        hidden = len(out) - (MAX_BLOCKS - 1)
        out = [*out[: MAX_BLOCKS - 1], _more_block(hidden)]
    for block in out:
        kind = block.get("type")
        if kind == "header":
            _clamp_text_object(block.get("text"), MAX_HEADER_TEXT)
        elif kind == "section":
            _clamp_text_object(block.get("text"), MAX_SECTION_TEXT)
            fields = block.get("fields")
            if isinstance(fields, list):
                block["fields"] = fields[:MAX_FIELDS]
                for field in block["fields"]:
                    _clamp_text_object(field, MAX_FIELD_TEXT)
        elif kind == "context":
            elements = block.get("elements")
            if isinstance(elements, list):
                block["elements"] = elements[:MAX_CONTEXT_ELEMENTS]
                for element in block["elements"]:
                    _clamp_text_object(element, MAX_CONTEXT_TEXT)
    return out


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
    return _clip_plain("" if value is None else str(value), limit)


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

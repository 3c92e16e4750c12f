"""Slack mrkdwn (pure): escaping, the one link helper, trusted markup, and Block Kit limits.

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
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from monitor.identity import absolute_http_url
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
    "clamp_blocks",
    "clamp_text",
    "clip_plain",
    "escape_mrkdwn",
    "link",
    "md",
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


# --- escaping and links ---


def escape_mrkdwn(s: object) -> str:
    """Strip control/bidi/zero-width characters, then escape ``&``, ``<`` and ``>``. ``None`` -> ``""``."""
    if isinstance(s, Mrkdwn):
        return s
    if s is None:
        return ""
    text = strip_controls(s if isinstance(s, str) else str(s))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip_plain(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def link(url: object, label: object = None) -> Mrkdwn:
    """``<url|label (host)>`` for an http(s) URL, host in punycode; else the escaped label alone."""
    target = absolute_http_url(url) if isinstance(url, str) else None
    shown = collapse_ws(strip_controls(str(label))) if label is not None else ""
    if target is None:
        return Mrkdwn(escape_mrkdwn(shown))
    host = urlsplit(target).netloc  # punycode, lower-case, no userinfo, port only if given
    # "|" separates target from label; one inside the label is shown as "¦" so no parser can misread it.
    label_text = escape_mrkdwn(clip_plain(shown, MAX_LINK_LABEL)).replace("|", "¦")
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

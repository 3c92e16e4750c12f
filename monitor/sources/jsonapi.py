"""JSON API adapter (``kind: json_api``): a JSON search response -> ``Parsed``. Pure.

``read_json_api(source_id, body, headers, api=..., base_url=...)`` reads the document within bounds
(``monitor.sources.jsondoc``: depth, lone surrogates; the fetch already capped the size), follows
``api.items`` to the list of items and, in each, the ``title``/``link``/``date``/``guid``/``text`` paths
(JSONPath-style: ``$.data.items``, ``links.self``, ``authors[0].name``). Values that are not text become
text (numbers) or are ignored (objects, lists: a list of strings is joined).

The Federal Register (``preset: federal_register``) answers a search with no hits with ``count: 0`` and
*no* ``results`` key: that is zero items, not an error. Any other document where ``items`` leads nowhere
is a ParseError naming the path (an API that changed shape should be noticed, not read as silence).

Each entry's ``full_text_url`` (the Federal Register's ``raw_text_url``) is returned in
``Parsed.full_text_urls`` by the entry's canonical URL, for ``full_text: true``. ``next_url`` is the
``next`` path's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from monitor.config.kinds import JsonApi
from monitor.errors import ParseError
from monitor.identity import absolute_http_url, canonical_url
from monitor.model import Entry, Parsed
from monitor.sources.dates import parse_date
from monitor.sources.feed import http_charset
from monitor.sources.jsondoc import get_path, load_json
from monitor.text import collapse_ws, strip_controls, strip_html

__all__ = ["read_json_api"]

_MAX_TITLE = 1_000
_MAX_TEXT = 200_000


def _as_text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value)
    return ""


def _field(item: Any, api: JsonApi, name: str) -> str:
    path = api.path(name)
    return _as_text(get_path(item, path)) if path else ""


def read_json_api(
    source_id: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    api: JsonApi,
    base_url: str,
    now: datetime,
    max_entries: int = 500,
    default_lang: str | None = None,
) -> Parsed:
    """Read one API response; see the module docstring."""
    hdrs = {k.lower(): v for k, v in headers.items()}
    if not body.strip():
        raise ParseError(source_id, "empty body")
    doc, encoding = load_json(source_id, body, http_charset=http_charset(hdrs.get("content-type", "")))
    items_path = api.path("items") or "$"
    items = get_path(doc, items_path)
    if items is None and api.preset == "federal_register" and isinstance(doc, dict) and doc.get("count") == 0:
        items = []  # the Federal Register leaves "results" out when a search has no hits
    if not isinstance(items, list):
        what = "nothing" if items is None else f"a {type(items).__name__}, not a list"
        raise ParseError(source_id, f"JSON API: items path {items_path!r} leads to {what}")
    entries: list[Entry] = []
    full_text_urls: dict[str, str] = {}
    for item in items[:max_entries]:
        if not isinstance(item, dict):
            continue
        title = collapse_ws(strip_controls(_field(item, api, "title")))[:_MAX_TITLE]
        link = absolute_http_url(_field(item, api, "link"), base_url)
        if not title and not link:
            continue
        text = collapse_ws(strip_controls(strip_html(_field(item, api, "text"))))[:_MAX_TEXT]
        guid = collapse_ws(strip_controls(_field(item, api, "guid")))[:_MAX_TITLE] or None
        entries.append(
            Entry(
                title=title,
                text=text,
                link=link,
                guid=guid,
                published_at=parse_date(_field(item, api, "date"), now=now),
                lang=default_lang,
            )
        )
        full = absolute_http_url(_field(item, api, "full_text_url"), base_url)
        if full and (key := canonical_url(link)):
            full_text_urls[key] = full
    next_path = api.path("next")
    next_url = absolute_http_url(_as_text(get_path(doc, next_path)), base_url) if next_path else None
    return Parsed(entries, encoding=encoding, next_url=next_url, full_text_urls=full_text_urls)

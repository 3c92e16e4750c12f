"""HTML listing adapter (``kind: html``): a page of links to statements -> ``Parsed``. Pure.

``read_html(source_id, body, headers, select=..., base_url=..., now=..., tz=...)``:

- Decodes like every adapter (``monitor.sources.decode``): BOM, HTTP charset, ``<meta charset>`` or
  ``<meta http-equiv="Content-Type">``, UTF-8, then detection (MOFA and MOD pages in Shift_JIS).
- Parses with selectolax (Lexbor: an HTML5 parser, so broken markup is read the way browsers read it)
  and takes ``select.item`` elements in document order, at most ``max_entries``.
- Per item: ``title`` (the selected element's text; default: the link's text, else the item's), ``link``
  (``href`` of the selected element or its first ``a[href]``, resolved against the page URL), ``date``
  (a ``datetime`` attribute, else the text; else the nearest preceding ``date_heading``), ``text``.
  Dates are read by ``monitor.sources.dates`` (English, Japanese, eras, no year: inferred from ``now``).
- Items with neither a title nor a link are skipped. Zero items is ``[]`` with a note naming the page's
  ``<title>``: the poll turns that into an error when the source had items before (a challenge page
  served with 200 is not "no news").
- ``next_url``: the ``select.next`` link, resolved, when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.config.kinds import HtmlSelect
from monitor.errors import ParseError
from monitor.identity import absolute_http_url
from monitor.model import Entry, Parsed
from monitor.sources.dates import parse_date
from monitor.sources.decode import decode_body
from monitor.sources.feed import http_charset
from monitor.text import collapse_ws, strip_controls

__all__ = ["meta_charset", "read_html"]

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_HEAD_BYTES = 4096
_MAX_TITLE = 1_000
_MAX_TEXT = 20_000


def meta_charset(body: bytes) -> str | None:
    """The charset a page's ``<meta>`` declares in its first 4 KB (HTML5 prescan, simplified)."""
    m = _META_CHARSET.search(body[:_HEAD_BYTES])
    return m.group(1).decode("ascii") if m else None


def _text(node: LexborNode | None, limit: int) -> str:
    if node is None:
        return ""
    return collapse_ws(strip_controls(node.text(separator=" ")))[:limit].rstrip()


def _first(item: LexborNode, selector: str | None) -> LexborNode | None:
    if selector is None:
        return None
    return item.css_first(selector)


def _link_node(item: LexborNode, selector: str | None) -> LexborNode | None:
    node = _first(item, selector) if selector else None
    if node is None and item.tag == "a":
        return item
    if node is not None and "href" not in node.attributes:
        node = node.css_first("a[href]")
    return node if node is not None else item.css_first("a[href]")


def _date_of(node: LexborNode | None, now: datetime, tz: tzinfo) -> datetime | None:
    if node is None:
        return None
    attr = node.attributes.get("datetime")
    return parse_date(attr, now=now, tz=tz) or parse_date(node.text(separator=" "), now=now, tz=tz)


def read_html(
    source_id: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    select: HtmlSelect,
    base_url: str,
    now: datetime,
    tz: tzinfo = UTC,
    max_entries: int = 500,
    default_lang: str | None = None,
) -> Parsed:
    """Read a listing page; see the module docstring."""
    hdrs = {k.lower(): v for k, v in headers.items()}
    if not body.strip():
        raise ParseError(source_id, "empty body")
    charset = http_charset(hdrs.get("content-type", ""))
    decoded = decode_body(body, http_charset=charset, declared=meta_charset(body))
    tree = LexborHTMLParser(decoded.text)
    root = tree.css_first("html")
    page_lang = (root.attributes.get("lang") or "") if root is not None else ""
    lang = default_lang or page_lang.split("-")[0].lower()[:35] or None

    wanted = select.item if not select.date_heading else f"{select.item}, {select.date_heading}"
    heading_date: datetime | None = None
    entries: list[Entry] = []
    items = 0
    for node in tree.css(wanted):
        if select.date_heading and not node.css_matches(select.item):
            heading_date = _date_of(node, now, tz)
            continue
        items += 1
        if items > max_entries:
            break
        link_node = _link_node(node, select.link)
        link = absolute_http_url((link_node.attributes.get("href") or "") if link_node else "", base_url)
        title_node = _first(node, select.title) or link_node or node
        title = _text(title_node, _MAX_TITLE)
        if not title and not link:
            continue
        date_node = _first(node, select.date)
        entries.append(
            Entry(
                title=title,
                text=_text(_first(node, select.text), _MAX_TEXT),
                link=link,
                guid=None,
                published_at=_date_of(date_node, now, tz) or heading_date,
                lang=lang,
            )
        )
    notes: tuple[str, ...] = ()
    if not entries:
        page_title = _text(tree.css_first("title"), 120) or "no <title>"
        notes = (f"no elements match {select.item!r} (page title: {page_title!r})",)
    next_url = None
    if select.next and (nxt := tree.css_first(select.next)) is not None:
        href = nxt.attributes.get("href") or ""
        if not href and (a := nxt.css_first("a[href]")) is not None:
            href = a.attributes.get("href") or ""
        next_url = absolute_http_url(href, base_url) if href else None
    return Parsed(entries, encoding=decoded.encoding, notes=notes, next_url=next_url)

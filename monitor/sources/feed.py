"""Feed adapter: RSS 2.0, RSS 1.0/RDF, Atom (via feedparser) and JSON Feed -> ``list[Entry]``. Pure.

``parse_feed(source_id, body, headers, *, base_url, ...)`` never touches the network or the disk:
feedparser only ever sees a ``BytesIO`` of UTF-8 bytes that this module prepared, plus response headers.

feedparser gets ``Content-Type`` (always UTF-8, see 1.) and ``Content-Language``, but no
``Content-Location``: it would rewrite permalink GUIDs relative to it, so keys would change with the
fetch URL. Links are resolved here against ``base_url`` instead (after ``xml:base``).

Before feedparser:

1. Decode the body with ``monitor.sources.decode`` (BOM, then the HTTP charset and the XML declaration,
   validated as real text codecs, then UTF-8; a body none of them reads cleanly is detected, Japanese
   first: cp932, EUC-JP, ISO-2022-JP). The text is re-encoded as UTF-8 and the XML declaration rewritten
   to say so; ``read_feed`` reports the codec used (the poll log records it).
2. Strip NULs and other characters XML 1.0 forbids, and leading whitespace before the declaration.
3. ``monitor.sources.xmlprep``: a DOCTYPE is removed; one that declares anything but character entities
   (billion laughs, XXE) is refused: ``ParseError("DOCTYPE with entity declarations refused")``. HTML
   named references (``&nbsp;``, from XHTML or Netscape DTDs) become numeric ones; numeric references
   to characters XML forbids (``&#0;``) are dropped instead of failing the document.
4. Refuse an HTML page (challenge, maintenance, login), unless its root is RSS, RDF or Atom:
   ``"not a feed: got an HTML page (<title>...</title>)"``.
5. Cut the document after ``max_entries`` entries so a 10,000-item feed costs what 500 do, cut
   any run of text longer than ``4 * max_field_chars`` (a 5 MB description) to that length, and keep at
   most 200 of each ``<category>``, ``<dc:subject>``, ``<link>``, ``<enclosure>`` per entry
   (``xmlprep.cap_repeats``; 100,000 categories on one item cost minutes in either parser).

Then the fast path: ``monitor.sources.fastfeed`` reads a well-formed RSS 2.0, RSS 1.0 or Atom 1.0 document
of the common shape with lxml, giving exactly what feedparser would for the fields below (it uses
feedparser's own quirk helpers, and ``tests/test_fastfeed.py`` compares both on every fixture and the
bench corpus); anything it does not know to read exactly, feedparser reads.

After feedparser (or the fast path): entries with no title, text, link or GUID (debris of a truncated
item) are dropped; no entries and no recognised feed version -> ``ParseError("not a feed: <reason>")``;
a recognised feed with zero entries -> ``[]`` (the caller judges whether that is suspicious); a
not-well-formed or truncated feed -> the entries recovered (best effort).

Entry fields: title and text are plain text (HTML stripped unless the feed says ``text/plain``,
controls removed, whitespace collapsed) and cut to ``max_field_chars``; text comes from the first
non-empty ``content``, else the summary/description. ``link`` is resolved against ``base_url`` (then
the feed's own link), http(s) only, host as punycode, else None. ``guid`` is the entry id or None.
``published_at`` is published, else updated (dc:date), as aware UTC; date-only values are midnight
UTC; Japanese dates (``2025年4月1日``, ``令和7年4月1日``) are read too; anything else is None; future
dates are kept as given. ``tags`` are category terms in order, deduplicated. ``lang`` is the entry's
``xml:lang``, else the feed's language, else ``Content-Language``, else ``default_lang``.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Mapping
from typing import Any

import feedparser

from monitor.errors import ParseError
from monitor.model import Entry, Parsed
from monitor.sources import fastfeed
from monitor.sources.decode import decode_body
from monitor.sources.feed_entries import RAW_FACTOR, entry, lang, parse_json_feed, text_of
from monitor.sources.xmlprep import cap_repeats, prepare_entities
from monitor.text import collapse_ws, strip_controls, strip_html

__all__ = ["http_charset", "parse_feed", "read_feed"]

_MAX_TTL_MIN = 24 * 60

_MAX_REPEATS = 200  # of each <category>, <link>, <enclosure> per entry, cut before parsing
_HTML_HEAD_CHARS = 65_536

_XML_DECL_BYTES = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")
_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
# Characters XML 1.0 does not allow (NUL included); removed before parsing.
_XML_INVALID = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)}

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_ROOT = re.compile(r"<([A-Za-z_][\w:.-]*)")
_HTML_DOCTYPE = re.compile(r"<!DOCTYPE\s+html", re.IGNORECASE)
_HTML_ROOTS = frozenset({"html", "head", "body", "meta", "script"})
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_ITEM_OPEN = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])")
_TAG = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!.*?>"
    r"|</([^\s>]+)\s*>"
    r"""|<([A-Za-z_][\w:.-]*)(?:[^>"']|"[^"]*"|'[^']*')*?(/?)>""",
    re.DOTALL,
)


def _feedparser_fix_text(value: str) -> str:
    """What feedparser does to every value of a UTF-8 document: repair UTF-8 read as Latin-1, map cp1252."""
    if value.isascii():  # neither step changes ASCII
        return value
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(feedparser.html._cp1252)


# The fast path (monitor.sources.fastfeed) reads common feeds with lxml using feedparser's own quirks.
_QUIRKS = fastfeed.Quirks(
    looks_like_html=feedparser.mixin._FeedParserMixin.looks_like_html,
    parse_date=feedparser.datetimes._parse_date,
    join=feedparser.urls._urljoin,
    safe_join=feedparser.urls.make_safe_absolute_uri,
    fix_text=_feedparser_fix_text,
)


def parse_feed(
    source_id: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    base_url: str,
    max_entries: int = 500,
    max_field_chars: int = 200_000,
    default_lang: str | None = None,
) -> list[Entry]:
    """Read a feed body into entries (at most ``max_entries``, in document order). See module docstring."""
    return read_feed(
        source_id, body, headers, base_url=base_url, max_entries=max_entries,
        max_field_chars=max_field_chars, default_lang=default_lang,
    ).entries  # fmt: skip


def read_feed(
    source_id: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    base_url: str,
    max_entries: int = 500,
    max_field_chars: int = 200_000,
    default_lang: str | None = None,
    fast_path: bool = True,
) -> Parsed:
    """:func:`parse_feed` plus what the poll records: the encoding used and the feed's ``ttl``.

    ``fast_path=False`` skips the lxml reader and asks feedparser (the reference) directly."""
    hdrs = {k.lower(): v for k, v in headers.items()}
    header_lang = lang(hdrs.get("content-language"))
    if not body.strip(b" \t\r\n\x00"):
        raise ParseError(source_id, "empty body")
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        entries = parse_json_feed(
            source_id, body, base_url=base_url, max_entries=max_entries, max_chars=max_field_chars,
            header_lang=header_lang, default_lang=default_lang,
        )  # fmt: skip
        return Parsed(entries, encoding="utf-8")

    m = _XML_DECL_BYTES.match(body[:1024])
    decoded = decode_body(
        body,
        http_charset=http_charset(hdrs.get("content-type", "")),
        declared=m.group(1).decode("ascii") if m else None,
    )
    text = decoded.text.translate(_XML_INVALID).lstrip("\ufeff \t\r\n")
    if not text:
        raise ParseError(source_id, "empty body")
    prolog, root = _prolog_and_root(text)
    feed_root = (root or "").split(":")[-1].lower() in ("rss", "rdf", "feed")
    if (root or "").lower() in _HTML_ROOTS or (_HTML_DOCTYPE.search(prolog) and not feed_root):
        raise ParseError(source_id, f"not a feed: got an HTML page ({_html_title(text)})")
    try:
        text = prepare_entities(text)
    except ValueError as exc:
        raise ParseError(source_id, str(exc)) from None
    text = _cap_text_runs(_cap_entries(text, max_entries), max_field_chars * RAW_FACTOR)
    text = cap_repeats(text, _MAX_REPEATS)
    data = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1).encode("utf-8")

    # No Content-Location on purpose: feedparser would resolve permalink GUIDs against it, making keys
    # depend on the URL we fetched from. Links are resolved against base_url below instead.
    response_headers = {"content-type": "application/xml; charset=utf-8"}
    if header_lang:
        response_headers["content-language"] = header_lang
    parsed: Any = fastfeed.read(data, header_lang=header_lang, quirks=_QUIRKS) if fast_path else None
    try:
        parsed = parsed or feedparser.parse(
            io.BytesIO(data),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # untrusted input must not crash a poll: a parser bug is this feed's problem
        raise ParseError(
            source_id, f"not a feed: feedparser failed ({type(exc).__name__}: {exc})"[:300]
        ) from exc
    raw_entries: list[Any] = list(dict.get(parsed, "entries") or [])
    if not raw_entries and not dict.get(parsed, "version"):
        raise ParseError(source_id, f"not a feed: {_not_a_feed_reason(parsed, text, root)}")

    feed = dict.get(parsed, "feed") or {}
    feed_lang = lang(dict.get(feed, "language"))
    bases = [base_url, text_of(dict.get(feed, "link"))]
    read = (
        entry(raw, bases=bases, feed_lang=feed_lang, header_lang=header_lang, default_lang=default_lang,
               max_chars=max_field_chars)
        for raw in raw_entries[:max_entries]
    )  # fmt: skip
    ttl = text_of(dict.get(feed, "ttl")).strip()
    return Parsed(
        [e for e in read if e.title or e.text or e.link or e.guid],
        encoding=decoded.encoding,
        ttl_s=min(int(ttl), _MAX_TTL_MIN) * 60.0 if ttl.isascii() and ttl.isdigit() else None,
    )


# --- decoding -------------------------------------------------------------------------------------


def http_charset(content_type: str) -> str | None:
    m = _CHARSET_PARAM.search(content_type)
    return m.group(1) if m else None


# --- sniffing and capping -------------------------------------------------------------------------


def _prolog_and_root(text: str) -> tuple[str, str | None]:
    """What precedes the root element (comments removed), and the root element's name."""
    head = _COMMENT.sub("", text[:_HTML_HEAD_CHARS])
    m = _ROOT.search(head)
    return (head[: m.start()], m.group(1)) if m else (head, None)


def _html_title(text: str) -> str:
    m = _TITLE.search(text[:_HTML_HEAD_CHARS])
    if not m:
        return "no <title>"
    title = strip_controls(strip_html(m.group(1)))[:120]
    return f"<title>{title}</title>"


def _not_a_feed_reason(parsed: Any, text: str, root: str | None) -> str:
    if not text.startswith("<"):
        return f"neither XML nor JSON (starts with {collapse_ws(text[:40])!r})"
    exc = dict.get(parsed, "bozo_exception")
    if root and (exc is None or root.split(":")[-1].lower() not in ("rss", "rdf", "feed")):
        return f"root element <{root[:60]}> is not RSS, RDF or Atom"
    if exc is not None:
        return f"not well-formed XML ({collapse_ws(strip_controls(str(exc)))[:200]})"
    return "no RSS, RDF or Atom root element"


def _cap_entries(text: str, max_entries: int) -> str:
    """Cut the document before entry number ``max_entries + 1`` and close the elements left open."""
    starts = []
    for m in _ITEM_OPEN.finditer(text):
        starts.append(m.start())
        if len(starts) > max_entries:
            break
    if len(starts) <= max_entries:
        return text
    stack: list[str] = []
    for m in _TAG.finditer(text, 0, starts[0]):
        closing, opening, self_closing = m.group(1), m.group(2), m.group(3)
        if opening and not self_closing:
            stack.append(opening)
        elif closing and closing in stack:
            del stack[len(stack) - 1 - stack[::-1].index(closing) :]
    return text[: starts[-1]] + "".join(f"</{name}>" for name in reversed(stack))


def _cap_text_runs(text: str, limit: int) -> str:
    """Shorten every stretch between two ``<`` that is longer than ``limit`` (keeping a closing ``]]>``)."""
    if len(text) <= limit:
        return text
    parts: list[str] = []
    start = pos = 0
    while pos < len(text):
        nxt = text.find("<", pos + 1)
        end = len(text) if nxt < 0 else nxt
        if end - pos > limit:
            keep = text[pos : pos + limit]
            amp = keep.rfind("&", len(keep) - 12)
            if amp >= 0 and ";" not in keep[amp:]:
                keep = keep[:amp]  # do not leave half an entity reference
            parts += [text[start:pos], keep, "]]>" if text[pos:end].rstrip().endswith("]]>") else ""]
            start = end
        pos = end
    parts.append(text[start:])
    return "".join(parts)

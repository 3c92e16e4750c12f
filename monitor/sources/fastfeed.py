"""The fast path for the common feed: well-formed RSS 2.0, RSS 1.0 (RDF) or Atom 1.0 read with lxml. Pure.

feedparser is the reference. :func:`read` returns what ``feedparser.parse`` would for the fields
``monitor.sources.feed`` reads -- per entry title/title_detail, summary/summary_detail, content, id,
link, published/updated/created with their parsed dates, and tags; for the feed its link, language
and ttl -- or None when the document is not a case this module knows to read exactly, and then
feed.py asks feedparser. feedparser's own small helpers (its HTML guess, date parser, URI join and
text fix-ups) come in as :class:`Quirks`, so the two paths cannot drift on those; this module never
imports feedparser. ``tests/test_fastfeed.py`` proves both paths give the same entries on every
fixture, on the feed-parsing tests' documents, and on the corpus the benches generate.

None (feedparser reads it) for: anything lxml does not parse as strict, well-formed XML; another root
or RSS version; an attribute name with capitals; an entry child element outside the known set below (iTunes,
Media RSS and other extensions map onto the fields above in feedparser); markup inside a text
element; Atom ``xhtml``, ``src`` or non-text content; a second title or summary in one entry; RSS
text elements with attributes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

__all__ = ["Quirks", "read"]

ATOM = "http://www.w3.org/2005/Atom"
RSS10 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_RDF_ABOUT = f"{{{RDF}}}about"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_LINK_REF = re.compile("&([A-Za-z0-9_]+);")

# Entry children whose content feedparser keeps only in fields pressmon does not read: skipped whole.
_IGNORED = frozenset(
    {
        "author", "comments", "enclosure", "source",
        f"{{{DC}}}creator", f"{{{DC}}}contributor", f"{{{DC}}}publisher", f"{{{DC}}}rights",
        "{http://wellformedweb.org/CommentAPI/}commentRss", "{http://wellformedweb.org/CommentAPI/}comment",
        "{http://purl.org/rss/1.0/modules/slash/}comments",
        f"{{{ATOM}}}author", f"{{{ATOM}}}contributor", f"{{{ATOM}}}rights",
    }
)  # fmt: skip
# Date elements: (feedparser key) for RSS (no namespace and RSS 1.0), Dublin Core and Atom.
_DATES = {
    "pubDate": "published",
    f"{{{DC}}}date": "updated",
    f"{{{DCTERMS}}}modified": "updated",
    f"{{{DCTERMS}}}issued": "published",
    f"{{{DCTERMS}}}created": "created",
    f"{{{ATOM}}}published": "published",
    f"{{{ATOM}}}updated": "updated",
}


@dataclass(frozen=True, slots=True)
class Quirks:
    """feedparser's helpers, handed in by feed.py (the one module that imports feedparser)."""

    looks_like_html: Callable[[str], bool]  # its guess whether RSS "plain text" is HTML
    parse_date: Callable[[str], Any]  # text -> time.struct_time in UTC, or None
    join: Callable[[str, str], str]  # its URI join (base, uri), as it resolves links, ids and xml:base
    safe_join: Callable[[str, str], str]  # its join of a nested xml:base (http/https/... schemes only)
    fix_text: Callable[[str], str]  # its utf-8-read-as-latin-1 repair and cp1252 mapping of every value


class _Decline(Exception):
    """Not a case this module reads exactly: feedparser reads the document."""


_local = threading.local()


def _parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            remove_comments=True, remove_pis=True, strip_cdata=True, recover=False,
        )  # fmt: skip
        _local.parser = parser
    return parser


def read(data: bytes, *, header_lang: str | None, quirks: Quirks) -> dict[str, Any] | None:
    """feedparser's result for the fields pressmon reads (``version``, ``feed``, ``entries``), or None."""
    try:
        root = etree.fromstring(data, _parser())
        return _Reader(quirks, header_lang).document(root)
    except (etree.XMLSyntaxError, _Decline, ValueError):
        return None


def _content_type(value: str) -> str:
    """feedparser's map_content_type."""
    value = value.lower()
    return {
        "text": "text/plain",
        "plain": "text/plain",
        "html": "text/html",
        "xhtml": "application/xhtml+xml",
    }.get(value, value)


class _Reader:
    def __init__(self, quirks: Quirks, header_lang: str | None) -> None:
        self.q = quirks
        self.header_lang = header_lang
        self.bases: dict[Any, str] = {}  # element -> its base URI, as feedparser tracks xml:base
        self.version = ""

    # -- document --------------------------------------------------------------------------------

    def document(self, root: Any) -> dict[str, Any]:
        root_base = self._enter(root, "")
        lang = self._lang(root, self.header_lang)
        feed_lang = lang or self.header_lang
        feed: dict[str, Any] = {"language": feed_lang.replace("_", "-")} if feed_lang else {}
        if root.tag == "rss":
            if root.get("version") != "2.0" or len(root) != 1 or root[0].tag != "channel":
                raise _Decline
            self.version = "rss20"
            channel = root[0]
            items = [c for c in channel if c.tag == "item"]
            head = [c for c in channel if c.tag != "item"]
            entry_tag = "item"
        elif root.tag == f"{{{ATOM}}}feed":
            self.version = "atom10"
            channel, entry_tag = root, f"{{{ATOM}}}entry"
            items = [c for c in root if c.tag == entry_tag]
            head = [c for c in root if c.tag != entry_tag]
        elif root.tag == f"{{{RDF}}}RDF":
            self.version = "rss10"
            channels = [c for c in root if c.tag == f"{{{RSS10}}}channel"]
            if len(channels) != 1:
                raise _Decline
            channel, entry_tag = channels[0], f"{{{RSS10}}}item"
            items = [c for c in root if c.tag == entry_tag]
            head = list(channel)
        else:
            raise _Decline
        if sum(1 for _ in root.iter(entry_tag)) != len(items):  # entries anywhere else: not common
            raise _Decline
        channel_base = self._enter(channel, root_base) if channel is not root else root_base
        for child in head:
            self._feed_field(feed, child, channel_base)
        items_base = channel_base if self.version == "rss20" else root_base
        for item in items:
            self._enter(item, items_base)
        items_lang = self._lang(channel, lang) if self.version == "rss20" else lang
        return {"version": self.version, "feed": feed, "entries": [self._entry(i, items_lang) for i in items]}

    def _feed_field(self, feed: dict[str, Any], el: Any, parent_base: str) -> None:
        tag = el.tag
        if tag in _FEED_FIELDS:
            self._enter(el, parent_base)
        if tag in ("language", f"{{{RSS10}}}language", f"{{{DC}}}language", "ttl"):
            feed["ttl" if tag == "ttl" else "language"] = self.q.fix_text(self._text(el))
        elif tag in ("link", f"{{{RSS10}}}link"):
            if el.attrib:
                raise _Decline
            feed["link"] = self._link_text(self._text(el, resolve=True))
        elif tag == f"{{{ATOM}}}link":
            href, is_alternate = self._atom_link(el)
            if href is not None and is_alternate:
                feed["link"] = href

    # -- entries ---------------------------------------------------------------------------------

    def _entry(self, item: Any, parent_lang: str | None) -> dict[str, Any]:
        lang = self._lang(item, parent_lang)
        item_base = self.bases[item]
        e: dict[str, Any] = {}
        about = item.get(_RDF_ABOUT)
        if about:
            e["id"] = about
        seen: set[str] = set()
        atom = self.version == "atom10"
        for el in item:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if tag in _IGNORED:
                continue
            el_lang = self._lang(el, lang)
            self._enter(el, item_base)
            local = (
                tag.rpartition("}")[2]
                if tag.startswith(f"{{{ATOM}}}") or tag.startswith(f"{{{RSS10}}}")
                else tag
            )
            if atom and not tag.startswith(f"{{{ATOM}}}") and tag not in _DATES and tag not in _TAGS:
                raise _Decline
            if not atom and tag.startswith(f"{{{ATOM}}}"):
                raise _Decline
            if local == "title":
                self._once(seen, "title")
                self._text_field(e, "title", el, el_lang, default_type="text/plain")
            elif local in ("description", "summary") and not (atom and local == "description"):
                self._once(seen, "summary")
                self._text_field(
                    e, "summary", el, el_lang, default_type="text/plain" if atom else "text/html"
                )
            elif tag == f"{{{CONTENT}}}encoded" or (atom and local == "content"):
                self._content(e, el, el_lang, default_type="text/plain" if atom else "text/html")
            elif local in ("guid", "id"):
                self._guid(e, el)
            elif local == "link":
                self._link(e, el)
            elif tag in _DATES:
                key = _DATES[tag]
                value = self.q.fix_text(self._text(el))
                e[key] = value
                e[f"{key}_parsed"] = self.q.parse_date(value)
            elif tag in _TAGS or local == "category":
                self._category(e, el)
            else:
                raise _Decline
        return e

    @staticmethod
    def _once(seen: set[str], key: str) -> None:
        if key in seen:
            raise _Decline  # feedparser's depth and "second summary is content" rules: leave it to feedparser
        seen.add(key)

    def _text_field(
        self, e: dict[str, Any], key: str, el: Any, lang: str | None, *, default_type: str
    ) -> None:
        ctype = self._type(el, default_type)
        value = self._text(el)
        if self.version != "atom10" and ctype == "text/plain" and self.q.looks_like_html(value):
            ctype = "text/html"
        value = self.q.fix_text(value)
        e[key] = value
        e[f"{key}_detail"] = {"type": ctype, "language": _dash(lang), "base": "", "value": value}

    def _content(self, e: dict[str, Any], el: Any, lang: str | None, *, default_type: str) -> None:
        if el.get("src") is not None:
            raise _Decline
        ctype = self._type(el, default_type)
        value = self._text(el)
        if self.version != "atom10" and ctype == "text/plain" and self.q.looks_like_html(value):
            ctype = "text/html"
        value = self.q.fix_text(value)
        e.setdefault("content", []).append(
            {"type": ctype, "language": _dash(lang), "base": "", "value": value}
        )
        if ctype == "text/plain" or ctype in _HTML_TYPES:
            e.setdefault("summary", value)

    def _type(self, el: Any, default: str) -> str:
        attrs = {k for k in el.attrib if k != _XML_LANG}
        if self.version != "atom10" and attrs:
            raise _Decline
        if attrs - {"type"}:
            raise _Decline
        ctype = _content_type(el.get("type", default))
        if ctype not in ("text/plain", "text/html"):
            raise _Decline  # xhtml keeps markup, other types may be base64: feedparser's business
        return ctype

    def _guid(self, e: dict[str, Any], el: Any) -> None:
        permalink = {k.lower(): v for k, v in el.attrib.items()}.get("ispermalink", "true")
        if permalink not in ("true", "false") or set(el.attrib) - {"isPermaLink", "ispermalink", _XML_LANG}:
            raise _Decline
        is_link = permalink == "true"
        value = self.q.fix_text(self._text(el, resolve=is_link))
        e["id"] = value
        e.setdefault("guidislink", is_link and "link" not in e)
        if is_link:
            e.setdefault("link", value)

    def _link(self, e: dict[str, Any], el: Any) -> None:
        if self.version == "atom10":
            href, is_alternate = self._atom_link(el)
            if href is None:
                raise _Decline
            if is_alternate:
                e["link"] = href
            return
        if el.attrib:
            raise _Decline
        e["link"] = self._link_text(self.q.fix_text(self._text(el, resolve=True)))

    def _atom_link(self, el: Any) -> tuple[str | None, bool]:
        rel = el.get("rel", "alternate")
        ctype = el.get("type", "application/atom+xml" if rel == "self" else "text/html")
        href = el.get("href")
        if href is None:
            return None, False
        return self._resolve(el, href), rel == "alternate" and _content_type(ctype) in _HTML_TYPES

    @staticmethod
    def _link_text(value: str) -> str:
        return _LINK_REF.sub(r"&\g<1>", value.replace("&amp;", "&"))

    def _category(self, e: dict[str, Any], el: Any) -> None:
        """feedparser's _start_category/_end_category: a tag from attributes, its term filled from text."""
        tags: list[dict[str, Any]] = e.setdefault("tags", [])
        term, label = el.get("term"), el.get("label")
        scheme = el.get("scheme", el.get("domain"))
        _add_tag(tags, term, scheme, label)
        value = self.q.fix_text(self._text(el))
        if not value:
            return
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            _add_tag(tags, value, None, None)

    # -- text ------------------------------------------------------------------------------------

    def _text(self, el: Any, *, resolve: bool = False) -> str:
        if len(el):
            raise _Decline  # markup inside a text element: feedparser serialises it its own way
        value = (el.text or "").strip()
        return self._resolve(el, value) if resolve and value else value

    def _resolve(self, el: Any, uri: str) -> str:
        return self.q.join(self.bases[el], uri)

    def _enter(self, el: Any, parent_base: str) -> str:
        """Record ``el``'s base URI (feedparser's rule: xml:base, else ``base``, joined to the parent's)."""
        attrs = el.attrib
        if any(not k.startswith("{") and k != k.lower() and k != "isPermaLink" for k in attrs):
            raise _Decline  # feedparser lower-cases attribute names; keep to documents where that is moot
        given = attrs.get(_XML_BASE) if _XML_BASE in attrs else attrs.get("base")
        new = given or parent_base
        base = (self.q.safe_join(parent_base, new) or parent_base) if parent_base else self.q.join("", new)
        self.bases[el] = base
        return base

    @staticmethod
    def _lang(el: Any, inherited: str | None) -> str | None:
        """feedparser's self.lang for ``el``: its xml:lang (or lang); "" means none; else inherited."""
        lang = el.get(_XML_LANG, el.get("lang"))
        if lang is None:
            return inherited
        return lang or None


_FEED_FIELDS = frozenset(
    {
        "language",
        f"{{{RSS10}}}language",
        f"{{{DC}}}language",
        "ttl",
        "link",
        f"{{{RSS10}}}link",
        f"{{{ATOM}}}link",
    }
)
_TAGS = frozenset({f"{{{DC}}}subject", f"{{{ATOM}}}category"})


def _add_tag(tags: list[dict[str, Any]], term: str | None, scheme: str | None, label: str | None) -> None:
    if not term and not scheme and not label:
        return
    value = {"term": term, "scheme": scheme, "label": label}
    if value not in tags:
        tags.append(value)


def _dash(lang: str | None) -> str | None:
    return lang.replace("_", "-") if lang else lang

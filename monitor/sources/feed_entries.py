"""Feed entries -> :class:`~monitor.model.Entry` (pure): what :mod:`monitor.sources.feed` does with each
entry a parser gives it (feedparser's or the fast path's dicts), and JSON Feed documents.

Text is cleaned (HTML stripped where the entry says it is HTML, controls removed, whitespace collapsed,
cut to ``max_chars``); links are made absolute against the entry's, the feed's and the request's bases;
tags are deduplicated and capped; dates are read in Japanese and slash forms before feedparser's own
reading (which takes ``2025/04/01`` and ``2025年4月1日`` for 1 November); an entry's language is its
``xml:lang``, else the feed's, the response's ``Content-Language`` or the source's default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from monitor.errors import ParseError
from monitor.identity import absolute_http_url
from monitor.model import Entry
from monitor.sources.jsondoc import load_json
from monitor.text import collapse_ws, strip_controls, strip_html

__all__ = ["RAW_FACTOR", "entry", "lang", "parse_json_feed", "text_of"]

_MAX_TAGS = 50
_MAX_TAG_CHARS = 200
_MAX_LANG_CHARS = 35
# At most this many times max_field_chars of raw (escaped) HTML is kept per field or text run.
RAW_FACTOR = 4
_JA_DATE = re.compile(r"(令和|平成|昭和)?\s*(\d{1,4}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_SLASH_DATE = re.compile(r"\b(\d{4})[/.](\d{1,2})[/.](\d{1,2})\b")
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"
_MIN_YEAR, _MAX_YEAR = 1000, 2999  # published dates outside are not dates (and overflow date arithmetic)


# --- entries --------------------------------------------------------------------------------------


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def _clean(raw: str, *, html: bool, max_chars: int) -> str:
    raw = raw[: max_chars * RAW_FACTOR]
    text = strip_html(raw) if html else raw
    return collapse_ws(strip_controls(text))[:max_chars].rstrip()


def _is_html(detail: object) -> bool:
    ctype = text_of(dict.get(detail, "type")) if isinstance(detail, dict) else ""
    return ctype != "text/plain"


def lang(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    lang = collapse_ws(strip_controls(value)).split(",")[0].strip().lower()
    return lang[:_MAX_LANG_CHARS] or None


def _link(raw: str, bases: Iterable[str]) -> str | None:
    for base in bases:
        link = absolute_http_url(raw, base or None)
        if link:
            return link
    return None


def _tags(values: Iterable[str], max_chars: int) -> tuple[str, ...]:
    cleaned = (collapse_ws(strip_controls(v))[: min(max_chars, _MAX_TAG_CHARS)] for v in values)
    return tuple(dict.fromkeys(t for t in cleaned if t))[:_MAX_TAGS]


def _date_from_struct(value: object) -> datetime | None:
    if not isinstance(value, tuple) or len(value) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return None
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _date_from_text(raw: str) -> datetime | None:
    """Dates feedparser does not read: ``2025年4月1日``, ``令和7年4月1日``, ``2025/04/01`` (midnight UTC)."""
    s = unicodedata.normalize("NFKC", raw)
    if m := _JA_DATE.search(s):
        era, year_s, month, day = m.groups()
        year = 1 if year_s == "元" else int(year_s)
        year += _ERAS[era] if era else 0
    elif m := _SLASH_DATE.search(s):
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
    else:
        return None
    try:
        return datetime(year, int(month), int(day), tzinfo=UTC) if _MIN_YEAR <= year <= _MAX_YEAR else None
    except ValueError:
        return None


def entry(
    raw: Any,
    *,
    bases: list[str],
    feed_lang: str | None,
    header_lang: str | None,
    default_lang: str | None,
    max_chars: int,
) -> Entry:
    title_detail = dict.get(raw, "title_detail") or {}
    title = _clean(text_of(dict.get(raw, "title")), html=_is_html(title_detail), max_chars=max_chars)

    contents = [
        c for c in (dict.get(raw, "content") or []) if isinstance(c, dict) and text_of(c.get("value"))
    ]
    detail = contents[0] if contents else (dict.get(raw, "summary_detail") or {})
    body = text_of(contents[0].get("value")) if contents else text_of(dict.get(raw, "summary"))
    text = _clean(body, html=_is_html(detail), max_chars=max_chars)

    guid = collapse_ws(strip_controls(text_of(dict.get(raw, "id"))))[:max_chars] or None

    published = None
    for key in ("published", "updated", "created"):
        # Our reading first: feedparser takes "2025/04/01" and "2025年4月1日" for 1 November.
        published = _date_from_text(text_of(dict.get(raw, key))) or _date_from_struct(
            dict.get(raw, f"{key}_parsed")
        )
        if published:
            break

    terms = (
        text_of(dict.get(t, "term")) or text_of(dict.get(t, "label"))
        for t in (dict.get(raw, "tags") or [])
        if isinstance(t, dict)
    )

    entry_lang = lang(dict.get(detail, "language")) or lang(dict.get(title_detail, "language"))
    if entry_lang == header_lang:  # feedparser copies Content-Language in; only xml:lang is the entry's
        entry_lang = None
    return Entry(
        title=title,
        text=text,
        link=_link(text_of(dict.get(raw, "link")), bases),
        guid=guid,
        published_at=published,
        tags=_tags(terms, max_chars),
        lang=entry_lang or feed_lang or header_lang or lang(default_lang),
    )


# --- JSON Feed ------------------------------------------------------------------------------------


def parse_json_feed(
    source_id: str,
    body: bytes,
    *,
    base_url: str,
    max_entries: int,
    max_chars: int,
    header_lang: str | None,
    default_lang: str | None,
) -> list[Entry]:
    try:
        doc, _ = load_json(source_id, body)
    except ParseError as exc:
        raise ParseError(source_id, f"not a feed: {exc.detail}") from None
    if not isinstance(doc, dict) or not text_of(doc.get("version")).startswith(_JSON_FEED_VERSION):
        raise ParseError(source_id, "not a feed: JSON document is not a JSON Feed")
    items = doc.get("items", [])
    if not isinstance(items, list):
        raise ParseError(source_id, "not a feed: JSON Feed 'items' is not a list")
    feed_lang = lang(doc.get("language"))
    bases = [base_url, text_of(doc.get("home_page_url"))]
    entries = []
    for item in items[:max_entries]:
        if not isinstance(item, dict):
            continue
        if text_of(item.get("content_html")):
            text = _clean(item["content_html"], html=True, max_chars=max_chars)
        else:
            text = _clean(text_of(item.get("content_text")) or text_of(item.get("summary")), html=False,
                          max_chars=max_chars)  # fmt: skip
        raw_id = item.get("id")
        guid = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
        tags = item.get("tags")
        tags = tags if isinstance(tags, list) else []
        entries.append(
            Entry(
                title=_clean(text_of(item.get("title")), html=False, max_chars=max_chars),
                text=text,
                link=_link(text_of(item.get("url")) or text_of(item.get("external_url")), bases),
                guid=collapse_ws(strip_controls(guid))[:max_chars] or None,
                published_at=_iso_date(item.get("date_published")) or _iso_date(item.get("date_modified")),
                tags=_tags((t for t in tags if isinstance(t, str)), max_chars),
                lang=lang(item.get("language")) or feed_lang or header_lang or lang(default_lang),
            )
        )
    return entries


def _iso_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return _date_from_text(value)
    if not _MIN_YEAR <= parsed.year <= _MAX_YEAR:  # 9999-12-31T23:59-23:59 overflows in UTC
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)

"""Text normalisation helpers shared by the pipeline stages. All pure.

- ``strip_html(s)``: HTML (or an HTML fragment) -> plain text. ``<script>``/``<style>``/``<template>``
  content is dropped, block elements and ``<br>`` become spaces, entities are unescaped, whitespace is
  collapsed, and headings that a scraper glued together are separated (:func:`unglue`).
- ``unglue(s)``: puts back the space a scraper dropped between blocks: ``InvestmentThe White
  HouseNovember 24, 2026`` -> ``Investment The White House November 24, 2026``. Only before a month
  name with a day, a year followed by a capitalised word, or a capitalised word from a short list of
  words that start headings and sentences (The, Joint, Statement, ...): brand names such as SoftBank,
  BlackRock or JavaScript are left alone.
- ``collapse_ws(s)``: every run of Unicode whitespace -> one space; trimmed.
- ``strip_controls(s)``: removes C0/C1 control characters (keeping ``\\n`` and ``\\t``), NULs, DEL,
  bidi embeddings/overrides/isolates/marks, zero-width characters, the BOM and lone surrogates.
- ``normalise_for_hash(s)``: the form content hashes are taken over: controls stripped, NFKC, casefolded,
  whitespace collapsed. Whitespace-only and case-only edits therefore hash the same.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

__all__ = ["collapse_ws", "normalise_for_hash", "strip_controls", "strip_html", "unglue"]

_BIDI_AND_ZERO_WIDTH = (
    "\u061c"  # ARABIC LETTER MARK
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\ufeff"  # BOM / zero-width no-break space
)
_CONTROL_TABLE: dict[int, None] = {
    **{c: None for c in range(0x00, 0x20) if c not in (0x09, 0x0A)},
    0x7F: None,
    **{c: None for c in range(0x80, 0xA0)},
    **{ord(c): None for c in _BIDI_AND_ZERO_WIDTH},
    0xFFFE: None,
    0xFFFF: None,
    # Lone surrogates (from utf-7, JSON "\ud800", surrogateescape) cannot be encoded or stored.
    **{c: None for c in range(0xD800, 0xE000)},
}

# Content of these elements is never text.
_SKIP_CONTENT = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math"})
# These elements separate words: they become a space.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "img", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip


_MONTH_NAMES = "January|February|March|April|May|June|July|August|September|October|November|December"
# Words that begin headings, bylines and sentences in government pages; a lower-case letter directly
# before one of them (capitalised, whole word) is a lost block boundary, not a word.
_BOUNDARY_WORDS = (
    "The|This|These|That|Those|Today|Joint|Statement|Statements|Fact|Sheet|Sheets|Press|Release|Releases"
    "|Briefing|Briefings|Remarks|Readout|Presidential|President|Prime|Secretary|Minister|Ministry"
    "|Department|Office|Embassy|Ambassador|Updated|Posted|Published"
)
_GLUED = re.compile(
    rf"(?<=[a-z.)])(?=(?:{_BOUNDARY_WORDS})\b)"
    rf"|(?<=[A-Za-z])(?=(?:{_MONTH_NAMES})\s+\d)"
    r"|(?<=\d{4})(?<!\d{5})(?=[A-Z][a-z])"
)


def unglue(s: str) -> str:
    """A space where a scraper glued two blocks together (see the module docstring)."""
    return _GLUED.sub(" ", s)


def collapse_ws(s: str) -> str:
    """Every run of (Unicode) whitespace becomes one space; leading/trailing whitespace is removed."""
    return " ".join(s.split())


def strip_controls(s: str) -> str:
    """Remove C0/C1 controls except ``\\n``/``\\t``, NULs, DEL, bidi controls, zero-width characters and
    lone surrogates."""
    return s.translate(_CONTROL_TABLE)


def normalise_for_hash(s: str) -> str:
    """Controls stripped, NFKC, casefolded, whitespace collapsed: the form content hashes use."""
    return collapse_ws(unicodedata.normalize("NFKC", strip_controls(s)).casefold())


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_CONTENT:
            self._skip_depth += 1
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_CONTENT:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def strip_html(s: str) -> str:
    """HTML -> plain text with whitespace collapsed. Never raises; malformed markup is read best-effort."""
    if "<" not in s and "&" not in s:
        return collapse_ws(unglue(s))
    parser = _TextExtractor()
    parser.feed(s)
    parser.close()
    return collapse_ws(unglue("".join(parser.parts)))

"""A statement's page -> its main text (``full_text: true``). Pure.

``extract_text(body, headers)``:

- decodes like every adapter (``monitor.sources.decode``, ``<meta charset>`` included);
- ``text/plain`` is taken as it is; a page whose content is one ``<pre>`` (the Federal Register's
  ``raw_text_url``, e-mail obfuscation and all) is that ``<pre>``'s text;
- otherwise boilerplate is removed (script, style, nav, header, footer, aside, form, menus) and the
  main text is the first known content container (``[itemprop=articleBody]``, ``article``, ``main``,
  ``.entry-content``, ``#maincontents``, DSCA's ``div.body``...) with enough text, else the element whose
  paragraphs hold the most text (the text-density idea readability and trafilatura use), else the body.

Whitespace is collapsed to single spaces like every other item text (line-wrapped raw text then reads
as the sentences it holds: matching and facts see "arms sales notification" across a wrap). The result
is cut to ``max_chars``.
Chosen over trafilatura for one parser across adapters (selectolax), no lxml stack, and speed; see
``bench/fulltext.py`` for the measured comparison.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser, LexborNode

from monitor.sources.decode import decode_body
from monitor.sources.feed import http_charset
from monitor.sources.html import meta_charset
from monitor.text import collapse_ws, strip_controls

__all__ = ["extract_text"]

_BOILERPLATE = (
    "script, style, noscript, template, svg, nav, header, footer, aside, form, iframe, button, "
    "[role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true], .breadcrumb, .breadcrumbs, "
    ".share, .social, .menu, #header, #footer, #gnav, .pagetop, .skip-link"
)
_CONTAINERS = (
    "[itemprop=articleBody]", "div.body", "article", "main", "[role=main]", ".entry-content",
    "#maincontents", "#main", "#content", ".content",
)  # fmt: skip
_MIN_CONTAINER_CHARS = 200
_EMAIL_PROTECTED = re.compile(r"\[email\s*protected\]", re.IGNORECASE)


def _clean(text: str) -> str:
    return collapse_ws(strip_controls(text))


def _text(node: LexborNode) -> str:
    return _clean(node.text(separator="\n"))


def _densest(root: LexborNode) -> LexborNode | None:
    """The element whose direct <p> children hold the most text."""
    best, best_len = None, 0
    for p in root.css("p"):
        parent = p.parent
        if parent is None:
            continue
        total = sum(len(c.text()) for c in parent.iter() if c.tag == "p")
        if total > best_len:
            best, best_len = parent, total
    return best


def extract_text(body: bytes, headers: Mapping[str, str], *, max_chars: int = 200_000) -> str:
    """The main text of a statement's page; "" when there is none."""
    hdrs = {k.lower(): v for k, v in headers.items()}
    ctype = hdrs.get("content-type", "").split(";")[0].strip().lower()
    decoded = decode_body(
        body, http_charset=http_charset(hdrs.get("content-type", "")), declared=meta_charset(body)
    )
    if ctype == "text/plain":
        return _clean(decoded.text)[:max_chars]
    tree = LexborHTMLParser(decoded.text)
    pres = tree.css("pre")
    body_node = tree.body
    if body_node is None:
        return ""
    if len(pres) == 1 and len(pres[0].text()) > 0.5 * len(body_node.text()):
        return _clean(_EMAIL_PROTECTED.sub("", pres[0].text()))[:max_chars]
    for junk in tree.css(_BOILERPLATE):
        junk.decompose()
    for selector in _CONTAINERS:
        found = tree.css_first(selector)
        if found is not None and len(text := _text(found)) >= _MIN_CONTAINER_CHARS:
            return text[:max_chars]
    dense = _densest(body_node)
    if dense is not None and len(text := _text(dense)) >= _MIN_CONTAINER_CHARS:
        return text[:max_chars]
    return _text(body_node)[:max_chars]

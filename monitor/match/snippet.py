"""Snippets: a window of text around the first match, cut at word boundaries (pure).

A snippet is read in a Slack line or a digest, so it starts where the statement does. Many pages and
scraped feeds open with their chrome: the headline echoed, a section name, the site's name and a date,
sometimes the whole header several times over ("Briefings & Statements Joint Statement on ... The White
House November 24, 2026" three times before the first sentence). :func:`lead_start` finds where the body
begins: after a title the text opens with, and after a header repeated back to back (with a shortened
copy of it after the copies: the header's words in order, some left out). Matches inside that header
are skipped for the window; the stored text is never changed (its hash and diffs stay as they were).

A dateline a little way into the opening ("Media/Public Contact: ... Transmittal No. 26-61 WASHINGTON,
November 24, 2026 - The State Department has made ...", as every DSCA notice reads) starts the body too:
what precedes a dateline is the page's contact lines, breadcrumbs or reference numbers. The dateline
itself is kept (it says where and when).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["SNIPPET_CHARS", "lead_start", "snippet"]

SNIPPET_CHARS = 240
HEAD_WORDS = 160  # the opening looked at for a repeated header
MIN_HEADER_WORDS = 4  # a header repeated back to back has at least this many (distinct) words
MIN_BODY = 80  # characters the body must still have after a cut (else nothing is cut)
_LEAD_PUNCT = frozenset(" \t\r\n—–-|·:;,.")

_WORD_RE = re.compile(r"\S+")
DATELINE_WITHIN = 300  # characters of the opening a dateline may start in to count as the body's start
# A wire or government dateline: a place in capitals, then a date and/or an agency in brackets, then a
# dash ("WASHINGTON, November 24, 2026 - ", "TOKYO, Dec 5 (Reuters) - ", "TOKYO (Kyodo) -- ").
_DATELINE_RE = re.compile(
    r"(?<![\w.-])[A-Z]{3,}(?:[ -][A-Z]{2,}){0,2}"
    r"(?:, (?:[A-Z][a-z]{2,8}\.?|[A-Z]{3,9}) \d{1,2}(?:, \d{4})?)?"
    r"(?: \([A-Z][A-Za-z .]{1,30}\))?"
    r" ?(?:--|[-–—]) (?=[A-Z\"“])"
)


def _same_word(word: str, header_word: str) -> bool:
    """``word`` is ``header_word``, or a part of it glued to a neighbour in the header ("StatementsS.")."""
    return word == header_word or (
        len(word) >= 3 and (header_word.startswith(word) or header_word.endswith(word))
    )


def lead_start(text: str, title: str = "") -> int:
    """Where the body of ``text`` begins (0 when it opens with prose)."""
    words = [(m.end(), m.group().casefold()) for m in _WORD_RE.finditer(text)][:HEAD_WORDS]
    ws = [w for _, w in words]
    skip = 0  # words of header
    for p in range(MIN_HEADER_WORDS, len(ws) // 2 + 1):
        head = ws[:p]
        if ws[p : 2 * p] != head or len(set(head)) < MIN_HEADER_WORDS:
            continue
        copies = 2
        while ws[copies * p : (copies + 1) * p] == head:
            copies += 1
        skip = i = copies * p
        j = 0
        while i < len(ws):  # then a shortened copy: the header's words in order, some left out, ...
            k = next((k for k in range(j, p) if _same_word(ws[i], head[k])), -1)
            if k < 0:
                break
            i, j = i + 1, k + 1
            if j == p:  # ... that ends as the header does (its date, say): else it is the body
                skip = i
                break
        break
    cut = words[skip - 1][0] if skip else 0
    t = title.strip()
    if t and text.startswith(t):
        cut = max(cut, len(t))
    dateline = _DATELINE_RE.search(text, cut, cut + DATELINE_WITHIN)
    if dateline is not None and dateline.start() > cut and _dated(dateline.group()):
        cut = dateline.start()
    if len(text) - cut < MIN_BODY:
        return 0
    while cut < len(text) and text[cut] in _LEAD_PUNCT:
        cut += 1
    return cut


def _dated(dateline: str) -> bool:
    """A dateline says when or through whom, not only a place ("WASHINGTON -" alone could be prose's
    capitals and a dash)."""
    return any(c.isdigit() for c in dateline) or "(" in dateline or "--" in dateline


def snippet(
    text: str, spans: Sequence[tuple[int, int]], *, width: int = SNIPPET_CHARS, title: str = ""
) -> str:
    """A window of ``text`` around the first span in its body (see :func:`lead_start`), from the body's
    start when the span is near it, cut at word boundaries, with ``…`` where cut; the body's opening
    when no span falls in it."""
    if not text:
        return ""
    lead = lead_start(text, title)
    body_spans = [s for s, _ in spans if s >= lead]
    if not body_spans:
        start = lead
    else:
        first = min(body_spans)
        # From the body's start when the first hit still shows in the first two thirds of the window
        # (a dateline and its first sentence read whole); else a third of the window before the hit.
        start = lead if first - lead <= width * 2 // 3 else first - width // 3
        if start > lead:
            space = text.rfind(" ", lead, start)
            start = space + 1 if space != -1 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    out = text[start:end].strip()
    return ("…" if start > 0 else "") + out + ("…" if end < len(text) else "")

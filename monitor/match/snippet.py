"""Snippets: a window of text around the first match, cut at word boundaries (pure)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["SNIPPET_CHARS", "snippet"]

SNIPPET_CHARS = 240


def snippet(text: str, spans: Sequence[tuple[int, int]], *, width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the first span, cut at word boundaries, with ``…`` where cut."""
    if not text:
        return ""
    if not spans:
        start = 0
    else:
        first = min(s for s, _ in spans)
        start = max(0, first - width // 3)
        if start > 0:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space != -1 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    out = text[start:end].strip()
    return ("…" if start > 0 else "") + out + ("…" if end < len(text) else "")

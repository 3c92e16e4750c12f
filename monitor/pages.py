"""The fetches a poll makes after its main one, through ``monitor.fetch`` with the source's policy:

- ``more_pages``: a listing's or API's further pages (``select.next`` / ``api.next``, at most
  ``max_pages`` in all). A later page that fails does not fail the poll: the earlier pages are used and
  the failure is a note.
- ``full_texts``: for ``full_text: true``, the page of each new or revised item (at most
  ``full_text_max`` per poll, all within the source's ``deadline``), read by
  ``monitor.sources.fulltext`` (or the API's own full-text URL, e.g. the Federal Register's
  ``raw_text_url``). A failure leaves that item with its summary and is a note naming the URL and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from monitor.config.schema import Source
from monitor.errors import BudgetExceeded, FetchError, ParseError
from monitor.model import FetchResult, Item, Parsed
from monitor.sources.dispatch import read_source
from monitor.sources.fulltext import extract_text

__all__ = ["full_texts", "max_pages", "more_pages"]

Fetcher = Callable[[str], Awaitable[FetchResult]]
_MIN_FULL_TEXT_CHARS = 40  # less than this is a page with no statement on it (a login wall, a stub)


def max_pages(src: Source) -> int:
    if src.select is not None:
        return src.select.max_pages
    if src.api is not None:
        return src.api.max_pages
    return 1


async def more_pages(
    src: Source,
    first: Parsed,
    fetch_page: Fetcher,
    *,
    now: datetime,
    read: Callable[[FetchResult], Awaitable[Parsed]] | None = None,
) -> Parsed:
    """``first`` with the entries of the following pages appended (links already seen are skipped).
    ``read`` parses a page (the poll's worker pool; by default ``read_source`` in a thread)."""

    async def _in_thread(page: FetchResult) -> Parsed:
        return await asyncio.to_thread(read_source, src, page, now=now)

    read_page = read or _in_thread
    pages, seen_urls = 1, {first.next_url}
    entries = list(first.entries)
    links = {e.link for e in entries if e.link}
    notes = list(first.notes)
    full_text_urls = dict(first.full_text_urls)
    next_url = first.next_url
    while next_url and pages < max_pages(src):
        try:
            page = await read_page(await fetch_page(next_url))
        except (FetchError, ParseError, BudgetExceeded) as exc:
            notes.append(f"page {pages + 1} ({next_url}) skipped: {exc}")
            break
        pages += 1
        full_text_urls.update(page.full_text_urls)
        for entry in page.entries:
            if entry.link is None or entry.link not in links:
                entries.append(entry)
                if entry.link:
                    links.add(entry.link)
        next_url = page.next_url if page.next_url not in seen_urls else None
        seen_urls.add(next_url)
    return replace(
        first,
        entries=entries[: src.max_entries],
        notes=tuple(notes),
        next_url=None,
        full_text_urls=full_text_urls,
    )


async def full_texts(
    src: Source, items: Sequence[Item], urls: Mapping[str, str], fetch_page: Fetcher
) -> tuple[dict[str, str], list[str]]:
    """``({item key: full text}, notes)`` for ``items`` (the caller picks the new and revised ones)."""
    texts: dict[str, str] = {}
    notes: list[str] = []
    wanted: list[tuple[Item, str]] = []
    for it in items:
        url = urls.get(it.canonical_url or "") or it.canonical_url
        if url:
            wanted.append((it, url))
    if len(wanted) > src.full_text_max:
        notes.append(
            f"full text: {len(wanted) - src.full_text_max} items over full_text_max left to summaries"
        )
        wanted = wanted[: src.full_text_max]
    try:
        async with asyncio.timeout(src.deadline.total_seconds()):
            for item, url in wanted:
                try:
                    result = await fetch_page(url)
                except FetchError as exc:
                    notes.append(
                        f"full text of {url} not read ({exc.kind.value}: {exc.detail}); summary used"
                    )
                    continue
                text = extract_text(result.body, result.headers)
                if len(text) < _MIN_FULL_TEXT_CHARS:
                    notes.append(f"full text of {url}: no main text found; summary used")
                    continue
                texts[item.key] = text
    except TimeoutError:
        notes.append(
            f"full text: deadline of {src.deadline.total_seconds():g}s reached; the rest use summaries"
        )
    return texts, notes

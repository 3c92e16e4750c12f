"""One entry point over the source adapters: a fetched body and its source's config -> ``Parsed``. Pure."""

from __future__ import annotations

from datetime import datetime

from monitor.config.schema import Source
from monitor.model import FetchResult, Parsed
from monitor.sources.feed import read_feed

__all__ = ["read_source"]


def read_source(src: Source, result: FetchResult, *, now: datetime) -> Parsed:
    """The entries of one fetched body, read by the adapter of ``src.kind``. Raises ParseError."""
    return read_feed(
        src.id,
        result.body,
        result.headers,
        base_url=result.final_url,
        max_entries=src.max_entries,
        default_lang=src.lang,
    )

"""One entry point over the source adapters: a fetched body and its source's config -> ``Parsed``. Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.config.schema import Source
from monitor.model import FetchResult, Parsed
from monitor.sources.feed import read_feed
from monitor.sources.html import read_html
from monitor.sources.jsonapi import read_json_api

__all__ = ["read_source"]


def read_source(src: Source, result: FetchResult, *, now: datetime) -> Parsed:
    """The entries of one fetched body, read by the adapter of ``src.kind``. Raises ParseError."""
    if src.kind == "html" and src.select is not None:
        return read_html(
            src.id,
            result.body,
            result.headers,
            select=src.select,
            base_url=result.final_url,
            now=now,
            tz=ZoneInfo(src.timezone),
            max_entries=src.max_entries,
            default_lang=src.lang,
        )
    if src.kind == "json_api" and src.api is not None:
        return read_json_api(
            src.id,
            result.body,
            result.headers,
            api=src.api,
            base_url=result.final_url,
            now=now,
            max_entries=src.max_entries,
            default_lang=src.lang,
        )
    return read_feed(
        src.id,
        result.body,
        result.headers,
        base_url=result.final_url,
        max_entries=src.max_entries,
        default_lang=src.lang,
    )

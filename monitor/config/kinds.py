"""The per-kind settings of a source: ``select`` (``kind: html``) and ``api`` (``kind: json_api``).

Kept apart from ``schema.py`` so the Source model only names them. Messages are reasons that read well
after ``sources[3].select.item:``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["FEDERAL_REGISTER", "HtmlSelect", "JsonApi", "check_selector"]

MAX_PAGES = 5


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_selector(v: str | None) -> str | None:
    """A CSS selector selectolax (Lexbor) accepts, or ValueError saying which one it refused."""
    if v is None:
        return v
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    if not v.strip():
        raise ValueError("an empty CSS selector")
    try:
        LexborHTMLParser("<p></p>").css(v)
    except SelectolaxError:
        raise ValueError(f"{v!r} is not a CSS selector") from None
    return v


class HtmlSelect(_Model):
    """Where a listing page keeps its statements: CSS selectors (selectolax, i.e. Lexbor's CSS).

    ``item`` matches one element per statement; ``title``, ``link``, ``date`` and ``text`` are looked up
    inside it (``link`` defaults to the first ``a[href]``; ``title`` to the link's text). Listings that
    print a date once above a group of statements (MOFA, Japan MOD) give ``date_heading``: the nearest
    such element before the item supplies the date. ``next`` finds the next page's link; at most
    ``max_pages`` pages are read per poll."""

    item: str
    title: str | None = None
    link: str | None = None
    date: str | None = None
    date_heading: str | None = None
    text: str | None = None
    next: str | None = None
    max_pages: int = Field(1, ge=1, le=MAX_PAGES)

    _selectors = field_validator("item", "title", "link", "date", "date_heading", "text", "next")(
        classmethod(lambda cls, v: check_selector(v))
    )


# The Federal Register's documents.json: what each field is called there.
FEDERAL_REGISTER: dict[str, str | None] = {
    "items": "results",
    "title": "title",
    "link": "html_url",
    "date": "publication_date",
    "guid": "document_number",
    "text": "abstract",
    "full_text_url": "raw_text_url",
    "next": "next_page_url",
}


class JsonApi(_Model):
    """Where a JSON API keeps its statements: JSONPath-style paths (``$.data.items``, ``links.self``,
    ``authors[0].name``). ``items`` leads to the list; the others are looked up in each item.
    ``preset: federal_register`` fills them in for the Federal Register's documents.json (a search with
    no hits has no ``results`` at all, only ``count: 0``). ``full_text_url`` names an item's full-text
    address (used with ``full_text: true``); ``next`` the next page's URL, read up to ``max_pages``."""

    preset: Literal["federal_register"] | None = None
    items: str | None = None
    title: str | None = None
    link: str | None = None
    date: str | None = None
    guid: str | None = None
    text: str | None = None
    full_text_url: str | None = None
    next: str | None = None
    max_pages: int = Field(1, ge=1, le=MAX_PAGES)

    @model_validator(mode="after")
    def _paths(self) -> JsonApi:
        if self.preset is None and (self.items is None or self.title is None):
            raise ValueError("give preset: federal_register, or at least the items and title paths")
        return self

    def path(self, name: str) -> str | None:
        """The path for ``name``: as configured, else the preset's."""
        given: str | None = getattr(self, name)
        if given is not None or self.preset is None:
            return given
        return FEDERAL_REGISTER.get(name)

"""The story decision's data: what is decided (``StoryProbe``), against what (``StoryCandidate``), the
outcome (``StoryDecision``) and the thresholds (``StoryRules``). ``monitor.stories`` describes the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.story_signature import EMPTY, Signature

__all__ = ["StoryCandidate", "StoryDecision", "StoryProbe", "StoryRules"]


@dataclass(frozen=True, slots=True)
class StoryProbe:
    """A new item looking for its story."""

    fingerprint: bytes
    title: str
    source_id: str
    signature: Signature = EMPTY
    primary: bool = False  # a government's own statement (source tagged us-gov/jp-gov, or primary: true)
    published_at: datetime | None = None  # the source's claim, when it makes one
    firm: str | None = None  # the company whose own newsroom the source is (``actor:mhi``; Source.firm)


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """One recently seen item, as a possible story to join (``first_seen_at`` measures the window)."""

    story_id: int
    fingerprint: bytes
    first_seen_at: datetime
    source_id: str
    title: str
    signature: Signature = EMPTY
    primary: bool = False
    item_id: int = 0
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoryDecision:
    story_id: int | None  # None: a new story
    reason: str
    official: bool = False  # a primary source's statement joins a story news reports started


@dataclass(frozen=True, slots=True)
class StoryRules:
    window: timedelta = timedelta(hours=72)
    min_similarity: float = 0.20
    same_source_similarity: float = 0.90
    min_stub_title: float = 0.5
    min_stub_containment: float = 0.7  # ... or this share of the shorter headline, with an event part shared
    rarity_c: float = 8.0
    min_weight: float = 3.5
    min_stub_weight: float = 2.5  # a headline-only probe: its parts, all found in the candidate
    min_coverage: float = 0.6  # shared weight / geometric mean of both sides' weights (a cosine)
    min_parts: int = 2
    templated_similarity: float = 0.10  # texts this similar share a template: products/countries veto
    near: timedelta = timedelta(hours=24)  # beyond this, a signature join needs late_coverage
    late_coverage: float = 0.85
    primary_late_parts: int = 3  # a primary's statement sharing this many event parts: min_coverage, late too
    strong_weight: float = 7.0  # this much shared weight, in strong_parts event parts (not background):
    strong_parts: int = 3
    strong_coverage: float = 0.45  # ... needs only this coverage
    stub_near: timedelta = timedelta(hours=6)  # a headline-only item this close, every part of which ...
    stub_generic_parts: int = 3  # ... (this many, of three kinds, a product one of them) the story has

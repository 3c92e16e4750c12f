"""Story decisions on hand-written items, for the table-driven join tests: candidates and probes built as
the daemon builds them (fingerprint, signature dated by the item's time), and one decision against a
window of earlier items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from monitor.stories import StoryCandidate, StoryProbe, decide_story
from monitor.story_signature import signature
from monitor.story_text import fingerprint

__all__ = ["T0", "New", "Seen", "candidate", "decide", "probe"]

T0 = datetime(2027, 2, 3, 13, 0, tzinfo=UTC)

# (story id, source, title, text, hours after T0, primary)
Seen = tuple[int, str, str, str, float, bool]
# (source, title, text, hours after T0, primary)
New = tuple[str, str, str, float, bool]


def candidate(
    story: int, source: str, title: str, text: str, at: datetime, *, primary: bool = False, item_id: int = 0
) -> StoryCandidate:
    """A stored item of story ``story``, first seen and published at ``at``."""
    return StoryCandidate(
        story_id=story,
        fingerprint=fingerprint(title, text),
        first_seen_at=at,
        source_id=source,
        title=title,
        signature=signature(title, text, published=at.date()),
        primary=primary,
        item_id=item_id,
        published_at=at,
    )


def probe(
    source: str, title: str, text: str, at: datetime, *, primary: bool = False, firm: str | None = None
) -> StoryProbe:
    """A new item arriving at ``at`` (``firm``: its source's company, as poll_prepare reads it)."""
    sig = signature(title, text, published=at.date(), firm=firm)
    return StoryProbe(fingerprint(title, text), title, source, sig, primary, at, firm)


def decide(
    new: New, window: Sequence[Seen], rarity: Mapping[str, int] | None = None, firm: str | None = None
) -> tuple[int | None, str]:
    """The decision for ``new`` against ``window``; rarity counted from the window's stories unless given."""
    cands = [
        candidate(story, source, title, text, T0 + timedelta(hours=hours), primary=primary, item_id=n)
        for n, (story, source, title, text, hours, primary) in enumerate(window, start=1)
    ]
    if rarity is None:
        by_part: dict[str, set[int]] = {}
        for c in cands:
            for x in c.signature.parts:
                by_part.setdefault(x, set()).add(c.story_id)
        rarity = {x: len(s) for x, s in by_part.items()}
    source, title, text, hours, primary = new
    now = T0 + timedelta(hours=hours)
    d = decide_story(
        probe(source, title, text, now, primary=primary, firm=firm), cands, seen_at=now, rarity=rarity
    )
    return d.story_id, d.reason

"""What a poll computes from its fetch before it decides, as pure functions: the entries' identity
(``identify``, switching a source whose GUIDs are unstable to URL keys), and for every item not stored yet
its topic mentions, near misses and story probe (``prepare_new``), the probes being what the story index
is asked about. These are the CPU stages ``monitor.cpujobs`` runs in worker processes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from monitor.config.schema import Source
from monitor.identity import assign_identity, keys_unstable
from monitor.match.topics import NearMiss, TopicMatcher
from monitor.model import Entry, Item, Mention
from monitor.poll_records import ClaimedSource, StoredItem
from monitor.stories import StoryProbe
from monitor.story_signature import signature
from monitor.story_text import fingerprint

__all__ = ["NewItem", "identify", "mentions_of", "near_misses_of", "prepare_new"]


@dataclass(frozen=True, slots=True)
class NewItem:
    """A new item's topic mentions and its story probe (fingerprint + signature), computed once per poll:
    the probes are what the story index is asked about before the poll is decided."""

    mentions: tuple[Mention, ...]
    probe: StoryProbe
    near_misses: tuple[NearMiss, ...] | None = None  # computed with the mentions when the poll alerts


def mentions_of(topics: TopicMatcher, src: Source, item: Item) -> list[Mention]:
    """The topics ``item`` matches, in its source's context (tags, implied concepts)."""
    return topics.match(
        title=item.title, text=item.text, source=src.id, tags=src.tags, lang=item.lang, implies=src.implies
    )


def near_misses_of(
    topics: TopicMatcher, src: Source, item: Item, mentions: Sequence[Mention]
) -> list[NearMiss]:
    """The topics ``item`` almost matched (those in ``mentions`` did), in its source's context."""
    return topics.near_misses(
        title=item.title,
        text=item.text,
        source=src.id,
        tags=src.tags,
        lang=item.lang,
        implies=src.implies,
        matched=[m.topic_id for m in mentions],
    )


def prepare_new(
    src: Source,
    items: Sequence[Item],
    stored: Mapping[str, StoredItem],
    topics: TopicMatcher,
    full_texts: Mapping[str, str] = {},
    *,
    near_misses: bool = False,
    fingerprints: Mapping[str, bytes] = {},
) -> dict[str, NewItem]:
    """Mentions, fingerprint and signature of every item not stored yet (with its page's main text when
    ``full_texts`` has it, as ``decide_success`` stores it), by item key; with ``near_misses`` (a poll that
    is not a baseline) the topics each one almost matched too. ``fingerprints``: sketches already known
    (a replay reads the stored ones), by item key."""
    out: dict[str, NewItem] = {}
    for item in items:
        if item.key in stored or item.key in out:
            continue
        if item.key in full_texts:
            item = replace(item, text=full_texts[item.key])
        mentions = tuple(mentions_of(topics, src, item))
        published = item.published_at.date() if item.published_at is not None else None
        sig = signature(
            item.title, item.text, topics=[m.topic_id for m in mentions], published=published, firm=src.firm
        )
        fp = fingerprints.get(item.key) or fingerprint(item.title, item.text)
        probe = StoryProbe(fp, item.title, src.id, sig, src.is_primary, item.published_at, src.firm)
        near = tuple(near_misses_of(topics, src, item, mentions)) if near_misses else None
        out[item.key] = NewItem(mentions, probe, near)
    return out


def identify(
    entries: Sequence[Entry], claim: ClaimedSource, recent_keys: set[str]
) -> tuple[list[Item], str, bool]:
    """Identity for this fetch's entries: ``(items, key_mode, switched)``. A source whose GUIDs all
    changed since the last poll while its URLs did not is switched to URL keys for good.
    ``recent_keys`` is ``identity.identity_keys`` of the recently stored items."""
    items = assign_identity(entries, prefer=claim.key_mode)
    if claim.key_mode == "guid" and claim.baseline_done and keys_unstable(recent_keys, items):
        return assign_identity(entries, prefer="url"), "url", True
    return items, claim.key_mode, False

"""The shipped feeds.yaml and its five default topics, for tests that pin its rules on hand-written texts.

One matcher per test session (the shipped rules compile in a few hundred milliseconds, and every
rule-table module used to compile its own)."""

from __future__ import annotations

import functools
from pathlib import Path

from monitor.config.loader import load_config
from monitor.match.topics import TopicMatcher

__all__ = ["DEF", "DEFAULT_TOPICS", "FMS", "INV", "LNG", "SHIPPED", "TAR", "fired", "shipped_matcher"]

SHIPPED = Path(__file__).resolve().parent.parent.parent / "feeds.yaml"

INV = "japan-us-investment"
TAR = "tariffs-japan"
FMS = "fms-japan"
DEF = "japan-defense-spending"
LNG = "us-lng-japan"
DEFAULT_TOPICS = frozenset({INV, TAR, FMS, DEF, LNG})


@functools.cache
def shipped_matcher() -> TopicMatcher:
    config = load_config(SHIPPED)
    return TopicMatcher(config.topics, config.concepts)


def fired(matcher: TopicMatcher, title: str, text: str, lang: str) -> set[str]:
    """The topic ids that fire on one text."""
    return {m.topic_id for m in matcher.match(title=title, text=text, lang=lang)}

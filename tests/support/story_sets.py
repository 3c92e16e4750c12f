"""Shared reading of the labelled story sets (tests/corpus/stories/*.yaml, the blind one included): the
shape tests of each set use these, so both read dates and group stories the same way."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "FOLLOWERS",
    "LEADS",
    "NEGATIVES",
    "WRITE_THROUGH",
    "by_story",
    "check_ids",
    "check_item",
    "check_links",
    "check_story",
    "published",
]


def published(item: dict[str, Any]) -> datetime:
    """An item's ``published`` (ISO 8601 UTC with Z; anything else raises)."""
    return datetime.strptime(item["published"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def by_story(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Items grouped by their ``story``, each group in publication order."""
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by[item["story"]].append(item)
    for group in by.values():
        group.sort(key=published)
    return dict(by)


# The hand-written sets' schema (hard.yaml, third.yaml): what each class may be and where it stands.
LEADS = {"first", "primary"}
NEGATIVES = {"templated-negative", "same-topic-different-event"}
FOLLOWERS = {"repost", "quoting-wire", "independent", "cross-language", "stub"}
FIELDS = {"id", "story", "class", "source", "lang", "published", "title", "text"}
MAX_SPAN = timedelta(hours=72)
# A same-source write-through (eighth.yaml): a later, rewritten version from the source of an earlier item of
# its story, marked the way wires and outlets mark them ("UPDATE 1-", "REFILE-", "CORRECTED-", a Bloomberg
# "(2)", 【更新】/【続報】/【詳報】). Only such an item may repeat a source within a story.
WRITE_THROUGH = re.compile(r"^(UPDATE( \d+)?[-:]|REFILE-|CORRECTED-|【(更新|続報|詳報)】)|\(\d+\)$")
_SOURCE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_JA_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def check_item(item: dict[str, Any]) -> None:
    """One item's fields: known class, source slug, language matching its script, a stub carries a
    headline only, a negative names what it is confused with."""
    assert FIELDS <= set(item) <= FIELDS | {"confuses_with"}
    assert item["class"] in LEADS | NEGATIVES | FOLLOWERS
    assert _SOURCE_RE.match(item["source"])
    assert item["lang"] in {"en", "ja"}
    published(item)
    assert item["title"].strip()
    assert bool(_JA_RE.search(item["title"] + item["text"])) == (item["lang"] == "ja")
    if item["class"] == "stub":
        assert item["text"] == "", "a stub carries a headline only"
    else:
        assert item["text"].strip()
    assert ("confuses_with" in item) == (item["class"] in NEGATIVES)


def check_story(stories: dict[str, list[dict[str, Any]]], story: str) -> None:
    """One story's structure: led by a primary, a first report or a negative; at most one item per
    source, but for marked write-throughs (an independent or quoting-wire item); within 72 h;
    cross-language items in the other language, reposts and wires in the lead's."""
    items = stories[story]
    lead = items[0]
    assert lead["class"] in LEADS | NEGATIVES
    assert all(i["class"] not in NEGATIVES | {"first"} for i in items[1:])
    if lead["class"] in NEGATIVES:
        assert lead["confuses_with"] in stories and lead["confuses_with"] != story
    else:
        assert len(items) >= 2 and LEADS & {i["class"] for i in items}
    firsts = [i for n, i in enumerate(items) if i["source"] not in {j["source"] for j in items[:n]}]
    repeats = [i for i in items if i not in firsts]
    assert all(WRITE_THROUGH.search(i["title"]) for i in repeats), "one item per source in a story"
    assert all(i["class"] in {"independent", "quoting-wire"} for i in repeats), "a write-through is rewritten"
    assert published(items[-1]) - published(lead) <= MAX_SPAN
    for n, item in enumerate(items[1:], 1):
        if item["class"] == "cross-language":
            assert item["lang"] != lead["lang"]
        elif item["class"] == "repost":
            assert item["lang"] in {i["lang"] for i in items[:n]}
        elif item["class"] in {"quoting-wire", "independent"}:
            assert item["lang"] == lead["lang"]


def check_ids(items: list[dict[str, Any]], stories: dict[str, list[dict[str, Any]]], prefix: str) -> None:
    """Ids unique, items and stories carrying the set's prefix, each story's ids numbered in arrival order."""
    assert [k for k, n in Counter(i["id"] for i in items).items() if n > 1] == []
    assert all(i["id"].startswith(prefix) and i["story"].startswith(prefix) for i in items)
    for story, members in stories.items():
        assert [i["id"] for i in members] == [f"{story}-{n}" for n in range(1, len(members) + 1)]


def check_links(stories: dict[str, list[dict[str, Any]]], story: str) -> None:
    """A negative lead is confused with a true story (not another negative); a repost repeats the headline
    and text of an earlier item of its story."""
    members = stories[story]
    lead = members[0]
    if lead["class"] in NEGATIVES:
        assert stories[lead["confuses_with"]][0]["class"] in LEADS
    for n, item in enumerate(members[1:], 1):
        if item["class"] == "repost":
            assert any((i["title"], i["text"]) == (item["title"], item["text"]) for i in members[:n])

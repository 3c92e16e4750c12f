"""The third hand-written story tuning set (tests/corpus/stories/third.yaml) is well-formed.

Shape only (fields, ids, classes, story structure, time spans, language rules, and the weights the set was
written for: headline-only stubs, cross-language coverage and hard negatives), never a clustering result.
The set loads with bench/stories.py's own loader, as tuning.yaml and hard.yaml do.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.story_sets import by_story, published

PATH = Path(__file__).parent / "corpus" / "stories" / "third.yaml"
HARD = Path(__file__).parent / "corpus" / "stories" / "hard.yaml"

LEADS = {"first", "primary"}
NEGATIVES = {"templated-negative", "same-topic-different-event"}
FOLLOWERS = {"repost", "quoting-wire", "independent", "cross-language", "stub"}
FIELDS = {"id", "story", "class", "source", "lang", "published", "title", "text"}
MAX_SPAN = timedelta(hours=72)

_SOURCE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_JA_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

ITEMS: list[dict[str, Any]] = yaml.safe_load(PATH.read_text(encoding="utf-8"))["items"]
STORIES = by_story(ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_item_fields(item: dict[str, Any]) -> None:
    keys = set(item)
    assert FIELDS <= keys <= FIELDS | {"confuses_with"}
    assert item["class"] in LEADS | NEGATIVES | FOLLOWERS
    assert _SOURCE_RE.match(item["source"])
    assert item["lang"] in {"en", "ja"}
    assert published(item).year == 2026 and published(item).month in {10, 11}
    assert item["title"].strip()
    assert bool(_JA_RE.search(item["title"] + item["text"])) == (item["lang"] == "ja")
    if item["class"] == "stub":
        assert item["text"] == "", "a stub carries a headline only"
    else:
        assert item["text"].strip()
    assert ("confuses_with" in item) == (item["class"] in NEGATIVES)


def test_ids_prefixed_unique_and_numbered_in_arrival_order() -> None:
    assert [k for k, n in Counter(i["id"] for i in ITEMS).items() if n > 1] == []
    assert all(i["id"].startswith("s3-") and i["story"].startswith("s3-") for i in ITEMS)
    for story, items in STORIES.items():
        assert [i["id"] for i in items] == [f"{story}-{n}" for n in range(1, len(items) + 1)]


def test_no_story_shared_with_the_hard_set() -> None:
    hard = {i["story"] for i in yaml.safe_load(HARD.read_text(encoding="utf-8"))["items"]}
    assert hard.isdisjoint(STORIES)
    assert {i["id"] for i in ITEMS}.isdisjoint(
        i["id"] for i in yaml.safe_load(HARD.read_text(encoding="utf-8"))["items"]
    )


@pytest.mark.parametrize("story", sorted(STORIES))
def test_story_structure(story: str) -> None:
    items = STORIES[story]
    lead = items[0]
    assert lead["class"] in LEADS | NEGATIVES
    assert all(i["class"] not in NEGATIVES | {"first"} for i in items[1:])
    if lead["class"] in NEGATIVES:
        twin = lead["confuses_with"]
        assert twin in STORIES and twin != story
        assert STORIES[twin][0]["class"] in LEADS, (
            "a negative is confused with a true story, not another negative"
        )
    else:
        assert len(items) >= 2 and LEADS & {i["class"] for i in items}
    assert len({i["source"] for i in items}) == len(items), "one item per source in a story"
    assert published(items[-1]) - published(lead) <= MAX_SPAN
    for n, item in enumerate(items[1:], 1):
        if item["class"] == "cross-language":
            assert item["lang"] != lead["lang"]
        elif item["class"] == "repost":
            earlier = items[:n]
            assert item["lang"] in {i["lang"] for i in earlier}
            assert any((i["title"], i["text"]) == (item["title"], item["text"]) for i in earlier)
        elif item["class"] in {"quoting-wire", "independent"}:
            assert item["lang"] == lead["lang"]


def test_weighted_toward_the_hard_cases() -> None:
    classes = Counter(i["class"] for i in ITEMS)
    assert classes["stub"] >= 50
    assert classes["cross-language"] >= 50
    negative_leads = [s for s, items in STORIES.items() if items[0]["class"] in NEGATIVES]
    assert len(negative_leads) >= 35
    stub_stories = {i["story"] for i in ITEMS if i["class"] == "stub"}
    assert len(stub_stories) >= 30, "stubs spread across stories"
    assert {"first"} <= set(classes) and classes["repost"] >= 5


def test_loads_with_the_bench_loader() -> None:
    from bench.stories import load_set

    items = load_set(PATH)
    assert len(items) == len(ITEMS)
    assert {i["lang"] for i in items} == {"en", "ja"}

"""The third hand-written story tuning set (tests/corpus/stories/third.yaml) is well-formed.

Shape only (fields, ids, classes, story structure, time spans, language rules, and the weights the set was
written for: headline-only stubs, cross-language coverage and hard negatives), never a clustering result.
The set loads with bench/stories.py's own loader, as tuning.yaml and hard.yaml do.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.story_sets import (
    NEGATIVES,
    by_story,
    check_ids,
    check_item,
    check_links,
    check_story,
    published,
)

PATH = Path(__file__).parent / "corpus" / "stories" / "third.yaml"
HARD = Path(__file__).parent / "corpus" / "stories" / "hard.yaml"

ITEMS: list[dict[str, Any]] = yaml.safe_load(PATH.read_text(encoding="utf-8"))["items"]
STORIES = by_story(ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_item_fields(item: dict[str, Any]) -> None:
    check_item(item)
    assert published(item).year == 2026 and published(item).month in {10, 11}


def test_ids_prefixed_unique_and_numbered_in_arrival_order() -> None:
    check_ids(ITEMS, STORIES, "s3-")


def test_no_story_shared_with_the_hard_set() -> None:
    hard = {i["story"] for i in yaml.safe_load(HARD.read_text(encoding="utf-8"))["items"]}
    assert hard.isdisjoint(STORIES)
    assert {i["id"] for i in ITEMS}.isdisjoint(
        i["id"] for i in yaml.safe_load(HARD.read_text(encoding="utf-8"))["items"]
    )


@pytest.mark.parametrize("story", sorted(STORIES))
def test_story_structure(story: str) -> None:
    check_story(STORIES, story)
    check_links(STORIES, story)


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

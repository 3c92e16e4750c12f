"""The fifth hand-written story tuning set (tests/corpus/stories/fifth.yaml) is well-formed.

Shape only (fields, ids, classes, story structure, time spans, language rules, and the weights the set was
written for: hard negatives leading about 40% of the stories, independent rewrites and cross-language
coverage, headline-only stubs, first reports), never a clustering result. The set loads with
bench/stories.py's own loader.
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

CORPUS = Path(__file__).parent / "corpus" / "stories"
PATH = CORPUS / "fifth.yaml"
EARLIER = (CORPUS / "hard.yaml", CORPUS / "third.yaml", CORPUS / "fourth.yaml")

ITEMS: list[dict[str, Any]] = yaml.safe_load(PATH.read_text(encoding="utf-8"))["items"]
STORIES = by_story(ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_item_fields(item: dict[str, Any]) -> None:
    check_item(item)
    assert published(item).year == 2026 and published(item).month in {11, 12}


def test_ids_prefixed_unique_and_numbered_in_arrival_order() -> None:
    check_ids(ITEMS, STORIES, "s5-")


@pytest.mark.parametrize("path", EARLIER, ids=[p.name for p in EARLIER])
def test_no_story_or_id_shared_with_an_earlier_hand_written_set(path: Path) -> None:
    earlier = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    assert {i["story"] for i in earlier}.isdisjoint(STORIES)
    assert {i["id"] for i in earlier}.isdisjoint(i["id"] for i in ITEMS)


@pytest.mark.parametrize("story", sorted(STORIES))
def test_story_structure(story: str) -> None:
    check_story(STORIES, story)
    check_links(STORIES, story)


def test_weighted_toward_precision_hazards() -> None:
    assert len(ITEMS) >= 250 and len(STORIES) >= 70
    classes = Counter(i["class"] for i in ITEMS)
    negative_leads = [s for s, items in STORIES.items() if items[0]["class"] in NEGATIVES]
    assert 0.35 <= len(negative_leads) / len(STORIES) <= 0.5, "about 40% of the stories are hard negatives"
    assert classes["independent"] + classes["cross-language"] >= len(ITEMS) // 3
    assert classes["cross-language"] >= 50 and classes["independent"] >= 35
    assert classes["stub"] >= 60
    assert sum(1 for items in STORIES.values() if items[0]["class"] == "first") >= 5
    assert classes["repost"] >= 3 and classes["quoting-wire"] >= 3
    cross = {i["story"] for i in ITEMS if i["class"] == "cross-language"}
    assert {s for s in cross if STORIES[s][0]["lang"] == "en"} and {
        s for s in cross if STORIES[s][0]["lang"] == "ja"
    }
    areas = {s.split("-")[1] for s in STORIES}
    assert {"fms", "def", "tar", "inv", "lng"} <= areas


def test_loads_with_the_bench_loader() -> None:
    from bench.stories import load_set

    items = load_set(PATH)
    assert len(items) == len(ITEMS)
    assert {i["lang"] for i in items} == {"en", "ja"}

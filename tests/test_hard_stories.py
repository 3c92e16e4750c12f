"""The hand-written hard story tuning set (tests/corpus/stories/hard.yaml) is well-formed.

Shape only (fields, ids, classes, story structure, time spans, language rules), never a clustering
result. The set loads with bench/stories.py's own loader, as tuning.yaml does.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.story_sets import by_story, check_item, check_story

PATH = Path(__file__).parent / "corpus" / "stories" / "hard.yaml"

ITEMS: list[dict[str, Any]] = yaml.safe_load(PATH.read_text(encoding="utf-8"))["items"]
STORIES = by_story(ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_item_fields(item: dict[str, Any]) -> None:
    check_item(item)


def test_ids_unique_and_numbered_in_arrival_order() -> None:
    assert [k for k, n in Counter(i["id"] for i in ITEMS).items() if n > 1] == []
    for story, items in STORIES.items():
        assert [i["id"] for i in items] == [f"{story}-{n}" for n in range(1, len(items) + 1)]


@pytest.mark.parametrize("story", sorted(STORIES))
def test_story_structure(story: str) -> None:
    check_story(STORIES, story)


def test_loads_with_the_bench_loader() -> None:
    from bench.stories import load_set

    items = load_set(PATH)
    assert len(items) == len(ITEMS)
    assert {i["lang"] for i in items} == {"en", "ja"}

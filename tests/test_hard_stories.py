"""The hand-written hard story tuning set (tests/corpus/stories/hard.yaml) is well-formed.

Shape only (fields, ids, classes, story structure, time spans, language rules), never a clustering
result. The set loads with bench/stories.py's own loader, as tuning.yaml does.
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

PATH = Path(__file__).parent / "corpus" / "stories" / "hard.yaml"

LEADS = {"first", "primary"}
NEGATIVES = {"templated-negative", "same-topic-different-event"}
FOLLOWERS = {"repost", "quoting-wire", "independent", "cross-language", "stub"}
FIELDS = {"id", "story", "class", "source", "lang", "published", "title", "text"}
MAX_SPAN = timedelta(hours=72)

_SOURCE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_JA_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

ITEMS: list[dict[str, Any]] = yaml.safe_load(PATH.read_text(encoding="utf-8"))["items"]


_when = published


def _stories() -> dict[str, list[dict[str, Any]]]:
    return by_story(ITEMS)


@pytest.mark.parametrize("item", ITEMS, ids=[str(i.get("id")) for i in ITEMS])
def test_item_fields(item: dict[str, Any]) -> None:
    keys = set(item)
    assert FIELDS <= keys <= FIELDS | {"confuses_with"}
    assert item["class"] in LEADS | NEGATIVES | FOLLOWERS
    assert _SOURCE_RE.match(item["source"])
    assert item["lang"] in {"en", "ja"}
    _when(item)
    assert item["title"].strip()
    assert bool(_JA_RE.search(item["title"] + item["text"])) == (item["lang"] == "ja")
    if item["class"] == "stub":
        assert item["text"] == "", "a stub carries a headline only"
    else:
        assert item["text"].strip()
    assert ("confuses_with" in item) == (item["class"] in NEGATIVES)


def test_ids_unique_and_numbered_in_arrival_order() -> None:
    assert [k for k, n in Counter(i["id"] for i in ITEMS).items() if n > 1] == []
    for story, items in _stories().items():
        assert [i["id"] for i in items] == [f"{story}-{n}" for n in range(1, len(items) + 1)]


@pytest.mark.parametrize("story", sorted(_stories()))
def test_story_structure(story: str) -> None:
    stories = _stories()
    items = stories[story]
    lead = items[0]
    assert lead["class"] in LEADS | NEGATIVES
    assert all(i["class"] not in NEGATIVES | {"first"} for i in items[1:])
    if lead["class"] in NEGATIVES:
        assert lead["confuses_with"] in stories and lead["confuses_with"] != story
    else:
        assert len(items) >= 2 and LEADS & {i["class"] for i in items}
    assert len({i["source"] for i in items}) == len(items), "one item per source in a story"
    assert _when(items[-1]) - _when(lead) <= MAX_SPAN
    for n, item in enumerate(items[1:], 1):
        if item["class"] == "cross-language":
            assert item["lang"] != lead["lang"]
        elif item["class"] == "repost":
            assert item["lang"] in {i["lang"] for i in items[:n]}
        elif item["class"] in {"quoting-wire", "independent"}:
            assert item["lang"] == lead["lang"]


def test_loads_with_the_bench_loader() -> None:
    from bench.stories import load_set

    items = load_set(PATH)
    assert len(items) == len(ITEMS)
    assert {i["lang"] for i in items} == {"en", "ja"}

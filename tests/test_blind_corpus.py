"""Format checks for the frozen blind relevance set (tests/corpus/blind/relevance.yaml).

These tests check the FORMAT of the set only: unique ids, required fields, valid topic ids, notes on
traps, and the minimum sizes promised in issue 13. They never run the matcher and never score anything:
the set is measured by the benchmark, and it must not be tuned against.
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml

BLIND = Path(__file__).parent / "corpus" / "blind" / "relevance.yaml"

TOPICS = (
    "japan-us-investment",
    "tariffs-japan",
    "fms-japan",
    "japan-defense-spending",
    "us-lng-japan",
)
FIELDS = ("id", "source", "lang", "title", "text", "labels")
MIN_ENTRIES = 300
MIN_POSITIVES_PER_TOPIC = 40
MIN_TRAPS = 100


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    data = yaml.safe_load(BLIND.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("entries"), list), (
        "top level must be entries: [...]"
    )
    return data["entries"]


def test_every_entry_has_the_required_fields_with_the_right_types(entries: list[dict]) -> None:
    for entry in entries:
        missing = [field for field in FIELDS if field not in entry]
        assert not missing, f"{entry.get('id')}: missing {missing}"
        for field in ("id", "source", "title", "text"):
            assert isinstance(entry[field], str), f"{entry['id']}: {field} must be a string"
        assert entry["title"].strip(), f"{entry['id']}: empty title"
        assert entry["lang"] in ("en", "ja"), f"{entry['id']}: lang {entry['lang']!r}"
        assert isinstance(entry["labels"], list), f"{entry['id']}: labels must be a list"
        if "note" in entry:
            assert isinstance(entry["note"], str) and entry["note"].strip(), f"{entry['id']}: empty note"


def test_ids_are_unique_and_prefixed(entries: list[dict]) -> None:
    counts = Counter(entry["id"] for entry in entries)
    assert [i for i, n in counts.items() if n > 1] == []
    assert all(entry["id"].startswith("b-") for entry in entries)


def test_labels_are_known_topic_ids_without_repeats(entries: list[dict]) -> None:
    for entry in entries:
        assert set(entry["labels"]) <= set(TOPICS), f"{entry['id']}: unknown label in {entry['labels']}"
        assert len(set(entry["labels"])) == len(entry["labels"]), f"{entry['id']}: repeated label"


def test_traps_have_a_kind_and_fire_nothing(entries: list[dict]) -> None:
    for entry in entries:
        note = entry.get("note", "")
        if note.startswith("trap"):
            assert note.startswith("trap (") and "):" in note, (
                f"{entry['id']}: note must read 'trap (KIND): ...'"
            )
            assert entry["labels"] == [], f"{entry['id']}: a trap must have no labels"
        if entry["labels"] == []:
            assert note.startswith(("trap (", "borderline:")), (
                f"{entry['id']}: an item firing nothing needs a note"
            )


def test_sizes_meet_the_minimums(entries: list[dict]) -> None:
    assert len(entries) >= MIN_ENTRIES
    positives = Counter(label for entry in entries for label in entry["labels"])
    for topic in TOPICS:
        assert positives[topic] >= MIN_POSITIVES_PER_TOPIC, f"{topic}: {positives[topic]} positives"
    traps = [entry for entry in entries if entry.get("note", "").startswith("trap (")]
    assert len(traps) >= MIN_TRAPS
    languages = Counter(entry["lang"] for entry in entries)
    assert languages["ja"] >= len(entries) // 4, "roughly a third of the set should be Japanese"
    assert languages["en"] >= len(entries) // 2

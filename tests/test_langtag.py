"""Language tags: one reading for search --lang, routes' lang: and the query language's lang:."""

from __future__ import annotations

import pytest

from monitor.langtag import is_tag, lang_matches, matching, primary


@pytest.mark.parametrize(
    ("tag", "wanted", "expected"),
    [
        ("en", "en", True),
        ("en-us", "en", True),
        ("en-US", "EN", True),
        ("en_US", "en", True),
        ("en-us", "en-us", True),
        ("en-us", "en_us", True),
        ("en-gb", "en-us", False),
        ("en", "en-us", False),  # a filter narrower than the tag does not take it in
        ("eng", "en", False),  # a subtag is whole, not a prefix
        ("ja-jp", "ja", True),
        ("ja", "en", False),
        (None, "en", False),
        ("", "en", False),
        ("en", "", False),
        (" ja ", "ja", True),
    ],
)
def test_lang_matches(tag: str | None, wanted: str, expected: bool) -> None:
    assert lang_matches(tag, wanted) is expected


@pytest.mark.parametrize(
    ("tag", "expected"), [("en-US", "en"), ("ja_JP", "ja"), ("ja", "ja"), ("zh-Hant-TW", "zh")]
)
def test_primary(tag: str, expected: str) -> None:
    assert primary(tag) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("en", True),
        ("EN_us", True),
        ("zh-Hant-TW", True),
        ("ja", True),
        ("english", True),  # the shape of a tag (a search says no item carries it)
        ("", False),
        ("e n", False),
        ("!!", False),
        ("en-", False),
        ("-en", False),
        ("en--us", False),
        ("123", False),
        ("abcdefghi", False),  # a primary subtag is at most 8 letters
    ],
)
def test_is_tag(text: str, expected: bool) -> None:
    assert is_tag(text) is expected


def test_matching_lists_the_stored_tags_a_filter_takes_in() -> None:
    stored = {"en", "en-us", "ja", "eng"}
    assert matching(stored, "EN") == {"en", "en-us"}
    assert matching(stored, "en-us") == {"en-us"}
    assert matching(stored, "fr") == set()

"""Language tags: one reading for search --lang, routes' lang: and the query language's lang:."""

from __future__ import annotations

import pytest

from monitor.langtag import lang_matches, primary


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

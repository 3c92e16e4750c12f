"""Caps before parsing (issue 9 item 3, RELIABILITY 36): an item with 100,000 <category> elements (or
links, enclosures) is cut to 200 of each before either parser sees it, so both read it as they read a
normal item, and a document under the cap is passed on unchanged."""

from __future__ import annotations

import pytest

from monitor.sources.feed import read_feed
from monitor.sources.xmlprep import cap_repeats


def _rss(extra: str, n_items: int = 1) -> bytes:
    items = "".join(
        f"<item><title>T{i}</title><link>https://a.example/{i}</link>{extra}<description>d</description></item>"
        for i in range(n_items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    )


@pytest.mark.parametrize("fast_path", [True, False], ids=["lxml", "feedparser"])
def test_100k_categories_are_cut_before_parsing(fast_path: bool) -> None:
    cats = "".join(f"<category>c{i}</category>" for i in range(100_000))
    links = "".join(f'<enclosure url="https://a.example/{i}.mp3" type="audio/mpeg"/>' for i in range(100_000))
    parsed = read_feed("s", _rss(cats + links, 2), {}, base_url="https://a.example/", fast_path=fast_path)
    assert [e.title for e in parsed.entries] == ["T0", "T1"]
    assert parsed.entries[0].tags == tuple(f"c{i}" for i in range(50))
    assert parsed.entries[1].tags == parsed.entries[0].tags


def test_cap_counts_per_entry_and_keeps_the_rest() -> None:
    text = _rss(
        "<category>a</category><dc:subject>b</dc:subject><category><![CDATA[c<d]]></category>", 3
    ).decode()
    assert cap_repeats(text, 1) == text.replace("<category><![CDATA[c<d]]></category>", "")
    assert cap_repeats(text, 2) == text


def test_under_the_cap_nothing_changes() -> None:
    text = _rss("".join(f"<category>c{i}</category>" for i in range(200)), 5).decode()
    assert cap_repeats(text, 200) is text or cap_repeats(text, 200) == text

"""The fast feed path (monitor/sources/fastfeed.py) against feedparser, the reference: same entries
(titles, links, GUIDs, dates, text, tags, languages) and the same feed facts, or the fast path declines
and feedparser reads the document. Every fixture, the corpus the benches generate, and named hard cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.feeds import make_feed
from monitor.errors import ParseError
from monitor.model import Parsed
from monitor.sources import fastfeed, feed
from monitor.sources.feed import read_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
BASE = "https://example.gov/feed.xml"
XML = {"content-type": "text/xml"}


def both(body: bytes, headers: dict[str, str] | None = None) -> tuple[Parsed | str, Parsed | str]:
    """(feedparser's reading, the fast path's reading); a ParseError as its message."""
    out: list[Parsed | str] = []
    for fast in (False, True):
        try:
            out.append(
                read_feed("src", body, XML if headers is None else headers, base_url=BASE, fast_path=fast)
            )
        except ParseError as e:
            out.append(str(e))
    return out[0], out[1]


def fast_reads(body: bytes, header_lang: str | None = None) -> bool:
    """Whether the fast path takes this (already UTF-8, well-formed) document itself."""
    return fastfeed.read(body, header_lang=header_lang, quirks=feed._QUIRKS) is not None


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_every_fixture_reads_the_same_on_both_paths(name: str) -> None:
    reference, fast = both((FIXTURES / name).read_bytes())
    assert fast == reference


@pytest.mark.parametrize(
    "name",
    [
        "dsca_articlecs.xml",
        "duplicate_guids.xml",
        "kantei_rdf.xml",
        "links.xml",
        "whitehouse_briefings.xml",
    ],
)
def test_the_common_fixtures_take_the_fast_path(name: str) -> None:
    assert fast_reads((FIXTURES / name).read_bytes())


def test_the_bench_corpus_reads_the_same_and_takes_the_fast_path() -> None:
    checked = 0
    for i in range(0, 400, 3):
        for head, hot_from in ((19, 1 << 62), (59, 40), (1000 + i, 0)):
            body = make_feed(i, 20, head=head, hot_from=hot_from)
            assert fast_reads(body), i
            reference, fast = both(body, {"content-type": "application/rss+xml; charset=utf-8"})
            assert isinstance(reference, Parsed) and reference.entries
            assert fast == reference, (i, head)
            checked += len(reference.entries)
    assert checked > 7_000


def rss(items: str, *, channel: str = "", attrs: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"{attrs}><channel><title>t</title>'
        f"<link>https://example.gov/</link>{channel}{items}</channel></rss>"
    ).encode()


def atom(entries: str, *, attrs: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"{attrs}>'
        f"<title>t</title><id>urn:t</id>{entries}</feed>"
    ).encode()


NS = ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
MEDIA = ' xmlns:media="http://search.yahoo.com/mrss/"'
ATOM_NS = ' xmlns:atom="http://www.w3.org/2005/Atom"'


@pytest.mark.parametrize(
    ("body", "fast"),
    [
        pytest.param(
            rss("<item><title>AT&amp;amp;T &lt;b&gt;x&lt;/b&gt;</title></item>"),
            True,
            id="HTML guessed in an RSS title",
        ),
        pytest.param(
            rss("<item><title>a &lt; b and c &gt; d</title></item>"),
            True,
            id="plain title with angle brackets",
        ),
        pytest.param(
            rss(
                "<item><title>T</title><description><![CDATA[<p>One &amp; <b>two</b></p>]]></description></item>"
            ),
            True,
            id="CDATA description",
        ),
        pytest.param(
            rss("<item><guid>http:///a.example/x</guid><title>T</title></item>"),
            True,
            id="permalink guid becomes the link",
        ),
        pytest.param(
            rss(
                '<item><guid isPermaLink="false">k-1</guid><link>https://a.example/1?a=1&amp;amp;b=2</link></item>'
            ),
            True,
            id="link with an escaped ampersand",
        ),
        pytest.param(
            rss(
                '<item><link>https://a.example/1</link><guid isPermaLink="true">https://a.example/g</guid></item>'
            ),
            True,
            id="link before a permalink guid",
        ),
        pytest.param(
            rss('<item><guid isPermaLink="False">x</guid></item>'), False, id="isPermaLink with a capital"
        ),
        pytest.param(
            rss("<item><title>T</title><pubDate>Tue, 01 Apr 2025 09:00:00 +0900</pubDate></item>"),
            True,
            id="RFC 822 date",
        ),
        pytest.param(
            rss("<item><title>T</title><pubDate>2025年4月1日</pubDate></item>"), True, id="Japanese date"
        ),
        pytest.param(
            rss("<item><title>T</title><pubDate>not a date</pubDate></item>"), True, id="unreadable date"
        ),
        pytest.param(
            rss(
                "<item><title>T</title><dc:date>2025-04-01T09:00:00Z</dc:date><dc:subject>trade</dc:subject></item>",
                attrs=NS,
            ),
            True,
            id="dc:date and dc:subject",
        ),
        pytest.param(
            rss(
                '<item><title>T</title><category domain="d">a</category><category>a</category><category>b</category></item>'
            ),
            True,
            id="categories, repeated",
        ),
        pytest.param(
            rss(
                "<item><title>T</title><content:encoded><![CDATA[<p>full</p>]]></content:encoded><description>short</description></item>",
                attrs=NS,
            ),
            True,
            id="content:encoded and description",
        ),
        pytest.param(
            rss(
                "<item><title>T</title><content:encoded></content:encoded><description>short</description></item>",
                attrs=NS,
            ),
            True,
            id="empty content:encoded",
        ),
        pytest.param(
            rss("<item><title>T</title></item>", channel="<language>ja</language><ttl>30</ttl>"),
            True,
            id="channel language and ttl",
        ),
        pytest.param(
            rss('<item xml:lang="fr"><title>T</title></item>', attrs=' xml:lang="de"'),
            True,
            id="xml:lang on rss and item",
        ),
        pytest.param(
            rss('<item><title xml:lang="">T</title></item>', attrs=' xml:lang="de"'),
            True,
            id="xml:lang emptied",
        ),
        pytest.param(
            rss("<item><title>caf\u00c3\u00a9 \u0093quoted\u0094</title></item>"),
            True,
            id="mojibake and cp1252 controls",
        ),
        pytest.param(rss("<item><title>One</title><title>Two</title></item>"), False, id="two titles"),
        pytest.param(
            rss("<item><title>T</title><description>x<b>bold</b></description></item>"),
            False,
            id="markup inside description",
        ),
        pytest.param(
            rss("<item><title>T</title><media:title>M</media:title></item>", attrs=MEDIA),
            False,
            id="media:title",
        ),
        pytest.param(
            rss('<item><title>T</title><atom:link href="https://a.example/"/></item>', attrs=ATOM_NS),
            False,
            id="atom:link in an item",
        ),
        pytest.param(
            rss(
                "<item><title>T</title></item>",
                channel='<atom:link rel="self" href="https://example.gov/feed.xml"/>',
                attrs=ATOM_NS,
            ),
            True,
            id="atom:link self in the channel",
        ),
        pytest.param(
            rss('<item xml:base="https://b.example/"><title>T</title><link>rel/1</link></item>'),
            True,
            id="xml:base on an item",
        ),
        pytest.param(
            atom(
                '<entry xml:base="sub/"><title>T</title><link href="p/1"/><id>rel-id</id></entry>',
                attrs=' xml:base="https://b.example/news/"',
            ),
            True,
            id="nested relative xml:base in Atom",
        ),
        pytest.param(
            atom('<entry xml:base="javascript:alert(1)"><title>T</title><link href="p/1"/></entry>'),
            True,
            id="xml:base with a refused scheme",
        ),
        pytest.param(
            rss('<item><title>T</title><link base="https://c.example/">rel/2</link></item>'),
            False,
            id="RSS link with a base attribute",
        ),
        pytest.param(
            rss('<item><title>T</title><category Domain="d">a</category></item>'),
            False,
            id="attribute name with a capital",
        ),
        pytest.param(rss("<item><title>T</title>").replace(b"</channel></rss>", b""), False, id="truncated"),
        pytest.param(rss("<item><title>T</title><foo>x</foo></item>"), False, id="an unknown element"),
        pytest.param(
            b'<?xml version="1.0" encoding="utf-8"?><rss version="0.91"><channel><title>t</title><item><title>T</title></item></channel></rss>',
            False,
            id="RSS 0.91",
        ),
        pytest.param(
            atom(
                '<entry><title type="html">A &amp;lt;b&amp;gt;B</title><id>https://a.example/1</id><updated>2025-04-01T00:00:00Z</updated><summary>s &lt;i&gt;</summary></entry>'
            ),
            True,
            id="Atom html title, plain summary",
        ),
        pytest.param(
            atom(
                '<entry><title>T</title><link href="https://a.example/alt"/><link rel="enclosure" href="https://a.example/e.mp3"/><id>urn:x</id><content type="html">&lt;p&gt;c&lt;/p&gt;</content><published>2025-04-01T09:00:00+09:00</published><category term="t1" label="L"/></entry>'
            ),
            True,
            id="Atom links, content, category",
        ),
        pytest.param(
            atom("<entry><title>T</title><id>https://a.example/only-id</id></entry>"),
            True,
            id="Atom id becomes the link",
        ),
        pytest.param(
            atom(
                '<entry><title>T</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content></entry>'
            ),
            False,
            id="Atom xhtml content",
        ),
        pytest.param(
            atom("<entry><title>T</title><summary>a</summary><summary>b</summary></entry>"),
            False,
            id="Atom second summary",
        ),
        pytest.param(
            atom('<entry><title>T</title><content src="https://a.example/c"/></entry>'),
            False,
            id="Atom content src",
        ),
    ],
)
def test_hard_cases_read_the_same_or_fall_back(body: bytes, fast: bool) -> None:
    reference, fast_result = both(body)
    assert fast_result == reference
    assert fast_reads(body) is fast


def test_content_language_header_reaches_both_paths() -> None:
    body = rss("<item><title>T</title></item>")
    reference, fast = both(body, {"content-type": "text/xml", "content-language": "ja"})
    assert fast == reference
    assert isinstance(fast, Parsed) and fast.entries[0].lang == "ja"

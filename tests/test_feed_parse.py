"""monitor.sources.feed.parse_feed: formats, encodings, hostile and broken bodies, caps (RELIABILITY 9-15)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ParseError
from monitor.model import Entry
from monitor.sources.feed import parse_feed, read_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

DSCA_URL = "https://www.dsca.mil/DesktopModules/ArticleCS/RSS.ashx?ContentType=700&Site=1509&max=20"
WH_URL = "https://www.whitehouse.gov/briefings-statements/feed/"
KANTEI_URL = "https://www.kantei.go.jp/index-jnews.rdf"
METI_URL = "https://www.meti.go.jp/ml_index_release_atom.xml"
XML = {"content-type": "text/xml"}


def parse(body: bytes, headers: dict[str, str] | None = None, **kw: object) -> list[Entry]:
    kw.setdefault("base_url", "https://example.gov/feed.xml")
    return parse_feed("test-src", body, XML if headers is None else headers, **kw)  # type: ignore[arg-type]


def fixture(name: str, base_url: str, headers: dict[str, str] | None = None) -> list[Entry]:
    return parse((FIXTURES / name).read_bytes(), headers, base_url=base_url)


def rss(items: str, *, decl: str = '<?xml version="1.0" encoding="utf-8"?>', channel: str = "") -> str:
    return f'{decl}\n<rss version="2.0"><channel><title>t</title>{channel}{items}</channel></rss>'


def item(title: str = "Title", **fields: str) -> str:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return f"<item><title>{title}</title>{inner}</item>"


# --- real-world shaped fixtures -------------------------------------------------------------------

J = 0  # first entry


@pytest.mark.parametrize(
    ("name", "base_url", "index", "field", "expected"),
    [
        pytest.param(
            "dsca_articlecs.xml",
            DSCA_URL,
            J,
            "title",
            "Japan – F-35 Joint Strike Fighter Sustainment Support",
            id="ArticleCS: trailing space in title trimmed",
        ),
        pytest.param(
            "dsca_articlecs.xml",
            DSCA_URL,
            1,
            "title",
            "Ukraine – Air Defense Sustainment",
            id="ArticleCS: several trailing spaces trimmed",
        ),
        pytest.param(
            "dsca_articlecs.xml",
            DSCA_URL,
            2,
            "title",
            "Australia – MK 54 Lightweight Torpedoes",
            id="ArticleCS: numeric character reference in title",
        ),
        pytest.param(
            "dsca_articlecs.xml",
            DSCA_URL,
            J,
            "guid",
            "https://www.dsca.mil/Press-Media/Major-Arms-Sales/Article/4400001/"
            "japan-f-35-joint-strike-fighter-sustainment-support/",
            id="ArticleCS: guid isPermaLink=false kept verbatim",
        ),
        pytest.param(
            "dsca_articlecs.xml",
            DSCA_URL,
            J,
            "published_at",
            datetime(2026, 4, 7, 20, 15, tzinfo=UTC),
            id="ArticleCS: RFC 822 GMT date",
        ),
        pytest.param(
            "dsca_articlecs.xml",
            DSCA_URL,
            J,
            "tags",
            ("Major Arms Sales", "Japan"),
            id="ArticleCS: categories become tags in order",
        ),
        pytest.param("dsca_articlecs.xml", DSCA_URL, J, "lang", "en-us", id="ArticleCS: channel language"),
        pytest.param(
            "whitehouse_briefings.xml",
            WH_URL,
            1,
            "published_at",
            datetime(2026, 6, 26, tzinfo=UTC),
            id="White House: date-only pubDate is midnight UTC",
        ),
        pytest.param(
            "whitehouse_briefings.xml",
            WH_URL,
            1,
            "link",
            "https://www.whitehouse.gov/briefings-statements/2026/06/s-1003-signed-into-law/",
            id="White House: relative item link resolved against the feed URL",
        ),
        pytest.param("whitehouse_briefings.xml", WH_URL, 1, "guid", None, id="White House: no guid -> None"),
        pytest.param(
            "whitehouse_briefings.xml",
            WH_URL,
            2,
            "published_at",
            None,
            id="White House: missing pubDate -> None, item kept",
        ),
        pytest.param(
            "whitehouse_briefings.xml",
            WH_URL,
            J,
            "title",
            "JOINT STATEMENT ON THE UNITED STATES–JAPAN STRATEGIC INVESTMENT",
            id="White House: ALL-CAPS title kept as is",
        ),
        pytest.param(
            "kantei_rdf.xml", KANTEI_URL, J, "title", "日米首脳電話会談", id="Kantei RDF: Japanese title"
        ),
        pytest.param(
            "kantei_rdf.xml",
            KANTEI_URL,
            J,
            "published_at",
            datetime(2025, 4, 1, 9, 30, tzinfo=UTC),
            id="Kantei RDF: dc:date +09:00 converted to UTC",
        ),
        pytest.param(
            "kantei_rdf.xml",
            KANTEI_URL,
            1,
            "link",
            "https://www.kantei.go.jp/jp/104/statement/202503/31danwa.html",
            id="Kantei RDF: relative link resolved",
        ),
        pytest.param("kantei_rdf.xml", KANTEI_URL, J, "lang", "ja", id="Kantei RDF: dc:language"),
        pytest.param(
            "meti_atom.xml",
            METI_URL,
            J,
            "title",
            "米国の関税措置に関する相談窓口を設置しました",
            id="METI Atom: type=html title stripped",
        ),
        pytest.param(
            "meti_atom.xml",
            METI_URL,
            J,
            "link",
            "https://www.meti.go.jp/press/2025/04/20250403001/20250403001.html",
            id="METI Atom: relative href resolved against xml:base",
        ),
        pytest.param(
            "meti_atom.xml",
            METI_URL,
            J,
            "published_at",
            datetime(2025, 4, 3, 8, 0, tzinfo=UTC),
            id="METI Atom: updated used when published is absent",
        ),
        pytest.param(
            "meti_atom.xml",
            METI_URL,
            1,
            "published_at",
            datetime(2025, 4, 2, 1, 0, tzinfo=UTC),
            id="METI Atom: published preferred over updated",
        ),
        pytest.param(
            "meti_atom.xml",
            METI_URL,
            1,
            "text",
            "5,500億ドル規模の対米投資。",
            id="METI Atom: xhtml content, style dropped",
        ),
        pytest.param("meti_atom.xml", METI_URL, J, "tags", ("通商政策",), id="METI Atom: category term"),
        pytest.param("meti_atom.xml", METI_URL, J, "lang", "ja", id="METI Atom: xml:lang"),
        pytest.param(
            "jsonfeed.json",
            "https://www.federalregister.gov/feed.json",
            J,
            "link",
            "https://www.federalregister.gov/documents/2026/05/07/2026-09109/arms-sales-notification",
            id="JSON Feed: relative url resolved",
        ),
        pytest.param(
            "jsonfeed.json",
            "https://www.federalregister.gov/feed.json",
            J,
            "published_at",
            datetime(2026, 5, 7, 12, 45, tzinfo=UTC),
            id="JSON Feed: RFC 3339 date to UTC",
        ),
        pytest.param(
            "jsonfeed.json",
            "https://www.federalregister.gov/feed.json",
            1,
            "guid",
            "12345",
            id="JSON Feed: numeric id as string",
        ),
        pytest.param(
            "jsonfeed.json",
            "https://www.federalregister.gov/feed.json",
            J,
            "text",
            "Prospective Purchaser: Government of Japan Total Estimated Value: $340 million",
            id="JSON Feed: content_html stripped",
        ),
    ],
)
def test_fixture_fields(name: str, base_url: str, index: int, field: str, expected: object) -> None:
    entries = fixture(name, base_url)
    assert getattr(entries[index], field) == expected


@pytest.mark.parametrize(
    ("name", "count"),
    [
        pytest.param("dsca_articlecs.xml", 3, id="ArticleCS RSS 2.0"),
        pytest.param("whitehouse_briefings.xml", 3, id="White House RSS"),
        pytest.param("kantei_rdf.xml", 2, id="RSS 1.0 / RDF"),
        pytest.param("meti_atom.xml", 2, id="Atom"),
        pytest.param("links.xml", 7, id="links"),
        pytest.param("duplicate_guids.xml", 3, id="duplicate GUIDs are not collapsed by the parser"),
        pytest.param("jsonfeed.json", 2, id="JSON Feed"),
    ],
)
def test_fixture_entry_counts(name: str, count: int) -> None:
    assert len(fixture(name, "https://example.gov/feed")) == count


def test_articlecs_description_is_plain_text() -> None:
    text = fixture("dsca_articlecs.xml", DSCA_URL)[0].text
    assert text.startswith("WASHINGTON, April 7, 2026 - The State Department")
    assert '"follow-on"' in text and "It's a" in text
    assert '"vital" ally.' in text  # double-escaped &amp;quot; read as a quote
    for junk in ("<", ">", "&lt;", "&quot;", "&#39;", "track()", "  "):
        assert junk not in text


def test_whitehouse_repeated_description_is_kept_whole() -> None:
    text = fixture("whitehouse_briefings.xml", WH_URL)[0].text
    assert text.count("Briefings & Statements Joint Statement The White House July 22, 2026") == 3  # unglued
    assert text.endswith("tariffs on Japanese automobiles will be 15 percent.")
    assert "\n" not in text


# --- encodings ------------------------------------------------------------------------------------

JA_TITLE = "①日米㈱投資～関税"


def sjis_feed(label: str | None) -> bytes:
    decl = f'<?xml version="1.0" encoding="{label}"?>' if label else '<?xml version="1.0"?>'
    return rss(item(JA_TITLE, description="総務省　報道資料①"), decl=decl).encode("cp932")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(sjis_feed("Shift_JIS"), XML, id="declared Shift_JIS, really cp932"),
        pytest.param(sjis_feed("shift-jis"), XML, id="declared shift-jis"),
        pytest.param(sjis_feed("SJIS"), XML, id="declared SJIS"),
        pytest.param(sjis_feed("x-sjis"), XML, id="declared x-sjis"),
        pytest.param(sjis_feed("Windows-31J"), XML, id="declared Windows-31J"),
        pytest.param(
            sjis_feed(None),
            {"content-type": "application/rss+xml; charset=Shift_JIS"},
            id="HTTP charset Shift_JIS",
        ),
        pytest.param(
            sjis_feed("Shift_JIS"),
            {"content-type": "text/xml; charset=utf-8"},
            id="HTTP says utf-8, body is Shift_JIS as declared",
        ),
        pytest.param(
            rss(item(JA_TITLE), decl='<?xml version="1.0" encoding="Shift_JIS"?>').encode("utf-8-sig"),
            XML,
            id="UTF-8 BOM wins over a Shift_JIS declaration",
        ),
        pytest.param(
            rss(item(JA_TITLE), decl='<?xml version="1.0" encoding="utf-8"?>').encode("utf-16"),
            XML,
            id="UTF-16 BOM wins over a utf-8 declaration",
        ),
        pytest.param(
            rss(item(JA_TITLE)).encode("utf-8"),
            {"content-type": "text/xml; charset=ISO-8859-1"},
            id="latin-1 server default loses to valid UTF-8",
        ),
    ],
)
def test_japanese_encodings_decode_without_replacement(body: bytes, headers: dict[str, str]) -> None:
    [entry] = parse(body, headers)
    assert entry.title == JA_TITLE
    assert "\ufffd" not in entry.title + entry.text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            rss(item("日米首脳会談について"), decl='<?xml version="1.0" encoding="EUC-JP"?>').encode(
                "euc_jp"
            ),
            "日米首脳会談について",
            id="EUC-JP served as text/xml without charset",
        ),
        pytest.param(
            rss(item("①関税"), decl='<?xml version="1.0" encoding="EUC-JP"?>').encode("euc_jis_2004"),
            "①関税",
            id="EUC-JP with NEC row 13 (eucJP-ms) circled digit",
        ),
        pytest.param(
            rss(item("Tōkyō “quotes”"), decl='<?xml version="1.0" encoding="windows-1252"?>').encode(
                "cp1252", "replace"
            ),
            "T?ky? “quotes”",
            id="windows-1252 declared",
        ),
    ],
)
def test_other_declared_encodings(body: bytes, expected: str) -> None:
    [entry] = parse(body, XML)
    assert entry.title == expected


def test_invalid_utf8_is_best_effort() -> None:
    body = (
        rss(item("Tariff update", description="bad \xff\xfe bytes"))
        .encode("latin-1")
        .replace(b"Tariff", b"Tariff \xc3\x28")
    )
    [entry] = parse(body, {"content-type": "application/xml; charset=utf-8"})
    assert entry.title.startswith("Tariff")
    assert "update" in entry.title


# --- hostile and broken bodies --------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title></item></channel></rss>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title></item></channel></rss>"""
PARAM_ENTITY = b"""<?xml version="1.0"?>
<!doctype rss [<!entity % remote SYSTEM "http://169.254.169.254/latest/meta-data/"> %remote;]>
<rss version="2.0"><channel><title>x</title></channel></rss>"""


@pytest.mark.parametrize(
    ("body", "headers", "detail"),
    [
        pytest.param(BILLION_LAUGHS, XML, "DOCTYPE with entity declarations refused", id="billion laughs"),
        pytest.param(XXE, XML, "DOCTYPE with entity declarations refused", id="XXE external entity"),
        pytest.param(
            PARAM_ENTITY, XML, "DOCTYPE with entity declarations refused", id="lower-case parameter entity"
        ),
        pytest.param(
            BILLION_LAUGHS.decode().encode("utf-16"),
            XML,
            "DOCTYPE with entity declarations refused",
            id="billion laughs in UTF-16",
        ),
        pytest.param(
            (FIXTURES / "challenge.html").read_bytes(),
            {"content-type": "text/html; charset=UTF-8"},
            "not a feed: got an HTML page (<title>Just a moment...</title>)",
            id="HTML challenge page",
        ),
        pytest.param(
            b"<!-- maintenance --><html><body>Down for maintenance</body></html>",
            XML,
            "not a feed: got an HTML page (no <title>)",
            id="HTML without title",
        ),
        pytest.param(b"", XML, "empty body", id="empty body"),
        pytest.param(b" \r\n\t ", XML, "empty body", id="whitespace only"),
        pytest.param(b"\x00\x00\x00", XML, "empty body", id="NULs only"),
        pytest.param(b"\xef\xbb\xbf", XML, "empty body", id="BOM only"),
        pytest.param(
            b"Service Unavailable",
            XML,
            "not a feed: neither XML nor JSON (starts with 'Service Unavailable')",
            id="plain text",
        ),
        pytest.param(
            b"/etc/passwd",
            XML,
            "not a feed: neither XML nor JSON (starts with '/etc/passwd')",
            id="a path is data, never opened",
        ),
        pytest.param(
            b"https://example.com/feed.xml",
            XML,
            "not a feed: neither XML nor JSON",
            id="a URL is data, never fetched",
        ),
        pytest.param(
            b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>',
            XML,
            "not a feed: root element <Error> is not RSS, RDF or Atom",
            id="XML error document",
        ),
        pytest.param(
            b'{"error": "rate limited"}',
            {"content-type": "application/json"},
            "not a feed: JSON document is not a JSON Feed",
            id="JSON, not JSON Feed",
        ),
        pytest.param(
            b"{not json",
            {"content-type": "application/feed+json"},
            "not a feed: invalid JSON",
            id="broken JSON",
        ),
        pytest.param(b"<html", XML, "not a feed: got an HTML page", id="truncated HTML"),
        pytest.param(
            b"<?xml version='1.0'?><", XML, "not a feed: not well-formed XML", id="truncated before the root"
        ),
    ],
)
def test_refused_bodies(body: bytes, headers: dict[str, str], detail: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(body, headers)
    assert info.value.detail.startswith(detail)
    assert info.value.source_id == "test-src"
    assert str(info.value).startswith("parse: test-src: ")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(rss(""), id="RSS without items"),
        pytest.param(
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>METI</title></feed>', id="Atom without entries"
        ),
        pytest.param(
            '<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<channel rdf:about="x"><title>t</title></channel></rdf:RDF>',
            id="RDF without items",
        ),
        pytest.param(
            '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}',
            id="JSON Feed without items",
        ),
        pytest.param(
            "<rss version='2.0'><channel><title>x", id="truncated before any item: a version, no entries"
        ),
    ],
)
def test_well_formed_feed_with_zero_entries_is_empty_list(body: str) -> None:
    assert parse(body.encode()) == []


def test_truncated_feed_returns_the_entries_it_recovered() -> None:
    entries = fixture("truncated.xml", "https://www.japantimes.co.jp/feed/")
    assert [e.title for e in entries[:2]] == ["Japan and U.S. agree tariff deal", "Toyota weighs U.S. output"]
    assert all(e.title or e.text or e.link or e.guid for e in entries)


def test_not_well_formed_entries_are_recovered() -> None:
    entries = parse(rss(item("Tariffs & duties <b>up</b>", link="https://ustr.gov/a")).encode())
    assert [e.link for e in entries] == ["https://ustr.gov/a"]
    assert "Tariffs" in entries[0].title


def test_nul_bytes_and_xml_invalid_controls_are_stripped() -> None:
    body = rss(item("Japan\x00 tariff\x0b", description="a\x00b\x1bc", guid="g\x00 1")).encode()
    [entry] = parse(body)
    assert entry.title == "Japan tariff"
    assert entry.text == "abc"
    assert entry.guid == "g 1"
    assert "\x00" not in repr(entry)


def test_leading_whitespace_before_xml_declaration_is_tolerated() -> None:
    [entry] = parse(b"\r\n\n  " + rss(item("Hello")).encode())
    assert entry.title == "Hello"


def test_rss_091_netscape_doctype_without_entities_is_accepted() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>x</title>'
        b"<item><title>a</title><link>https://a.gov/</link></item></channel></rss>"
    )
    assert [e.link for e in parse(body)] == ["https://a.gov/"]


# --- links ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("guid", "link"),
    [
        pytest.param(
            "rel", "https://www.state.gov/releases/office-of-the-spokesperson/2026/04/japan/", id="relative"
        ),
        pytest.param("js", None, id="javascript: dropped"),
        pytest.param("data", None, id="data: dropped"),
        pytest.param(
            "trk",
            "https://www.state.gov/japan/?utm_source=rss&utm_medium=feed&id=42&fbclid=abc#top",
            id="tracking params kept in the link (identity strips them)",
        ),
        pytest.param(
            "idn", "https://www.xn--whitehuse-52h.gov/briefings/", id="IDN homograph shown as punycode"
        ),
        pytest.param("user", "https://evil.example/x", id="userinfo dropped, the real host shows"),
        pytest.param("none", None, id="no link"),
    ],
)
def test_links(guid: str, link: str | None) -> None:
    entries = {e.guid: e for e in fixture("links.xml", "https://www.state.gov/rss-feed/japan/feed/")}
    assert entries[guid].link == link


def test_relative_link_falls_back_to_feed_link_when_base_url_is_unusable() -> None:
    body = rss(item("a", link="/news/1"), channel="<link>https://www.mofa.go.jp/</link>").encode()
    [entry] = parse(body, base_url="")
    assert entry.link == "https://www.mofa.go.jp/news/1"


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Tue, 07 Apr 2026 20:15:00 GMT", datetime(2026, 4, 7, 20, 15, tzinfo=UTC), id="RFC 822"),
        pytest.param(
            "Tue, 07 Apr 2026 20:15:00 -0400", datetime(2026, 4, 8, 0, 15, tzinfo=UTC), id="RFC 822 offset"
        ),
        pytest.param("2026-04-07", datetime(2026, 4, 7, tzinfo=UTC), id="date only"),
        pytest.param(
            "Fri, 01 Jan 2099 10:00:00 GMT", datetime(2099, 1, 1, 10, tzinfo=UTC), id="future date kept"
        ),
        pytest.param("令和7年4月1日", datetime(2025, 4, 1, tzinfo=UTC), id="Japanese era date"),
        pytest.param("令和元年5月1日", datetime(2019, 5, 1, tzinfo=UTC), id="Japanese era first year"),
        pytest.param("２０２５年４月１日", datetime(2025, 4, 1, tzinfo=UTC), id="full-width Japanese date"),
        pytest.param("2025/04/01", datetime(2025, 4, 1, tzinfo=UTC), id="slash date"),
        pytest.param("Fri, 31 Feb 2026 10:00:00 GMT", None, id="impossible date"),
        pytest.param("last Tuesday", None, id="unparseable"),
        pytest.param("", None, id="empty"),
        pytest.param("Fri, 31 Dec 9999 23:59:00 -2359", None, id="year 9999 with -23:59 is no date"),
        pytest.param("9999/12/31", None, id="slash date in year 9999 is no date"),
    ],
)
def test_dates(raw: str, expected: datetime | None) -> None:
    [entry] = parse(rss(item("a", pubDate=raw)).encode())
    assert entry.published_at == expected
    assert entry.published_at is None or entry.published_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2026-04-07T10:00:00+09:00", datetime(2026, 4, 7, 1, tzinfo=UTC), id="ISO with offset"),
        pytest.param("9999-12-31T23:59:00-23:59", None, id="year 9999 at -23:59 overflows UTC: no date"),
        pytest.param("0001-01-01T00:00:00+23:59", None, id="year 1 at +23:59: no date"),
    ],
)
def test_json_feed_dates(raw: str, expected: datetime | None) -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [{"id": "1", "title": "t", "date_published": raw}],
        }
    )
    [entry] = parse(body.encode())
    assert entry.published_at == expected


def test_json_feed_nested_deep_is_a_parse_error() -> None:
    body = '{"version":"https://jsonfeed.org/version/1.1","items":' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ParseError, match="nested"):
        parse(body.encode())


def test_json_feed_lone_surrogates_are_removed() -> None:
    body = '{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"a\\ud800","title":"t\\udfff"}]}'
    [entry] = parse(body.encode())
    assert (entry.guid, entry.title) == ("a", "t")


# --- languages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "headers", "default_lang", "expected"),
    [
        pytest.param("<language>EN-US</language>", XML, "ja", "en-us", id="feed language wins, lower-cased"),
        pytest.param("", {**XML, "content-language": "ja-JP"}, "en", "ja-jp", id="Content-Language header"),
        pytest.param("", XML, "ja", "ja", id="default_lang"),
        pytest.param("", XML, None, None, id="unknown"),
    ],
)
def test_lang(channel: str, headers: dict[str, str], default_lang: str | None, expected: str | None) -> None:
    [entry] = parse(rss(item("a"), channel=channel).encode(), headers, default_lang=default_lang)
    assert entry.lang == expected


def test_entry_xml_lang_beats_feed_language() -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja"><title>t</title>'
        '<entry xml:lang="en"><title>Press release</title><id>urn:1</id></entry>'
        "<entry><title>報道発表</title><id>urn:2</id></entry></feed>"
    )
    assert [e.lang for e in parse(body.encode())] == ["en", "ja"]


# --- caps -----------------------------------------------------------------------------------------


def big_rss(n: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://ex.gov/{i}</link><guid>g{i}</guid>"
        f"<description>&lt;p&gt;Body {i}&lt;/p&gt;</description></item>"
        for i in range(n)
    )
    return rss(items).encode()


def big_atom(n: int) -> bytes:
    entries = "".join(f"<entry><title>Entry {i}</title><id>urn:{i}</id></entry>" for i in range(n))
    return f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'.encode()


@pytest.mark.parametrize(
    ("body", "max_entries", "last_title"),
    [
        pytest.param(big_rss(10_000), 500, "Item 499", id="10,000 RSS items capped at 500"),
        pytest.param(big_atom(10_000), 500, "Entry 499", id="10,000 Atom entries capped at 500"),
        pytest.param(big_rss(10), 3, "Item 2", id="max_entries=3 keeps the first three"),
    ],
)
def test_entry_cap_keeps_the_first_entries(body: bytes, max_entries: int, last_title: str) -> None:
    entries = parse(body, max_entries=max_entries)
    assert len(entries) == max_entries
    assert entries[0].title.endswith(" 0")
    assert entries[-1].title == last_title


@pytest.mark.parametrize(
    "description",
    [
        pytest.param("&lt;p&gt;" + "tariff &amp; duty " * 300_000 + "&lt;/p&gt;", id="5 MB escaped HTML"),
        pytest.param("<![CDATA[<p>" + "tariff & duty " * 300_000 + "</p>]]>", id="5 MB CDATA"),
    ],
)
def test_huge_description_is_capped(description: str) -> None:
    body = rss(item("Big", description=description) + item("Next", description="small")).encode()
    entries = parse(body, max_field_chars=10_000)
    assert [e.title for e in entries] == ["Big", "Next"]
    assert len(entries[0].text) <= 10_000
    assert entries[0].text.startswith("tariff & duty tariff")
    assert entries[1].text == "small"


def test_every_text_field_is_capped() -> None:
    long = "x" * 500
    body = rss(item(long, description=long, guid=long, category=long)).encode()
    [entry] = parse(body, max_field_chars=100)
    assert len(entry.title) == len(entry.text) == len(entry.guid or "") == 100
    assert all(len(t) <= 100 for t in entry.tags)


# --- corpus conformance ---------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not present at {CORPUS}")
@pytest.mark.parametrize(
    ("name", "base_url", "count"),
    [
        pytest.param(
            "RSSdb8e.ashx", "https://www.af.mil/DesktopModules/ArticleCS/RSS.ashx", 20, id="af.mil ArticleCS"
        ),
        pytest.param("whitehouse_briefings.xml", WH_URL, 10, id="White House briefings"),
        pytest.param(
            "ec_presscorner.xml",
            "https://ec.europa.eu/commission/presscorner/api/rss",
            10,
            id="EC Press Corner",
        ),
    ],
)
def test_corpus_feeds(name: str, base_url: str, count: int) -> None:
    entries = parse((CORPUS / name).read_bytes(), {"content-type": "application/rss+xml"}, base_url=base_url)
    assert len(entries) == count
    for entry in entries:
        assert entry.title and entry.title == entry.title.strip()
        assert entry.link and entry.link.startswith(("http://", "https://"))
        assert entry.published_at is not None and entry.published_at.tzinfo is UTC
        assert "<" not in entry.text and "\x00" not in entry.text and "\ufffd" not in entry.text


def test_content_encoded_is_preferred_over_description() -> None:
    body = (
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        "<item><title>a</title><description>Short summary...</description>"
        "<content:encoded><![CDATA[<p>Full <b>statement</b> text.</p>]]></content:encoded></item>"
        "</channel></rss>"
    )
    [entry] = parse(body.encode())
    assert entry.text == "Full statement text."


def test_plain_text_fields_are_not_html_unescaped_twice() -> None:
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:1</id>'
        '<title type="text">AT&amp;T &amp;notice &lt;tariffs&gt;</title></entry></feed>'
    )
    [entry] = parse(body.encode())
    assert entry.title == "AT&T &notice <tariffs>"


def test_a_feedparser_crash_becomes_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("monitor.sources.feed.feedparser.parse", boom)
    monkeypatch.setattr("monitor.sources.feed.fastfeed.read", lambda *a, **k: None)  # fast path declines
    with pytest.raises(ParseError, match="feedparser failed"):
        parse(rss(item("a")).encode())


# --- issue 8 item 7: DOCTYPEs that only bring HTML entities, bad character references ---------------

XHTML_DOCTYPE = '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
NETSCAPE_DOCTYPE = '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
CHAR_ENTITIES_DOCTYPE = '<!DOCTYPE rss [\n  <!ENTITY nbsp "&#160;">\n  <!ENTITY eacute "&#233;">\n]>'


@pytest.mark.parametrize(
    "doctype",
    [
        pytest.param(XHTML_DOCTYPE, id="XHTML DOCTYPE"),
        pytest.param(NETSCAPE_DOCTYPE, id="Netscape RSS 0.91 DOCTYPE"),
        pytest.param(CHAR_ENTITIES_DOCTYPE, id="DOCTYPE declaring only character entities"),
    ],
)
def test_doctype_with_html_entities_parses(doctype: str) -> None:
    body = rss(
        item("Tokyo&nbsp;Statement &eacute;tude", link="https://example.gov/1"),
        decl=f'<?xml version="1.0"?>{doctype}',
    )
    entries = parse(body.encode())
    assert [(e.title, e.link) for e in entries] == [("Tokyo Statement étude", "https://example.gov/1")]


def test_one_invalid_character_reference_does_not_fail_the_feed() -> None:
    body = rss(
        item("Before &#0; after", link="https://example.gov/1")
        + item("Surrogate &#xD800; and huge &#99999999;", link="https://example.gov/2")
        + item("Fine &#233;", link="https://example.gov/3")
    )
    titles = [e.title for e in parse(body.encode())]
    assert titles == ["Before after", "Surrogate and huge", "Fine é"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"version":"https://jsonfeed.org/version/1.1","items":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                     "JSON nested 100001 deep", id="JSON nested 100k deep"),
    ],
)  # fmt: skip
def test_hostile_json_is_a_parse_error(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body)


def test_lone_surrogates_in_json_are_removed() -> None:
    body = b'{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"A\\ud800B","url":"https://example.gov/1"}]}'
    assert [e.title for e in parse(body)] == ["AB"]


@pytest.mark.parametrize(
    ("ttl", "seconds"),
    [("<ttl>60</ttl>", 3600.0), ("<ttl>999999</ttl>", 86400.0), ("<ttl>soon</ttl>", None), ("", None)],
)
def test_rss_ttl_is_reported_for_the_schedule(ttl: str, seconds: float | None) -> None:
    parsed = read_feed("s", rss(item("A", link="https://example.gov/1"), channel=ttl).encode(), XML,
                       base_url="https://example.gov/")  # fmt: skip
    assert parsed.ttl_s == seconds

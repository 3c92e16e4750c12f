"""monitor.identity: canonical URLs, content hashes, the key fallback chain, key-unstable sources."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.identity import (
    absolute_http_url,
    assign_identity,
    canonical_url,
    content_hash,
    identity_keys,
    keys_unstable,
)
from monitor.model import Entry
from monitor.sources.feed import parse_feed

WHEN = datetime(2026, 4, 7, 20, 15, tzinfo=UTC)


def entry(
    title: str = "Japan – F-35 sustainment",
    *,
    text: str = "The State Department approved a possible sale.",
    link: str | None = None,
    guid: str | None = None,
    published_at: datetime | None = WHEN,
) -> Entry:
    return Entry(title=title, text=text, link=link, guid=guid, published_at=published_at)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://www.dsca.mil/a", "https://www.dsca.mil/a", id="already canonical"),
        pytest.param(
            "HTTPS://WWW.DSCA.MIL/Press/A",
            "https://www.dsca.mil/Press/A",
            id="scheme and host lower-cased, path kept",
        ),
        pytest.param("https://ustr.gov", "https://ustr.gov/", id="empty path becomes /"),
        pytest.param("https://ustr.gov/a#section-2", "https://ustr.gov/a", id="fragment dropped"),
        pytest.param("https://ustr.gov:443/a", "https://ustr.gov/a", id="default https port dropped"),
        pytest.param("http://ustr.gov:80/a", "http://ustr.gov/a", id="default http port dropped"),
        pytest.param("https://ustr.gov:8443/a", "https://ustr.gov:8443/a", id="other port kept"),
        pytest.param(
            "https://www.state.gov/japan/?utm_source=rss&id=42&utm_medium=feed&fbclid=x&page=2",
            "https://www.state.gov/japan/?id=42&page=2",
            id="tracking params removed, others kept in order",
        ),
        pytest.param(
            "https://ex.gov/a?gclid=1&mc_cid=2&mc_eid=3&ocid=4&cmpid=5&_ga=6&igshid=7&UTM_Campaign=8",
            "https://ex.gov/a",
            id="every tracking param removed, empty query dropped",
        ),
        pytest.param("https://ex.gov/a?b=2&a=1", "https://ex.gov/a?b=2&a=1", id="parameter order preserved"),
        pytest.param(
            "https://ex.gov/a?q=a%20b&flag", "https://ex.gov/a?q=a%20b&flag", id="encoding and bare keys kept"
        ),
        pytest.param(
            "https://www.whitehоuse.gov/x",
            "https://www.xn--whitehuse-52h.gov/x",
            id="IDN homograph as punycode",
        ),
        pytest.param("https://経済産業省.jp/", "https://xn--q6v31h69gx2bb0m.jp/", id="Japanese IDN"),
        pytest.param(
            "https://ex.gov/日米", "https://ex.gov/%E6%97%A5%E7%B1%B3", id="non-ASCII path percent-encoded"
        ),
        pytest.param("https://ex.gov/%E6%97%A5", "https://ex.gov/%E6%97%A5", id="existing escapes kept"),
        pytest.param("https://user:pw@ex.gov/a", "https://ex.gov/a", id="userinfo dropped"),
        pytest.param("https://ex.gov./a", "https://ex.gov/a", id="trailing dot in host"),
        pytest.param("  https://ex.gov/a\n", "https://ex.gov/a", id="surrounding whitespace"),
        pytest.param("https://[2001:DB8::1]:443/a", "https://[2001:db8::1]/a", id="IPv6 literal"),
        pytest.param("javascript:alert(1)", None, id="javascript"),
        pytest.param("data:text/html,hi", None, id="data"),
        pytest.param("mailto:press@state.gov", None, id="mailto"),
        pytest.param("ftp://ex.gov/a", None, id="ftp"),
        pytest.param("/relative/path", None, id="relative"),
        pytest.param("https:///nohost", None, id="no host"),
        pytest.param("https://ex.gov:99999/", None, id="invalid port"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="None"),
    ],
)
def test_canonical_url(url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        pytest.param(
            "/a/b", "https://www.mofa.go.jp/press/", "https://www.mofa.go.jp/a/b", id="root-relative"
        ),
        pytest.param(
            "b.html", "https://www.mofa.go.jp/press/", "https://www.mofa.go.jp/press/b.html", id="relative"
        ),
        pytest.param("//cdn.ex.gov/x", "https://ex.gov/", "https://cdn.ex.gov/x", id="protocol-relative"),
        pytest.param(
            "https://ex.gov/a?utm_source=x#f",
            None,
            "https://ex.gov/a?utm_source=x#f",
            id="otherwise as given",
        ),
        pytest.param("javascript:alert(1)", "https://ex.gov/", None, id="javascript dropped"),
        pytest.param(" JavaScript:alert(1)", "https://ex.gov/", None, id="javascript with case and space"),
        pytest.param("data:text/html;base64,AAAA", "https://ex.gov/", None, id="data dropped"),
        pytest.param("/a", None, None, id="relative without base"),
        pytest.param("/a", "whitehouse_briefings.xml", None, id="relative against a relative base"),
        pytest.param("", "https://ex.gov/", None, id="empty"),
        pytest.param("https://ex.gov/a\ud800b", None, "https://ex.gov/ab", id="lone surrogate removed"),
        pytest.param("/x\udfff", "https://ex.gov/", "https://ex.gov/x", id="lone surrogate, relative"),
    ],
)
def test_absolute_http_url(url: str, base: str | None, expected: str | None) -> None:
    assert absolute_http_url(url, base) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        pytest.param(("Title", "Body text"), ("Title", "Body text"), True, id="identical"),
        pytest.param(("Title", "Body  text"), ("Title ", "Body\ntext"), True, id="whitespace-only edit"),
        pytest.param(("TITLE", "Body Text"), ("title", "body text"), True, id="case-only edit"),
        pytest.param(
            ("Title", "Body\u200btext"), ("Title", "Bodytext"), True, id="zero-width characters ignored"
        ),
        pytest.param(("日米", "１兆円"), ("日米", "1兆円"), True, id="NFKC full-width digits"),
        pytest.param(("Title", "$1 billion"), ("Title", "$1.2 billion"), False, id="number edit"),
        pytest.param(("Title A", "Body"), ("Title B", "Body"), False, id="title edit"),
        pytest.param(("Title", "Body"), ("Title\nBody", ""), False, id="title/text boundary matters"),
    ],
)
def test_content_hash(a: tuple[str, str], b: tuple[str, str], same: bool) -> None:
    assert (content_hash(*a) == content_hash(*b)) is same
    assert len(content_hash(*a)) == 64


# --- assign_identity -------------------------------------------------------------------------------

U1 = "https://ustr.gov/press/2026/april/a"
U2 = "https://ustr.gov/press/2026/april/b"


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param(
            [entry(guid="dsca-1", link=U1), entry(guid="dsca-2", link=U2)],
            [("g:dsca-1", "guid"), ("g:dsca-2", "guid")],
            id="unique GUIDs are keys",
        ),
        pytest.param(
            [entry(guid="0", link=U1), entry(guid="0", link=U2 + "?utm_source=rss")],
            [("u:" + U1, "url"), ("u:" + U2, "url")],
            id="duplicate GUIDs fall back to canonical URLs",
        ),
        pytest.param(
            [entry(link=U1 + "#top"), entry(link=U2)],
            [("u:" + U1, "url"), ("u:" + U2, "url")],
            id="no GUID: canonical URL",
        ),
        pytest.param(
            [entry("A", guid="0", link=U1), entry("B", guid="0", link=U1)],
            None,
            id="duplicate GUID and URL fall back to hash",
        ),
        pytest.param([entry("A"), entry("B")], None, id="no GUID, no link: hash"),
        pytest.param(
            [entry(guid="g", link=U1), entry(link=U1)],
            [("g:g", "guid"), None],
            id="a URL shared with a GUID-keyed item is not unique",
        ),
        pytest.param(
            [entry(guid="   ", link="javascript:x"), entry(guid="", link=None)],
            None,
            id="blank GUID is not used (None-like); unsafe link ignored",
        ),
    ],
)
def test_assign_identity_chain(entries: list[Entry], expected: list[tuple[str, str] | None] | None) -> None:
    items = assign_identity(entries)
    assert len({i.key for i in items}) == len(items)
    for i, item in enumerate(items):
        want = expected[i] if expected else None
        if want is None:
            assert item.key_kind == "hash"
            assert item.key.startswith("h:") and len(item.key.split("#")[0]) == 34
        else:
            assert (item.key, item.key_kind) == want


def test_item_carries_entry_fields_and_hashes() -> None:
    e = Entry(title="T", text="X", link=U1 + "?fbclid=1", guid="g", published_at=WHEN, tags=("a",), lang="en")
    [item] = assign_identity([e])
    assert item.canonical_url == U1
    assert item.content_hash == content_hash("T", "X")
    assert (item.guid, item.title, item.text, item.published_at, item.tags, item.lang) == (
        "g",
        "T",
        "X",
        WHEN,
        ("a",),
        "en",
    )


def test_hash_key_depends_on_title_and_date_not_text() -> None:
    [a] = assign_identity([entry("Readout", text="one")])
    [b] = assign_identity([entry("READOUT ", text="two")])
    [c] = assign_identity([entry("Readout", text="one", published_at=None)])
    assert a.key == b.key != c.key


def test_true_duplicates_are_disambiguated_by_content_not_position() -> None:
    entries = [entry("Same", text=f"body {n}") for n in range(3)]
    forward = {i.text: i.key for i in assign_identity(entries)}
    backward = {i.text: i.key for i in assign_identity(list(reversed(entries)))}
    assert forward == backward
    keys = sorted(forward.values(), key=len)
    assert "#" not in keys[0] and {k[-2:] for k in keys[1:]} == {"#2", "#3"}


def test_identical_entries_still_get_distinct_keys() -> None:
    items = assign_identity([entry(guid="x", link=U1)] * 4)
    assert len({i.key for i in items}) == 4


def test_disambiguator_skips_keys_already_taken() -> None:
    items = assign_identity([entry("A", link=U1), entry("B", link=U1), entry(guid="h:dummy")])
    keys = [i.key for i in items]
    assert len(set(keys)) == 3


def test_guid_containing_hash_sign_does_not_collide_with_disambiguator() -> None:
    a, b = entry("A", guid="dup"), entry("B", guid="dup")
    base = assign_identity([a, b])[0].key.split("#")[0]
    items = assign_identity([a, b, entry("C", guid=base.removeprefix("g:") + "#2")])
    assert len({i.key for i in items}) == 3


def test_prefer_url_skips_guids() -> None:
    items = assign_identity([entry(guid="rotating-1", link=U1), entry(guid="rotating-2")], prefer="url")
    assert [(i.key_kind, i.guid) for i in items] == [("url", "rotating-1"), ("hash", "rotating-2")]


def test_prefer_must_be_known() -> None:
    with pytest.raises(ValueError, match="prefer"):
        assign_identity([], prefer="title")


def test_edited_title_with_stable_guid_keeps_its_key() -> None:
    [before] = assign_identity([entry("Japan tariff", guid="g1")])
    [after] = assign_identity([entry("Japan tariffs raised to 25%", guid="g1")])
    assert before.key == after.key and before.content_hash != after.content_hash


# --- keys_unstable ---------------------------------------------------------------------------------


def fetch(guid_prefix: str, urls: list[str]) -> list[Entry]:
    return [entry(f"T{n}", guid=f"{guid_prefix}{n}", link=u) for n, u in enumerate(urls)]


URLS = [f"https://www.mod.go.jp/j/press/news/2026/04/{n:02d}.html" for n in range(6)]


def linkless(guid_prefix: str, count: int, *, first: int = 0) -> list[Entry]:
    return [
        entry(f"Statement {n}", text=f"text {n}", guid=f"{guid_prefix}{n}")
        for n in range(first, first + count)
    ]


@pytest.mark.parametrize(
    ("previous", "current", "unstable"),
    [
        pytest.param(fetch("a", URLS), fetch("b", URLS), True, id="every GUID changed, same URLs"),
        pytest.param(
            fetch("a", URLS), fetch("b", [*URLS[:3], "https://x.gov/1"]), True, id="most URLs overlap"
        ),
        pytest.param(fetch("a", URLS), fetch("a", URLS), False, id="stable GUIDs"),
        pytest.param(
            fetch("a", URLS),
            fetch("a", URLS[1:]) + fetch("new", URLS[:1]),
            False,
            id="one GUID still matches",
        ),
        pytest.param(
            fetch("a", URLS),
            fetch("b", [f"https://x.gov/{n}" for n in range(6)]),
            False,
            id="all-new items (new GUIDs and new URLs) are just news",
        ),
        pytest.param(fetch("a", URLS[:2]), fetch("b", URLS[:2]), False, id="fewer than 3 previous GUIDs"),
        pytest.param(
            fetch("a", URLS), [entry(f"T{n}", link=u) for n, u in enumerate(URLS)], False, id="no GUIDs now"
        ),
        pytest.param(
            fetch("a", URLS),
            fetch("b", [*URLS[:1], *(f"https://x.gov/{n}" for n in range(5))]),
            False,
            id="one URL in common is not substantial",
        ),
        pytest.param(linkless("a", 5), linkless("b", 5), True, id="no links, GUIDs changed, same content"),
        pytest.param(linkless("a", 5), linkless("b", 5, first=1), True, id="no links, most content the same"),
        pytest.param(linkless("a", 5), linkless("b", 5, first=100), False, id="no links, all-new content"),
    ],
)
def test_keys_unstable(previous: list[Entry], current: list[Entry], unstable: bool) -> None:
    previous_keys = identity_keys(assign_identity(previous))
    assert keys_unstable(previous_keys, assign_identity(current)) is unstable


def test_identity_keys_adds_canonical_urls() -> None:
    items = assign_identity([entry(guid="g", link=U1 + "?utm_medium=x"), entry("B")])
    assert identity_keys(items) == {"g:g", "u:" + U1, items[1].key, "c:" + items[1].content_hash}


def test_duplicate_guid_fixture_keeps_every_item() -> None:
    body = (Path(__file__).parent / "fixtures" / "feeds" / "duplicate_guids.xml").read_bytes()
    items = assign_identity(parse_feed("ustr", body, {}, base_url="https://ustr.gov/rss.xml"))
    assert [i.key_kind for i in items] == ["url", "url", "guid"]
    assert len({i.key for i in items}) == 3

"""The demo feeds (``monitor.demo.content``) and their loopback server (``monitor.demo.server``)."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
import yaml

from monitor.config.schema import Source
from monitor.demo.content import DEMO_SOURCES, PHASES, demo_sources_yaml, last_modified, render, source
from monitor.demo.server import DemoServer
from monitor.model import FetchOutcome, FetchResult
from monitor.sources.dispatch import read_source

SOURCE_IDS = [s.id for s in DEMO_SOURCES]
FEED_IDS = [s.id for s in DEMO_SOURCES if s.kind == "feed"]
NOW = datetime(2026, 12, 6, tzinfo=UTC)
RSS10 = "{http://purl.org/rss/1.0/}"
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _adapted(source_id: str, doc: bytes) -> dict[str, dict[str, str]]:
    """An html or json_api demo source read by pressmon's own adapter: guid (or link) -> fields."""
    config = yaml.safe_load(demo_sources_yaml("https://demo.invalid"))["sources"]
    src = Source.model_validate(next(s for s in config if s["id"] == source_id))
    result = FetchResult(FetchOutcome.OK, src.url, src.url, 200, {"content-type": source(source_id).content_type},
                         doc, None, None, None, len(doc), 0.0)  # fmt: skip
    entries = read_source(src, result, now=NOW).entries
    return {
        (e.guid or e.link or ""): {"title": e.title, "link": e.link or "", "description": e.text}
        for e in entries
    }


def _items(doc: bytes, source_id: str | None = None) -> dict[str, dict[str, str]]:
    """guid (or rdf:about) -> {title, link, description}, parsed with ElementTree (feeds) or the adapter."""
    if source_id is not None and source(source_id).kind != "feed":
        return _adapted(source_id, doc)
    root = ET.fromstring(doc)
    out: dict[str, dict[str, str]] = {}
    if root.tag.endswith("RDF"):
        for item in root.iter(f"{RSS10}item"):
            fields = {k: item.findtext(f"{RSS10}{k}") or "" for k in ("title", "link", "description")}
            out[item.attrib[RDF_ABOUT]] = fields
    else:
        for item in root.iter("item"):
            fields = {k: item.findtext(k) or "" for k in ("title", "link", "description")}
            out[item.findtext("guid") or fields["link"]] = fields
    return out


def _by_title(doc: bytes, prefix: str) -> tuple[str, dict[str, str]]:
    [(guid, item)] = [(g, i) for g, i in _items(doc).items() if i["title"].startswith(prefix)]
    return guid, item


# ---- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("source_id", [s for s in SOURCE_IDS if s not in FEED_IDS])
def test_listing_and_api_sources_render_small_and_read_with_their_adapter(source_id: str, phase: int) -> None:
    doc = render(source_id, phase)
    assert 500 < len(doc) < 16_000
    items = _items(doc, source_id)
    assert items and all(i["title"] and i["link"] for i in items.values())


def test_the_mofa_listing_is_shift_jis_with_yearless_and_reiwa_dates() -> None:
    doc = render("mofa", 2)
    assert b"charset=Shift_JIS" in doc
    doc.decode("cp932")  # strict
    with pytest.raises(UnicodeDecodeError):
        doc.decode("utf-8")
    text = doc.decode("cp932")
    assert "11月25日" in text and "令和8年11月18日" in text


def test_the_federal_register_source_is_documents_json() -> None:
    doc = json.loads(render("federal-register", 2))
    assert doc["count"] == len(doc["results"]) == 3
    assert set(doc["results"][0]) >= {"title", "abstract", "html_url", "publication_date", "document_number"}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("source_id", FEED_IDS)
def test_every_source_renders_well_formed_small_xml(source_id: str, phase: int) -> None:
    doc = render(source_id, phase)
    assert doc.startswith(b"<?xml")
    assert 500 < len(doc) < 16_000
    doc.decode("utf-8")  # strict
    assert _items(doc), "a demo feed without items"
    parsed: Any = feedparser.parse(doc)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(_items(doc))
    assert all(e.get("title") and e.get("link") for e in parsed.entries)


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_phase_two_keeps_every_item_and_adds_new_ones(source_id: str) -> None:
    before, after = _items(render(source_id, 1), source_id), _items(render(source_id, 2), source_id)
    assert set(before) < set(after)
    for guid, item in before.items():
        assert after[guid]["link"] == item["link"]
    assert last_modified(source_id, 1) < last_modified(source_id, 2)


def test_rendering_is_pure() -> None:
    assert all(render(s, p) == render(s, p) for s in SOURCE_IDS for p in PHASES)


def test_the_white_house_fact_sheet_is_edited_in_place() -> None:
    title = "Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan"
    guid1, v1 = _by_title(render("whitehouse", 1), title)
    guid2, v2 = _by_title(render("whitehouse", 2), title)
    assert (guid1, v1["link"], v1["title"]) == (guid2, v2["link"], v2["title"])
    assert "$550 billion" in v1["description"] and "$1 trillion" not in v1["description"]
    assert "$1 trillion" in v2["description"] and "$550 billion" not in v2["description"]
    assert "UPDATED November 25, 2026" in v2["description"]
    assert "15 percent" in v1["description"] and "LNG" in v1["description"]


def test_only_the_fact_sheet_changes_among_existing_items() -> None:
    for source_id in SOURCE_IDS:
        before, after = _items(render(source_id, 1), source_id), _items(render(source_id, 2), source_id)
        changed = [i["title"] for g, i in before.items() if after[g] != i]
        expected = ["Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan"]
        assert changed == (expected if source_id == "whitehouse" else []), source_id


def test_phase_two_news_is_there() -> None:
    new_titles = {
        s: {i["title"] for g, i in _items(render(s, 2), s).items() if g not in _items(render(s, 1), s)}
        for s in SOURCE_IDS
    }
    assert "Joint Statement on U.S.-Japan Investment" in new_titles["whitehouse"]
    assert "Japan \u2013 SM-6 Block IA Missiles " in new_titles["dsca"]
    assert any("Section 232" in t and "Japan" in t for t in new_titles["federal-register"])
    assert {
        "Japan to double defense spending to 2% of GDP by 2027",
        "Japan to buy more U.S. LNG as part of tariff deal",
    } <= new_titles["nikkei"]
    assert "日米首脳会談：対米投資1兆ドルと自動車関税について" in new_titles["kantei"]
    assert "ASEAN地域フォーラム（ARF）閣僚会合の開催について" in new_titles["mofa"]


def test_the_japan_fms_notice_uses_the_standard_wording() -> None:
    _, item = _by_title(render("dsca", 2), "Japan \u2013")
    text = item["description"]
    assert "possible Foreign Military Sale to the Government of Japan of" in text
    assert "The estimated total cost is $1.0 billion." in text


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_the_wire_story_quotes_the_joint_statement() -> None:
    _, statement = _by_title(render("whitehouse", 2), "Joint Statement on U.S.-Japan Investment")
    _, wire = _by_title(render("nikkei", 2), "Japan pledges $1 trillion")
    shared = _words(statement["description"]) & _words(wire["description"])
    assert len(shared) / len(_words(wire["description"])) > 0.6


_TRADE_WORDS = re.compile(r"tariff|invest|trade|duties|foreign military sale|\bFMS\b|関税|投資", re.I)


def test_traps_mention_japan_without_trade_words() -> None:
    _, guam = _by_title(render("whitehouse", 1), "Presidential Message on the Anniversary of the Liberation")
    assert "Imperial Japan" in guam["description"]
    assert not _TRADE_WORDS.search(guam["title"] + guam["description"])
    _, jal = _by_title(render("nikkei", 1), "Japan Airlines")
    assert not _TRADE_WORDS.search(jal["title"] + jal["description"])


def test_fms_notices_for_other_countries_do_not_mention_japan() -> None:
    for guid, item in _items(render("dsca", 2)).items():
        text = item["title"] + item["description"]
        assert "Foreign Military Sale to the Government of" in text
        assert ("Japan" in text) == ("/japan-" in guid), item["title"]


def test_dsca_quirks() -> None:
    doc = render("dsca", 1)
    assert b'<guid isPermaLink="false">' in doc
    assert b"&lt;br /&gt;" in doc  # markup escaped inside descriptions
    assert all(i["title"].endswith(" ") for i in _items(doc).values())
    assert all(g.startswith("https://www.dsca.mil/Press-Media/Major-Arms-Sales/") for g in _items(doc))


def test_kantei_is_japanese_rdf_with_jst_dates() -> None:
    doc = render("kantei", 2)
    root = ET.fromstring(doc)
    dates = [e.text or "" for e in root.iter("{http://purl.org/dc/elements/1.1/}date")]
    assert dates and all(d.endswith("+09:00") for d in dates)
    assert "対米投資" in doc.decode("utf-8")


def test_unknown_source_or_phase_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown source"):
        render("reuters", 1)
    with pytest.raises(ValueError, match="unknown phase"):
        render("dsca", 3)


def test_sources_yaml_validates_against_the_config_schema() -> None:
    data = yaml.safe_load(demo_sources_yaml("http://127.0.0.1:54321/"))
    sources = [Source.model_validate(s) for s in data["sources"]]
    assert [s.id for s in sources] == SOURCE_IDS
    for s, demo in zip(sources, DEMO_SOURCES, strict=True):
        assert s.url == "http://127.0.0.1:54321" + demo.path
        assert s.every.total_seconds() == 60
        assert (s.tags, s.lang, s.title) == (demo.tags, demo.lang, demo.title)


@pytest.mark.parametrize(
    ("source_id", "capture"),
    [
        pytest.param("whitehouse", "whitehouse_briefings.xml", id="whitehouse"),
        pytest.param("dsca", "RSSdb8e.ashx", id="dsca-articlecs"),
    ],
)
def test_shaped_like_the_real_capture(source_id: str, capture: str) -> None:
    path = CORPUS / capture
    if not path.exists():
        pytest.skip(f"real capture {path} not present (../shared/corpus is optional)")
    real, ours = ET.fromstring(path.read_bytes()), ET.fromstring(render(source_id, 2))
    assert (real.tag, real.attrib) == (ours.tag, ours.attrib)
    real_item, our_item = real.find("channel/item"), ours.find("channel/item")
    assert real_item is not None and our_item is not None
    assert {c.tag for c in our_item} <= {c.tag for c in real_item}
    real_guid, our_guid = real_item.find("guid"), our_item.find("guid")
    assert real_guid is not None and our_guid is not None
    assert real_guid.attrib == our_guid.attrib


# ---- server --------------------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer() as s:
        yield s


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as c:
        yield c


IDENTITY = {"Accept-Encoding": "identity"}


def test_serves_200_then_304_then_new_body_after_advance(server: DemoServer, client: httpx.Client) -> None:
    url = server.url_for("whitehouse")
    first = client.get(url, headers=IDENTITY)
    assert first.status_code == 200
    assert first.content == render("whitehouse", 1)
    assert first.headers["content-type"] == "application/rss+xml; charset=utf-8"
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert first.headers["last-modified"] == format_datetime(last_modified("whitehouse", 1), usegmt=True)

    again = client.get(url, headers={**IDENTITY, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    server.advance()
    assert server.phase == 2
    after = client.get(url, headers={**IDENTITY, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.content == render("whitehouse", 2)
    assert after.headers["etag"] != etag
    assert client.get(url, headers={**IDENTITY, "If-None-Match": after.headers["etag"]}).status_code == 304


def test_if_modified_since(server: DemoServer, client: httpx.Client) -> None:
    url = server.url_for("dsca")
    lm = client.get(url).headers["last-modified"]
    assert client.get(url, headers={"If-Modified-Since": lm}).status_code == 304
    older = "Mon, 02 Nov 2026 00:00:00 GMT"
    assert client.get(url, headers={"If-Modified-Since": older}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": "yesterday"}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    assert client.get(url, headers={"If-None-Match": '"nope"', "If-Modified-Since": lm}).status_code == 200
    server.phase = 2
    assert client.get(url, headers={"If-Modified-Since": lm}).status_code == 200


def test_gzip_when_asked(server: DemoServer, client: httpx.Client) -> None:
    url = server.url_for("kantei")
    raw = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["vary"] == "Accept-Encoding"
    assert raw.content == render("kantei", 1)  # httpx decoded it
    assert int(raw.headers["content-length"]) < len(raw.content)
    assert client.get(url, headers={"If-None-Match": raw.headers["etag"]}).status_code == 304
    plain = client.get(url, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] != raw.headers["etag"]
    for refused in ("gzip;q=0", "br"):
        assert "content-encoding" not in client.get(url, headers={"Accept-Encoding": refused}).headers


def test_gzip_bytes_on_the_wire(server: DemoServer, client: httpx.Client) -> None:
    with client.stream("GET", server.url_for("nikkei"), headers={"Accept-Encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
    assert gzip.decompress(wire) == render("nikkei", 1)


def test_every_source_is_served_with_its_content_type(server: DemoServer, client: httpx.Client) -> None:
    for s in DEMO_SOURCES:
        r = client.get(server.url_for(s.id))
        assert (r.status_code, r.headers["content-type"]) == (200, s.content_type)
        assert r.content == render(s.id, 1)


def test_head_and_unknown_paths(server: DemoServer, client: httpx.Client) -> None:
    head = client.head(server.url_for("dsca"), headers=IDENTITY)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(render("dsca", 1))
    assert client.get(server.base_url + "/nothing-here").status_code == 404


def test_phase_control() -> None:
    s = DemoServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = s.base_url
    with pytest.raises(ValueError, match="unknown phase"):
        s.phase = 3
    with s:
        assert s.base_url.startswith("http://127.0.0.1:")
        s.advance()
        with pytest.raises(RuntimeError, match="last phase"):
            s.advance()
        s.phase = 1
        assert s.phase == 1
    s.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="not started"):
        _ = s.base_url

"""HTML listings (monitor.sources.html) and JSON APIs (monitor.sources.jsonapi), read with the selectors
and presets the shipped feeds.yaml uses, over fixtures built like the real pages (issue 8 items 1, 2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.config.kinds import HtmlSelect, JsonApi
from monitor.config.loader import load_config
from monitor.config.schema import Source
from monitor.errors import ParseError
from monitor.identity import canonical_url
from monitor.sources.html import read_html
from monitor.sources.jsonapi import read_json_api

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "sources"
CORPUS = ROOT.parents[1] / "shared" / "corpus"
SHIPPED = {s.id: s for s in load_config(ROOT / "feeds.yaml").sources}
NOW = datetime(2025, 4, 14, 3, 0, tzinfo=UTC)  # Monday 14 April 2025, noon in Tokyo
TOKYO = ZoneInfo("Asia/Tokyo")


def shipped(source_id: str) -> Source:
    return SHIPPED[source_id]


def listing(source_id: str, fixture: str, *, now: datetime = NOW, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    src = shipped(source_id)
    assert src.select is not None
    return read_html(
        src.id, (FIXTURES / fixture).read_bytes(), headers or {"content-type": "text/html"},
        select=src.select, base_url=src.url, now=now, tz=ZoneInfo(src.timezone), default_lang=src.lang,
    )  # fmt: skip


def d(y: int, m: int, day: int) -> datetime:
    return datetime(y, m, day, tzinfo=UTC)


def test_mofa_japanese_listing_in_shift_jis_with_yearless_and_reiwa_dates() -> None:
    parsed = listing("mofa-press-ja", "mofa_ja_release.html")
    assert parsed.encoding == "cp932"
    assert [(e.title, e.link, e.published_at) for e in parsed.entries] == [
        ("日米関税協議（第2回）の開催", "https://www.mofa.go.jp/mofaj/press/release/pressit_000001_01502.html", d(2024, 4, 15)),
        ("対外有償軍事援助（FMS）調達に関する日米協議について（総額約3億4000万ドル）",
         "https://www.mofa.go.jp/mofaj/press/release/pressit_000001_01497.html", d(2025, 4, 14)),
        ("岩屋外務大臣とルビオ米国務長官との電話会談", "https://www.mofa.go.jp/mofaj/press/release/pressit_000001_01496.html", d(2025, 4, 14)),
        ("日・フィリピン外相会談", "https://www.mofa.go.jp/mofaj/press/release/pressit_000001_01311.html", d(2024, 12, 26)),
    ]  # fmt: skip
    assert {e.lang for e in parsed.entries} == {"ja"}


def test_mofa_japanese_listing_read_the_day_after() -> None:
    # "4月15日" is tomorrow on the 14th (so last year: never a date in the future), today on the 15th.
    parsed = listing("mofa-press-ja", "mofa_ja_release.html", now=datetime(2025, 4, 15, 1, 0, tzinfo=UTC))
    assert parsed.entries[0].published_at == d(2025, 4, 15)


def test_mofa_english_listing_with_date_headings_without_a_year_across_new_year() -> None:
    parsed = listing("mofa-press-en", "mofa_en_release.html", now=datetime(2025, 1, 2, 2, 0, tzinfo=UTC))
    assert [
        (e.title[:40], e.link.rsplit("/", 1)[-1] if e.link else None, e.published_at) for e in parsed.entries
    ] == [
        ("New Year Telephone Talk between Foreign ", "pressite_000001_01601.html", d(2025, 1, 2)),
        ("Japan-U.S. Consultations on Tariff Measu", "pressite_000001_01588.html", d(2024, 12, 27)),
        ("Extension of Emergency Grant Aid in Resp", "pressite_000001_01587.html", d(2024, 12, 27)),
    ]


def test_mod_listing_with_dt_dates_and_eras() -> None:
    parsed = listing("mod-press-ja", "mod_ja_news.html")
    assert [
        (e.link.rsplit("/j/press/news/", 1)[-1] if e.link else None, e.published_at) for e in parsed.entries
    ] == [
        ("2025/04/14a.html", d(2025, 4, 14)),
        ("2025/04/14b.html", d(2025, 4, 14)),
        ("2025/04/11a.html", d(2025, 4, 11)),
        ("2019/04/26a.html", d(2019, 4, 26)),
    ]
    assert parsed.entries[0].title == "対外有償軍事援助（FMS）によるSM-6ミサイルの調達について"


def test_state_listing_items_dates_and_next_page() -> None:
    parsed = listing("state-arms-sales", "state_arms_sales.html")
    assert [(e.title, e.link, e.published_at) for e in parsed.entries] == [
        (
            "Japan – SM-6 Block IA Missiles",
            "https://www.state.gov/japan-sm-6-block-ia-missiles/",
            d(2025, 4, 14),
        ),
        (
            "Poland – AIM-120D Advanced Medium Range Air-to-Air Missiles",
            "https://www.state.gov/poland-aim-120d-missiles/",
            d(2025, 4, 10),
        ),
    ]
    assert parsed.next_url == "https://www.state.gov/arms-sales-congressional-notifications/page/2/"
    assert listing("state-arms-sales", "state_arms_sales_page2.html").next_url is None


def test_challenge_page_has_no_items_and_says_what_it_got() -> None:
    parsed = listing("state-arms-sales", "challenge.html")
    assert parsed.entries == []
    assert parsed.notes == (
        "no elements match 'ul.collection-results li.collection-result' (page title: 'Just a moment...')",
    )


def test_meta_charset_wrong_header_and_relative_links() -> None:
    body = "<html><head><meta charset='euc-jp'></head><body><ul><li><a href='../a/1.html'>防衛大臣記者会見</a> <i>令和7年4月1日</i></li></ul></body></html>"
    sel = HtmlSelect(item="ul li", date="i")
    parsed = read_html("s", body.encode("euc_jp"), {"content-type": "text/html; charset=utf-8"}, select=sel,
                       base_url="https://www.mod.go.jp/j/press/index.html", now=NOW)  # fmt: skip
    assert parsed.encoding == "euc_jp"
    assert [(e.title, e.link, e.published_at) for e in parsed.entries] == [
        ("防衛大臣記者会見", "https://www.mod.go.jp/j/a/1.html", d(2025, 4, 1))
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        pytest.param("item", "li[[", "is not a CSS selector", id="bad item selector"),
        pytest.param("date", "", "an empty CSS selector", id="empty selector"),
    ],
)
def test_selectors_are_checked_when_the_config_loads(field: str, value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        HtmlSelect(**{"item": "li", field: value})


# --- JSON APIs: the Federal Register and a generic mapping --------------------------------------------

FR_URL = "https://www.federalregister.gov/api/v1/documents.json?conditions[term]=x"


def fr(fixture: str | bytes, **kw: object):  # type: ignore[no-untyped-def]
    body = fixture if isinstance(fixture, bytes) else (FIXTURES / fixture).read_bytes()
    return read_json_api("fr", body, {"content-type": "application/json; charset=utf-8"},
                         api=JsonApi(preset="federal_register"), base_url=FR_URL, now=NOW, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_federal_register_documents_json() -> None:
    parsed = fr("federal_register_documents.json")
    assert [(e.title, e.guid, e.published_at) for e in parsed.entries] == [
        ("Arms Sales Notification", "2025-06789", d(2025, 4, 14)),
        ("Arms Sales Notification", "2025-06512", d(2025, 4, 10)),
    ]
    first = parsed.entries[0]
    assert first.link is not None and first.link.startswith(
        "https://www.federalregister.gov/documents/2025/04/14/2025-06789/"
    )
    assert (
        first.text
        == "The Department of Defense is publishing the unclassified text of an arms sales notification."
    )
    assert (
        parsed.full_text_urls[canonical_url(first.link)]
        == "https://www.federalregister.gov/documents/full_text/text/2025/04/14/2025-06789.txt"
    )
    assert parsed.next_url is not None and "page=2" in parsed.next_url


def test_federal_register_search_without_hits_has_no_results_key() -> None:
    assert fr("federal_register_no_hits.json").entries == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            b'{"count": 3, "errors": {"conditions": "bad"}}',
            "items path 'results' leads to nothing",
            id="changed shape",
        ),
        pytest.param(b'{"results": {"a": 1}}', "leads to a dict, not a list", id="results not a list"),
        pytest.param(b"[" * 5000 + b"]" * 5000, "JSON nested 5000 deep", id="nested deep"),
        pytest.param(b"<html><title>Just a moment...</title></html>", "invalid JSON", id="HTML challenge"),
    ],
)
def test_federal_register_broken_responses_are_errors(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        fr(body)


def test_generic_json_mapping() -> None:
    body = json.dumps(
        {
            "data": {
                "releases": [
                    {
                        "id": 17,
                        "headline": "Japan and US sign tariff agreement",
                        "links": {"self": "/news/17"},
                        "published": "2025-04-14T09:00:00+09:00",
                        "body": "<p>The agreement\ud800 sets a 15% tariff.</p>",
                    },
                    {"id": 18, "headline": None, "links": {}},
                ]
            }
        }
    ).encode()
    api = JsonApi(
        items="$.data.releases", title="headline", link="links.self", date="published", guid="id", text="body"
    )
    parsed = read_json_api("x", body, {}, api=api, base_url="https://api.example.gov/v1/releases", now=NOW)
    assert [(e.title, e.link, e.guid, e.published_at, e.text) for e in parsed.entries] == [
        ("Japan and US sign tariff agreement", "https://api.example.gov/news/17", "17",
         datetime(2025, 4, 14, 0, 0, tzinfo=UTC), "The agreement sets a 15% tariff."),
    ]  # fmt: skip


def test_generic_mapping_needs_items_and_title() -> None:
    with pytest.raises(ValueError, match="at least the items and title paths"):
        JsonApi(link="url")


@pytest.mark.skipif(not (CORPUS / "federal_register_week.json").exists(), reason="../shared/corpus is absent")
def test_real_federal_register_capture_reads() -> None:
    parsed = fr((CORPUS / "federal_register_week.json").read_bytes())
    assert len(parsed.entries) == 6
    assert all(e.title and e.link and e.published_at and e.guid for e in parsed.entries)

"""Every source kind end to end against the loopback server (issue 8 "done when"): each yields the right
items, matches and facts, and the poll log says which encoding each fetch was read with."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from monitor.app import App
from monitor.cli import app as cli
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.kinds import JsonApi
from monitor.config.loader import load_config
from monitor.config.schema import Config, Source, Topic
from monitor.settings import Settings
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, MentionRow, PollLogRow, RevisionRow, SourceRow
from monitor.store.queries import source_overview
from tests.support.env import use_cli_env
from tests.support.httpserver import FeedRequestHandler, FeedServer

FMS_JA = Topic(id="fms-japan-ja", title="対日FMS", keywords=("対外有償軍事援助",), facts=("money",))
FMS_EN = Topic(
    id="fms-japan",
    title="FMS to Japan",
    keywords=("Foreign Military Sale", "Arms Sales Notification"),
    requires=(("Japan",),),
    facts=("money", "fms"),
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
async def make_app(db_url: str) -> AsyncIterator[Any]:
    apps: list[App] = []

    def build(*sources: Source, now: Callable[[], datetime] | None = None) -> tuple[App, io.StringIO]:
        config = Config(
            sources=sources,
            topics=(FMS_JA, FMS_EN),
            routes=(Route(to=("console",)),),
            receivers={"console": ConsoleReceiver()},
        )
        out = io.StringIO()
        settings = Settings(database_url=db_url, allow_private_networks=True)
        app = App.build(settings, config, stream=out, **({"now": now} if now else {}))
        app.prepare_database(exclusive=False)
        apps.append(app)
        return app, out

    yield build
    for a in apps:
        await a.aclose()


def source(server: FeedServer, sid: str, path: str, **kw: Any) -> Source:
    return Source(id=sid, url=server.url(path), every=timedelta(minutes=15), timeout=2, deadline=5, **kw)


def stored(app: App, sid: str) -> list[tuple[str, str]]:
    with read_session(app.engine) as s:
        rows = s.exec(select(ItemRow).where(ItemRow.source_id == sid).order_by(ItemRow.id)).all()
        return [(r.title, r.canonical_url or "") for r in rows]


def texts(app: App, sid: str) -> list[str]:
    with read_session(app.engine) as s:
        q = select(RevisionRow.text).join(ItemRow, RevisionRow.item_id == ItemRow.id)  # type: ignore[arg-type]
        return list(s.exec(q.where(ItemRow.source_id == sid)).all())


def facts(app: App, topic: str) -> list[dict[str, Any]]:
    with read_session(app.engine) as s:
        return [m.facts for m in s.exec(select(MentionRow).where(MentionRow.topic_id == topic)).all()]


def encodings(app: App, sid: str) -> list[str | None]:
    with read_session(app.engine) as s:
        q = select(PollLogRow.encoding).where(PollLogRow.source_id == sid).order_by(PollLogRow.id)  # type: ignore[arg-type]
        return list(s.exec(q).all())


# --- RELIABILITY 41: Japanese feeds with no declaration, or a wrong one --------------------------------

JA_ITEMS = (
    ("1", "日米首脳会談について", "日米同盟の抑止力・対処力の強化で一致しました。"),
    ("2", "対外有償軍事援助（FMS）による調達について", "防衛省は、総額約3億4000万ドルの装備品を調達します。"),
)


def ja_rss(*items: tuple[str, str, str], declaration: str = "") -> str:
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>https://www.mod.go.jp/j/press/news/2025/04/{g}.html</link><description>{d}</description>"
        "<pubDate>Mon, 14 Apr 2025 09:00:00 +0900</pubDate></item>"
        for g, t, d in items
    )
    return (
        f"<?xml version='1.0'{declaration}?><rss version='2.0'><channel><title>防衛省</title>"
        f"<link>https://www.mod.go.jp/</link><description>新着情報</description>{body}</channel></rss>"
    )


@pytest.mark.parametrize(
    ("codec", "content_type", "declaration", "recorded"),
    [
        pytest.param("euc_jp", "application/rss+xml", "", "euc_jp", id="EUC-JP undeclared"),
        pytest.param("cp932", "application/rss+xml", "", "cp932", id="Shift_JIS undeclared"),
        pytest.param(
            "cp932", "application/rss+xml; charset=utf-8", "", "cp932", id="Shift_JIS served as utf-8"
        ),
        pytest.param(
            "euc_jp",
            "text/xml; charset=UTF-8",
            " encoding='utf-8'",
            "euc_jp",
            id="EUC-JP declared utf-8 twice",
        ),
        pytest.param(
            "cp932", "application/rss+xml; charset=rot13", " encoding='zlib'", "cp932", id="bogus labels"
        ),
    ],
)
async def test_undeclared_japanese_feed_is_detected_matched_and_recorded(
    server: FeedServer, make_app: Any, codec: str, content_type: str, declaration: str, recorded: str
) -> None:
    server.set(
        "/mod.xml",
        ja_rss(JA_ITEMS[0], declaration=declaration).encode(codec),
        headers={"Content-Type": content_type},
    )
    app, out = make_app(source(server, "mod-ja", "/mod.xml"))
    await app.poll_pass()
    server.set(
        "/mod.xml",
        ja_rss(*JA_ITEMS, declaration=declaration).encode(codec),
        headers={"Content-Type": content_type},
    )
    report = await app.poll_pass()

    assert [(r.status, r.new, r.alerts) for r in report.sources] == [("ok", 1, 1)]
    assert [t for t, _ in stored(app, "mod-ja")] == [JA_ITEMS[0][1], JA_ITEMS[1][1]]
    assert not any("\ufffd" in t for t in texts(app, "mod-ja"))
    assert facts(app, "fms-japan-ja")[0]["money"][0]["usd"] == "340000000"
    assert encodings(app, "mod-ja") == [recorded, recorded]
    assert (await app.deliver()).sent == 1
    assert "対外有償軍事援助（FMS）による調達について" in out.getvalue()


# --- HTML listings --------------------------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SHIPPED = {s.id: s for s in load_config(Path(__file__).resolve().parents[1] / "feeds.yaml").sources}
APRIL_14 = datetime(2025, 4, 14, 3, 0, tzinfo=UTC)


def like_shipped(server: FeedServer, sid: str, path: str, **kw: Any) -> Source:
    """The shipped source ``sid`` (its kind, selectors, preset, time zone) pointed at the loopback server."""
    return SHIPPED[sid].model_copy(
        update={
            "url": server.url(path),
            "timeout": timedelta(seconds=2),
            "deadline": timedelta(seconds=5),
            **kw,
        }
    )


def mofa_ja(drop_first: bool = False) -> bytes:
    body = (FIXTURES / "mofa_ja_release.html").read_bytes()
    if drop_first:  # the page as it was before 15 April's release was added
        text = body.decode("cp932")
        start = text.index('<li><span class="date">4月15日')
        body = (text[:start] + text[text.index("</li>", start) + 5 :]).encode("cp932")
    return body


async def test_mofa_japanese_listing_in_shift_jis_alerts_with_facts(
    server: FeedServer, make_app: Any
) -> None:
    server.set("/mofaj.html", mofa_ja(drop_first=True), headers={"Content-Type": "text/html"})
    app, out = make_app(
        like_shipped(server, "mofa-press-ja", "/mofaj.html"),
        now=lambda: datetime(2025, 4, 15, 1, 0, tzinfo=UTC),
    )
    await app.poll_pass()
    new_item = "対外有償軍事援助（FMS）調達に関する日米協議について（総額約5億ドル）"
    changed = mofa_ja().decode("cp932").replace("日米関税協議（第2回）の開催", new_item)
    server.set("/mofaj.html", changed.encode("cp932"), headers={"Content-Type": "text/html; charset=utf-8"})
    # full_text: the release's own page (relative link, so on the loopback server), Shift_JIS too.
    release = (
        '<html><head><meta charset="Shift_JIS"><title>報道発表</title></head><body>'
        '<div id="header"><ul id="gnav"><li><a href="/">外務省トップ</a></li></ul></div>'
        '<div id="maincontents"><h1>対外有償軍事援助（FMS）調達に関する日米協議について</h1>'
        "<p>4月15日、東京において日米協議が行われ、日本政府による対外有償軍事援助（FMS）を通じた"
        "装備品の調達について、総額約5億ドルの引合受諾書の署名に向けた手続を確認しました。"
        "対象はSM-6ミサイル等であり、日米同盟の抑止力・対処力の強化に資するものです。</p></div>"
        '<div id="footer">Copyright Ministry of Foreign Affairs of Japan</div></body></html>'
    )
    server.set(
        "/mofaj/press/release/pressit_000001_01502.html",
        release.encode("cp932"),
        headers={"Content-Type": "text/html"},
    )
    report = await app.poll_pass()

    assert [(r.status, r.new, r.alerts) for r in report.sources] == [("ok", 1, 1)]
    assert stored(app, "mofa-press-ja")[-1] == (
        new_item,
        server.url("/mofaj/press/release/pressit_000001_01502.html"),
    )
    with read_session(app.engine) as s:
        item = s.exec(select(ItemRow).where(ItemRow.title == new_item)).one()
        assert item.published_at is not None and item.published_at.date().isoformat() == "2025-04-15"
    assert sorted(f["money"][0]["usd"] for f in facts(app, "fms-japan-ja")) == [
        "340000000",
        "500000000",
    ]  # baseline too
    assert encodings(app, "mofa-press-ja") == ["cp932", "cp932"]
    assert any("引合受諾書の署名に向けた手続を確認しました" in t for t in texts(app, "mofa-press-ja"))
    assert not any("外務省トップ" in t for t in texts(app, "mofa-press-ja"))  # navigation left out
    assert (await app.deliver()).sent == 1
    assert new_item in out.getvalue()


async def test_state_listing_pages_then_a_challenge_page_is_an_error(
    server: FeedServer, make_app: Any
) -> None:
    page1 = (FIXTURES / "state_arms_sales.html").read_text()
    page1 = page1.replace(
        "https://www.state.gov/arms-sales-congressional-notifications/page/2/", server.url("/state/page/2/")
    )
    server.set("/state/", page1.encode(), headers={"Content-Type": "text/html; charset=UTF-8"})
    server.set(
        "/state/page/2/",
        (FIXTURES / "state_arms_sales_page2.html").read_bytes(),
        headers={"Content-Type": "text/html"},
    )
    # The notices' pages are on state.gov (absolute links): no full text here, the listing alone.
    app, out = make_app(
        like_shipped(server, "state-arms-sales", "/state/", full_text=False), now=lambda: APRIL_14
    )
    first = await app.poll_pass()
    assert [(r.status, r.new, r.baseline) for r in first.sources] == [("ok", 3, True)]
    assert [t for t, _ in stored(app, "state-arms-sales")] == [
        "Japan – SM-6 Block IA Missiles",
        "Poland – AIM-120D Advanced Medium Range Air-to-Air Missiles",
        "Japan – E-2D Advanced Hawkeye Sustainment",
    ]

    newer = page1.replace(
        '<li class="collection-result">',
        '<li class="collection-result"><a class="collection-result__link" href="https://www.state.gov/japan-aim-120d-3/">'
        "Japan – AIM-120D-3 Advanced Medium Range Air-to-Air Missiles: a possible Foreign Military Sale to the Government of Japan</a>"
        '<div class="collection-result-meta"><span dir="ltr">April 14, 2025</span></div></li><li class="collection-result">',
        1,
    )
    server.set("/state/", newer.encode(), headers={"Content-Type": "text/html; charset=UTF-8"})
    second = await app.poll_pass()
    assert [(r.status, r.new, r.alerts) for r in second.sources] == [("ok", 1, 1)]
    assert (await app.deliver()).sent == 1 and "AIM-120D-3" in out.getvalue()

    server.set("/state/", (FIXTURES / "challenge.html").read_bytes(), headers={"Content-Type": "text/html"})
    third = await app.poll_pass()
    assert third.sources[0].status == "error"
    assert "listing has no entries" in (third.sources[0].error or "")
    assert "Just a moment..." in (third.sources[0].error or "")
    assert len(stored(app, "state-arms-sales")) == 4


# --- the Federal Register API -----------------------------------------------------------------------


async def test_federal_register_json_pages_and_no_hits(server: FeedServer, make_app: Any) -> None:
    page1 = json.loads((FIXTURES / "federal_register_documents.json").read_text())
    page1["next_page_url"] = server.url("/fr/documents.json?page=2")
    server.set_handler(
        "/fr/documents.json",
        _by_page(page1, json.loads((FIXTURES / "federal_register_documents_page2.json").read_text())),
    )
    app, _ = make_app(
        like_shipped(
            server,
            "federal-register-arms-sales",
            "/fr/documents.json",
            full_text=False,
            api=JsonApi(preset="federal_register", max_pages=2),
        ),
        now=lambda: APRIL_14,
    )
    report = await app.poll_pass()
    assert [(r.status, r.new) for r in report.sources] == [("ok", 3)]
    assert encodings(app, "federal-register-arms-sales") == ["utf-8"]


def fr_results(server: FeedServer, *numbers: str) -> dict[str, Any]:
    """The documents.json fixture holding only ``numbers``, its raw_text_url pointing at the loopback."""
    doc = json.loads((FIXTURES / "federal_register_documents.json").read_text())
    doc.pop("next_page_url")
    doc["results"] = [r for r in doc["results"] if r["document_number"] in numbers]
    for r in doc["results"]:
        r["raw_text_url"] = server.url(f"/fr/text/{r['document_number']}.txt")
    doc["count"] = len(doc["results"])
    return doc


async def test_federal_register_full_text_from_raw_text_url_matches_and_extracts_facts(
    server: FeedServer, make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ctype = {"Content-Type": "application/json; charset=utf-8"}
    server.set("/fr/documents.json", json.dumps(fr_results(server, "2025-06512")).encode(), headers=ctype)
    server.set(
        "/fr/text/2025-06789.txt",
        (FIXTURES / "fr_2025-06789.txt").read_bytes(),
        headers={"Content-Type": "text/html"},
    )
    app, out = make_app(
        like_shipped(server, "federal-register-arms-sales", "/fr/documents.json"), now=lambda: APRIL_14
    )
    await app.poll_pass()
    assert server.hits("/fr/text/2025-06512.txt") == 0  # a baseline fetches no full texts

    server.set(
        "/fr/documents.json",
        json.dumps(fr_results(server, "2025-06789", "2025-06512")).encode(),
        headers=ctype,
    )
    report = await app.poll_pass()
    # The abstract never says Japan; the raw text does ("Prospective Purchaser: Government of Japan").
    assert [(r.status, r.new, r.alerts) for r in report.sources] == [("ok", 1, 1)]
    assert server.hits("/fr/text/2025-06789.txt") == 1
    (fms,) = facts(app, "fms-japan")
    assert (fms["fms"]["purchaser"], fms["fms"]["value_usd"], fms["fms"]["transmittal"]) == (
        "Japan",
        "900000000",
        "25-31",
    )
    assert any(
        "Prospective Purchaser: Government of Japan" in t for t in texts(app, "federal-register-arms-sales")
    )
    assert (await app.deliver()).sent == 1 and "FMS to Japan" in out.getvalue()

    # The next poll sees the same listing: unchanged (the stored full text does not make it "revised").
    again = await app.poll_pass()
    assert [(r.status, r.new, r.revised) for r in again.sources] in ([("unchanged", 0, 0)], [("ok", 0, 0)])
    assert server.hits("/fr/text/2025-06789.txt") == 1


@pytest.mark.parametrize(
    ("break_page", "named"),
    [
        pytest.param(lambda srv, path: srv.status(path, 503), "(http_status: HTTP 503", id="HTTP 503"),
        pytest.param(lambda srv, path: srv.status(path, 500), "(http_status: HTTP 500", id="HTTP 500"),
        pytest.param(lambda srv, path: srv.hang(path), "(timeout: ", id="timeout"),
    ],
)
async def test_full_text_failure_falls_back_to_the_summary_and_is_recorded_on_the_source(
    server: FeedServer,
    make_app: Any,
    caplog: pytest.LogCaptureFixture,
    break_page: Callable[[FeedServer, str], None],
    named: str,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The article page of a new item fails (an error status, or no answer within the source's timeout):
    the summary stands in, the poll stays ok, and its poll_log row and `pressmon sources` name the error
    until a later poll reads full texts again."""
    ctype = {"Content-Type": "application/json; charset=utf-8"}
    server.set("/fr/documents.json", json.dumps(fr_results(server, "2025-06512")).encode(), headers=ctype)
    sid = "federal-register-arms-sales"
    app, _ = make_app(
        like_shipped(server, sid, "/fr/documents.json", timeout=timedelta(seconds=1)), now=lambda: APRIL_14
    )
    await app.poll_pass()
    break_page(server, "/fr/text/2025-06789.txt")
    server.set(
        "/fr/documents.json",
        json.dumps(fr_results(server, "2025-06789", "2025-06512")).encode(),
        headers=ctype,
    )
    with caplog.at_level("WARNING", logger="pressmon.poll"):
        report = await app.poll_pass()
    assert [(r.status, r.new) for r in report.sources] == [("ok", 1)]
    assert facts(app, "fms-japan") == []  # the summary alone does not name Japan
    assert "The Department of Defense is publishing the unclassified text" in texts(app, sid)[-1]
    assert "full text of " in caplog.text and named in caplog.text and "summary used" in caplog.text

    with read_session(app.engine) as s:
        last = s.exec(
            select(PollLogRow).where(PollLogRow.source_id == sid).order_by(PollLogRow.id.desc())
        ).first()  # type: ignore[union-attr]
    assert last is not None and (last.status, last.error_kind) == ("ok", "full_text")
    url = server.url("/fr/text/2025-06789.txt")
    assert last.error is not None and last.error.startswith(f"full text of {url} not read {named}")
    assert last.error.endswith("; summary used")
    (overview,) = source_overview(app.engine)
    assert (overview.error_streak, overview.last_error, overview.full_text_problem) == (0, None, last.error)
    use_cli_env(monkeypatch, tmp_path, db_url=db_url)  # no feeds.yaml: the table shows the database's
    shown = CliRunner().invoke(cli, ["sources", "--json"])
    assert shown.exit_code == 0, shown.output
    ((state, problem),) = [(r["state"], r["full_text_problem"]) for r in json.loads(shown.stdout)]
    assert (state, problem) == ("ok", last.error)
    assert last.error in CliRunner().invoke(cli, ["sources"]).stdout.replace("\n", "")

    # Polls with nothing new keep showing it; a poll that reads its full texts clears it.
    await app.poll_pass()
    assert source_overview(app.engine)[0].full_text_problem == last.error
    server.set("/fr/text/2025-06789.txt", b"x", headers={"Content-Type": "text/plain"})  # answers again
    server.set(
        "/fr/text/2025-06512.txt",
        (FIXTURES / "fr_2025-06789.txt").read_bytes(),
        headers={"Content-Type": "text/html"},
    )
    revised = fr_results(server, "2025-06789", "2025-06512")
    revised["results"][1]["abstract"] += " Corrected."
    server.set("/fr/documents.json", json.dumps(revised).encode(), headers=ctype)
    report = await app.poll_pass()
    assert [(r.status, r.revised) for r in report.sources] == [("ok", 1)]
    assert source_overview(app.engine)[0].full_text_problem is None


def _by_page(*pages: dict[str, Any]) -> Callable[[FeedRequestHandler], None]:
    def route(req: FeedRequestHandler) -> None:
        n = int(req.path.rsplit("page=", 1)[1]) if "page=" in req.path else 1
        body = json.dumps(pages[n - 1]).encode()
        req.respond(200, body, {"Content-Type": "application/json; charset=utf-8"})

    return route


# --- politeness and adaptive intervals (issue 8 item 5) ----------------------------------------------


async def test_fetches_to_one_host_respect_the_per_host_limit(server: FeedServer, db_url: str) -> None:
    import threading
    import time

    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def slow(req: FeedRequestHandler) -> None:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.2)  # hold the request so that unlimited fetches would overlap
        with lock:
            state["now"] -= 1
        req.respond(200, ja_rss(JA_ITEMS[0]).encode(), {"Content-Type": "application/rss+xml"})

    for n in range(4):
        server.set_handler(f"/s{n}.xml", slow)
    config = Config(
        sources=tuple(source(server, f"s{n}", f"/s{n}.xml") for n in range(4)),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    settings = Settings(
        database_url=db_url, allow_private_networks=True, per_host_concurrency=1, per_host_spacing_seconds=0
    )
    app = App.build(settings, config, stream=io.StringIO())
    try:
        app.prepare_database(exclusive=False)
        report = await app.poll_pass()
        assert [r.status for r in report.sources] == ["ok"] * 4
        assert state["peak"] == 1
    finally:
        await app.aclose()


async def test_adaptive_interval_follows_the_sources_publishing(server: FeedServer, make_app: Any) -> None:
    """Three weeks of a source that publishes on Tuesday afternoons: polled more often then, at
    every_max on a Saturday night."""
    clock = {"now": datetime(2026, 11, 10, 14, 0, tzinfo=UTC)}  # a Tuesday
    published: list[tuple[str, str, str]] = [JA_ITEMS[0]]
    server.set_handler(
        "/mod.xml",
        lambda req: req.respond(200, ja_rss(*published).encode(), {"Content-Type": "application/rss+xml"}),
    )
    src = source(
        server, "mod-ja", "/mod.xml", jitter=0, every_min=timedelta(minutes=5), every_max=timedelta(hours=2)
    )
    app, _ = make_app(src, now=lambda: clock["now"])

    def next_due_in() -> timedelta:
        with read_session(app.engine) as s:
            row = s.get(SourceRow, "mod-ja")
            assert row is not None
            return row.next_due - clock["now"]

    await app.poll_pass()  # the baseline
    assert next_due_in() == timedelta(minutes=15)  # less than a day of history: `every`
    for week in range(3):
        for hour in (13, 14, 15):
            clock["now"] = datetime(2026, 11, 17, hour, 0, tzinfo=UTC) + timedelta(weeks=week)
            published.append((f"w{week}h{hour}", f"報道発表 {week}-{hour}", "本文"))
            await app.poll_pass()

    clock["now"] = datetime(2026, 12, 12, 23, 0, tzinfo=UTC)  # Saturday night
    await app.poll_pass()
    assert next_due_in() == timedelta(hours=2)

    clock["now"] = datetime(2026, 12, 8, 14, 0, tzinfo=UTC) + timedelta(weeks=1)  # Tuesday afternoon
    await app.poll_pass()
    assert timedelta(minutes=5) < next_due_in() < timedelta(hours=1)

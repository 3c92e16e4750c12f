"""Stories through the real poll pipeline (loopback HTTP server, SQLite and PostgreSQL): items join by
what they report, templated notices with differing facts stay apart, and a government's statement that
arrives after the news leads its story."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Source, Topic
from monitor.settings import Settings
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, OutboxRow, StoryKeyRow
from tests.support.httpserver import FeedServer


def rss(*items: tuple[str, str, str]) -> bytes:
    """(guid, title, description) -> RSS 2.0 bytes."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>https://example.org/a/{g}</link><description>{d}</description>"
        "<pubDate>Tue, 24 Nov 2026 21:55:00 GMT</pubDate></item>"
        for g, t, d in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
        f"<link>https://example.org/</link><description>x</description>{body}</channel></rss>"
    ).encode()


TOPICS = (
    Topic(id="fms", title="FMS", keywords=("Foreign Military Sale",)),
    Topic(id="investment", title="Japan-US investment", keywords=("invest", "investment", "投資")),
)
DSCA = (
    "WASHINGTON – The State Department has made a determination approving a possible Foreign Military Sale to "
    "the Government of {c} of AIM-120D Advanced Medium-Range Air-to-Air Missiles and related equipment for an "
    "estimated cost of ${v} billion. The Defense Security Cooperation Agency delivered the required "
    "certification notifying Congress of this possible sale today. The principal contractor will be RTX "
    "Corporation. Transmittal No. {t}."
)
PLEDGE_EN = (
    "Japan pledges $550 billion for U.S. projects",
    "Prime Minister Ishiba told reporters in Tokyo that Japan will invest $550 billion in American industry, "
    "a figure Commerce Secretary Howard Lutnick confirmed, as part of the deal that lowers the tariff on "
    "Japanese cars to 15%.",
)
PLEDGE_JA = (
    "日本、5500億ドルの対米投資を表明",
    "石破首相は、日本が米国に5500億ドルを投資すると表明した。ラトニック商務長官も確認した。日本車への関税は15%に引き下げられる。",
)
STATEMENT = (
    "Statement on Japan's $550 billion investment in the United States",
    "The Government of Japan will invest $550 billion in the United States. Prime Minister Ishiba and "
    "Secretary of Commerce Lutnick confirmed the commitment today; the tariff on Japanese automobiles will "
    "be 15 percent.",
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def config(server: FeedServer, *sources: tuple[str, tuple[str, ...]]) -> Config:
    return Config(
        sources=tuple(
            Source(
                id=i,
                url=server.url(f"/{i}.xml"),
                every=timedelta(minutes=15),
                timeout=1,
                deadline=1.5,
                tags=tags,
            )
            for i, tags in sources
        ),
        topics=TOPICS,
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )


@pytest.fixture
async def make_app(db_url: str) -> AsyncIterator[object]:
    apps: list[App] = []

    def build(cfg: Config) -> tuple[App, io.StringIO]:
        out = io.StringIO()
        app = App.build(Settings(database_url=db_url, allow_private_networks=True), cfg, stream=out)
        app.prepare_database(exclusive=False)
        apps.append(app)
        return app, out

    yield build
    for a in apps:
        await a.aclose()


async def _baseline(app: App, server: FeedServer, *ids: str) -> None:
    for i in ids:
        server.set(f"/{i}.xml", rss((f"{i}-old", "Weather", "Sunny in Tokyo")))
    await app.poll_pass()


def _stories(app: App) -> dict[str, int]:
    with read_session(app.engine) as s:
        return {
            r.item_key: int(r.story_id or 0)
            for r in s.exec(select(ItemRow))
            if not r.item_key.endswith("-old")
        }


async def test_dsca_notices_for_poland_and_japan_from_two_sources_are_two_stories(
    server: FeedServer, make_app: object
) -> None:
    app, out = make_app(config(server, ("dsca", ("us-gov",)), ("fedreg", ())))  # type: ignore[operator]
    await _baseline(app, server, "dsca", "fedreg")
    server.set("/dsca.xml", rss(("pl", "Poland – AIM-120D", DSCA.format(c="Poland", v="1.69", t="26-12"))))
    await app.poll_pass()
    server.set(
        "/fedreg.xml", rss(("jp", "Arms Sales Notification", DSCA.format(c="Japan", v="1.2", t="26-14")))
    )
    await app.poll_pass()
    stories = _stories(app)
    assert stories["g:pl"] != stories["g:jp"], stories
    await app.deliver()
    text = out.getvalue()
    assert text.count("━━ NEW ━━") == 2 and "ALSO REPORTED" not in text, text
    with read_session(app.engine) as s:  # both are in the story index, keyed by text and by facts
        rows = list(s.exec(select(StoryKeyRow)))
        assert {r.story_id for r in rows} >= set(stories.values())  # baseline items are indexed too
        mine = [r for r in rows if r.story_id in stories.values()]
        assert any(r.key < 0 for r in mine) and any(r.key >= 0 for r in mine)


async def test_japanese_and_english_reports_of_one_pledge_are_one_story(
    server: FeedServer, make_app: object
) -> None:
    app, out = make_app(config(server, ("reuters", ()), ("nhk", ())))  # type: ignore[operator]
    await _baseline(app, server, "reuters", "nhk")
    server.set("/reuters.xml", rss(("en", *PLEDGE_EN)))
    await app.poll_pass()
    server.set("/nhk.xml", rss(("ja", *PLEDGE_JA)))
    await app.poll_pass()
    stories = _stories(app)
    assert stories["g:en"] == stories["g:ja"], stories
    await app.deliver()
    text = out.getvalue()
    assert text.count("━━ NEW ━━") == 1 and text.count("━━ ALSO REPORTED ━━") == 1, text
    assert "same event as story" in text and "USD:5.5e+11" in text
    with read_session(app.engine) as s:
        rows = {r.kind: r for r in s.exec(select(OutboxRow))}
        assert rows["also-reported"].thread_key == rows["new"].alert_key


async def test_a_government_statement_after_two_news_reports_leads_the_story(
    server: FeedServer, make_app: object
) -> None:
    app, out = make_app(config(server, ("reuters", ()), ("nhk", ()), ("kantei", ("jp-gov",))))  # type: ignore[operator]
    await _baseline(app, server, "reuters", "nhk", "kantei")
    server.set("/reuters.xml", rss(("en", *PLEDGE_EN)))
    await app.poll_pass()
    server.set("/nhk.xml", rss(("ja", *PLEDGE_JA)))
    await app.poll_pass()
    server.set("/kantei.xml", rss(("gov", *STATEMENT)))
    await app.poll_pass()
    stories = _stories(app)
    assert stories["g:en"] == stories["g:ja"] == stories["g:gov"], stories
    await app.deliver()
    text = out.getvalue()
    assert "━━ OFFICIAL STATEMENT PUBLISHED ━━ kantei" in text, text
    official = text[text.index("OFFICIAL STATEMENT PUBLISHED") :]
    assert official.splitlines()[2].strip() == "https://example.org/a/gov"  # the statement's link comes first
    with read_session(app.engine) as s:
        gov = next(r for r in s.exec(select(ItemRow)) if r.item_key == "g:gov")
        assert gov.primary_source
        row = next(r for r in s.exec(select(OutboxRow)) if r.alert_key.startswith("also-reported:kantei"))
        assert row.payload["official"] is True and row.payload["primary"] is True


async def test_a_storys_first_alert_is_new_when_an_item_matching_no_topic_started_it(
    server: FeedServer, make_app: Callable[[Config], tuple[App, io.StringIO]]
) -> None:
    """A report matching no topic (here: the pledge without the word "invest") still starts a story, so
    a later report of the same event joins it; but nobody was told of that story, so the later report's
    alert is the story's first: ``new``, not ``also-reported`` (which read as an update of an alert the
    analyst never got), and the story's later items thread under it."""
    app, _ = make_app(config(server, ("wire", ()), ("news", ()), ("agency", ())))
    await _baseline(app, server, "wire", "news", "agency")
    unmatched = PLEDGE_EN[1].replace("invest $550 billion in", "put $550 billion into")
    server.set("/wire.xml", rss(("w1", PLEDGE_EN[0], unmatched)))
    await app.poll_pass()
    server.set("/news.xml", rss(("n1", *PLEDGE_EN)))
    await app.poll_pass()
    server.set("/agency.xml", rss(("a1", *PLEDGE_JA)))
    await app.poll_pass()
    stories = _stories(app)
    assert stories["g:w1"] == stories["g:n1"] == stories["g:a1"]
    with read_session(app.engine) as s:
        alerts = sorted((r.kind, r.alert_key, r.thread_key) for r in s.exec(select(OutboxRow)))
    first = alerts[1][1]
    assert first.startswith("new:news:")
    assert [(k, t) for k, _, t in alerts] == [("also-reported", first), ("new", first)]


async def test_polls_of_one_burst_read_story_candidates_only_inside_their_commit(
    server: FeedServer,
    make_app: Callable[[Config], tuple[App, io.StringIO]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three sources carrying one pledge, polled in one pass: each poll's stories are decided once,
    inside the batched writer's transaction, where a poll committed earlier in the burst is already
    visible (no candidate read before the commit that a commit of the same burst would make stale), and
    the three reports are one story with one new alert."""
    from monitor.store import story_keys

    outside: list[int] = []
    inside: list[int] = []
    before, within = story_keys.story_lookup, story_keys.story_lookup_in
    monkeypatch.setattr(story_keys, "story_lookup", lambda *a, **k: outside.append(1) or before(*a, **k))
    monkeypatch.setattr(story_keys, "story_lookup_in", lambda *a, **k: inside.append(1) or within(*a, **k))
    app, _ = make_app(config(server, ("reuters", ()), ("nhk", ()), ("wire", ())))
    await _baseline(app, server, "reuters", "nhk", "wire")
    server.set("/reuters.xml", rss(("en", *PLEDGE_EN)))
    server.set("/nhk.xml", rss(("ja", *PLEDGE_JA)))
    server.set("/wire.xml", rss(("w", *STATEMENT)))
    await app.poll_pass()
    stories = _stories(app)
    assert stories["g:en"] == stories["g:ja"] == stories["g:w"], stories
    assert outside == [] and len(inside) == 3
    with read_session(app.engine) as s:
        kinds = sorted(r.kind for r in s.exec(select(OutboxRow)))
    assert kinds == ["also-reported", "also-reported", "new"]

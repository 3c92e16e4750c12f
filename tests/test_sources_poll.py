"""Every source kind end to end against the loopback server (issue 8 "done when"): each yields the right
items, matches and facts, and the poll log says which encoding each fetch was read with."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from monitor.app import App
from monitor.config.schema import Config, ConsoleReceiver, Route, Source, Topic
from monitor.settings import Settings
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, MentionRow, PollLogRow, RevisionRow
from tests.support.httpserver import FeedServer

FMS_JA = Topic(id="fms-japan-ja", title="対日FMS", keywords=("対外有償軍事援助",), facts=("money",))
FMS_EN = Topic(
    id="fms-japan",
    title="FMS to Japan",
    keywords=("Foreign Military Sale", "Arms Sales Notification"),
    requires=(("Japan",),),
    facts=("money",),
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
async def make_app(db_url: str) -> AsyncIterator[Any]:
    apps: list[App] = []

    def build(*sources: Source) -> tuple[App, io.StringIO]:
        config = Config(
            sources=sources,
            topics=(FMS_JA, FMS_EN),
            routes=(Route(to=("console",)),),
            receivers={"console": ConsoleReceiver()},
        )
        out = io.StringIO()
        app = App.build(Settings(database_url=db_url, allow_private_networks=True), config, stream=out)
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

"""The issue's done-when checks against the shipped feeds.yaml: an FMS headline without the words
Foreign Military Sale, a Japanese government readout that never writes 日本 polled from a source that
implies Japan, and a Bank of Japan citation that no longer vetoes a tariff story."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.app import App
from monitor.cli import app as cli
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.loader import load_config
from monitor.config.schema import Config, Source
from monitor.match.topics import TopicMatcher
from monitor.settings import Settings
from tests.support.httpserver import FeedServer

SHIPPED = Path(__file__).resolve().parent.parent / "feeds.yaml"
runner = CliRunner()


def test_fms_headline_without_the_words_foreign_military_sale() -> None:
    headline = "DSCA approves possible sale to Japan of SM-6 missiles for $900 million"
    result = runner.invoke(cli, ["topics", "test", "--config", str(SHIPPED), "--text", headline])
    assert result.exit_code == 0, result.output
    assert "MATCH fms-japan" in result.output
    assert "FMS: purchaser Japan · system SM-6 missiles · value $900 million" in result.output


def test_topics_test_exits_1_when_text_matches_nothing() -> None:
    result = runner.invoke(cli, ["topics", "test", "--config", str(SHIPPED), "--text", "weather in Osaka"])
    assert result.exit_code == 1
    assert "0 of 1 samples matched" in result.output


def test_topics_test_source_passes_its_implied_concepts() -> None:
    text = "米国産LNGの調達拡大について協議した。液化天然ガスの長期契約を結ぶ方針を確認した。"
    args = ["topics", "test", "--config", str(SHIPPED), "-t", "us-lng-japan", "--text", text]
    plain = runner.invoke(cli, args)
    assert plain.exit_code == 1 and "near miss us-lng-japan" in plain.output
    implied = runner.invoke(cli, [*args, "--source", "kantei-ja"])
    assert implied.exit_code == 0, implied.output
    assert "MATCH us-lng-japan" in implied.output


def test_bank_of_japan_data_no_longer_vetoes_a_tariff_story() -> None:
    config = load_config(SHIPPED)
    topics = TopicMatcher(config.topics, config.concepts)
    title = "Japan's exporters brace for 25% U.S. auto tariff"
    text = "Bank of Japan data show exports to the United States fell 10% in the month before the levy."
    assert [m.topic_id for m in topics.match(title=title, text=text)] == ["tariffs-japan"]
    # the masked name alone is not Japan acting
    lone = "Bank of Japan data show U.S. tariffs weigh on Asian exporters."
    assert topics.match(title="Asian exports slow", text=lone) == []


def rdf(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>https://www.kantei.go.jp/jp/{g}</link><description>{d}</description>"
        "<pubDate>Tue, 24 Nov 2026 21:55:00 GMT</pubDate></item>"
        for g, t, d in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>首相官邸</title>"
        f"<link>https://www.kantei.go.jp/</link><description>x</description>{body}</channel></rss>"
    ).encode()


OLD = ("1", "閣議の概要について", "本日の閣議では、一般案件を決定しました。")
LNG = (
    "2",
    "米国産LNGの調達拡大に関する関係閣僚会議",
    "米国産液化天然ガスの調達拡大に向け、電力・ガス事業者との長期契約を後押しする方針を確認しました。",
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
async def apps() -> AsyncIterator[list[App]]:
    made: list[App] = []
    yield made
    for a in made:
        await a.aclose()


@pytest.mark.parametrize(("implies", "alerted"), [(("japan",), True), ((), False)])
async def test_kantei_readout_without_nihon_alerts_when_the_source_implies_japan(
    server: FeedServer, apps: list[App], db_url: str, implies: tuple[str, ...], alerted: bool
) -> None:
    shipped = load_config(SHIPPED)
    source = Source(
        id="kantei-ja",
        url=server.url("/kantei.rdf"),
        every=timedelta(minutes=15),
        timeout=1,
        deadline=1.5,
        lang="ja",
        implies=implies,
    )
    config = Config(
        sources=(source,),
        concepts=shipped.concepts,
        topics=shipped.topics,
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    out = io.StringIO()
    app = App.build(Settings(database_url=db_url, allow_private_networks=True), config, stream=out)
    app.prepare_database(exclusive=False)
    apps.append(app)
    server.set("/kantei.rdf", rdf(OLD), etag='"v1"')
    await app.poll_pass()  # the baseline
    server.set("/kantei.rdf", rdf(OLD, LNG), etag='"v2"')
    second = await app.poll_pass()
    assert second.sources[0].new == 1
    assert second.sources[0].alerts == (1 if alerted else 0)
    await app.deliver()
    assert ("US LNG and Japan" in out.getvalue()) is alerted


CANADA = (
    "3",
    "カナダ産自動車への関税 米国が25%に引き上げ",
    "米国はカナダ産の自動車に対する関税を25%に引き上げると発表した。",
)
# A tariff story whose Japanese actors the concepts do not know (parts makers, never 日本): a near miss.
PARTS = (
    "4",
    "部品メーカー各社、米国の追加関税で減益見通し",
    "部品メーカー各社は、米国が課す25%の追加関税により今期の利益が大きく減るとの見通しを示した。",
)


async def test_near_misses_are_recorded_with_the_poll_listed_and_never_alerted(
    server: FeedServer, apps: list[App], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from sqlmodel import select

    from monitor.notify.digest import digest_context, render_digest
    from monitor.store.engine import read_session
    from monitor.store.misses import collect_near_misses
    from monitor.store.models import NearMissRow, OutboxRow

    shipped = load_config(SHIPPED)
    source = Source(id="nhk", url=server.url("/nhk.rdf"), timeout=1, deadline=1.5, lang="ja")
    config = Config(
        sources=(source,),
        concepts=shipped.concepts,
        topics=shipped.topics,
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )
    app = App.build(Settings(database_url=db_url, allow_private_networks=True), config, stream=io.StringIO())
    app.prepare_database(exclusive=False)
    apps.append(app)
    server.set("/nhk.rdf", rdf(OLD), etag='"v1"')
    await app.poll_pass()
    server.set("/nhk.rdf", rdf(OLD, CANADA, PARTS), etag='"v2"')
    second = await app.poll_pass()
    assert (second.sources[0].new, second.sources[0].alerts) == (2, 0)
    with read_session(app.engine) as s:
        misses = list(s.exec(select(NearMissRow)))
        assert list(s.exec(select(OutboxRow))) == []
    # Canada's tariff story is Canada's (its title names it): not a possible miss for Japan.
    assert [(m.topic_id, m.reason) for m in misses] == [
        ("tariffs-japan", "no @japan; the rest of the topic holds")
    ]
    stored = collect_near_misses(app.engine, start=misses[0].created_at - timedelta(minutes=1))
    assert [(m.topic_id, m.source_id, m.title) for m in stored] == [("tariffs-japan", "nhk", PARTS[1])]

    monkeypatch.setenv("PRESSMON_DATABASE_URL", db_url)
    listed = runner.invoke(cli, ["topics", "misses", "--since", "7d", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["topic"], r["source"], r["reason"]) for r in rows] == [
        ("tariffs-japan", "nhk", "no @japan; the rest of the topic holds")
    ]

    ctx = digest_context(
        digest_id="d",
        title="d",
        period_start=stored[0].seen_at - timedelta(hours=1),
        period_end=stored[0].seen_at + timedelta(hours=1),
        tz="Asia/Tokyo",
        alerts=[],
        misses=[
            {"topic_title": "US tariffs affecting Japan", "title": m.title, "reason": m.reason}
            for m in stored
        ],
    )
    text, html = render_digest(ctx)
    assert "== Possible misses (not alerted) ==" in text and PARTS[1] in text
    assert "Possible misses" in html and "no @japan" in html


def test_relevance_bench_lists_blind_items_only_when_asked() -> None:
    from bench.relevance import Entry, report

    def entry(i: str, labels: frozenset[str]) -> Entry:
        return Entry(i, "reuters", "en", f"title {i}", "text", labels, "", "x.yaml")

    sets = {
        "tuning": [entry("tune-miss", frozenset({"t"}))],
        "blind": [entry("blind-miss", frozenset({"t"}))],
    }
    matchers = {"pressmon": lambda title, text, source, lang: set()}
    quiet = "\n".join(report(sets, ["t"], matchers, verbose=True))  # type: ignore[dict-item]
    assert "tune-miss" in quiet and "blind-miss" not in quiet
    assert "blind: not listed" in quiet
    shown = "\n".join(report(sets, ["t"], matchers, verbose=True, show_blind_items=True))  # type: ignore[dict-item]
    assert "blind-miss" in shown

"""Poll end to end against a real loopback HTTP server: baseline, new, revised, and broken sources that
must change nothing stored (RELIABILITY G4, cases 1, 5, 6, 7)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Source, Topic
from monitor.settings import Settings
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, OutboxRow, PollLogRow, RevisionRow, SourceRow
from tests.support.httpserver import FeedRequestHandler, FeedServer


def rss(*items: tuple[str, str, str]) -> bytes:
    """(guid, title, description) -> RSS 2.0 bytes."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{g}</guid><title>{t}</title>"
        f"<link>https://www.dsca.mil/a/{g}</link><description>{d}</description>"
        "<pubDate>Tue, 24 Nov 2026 21:55:00 GMT</pubDate></item>"
        for g, t, d in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>DSCA</title>"
        f"<link>https://www.dsca.mil/</link><description>x</description>{body}</channel></rss>"
    ).encode()


POLAND = ("1", "Poland – AIM-120D", "a possible Foreign Military Sale to the Government of Poland")
JAPAN = ("2", "Japan – SM-6", "a possible Foreign Military Sale to the Government of Japan for $1.0 billion")
JAPAN_EDITED = (
    "2",
    "Japan – SM-6",
    "a possible Foreign Military Sale to the Government of Japan for $1.2 billion",
)
FMS = Topic(id="fms-japan", title="FMS to Japan", keywords=("Foreign Military Sale",), requires=(("Japan",),))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def make_config(server: FeedServer, *ids: str) -> Config:
    return Config(
        sources=tuple(
            Source(id=i, url=server.url(f"/{i}.xml"), every=timedelta(minutes=15), timeout=1, deadline=1.5)
            for i in ids
        ),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )


@pytest.fixture
async def make_app(db_url: str) -> AsyncIterator[object]:
    apps: list[App] = []

    def build(config: Config, **kw: object) -> tuple[App, io.StringIO]:
        out = io.StringIO()
        settings = Settings(database_url=db_url, allow_private_networks=True)
        app = App.build(settings, config, stream=out, **kw)  # type: ignore[arg-type]
        app.prepare_database(exclusive=False)
        apps.append(app)
        return app, out

    yield build
    for a in apps:
        await a.aclose()


def snapshot(engine: sa.Engine) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    with read_session(engine) as s:
        items = [(r.source_id, r.item_key, r.content_hash, r.revision_count) for r in s.exec(select(ItemRow))]
        revs = [(r.item_id, r.seq, r.content_hash) for r in s.exec(select(RevisionRow))]
        outbox = len(list(s.exec(select(OutboxRow))))
    return sorted(items), sorted(revs), outbox


async def test_baseline_then_new_then_revised(server: FeedServer, make_app: object) -> None:
    server.set("/dsca.xml", rss(POLAND), etag='"v1"')
    app, out = make_app(make_config(server, "dsca"))  # type: ignore[operator]

    first = await app.poll_pass()
    assert [(r.status, r.new, r.alerts, r.baseline) for r in first.sources] == [("ok", 1, 0, True)]
    assert (await app.deliver()).sent == 0

    second = await app.poll_pass()  # 304: nothing to do
    assert second.sources[0].status == "not_modified"
    assert server.last_request("/dsca.xml").headers["if-none-match"] == '"v1"'

    server.set("/dsca.xml", rss(POLAND, JAPAN), etag='"v2"')
    third = await app.poll_pass()
    assert [(r.new, r.revised, r.alerts) for r in third.sources] == [(1, 0, 1)]
    assert (await app.deliver()).sent == 1
    text = out.getvalue()
    assert "Japan – SM-6" in text and "FMS to Japan" in text and "https://www.dsca.mil/a/2" in text
    assert "Poland" not in text

    server.set("/dsca.xml", rss(POLAND, JAPAN_EDITED), etag='"v3"')
    fourth = await app.poll_pass()
    assert [(r.new, r.revised, r.alerts) for r in fourth.sources] == [(0, 1, 1)]
    assert (await app.deliver()).sent == 1
    assert "REVISED" in out.getvalue() and "$1.2 billion" in out.getvalue()

    # Delivering again, or polling the same content again, sends nothing more.
    server.set("/dsca.xml", rss(POLAND, JAPAN_EDITED), etag='"v4"')
    await app.poll_pass()
    assert (await app.deliver()).sent == 0
    items, revs, outbox = snapshot(app.engine)
    assert len(items) == 2 and len(revs) == 3 and outbox == 2


BROKEN = {
    "hang": lambda s, p: s.hang(p),
    "http-500": lambda s, p: s.status(p, 500),
    "html-200": lambda s, p: s.set(
        p,
        b"<html><head><title>Just a moment...</title></head><body>challenge</body></html>",
        content_type="text/html",
    ),
    "empty-channel": lambda s, p: s.set(p, rss()),
    "http-410": lambda s, p: s.status(p, 410),
}


@pytest.mark.parametrize("kind", list(BROKEN))
async def test_broken_source_changes_nothing_and_backs_off(
    server: FeedServer, make_app: object, kind: str
) -> None:
    server.set("/bad.xml", rss(POLAND, JAPAN))
    server.set("/good.xml", rss(POLAND))
    app, _ = make_app(make_config(server, "bad", "good"))  # type: ignore[operator]
    await app.poll_pass()
    before = snapshot(app.engine)

    BROKEN[kind](server, "/bad.xml")
    server.set("/good.xml", rss(POLAND, JAPAN))
    report = await app.poll_pass()
    by_id = {r.source_id: r for r in report.sources}
    assert by_id["bad"].status == "error", by_id["bad"]
    assert by_id["bad"].error and by_id["bad"].error.split(":")[0] in ("fetch", "parse")
    assert by_id["good"].new == 1 and by_id["good"].alerts == 1  # the others keep polling

    after = snapshot(app.engine)
    bad_before = [i for i in before[0] if i[0] == "bad"]
    assert [i for i in after[0] if i[0] == "bad"] == bad_before
    with read_session(app.engine) as s:
        row = s.get(SourceRow, "bad")
        assert row is not None and row.error_streak == 1 and row.last_error
        assert row.lease_token is None
        logs = list(s.exec(select(PollLogRow).where(PollLogRow.source_id == "bad").order_by(PollLogRow.id)))  # type: ignore[arg-type]
        assert [log.status for log in logs] == ["ok", "error"]

    # The source recovers with the original feed: nothing is new again (G4), the streak resets.
    server.set("/bad.xml", rss(POLAND, JAPAN))
    again = await app.poll_pass(["bad"])
    assert [(r.new, r.revised, r.alerts) for r in again.sources] == [(0, 0, 0)]
    assert again.sources[0].status in ("ok", "unchanged")
    with read_session(app.engine) as s:
        row = s.get(SourceRow, "bad")
        assert row is not None and row.error_streak == 0


async def test_failing_source_backs_off_exponentially(server: FeedServer, make_app: object) -> None:
    server.status("/bad.xml", 503, retry_after="3600")
    app, _ = make_app(make_config(server, "bad"))  # type: ignore[operator]
    for _ in range(3):
        await app.poll_pass()
    with read_session(app.engine) as s:
        row = s.get(SourceRow, "bad")
        assert row is not None and row.error_streak == 3
        assert row.last_error == "fetch: bad: HTTP 503 Service Unavailable" or "503" in (row.last_error or "")
        assert row.next_due - app.now() >= timedelta(minutes=59)  # Retry-After honoured as a floor


async def test_source_health_alert_after_threshold_and_on_recovery(
    server: FeedServer, make_app: object
) -> None:
    """RELIABILITY case 7: a source that used to work returns 410; after the threshold one source-health
    alert is raised (not one per poll), polling continues, and recovery raises one resolved alert."""
    server.set("/dsca.xml", rss(POLAND))
    config = make_config(server, "dsca")
    src = config.sources[0].model_copy(update={"health_alert_after": timedelta(minutes=30)})
    config = config.model_copy(update={"sources": (src,)})
    clock = [datetime(2026, 11, 25, 12, 0, tzinfo=UTC)]
    app, out = make_app(config, now=lambda: clock[0])  # type: ignore[operator]
    await app.poll_pass()

    server.status("/dsca.xml", 410)
    for minutes in (10, 20, 40, 80, 160):
        clock[0] = datetime(2026, 11, 25, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
        report = await app.poll_pass()
        assert report.sources[0].status == "error"
    await app.deliver()
    assert out.getvalue().count("SOURCE FAILING") == 1
    assert "HTTP 410" in out.getvalue()

    server.set("/dsca.xml", rss(POLAND))
    clock[0] += timedelta(hours=1)
    await app.poll_pass()
    await app.poll_pass()
    await app.deliver()
    assert out.getvalue().count("SOURCE RECOVERED") == 1
    with read_session(app.engine) as s:
        row = s.get(SourceRow, "dsca")
        assert row is not None and row.error_streak == 0 and row.failing_since is None


async def test_guids_regenerated_every_fetch_switch_to_url_keys_without_a_flood(
    server: FeedServer, make_app: object
) -> None:
    """RELIABILITY case 13 / DESIGN: a CMS that mints new GUIDs on every fetch, links stable."""

    def feed(gen: int, extra: bool = False) -> bytes:
        items = [
            (f"gen{gen}-{n}", f"Japan – item {n}", f"a possible Foreign Military Sale to Japan no. {n}")
            for n in range(4)
        ]
        body = rss(*items)
        # rss() derives links from the guid; give every generation the same links instead.
        for n in range(4):
            body = body.replace(f"/a/gen{gen}-{n}<".encode(), f"/a/item-{n}<".encode())
        return body

    server.set("/dsca.xml", feed(1))
    app, out = make_app(make_config(server, "dsca"))  # type: ignore[operator]
    await app.poll_pass()
    server.set("/dsca.xml", feed(2))
    second = await app.poll_pass()
    server.set("/dsca.xml", feed(3))
    third = await app.poll_pass()
    assert (await app.deliver()).sent == 0, out.getvalue()
    assert [r.alerts for r in second.sources + third.sources] == [0, 0]
    assert third.sources[0].new == 0
    with read_session(app.engine) as s:
        row = s.get(SourceRow, "dsca")
        assert row is not None and row.key_mode == "url"


STATEMENT = (
    "Japan and the United States issued a joint statement on investment on Tuesday. Japan will invest "
    "$1 trillion in the United States by January 19, 2029, in projects selected by an investment committee "
    "chaired by the Secretary of Commerce, including energy, semiconductors, pharmaceuticals and shipbuilding, "
    "and the two governments will review progress every six months. A possible Foreign Military Sale to the "
    "Government of Japan was also discussed."
)


async def test_same_story_from_two_sources_in_one_pass_alerts_once_then_also_reported(
    server: FeedServer, make_app: object
) -> None:
    """Both sources are polled concurrently; the second to commit sees the first's item and joins its
    story (also-reported, threaded under the first alert) instead of alerting as new."""
    server.set("/wh.xml", rss(POLAND))
    server.set("/wire.xml", rss(("w0", "Unrelated", "Weather in Tokyo")))
    app, out = make_app(make_config(server, "wh", "wire"))  # type: ignore[operator]
    await app.poll_pass()
    server.set("/wh.xml", rss(POLAND, ("s1", "Joint Statement on U.S.-Japan Investment", STATEMENT)))
    wire = "WASHINGTON (Kyodo) -- " + STATEMENT.replace("on Tuesday", "on Tuesday, officials said")
    server.set(
        "/wire.xml", rss(("w0", "Unrelated", "Weather in Tokyo"), ("w1", "Japan pledges $1 trillion", wire))
    )
    report = await app.poll_pass()
    assert sorted(r.new for r in report.sources) == [1, 1]
    await app.deliver()
    text = out.getvalue()
    assert text.count("━━ NEW ━━") == 1 and text.count("━━ ALSO REPORTED ━━") == 1, text
    with read_session(app.engine) as s:
        stories = {r.story_id for r in s.exec(select(ItemRow)) if r.item_key in ("g:s1", "g:w1")}
        assert len(stories) == 1
        kinds = sorted(r.kind for r in s.exec(select(OutboxRow)))
        assert kinds == ["also-reported", "new"]
        rows = {r.kind: r for r in s.exec(select(OutboxRow))}
        assert rows["also-reported"].thread_key == rows["new"].alert_key


async def test_statement_gone_from_listing_and_404_is_withdrawn(server: FeedServer, make_app: object) -> None:
    def feed(*items: tuple[str, str, str]) -> bytes:
        body = rss(*items)
        for g, _, _ in items:
            body = body.replace(f"https://www.dsca.mil/a/{g}<".encode(), f"{server.url('/a/' + g)}<".encode())
        return body

    other = (
        "3",
        "Japan – PAC-3",
        "a possible Foreign Military Sale to the Government of Japan of PAC-3 missiles",
    )
    server.set("/dsca.xml", feed(POLAND))
    app, out = make_app(make_config(server, "dsca"))  # type: ignore[operator]
    await app.poll_pass()
    server.set("/dsca.xml", feed(POLAND, JAPAN, other))
    await app.poll_pass()
    await app.deliver()
    # Both Japan statements leave the listing: one is withdrawn (410), the other still answers.
    server.status("/a/2", 410)
    server.set("/a/3", b"<html>still here</html>", content_type="text/html")
    server.set("/dsca.xml", feed(POLAND))
    report = await app.poll_pass()
    assert report.sources[0].alerts == 1
    await app.deliver()
    text = out.getvalue()
    assert text.count("━━ WITHDRAWN ━━") == 1 and "Japan – SM-6" in text.split("WITHDRAWN")[1]
    assert "HTTP 410" in text
    probes = server.hits("/a/3")
    server.set("/dsca.xml", feed(POLAND, ("4", "Weather", "Sunny in Tokyo")))
    await app.poll_pass()  # a changed listing: still not probed again while it stays unlisted
    assert server.hits("/a/3") == probes
    with read_session(app.engine) as s:
        withdrawn = [r.item_key for r in s.exec(select(ItemRow)) if r.withdrawn_at is not None]
        assert withdrawn == ["g:2"]


async def test_linkless_items_with_a_new_guid_on_every_fetch_never_realert(
    server: FeedServer, make_app: object
) -> None:
    """Issue 8 item 6: no links, and the GUIDs are minted afresh on every request. Recognised by content
    within the source: polled again and again, nothing re-alerts; a really new statement alerts once."""
    statements = [
        ("Japan – SM-6", "a possible Foreign Military Sale to the Government of Japan for $900 million"),
        ("Poland – AIM-120D", "a possible Foreign Military Sale to the Government of Poland"),
        ("Japan – E-2D", "a possible Foreign Military Sale to the Government of Japan for $1.4 billion"),
        ("Korea – F-35", "a possible Foreign Military Sale to the Government of Korea"),
    ]
    fetches = iter(range(1, 100))

    def hostile(req: FeedRequestHandler, items: list[tuple[str, str]]) -> None:
        gen = next(fetches)
        body = "".join(
            f"<item><guid isPermaLink='false'>urn:uuid:{gen}-{n}</guid><title>{t}</title>"
            f"<description>{d}</description></item>"
            for n, (t, d) in enumerate(items)
        )
        rss_body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>{body}</channel></rss>"
        req.respond(200, rss_body.encode(), {"Content-Type": "application/rss+xml"})

    server.set_handler("/hostile.xml", lambda req: hostile(req, statements))
    app, out = make_app(make_config(server, "hostile"))  # type: ignore[operator]
    reports = [await app.poll_pass() for _ in range(3)]
    assert [(r.sources[0].status, r.sources[0].alerts) for r in reports] == [("ok", 0)] * 3
    assert (await app.deliver()).sent == 0, out.getvalue()

    newest = (
        "Japan – Tomahawk",
        "a possible Foreign Military Sale to the Government of Japan for $2.35 billion",
    )
    server.set_handler("/hostile.xml", lambda req: hostile(req, [newest, *statements]))
    fourth, fifth = await app.poll_pass(), await app.poll_pass()
    assert [(r.sources[0].new, r.sources[0].alerts) for r in (fourth, fifth)] == [(1, 1), (0, 0)]
    assert (await app.deliver()).sent == 1
    assert "Tomahawk" in out.getvalue() and "SM-6" not in out.getvalue()


async def test_gone_candidates_are_the_latest_unlisted_items_with_topics(
    server: FeedServer, make_app: object
) -> None:
    """Withdrawal candidates: items of this source missing from the listing whose latest revision has a
    topic mention, most recently seen first, at most ``limit``; listed or topic-less items never."""
    from monitor.store import poll_reads

    japan = [
        (str(n), f"Japan – system {n}", f"a possible Foreign Military Sale to Japan of {n} radars")
        for n in range(10, 17)
    ]
    weather = [("w1", "Weather", "Sunny in Tokyo"), ("w2", "Sports", "Baseball in Osaka")]
    server.set("/dsca.xml", rss(*japan, *weather))
    app, _ = make_app(make_config(server, "dsca"))  # type: ignore[operator]
    await app.poll_pass()
    now = datetime.now(UTC)
    listed = ["g:10", "g:11", "w1"]
    found = poll_reads.gone_candidates(app.engine, "dsca", listed, now=now, limit=3)
    assert len(found) == 3
    assert {c.item_key for c in found} <= {f"g:{n}" for n in range(12, 17)}
    assert all(c.topic_ids == ("fms-japan",) and c.revision == 1 and c.url for c in found)
    every = poll_reads.gone_candidates(app.engine, "dsca", listed, now=now, limit=10)
    assert sorted(c.item_key for c in every) == [f"g:{n}" for n in range(12, 17)]
    assert poll_reads.gone_candidates(app.engine, "dsca", listed, now=now + timedelta(days=3)) == []

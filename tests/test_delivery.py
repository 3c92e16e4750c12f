"""Delivery wired end to end: feeds.yaml receivers -> App -> real receivers on loopback (the fake Slack
Web API through slack-sdk, a webhook endpoint), and the webhook receiver's contract."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route, SlackReceiver, WebhookReceiver
from monitor.config.schema import Config, Source, Topic
from monitor.errors import ConfigError, DeliveryError
from monitor.notify.console import ConsoleNotifier
from monitor.notify.samples import sample_alert
from monitor.notify.webhook import WebhookNotifier, sign
from monitor.render import Renderer
from monitor.settings import Settings
from monitor.wiring import build_notifiers
from tests.support.fakeslack import TOKEN, FakeSlack
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.test_poll import FMS, JAPAN, JAPAN_EDITED, POLAND, rss
from tests.test_slack import alert as slack_alert

ALERT = {
    "alert_key": "new:dsca:abc",
    "kind": "new",
    "source_id": "dsca",
    "source_title": "DSCA",
    "title": "Japan – SM-6 <b>",
    "url": "https://www.dsca.mil/a/2",
}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(min_interval_s=0.0)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
async def app_with_slack(
    server: FeedServer, slack: FakeSlack, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    monkeypatch.setenv("TEST_SLACK_TOKEN", TOKEN)
    config = Config(
        sources=(Source(id="dsca", title="DSCA Major Arms Sales", url=server.url("/dsca.xml")),),
        topics=(FMS,),
        routes=(Route(to=("slack",)),),
        receivers={
            "slack": SlackReceiver(kind="slack", channel="C123", token_env="TEST_SLACK_TOKEN", pace_s=0),
            "console": ConsoleReceiver(),
        },
        operator=("console",),
    )
    settings = Settings(database_url=sqlite_url, allow_private_networks=True, slack_api_url=slack.base_url)
    app = App.build(settings, config, stream=io.StringIO())
    app.prepare_database(exclusive=False)
    yield app
    await app.aclose()


async def test_new_and_revised_reach_slack_once_revision_in_thread(
    app_with_slack: App, server: FeedServer, slack: FakeSlack
) -> None:
    app = app_with_slack
    server.set("/dsca.xml", rss(POLAND), etag='"1"')
    await app.poll_pass()
    server.set("/dsca.xml", rss(POLAND, JAPAN), etag='"2"')
    await app.poll_pass()
    assert (await app.deliver()).sent == 1
    server.set("/dsca.xml", rss(POLAND, JAPAN_EDITED), etag='"3"')
    await app.poll_pass()
    assert (await app.deliver()).sent == 1
    assert (await app.deliver()).sent == 0
    first, revision = slack.messages("C123")
    assert "Japan – SM-6" in (first.text or "")
    assert first.metadata and first.metadata["event_payload"]["alert_key"].startswith("new:dsca:")
    assert revision.thread_ts == first.ts
    assert "$1.2 billion" in json.dumps(revision.blocks)


async def test_feed_title_cannot_mention_or_spoof_links(
    app_with_slack: App, server: FeedServer, slack: FakeSlack
) -> None:
    """RELIABILITY case 16 through the whole pipeline."""
    app = app_with_slack
    server.set("/dsca.xml", rss(POLAND))
    await app.poll_pass()
    evil = (
        "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|www.whitehouse.gov&gt; Japan"
    )
    server.set("/dsca.xml", rss(POLAND, ("9", evil, JAPAN[2])))
    await app.poll_pass()
    await app.deliver()
    (msg,) = slack.messages("C123")
    wire = json.dumps({"text": msg.text, "blocks": msg.blocks}, ensure_ascii=False)
    for bad in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example"):
        assert bad not in wire
    assert "&lt;!channel&gt;" in wire


async def test_permanent_slack_error_fails_and_alerts_the_operator(
    app_with_slack: App, server: FeedServer, slack: FakeSlack
) -> None:
    app = app_with_slack
    slack.archive("C123")
    server.set("/dsca.xml", rss(POLAND))
    await app.poll_pass()
    server.set("/dsca.xml", rss(POLAND, JAPAN))
    await app.poll_pass()
    report = await app.deliver()
    assert report.failed == 1 and report.sent == 1  # the operator alert on the console
    assert slack.messages("C123") == []


def test_missing_secret_fails_at_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    config = Config(
        sources=(Source(id="s", url="https://example.org/x"),),
        topics=(FMS,),
        routes=(Route(to=("slack",)),),
        receivers={"slack": SlackReceiver(kind="slack", channel="C1", token_env="NOPE_TOKEN")},
    )
    with pytest.raises(ConfigError, match="NOPE_TOKEN"):
        App.build(Settings(database_url="sqlite://"), config)
    _, problems = build_notifiers(Settings(), config)
    assert problems == ["receivers.slack: environment variable NOPE_TOKEN (the Slack bot token) is not set"]


# --- webhook ---------------------------------------------------------------------------------------


def _recording(
    server: FeedServer, path: str, status: int = 200, headers: dict[str, str] | None = None
) -> list:
    got: list[tuple[dict[str, str], bytes]] = []

    def route(req: FeedRequestHandler) -> None:
        body = req.rfile.read(int(req.headers["Content-Length"]))
        got.append(({k.lower(): v for k, v in req.headers.items()}, body))
        req.respond(status, b"{}", {"Content-Type": "application/json", **(headers or {})})

    server.set_handler(path, route)
    return got


def _notifier(server: FeedServer, path: str, secret: str | None = "s3cret") -> WebhookNotifier:
    return WebhookNotifier(
        "hook", url=server.url(path), secret=secret, renderer=Renderer(), clock=lambda: 1764072000
    )


async def test_webhook_posts_signed_json(server: FeedServer) -> None:
    got = _recording(server, "/hook")
    hook = _notifier(server, "/hook")
    ref = await hook.send(ALERT)
    await hook.aclose()
    assert ref == "webhook:200"
    ((headers, body),) = got
    assert headers["x-pressmon-alert-key"] == "new:dsca:abc"
    expected = "sha256=" + hmac.new(b"s3cret", b"1764072000." + body, hashlib.sha256).hexdigest()
    assert headers["x-pressmon-signature"] == expected == sign("s3cret", "1764072000", body)
    doc: dict[str, Any] = json.loads(body)
    assert doc["title"] == "Japan – SM-6 <b>" and doc["alert"]["source_id"] == "dsca"


@pytest.mark.parametrize(
    ("status", "headers", "retryable", "retry_after"),
    [
        pytest.param(503, {"Retry-After": "7"}, True, 7.0, id="503 retries after Retry-After"),
        pytest.param(429, {"Retry-After": "2"}, True, 2.0, id="429 retries"),
        pytest.param(500, {}, True, None, id="500 retries"),
        pytest.param(400, {}, False, None, id="400 is permanent"),
        pytest.param(404, {}, False, None, id="404 is permanent"),
    ],
)
async def test_webhook_errors(
    server: FeedServer, status: int, headers: dict[str, str], retryable: bool, retry_after: float | None
) -> None:
    _recording(server, "/hook", status, headers)
    hook = _notifier(server, "/hook", secret=None)
    with pytest.raises(DeliveryError) as e:
        await hook.send(ALERT)
    await hook.aclose()
    assert e.value.retryable is retryable and e.value.retry_after_s == retry_after and not e.value.ambiguous
    assert str(e.value).startswith(f"deliver: hook: webhook: 127.0.0.1: HTTP {status}")


async def test_webhook_connection_lost_after_send_is_ambiguous(server: FeedServer) -> None:
    def drop(req: FeedRequestHandler) -> None:
        req.rfile.read(int(req.headers["Content-Length"]))
        req.connection.shutdown(socket.SHUT_RDWR)

    server.set_handler("/hook", drop)
    hook = _notifier(server, "/hook")
    with pytest.raises(DeliveryError) as e:
        await hook.send(ALERT)
    await hook.aclose()
    assert e.value.ambiguous and e.value.retryable


def test_webhook_receiver_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "x")
    config = Config(
        sources=(Source(id="s", url="https://example.org/x", every=timedelta(minutes=5)),),
        topics=(Topic(id="t", keywords=("x",)),),
        routes=(Route(to=("hook",)),),
        receivers={
            "hook": WebhookReceiver(kind="webhook", url="https://hooks.example/x", secret_env="HOOK_SECRET")
        },
    )
    notifiers, problems = build_notifiers(Settings(), config)
    assert problems == [] and isinstance(notifiers["hook"], WebhookNotifier)


async def test_slack_and_webhook_receivers_show_times_in_their_timezone(
    server: FeedServer, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`timezone:` on Slack (API and incoming webhook) and webhook receivers, from the config to the wire:
    people-facing times are in the zone; the webhook's raw `alert` times stay ISO 8601 in UTC."""
    monkeypatch.setenv("TEST_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("TEST_SLACK_HOOK", slack.webhook_url)
    got = _recording(server, "/hook")
    config = Config(
        sources=(Source(id="s", url="https://example.org/x"),),
        topics=(FMS,),
        routes=(Route(to=("api", "hook", "siem")),),
        receivers={
            "api": SlackReceiver(
                kind="slack", channel="C123", token_env="TEST_SLACK_TOKEN", pace_s=0, timezone="Asia/Tokyo"
            ),
            "hook": SlackReceiver(
                kind="slack", mode="webhook", url_env="TEST_SLACK_HOOK", pace_s=0, timezone="Asia/Tokyo"
            ),
            "siem": WebhookReceiver(kind="webhook", url=server.url("/hook"), timezone="America/New_York"),
            "utc": SlackReceiver(kind="slack", channel="C123", token_env="TEST_SLACK_TOKEN", pace_s=0),
        },
    )
    notifiers, problems = build_notifiers(Settings(slack_api_url=slack.base_url), config)
    assert problems == []
    alert = slack_alert(published_at="2026-11-24T21:55:00+00:00", seen_at="2026-11-24T22:01:30.5+00:00")
    for name in ("api", "hook", "siem", "utc"):
        await notifiers[name].send(alert)
    await notifiers["siem"].aclose()
    api, hook, utc = slack.messages("C123")
    for msg in (api, hook):
        assert "published 2026-11-25 06:55 JST · first seen 2026-11-25 07:01 JST" in json.dumps(
            msg.blocks, ensure_ascii=False
        )
    assert "published 2026-11-24 21:55 UTC · first seen 2026-11-24 22:01 UTC" in json.dumps(
        utc.blocks, ensure_ascii=False
    )
    ((_, body),) = got
    doc = json.loads(body)
    assert (doc["timezone"], doc["published"], doc["seen"]) == (
        "America/New_York",
        "2026-11-24 16:55 EST",
        "2026-11-24 17:01 EST",
    )
    assert doc["alert"]["seen_at"] == "2026-11-24T22:01:30.5+00:00" and "timezone" not in doc["alert"]


async def test_webhook_body_without_times_has_null_people_times(server: FeedServer) -> None:
    got = _recording(server, "/hook")
    hook = _notifier(server, "/hook")
    await hook.send(ALERT)
    await hook.aclose()
    ((_, body),) = got
    doc = json.loads(body)
    assert (doc["timezone"], doc["seen"], doc["published"]) == ("UTC", None, None)


async def test_console_prints_no_empty_quotes_for_a_title_only_item() -> None:
    """An item with no text has an empty snippet: the console prints no `“”` line for it."""

    async def printed(alert: dict[str, Any]) -> str:
        out = io.StringIO()
        await ConsoleNotifier("console", Renderer(), template="console.txt.j2", stream=out).send(alert)
        return out.getvalue()

    with_text = sample_alert()
    assert with_text["snippet"] and f"“{with_text['snippet']}”" in await printed(with_text)
    title_only = {**sample_alert(), "snippet": ""}
    text = await printed(title_only)
    assert "“" not in text and "”" not in text and title_only["title"] in text


# --- a webhook lane sends several threads at once --------------------------------------------------


def _slow_hook(server: FeedServer, path: str, *, fail: set[str] = frozenset(), delay_s: float = 0.2) -> dict:
    """A webhook endpoint that holds each request ``delay_s`` and records how many were open at once, the
    order alert keys arrived in, and answers 503 for keys in ``fail``."""
    seen: dict[str, Any] = {"open": 0, "most": 0, "keys": [], "lock": threading.Lock()}

    def route(req: FeedRequestHandler) -> None:
        body = req.rfile.read(int(req.headers["Content-Length"]))
        key = req.headers["X-Pressmon-Alert-Key"]
        with seen["lock"]:
            seen["open"] += 1
            seen["most"] = max(seen["most"], seen["open"])
            seen["keys"].append(key)
        time.sleep(delay_s)
        with seen["lock"]:
            seen["open"] -= 1
        assert body
        req.respond(503 if key in fail else 200, b"{}", {"Content-Type": "application/json"})

    server.set_handler(path, route)
    return seen


def _queue_alerts(engine: Any, keys: list[tuple[str, str]]) -> None:
    """Pending webhook rows (alert_key, thread_key), created in this order."""
    from monitor.store.engine import write_session
    from monitor.store.outbox import insert_outbox_rows

    now = datetime.now(UTC)
    with write_session(engine) as s:
        insert_outbox_rows(
            s,
            [
                {
                    "alert_key": key,
                    "receiver": "hook",
                    "kind": "new" if key == thread else "also-reported",
                    "mention_id": None,
                    "payload": {**ALERT, "alert_key": key, "thread_key": thread, "title": key},
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now - timedelta(seconds=1),
                    "created_at": now,
                }
                for key, thread in keys
            ],
        )


def _states(engine: Any) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT alert_key, state FROM outbox").all())


async def test_a_webhook_lane_sends_different_threads_at_once_and_one_threads_rows_in_order(
    server: FeedServer, db_url: str
) -> None:
    """A burst of news (a thousand feeds publishing at once in bench/latency.py) queues hundreds of alerts
    for one webhook: sent one at a time, the last waited for all the others. The lane now sends up to the
    receiver's ``in_flight`` (8 for webhooks) threads at once; a thread's rows still go one after another,
    its parent first."""
    from monitor.notify.worker import deliver_due
    from monitor.store.engine import make_engine
    from monitor.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    seen = _slow_hook(server, "/hook")
    story = [("new:s:1", "new:s:1"), ("also:s:2", "new:s:1"), ("also:s:3", "new:s:1")]
    _queue_alerts(engine, [*story, *((f"new:x:{n}", f"new:x:{n}") for n in range(12))])
    hook = _notifier(server, "/hook")
    try:
        report = await deliver_due(
            engine, {"hook": hook}, owner="me", now=lambda: datetime.now(UTC), lease=timedelta(minutes=1)
        )
    finally:
        await hook.aclose()
        engine.dispose()
    assert report.sent == 15 and sorted(seen["keys"]) == sorted(
        [k for k, _ in story] + [f"new:x:{n}" for n in range(12)]
    )
    assert 2 <= seen["most"] <= WebhookNotifier.in_flight
    order = [k for k in seen["keys"] if k.endswith(("s:1", "s:2", "s:3"))]
    assert order == ["new:s:1", "also:s:2", "also:s:3"]


async def test_a_failing_send_stops_the_lane_and_every_unsent_row_waits_for_the_retry(
    server: FeedServer, db_url: str
) -> None:
    """One 503 in a burst: the lane starts no further send, the sends in flight finish and are recorded,
    and every row not sent is pending again for the retry: none is lost, none sent twice."""
    from monitor.notify.worker import deliver_due
    from monitor.store.engine import make_engine
    from monitor.store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    keys = [f"new:x:{n}" for n in range(30)]
    seen = _slow_hook(server, "/hook", fail={"new:x:0"}, delay_s=0.05)
    _queue_alerts(engine, [(k, k) for k in keys])
    hook = _notifier(server, "/hook")
    try:
        report = await deliver_due(
            engine, {"hook": hook}, owner="me", now=lambda: datetime.now(UTC), lease=timedelta(minutes=1)
        )
        states = _states(engine)
    finally:
        await hook.aclose()
        engine.dispose()
    asked = seen["keys"]
    assert report.retried == 1 and len(asked) == len(set(asked)) < len(keys)
    assert states["new:x:0"] == "retry"
    assert {k for k, v in states.items() if v == "sent"} == set(asked) - {"new:x:0"}
    assert {k for k, v in states.items() if v == "pending"} == set(keys) - set(asked)

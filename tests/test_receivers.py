"""Every receiver is its own failure domain (RELIABILITY 37, 38): one lane per receiver, each send under
a total deadline, so a webhook that trickles or hangs delays only itself; a webhook that closes the
connection before answering gets each alert at most twice; a paused worker never sends past its lease.
Real webhook endpoints on loopback; SQLite and PostgreSQL."""

from __future__ import annotations

import io
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.notify.console import ConsoleNotifier
from monitor.notify.send import Outcome, deliver_one
from monitor.notify.webhook import WebhookNotifier
from monitor.notify.worker import deliver_due
from monitor.render import Renderer
from monitor.store.engine import make_engine, read_session, write_session
from monitor.store.migrate import upgrade
from monitor.store.models import OutboxRow
from monitor.store.outbox import claim_deliveries, insert_outbox_rows
from tests.support.httpserver import FeedRequestHandler, FeedServer

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
DEADLINE_S = 1.5


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    e = make_engine(db_url)
    upgrade(e)
    yield e
    e.dispose()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def queue(engine: sa.Engine, key: str, receiver: str) -> None:
    with write_session(engine) as s:
        insert_outbox_rows(
            s,
            [
                {
                    "alert_key": key,
                    "receiver": receiver,
                    "kind": "new",
                    "mention_id": None,
                    "payload": {
                        "alert_key": key,
                        "kind": "new",
                        "title": f"title {key}",
                        "source_id": "s",
                        "source_title": "S",
                    },
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": T0,
                    "created_at": T0,
                }
            ],
        )


def rows(engine: sa.Engine) -> dict[tuple[str, str], OutboxRow]:
    with read_session(engine) as s:
        return {(r.alert_key, r.receiver): r for r in s.exec(select(OutboxRow))}


def hook(server: FeedServer, path: str) -> WebhookNotifier:
    return WebhookNotifier(path.strip("/"), url=server.url(path), secret=None, renderer=Renderer())


def recording(server: FeedServer, path: str) -> list[tuple[float, str]]:
    """A healthy webhook: answers 200 at once; records (arrival time, alert key) of each request."""
    got: list[tuple[float, str]] = []

    def route(req: FeedRequestHandler) -> None:
        req.rfile.read(int(req.headers["Content-Length"]))
        got.append((time.monotonic(), req.headers["X-Pressmon-Alert-Key"]))
        req.respond(200, b"{}", {"Content-Type": "application/json"})

    server.set_handler(path, route)
    return got


def closing(server: FeedServer, path: str) -> list[str]:
    """Reads the whole request (so the receiver has it), then closes the connection without answering."""
    got: list[str] = []

    def route(req: FeedRequestHandler) -> None:
        req.rfile.read(int(req.headers["Content-Length"]))
        got.append(req.headers["X-Pressmon-Alert-Key"])
        req.connection.shutdown(socket.SHUT_RDWR)
        req.close_connection = True

    server.set_handler(path, route)
    return got


async def test_trickling_and_hanging_webhooks_delay_only_themselves(
    engine: sa.Engine, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy = recording(server, "/ok")
    server.trickle("/trickle", interval_s=0.3, chunk=b"{")  # headers, then one body byte at a time
    server.hang("/hang")  # reads the request, never answers
    notifiers = {name: hook(server, f"/{name}") for name in ("ok", "trickle", "hang")}

    # The healthy receiver's normal latency, measured alone.
    queue(engine, "alone", "ok")
    start = time.monotonic()
    await deliver_due(engine, notifiers, owner="t", now=lambda: T0, lease=LEASE, deadline_s=DEADLINE_S)
    alone = healthy[-1][0] - start

    for n in range(3):
        queue(engine, f"a{n}", "trickle")
        queue(engine, f"a{n}", "hang")
    queue(engine, "a0", "ok")
    finished: dict[str, float] = {}

    def note(receiver: str, outcome: Outcome) -> None:
        finished.setdefault(receiver, time.monotonic())

    start = time.monotonic()
    report = await deliver_due(
        engine, notifiers, owner="t", now=lambda: T0, lease=LEASE, deadline_s=DEADLINE_S, on_outcome=note
    )
    elapsed = time.monotonic() - start
    delivered_at = next(t for t, key in healthy if key == "a0") - start
    for n in notifiers.values():
        await n.aclose()

    # The healthy receiver got its alert before either slow one had even given up its first send.
    assert delivered_at < finished["trickle"] - start and delivered_at < finished["hang"] - start
    assert report.sent == 1 and report.retried == 2
    state = rows(engine)
    assert state[("a0", "ok")].state == "sent"
    for slow in ("trickle", "hang"):
        # One send each (the lane stops at the first failure); the other alerts wait for that retry.
        assert state[("a0", slow)].state == "ambiguous" and state[("a0", slow)].unconfirmed == 1
        assert "total deadline" in (state[("a0", slow)].last_error or "")
        for n in (1, 2):
            row = state[(f"a{n}", slow)]
            assert row.state == "pending" and row.attempts == 0
            assert row.next_attempt_at == state[("a0", slow)].next_attempt_at
    assert server.hits("/trickle") == 1 and server.hits("/hang") == 1
    with capsys.disabled():
        print(
            f"\n[figures] healthy receiver alone: {alone * 1000:.0f} ms; beside a trickling and a hanging "
            f"webhook: {delivered_at * 1000:.0f} ms; slow lanes gave up after {elapsed:.2f} s "
            f"(deadline {DEADLINE_S} s)"
        )


async def test_connection_closing_webhook_gets_each_alert_at_most_twice(
    engine: sa.Engine, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """RELIABILITY 38: for minutes the webhook reads each request and closes the connection. Each alert is
    sent at most twice (the first send, one retry), then left ``ambiguous`` with an operator alert
    through another receiver, and one log line per alert."""
    got = closing(server, "/drop")
    out = io.StringIO()
    notifiers: dict[str, Any] = {
        "drop": hook(server, "/drop"),
        "ops": ConsoleNotifier("ops", Renderer(), template="console.txt.j2", stream=out),
    }
    for n in range(3):
        queue(engine, f"a{n}", "drop")
    caplog.set_level(logging.INFO, logger="pressmon")
    for minute in range(0, 240, 5):  # four hours of retries, far past every backoff
        at = T0 + timedelta(minutes=minute)
        await deliver_due(
            engine,
            notifiers,
            owner="t",
            now=lambda at=at: at,
            lease=LEASE,
            operators=("ops",),
            deadline_s=5,
        )
    await notifiers["drop"].aclose()

    copies = {key: got.count(key) for key in set(got)}
    assert copies == {"a0": 2, "a1": 2, "a2": 2}
    state = rows(engine)
    for n in range(3):
        row = state[(f"a{n}", "drop")]
        assert row.state == "ambiguous" and row.unconfirmed == 2
        assert f"pressmon outbox retry {row.id}" in (row.last_error or "")
        assert state[(f"operator:a{n}:drop", "ops")].state == "sent"
    assert out.getvalue().count("DELIVERY UNCONFIRMED") == 3
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 3 and all("sent 2 times without a confirmed answer" in e for e in errors)
    print(f"\n[figures] connection-closing webhook, 4 h: copies per alert {copies}")


@pytest.mark.parametrize("behaviour", ["hang", "trickle"])
async def test_a_webhook_that_never_answers_gets_each_alert_at_most_twice(
    engine: sa.Engine, server: FeedServer, behaviour: str
) -> None:
    """Hours of a webhook that reads each request and then hangs (or trickles its answer): every send
    ends at the deadline, unanswered; each alert goes out at most twice, then waits for a person."""
    got: list[str] = []

    def route(req: FeedRequestHandler) -> None:
        req.rfile.read(int(req.headers["Content-Length"]))
        got.append(req.headers["X-Pressmon-Alert-Key"])
        if behaviour == "trickle":
            req.start_stream(200)
            while not server.stopping.wait(0.2) and req.write(b" "):
                pass
        else:
            req.close_connection = True
            server.stopping.wait()

    server.set_handler("/slow", route)
    notifier = hook(server, "/slow")
    for n in range(2):
        queue(engine, f"a{n}", "slow")
    for k in range(16):  # eight hours, a pass every half hour
        at = T0 + timedelta(minutes=30 * k)
        await deliver_due(
            engine, {"slow": notifier}, owner="t", now=lambda at=at: at, lease=LEASE, deadline_s=0.5
        )
    await notifier.aclose()
    assert {key: got.count(key) for key in set(got)} == {"a0": 2, "a1": 2}
    assert {(r.state, r.unconfirmed) for r in rows(engine).values()} == {("ambiguous", 2)}


async def test_a_worker_paused_past_its_lease_does_not_send(engine: sa.Engine, server: FeedServer) -> None:
    got = recording(server, "/ok")
    queue(engine, "a", "ok")
    (claimed,) = claim_deliveries(engine, owner="paused", now=T0, lease=LEASE, limit=10)
    woke = T0 + LEASE + timedelta(seconds=1)  # SIGSTOPped between claim and send, past the lease
    notifier = hook(server, "/ok")
    outcome = await deliver_one(engine, notifier, claimed, lambda: woke, ())
    assert outcome.kind == "lost" and got == []
    # Someone else claims it and sends it once.
    report = await deliver_due(engine, {"ok": notifier}, owner="other", now=lambda: woke, lease=LEASE)
    await notifier.aclose()
    assert report.sent == 1 and [key for _, key in got] == ["a"]


async def test_webhook_carries_the_idempotency_key(server: FeedServer) -> None:
    seen: list[dict[str, str]] = []

    def route(req: FeedRequestHandler) -> None:
        req.rfile.read(int(req.headers["Content-Length"]))
        seen.append({k.lower(): v for k, v in req.headers.items()})
        req.respond(200, b"{}")

    server.set_handler("/h", route)
    notifier = hook(server, "/h")
    await notifier.send(
        {"alert_key": "new:dsca:abc", "kind": "new", "title": "t", "source_id": "s", "source_title": "S"}
    )
    await notifier.aclose()
    assert seen[0]["idempotency-key"] == seen[0]["x-pressmon-alert-key"] == "new:dsca:abc"

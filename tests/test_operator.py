"""The operator knows (RELIABILITY 33 and the issue's "operator is blind"): a receiver failing for
minutes, a stuck outbox and a database refusing writes each raise one operator alert through another
receiver and one log line per streak, never one per attempt; ``health`` says what is wrong in one line."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import select

from monitor.health import check_health
from monitor.notify.console import ConsoleNotifier
from monitor.notify.webhook import WebhookNotifier
from monitor.notify.worker import deliver_due
from monitor.render import Renderer
from monitor.settings import Settings
from monitor.store.engine import is_sqlite, make_engine, read_session
from monitor.store.migrate import upgrade
from monitor.store.models import ItemRow, OutboxRow
from monitor.watch import Heartbeat, Watch, heartbeat_path
from tests import test_poll
from tests.support.httpserver import FeedServer
from tests.test_poll import JAPAN, POLAND, make_config, rss
from tests.test_receivers import queue

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
server = test_poll.server
make_app = test_poll.make_app


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    e = make_engine(db_url)
    upgrade(e)
    yield e
    e.dispose()


def operator_rows(engine: sa.Engine) -> list[OutboxRow]:
    with read_session(engine) as s:
        return list(s.exec(select(OutboxRow).where(OutboxRow.kind == "operator").order_by(OutboxRow.id)))  # type: ignore[arg-type]


def messages(caplog: pytest.LogCaptureFixture, needle: str) -> list[str]:
    return [m for r in caplog.records if needle in (m := r.getMessage())]


async def test_receiver_failing_for_minutes_tells_the_operator_once(
    engine: sa.Engine,
    server: FeedServer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.status("/hook", 500)
    out = io.StringIO()
    notifiers: dict[str, Any] = {
        "hook": WebhookNotifier("hook", url=server.url("/hook"), secret=None, renderer=Renderer()),
        "ops": ConsoleNotifier("ops", Renderer(), template="console.txt.j2", stream=out),
    }
    watch = Watch(engine, operators=("ops", "hook"), receiver_after=timedelta(minutes=15),
                  stuck_after=timedelta(hours=1))  # fmt: skip
    for n in range(5):
        queue(engine, f"a{n}", "hook")
    caplog.set_level(logging.INFO, logger="pressmon")
    told_at: datetime | None = None
    for second in range(0, 40 * 60, 5):  # 40 minutes of 5-second ticks
        at = T0 + timedelta(seconds=second)
        await deliver_due(engine, notifiers, owner="t", now=lambda at=at: at, lease=LEASE,
                          on_outcome=lambda r, o, at=at: watch.delivery(r, o, at))  # fmt: skip
        await watch.check(at)
        if told_at is None and operator_rows(engine):
            told_at = at
    attempts = server.hits("/hook")
    server.set("/hook", b"{}")  # the receiver comes back
    at = T0 + timedelta(hours=3)
    await deliver_due(engine, notifiers, owner="t", now=lambda: at, lease=LEASE,
                      on_outcome=lambda r, o: watch.delivery(r, o, at))  # fmt: skip
    await notifiers["hook"].aclose()

    (op,) = [r for r in operator_rows(engine) if r.payload["reason"] == "receiver-failing"]
    assert op.receiver == "ops" and op.state == "sent"  # through another receiver, not the failing one
    assert "receiver hook failing" in out.getvalue() and out.getvalue().count("OPERATOR") == 1
    assert told_at is not None and told_at - T0 >= timedelta(minutes=15)
    assert attempts > 5  # it kept retrying meanwhile...
    assert len(messages(caplog, "deliver: hook: failing:")) == 1  # ...logged once per streak
    assert len(messages(caplog, "deliver: hook: failing for")) == 1
    assert len(messages(caplog, "deliver: hook: recovered after")) == 1
    with read_session(engine) as s:
        assert {r.state for r in s.exec(select(OutboxRow).where(OutboxRow.receiver == "hook"))} == {"sent"}
    with capsys.disabled():
        print(f"\n[figures] 500s for minutes: {attempts} attempts, operator alert after {told_at - T0}")


async def test_stuck_outbox_tells_the_operator_once(
    engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    watch = Watch(engine, operators=("ops", "hook"), receiver_after=timedelta(minutes=15),
                  stuck_after=timedelta(minutes=30))  # fmt: skip
    queue(engine, "a0", "hook")
    caplog.set_level(logging.INFO, logger="pressmon")
    for minute in (1, 10, 29):
        await watch.check(T0 + timedelta(minutes=minute))
    assert operator_rows(engine) == []
    for minute in (31, 40, 60):
        await watch.check(T0 + timedelta(minutes=minute))
    (op,) = operator_rows(engine)
    assert op.receiver == "ops" and op.payload["reason"] == "outbox-stuck"
    assert "1 alert(s) due and not taken" in op.payload["error"]
    problems = check_health(Settings(database_url=str(engine.url.render_as_string(hide_password=False)),
                                     outbox_stuck_alert_seconds=1800), now=T0 + timedelta(minutes=31))  # fmt: skip
    assert any(p.startswith("health: outbox stuck: ") for p in problems), problems
    assert len(messages(caplog, "outbox stuck")) == 1


def _fill_up(engine: sa.Engine) -> Callable[[], None]:
    """Make the database full: SQLite at its page limit (``PRAGMA max_page_count``); PostgreSQL
    answering as a full disk does. Returns what makes room again."""
    if is_sqlite(engine):
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

        def limit(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

        event.listen(engine, "connect", limit)
        engine.dispose()

        def room() -> None:
            event.remove(engine, "connect", limit)
            engine.dispose()

        return room

    def full(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.startswith("INSERT"):  # new rows need new pages; in-place updates often fit
            raise sa.exc.OperationalError(
                statement, params, Exception('could not extend file "base/1/2": No space left on device')
            )

    event.listen(engine, "before_cursor_execute", full)
    return lambda: event.remove(engine, "before_cursor_execute", full)


async def test_disk_full_rolls_back_alerts_the_operator_once_and_loses_nothing(
    server: FeedServer, make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """RELIABILITY 33."""
    server.set("/dsca.xml", rss(POLAND))
    config = make_config(server, "dsca").model_copy(update={"operator": ("console",)})
    app, out = make_app(config)
    app.watch.store_after = timedelta(0)
    await app.poll_pass()  # baseline
    with read_session(app.engine) as s:
        before = sorted((i.item_key, i.content_hash) for i in s.exec(select(ItemRow)))

    make_room = _fill_up(app.engine)
    more = [(f"m{n}", f"Statement {n}", "Foreign Military Sale to Japan. " * 100) for n in range(40)]
    server.set("/dsca.xml", rss(POLAND, JAPAN, *more))
    caplog.set_level(logging.INFO, logger="pressmon")
    for _ in range(3):
        report = await app.poll_pass()
        assert report.sources[0].status == "error" and report.sources[0].error_kind == "store"
        await app.watch.tell_store(app.notifiers, app.now())
    assert "OPERATOR: database refuses writes" in out.getvalue()
    assert out.getvalue().count("database refuses writes") == 1
    assert len(messages(caplog, "store: the database refuses writes")) == 1
    with read_session(app.engine) as s:  # rolled back whole: nothing half-written
        assert sorted((i.item_key, i.content_hash) for i in s.exec(select(ItemRow))) == before
        if is_sqlite(app.engine):
            assert s.exec(sa.text("PRAGMA integrity_check")).one()[0] == "ok"  # type: ignore[call-overload]

    make_room()
    report = await app.poll_pass()
    assert report.sources[0].status == "ok" and report.sources[0].new == 41  # nothing lost
    assert len(messages(caplog, "store: writes accepted again")) == 1
    assert (await app.deliver()).sent == 41


def test_health_fails_on_a_read_only_database_and_a_stale_heartbeat(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    assert check_health(Settings(database_url=url), now=T0) == []

    ro = f"sqlite:///file:{tmp_path / 'p.db'}?mode=ro&uri=true"
    (problem,) = check_health(Settings(database_url=ro), now=T0)
    assert (
        problem
        == "health: store: the database refuses writes: OperationalError: attempt to write a readonly database"
    )

    beat = Heartbeat(heartbeat_path(url))
    beat.write(now=T0, loops={"polls": T0, "deliver": T0 - timedelta(minutes=5)}, store_error=None)
    (problem,) = check_health(Settings(database_url=url), now=T0 + timedelta(seconds=30))
    assert problem.startswith("health: the deliver loop has not ticked for 330s")
    beat.write(
        now=T0, loops={"polls": T0, "deliver": T0}, store_error="OperationalError: database or disk is full"
    )
    (problem,) = check_health(Settings(database_url=url), now=T0 + timedelta(seconds=5))
    assert (
        problem
        == "health: store: the daemon sees the database refuse writes: OperationalError: database or disk is full"
    )


@pytest.mark.parametrize(
    "reason", ["delivery-failed", "delivery-ambiguous", "receiver-failing", "outbox-stuck", "store-refusing"]
)
def test_every_operator_alert_renders_for_slack_and_the_console(reason: str) -> None:
    """Operator receivers may be Slack: every kind of operator alert renders there (feed-style fields
    such as topics are absent), with mentions escaped."""
    from monitor.notify.slack import render_message
    from monitor.notify.slack_format import slack_environment
    from monitor.watch import operator_alert_rows

    (row,) = operator_alert_rows(reason, "k", title="receiver <!channel> failing", error="why <@U1>",
                                 operators=("ops",), now=T0, receiver="hook")  # fmt: skip
    message = render_message(slack_environment([]), "slack_alert.json.j2", row["payload"])
    assert "&lt;!channel&gt;" in message.text and "<!channel>" not in str(message.blocks)
    text = Renderer().text("console.txt.j2", row["payload"])
    assert "why <@U1>" in text

"""Digests: periods (pure), and once-per-period delivery through a real SMTP server (aiosmtpd, STARTTLS
with a test CA) across repeated passes, restarts and a connection dropped after DATA."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.app import App
from monitor.config.delivery import Digest, Route
from monitor.config.schema import Config, Source
from monitor.notify.digest_run import DigestRunner
from monitor.schedule import digest_period
from monitor.settings import Settings
from tests.support.httpserver import FeedServer
from tests.support.smtpserver import SmtpServer
from tests.test_poll import FMS, JAPAN, POLAND, rss

UTC_ = UTC


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "kw", "start", "end"),
    [
        pytest.param(
            utc(2026, 11, 25, 1, 0),
            {"tz": "Asia/Tokyo", "at": "07:30"},
            utc(2026, 11, 23, 22, 30),
            utc(2026, 11, 24, 22, 30),
            id="Tokyo 10:00: period ended 07:30 today",
        ),
        pytest.param(
            utc(2026, 11, 24, 22, 29),
            {"tz": "Asia/Tokyo", "at": "07:30"},
            utc(2026, 11, 22, 22, 30),
            utc(2026, 11, 23, 22, 30),
            id="a minute before: yesterday's",
        ),
        pytest.param(
            utc(2026, 3, 8, 13, 0),
            {"tz": "America/New_York", "at": "07:30"},
            utc(2026, 3, 7, 12, 30),
            utc(2026, 3, 8, 11, 30),
            id="DST start: a 23-hour period",
        ),
        pytest.param(
            utc(2026, 11, 30, 1, 0),
            {"tz": "Asia/Tokyo", "cron": "30 7 * * 1-5"},
            utc(2026, 11, 26, 22, 30),
            utc(2026, 11, 29, 22, 30),
            id="cron weekdays: Friday to Monday",
        ),
    ],
)
def test_digest_period(now: datetime, kw: dict[str, str], start: datetime, end: datetime) -> None:
    assert digest_period(now=now, **kw) == (start, end)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(tls=True).start()
    yield server
    server.stop()


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
async def world(feeds: FeedServer, db_url: str) -> AsyncIterator[tuple[App, Clock]]:
    clock = Clock(utc(2026, 11, 24, 10, 0))
    config = Config(
        sources=(Source(id="dsca", title="DSCA", url=feeds.url("/dsca.xml")),),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        digests={"daily": Digest(to=("a@example.org", "b@example.org"), at="07:30", timezone="Asia/Tokyo")},
    )
    app = App.build(
        Settings(database_url=db_url, allow_private_networks=True), config, stream=io.StringIO(), now=clock
    )
    app.prepare_database(exclusive=False)
    feeds.set("/dsca.xml", rss(POLAND))
    await app.poll_pass()  # baseline: not news
    feeds.set("/dsca.xml", rss(POLAND, JAPAN))
    clock.t = utc(2026, 11, 24, 12, 0)
    await app.poll_pass()  # the Japan notice: news at 21:00 JST on the 24th
    yield app, clock
    await app.aclose()


def with_smtp(app: App, server: SmtpServer, clock: Clock) -> DigestRunner:
    app.digests = DigestRunner(
        app.engine, app.config, owner="t", now=clock, lease=app.lease, smtp=server.settings()
    )
    return app.digests


async def test_digest_sent_once_per_period_across_passes_and_restarts(
    world: tuple[App, Clock], smtp: SmtpServer
) -> None:
    app, clock = world
    runner = with_smtp(app, smtp, clock)
    clock.t = utc(2026, 11, 24, 23, 0)  # 08:00 JST on the 25th: the period [24th 07:30, 25th 07:30) is done
    first = await app.run_digests()
    assert len(first.sent) == 1
    for _ in range(3):  # more ticks, and a "restarted" runner on the same database
        assert (await app.run_digests()).sent == []
    with_smtp(app, smtp, clock)
    assert (await app.run_digests()).sent == []
    (msg,) = smtp.messages()
    assert {e for env in smtp.envelopes for e in env.rcpt_tos} == {"a@example.org", "b@example.org"}
    assert msg.get_content_type() == "multipart/alternative"
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Japan – SM-6" in body and "Poland" not in body  # baseline items are not news
    assert msg["Message-ID"] == runner.message_id("daily", utc(2026, 11, 23, 22, 30))
    # The next day's period has nothing new: recorded as empty, nothing sent.
    clock.t += timedelta(days=1)
    assert (await app.run_digests()).empty == 1 and len(smtp.messages()) == 1


async def test_connection_dropped_after_data_resends_with_the_same_message_id(
    world: tuple[App, Clock], smtp: SmtpServer
) -> None:
    app, clock = world
    with_smtp(app, smtp, clock)
    clock.t = utc(2026, 11, 24, 23, 0)
    smtp.drop_after_data(1)
    report = await app.run_digests()
    assert report.retried == 1 and report.sent == []
    clock.t += timedelta(minutes=5)
    assert len((await app.run_digests()).sent) == 1
    ids = [m["Message-ID"] for m in smtp.messages()]
    assert len(ids) == 2 and ids[0] == ids[1]  # a recognisable duplicate, never a silent loss


async def test_connection_dropped_after_data_every_time_mails_at_most_twice_then_tells_the_operator(
    world: tuple[App, Clock], smtp: SmtpServer
) -> None:
    """Bounded duplicates for email (which cannot be asked whether a message arrived): the first send
    and one resend, then the run stays ``ambiguous`` and the operator receivers are told."""
    app, clock = world
    with_smtp(app, smtp, clock)
    app.config = app.config.model_copy(update={"operator": ("console",)})
    app.digests.config = app.config
    clock.t = utc(2026, 11, 24, 23, 0)
    smtp.drop_after_data(100)
    reports = []
    for _ in range(12):  # hours of retries
        reports.append(await app.run_digests())
        clock.t += timedelta(minutes=30)
    assert len(smtp.messages()) == 2 and sum(r.ambiguous for r in reports) == 1
    with app.engine.connect() as c:
        state, unconfirmed = c.exec_driver_sql("SELECT state, unconfirmed FROM digest_run").one()
        (op_key,) = c.exec_driver_sql("SELECT alert_key FROM outbox WHERE kind = 'operator'").scalars()
    assert (state, unconfirmed) == ("ambiguous", 2) and op_key.startswith("operator:digest:daily@")


async def test_without_smtp_the_digest_prints_to_the_console(world: tuple[App, Clock]) -> None:
    app, clock = world
    out = io.StringIO()
    app.digests = DigestRunner(
        app.engine, app.config, owner="t", now=clock, lease=app.lease, smtp=None, stream=out
    )
    clock.t = utc(2026, 11, 24, 23, 0)
    await app.run_digests()
    await app.run_digests()
    assert out.getvalue().count("── digest daily@") == 1 and "Japan – SM-6" in out.getvalue()


def test_preview_does_not_record(world: tuple[App, Clock]) -> None:
    app, clock = world
    ctx, text, html = app.digests.render("daily", utc(2026, 11, 24, 0, 0), utc(2026, 11, 25, 0, 0))
    assert "Japan – SM-6" in text and "<html" in html.lower()
    assert isinstance(ctx["counts"], dict) and ctx["counts"]["statements"] == 1
    _: Any = clock

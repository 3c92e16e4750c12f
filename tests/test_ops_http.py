"""The operations listener against a running in-process daemon: /metrics counters move during polls,
/healthz follows the loops, /readyz fails while the database is cut (a TCP proxy in front of the real
PostgreSQL) and recovers after; the loops log one line per outage and one on recovery (RELIABILITY 31)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from monitor.app import App
from monitor.config.delivery import ConsoleReceiver, Route
from monitor.config.schema import Config, Source
from monitor.daemon import Daemon
from monitor.logjson import JsonFormatter
from monitor.ops_http import parse_listen
from monitor.settings import Settings
from tests.support.httpserver import FeedServer, free_port
from tests.support.tcpproxy import TcpProxy
from tests.test_poll import FMS, JAPAN, POLAND, rss


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def metric(text: str, name: str, **labels: str) -> float:
    """A sample's value from Prometheus text (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def _config(server: FeedServer) -> Config:
    return Config(
        sources=(Source(id="dsca", url=server.url("/dsca.xml"), every=timedelta(seconds=1)),),
        topics=(FMS,),
        routes=(Route(to=("console",)),),
        receivers={"console": ConsoleReceiver()},
    )


async def _until(cond: Callable[[], object], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await cond():  # type: ignore[misc]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {within}s waiting for {what}")


class Running:
    def __init__(self, app: App, port: int) -> None:
        self.app, self.port = app, port
        self.daemon = Daemon(app)
        self.task: asyncio.Task[None] | None = None
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)


@pytest.fixture
async def running(server: FeedServer) -> AsyncIterator[Callable[..., object]]:
    started: list[Running] = []

    async def start(url: str, **settings: object) -> Running:
        port = free_port()
        s = Settings(
            database_url=url,
            allow_private_networks=True,
            tick_seconds=0.1,
            lease_seconds=5,
            http_listen=f"127.0.0.1:{port}",
            **settings,  # type: ignore[arg-type]
        )
        app = App.build(s, _config(server), stream=io.StringIO())
        app.prepare_database(exclusive=False)
        r = Running(app, port)
        r.task = asyncio.create_task(r.daemon.run())
        started.append(r)

        async def up() -> bool:
            try:
                return (await r.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await _until(up, 30, "the listener")
        return r

    yield start
    for r in started:
        r.daemon.stopping.set()
        if r.task is not None:
            await asyncio.wait_for(r.task, 30)
        await r.http.aclose()
        await r.app.aclose()


async def test_metrics_move_during_polls_and_health_answers(
    server: FeedServer, running: Callable[..., object], db_url: str
) -> None:
    server.set("/dsca.xml", rss(POLAND))
    r: Running = await running(db_url)  # type: ignore[misc]

    async def baseline_done() -> bool:
        with r.app.engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT baseline_done FROM source")).scalar())

    await _until(baseline_done, 60, "the baseline poll")  # the statement must come after it to alert
    before = (await r.get("/metrics")).text
    server.set("/dsca.xml", rss(POLAND, JAPAN))

    async def alerted() -> bool:
        text = (await r.get("/metrics")).text
        return metric(text, "pressmon_deliveries_total", receiver="console", outcome="sent") > metric(
            before, "pressmon_deliveries_total", receiver="console", outcome="sent"
        )

    await _until(alerted, 60, "the alert's delivery to be counted")
    after = (await r.get("/metrics")).text
    for name, labels in (
        ("pressmon_polls_total", {"outcome": "ok"}),
        ("pressmon_items_total", {"change": "new"}),
        ("pressmon_mentions_total", {"topic": "fms-japan"}),
        ("pressmon_fetch_seconds_count", {}),
        ("pressmon_stage_seconds_count", {"stage": "parse"}),
        ("pressmon_stage_seconds_count", {"stage": "decide"}),
    ):
        assert metric(after, name, **labels) > metric(before, name, **labels), (name, labels)
    assert "pressmon_outbox_pending" in after and metric(after, "pressmon_database_up") == 1
    assert metric(after, "pressmon_loop_last_tick_age_seconds", loop="polls") < 30
    assert (await r.get("/healthz")).text == "ok\n"
    assert (await r.get("/readyz")).text == "ready\n"


@pytest.mark.postgres
async def test_readyz_fails_while_the_database_is_cut_and_recovers(
    pg_url: str, server: FeedServer, running: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    server.set("/dsca.xml", rss(POLAND))
    pg = make_url(pg_url)
    with TcpProxy(pg.host or "127.0.0.1", pg.port or 5432) as proxy:
        url = pg.set(port=proxy.port).render_as_string(hide_password=False)
        with caplog.at_level(logging.INFO, logger="pressmon.daemon"):
            r: Running = await running(url, db_connect_timeout_seconds=1, db_backoff_max_seconds=2)  # type: ignore[misc]
            assert (await r.get("/readyz")).status_code == 200
            proxy.cut()
            ready = await r.get("/readyz")
            assert ready.status_code == 503 and "database unreachable" in ready.text, ready.text
            metrics = (await r.get("/metrics")).text
            assert metric(metrics, "pressmon_database_up") == 0
            assert (await r.get("/healthz")).status_code == 200  # the loops tick and back off

            async def backing_off() -> bool:
                return r.daemon.loops["polls"].failures >= 3

            await _until(backing_off, 60, "several failed claim ticks")
            proxy.restore()

            async def ready_again() -> bool:
                return (await r.get("/readyz")).status_code == 200

            await _until(ready_again, 60, "/readyz to recover")

            async def recovered() -> bool:
                return r.daemon.loops["polls"].failures == 0

            await _until(recovered, 60, "the poll loop to recover")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "pressmon.daemon"]
    down = [line for line in lines if "polls: database unavailable" in line]
    back = [line for line in lines if "polls: database back after" in line]
    assert len(down) == 1 and len(back) == 1, lines


def test_json_log_lines_carry_stable_keys() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pressmon.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("poll: %s: failed", "dsca", extra={"source_id": "dsca", "attempt": 2})
    finally:
        logger.removeHandler(handler)
    line = json.loads(out.getvalue())
    assert {k: line[k] for k in ("level", "logger", "msg", "source_id", "attempt")} == {
        "level": "warning",
        "logger": "pressmon.test-json",
        "msg": "poll: dsca: failed",
        "source_id": "dsca",
        "attempt": 2,
    }
    assert "receiver" not in line and line["ts"].endswith("+00:00")


@pytest.mark.parametrize(
    ("listen", "expected"),
    [("127.0.0.1:9108", ("127.0.0.1", 9108)), ("[::1]:9108", ("::1", 9108)), (":9108", ("0.0.0.0", 9108))],
)
def test_listen_address_parses(listen: str, expected: tuple[str, int]) -> None:
    assert parse_listen(listen) == expected


def test_a_bad_listen_address_says_what_to_write() -> None:
    with pytest.raises(ValueError, match=r"is not host:port \(e.g. 127.0.0.1:9108\)"):
        parse_listen("localhost")


async def test_pressmon_health_asks_the_running_daemons_healthz(
    server: FeedServer, running: Callable[..., object], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from monitor.cli import app as cli_app

    server.set("/dsca.xml", rss(POLAND))
    r: Running = await running(sqlite_url)  # type: ignore[misc]
    env = {"PRESSMON_DATABASE_URL": sqlite_url, "PRESSMON_HTTP_LISTEN": f"0.0.0.0:{r.port}"}
    healthy = await asyncio.to_thread(CliRunner().invoke, cli_app, ["health"], env=env)
    assert healthy.exit_code == 0 and "ok" in healthy.output, healthy.output
    monkeypatch.setattr(r.daemon, "interval", lambda loop: -100.0)  # every loop now counts as stalled
    assert (await r.get("/healthz")).status_code == 503
    sick = await asyncio.to_thread(CliRunner().invoke, cli_app, ["health"], env=env)
    assert sick.exit_code == 1 and "loops not ticking: polls" in sick.output, sick.output


def test_lines_logged_inside_a_log_context_carry_its_keys() -> None:
    from monitor.logjson import log_context

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pressmon.test-json-context")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with log_context(source_id="dsca", receiver=None), log_context(receiver="slack", attempt=3):
            logger.error("deliver: failed")
        logger.error("outside")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in out.getvalue().splitlines())
    assert (inside["source_id"], inside["receiver"], inside["attempt"]) == ("dsca", "slack", 3)
    assert not {"source_id", "receiver", "attempt"} & set(outside)

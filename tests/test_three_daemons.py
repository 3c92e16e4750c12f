"""RELIABILITY 32: three daemons on one PostgreSQL database, due sources for all of them; one killed with
-9 mid-run, one paused (SIGSTOP) past its lease. Every new statement is stored once and alerted once
(at most one recognisable duplicate, only where a daemon died between a send and its record); the
killed one's work is taken over; the paused one, woken, cannot overwrite what the others did."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.daemon import Daemon
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.test_daemon import _env, _wait
from tests.test_poll import POLAND, rss

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

N_SOURCES = 24


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def _config(server: FeedServer) -> str:
    sources = "".join(
        f"  - id: s{n}\n    url: {server.url(f'/s{n}.xml')}\n    every: 2s\n    timeout: 10s\n    deadline: 10s\n"
        for n in range(N_SOURCES)
    )
    return (
        f"sources:\n{sources}"
        "topics:\n  - id: fms-japan\n    title: FMS to Japan\n    keywords: ['Foreign Military Sale']\n"
        "    requires: [[Japan]]\n"
        "routes:\n  - to: [hook]\n"
        f"receivers:\n  hook: {{kind: webhook, url: '{server.url('/hook')}'}}\n"
    )


def _scalar(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return int(c.execute(sa.text(sql)).scalar() or 0)
    except sa.exc.ProgrammingError:  # not migrated yet
        return 0
    finally:
        engine.dispose()


def test_three_daemons_one_killed_one_paused(server: FeedServer, pg_url: str, tmp_path: Path) -> None:
    got: list[str] = []

    def hook(req: FeedRequestHandler) -> None:
        req.rfile.read(int(req.headers["Content-Length"]))
        got.append(req.headers["Idempotency-Key"])
        req.respond(200, b"{}", {"Content-Type": "application/json"})

    server.set_handler("/hook", hook)
    for n in range(N_SOURCES):
        server.set(f"/s{n}.xml", rss(POLAND))
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(_config(server))
    env = {**_env(pg_url), "PRESSMON_LEASE_SECONDS": "4", "PRESSMON_SEND_DEADLINE_SECONDS": "5"}
    daemons = [Daemon(cfg, env, tmp_path, f"d{n}") for n in range(3)]
    killed, paused, survivor = daemons
    try:
        _wait(
            lambda: _scalar(pg_url, "SELECT count(*) FROM source WHERE baseline_done") == N_SOURCES,
            90,
            "baselines",
        )
        for n in range(N_SOURCES):  # a new statement on every source: one alert each
            server.set(
                f"/s{n}.xml", rss(POLAND, (f"j{n}", f"Japan – item {n}", "a Foreign Military Sale to Japan"))
            )
        time.sleep(0.5)
        killed.proc.send_signal(signal.SIGKILL)
        paused.proc.send_signal(signal.SIGSTOP)
        time.sleep(10)  # past its 4-second lease: its sources and rows are taken over
        _wait(lambda: len(set(got)) == N_SOURCES, 240, "every alert")  # a liveness bound, not a timing
        paused.proc.send_signal(signal.SIGCONT)
        time.sleep(6)  # the paused one wakes, with whatever it held, and keeps running
        assert paused.proc.poll() is None and survivor.proc.poll() is None
    finally:
        if paused.proc.poll() is None:
            paused.proc.send_signal(signal.SIGCONT)
        codes = [d.stop(signal.SIGTERM) for d in (paused, survivor)]
        killed.stop(signal.SIGKILL)
    assert codes == [0, 0], [d.stderr for d in daemons]
    copies = Counter(got)
    assert len(copies) == N_SOURCES  # every alert delivered
    assert max(copies.values()) <= 2  # a duplicate only around the SIGKILL (send done, record not)
    assert _scalar(pg_url, "SELECT count(*) FROM item") == 2 * N_SOURCES  # stored once each
    assert _scalar(pg_url, "SELECT count(*) FROM outbox WHERE state <> 'sent'") == 0
    assert not any("Traceback" in d.stderr for d in daemons)
    dupes = sum(c - 1 for c in copies.values())
    print(f"\n[figures] three daemons, one -9, one SIGSTOPped: {len(copies)} alerts, {dupes} duplicates")

"""The operations listener (``PRESSMON_HTTP_LISTEN=127.0.0.1:9108``; off unless set).

- ``/healthz``: 200 while every daemon loop keeps ticking (the scheduler and event loop are alive),
  503 naming the loops that stopped. A database outage does not fail it: the loops tick and back off.
- ``/readyz``: 200 when the database answers, takes a write transaction, and is at the newest
  migration; 503 with the reason otherwise (a load balancer or orchestrator stops sending work).
- ``/metrics``: Prometheus text format (``monitor.metrics``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from monitor.metrics import REGISTRY, StateCollector
from monitor.store.engine import write_session
from monitor.store.migrate import is_current

if TYPE_CHECKING:
    from monitor.daemon import Daemon

__all__ = ["OpsServer", "parse_listen"]

log = logging.getLogger("pressmon.http")

READY_TIMEOUT_S = 5.0


def parse_listen(listen: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9108`` for IPv6) -> (host, port); ValueError with the reason."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'PRESSMON_HTTP_LISTEN "{listen}" is not host:port (e.g. 127.0.0.1:9108)')
    return (host.strip("[]") or "0.0.0.0"), int(port)


def check_ready(engine: sa.Engine) -> str | None:
    """None if the database is reachable, writable and current; else what is wrong."""
    try:
        with write_session(engine) as s:
            if s.get_bind().dialect.name == "postgresql":
                if s.execute(sa.text("SHOW transaction_read_only")).scalar() == "on":
                    return "database is read-only"
            else:
                s.execute(sa.text("SELECT 1"))  # BEGIN IMMEDIATE already took the write lock
        if not is_current(engine):
            return "database schema is not at the newest migration (run: pressmon db upgrade)"
    except sa.exc.SQLAlchemyError as e:
        return f"database unreachable: {str(getattr(e, 'orig', e)).strip().splitlines()[0][:200]}"
    return None


class OpsServer:
    def __init__(self, daemon: Daemon, listen: str) -> None:
        self.daemon = daemon
        self.host, self.port = parse_listen(listen)
        self._runner: web.AppRunner | None = None
        self._state = CollectorRegistry(auto_describe=False)
        app = daemon.app
        self._state.register(StateCollector(app.engine, app.now, self.loop_ages))

    def loop_ages(self) -> dict[str, float | None]:
        now = time.monotonic()
        loops = self.daemon.loops.items()
        return {name: (now - s.last_tick if s.last_tick is not None else None) for name, s in loops}

    def stale_loops(self) -> list[str]:
        now = time.monotonic()
        return [
            name
            for name, state in self.daemon.loops.items()
            if state.stale(now, 3 * self.daemon.interval(name) + 30)
        ]

    async def healthz(self, _req: web.Request) -> web.Response:
        stale = self.stale_loops()
        if stale:
            return web.Response(status=503, text=f"loops not ticking: {', '.join(stale)}\n")
        return web.Response(text="ok\n")

    async def readyz(self, _req: web.Request) -> web.Response:
        try:
            problem = await asyncio.wait_for(
                asyncio.to_thread(check_ready, self.daemon.app.engine), READY_TIMEOUT_S
            )
        except TimeoutError:
            problem = f"database did not answer within {READY_TIMEOUT_S:g}s"
        if problem:
            return web.Response(status=503, text=problem + "\n")
        return web.Response(text="ready\n")

    async def metrics(self, _req: web.Request) -> web.Response:
        body = await asyncio.to_thread(lambda: generate_latest(REGISTRY) + generate_latest(self._state))
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("http: listening on %s:%d (/healthz, /readyz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

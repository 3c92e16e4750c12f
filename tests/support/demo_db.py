"""The demo's history in a test database: baseline poll, new and edited statements, delivery to the
console (captured). What `pressmon demo --keep DIR` leaves behind, on SQLite or PostgreSQL."""

from __future__ import annotations

import io
from dataclasses import dataclass

from monitor.app import App
from monitor.config.schema import Config
from monitor.demo.run import demo_config
from monitor.demo.server import DemoServer
from monitor.settings import Settings


@dataclass
class DemoHistory:
    db_url: str
    config: Config
    printed: str  # what the console receiver printed


async def build_demo_history(db_url: str) -> DemoHistory:
    out = io.StringIO()
    with DemoServer() as server:
        config = demo_config(server.base_url)
        settings = Settings(database_url=db_url, allow_private_networks=True, lease_seconds=60)
        app = App.build(settings, config, stream=out)
        try:
            app.prepare_database(exclusive=False)
            await app.poll_pass()
            await app.deliver()
            server.advance()
            await app.poll_pass()
            await app.deliver()
        finally:
            await app.aclose()
    return DemoHistory(db_url, config, out.getvalue())

"""``pressmon demo``: the whole product on loopback, offline, in a few seconds.

1. Start the demo server (bundled White House, DSCA, Federal Register, Nikkei and Kantei style feeds).
2. Poll every source once: a baseline, stored and not alerted.
3. The server publishes new statements and edits one; poll again: the alerts print to the console.

The demo uses the shipped feeds.yaml's topics and routes with the demo sources in place of the real
ones, a throwaway SQLite database, and the console receiver.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from monitor.app import App
from monitor.config.loader import load_config_text
from monitor.config.schema import Config
from monitor.demo.content import demo_sources_yaml
from monitor.demo.server import DemoServer
from monitor.resources import bundled_path
from monitor.settings import Settings
from monitor.store.outbox import counts_by_state

__all__ = ["demo_config", "run_demo"]


def demo_config(base_url: str) -> Config:
    """The shipped topics/routes with the demo sources; every receiver becomes the console."""
    shipped: dict[str, Any] = yaml.safe_load(bundled_path("feeds.yaml").read_text(encoding="utf-8"))
    shipped["sources"] = yaml.safe_load(demo_sources_yaml(base_url))["sources"]
    shipped["receivers"] = {"console": {"kind": "console"}}
    shipped["routes"] = [
        {"match": r.get("match", {}), "to": ["console"]} for r in shipped.get("routes", [])
    ] or [{"to": ["console"]}]
    return load_config_text(yaml.safe_dump(shipped, allow_unicode=True), filename="feeds.yaml (demo)")


async def run_demo(*, keep_dir: Path | None, out: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="pressmon-demo-") as tmp:
        workdir = keep_dir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        db = workdir / "demo.db"
        for stale in workdir.glob("demo.db*"):
            stale.unlink()
        with DemoServer() as server:
            config = demo_config(server.base_url)
            settings = Settings(database_url=f"sqlite:///{db}", allow_private_networks=True, lease_seconds=60)
            app = App.build(settings, config)
            try:
                app.prepare_database(exclusive=True)
                out.rule("pressmon demo: step 1, baseline poll")
                first = await app.poll_pass()
                for r in first.sources:
                    out.print(f"  {r.source_id}: {r.status}, {r.new} items stored", markup=False)
                delivered = await app.deliver()
                out.print(
                    "  first poll of a source is a baseline: "
                    f"{sum(r.new for r in first.sources)} items stored, {delivered.sent} alerts sent",
                    markup=False,
                )
                out.rule("step 2, the sources publish new statements and edit one; poll again")
                server.advance()
                second = await app.poll_pass()
                for r in second.sources:
                    out.print(
                        f"  {r.source_id}: {r.status}, {r.new} new, {r.revised} revised, {r.alerts} alerts",
                        markup=False,
                    )
                out.rule("alerts")
                delivered = await app.deliver()
                out.rule("summary")
                out.print(
                    f"  {delivered.sent} alerts delivered to the console; "
                    f"outbox states: {counts_by_state(app.engine)}",
                    markup=False,
                )
                third = await app.poll_pass()
                again = await app.deliver()
                out.print(
                    "  a third poll finds nothing new: "
                    f"{sum(r.new + r.revised for r in third.sources)} changes, {again.sent} alerts "
                    f"(statuses: {', '.join(sorted({r.status for r in third.sources}))})",
                    markup=False,
                )
                if keep_dir:
                    out.print(
                        f"  database kept: PRESSMON_DATABASE_URL=sqlite:///{db} pressmon sources",
                        markup=False,
                    )
            finally:
                await app.aclose()

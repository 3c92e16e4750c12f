"""``pressmon demo``: the whole product on loopback, offline, in a few seconds.

1. Start the demo server (bundled White House, DSCA, Nikkei and Kantei style feeds, a Federal Register
   documents.json API and a Shift_JIS MOFA listing page).
2. Poll every source once: a baseline, stored and not alerted.
3. The server publishes new statements and edits one; poll again: the alerts print to the console.

The demo uses the shipped feeds.yaml's topics and routes with the demo sources in place of the real
ones, a throwaway SQLite database, and the console receiver.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console

from monitor.app import App
from monitor.config.loader import load_config_text
from monitor.config.schema import Config
from monitor.demo.content import demo_sources_yaml
from monitor.demo.server import DemoServer
from monitor.humanize import count
from monitor.poll import SourceReport
from monitor.resources import bundled_path
from monitor.settings import Settings
from monitor.store.misses import collect_near_misses
from monitor.store.outbox import counts_by_state

__all__ = ["demo_config", "run_demo"]


def demo_config_yaml(base_url: str) -> str:
    """The shipped topics/routes with the demo sources; every receiver becomes the console."""
    shipped: dict[str, Any] = yaml.safe_load(bundled_path("feeds.yaml").read_text(encoding="utf-8"))
    shipped["sources"] = yaml.safe_load(demo_sources_yaml(base_url))["sources"]
    shipped["receivers"] = {"console": {"kind": "console"}}
    shipped["routes"] = [
        {"match": r.get("match", {}), "to": ["console"]} for r in shipped.get("routes", [])
    ] or [{"to": ["console"]}]
    return yaml.safe_dump(shipped, allow_unicode=True)


def demo_config(base_url: str) -> Config:
    return load_config_text(demo_config_yaml(base_url), filename="feeds.yaml (demo)")


# The demo's clock starts at a fixed time and moves with the real one, so two runs print the same times
# (alerts show minutes) and the same story numbers; sources are polled one at a time in id order, so
# alerts and stories come out in the same order every run.
DEMO_START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def demo_clock() -> Callable[[], datetime]:
    started = time.monotonic()
    return lambda: DEMO_START + timedelta(seconds=time.monotonic() - started)


async def _poll_each(app: App) -> list[SourceReport]:
    reports: list[SourceReport] = []
    for source_id in sorted(app.enabled_source_ids()):
        reports.extend((await app.poll_pass([source_id])).sources)
    return reports


async def run_demo(*, keep_dir: Path | None, out: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="pressmon-demo-") as tmp:
        workdir = keep_dir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        db = workdir / "demo.db"
        for stale in workdir.glob("demo.db*"):
            stale.unlink()
        with DemoServer() as server:
            config = demo_config(server.base_url)
            if keep_dir:  # the demo's feeds.yaml beside its database: replay, backtest and search use it
                (workdir / "feeds.yaml").write_text(demo_config_yaml(server.base_url), encoding="utf-8")
            # One loopback server stands in for six sites: no per-host spacing between them.
            settings = Settings(
                database_url=f"sqlite:///{db}",
                allow_private_networks=True,
                lease_seconds=60,
                per_host_spacing_seconds=0,
            )
            app = App.build(settings, config, now=demo_clock())
            try:
                app.prepare_database(exclusive=True)
                out.rule("pressmon demo: step 1, baseline poll")
                first = await _poll_each(app)
                for r in first:
                    out.print(f"  {r.source_id}: {r.status}, {count(r.new, 'item')} stored", markup=False)
                delivered = await app.deliver()
                stored, sent = count(sum(r.new for r in first), "item"), count(delivered.sent, "alert")
                out.print(
                    f"  first poll of a source is a baseline: {stored} stored, {sent} sent",
                    markup=False,
                )
                out.rule("step 2, the sources publish new statements and edit one; poll again")
                server.advance()
                second = await _poll_each(app)
                for r in second:
                    out.print(
                        f"  {r.source_id}: {r.status}, {r.new} new, {r.revised} revised, "
                        f"{count(r.alerts, 'alert')}",
                        markup=False,
                    )
                out.rule("alerts")
                delivered = await app.deliver()
                out.rule("summary")
                states = ", ".join(f"{n} {state}" for state, n in sorted(counts_by_state(app.engine).items()))
                out.print(
                    f"  {count(delivered.sent, 'alert')} delivered to the console; outbox: {states}",
                    markup=False,
                )
                # Possible misses: what a topic almost caught, recorded and never alerted (issue 13's
                # near misses; digests list them, `pressmon topics misses` shows them).
                for m in collect_near_misses(app.engine, start=DEMO_START - timedelta(days=1)):
                    out.print(
                        f"  possible miss, recorded, not alerted: {m.title} ({m.topic_id}: {m.reason})",
                        markup=False,
                    )
                third = await _poll_each(app)
                again = await app.deliver()
                out.print(
                    "  a third poll finds nothing new: "
                    f"{count(sum(r.new + r.revised for r in third), 'change')}, {count(again.sent, 'alert')} "
                    f"(statuses: {', '.join(sorted({r.status for r in third}))})",
                    markup=False,
                )
                if keep_dir:
                    out.print(
                        f"  database kept: PRESSMON_DATABASE_URL=sqlite:///{db} pressmon sources",
                        markup=False,
                    )
                    out.print(
                        f"  and its history: PRESSMON_DATABASE_URL=sqlite:///{db} pressmon replay "
                        f"--since {DEMO_START:%Y-%m-%d} "
                        f"-c {workdir / 'feeds.yaml'}",
                        markup=False,
                    )
                    out.print(
                        f"  and what the topics almost caught: PRESSMON_DATABASE_URL=sqlite:///{db} "
                        f"pressmon topics misses --since {DEMO_START:%Y-%m-%d}",
                        markup=False,
                    )
                else:
                    out.print(
                        "  next: `pressmon demo --keep DIR` keeps this database and its feeds.yaml, to"
                        " replay, search and show its history (`pressmon init` starts a real setup)",
                        markup=False,
                    )
            finally:
                await app.aclose()

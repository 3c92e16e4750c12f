"""Prometheus metrics (``/metrics`` of the operations listener, ``monitor.ops_http``).

Counters and histograms live on one registry for the process and are moved where the work happens
(poll, delivery, claims). Gauges that describe the database (outbox depth and age per receiver) and
the daemon's loops are read at scrape time by :class:`StateCollector`, so they are true for every
instance whichever one did the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlmodel import col, func, select

from monitor.store.engine import read_session
from monitor.store.models import OutboxRow

__all__ = [
    "DELIVERIES",
    "FETCH_SECONDS",
    "ITEMS",
    "LEASE_TAKEOVERS",
    "MENTIONS",
    "POLLS",
    "REGISTRY",
    "STAGE_SECONDS",
    "STORY_REDECISIONS",
    "StateCollector",
    "timed",
]

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "pressmon_polls",
    "Source polls by outcome (ok, not_modified, unchanged, error, lease-lost).",
    ["outcome"],
    registry=REGISTRY,
)
FETCH_SECONDS = Histogram(
    "pressmon_fetch_seconds",
    "Time of one source fetch (request to body, or to the error).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
ITEMS = Counter("pressmon_items", "Items stored, by change (new, revised).", ["change"], registry=REGISTRY)
MENTIONS = Counter("pressmon_mentions", "Topic mentions found, by topic.", ["topic"], registry=REGISTRY)
DELIVERIES = Counter(
    "pressmon_deliveries",
    "Outbox rows handled, by receiver and outcome.",
    ["receiver", "outcome"],
    registry=REGISTRY,
)
STORY_REDECISIONS = Counter(
    "pressmon_story_redecisions",
    "Polls whose new items were decided again as they committed: items sharing a story were stored "
    "meanwhile by another poll.",
    registry=REGISTRY,
)
LEASE_TAKEOVERS = Counter(
    "pressmon_lease_takeovers",
    "Work claimed while another instance's lease on it had expired (it died or stalled), by kind of work:"
    " source, delivery (an outbox row), job (a maintenance job).",
    ["work"],
    registry=REGISTRY,
)
STAGE_SECONDS = Histogram(
    "pressmon_stage_seconds",
    "CPU-bound stages of a poll: parse (bytes to entries) and decide (identity, diff, match, plan).",
    ["stage"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
    registry=REGISTRY,
)


@contextmanager
def timed(hist: Histogram, **labels: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        (hist.labels(**labels) if labels else hist).observe(time.perf_counter() - start)


def outbox_by_receiver(engine: sa.Engine, now: datetime) -> dict[str, tuple[int, float]]:
    """Pending (not yet sent, failed or dropped) rows and the age in seconds of the oldest, per receiver."""
    waiting = col(OutboxRow.state).in_(["pending", "retry", "sending", "ambiguous"])
    with read_session(engine) as s:
        q = (
            select(OutboxRow.receiver, func.count(), func.min(OutboxRow.created_at))
            .where(waiting)
            .group_by(col(OutboxRow.receiver))
        )
        out: dict[str, tuple[int, float]] = {}
        for receiver, n, oldest in s.exec(q).all():
            if oldest is not None and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=now.tzinfo)
            out[receiver] = (int(n), max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        return out


class StateCollector(Collector):
    """Gauges read at scrape time: the outbox per receiver, and seconds since each loop last ticked."""

    def __init__(
        self,
        engine: sa.Engine,
        now: Callable[[], datetime],
        loop_ages: Callable[[], dict[str, float | None]],
    ) -> None:
        self.engine, self.now, self.loop_ages = engine, now, loop_ages

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "pressmon_outbox_pending", "Outbox rows not yet delivered.", labels=["receiver"]
        )
        age = GaugeMetricFamily(
            "pressmon_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered row.",
            labels=["receiver"],
        )
        up = GaugeMetricFamily("pressmon_database_up", "1 if the last scrape could read the database.")
        try:
            rows = outbox_by_receiver(self.engine, self.now())
            up.add_metric([], 1)
        except sa.exc.SQLAlchemyError:
            rows = {}
            up.add_metric([], 0)
        for receiver, (n, oldest) in sorted(rows.items()):
            depth.add_metric([receiver], n)
            age.add_metric([receiver], oldest)
        loops = GaugeMetricFamily(
            "pressmon_loop_last_tick_age_seconds",
            "Seconds since each daemon loop last ticked.",
            labels=["loop"],
        )
        for name, seconds in sorted(self.loop_ages().items()):
            if seconds is not None:
                loops.add_metric([name], seconds)
        return [depth, age, up, loops]

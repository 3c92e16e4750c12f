"""Settings from the environment. Nothing else in pressmon reads ``os.environ``.

Every variable is prefixed ``PRESSMON_``; secrets named in feeds.yaml (``token_env``) are read through
:func:`secret`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.store.engine import DbTimeouts

__all__ = ["Settings", "db_timeouts", "secret"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRESSMON_", frozen=True, extra="ignore")

    # SQLite file in the working directory by default; postgresql+psycopg://... for several instances.
    database_url: str = "sqlite:///pressmon.db"
    config_file: Path = Path("feeds.yaml")
    # Fetching loopback/private/link-local addresses is refused unless this is set (tests, the demo).
    allow_private_networks: bool = False
    # Leases: a claimed source or outbox row is ours until now + lease.
    lease_seconds: float = Field(120.0, gt=0)
    # How often the daemon looks for due sources and pending deliveries.
    tick_seconds: float = Field(5.0, gt=0)
    # Parallel fetches per instance (httpx degrades badly with hundreds in flight on one client).
    max_concurrent_fetches: int = Field(10, gt=0)
    # Politeness per host, over feeds, listing pages, full texts and probes alike: requests in flight to
    # one host, and the least time between two requests to it starting.
    per_host_concurrency: int = Field(2, gt=0)
    per_host_spacing_seconds: float = Field(0.5, ge=0)
    # CPU stages of a poll (decode, parse, clean, identity, topic matching, fingerprints) run in worker
    # processes (monitor/cpu.py): how many (default: one per core; 0: in process, in a thread, with no
    # budget enforced, for tests and the demo), and each job's budget: wall seconds, the address space of
    # a worker (MB; 0: no cap), and the largest body handed to a parser. Over budget is an error on that
    # source ("parse exceeded the 10 s budget"); the worker is replaced.
    parse_workers: int | None = Field(None, ge=0)
    parse_budget_seconds: float = Field(10.0, gt=0)
    parse_memory_mb: int = Field(1024, ge=0)
    parse_max_bytes: int = Field(16_000_000, gt=0)
    # Total deadline of one send to a receiver (connect + write + read + body): a slow receiver waits alone.
    send_deadline_seconds: float = Field(30.0, gt=0)
    # Receivers delivered to at once (one lane each, one send at a time per receiver).
    max_parallel_receivers: int = Field(8, gt=0)
    # Operator alerts: a receiver failing this long; the oldest pending alert waiting this long.
    receiver_failing_alert_seconds: float = Field(900.0, gt=0)
    outbox_stuck_alert_seconds: float = Field(1800.0, gt=0)
    # PostgreSQL only: server-side bounds on every connection (seconds; 0 turns one off). A statement,
    # a lock wait, or a transaction left idle (an instance paused mid-commit) ends after these.
    db_statement_timeout_seconds: float = Field(30.0, ge=0)
    db_lock_timeout_seconds: float = Field(5.0, ge=0)
    db_idle_in_transaction_timeout_seconds: float = Field(60.0, ge=0)
    db_connect_timeout_seconds: float = Field(5.0, gt=0)
    # A database outage: the daemon's loops retry after 1 s, 2 s, 4 s ... up to this.
    db_backoff_max_seconds: float = Field(60.0, gt=0)
    # The operations listener (/healthz, /readyz, /metrics), e.g. 127.0.0.1:9108; off when unset.
    http_listen: str | None = None
    # Log lines as text (default) or one JSON object per line with stable keys (source_id, receiver...).
    log_format: Literal["text", "json"] = "text"
    # The database refusing writes this long raises an operator alert (sent directly, not queued).
    store_alert_seconds: float = Field(60.0, ge=0)
    # The daemon's heartbeat file for `pressmon health` (default: beside the SQLite file, or in /tmp).
    heartbeat_file: Path | None = None
    # Grace period for in-flight work on SIGTERM.
    drain_seconds: float = Field(20.0, gt=0)
    # Identity of this instance in lease columns; default host:pid.
    instance_id: str | None = None
    # A directory of templates that override the bundled ones in alerts/ (same file names).
    template_dir: Path | None = None
    # Slack Web API base URL (tests point this at a fake server); default Slack's own.
    slack_api_url: str | None = None
    # Crash tests only (monitor/failpoints.py): points at which to SIGKILL ourselves, once each.
    failpoints: str | None = None
    failpoint_dir: Path | None = None


def db_timeouts(settings: Settings) -> DbTimeouts:
    return DbTimeouts(
        statement_s=settings.db_statement_timeout_seconds,
        lock_s=settings.db_lock_timeout_seconds,
        idle_in_transaction_s=settings.db_idle_in_transaction_timeout_seconds,
        connect_s=settings.db_connect_timeout_seconds,
    )


def secret(env_name: str) -> str | None:
    """The value of a secret named in config (``token_env: SLACK_BOT_TOKEN``), or None when unset."""
    value = os.environ.get(env_name)
    return value or None

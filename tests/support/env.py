"""The environment a test gives a pressmon subprocess: the caller's, minus any PRESSMON_ setting that
leaked in from the shell, plus what tests want everywhere.

Every test source is a path on one loopback server, so the per-host spacing that keeps pressmon polite to a
real site (0.5 s between two requests to one host) would only serialise the test's sources behind one
another: tests set it to 0, and the tests of the host gate itself set it explicitly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TEST_DEFAULTS = {"PRESSMON_PER_HOST_SPACING_SECONDS": "0"}


def pressmon_env(**settings: str) -> dict[str, str]:
    """``os.environ`` without ``PRESSMON_*``, with the test defaults and then ``settings`` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMON_")}
    env.update(TEST_DEFAULTS)
    env.update(settings)
    return env


def use_cli_env(
    monkeypatch: pytest.MonkeyPatch,
    directory: Path,
    *,
    db_url: str | None = None,
    allow_private_networks: bool = True,
    **extra: str,
) -> Path:
    """In-process CLI tests (``CliRunner``): run in ``directory`` with its own SQLite file (or
    ``db_url``), loopback sources allowed unless said otherwise, no config file or template directory
    leaking in from the shell, and ``extra`` variables set. Returns ``directory``."""
    monkeypatch.setenv("PRESSMON_DATABASE_URL", db_url or f"sqlite:///{directory / 'p.db'}")
    if allow_private_networks:
        monkeypatch.setenv("PRESSMON_ALLOW_PRIVATE_NETWORKS", "true")
    else:
        monkeypatch.delenv("PRESSMON_ALLOW_PRIVATE_NETWORKS", raising=False)
    for name in ("PRESSMON_CONFIG_FILE", "PRESSMON_TEMPLATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(directory)
    return directory

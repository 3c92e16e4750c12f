"""The environment a test gives a pressmon subprocess: the caller's, minus any PRESSMON_ setting that
leaked in from the shell, plus what tests want everywhere.

Every test source is a path on one loopback server, so the per-host spacing that keeps pressmon polite to a
real site (0.5 s between two requests to one host) would only serialise the test's sources behind one
another: tests set it to 0, and the tests of the host gate itself set it explicitly."""

from __future__ import annotations

import os

TEST_DEFAULTS = {"PRESSMON_PER_HOST_SPACING_SECONDS": "0"}


def pressmon_env(**settings: str) -> dict[str, str]:
    """``os.environ`` without ``PRESSMON_*``, with the test defaults and then ``settings`` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMON_")}
    env.update(TEST_DEFAULTS)
    env.update(settings)
    return env

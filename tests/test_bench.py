"""Smoke tests of the bench scripts: each runs at a tiny size and prints its table. No timing is asserted
(the figures are the benches' job, read by a person; see bench/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# rss2email is installed once per machine for the peer bench's smoke test, not once per run.
R2E_VENV = Path.home() / ".cache" / "pressmon-bench" / "rss2email-3.14"

pytestmark = pytest.mark.slow


def bench(script: str, *args: str, timeout: float = 240) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "measure" in done.stdout and "baseline is" in done.stdout, done.stdout
    return done.stdout


@pytest.mark.parametrize(
    ("script", "args", "rows"),
    [
        pytest.param(
            "poll_cycle.py",
            ("--sources", "4", "--items", "3", "--steady", "1"),
            ("unchanged cycle, in process", "daemon steady state", "first poll, in process"),
            id="poll_cycle",
        ),
        pytest.param(
            "ingest.py",
            ("--sources", "4", "--items", "3"),
            ("first poll (baseline, stored)", "second poll, every entry new"),
            id="ingest",
        ),
        pytest.param(
            "memory.py",
            ("--sources", "4", "--items", "3", "--minutes", "0.1"),
            ("peak RSS, first poll", "peak RSS, daemon", "RSS growth"),
            id="memory",
        ),
        pytest.param(
            "latency.py",
            ("--sources", "4", "--items", "3", "--every", "2s", "--seconds", "15", "--baseline-samples", "4"),
            ("poll-to-receiver p99", "publish-to-receiver p99", "4 of 4 feeds alerted"),
            id="latency",
        ),
        pytest.param(
            "first_polls.py",
            ("--sources", "4", "--items", "3", "--runs", "2"),
            ("first polls with no lock error or lease loss, of 2", "run 2:"),
            id="first_polls",
        ),
        pytest.param(
            "peer.py",
            ("--sources", "4", "--items", "3", "--venv", str(R2E_VENV)),
            ("first run", "unchanged run", "(12 mails)"),
            id="peer",
        ),
    ],
)
def test_bench_runs_and_prints_its_table(script: str, args: tuple[str, ...], rows: tuple[str, ...]) -> None:
    out = bench(script, *args)
    for row in rows:
        assert row in out, out

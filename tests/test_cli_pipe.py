"""A reader that stops early (`pressmon items | head`) is not a failure: the installed command, run as a
subprocess whose stdout pipe is closed before it writes, exits 0 and prints nothing on stderr (exit 1
means "the answer is no"; click's own handling of a closed pipe exited 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.demo_db import build_demo_history

COMMANDS = {
    "items": ["items", "--since", "3650d"],
    "stories": ["stories", "--since", "3650d"],
    "search": ["search", "Japan"],
    "export (streamed)": ["export", "--since", "3650d", "--format", "jsonl"],
    "show": ["show", "1"],
    "help": ["items", "--help"],
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    import asyncio

    url = f"sqlite:///{tmp_path_factory.mktemp('pipe') / 'demo.db'}"
    asyncio.run(build_demo_history(url))
    return url


def _run_with_closed_stdout(args: list[str], db_url: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMON_")}
    env.update(PRESSMON_DATABASE_URL=db_url, NO_COLOR="1")
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before pressmon writes a byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    return proc


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_reader_that_stops_early_is_not_a_failure(db: str, tmp_path: Path, args: list[str]) -> None:
    proc = _run_with_closed_stdout(args, db, tmp_path)
    assert proc.stderr.decode() == ""
    assert proc.returncode == 0


def test_an_error_still_reports_with_the_pipe_closed(db: str, tmp_path: Path) -> None:
    proc = _run_with_closed_stdout(["show", "99999"], db, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("pressmon: show: no item 99999")

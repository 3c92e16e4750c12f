"""``pressmon run`` as a real subprocess for tests, its output in files (no pipes to fill or leak)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

__all__ = ["Daemon", "pressmon_argv"]


def pressmon_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", *args]


class Daemon:
    def __init__(self, cfg: Path, env: dict[str, str], logdir: Path, name: str) -> None:
        self.name = name
        self.out_path, self.err_path = logdir / f"{name}.out", logdir / f"{name}.err"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                pressmon_argv("run", "-c", str(cfg)), env=env, stdout=out, stderr=err
            )

    def stop(self, sig: signal.Signals, timeout: float = 20) -> int:
        """Send ``sig`` and wait; a process still alive after ``timeout`` is killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

"""The output layer: progress bars only when stderr is a terminal."""

from __future__ import annotations

import io

import pytest

from monitor.cli.output import Output


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    with Output().progress("polling", total=2) as step:
        step(1)
        step(1, description="done")
    assert piped.getvalue() == ""
    tty = _Tty()
    monkeypatch.setattr("sys.stderr", tty)
    with Output().progress("polling", total=2) as step:
        step(2, description="polled dsca")
    assert tty.getvalue() != ""

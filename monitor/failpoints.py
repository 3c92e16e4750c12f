"""Failpoints: named places where a test can make the process die, to prove crash safety.

``PRESSMON_FAILPOINTS=after-commit-before-send,after-send-before-record`` (read through settings) makes
:func:`hit` SIGKILL the process the first time it reaches each named point. With
``PRESSMON_FAILPOINT_DIR`` set, a marker file per point makes each fire once across restarts, so the
restarted daemon runs through. Unset (always, outside tests) they cost one set lookup.

Points: ``after-commit-before-send`` (outbox row claimed and marked sending, nothing sent),
``after-send-before-record`` (the provider answered, the outcome not yet recorded), ``mid-poll`` (a fetch
answered, nothing committed).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

__all__ = ["configure", "hit"]

_armed: set[str] = set()
_marker_dir: Path | None = None


def configure(points: str | None, marker_dir: Path | None) -> None:
    global _marker_dir
    _armed.clear()
    _armed.update(p.strip() for p in (points or "").split(",") if p.strip())
    _marker_dir = marker_dir


def hit(point: str) -> None:
    if point not in _armed:
        return
    if _marker_dir is not None:
        marker = _marker_dir / f"{point}.fired"
        if marker.exists():
            return
        marker.write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)

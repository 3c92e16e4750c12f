"""Jobs for tests of ``monitor.cpu``'s workers: module-level (picklable) and quick to import."""

from __future__ import annotations

import os
import signal
from typing import Any

from monitor.errors import ParseError


def spin(_: Any) -> None:
    while True:
        pass


def square(_: Any, n: int) -> int:
    return n * n


def hog(_: Any, mb: int) -> int:
    return len(bytearray(mb * 1024 * 1024))


def die(_: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def refuse(_: Any) -> None:
    raise ParseError("src", "not a feed: nope")


def bug(_: Any) -> None:
    raise ZeroDivisionError("division by zero")


def uses_shared(shared: Any, key: str) -> Any:
    return shared[key]

"""Fewer glibc malloc arenas for the pressmon process.

glibc gives each thread that allocates concurrently an arena of its own, up to eight per core, and
memory freed in one arena is not reused by another: the daemon's threads (SQLite writers, ``to_thread``
workers, the delivery lanes) left ~10-16 MiB of RSS in partly used arenas with 1,000 sources
(``bench/memory.py``, 2026-12-07). Two arenas keep that down at no measurable cost to throughput
(Python allocates small objects from its own pools under the GIL anyway).

Applied once, at start, before any thread exists; a user's own ``MALLOC_ARENA_MAX`` wins, and on a C
library without ``mallopt`` (musl, macOS) nothing happens.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["ARENAS", "limit_arenas"]

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Set glibc's ``M_ARENA_MAX``; True when it was applied."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))

"""Where bundled files live: ``migrations/``, ``alerts/`` and the default ``feeds.yaml``.

In a wheel they are packaged under ``monitor/_bundled/``; in a source checkout (editable install, tests)
they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_path"]

_PKG = Path(__file__).resolve().parent


def bundled_path(name: str) -> Path:
    """Path of a bundled resource (``"migrations"``, ``"alerts"``, ``"feeds.yaml"``)."""
    packaged = _PKG / "_bundled" / name
    if packaged.exists():
        return packaged
    return _PKG.parent / name

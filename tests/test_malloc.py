"""monitor.malloc: the arena limit applies on glibc, and a user's MALLOC_ARENA_MAX wins."""

from __future__ import annotations

import ctypes
import platform

import pytest

from monitor.malloc import limit_arenas


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except AttributeError:
        return False
    return platform.system() == "Linux"


@pytest.mark.skipif(not _glibc(), reason="M_ARENA_MAX is glibc's")
def test_applied_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_arenas() is True


def test_a_users_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert limit_arenas() is False

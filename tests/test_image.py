"""The Dockerfile, checked without a Docker engine: its Python is the one constraints.txt is frozen on,
every runtime dependency is pinned there (a reproducible build), and zoneinfo has a tz database."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[_norm(name)] = version.strip()
    return pins


def test_the_image_python_is_the_one_constraints_are_frozen_on() -> None:
    (base,) = re.findall(r"^FROM python:(\d+\.\d+)-slim\s*$", (ROOT / "Dockerfile").read_text(), re.M)
    (frozen,) = re.findall(r"^# Frozen on Python (\d+\.\d+)", (ROOT / "constraints.txt").read_text(), re.M)
    assert base == frozen


def test_every_runtime_dependency_is_pinned() -> None:
    """pressmon's dependencies, transitively (extras and markers evaluated as on this Python), each have
    a pin: `pip install -c constraints.txt .` then installs exactly what was tested."""
    pins = _pins()
    seen: set[str] = set()
    todo = [Requirement(r) for r in distribution("pressmon").requires or []]
    missing = []
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = _norm(req.name)
        if name in seen:
            continue
        seen.add(name)
        if name not in pins:
            missing.append(name)
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            continue
        for extra in req.extras:
            todo += [
                r
                for r in map(Requirement, dist.requires or [])
                if r.marker is not None and r.marker.evaluate({"extra": extra})
            ]
        todo += [Requirement(r) for r in dist.requires or []]
    assert sorted(missing) == []


def test_the_image_installs_a_tz_database_and_checks_zoneinfo() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"apt-get install -y --no-install-recommends tzdata", text)
    assert "ZoneInfo('Asia/Tokyo')" in text

"""The HTTP client keeps a connection per host its sources name (within a cap), so slots handed out host
by host reuse connections instead of recycling a small pool across many hosts."""

from __future__ import annotations

import pytest

from monitor.config.loader import load_config_text
from monitor.wiring import MAX_POOL, pool_size


def _config(hosts: int, per_host: int, disabled: int = 0) -> str:
    lines = ["sources:"]
    for h in range(hosts):
        for n in range(per_host):
            off = "    enabled: false\n" if h < disabled else ""
            lines.append(f"  - id: s{h}-{n}\n    url: https://h{h}.example/feed{n}.xml\n{off}".rstrip("\n"))
    lines += [
        "topics:\n  - id: t\n    keywords: [Japan]",
        "routes:\n  - to: [c]",
        "receivers:\n  c: {kind: console}",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("hosts", "per_host", "disabled", "concurrency", "expected"),
    [
        pytest.param(3, 4, 0, 10, 20, id="few hosts: twice the fetches in flight"),
        pytest.param(50, 20, 0, 10, 50, id="more hosts than that: one connection each"),
        pytest.param(50, 1, 30, 10, 20, id="disabled sources' hosts do not count"),
        pytest.param(400, 1, 0, 10, MAX_POOL, id="capped"),
    ],
)
def test_pool_size(hosts: int, per_host: int, disabled: int, concurrency: int, expected: int) -> None:
    config = load_config_text(_config(hosts, per_host, disabled), filename="feeds.yaml")
    assert pool_size(config, concurrency) == expected

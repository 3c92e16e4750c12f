"""monitor.hosts.HostGate: per-host concurrency and spacing (issue 8 item 5), with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from monitor.hosts import HostGate


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_starts_to_one_host_are_spaced_and_other_hosts_are_not_held_up() -> None:
    clock = FakeClock()
    gate = HostGate(concurrency=5, spacing_s=2.0, clock=clock, sleep=clock.sleep)
    starts: list[tuple[str, float]] = []
    for url in ("https://a.gov/1", "https://A.gov:443/2", "https://b.gov/1", "https://a.gov/3"):
        async with gate.slot(url):
            starts.append((gate.host_of(url), clock.now))
    assert starts == [("a.gov", 100.0), ("a.gov", 102.0), ("b.gov", 102.0), ("a.gov", 104.0)]
    assert clock.slept == [2.0, 2.0]


async def test_concurrency_per_host_is_bounded() -> None:
    gate = HostGate(concurrency=2, spacing_s=0.0)
    in_flight = {"a.gov": 0, "b.gov": 0}
    peak = {"a.gov": 0, "b.gov": 0}
    release = asyncio.Event()

    async def fetch(url: str) -> None:
        host = gate.host_of(url)
        async with gate.slot(url):
            in_flight[host] += 1
            peak[host] = max(peak[host], in_flight[host])
            await release.wait()
            in_flight[host] -= 1

    tasks = [asyncio.create_task(fetch(f"https://{h}/{n}")) for h in ("a.gov", "b.gov") for n in range(5)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert in_flight == {"a.gov": 2, "b.gov": 2}
    release.set()
    await asyncio.gather(*tasks)
    assert peak == {"a.gov": 2, "b.gov": 2} and in_flight == {"a.gov": 0, "b.gov": 0}


@pytest.mark.parametrize(("concurrency", "spacing"), [(0, 1.0), (1, -1.0)])
def test_nonsense_limits_are_refused(concurrency: int, spacing: float) -> None:
    with pytest.raises(ValueError):
        HostGate(concurrency=concurrency, spacing_s=spacing)

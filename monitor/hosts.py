"""Politeness per host, shared by every fetch an instance makes (feeds, listing pages, API pages, full
texts, withdrawal probes): at most ``concurrency`` requests in flight to one host, and successive
requests to it started at least ``spacing_s`` apart.

    gate = HostGate(concurrency=2, spacing_s=1.0)
    async with gate.slot("https://www.mofa.go.jp/press/release/index.html"):
        ...  # fetch

Hosts are compared by lower-cased host name (ports apart). The clock and the sleep are injected, so the
spacing is tested without waiting. Waiting for a slot counts against nothing: the fetch's own deadline
starts when the slot is granted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["HostGate"]


@dataclass
class _Host:
    slots: asyncio.Semaphore
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class HostGate:
    def __init__(
        self,
        *,
        concurrency: int = 2,
        spacing_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if concurrency < 1 or spacing_s < 0:
            raise ValueError("concurrency must be at least 1 and spacing_s not negative")
        self.concurrency = concurrency
        self.spacing_s = spacing_s
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}

    @staticmethod
    def host_of(url: str) -> str:
        try:
            return (urlsplit(url).hostname or url).lower()
        except ValueError:
            return url.lower()

    def _host(self, name: str) -> _Host:
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = _Host(asyncio.Semaphore(self.concurrency))
        return host

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold one of the host's slots, started no sooner than ``spacing_s`` after the previous start."""
        host = self._host(self.host_of(url))
        async with host.slots:
            async with host.lock:  # starts are spaced in the order they asked
                wait = host.next_start - self._clock()
                if wait > 0:
                    await self._sleep(wait)
                host.next_start = max(self._clock(), host.next_start) + self.spacing_s
            yield

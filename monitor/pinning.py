"""Connect to the address the fetch checked, not to whatever DNS says a moment later (no rebinding).

``monitor.fetch`` resolves a host and checks every address against its policy, then calls :func:`pin`
with the address it will use. The client's transport (``make_client``) connects through
:class:`PinnedBackend`, which opens the TCP connection to the pinned address for that ``(host, port)``
while everything above TCP keeps the host name: the ``Host`` header, TLS SNI and certificate checks, and
httpx's connection pool (keyed by host, so a connection is never shared between two virtual hosts on
one address). Pins live in a context variable, so concurrent fetches (tasks) never see each other's.

A connection for a host with no pin (a client used outside ``fetch``) is refused: nothing connects to an
address nobody checked.
"""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Iterator
from contextvars import ContextVar

import httpcore

__all__ = ["PinnedBackend", "pin"]

_PINS: ContextVar[dict[tuple[str, int], str] | None] = ContextVar("pressmon_pins", default=None)


@contextlib.contextmanager
def pin(host: str, port: int, address: str) -> Iterator[None]:
    """While the block runs (in this task), connections to ``host:port`` go to ``address``."""
    token = _PINS.set({**(_PINS.get() or {}), (host.lower(), port): address})
    try:
        yield
    finally:
        _PINS.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, connecting to the pinned address of each host."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = (_PINS.get() or {}).get((host.lower(), port))
        if address is None:
            raise httpcore.ConnectError(f"no checked address for {host}:{port}: refused to connect")
        return await self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

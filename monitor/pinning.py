"""Connect to the address the fetch checked, not to whatever DNS says a moment later (no rebinding).

``monitor.fetch`` resolves a host and checks every address against its policy, then calls :func:`pin`
with the address it will use. The client's transport (``http_client.make_client``) connects through
:class:`PinnedBackend`, which opens the TCP connection to the pinned address for that ``(host, port)``
while everything above TCP keeps the host name: the ``Host`` header, TLS SNI and certificate checks, and
httpx's connection pool (keyed by host, so a connection is never shared between two virtual hosts on
one address). Pins live in a context variable, so concurrent fetches (tasks) never see each other's.

A connection for a host with no pin (a client used outside ``fetch``) is refused: nothing connects to an
address nobody checked.
"""

from __future__ import annotations

import contextlib
import select
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
        stream = await self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _Stream(stream, stream.get_extra_info("socket"))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _is_readable(sock: typing.Any) -> bool:
    """What httpcore's own streams answer: readable (data or EOF) means the server is done with it; a
    closed socket counts as readable."""
    fd = sock.fileno()
    if fd == -1:
        return True
    p = select.poll()
    p.register(fd, select.POLLIN)
    return bool(p.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's anyio stream, answering "is_readable" from the socket it keeps.

    The pool asks every idle connection whether the server closed it (``is_readable``) each time it
    assigns a request. anyio finds the raw socket for that by building all of the socket's attributes,
    ``getpeername`` included: a system call per idle connection per request, ~0.14 ms each on this
    project's CI machines and ~12% of an in-process ingest's event loop (``bench/ingest.py`` under
    cProfile, 2026-12-07). The socket never changes for a connection (TLS wraps the same one)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: typing.Any) -> None:
        self._inner = inner
        self._sock = sock

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout=timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout=timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._inner.start_tls(ssl_context, server_hostname=server_hostname, timeout=timeout)
        return _Stream(tls, self._sock)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self._sock is not None:
            return _is_readable(self._sock)
        return self._inner.get_extra_info(info)

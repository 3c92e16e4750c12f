"""The one HTTP client pressmon fetches with: no environment proxies, no automatic redirects
(``monitor.fetch`` follows them by hand, checking every hop), gzip only, HTTP/1.1, one verifying TLS
context built once, and a connection pool whose connections go to the address ``monitor.fetch`` checked
(``monitor.pinning``).
"""

from __future__ import annotations

import functools
import ssl

import httpcore
import httpx

from monitor.pinning import PinnedBackend

__all__ = ["make_client"]


def make_client(
    *, transport: httpx.AsyncBaseTransport | None = None, max_connections: int = 20
) -> httpx.AsyncClient:
    """The one client: no environment proxies, no automatic redirects, gzip only, HTTP/1.1; connections
    go to the address :func:`fetch` checked (``monitor.pinning``) unless a test passes its own transport."""
    if transport is None:
        pinned = httpx.AsyncHTTPTransport(
            verify=_tls_context(),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            trust_env=False,
            http2=False,
        )
        # httpx has no parameter for httpcore's network backend: same pool as httpx builds, one backend more.
        # That pool is an attribute httpx does not document, so check it is where it has been in every
        # release since 0.18 (pyproject bounds httpx below 1.0): without it the connection would go to
        # whatever DNS says at connect time, so refuse to run rather than silently lose the pinning.
        if not isinstance(getattr(pinned, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError(
                f"fetch: httpx {httpx.__version__} builds its transport without the connection pool pressmon "
                "pins addresses in; install the httpx version in constraints.txt"
            )
        pinned._pool = httpcore.AsyncConnectionPool(
            ssl_context=_tls_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=PinnedBackend(),
        )
        transport = pinned
    return httpx.AsyncClient(
        transport=transport,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        trust_env=False,
        follow_redirects=False,
        http2=False,
        headers={"Accept-Encoding": "gzip"},
        verify=_tls_context(),
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi roots, no env overrides), built once: ~40 ms each."""
    return httpx.create_ssl_context(trust_env=False)

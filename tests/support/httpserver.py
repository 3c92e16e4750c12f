"""A real HTTP server on 127.0.0.1 for tests: routes set at runtime, hostile behaviours built in.

    with FeedServer() as server:
        server.set("/feed.xml", b"<rss/>", etag='"v1"')   # answers 304 to If-None-Match: "v1"
        server.hang("/hang")                              # reads the request, never answers
        url = server.url("/feed.xml")

Every behaviour is a route: a function of the :class:`FeedRequestHandler` serving one request, run in
a daemon thread. ``stop()`` sets ``server.stopping`` (which every waiting or streaming helper watches),
shuts down open connections and the listening socket, and returns promptly even with hung handlers.
``server.requests`` records each request; ``server.hits(path)`` counts them. Unknown paths get 404.
For connection-level failures there is ``free_port()`` (refused) and ``unanswered_port()`` (connect hangs).

Use the ``feed_server`` fixture (``pytest_plugins = ["tests.support.httpserver"]`` or import it), or
define a local one around ``with FeedServer() as server: yield server``.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import socketserver
import struct
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import pytest

__all__ = [
    "FeedRequestHandler",
    "FeedServer",
    "RecordedRequest",
    "feed_server",
    "free_port",
    "gzip_bomb_bytes",
    "unanswered_port",
]

Route = Callable[["FeedRequestHandler"], None]

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # without the query
    target: str  # as sent, with the query
    headers: dict[str, str]  # lower-cased names


class FeedRequestHandler(BaseHTTPRequestHandler):
    """Serves one connection; routes call :meth:`respond`, or :meth:`start_stream` then :meth:`write`."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections give up after this
    server: _Server

    def do_GET(self) -> None:
        self.server.feed._dispatch(self)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def stopping(self) -> threading.Event:
        return self.server.feed.stopping

    def respond(self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        """A complete response; Content-Length is added unless ``headers`` sets it (to lie, say)."""
        headers = dict(headers or {})
        no_body = status in (204, 304) or self.command == "HEAD"
        if status not in (204, 304) and "content-length" not in {k.lower() for k in headers}:
            headers["Content-Length"] = str(len(body))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not no_body:
            self.write(body)

    def start_stream(self, status: int = 200, headers: Mapping[str, str] | None = None) -> None:
        """Status line and headers for a body written piecemeal and ended by closing the connection."""
        self.send_response(status)
        for name, value in {"Content-Type": "application/rss+xml", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()

    def write(self, data: bytes) -> bool:
        """Send ``data``; False (and the connection marked for closing) when the client has gone."""
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, feed: FeedServer) -> None:
        self.feed = feed
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FeedRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (socket.getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handlers blocked on a socket (keep-alive reads, full send buffers)."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is what hostile-server tests do on purpose.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FeedServer:
    """A threaded HTTP/1.1 server on 127.0.0.1, port chosen by the OS."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> FeedServer:
        if self._server is None:
            self.stopping.clear()
            self._server = _Server(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},
                daemon=True,
                name="FeedServer",
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join(timeout=2)
        self._server = self._thread = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FeedServer is not started")
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # --- routes ---

    def set_handler(self, path: str, fn: Route) -> None:
        """Serve ``path`` (matched without the query) with ``fn(handler)``."""
        with self._lock:
            self._routes[path] = fn

    def set(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        content_type: str = "application/rss+xml",
    ) -> None:
        """A fixed answer; with ``etag``/``last_modified``, 304 to a matching conditional GET."""
        sent = {"Content-Type": content_type, **(headers or {})}
        if etag is not None:
            sent["ETag"] = etag
        if last_modified is not None:
            sent["Last-Modified"] = last_modified

        def route(req: FeedRequestHandler) -> None:
            if _not_modified(req, etag, last_modified):
                req.respond(304, b"", {k: v for k, v in sent.items() if k.lower() != "content-type"})
            else:
                req.respond(status, body, sent)

        self.set_handler(path, route)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def last_request(self, path: str) -> RecordedRequest:
        with self._lock:
            return [r for r in self.requests if r.path == path][-1]

    def _dispatch(self, req: FeedRequestHandler) -> None:
        path = urlsplit(req.path).path
        record = RecordedRequest(req.command, path, req.path, {k.lower(): v for k, v in req.headers.items()})
        with self._lock:
            self.requests.append(record)
            route = self._routes.get(path)
        if route is None:
            req.respond(404, b"not found", {"Content-Type": "text/plain"})
        else:
            route(req)

    # --- status codes and redirects ---

    def status(
        self,
        path: str,
        code: int,
        *,
        retry_after: str | None = None,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = retry_after
        self.set(path, body, status=code, headers=extra, content_type="text/plain")

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self.set_handler(path, lambda req: req.respond(status, b"", {"Location": location}))

    def redirect_chain(self, prefix: str, hops: int, target: str, *, status: int = 302) -> str:
        """``prefix/0`` -> ``prefix/1`` -> ... -> ``target`` (``hops`` redirects); returns the first path."""
        for i in range(hops):
            self.redirect(f"{prefix}/{i}", target if i == hops - 1 else f"{prefix}/{i + 1}", status=status)
        return f"{prefix}/0"

    def redirect_loop(self, a: str, b: str) -> None:
        self.redirect(a, b)
        self.redirect(b, a)

    # --- hostile behaviours ---

    def hang(self, path: str) -> None:
        """Read the request, then never answer (until the server stops)."""

        def route(req: FeedRequestHandler) -> None:
            req.close_connection = True
            self.stopping.wait()

        self.set_handler(path, route)

    def drop(self, path: str) -> None:
        """Read the request, then close the connection without a response."""

        def route(req: FeedRequestHandler) -> None:
            req.close_connection = True

        self.set_handler(path, route)

    def reset(self, path: str, *, after: bytes = b"") -> None:
        """Read the request, send ``after`` (e.g. half a response), then reset the connection (TCP RST)."""

        def route(req: FeedRequestHandler) -> None:
            if after:
                req.write(after)
            req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            req.connection.close()
            req.close_connection = True

        self.set_handler(path, route)

    def trickle(self, path: str, *, interval_s: float = 1.0, chunk: bytes = b" ", status: int = 200) -> None:
        """Slowloris: send headers, then ``chunk`` every ``interval_s`` forever."""

        def route(req: FeedRequestHandler) -> None:
            req.start_stream(status)
            while not self.stopping.wait(interval_s) and req.write(chunk):
                pass

        self.set_handler(path, route)

    def huge(
        self,
        path: str,
        size: int,
        *,
        content_length: bool = True,
        headers: Mapping[str, str] | None = None,
        chunk_size: int = 64 * 1024,
    ) -> None:
        """Stream ``size`` bytes of spaces without holding them (with or without Content-Length)."""
        block = b" " * chunk_size

        def route(req: FeedRequestHandler) -> None:
            extra = dict(headers or {})
            if content_length:
                extra["Content-Length"] = str(size)
            req.start_stream(200, extra)
            remaining = size
            while (
                remaining > 0
                and not self.stopping.is_set()
                and req.write(block[: min(remaining, chunk_size)])
            ):
                remaining -= chunk_size

        self.set_handler(path, route)

    def lying_length(self, path: str, *, declared: int, body: bytes) -> None:
        """Declare ``Content-Length: declared`` but send ``body``, then close the connection."""

        def route(req: FeedRequestHandler) -> None:
            req.start_stream(200, {"Content-Length": str(declared)})
            req.write(body)

        self.set_handler(path, route)

    def gzip_bomb(self, path: str, *, decoded_mib: int = 1024) -> None:
        """Serve :func:`gzip_bomb_bytes` as ``Content-Encoding: gzip`` with an honest Content-Length."""
        data = gzip_bomb_bytes(decoded_mib)

        def route(req: FeedRequestHandler) -> None:
            req.start_stream(200, {"Content-Encoding": "gzip", "Content-Length": str(len(data))})
            for start in range(0, len(data), 64 * 1024):
                if self.stopping.is_set() or not req.write(data[start : start + 64 * 1024]):
                    return

        self.set_handler(path, route)


def _not_modified(req: FeedRequestHandler, etag: str | None, last_modified: str | None) -> bool:
    if_none_match = req.headers.get("If-None-Match")
    if if_none_match is not None:  # takes precedence over If-Modified-Since (RFC 9110)
        if etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = req.headers.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return since == last_modified


def free_port() -> int:
    """A loopback port with nothing listening (connections are refused), barring a race."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def unanswered_port() -> Iterator[int]:
    """A loopback port whose listen backlog is full: new connections hang until the connect timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        fillers = [socket.socket() for _ in range(3)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect(("127.0.0.1", port))
            yield port
        finally:
            for filler in fillers:
                filler.close()


@functools.cache
def gzip_bomb_bytes(decoded_mib: int = 1024) -> bytes:
    """A valid gzip stream of ``decoded_mib`` MiB of zeros, about 1 KiB per MiB (1 GiB -> ~1 MB).

    Built by repeating one full-flushed deflate block (a full flush resets the compressor, so the same
    input always compresses to the same bytes); only the CRC costs time, about 0.5 s per GiB. Cached
    for the session.
    """
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)  # includes the gzip header
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    final = deflate.flush()[:-8]  # final empty block; its trailer describes only 2 MiB
    crc = 0
    for _ in range(decoded_mib):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, (decoded_mib * MIB) & 0xFFFFFFFF)
    return b"".join((first, block * (decoded_mib - 1), final, trailer))


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server

"""A loopback HTTP server for the demo feeds (``monitor.demo.content``), run in a daemon thread.

Each demo source is served at its path (the query string is ignored) as ``render(id, phase)``, with:

- ``Content-Type`` per source; ``ETag`` = quoted sha256 of the body sent; ``Last-Modified`` = when
  the document was built; ``Vary: Accept-Encoding``;
- gzip (deterministic, mtime 0) when the request's ``Accept-Encoding`` accepts it; the gzip
  representation has its own ETag (the sha256 of the gzipped bytes);
- 304 Not Modified when ``If-None-Match`` names either representation's ETag of the current document
  (``*`` and weak ``W/`` tags included), or, without ``If-None-Match``, when ``If-Modified-Since`` is
  not earlier than ``Last-Modified``;
- GET and HEAD; 404 for any other path. Request logging is silenced.

Usage::

    with DemoServer() as server:
        ...poll server.url_for("dsca")...   # phase 1: the baseline
        server.advance()                     # phase 2: new and edited statements
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from monitor.demo.content import DEMO_SOURCES, PHASES, last_modified, render, source

__all__ = ["DemoServer"]


@dataclass(frozen=True, slots=True)
class _Representation:
    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    last_modified: str  # HTTP-date
    content_type: str


def _quoted_sha256(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest() + '"'


@cache
def _representation(source_id: str, phase: int) -> _Representation:
    body = render(source_id, phase)
    gzipped = gzip.compress(body, mtime=0)
    return _Representation(
        body=body,
        gzipped=gzipped,
        etag=_quoted_sha256(body),
        gzip_etag=_quoted_sha256(gzipped),
        last_modified=format_datetime(last_modified(source_id, phase), usegmt=True),
        content_type=source(source_id).content_type,
    )


def _accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding value accepts gzip (``gzip`` or ``*`` with a non-zero q)."""
    if not header:
        return False
    star: bool | None = None
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        coding = coding.strip().lower()
        if coding in ("gzip", "x-gzip"):
            return q > 0
        if coding == "*":
            star = q > 0
    return bool(star)


def _etag_matches(header: str, rep: _Representation) -> bool:
    """If-None-Match uses the weak comparison: ``W/`` prefixes are ignored."""
    current = {rep.etag, rep.gzip_etag}
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag in current:
            return True
    return False


def _not_modified_since(header: str, rep: _Representation) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:  # an HTTP-date is always GMT
        return False
    return parsedate_to_datetime(rep.last_modified) <= since


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "pressmon-demo/1"
    timeout = 10  # an idle keep-alive connection does not hold its thread for ever

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _respond(self, *, send_body: bool) -> None:
        source_id = self.server.routes.get(urlsplit(self.path).path)
        if source_id is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", {"Content-Type": "text/plain"}, send_body)
            return
        rep = _representation(source_id, self.server.owner.phase)
        use_gzip = _accepts_gzip(self.headers.get("Accept-Encoding"))
        headers = {
            "ETag": rep.gzip_etag if use_gzip else rep.etag,
            "Last-Modified": rep.last_modified,
            "Vary": "Accept-Encoding",
            "Cache-Control": "no-cache",
        }
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if (inm is not None and _etag_matches(inm, rep)) or (
            inm is None and ims is not None and _not_modified_since(ims, rep)
        ):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        headers["Content-Type"] = rep.content_type
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        self._send(HTTPStatus.OK, rep.gzipped if use_gzip else rep.body, headers, send_body)

    def _send(self, status: HTTPStatus, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: DemoServer) -> None:
        self.owner = owner
        self.routes = {urlsplit(s.path).path: s.id for s in DEMO_SOURCES}
        super().__init__(("127.0.0.1", 0), _Handler)


class DemoServer:
    """Serves the demo feeds on 127.0.0.1 (a free port) from a daemon thread; starts in phase 1."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._phase = PHASES[0]
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._httpd is not None:
            raise RuntimeError("demo server: already started")
        httpd = _Server(self)
        thread = threading.Thread(target=httpd.serve_forever, name="pressmon-demo-server", daemon=True)
        thread.start()
        self._httpd, self._thread = httpd, thread

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, no trailing slash; only while started."""
        if self._httpd is None:
            raise RuntimeError("demo server: not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url_for(self, source_id: str) -> str:
        """The full URL of one demo source."""
        return self.base_url + source(source_id).path

    @property
    def phase(self) -> int:
        with self._lock:
            return self._phase

    @phase.setter
    def phase(self, value: int) -> None:
        if value not in PHASES:
            raise ValueError(f"demo server: unknown phase {value!r}; phases are {PHASES}")
        with self._lock:
            self._phase = value

    def advance(self) -> None:
        """Publish the next phase: new statements appear and one statement is edited."""
        with self._lock:
            i = PHASES.index(self._phase)
            if i + 1 >= len(PHASES):
                raise RuntimeError(f"demo server: already at the last phase ({self._phase})")
            self._phase = PHASES[i + 1]

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

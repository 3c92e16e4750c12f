"""Fetch one URL under a :class:`FetchPolicy`, with the client ``monitor.http_client`` builds. The only
code in pressmon that makes HTTP requests.

Contract of :func:`fetch`:

- Returns a :class:`~monitor.model.FetchResult` (OK, UNCHANGED or NOT_MODIFIED) or raises
  :class:`~monitor.errors.FetchError` whose ``kind`` classifies the failure. Nothing else escapes
  except cancellation.
- Bounded: connect/read timeouts per operation plus a total deadline over DNS, every redirect hop and
  the body read; wire bytes and decoded (gunzipped) bytes are both capped, and decoding is incremental
  so a gzip bomb never inflates more than ``max_decoded_bytes + 1`` bytes.
- Connections are reused: a body we do not use (a 304's, an error page, a redirect's) is drained when
  small (64 KiB, 1 s), since httpx closes a connection whose response was not read to the end.
- Redirects are followed by hand (301/302/303/307/308, at most ``max_redirects``), http/https only,
  and the address policy is checked before every hop.
- Address policy: with ``allow_private=False`` (production) every resolved address must be plain
  global unicast (:func:`is_blocked_address`). ``allow_private=True`` (tests, the demo) also admits
  loopback and private ranges, but link-local (169.254/16, fe80::/10: cloud metadata), known metadata
  addresses, multicast, unspecified and reserved addresses stay refused.
  The connection goes to the address that passed the check (``monitor.pinning``): a DNS answer that
  changes between check and connect (rebinding) cannot send the request elsewhere. ``policy.resolver``
  replaces the system resolver for the check (tests inject one).

The helpers :func:`parse_retry_after`, :func:`cache_hint_s` (``monitor.http_hints``) and
:func:`is_blocked_address` (``monitor.addresses``, the address policy) are pure; re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

import httpx

from monitor.addresses import address_refused, ip_literal, is_blocked_address, refused
from monitor.errors import FetchError, FetchErrorKind
from monitor.http_hints import cache_hint_s, parse_retry_after
from monitor.model import FetchOutcome, FetchResult
from monitor.pinning import pin

__all__ = [
    "FetchPolicy",
    "address_refused",
    "cache_hint_s",
    "fetch",
    "is_blocked_address",
    "parse_retry_after",
]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_SCHEMES = frozenset({"http", "https"})
_INFLATE_STEP = 64 * 1024
# A body we do not use (a 304's, an error page, a redirect's) is read up to this much, within this long,
# so its connection goes back to the pool; a larger or slower one is closed as before.
_DRAIN_BYTES = 64 * 1024
_DRAIN_S = 1.0
Resolver = Callable[[str, int], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 10.0
    deadline_s: float = 30.0  # total wall-clock per fetch, including redirects and body read
    max_wire_bytes: int = 10_000_000  # compressed bytes received
    max_decoded_bytes: int = 10_000_000
    max_redirects: int = 5
    allow_private: bool = False  # see the module docstring for what this admits
    user_agent: str = "pressmon/0.1 (+https://github.com/pressmon)"
    resolver: Resolver | None = None  # host, port -> addresses; None: the system resolver


# --- pure helpers -------------------------------------------------------------------------------


def _secs(seconds: float) -> str:
    return f"{seconds:g}s"


def _status_text(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


def _shown(url: httpx.URL) -> str:
    """A URL for error messages: no credentials, no query (it may carry a token)."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it was raised from, including members of exception groups."""
    stack, seen = [exc], set[int]()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _classify(exc: httpx.TransportError, policy: FetchPolicy) -> tuple[FetchErrorKind, str]:
    """Kind and human detail for an httpx transport failure."""
    timeouts: list[tuple[type[httpx.TimeoutException], str]] = [
        (httpx.ConnectTimeout, f"connect timeout after {_secs(policy.connect_timeout_s)}"),
        (httpx.ReadTimeout, f"read timeout after {_secs(policy.read_timeout_s)}"),
        (httpx.WriteTimeout, f"write timeout after {_secs(policy.read_timeout_s)}"),
        (httpx.PoolTimeout, f"no free connection after {_secs(policy.connect_timeout_s)}"),
    ]
    for kind, detail in timeouts:
        if isinstance(exc, kind):
            return FetchErrorKind.TIMEOUT, detail
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return FetchErrorKind.REFUSED, "connection refused"
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "verify_message", None) or cause.reason or str(cause)
            return FetchErrorKind.TLS, f"TLS error: {reason}"
        if isinstance(cause, socket.gaierror):
            return FetchErrorKind.DNS, f"cannot resolve host: {cause.strerror}"
        if isinstance(cause, ConnectionResetError):
            return FetchErrorKind.NETWORK, "connection reset by the server"
        if isinstance(cause, BrokenPipeError | ConnectionAbortedError):
            return FetchErrorKind.NETWORK, "connection closed by the server while sending the request"
    # httpx often wraps a cause with an empty message: say the first thing in the chain that says something.
    said = next((str(c) for c in _causes(exc) if str(c).strip()), None)
    return FetchErrorKind.NETWORK, f"network error: {said or type(exc).__name__}"


# --- I/O ----------------------------------------------------------------------------------------


class _TooLarge(Exception):
    pass


class _Decoder:
    """Collects a body of at most ``limit`` bytes, gunzipping incrementally when asked (bomb-safe)."""

    def __init__(self, limit: int, *, gzip: bool) -> None:
        self._limit = limit
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        self._out = bytearray()

    def feed(self, data: bytes) -> None:
        if self._inflate is None:
            self._out += data
            self._check()
            return
        # Inflate in small steps, never past limit + 1; data after the gzip stream is ignored.
        while not self._inflate.eof:
            room = min(_INFLATE_STEP, self._limit - len(self._out) + 1)
            piece = self._inflate.decompress(data, room)
            self._out += piece
            self._check()
            data = self._inflate.unconsumed_tail
            if not data and len(piece) < room:  # input used up and no output pending
                break

    def finish(self) -> bytes:
        if self._inflate is not None and not self._inflate.eof:
            raise zlib.error("gzip body truncated")
        return bytes(self._out)

    def _check(self) -> None:
        if len(self._out) > self._limit:
            raise _TooLarge(f"decoded body larger than {self._limit} bytes")


async def fetch(
    client: httpx.AsyncClient,
    source_id: str,
    url: str,
    *,
    policy: FetchPolicy,
    etag: str | None = None,
    last_modified: str | None = None,
    previous_body_hash: str | None = None,
    now: datetime | None = None,
) -> FetchResult:
    """GET ``url`` (conditionally when validators are given); see the module docstring."""
    started = time.monotonic()
    now = now or datetime.now(UTC)
    headers = {"User-Agent": policy.user_agent}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(policy.deadline_s):
            response, body, wire_bytes = await _follow(client, source_id, url, policy, headers, now)
    except TimeoutError as exc:
        detail = f"deadline of {_secs(policy.deadline_s)} exceeded"
        raise FetchError(source_id, FetchErrorKind.TIMEOUT, detail) from exc
    except httpx.TransportError as exc:
        kind, detail = _classify(exc, policy)
        raise FetchError(source_id, kind, detail) from exc

    resp_headers = dict(response.headers.items())  # httpx lower-cases names and joins repeats
    hints = (cache_hint_s(resp_headers, now=now), parse_retry_after(resp_headers.get("retry-after"), now=now))
    if response.status_code == 304:
        outcome, body_hash = FetchOutcome.NOT_MODIFIED, None
        etag = resp_headers.get("etag", etag)
        last_modified = resp_headers.get("last-modified", last_modified)
    else:
        body_hash = hashlib.sha256(body).hexdigest()
        outcome = FetchOutcome.UNCHANGED if body_hash == previous_body_hash else FetchOutcome.OK
        etag, last_modified = resp_headers.get("etag"), resp_headers.get("last-modified")
    return FetchResult(
        outcome=outcome,
        url=url,
        final_url=str(response.url),
        status_code=response.status_code,
        headers=resp_headers,
        body=body,
        body_hash=body_hash,
        etag=etag,
        last_modified=last_modified,
        wire_bytes=wire_bytes,
        elapsed_s=time.monotonic() - started,
        next_poll_hint_s=max((h for h in hints if h is not None), default=None),
    )


async def _follow(
    client: httpx.AsyncClient,
    source_id: str,
    url: str,
    policy: FetchPolicy,
    headers: dict[str, str],
    now: datetime,
) -> tuple[httpx.Response, bytes, int]:
    """Follow redirects by hand; return the final response (closed), its decoded body and wire bytes."""
    timeout = httpx.Timeout(
        connect=policy.connect_timeout_s,
        read=policy.read_timeout_s,
        write=policy.read_timeout_s,
        pool=policy.connect_timeout_s,
    )
    try:
        current = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(source_id, FetchErrorKind.BLOCKED, f"invalid URL: {exc}") from exc
    seen = {current}
    for hop in range(policy.max_redirects + 1):
        address = await _check_target(source_id, current, policy, redirected=hop > 0)
        try:
            with pin(current.raw_host.decode("ascii"), current.port or _default_port(current), address):
                async with client.stream("GET", current, headers=headers, timeout=timeout) as response:
                    if response.status_code not in _REDIRECTS:
                        body, wire_bytes = await _read_body(source_id, response, policy, now)
                        return response, body, wire_bytes
                    await _drain(response)
                    current = _redirect_target(source_id, response, current)
        except httpx.InvalidURL as exc:  # httpx itself parses Location, even when not following
            detail = f"invalid redirect Location: {exc}"
            raise FetchError(source_id, FetchErrorKind.REDIRECT, detail) from exc
        if current in seen:
            raise FetchError(source_id, FetchErrorKind.REDIRECT, f"redirect loop at {_shown(current)}")
        seen.add(current)
    raise FetchError(source_id, FetchErrorKind.REDIRECT, f"more than {policy.max_redirects} redirects")


def _redirect_target(source_id: str, response: httpx.Response, current: httpx.URL) -> httpx.URL:
    location = response.headers.get("location")
    if not location:
        detail = f"{_status_text(response.status_code)} without Location"
        raise FetchError(source_id, FetchErrorKind.REDIRECT, detail, status_code=response.status_code)
    try:
        return current.join(location)
    except httpx.InvalidURL as exc:
        raise FetchError(source_id, FetchErrorKind.REDIRECT, f"invalid redirect Location: {exc}") from exc


async def _check_target(source_id: str, url: httpx.URL, policy: FetchPolicy, *, redirected: bool) -> str:
    """Refuse a URL whose scheme or any resolved address the policy does not allow; else the address to
    connect to (the first one resolved: all of them passed)."""
    if url.scheme not in _SCHEMES or not url.host:
        kind = FetchErrorKind.REDIRECT if redirected else FetchErrorKind.BLOCKED
        what = f"redirect to {url.scheme!r} URL" if redirected else f"{url.scheme!r} URL"
        raise FetchError(source_id, kind, f"refused {what}: only http/https with a host")
    host = url.raw_host.decode("ascii")
    literal = ip_literal(host)
    port = url.port or _default_port(url)
    if literal:
        addresses = [literal]
    elif policy.resolver is not None:
        addresses = await _resolve_with(source_id, host, port, policy.resolver)
    else:
        addresses = await _resolve(source_id, host, port)
    for ip in addresses:
        if refused(ip, allow_private=policy.allow_private):
            why = (
                "link-local, metadata or reserved: never fetched"
                if refused(ip, allow_private=True)
                else "loopback or private: set PRESSMON_ALLOW_PRIVATE_NETWORKS=true to poll it"
            )
            raise FetchError(
                source_id, FetchErrorKind.BLOCKED, f"refused address {ip} for host {url.host} ({why})"
            )
    return addresses[0]


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


async def _resolve_with(source_id: str, host: str, port: int, resolver: Resolver) -> list[str]:
    try:
        addresses = await resolver(host, port)
    except OSError as exc:
        raise FetchError(source_id, FetchErrorKind.DNS, f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise FetchError(source_id, FetchErrorKind.DNS, f"cannot resolve {host}: no addresses")
    return addresses


async def _resolve(source_id: str, host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        detail = f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}"
        raise FetchError(source_id, FetchErrorKind.DNS, detail) from exc
    if not infos:
        raise FetchError(source_id, FetchErrorKind.DNS, f"cannot resolve {host}: no addresses")
    return [str(info[4][0]) for info in infos]


async def _drain(response: httpx.Response) -> None:
    """Read the rest of a body we do not use, if small and quick, so the connection can be reused (an
    unread response closes its connection: every unchanged poll would pay a new TCP and TLS handshake)."""
    declared = response.headers.get("content-length", "")
    if response.is_stream_consumed or (declared.isdigit() and int(declared) > _DRAIN_BYTES):
        return
    seen = 0
    with contextlib.suppress(httpx.HTTPError, httpx.StreamError, TimeoutError):
        async with asyncio.timeout(_DRAIN_S):
            async for chunk in response.aiter_raw():
                seen += len(chunk)
                if seen > _DRAIN_BYTES:
                    return


async def _read_body(
    source_id: str, response: httpx.Response, policy: FetchPolicy, now: datetime
) -> tuple[bytes, int]:
    """The decoded body of a 2xx or 304; any other status raises HTTP_STATUS."""
    status = response.status_code
    if status == 304:
        await _drain(response)
        return b"", 0
    if not 200 <= status < 300:
        await _drain(response)
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=now)
        raise FetchError(
            source_id,
            FetchErrorKind.HTTP_STATUS,
            _status_text(status),
            status_code=status,
            retry_after_s=retry_after,
        )

    def too_large(detail: str) -> FetchError:
        return FetchError(source_id, FetchErrorKind.TOO_LARGE, detail, status_code=status)

    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_wire_bytes:
        raise too_large(f"body larger than {policy.max_wire_bytes} bytes (Content-Length {declared})")
    encoding = response.headers.get("content-encoding", "").strip().lower() or "identity"
    if encoding not in ("identity", "gzip", "x-gzip"):
        raise FetchError(source_id, FetchErrorKind.NETWORK, f"unsupported Content-Encoding {encoding!r}")
    decoder = _Decoder(policy.max_decoded_bytes, gzip=encoding != "identity")
    wire_bytes = 0
    try:
        async for chunk in response.aiter_raw():
            wire_bytes += len(chunk)
            if wire_bytes > policy.max_wire_bytes:
                raise _TooLarge(f"body larger than {policy.max_wire_bytes} bytes")
            decoder.feed(chunk)
        return decoder.finish(), wire_bytes
    except _TooLarge as exc:
        raise too_large(str(exc)) from None
    except zlib.error as exc:
        raise FetchError(
            source_id, FetchErrorKind.NETWORK, f"bad gzip body: {exc}", status_code=status
        ) from exc

"""monitor.fetch against a real loopback server: RELIABILITY.md fetching cases 1-5, 7, 8, plus pure helpers.

The server listens on 127.0.0.1, so tests that need to reach it use ``allow_private=True`` (LOCAL);
address-policy tests point blocked URLs at the server's own port and assert it was never reached.
"""

from __future__ import annotations

import gzip
import hashlib
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from monitor.errors import FetchError, FetchErrorKind
from monitor.fetch import FetchPolicy, cache_hint_s, fetch, is_blocked_address, parse_retry_after
from monitor.http_client import make_client
from monitor.model import FetchOutcome
from tests.support.httpserver import FeedRequestHandler, FeedServer, free_port, unanswered_port

SRC = "test-src"
LOCAL = FetchPolicy(allow_private=True, connect_timeout_s=2, read_timeout_s=2, deadline_s=5)
PUBLIC = FetchPolicy(connect_timeout_s=2, read_timeout_s=2, deadline_s=5)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"
LAST_MODIFIED = "Sun, 01 Jun 2025 10:00:00 GMT"
HTTP_DATE_IN_90S = format_datetime(NOW + timedelta(seconds=90), usegmt=True)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as c:
        yield c


async def fetch_error(client: httpx.AsyncClient, url: str, policy: FetchPolicy = LOCAL) -> FetchError:
    with pytest.raises(FetchError) as info:
        await fetch(client, SRC, url, policy=policy, now=NOW)
    assert str(info.value) == f"fetch: {SRC}: {info.value.detail}"
    return info.value


# --- successful fetches -------------------------------------------------------------------------


async def test_ok_returns_body_hash_validators_and_lowercased_headers(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed", RSS, headers={"X-Custom-Header": "yes"}, etag='"v1"', last_modified=LAST_MODIFIED)

    result = await fetch(client, SRC, server.url("/feed"), policy=LOCAL, now=NOW)

    assert result.outcome is FetchOutcome.OK
    assert (result.status_code, result.body, result.wire_bytes) == (200, RSS, len(RSS))
    assert result.body_hash == hashlib.sha256(RSS).hexdigest()
    assert (result.etag, result.last_modified) == ('"v1"', LAST_MODIFIED)
    assert result.url == result.final_url == server.url("/feed")
    assert result.headers["x-custom-header"] == "yes"
    assert all(name == name.lower() for name in result.headers)
    assert result.next_poll_hint_s is None
    sent = server.last_request("/feed").headers
    assert sent["user-agent"] == LOCAL.user_agent
    assert sent["accept-encoding"] == "gzip"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


async def test_same_body_hash_is_unchanged(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed", RSS)
    previous = hashlib.sha256(RSS).hexdigest()

    result = await fetch(client, SRC, server.url("/feed"), policy=LOCAL, previous_body_hash=previous)

    assert result.outcome is FetchOutcome.UNCHANGED
    assert result.body == RSS


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(RSS * 200, id="small"),
        pytest.param(b"<item>same</item>" * 400_000, id="6.8 MB that inflates in many steps"),
    ],
)
async def test_gzip_body_is_decoded(server: FeedServer, client: httpx.AsyncClient, body: bytes) -> None:
    compressed = gzip.compress(body)
    server.set("/feed", compressed, headers={"Content-Encoding": "gzip"})

    result = await fetch(client, SRC, server.url("/feed"), policy=LOCAL)

    assert result.body == body
    assert result.wire_bytes == len(compressed) < len(body)
    assert result.body_hash == hashlib.sha256(body).hexdigest()


async def test_empty_204_is_ok_with_empty_body(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed", b"", status=204)

    result = await fetch(client, SRC, server.url("/feed"), policy=LOCAL)

    assert (result.outcome, result.status_code, result.body) == (FetchOutcome.OK, 204, b"")


@pytest.mark.parametrize(
    ("headers", "hint"),
    [
        pytest.param({"Cache-Control": "public, max-age=600"}, 600, id="max-age"),
        pytest.param({"Cache-Control": "max-age=60", "Retry-After": "120"}, 120, id="Retry-After if longer"),
    ],
)
async def test_server_hints_become_next_poll_hint(
    server: FeedServer, client: httpx.AsyncClient, headers: dict[str, str], hint: float
) -> None:
    server.set("/feed", RSS, headers=headers)

    result = await fetch(client, SRC, server.url("/feed"), policy=LOCAL, now=NOW)

    assert result.next_poll_hint_s == hint


async def test_expires_is_measured_from_the_response_date(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    # The server stamps Date with the real clock, so Expires must be real-clock too; ``now`` is ignored.
    expires = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    server.set("/feed", RSS, headers={"Expires": expires})

    result = await fetch(client, SRC, server.url("/feed"), policy=LOCAL, now=NOW)

    assert result.next_poll_hint_s is not None
    assert 3590 < result.next_poll_hint_s <= 3600


async def test_environment_proxies_are_ignored(
    server: FeedServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.set("/feed", RSS)

    async with make_client() as fresh:
        result = await fetch(fresh, SRC, server.url("/feed"), policy=LOCAL)

    assert result.body == RSS


# --- case 5: conditional GET --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("etag", "last_modified", "sent_header"),
    [
        pytest.param('"v1"', None, ("if-none-match", '"v1"'), id="ETag -> If-None-Match"),
        pytest.param(None, LAST_MODIFIED, ("if-modified-since", LAST_MODIFIED), id="Last-Modified"),
    ],
)
async def test_not_modified_after_conditional_get(
    server: FeedServer,
    client: httpx.AsyncClient,
    etag: str | None,
    last_modified: str | None,
    sent_header: tuple[str, str],
) -> None:
    server.set("/feed", RSS, etag=etag, last_modified=last_modified)
    url = server.url("/feed")

    result = await fetch(client, SRC, url, policy=LOCAL, etag=etag, last_modified=last_modified)

    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert (result.status_code, result.body, result.body_hash, result.wire_bytes) == (304, b"", None, 0)
    assert (result.etag, result.last_modified) == (etag, last_modified)
    name, value = sent_header
    assert server.last_request("/feed").headers[name] == value


@pytest.mark.parametrize(
    ("reply_headers", "expected"),
    [
        pytest.param({}, ('"old"', LAST_MODIFIED), id="bare 304 keeps the given validators"),
        pytest.param({"ETag": '"new"'}, ('"new"', LAST_MODIFIED), id="304 with a new ETag replaces it"),
    ],
)
async def test_not_modified_validators(
    server: FeedServer, client: httpx.AsyncClient, reply_headers: dict[str, str], expected: tuple[str, str]
) -> None:
    server.set_handler("/feed", lambda req: req.respond(304, b"", reply_headers))

    result = await fetch(
        client, SRC, server.url("/feed"), policy=LOCAL, etag='"old"', last_modified=LAST_MODIFIED
    )

    assert (result.etag, result.last_modified) == expected


# --- case 1: hangs and slowloris ----------------------------------------------------------------


async def test_hung_server_hits_read_timeout(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.hang("/hang")
    started = time.monotonic()

    err = await fetch_error(client, server.url("/hang"), FetchPolicy(allow_private=True, read_timeout_s=0.3))

    assert (err.kind, err.detail) == (FetchErrorKind.TIMEOUT, "read timeout after 0.3s")
    assert time.monotonic() - started < 2


async def test_hung_server_hits_total_deadline(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.hang("/hang")

    err = await fetch_error(client, server.url("/hang"), FetchPolicy(allow_private=True, deadline_s=0.5))

    assert (err.kind, err.detail) == (FetchErrorKind.TIMEOUT, "deadline of 0.5s exceeded")


async def test_slowloris_trickle_hits_total_deadline(server: FeedServer, client: httpx.AsyncClient) -> None:
    # One byte every 0.2 s never trips the 1 s read timeout; only the total deadline stops it.
    server.trickle("/slow", interval_s=0.2)
    policy = FetchPolicy(allow_private=True, read_timeout_s=1, deadline_s=1.5)
    started = time.monotonic()

    err = await fetch_error(client, server.url("/slow"), policy)

    assert (err.kind, err.detail) == (FetchErrorKind.TIMEOUT, "deadline of 1.5s exceeded")
    assert 1.4 < time.monotonic() - started < 3


# --- case 2: size caps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_length", "detail"),
    [
        pytest.param(False, "body larger than 1000000 bytes", id="no Content-Length: counted on the wire"),
        pytest.param(
            True,
            "body larger than 1000000 bytes (Content-Length 50000000)",
            id="Content-Length over cap: refused before reading",
        ),
    ],
)
async def test_huge_body_is_cut_off(
    server: FeedServer, client: httpx.AsyncClient, content_length: bool, detail: str
) -> None:
    server.huge("/huge", 50_000_000, content_length=content_length)
    policy = FetchPolicy(allow_private=True, max_wire_bytes=1_000_000)
    started = time.monotonic()

    err = await fetch_error(client, server.url("/huge"), policy)

    assert (err.kind, err.detail, err.status_code) == (FetchErrorKind.TOO_LARGE, detail, 200)
    assert time.monotonic() - started < 2


async def test_gzip_bomb_is_bounded(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.gzip_bomb("/bomb")  # ~1 MB on the wire, 1 GiB of zeros decoded
    policy = FetchPolicy(allow_private=True)  # default caps: 10 MB wire, 10 MB decoded
    started = time.monotonic()
    tracemalloc.start()
    try:
        err = await fetch_error(client, server.url("/bomb"), policy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (err.kind, err.detail) == (FetchErrorKind.TOO_LARGE, "decoded body larger than 10000000 bytes")
    assert peak < 1.5 * policy.max_decoded_bytes  # inflated no further than the cap
    assert time.monotonic() - started < 3


async def test_decoded_cap_applies_to_plain_bodies(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/feed", b"x" * 2000)

    err = await fetch_error(
        client, server.url("/feed"), FetchPolicy(allow_private=True, max_decoded_bytes=1000)
    )

    assert (err.kind, err.detail) == (FetchErrorKind.TOO_LARGE, "decoded body larger than 1000 bytes")


async def test_content_length_shorter_than_body_reads_only_declared(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.lying_length("/lie", declared=10, body=b"0123456789" + b"x" * 1_000_000)

    result = await fetch(client, SRC, server.url("/lie"), policy=LOCAL)

    assert result.body == b"0123456789"


@pytest.mark.parametrize(
    ("install", "detail_start"),
    [
        pytest.param(
            lambda s: s.lying_length("/x", declared=1000, body=b"short"),
            "network error: peer closed connection",
            id="Content-Length longer than body",
        ),
        pytest.param(lambda s: s.drop("/x"), "network error: Server disconnected", id="dropped connection"),
        pytest.param(lambda s: s.reset("/x"), "connection reset by the server", id="connection reset"),
        pytest.param(
            lambda s: s.reset("/x", after=b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<rss"),
            "connection reset by the server",
            id="connection reset mid-body",
        ),
        pytest.param(
            lambda s: s.set("/x", gzip.compress(RSS)[:-12], headers={"Content-Encoding": "gzip"}),
            "bad gzip body: gzip body truncated",
            id="truncated gzip",
        ),
        pytest.param(
            lambda s: s.set("/x", b"not gzip at all", headers={"Content-Encoding": "gzip"}),
            "bad gzip body: Error -3",
            id="invalid gzip",
        ),
        pytest.param(
            lambda s: s.set("/x", RSS, headers={"Content-Encoding": "br"}),
            "unsupported Content-Encoding 'br'",
            id="encoding we did not ask for",
        ),
    ],
)
async def test_broken_bodies_are_network_errors(
    server: FeedServer, client: httpx.AsyncClient, install: Callable[[FeedServer], None], detail_start: str
) -> None:
    install(server)

    err = await fetch_error(client, server.url("/x"))

    assert err.kind is FetchErrorKind.NETWORK
    assert err.detail.startswith(detail_start), err.detail


# --- case 3: redirects and the address policy ---------------------------------------------------


async def test_redirect_chain_within_limit_is_followed(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/final", RSS)
    first = server.redirect_chain("/r", 5, "/final", status=301)

    result = await fetch(client, SRC, server.url(first), policy=LOCAL)

    assert result.body == RSS
    assert result.url == server.url("/r/0")
    assert result.final_url == server.url("/final")
    assert server.hits("/final") == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_each_redirect_status_is_followed_with_relative_location(
    server: FeedServer, client: httpx.AsyncClient, status: int
) -> None:
    server.set("/dir/final", RSS)
    server.redirect("/dir/start", "final?x=1", status=status)

    result = await fetch(client, SRC, server.url("/dir/start"), policy=LOCAL)

    assert result.final_url == server.url("/dir/final?x=1")


async def test_conditional_headers_survive_redirects(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/final", RSS, etag='"v1"')
    server.redirect("/start", "/final")

    result = await fetch(client, SRC, server.url("/start"), policy=LOCAL, etag='"v1"')

    assert result.outcome is FetchOutcome.NOT_MODIFIED


async def test_too_many_redirects(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.set("/final", RSS)
    first = server.redirect_chain("/r", 6, "/final")

    err = await fetch_error(client, server.url(first))

    assert (err.kind, err.detail) == (FetchErrorKind.REDIRECT, "more than 5 redirects")
    assert server.hits("/final") == 0


async def test_redirect_loop(server: FeedServer, client: httpx.AsyncClient) -> None:
    server.redirect_loop("/a", "/b")

    err = await fetch_error(client, server.url("/a"))

    assert err.kind is FetchErrorKind.REDIRECT
    assert err.detail == f"redirect loop at http://127.0.0.1:{server.port}/a"
    assert (server.hits("/a"), server.hits("/b")) == (1, 1)


@pytest.mark.parametrize(
    ("location", "kind", "detail"),
    [
        pytest.param(
            "http://169.254.169.254/latest/meta-data/",
            FetchErrorKind.BLOCKED,
            "refused address 169.254.169.254 for host 169.254.169.254",
            id="cloud metadata",
        ),
        pytest.param(
            "http://[fe80::1]/",
            FetchErrorKind.BLOCKED,
            "refused address fe80::1 for host fe80::1",
            id="fe80::/10",
        ),
        pytest.param(
            "http://[::ffff:169.254.169.254]/",
            FetchErrorKind.BLOCKED,
            "refused address ::ffff:a9fe:a9fe for host ::ffff:169.254.169.254",
            id="IPv4-mapped metadata",
        ),
        pytest.param(
            "file:///etc/passwd",
            FetchErrorKind.REDIRECT,
            "refused redirect to 'file' URL: only http/https with a host",
            id="file:",
        ),
        pytest.param(
            "javascript:alert(1)",
            FetchErrorKind.REDIRECT,
            "invalid redirect Location: ",  # httpx parses Location itself and rejects this one
            id="javascript:",
        ),
        pytest.param("", FetchErrorKind.REDIRECT, "HTTP 302 Found without Location", id="no Location"),
    ],
)
async def test_redirect_targets_refused_even_when_private_allowed(
    server: FeedServer, client: httpx.AsyncClient, location: str, kind: FetchErrorKind, detail: str
) -> None:
    server.set_handler("/go", lambda req: req.respond(302, b"", {"Location": location} if location else {}))

    err = await fetch_error(client, server.url("/go"), LOCAL)

    assert err.kind is kind
    assert err.detail.startswith(detail), err.detail


async def test_redirect_to_loopback_refused_when_private_not_allowed(
    server: FeedServer, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first hop must be public for this policy, so fake a public name that redirects to loopback.
    hops: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(str(request.url))
        return httpx.Response(302, headers={"Location": server.url("/feed")})

    async def public_resolve(source_id: str, host: str, port: int) -> list[str]:
        assert host == "feeds.example.org"
        return ["93.184.216.34"]

    monkeypatch.setattr("monitor.fetch._resolve", public_resolve)
    async with make_client(transport=httpx.MockTransport(handler)) as mock:
        err = await fetch_error(mock, "https://feeds.example.org/rss", PUBLIC)

    assert (err.kind, err.detail) == (
        FetchErrorKind.BLOCKED,
        "refused address 127.0.0.1 for host 127.0.0.1"
        " (loopback or private: set PRESSMON_ALLOW_PRIVATE_NETWORKS=true to poll it)",
    )
    assert hops == ["https://feeds.example.org/rss"]


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        pytest.param(
            "http://127.0.0.1:{port}/", "refused address 127.0.0.1 for host 127.0.0.1", id="127.0.0.1"
        ),
        pytest.param(
            "http://localhost:{port}/", "refused address 127.0.0.1 for host localhost", id="localhost"
        ),
        pytest.param("http://[::1]:{port}/", "refused address ::1 for host ::1", id="[::1]"),
        pytest.param(
            "http://[::ffff:127.0.0.1]:{port}/",
            "refused address ::ffff:7f00:1 for host ::ffff:127.0.0.1",
            id="IPv4-mapped loopback",
        ),
        pytest.param("http://0x7f000001:{port}/", "refused address 127.0.0.1 for host 0x7f000001", id="hex"),
        pytest.param(
            "http://2130706433:{port}/", "refused address 127.0.0.1 for host 2130706433", id="decimal"
        ),
        pytest.param("http://127.1:{port}/", "refused address 127.0.0.1 for host 127.1", id="short form"),
        pytest.param("http://0177.0.0.1:{port}/", "invalid URL: Invalid IPv4 address", id="octal"),
        pytest.param("http://0.0.0.0:{port}/", "refused address 0.0.0.0 for host 0.0.0.0", id="unspecified"),
        pytest.param("http://10.1.2.3:{port}/", "refused address 10.1.2.3 for host 10.1.2.3", id="private"),
        pytest.param(
            "http://169.254.169.254/",
            "refused address 169.254.169.254 for host 169.254.169.254",
            id="metadata",
        ),
        pytest.param("file:///etc/passwd", "refused 'file' URL: only http/https with a host", id="file:"),
    ],
)
async def test_address_policy_refuses_before_connecting(
    server: FeedServer, client: httpx.AsyncClient, url: str, detail: str
) -> None:
    err = await fetch_error(client, url.format(port=server.port), PUBLIC)

    assert err.kind is FetchErrorKind.BLOCKED
    assert err.detail.startswith(detail), err.detail
    if detail.startswith("refused address"):  # and what to do about it, or that nothing can be done
        never = "(link-local, metadata or reserved: never fetched)"
        allow = "(loopback or private: set PRESSMON_ALLOW_PRIVATE_NETWORKS=true to poll it)"
        assert err.detail.endswith(never if "169.254" in detail or "0.0.0.0" in detail else allow), err.detail
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://169.254.169.254/", id="link-local metadata"),
        pytest.param("http://[fe80::1]/", id="fe80::/10"),
        pytest.param("http://[fd00:ec2::254]/", id="AWS IPv6 metadata"),
        pytest.param("http://0.0.0.0:{port}/", id="unspecified (would reach loopback on Linux)"),
        pytest.param("http://224.0.0.1/", id="multicast"),
    ],
)
async def test_allow_private_still_refuses_metadata_and_unroutable(
    server: FeedServer, client: httpx.AsyncClient, url: str
) -> None:
    err = await fetch_error(client, url.format(port=server.port), LOCAL)

    assert err.kind is FetchErrorKind.BLOCKED
    assert err.detail.endswith("(link-local, metadata or reserved: never fetched)"), err.detail
    assert server.requests == []


async def test_allow_private_admits_legacy_loopback_forms(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed", RSS)

    result = await fetch(client, SRC, f"http://0x7f000001:{server.port}/feed", policy=LOCAL)

    assert result.body == RSS


# --- cases 4 and 7: status codes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retry_after", "detail", "retry_after_s"),
    [
        pytest.param(429, "120", "HTTP 429 Too Many Requests", 120.0, id="429 seconds"),
        pytest.param(503, HTTP_DATE_IN_90S, "HTTP 503 Service Unavailable", 90.0, id="503 HTTP-date"),
        pytest.param(503, "999999999", "HTTP 503 Service Unavailable", 6 * 3600.0, id="absurd value clamped"),
        pytest.param(429, "soon", "HTTP 429 Too Many Requests", None, id="garbage ignored"),
        pytest.param(500, "30", "HTTP 500 Internal Server Error", 30.0, id="any status may send it"),
        pytest.param(404, None, "HTTP 404 Not Found", None, id="404"),
        pytest.param(410, None, "HTTP 410 Gone", None, id="410"),
        pytest.param(300, None, "HTTP 300 Multiple Choices", None, id="3xx that is not a redirect"),
        pytest.param(599, None, "HTTP 599", None, id="unknown status"),
    ],
)
async def test_error_statuses(
    server: FeedServer,
    client: httpx.AsyncClient,
    status: int,
    retry_after: str | None,
    detail: str,
    retry_after_s: float | None,
) -> None:
    server.status("/feed", status, retry_after=retry_after, body=b"<html>busy</html>")

    err = await fetch_error(client, server.url("/feed"))

    assert (err.kind, err.detail, err.status_code) == (FetchErrorKind.HTTP_STATUS, detail, status)
    assert err.retry_after_s == retry_after_s
    assert str(err) == f"fetch: {SRC}: {detail}"


# --- case 8: DNS, refused, TLS ------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy", [pytest.param(PUBLIC, id="public"), pytest.param(LOCAL, id="private allowed")]
)
async def test_dns_failure(client: httpx.AsyncClient, policy: FetchPolicy) -> None:
    err = await fetch_error(client, "http://no-such-host.pressmon.invalid/feed", policy)

    assert err.kind is FetchErrorKind.DNS
    assert err.detail.startswith("cannot resolve no-such-host.pressmon.invalid: "), err.detail


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    err = await fetch_error(client, f"http://127.0.0.1:{free_port()}/feed")

    assert (err.kind, err.detail) == (FetchErrorKind.REFUSED, "connection refused")


async def test_connect_timeout(client: httpx.AsyncClient) -> None:
    with unanswered_port() as port:
        err = await fetch_error(
            client, f"http://127.0.0.1:{port}/", FetchPolicy(allow_private=True, connect_timeout_s=0.3)
        )

    assert (err.kind, err.detail) == (FetchErrorKind.TIMEOUT, "connect timeout after 0.3s")


async def test_tls_to_plain_http_port(server: FeedServer, client: httpx.AsyncClient) -> None:
    err = await fetch_error(client, f"https://127.0.0.1:{server.port}/feed")

    assert err.kind is FetchErrorKind.TLS
    assert err.detail.startswith("TLS error: "), err.detail


async def test_custom_handler_sees_request(server: FeedServer, client: httpx.AsyncClient) -> None:
    def echo_query(req: FeedRequestHandler) -> None:
        req.respond(200, req.path.encode())

    server.set_handler("/echo", echo_query)

    result = await fetch(client, SRC, server.url("/echo?a=1"), policy=LOCAL)

    assert result.body == b"/echo?a=1"
    assert server.hits("/echo") == 1


# --- pure helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("120", 120.0, id="seconds"),
        pytest.param(" 7 ", 7.0, id="whitespace"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("1.5", 1.5, id="fractional seconds tolerated"),
        pytest.param("99999999999999999999999", 6 * 3600.0, id="absurd seconds clamped"),
        pytest.param(HTTP_DATE_IN_90S, 90.0, id="HTTP-date"),
        pytest.param("Sun, 01 Jun 2025 11:00:00 GMT", 0.0, id="HTTP-date in the past clamps to 0"),
        pytest.param("Sun, 01 Jun 2099 12:00:00 GMT", 6 * 3600.0, id="far-future HTTP-date clamped"),
        pytest.param("Sunday, 01-Jun-25 12:00:30 GMT", 30.0, id="RFC 850 date"),
        pytest.param("Sun Jun  1 12:01:00 2025", 60.0, id="asctime date"),
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("-5", None, id="negative"),
        pytest.param("1e3", None, id="exponent"),
        pytest.param("nan", None, id="nan"),
        pytest.param("٣", None, id="non-ASCII digit"),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_custom_cap() -> None:
    assert parse_retry_after("600", now=NOW, max_s=60) == 60


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, None, id="no headers"),
        pytest.param({"cache-control": "max-age=600"}, 600.0, id="max-age"),
        pytest.param({"Cache-Control": "public, MAX-AGE=60, must-revalidate"}, 60.0, id="mixed case, list"),
        pytest.param({"cache-control": 'max-age="30"'}, 30.0, id="quoted max-age"),
        pytest.param({"cache-control": "max-age=abc"}, 0.0, id="invalid max-age is stale"),
        pytest.param({"cache-control": "max-age=-5"}, 0.0, id="negative max-age is stale"),
        pytest.param({"cache-control": "max-age=999999999"}, 86400.0, id="max-age clamped to a day"),
        pytest.param({"cache-control": "no-cache"}, None, id="no max-age, no Expires"),
        pytest.param(
            {"cache-control": "max-age=10", "expires": "Sun, 01 Jun 2025 14:00:00 GMT"},
            10.0,
            id="max-age wins over Expires",
        ),
        pytest.param(
            {"expires": "Sun, 01 Jun 2025 13:00:00 GMT", "date": "Sun, 01 Jun 2025 12:30:00 GMT"},
            1800.0,
            id="Expires relative to Date",
        ),
        pytest.param({"expires": "Sun, 01 Jun 2025 12:05:00 GMT"}, 300.0, id="Expires relative to now"),
        pytest.param({"expires": "Sun, 01 Jun 2025 11:00:00 GMT"}, 0.0, id="Expires in the past"),
        pytest.param({"expires": "0"}, 0.0, id="invalid Expires is stale"),
    ],
)
def test_cache_hint_s(headers: dict[str, str], expected: float | None) -> None:
    assert cache_hint_s(headers, now=NOW) == expected


@pytest.mark.parametrize(
    ("ip", "blocked"),
    [
        pytest.param("93.184.216.34", False, id="global IPv4"),
        pytest.param("8.8.8.8", False, id="public resolver"),
        pytest.param("2606:2800:220:1:248:1893:25c8:1946", False, id="global IPv6"),
        pytest.param("::ffff:93.184.216.34", False, id="IPv4-mapped global"),
        pytest.param("127.0.0.1", True, id="loopback"),
        pytest.param("127.255.255.254", True, id="loopback /8"),
        pytest.param("10.0.0.1", True, id="10/8"),
        pytest.param("172.16.0.1", True, id="172.16/12"),
        pytest.param("192.168.1.1", True, id="192.168/16"),
        pytest.param("100.64.0.1", True, id="carrier-grade NAT"),
        pytest.param("169.254.169.254", True, id="link-local metadata"),
        pytest.param("0.0.0.0", True, id="unspecified"),
        pytest.param("255.255.255.255", True, id="broadcast"),
        pytest.param("224.0.0.1", True, id="multicast"),
        pytest.param("240.0.0.1", True, id="reserved"),
        pytest.param("192.0.2.1", True, id="documentation"),
        pytest.param("::1", True, id="IPv6 loopback"),
        pytest.param("::", True, id="IPv6 unspecified"),
        pytest.param("fe80::1", True, id="IPv6 link-local"),
        pytest.param("fe80::1%eth0", True, id="IPv6 link-local with scope"),
        pytest.param("fc00::1", True, id="unique local"),
        pytest.param("fd00:ec2::254", True, id="AWS IPv6 metadata"),
        pytest.param("ff02::1", True, id="IPv6 multicast"),
        pytest.param("2001:db8::1", True, id="IPv6 documentation"),
        pytest.param("::ffff:127.0.0.1", True, id="IPv4-mapped loopback"),
        pytest.param("::ffff:169.254.169.254", True, id="IPv4-mapped metadata"),
        pytest.param("2002:7f00:1::", True, id="6to4 of loopback"),
        pytest.param("64:ff9b::a9fe:a9fe", True, id="NAT64 of metadata"),
        pytest.param("not-an-ip", True, id="garbage"),
        pytest.param("", True, id="empty"),
    ],
)
def test_is_blocked_address(ip: str, blocked: bool) -> None:
    assert is_blocked_address(ip) is blocked


async def test_make_client_settings() -> None:
    async with make_client() as client:
        assert client.follow_redirects is False
        assert client.trust_env is False
        assert client.headers["accept-encoding"] == "gzip"


# --- connection reuse: bodies we do not use are drained ---------------------------------------------


def _recording(
    ports: list[int], status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> Callable[[FeedRequestHandler], None]:
    def route(req: FeedRequestHandler) -> None:
        ports.append(req.client_address[1])
        req.respond(status, body, headers)

    return route


@pytest.mark.parametrize(
    ("status", "body", "headers", "reused"),
    [
        pytest.param(304, b"", {"ETag": '"v1"'}, True, id="304 not modified"),
        pytest.param(404, b"<html>not here</html>" * 100, {}, True, id="404 with a small page"),
        pytest.param(503, b"<html>busy</html>", {"Retry-After": "5"}, True, id="503 with a page"),
        pytest.param(500, b"x" * 200_000, {}, False, id="500 with a page too large to drain"),
    ],
)
async def test_unused_bodies_are_drained_so_the_connection_is_reused(
    server: FeedServer,
    client: httpx.AsyncClient,
    status: int,
    body: bytes,
    headers: dict[str, str],
    reused: bool,
) -> None:
    ports: list[int] = []
    server.set_handler("/feed", _recording(ports, status, body, headers))

    for _ in range(3):
        try:
            await fetch(client, SRC, server.url("/feed"), policy=LOCAL, etag='"v1"', now=NOW)
        except FetchError as e:
            assert e.status_code == status

    assert len(ports) == 3
    assert (len(set(ports)) == 1) is reused, ports


async def test_redirect_bodies_are_drained_so_the_connection_is_reused(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    ports: list[int] = []
    server.set_handler("/old", _recording(ports, 301, b"<html>moved</html>", {"Location": "/new"}))
    server.set_handler("/new", _recording(ports, 200, RSS))

    for _ in range(2):
        result = await fetch(client, SRC, server.url("/old"), policy=LOCAL, now=NOW)
        assert result.body == RSS

    assert len(ports) == 4 and len(set(ports)) == 1, ports


# --- case 42: DNS rebinding: the connection goes to the address that passed the check ----------------


def test_an_httpx_without_the_pool_pressmon_pins_in_is_refused_not_run_unpinned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Reshaped(httpx.AsyncHTTPTransport):  # a future httpx that keeps its pool elsewhere
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)  # type: ignore[arg-type]
            del self._pool

    monkeypatch.setattr(httpx, "AsyncHTTPTransport", Reshaped)
    with pytest.raises(RuntimeError, match="pins addresses in"):
        make_client()


def answering(*addresses: str) -> Callable[[str, int], Awaitable[list[str]]]:
    async def resolver(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolver


async def test_rebinding_check_and_connection_disagree_connection_uses_the_checked_address(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    # The system resolver answers 127.0.0.1 for "localhost", where the server listens; the check's
    # resolver answers 127.0.0.2, where nothing does. Connecting by a fresh lookup would reach the server.
    server.set("/feed", RSS)
    policy = replace(LOCAL, resolver=answering("127.0.0.2"))

    err = await fetch_error(client, f"http://localhost:{server.port}/feed", policy)

    assert err.kind is FetchErrorKind.REFUSED
    assert server.hits("/feed") == 0


async def test_rebinding_public_for_the_check_loopback_for_the_connection_never_reaches_loopback(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    server.set("/feed", RSS)
    policy = replace(PUBLIC, resolver=answering("93.184.216.34"), connect_timeout_s=1, deadline_s=2)

    with pytest.raises(FetchError):
        await fetch(client, SRC, f"http://localhost:{server.port}/feed", policy=policy, now=NOW)

    assert server.hits("/feed") == 0


async def test_connection_uses_the_checked_address_and_keeps_the_host_name(
    server: FeedServer, client: httpx.AsyncClient
) -> None:
    # "statements.invalid" resolves nowhere: the fetch succeeds only by connecting to the checked address.
    server.set("/feed", RSS)
    policy = replace(LOCAL, resolver=answering("127.0.0.1"))

    result = await fetch(client, SRC, f"http://statements.invalid:{server.port}/feed", policy=policy, now=NOW)

    assert result.body == RSS
    assert server.last_request("/feed").headers["host"] == f"statements.invalid:{server.port}"


async def test_a_resolver_that_fails_is_a_dns_error(client: httpx.AsyncClient) -> None:
    async def broken(host: str, port: int) -> list[str]:
        raise OSError("SERVFAIL")

    err = await fetch_error(client, "http://statements.invalid/feed", replace(LOCAL, resolver=broken))
    assert (err.kind, err.detail) == (FetchErrorKind.DNS, "cannot resolve statements.invalid: SERVFAIL")
    err = await fetch_error(client, "http://statements.invalid/feed", replace(LOCAL, resolver=answering()))
    assert (err.kind, err.detail) == (FetchErrorKind.DNS, "cannot resolve statements.invalid: no addresses")

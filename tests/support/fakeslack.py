"""A fake Slack on 127.0.0.1 that speaks Slack's HTTP contract, for driving the real slack-sdk clients.

    with FakeSlack(channels={"C123": "alerts"}) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        ...
        assert [m.text for m in slack.messages("C123")] == [...]

Web API (``/api/<method>``; JSON, form-encoded or query parameters, as slack-sdk sends them):
``auth.test``, ``chat.postMessage``, ``chat.update``, ``conversations.history``, ``conversations.replies``.
Answers are Slack's: HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``; HTTP 429
with ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}`` for rate limits.

- The bearer token is checked: none -> ``not_authed``, another -> ``invalid_auth``.
- Channels are known by id (or ``#name``); unknown -> ``channel_not_found``; archived -> ``is_archived``
  (what ``chat.postMessage`` really answers; incoming webhooks answer ``channel_is_archived``).
- Block Kit limits are enforced with Slack's error names: more than 50 blocks, a header over 150, a
  section text over 3000, more than 10 fields or a field over 2000, more than 10 context elements ->
  ``invalid_blocks``; ``text`` over 40,000 -> ``msg_too_long``; neither text nor blocks -> ``no_text``;
  a ``thread_ts`` that is no message of the channel -> ``thread_not_found``.
- At most one accepted post per channel per ``min_interval_s`` (1 s) by ``clock`` (injectable, so a test
  can share a fake clock with the client); faster -> 429 with ``Retry-After: retry_after_s``.
- Every accepted post is recorded (:class:`PostedMessage`: channel, ts, text, blocks, metadata, thread_ts,
  and the raw parameters); ``conversations.history`` lists top-level messages newest first, with
  ``metadata`` only when ``include_all_metadata`` is set, paginated with cursors.

An incoming webhook lives at ``webhook_path`` (``/services/T000/B000/XXXX``) posting into
``webhook_channel``: 200 ``ok``, or Slack's plain-text errors (400 ``invalid_blocks``/``no_text``,
410 ``channel_is_archived``, 429 ``rate_limited``).

Faults, consumed by the next posts (``chat.postMessage`` and webhook posts) in order:
``fail_next(n, status=500)`` (an HTML gateway page, no Slack error name), ``fail_next(n, status=429,
retry_after=3)``, ``fail_next(n, error="...")`` (HTTP 200, ``ok: false``; a webhook answers 400 and
the name); ``fail_next_after_accept(n)``: record the post, then reset the connection (TCP RST) without
answering; ``delay_next_after_accept(n, seconds)``: record, then answer late.

``posts`` counts every post received, ``rate_limited`` the 429s sent for pacing, ``calls`` records
``(method, params)`` of every API call. Use the ``fake_slack`` fixture for a started server.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.httpserver import FeedRequestHandler, FeedServer

__all__ = ["FakeSlack", "PostedMessage", "fake_slack"]

TOKEN = "xoxb-test-token-0000"
WEBHOOK_PATH = "/services/T000/B000/XXXX"
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELDS = 10
MAX_FIELD = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_TEXT = 40_000


@dataclass
class PostedMessage:
    channel: str
    ts: str
    text: str | None
    blocks: list[Any] | None
    metadata: dict[str, Any] | None
    thread_ts: str | None
    params: dict[str, Any]
    via: str = "api"  # or "webhook"
    edits: int = 0


@dataclass
class _Fault:
    kind: str  # "answer" | "reset" | "delay"
    status: int = 200
    error: str | None = None
    retry_after: float | None = None
    delay_s: float = 0.0


@dataclass
class _Channel:
    id: str
    name: str
    archived: bool = False
    messages: list[PostedMessage] = field(default_factory=list)
    last_post_at: float | None = None


def _truthy(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.lower() in ("1", "true")) or v == 1


def _json_field(v: Any) -> Any:
    """Form-encoded requests carry blocks/metadata as JSON strings."""
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def block_kit_errors(blocks: Any) -> list[str]:
    """Why Slack would answer ``invalid_blocks`` (empty when the blocks are within limits)."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    errors: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]")
    for i, b in enumerate(blocks):
        if not isinstance(b, dict):
            errors.append(f"block must be an object [json-pointer:/blocks/{i}]")
            continue
        text: dict[str, Any] = b["text"] if isinstance(b.get("text"), dict) else {}
        t = str(text.get("text", ""))
        if b.get("type") == "header":
            if text.get("type") != "plain_text":
                errors.append(f"must be plain_text [json-pointer:/blocks/{i}/text]")
            if len(t) > MAX_HEADER:
                errors.append(
                    f"must be less than {MAX_HEADER + 1} characters [json-pointer:/blocks/{i}/text]"
                )
        elif b.get("type") == "section":
            if len(t) > MAX_SECTION:
                errors.append(
                    f"must be less than {MAX_SECTION + 1} characters [json-pointer:/blocks/{i}/text]"
                )
            fields = b.get("fields") or []
            if len(fields) > MAX_FIELDS:
                errors.append(f"no more than {MAX_FIELDS} items allowed [json-pointer:/blocks/{i}/fields]")
            for j, f in enumerate(fields):
                if len(f.get("text", "")) > MAX_FIELD:
                    errors.append(
                        f"must be less than {MAX_FIELD + 1} characters [json-pointer:/blocks/{i}/fields/{j}]"
                    )
        elif b.get("type") == "context" and len(b.get("elements") or []) > MAX_CONTEXT_ELEMENTS:
            errors.append(
                f"no more than {MAX_CONTEXT_ELEMENTS} items allowed [json-pointer:/blocks/{i}/elements]"
            )
    return errors


class FakeSlack:
    """See the module docstring."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        channels: Mapping[str, str] | None = None,
        archived: Mapping[str, str] | None = None,
        min_interval_s: float = 1.0,
        retry_after_s: float = 1,
        clock: Callable[[], float] = time.monotonic,
        webhook_channel: str = "C123",
    ) -> None:
        self.token = token
        self.min_interval_s = min_interval_s
        self.retry_after_s = retry_after_s
        self.clock = clock
        self.webhook_channel = webhook_channel
        self.posts = 0
        self.rate_limited = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._channels: dict[str, _Channel] = {}
        self._last_ts = 0.0
        for cid, name in (
            channels if channels is not None else {"C123": "alerts", "C456": "tariffs"}
        ).items():
            self._channels[cid] = _Channel(cid, name)
        for cid, name in (archived if archived is not None else {"CARCHIVED": "old-alerts"}).items():
            self._channels[cid] = _Channel(cid, name, archived=True)
        self._http = FeedServer()

    # --- lifecycle ---

    def start(self) -> FakeSlack:
        self._http.start()
        for method in (
            "auth.test",
            "chat.postMessage",
            "chat.update",
            "conversations.history",
            "conversations.replies",
        ):
            self._http.set_handler(f"/api/{method}", self._api(method))
        self._http.set_handler(WEBHOOK_PATH, self._webhook)
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self._http.url("/api/")

    @property
    def webhook_url(self) -> str:
        return self._http.url(WEBHOOK_PATH)

    # --- inspection ---

    def messages(self, channel: str = "C123") -> list[PostedMessage]:
        """Every accepted message of ``channel``, thread replies included, oldest first."""
        with self._lock:
            return list(self._channels[channel].messages)

    def all_messages(self) -> list[PostedMessage]:
        with self._lock:
            return [m for c in self._channels.values() for m in c.messages]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for m, p in self.calls if m == method]

    # --- configuration and faults ---

    def add_channel(self, channel_id: str, name: str, *, archived: bool = False) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(channel_id, name, archived=archived)

    def archive(self, channel_id: str) -> None:
        with self._lock:
            self._channels[channel_id].archived = True

    def fail_next(
        self, n: int = 1, *, status: int = 200, error: str | None = None, retry_after: float | None = None
    ) -> None:
        """Answer the next ``n`` posts with ``status`` (200 -> ``ok: false``, ``error``), nothing recorded."""
        if status == 200 and error is None:
            raise ValueError("fail_next with status 200 needs an error name")
        with self._lock:
            self._faults.extend(
                _Fault("answer", status=status, error=error, retry_after=retry_after) for _ in range(n)
            )

    def fail_next_after_accept(self, n: int = 1) -> None:
        """Record the next ``n`` posts, then reset the connection instead of answering."""
        with self._lock:
            self._faults.extend(_Fault("reset") for _ in range(n))

    def delay_next_after_accept(self, n: int = 1, *, seconds: float) -> None:
        """Record the next ``n`` posts, then answer only after ``seconds`` (or when the server stops)."""
        with self._lock:
            self._faults.extend(_Fault("delay", delay_s=seconds) for _ in range(n))

    # --- HTTP plumbing ---

    @staticmethod
    def _params(req: FeedRequestHandler) -> dict[str, Any]:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(req.path).query, keep_blank_values=True).items()}
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body: dict[str, Any] = {}
        if raw and ctype == "application/json":
            loaded = json.loads(raw.decode("utf-8"))
            body = loaded if isinstance(loaded, dict) else {}
        elif raw:
            body = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        return {**query, **body}

    @staticmethod
    def _answer(
        req: FeedRequestHandler,
        payload: Mapping[str, Any],
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        body = json.dumps(payload).encode()
        req.respond(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    @staticmethod
    def _text(
        req: FeedRequestHandler, text: str, status: int, headers: Mapping[str, str] | None = None
    ) -> None:
        req.respond(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8", **(headers or {})})

    @staticmethod
    def _gateway_error(req: FeedRequestHandler, status: int, headers: Mapping[str, str]) -> None:
        """What a load balancer answers: HTML, no Slack error name."""
        body = f"<html><body><h1>{status}</h1></body></html>".encode()
        req.respond(status, body, {"Content-Type": "text/html; charset=utf-8", **headers})

    def _reset(self, req: FeedRequestHandler) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), no answer."""
        req.close_connection = True
        with contextlib.suppress(OSError):
            req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            req.connection.close()

    def _next_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _new_ts(self) -> str:
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def _channel(self, ref: Any) -> _Channel | None:
        if not isinstance(ref, str):
            return None
        if ref in self._channels:
            return self._channels[ref]
        name = ref.removeprefix("#")
        return next((c for c in self._channels.values() if c.name == name), None)

    # --- the Web API ---

    def _api(self, method: str) -> Callable[[FeedRequestHandler], None]:
        def route(req: FeedRequestHandler) -> None:
            params = self._params(req)
            auth = req.headers.get("Authorization") or ""
            token = (
                auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else params.get("token")
            )
            with self._lock:
                self.calls.append((method, {k: v for k, v in params.items() if k != "token"}))
                if method == "chat.postMessage":
                    self.posts += 1
            if not token:
                self._answer(req, {"ok": False, "error": "not_authed"})
                return
            if token != self.token:
                self._answer(req, {"ok": False, "error": "invalid_auth"})
                return
            handler = {
                "auth.test": self._auth_test,
                "chat.postMessage": self._post_message,
                "chat.update": self._update,
                "conversations.history": self._history,
                "conversations.replies": self._replies,
            }[method]
            handler(req, params)

        return route

    def _auth_test(self, req: FeedRequestHandler, params: dict[str, Any]) -> None:
        self._answer(
            req,
            {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "pressmon",
             "team_id": "T000", "user_id": "U000", "bot_id": "B000"},
        )  # fmt: skip

    def _check_message(self, params: Mapping[str, Any], channel: _Channel | None) -> str | None:
        if channel is None:
            return "channel_not_found"
        if channel.archived:
            return "is_archived"
        text, blocks = params.get("text"), _json_field(params.get("blocks"))
        if not text and not blocks:
            return "no_text"
        if isinstance(text, str) and len(text) > MAX_TEXT:
            return "msg_too_long"
        if blocks is not None and block_kit_errors(blocks):
            return "invalid_blocks"
        return None

    def _post_message(self, req: FeedRequestHandler, params: dict[str, Any]) -> None:
        fault = self._next_fault()
        if fault is not None and fault.kind == "answer":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            if fault.error is None and fault.status != 429:
                self._gateway_error(req, fault.status, headers)
                return
            self._answer(req, {"ok": False, "error": fault.error or "ratelimited"}, fault.status, headers)
            return
        with self._lock:
            channel = self._channel(params.get("channel"))
            error = self._check_message(params, channel)
            thread_ts = params.get("thread_ts") or None
            parents = {m.ts for m in channel.messages if m.thread_ts in (None, m.ts)} if channel else set()
            if error is None and thread_ts is not None and thread_ts not in parents:
                error = "thread_not_found"
            if error is not None or channel is None:
                answer: dict[str, Any] = {"ok": False, "error": error}
                if error == "invalid_blocks":
                    answer["errors"] = block_kit_errors(_json_field(params.get("blocks")))
                self._answer(req, answer)
                return
            now = self.clock()
            if channel.last_post_at is not None and now - channel.last_post_at < self.min_interval_s:
                self.rate_limited += 1
                retry = f"{self.retry_after_s:g}"
                self._answer(req, {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": retry})
                return
            channel.last_post_at = now
            msg = PostedMessage(
                channel=channel.id,
                ts=self._new_ts(),
                text=params.get("text"),
                blocks=_json_field(params.get("blocks")),
                metadata=_json_field(params.get("metadata")),
                thread_ts=thread_ts,
                params=params,
            )
            channel.messages.append(msg)
        self._after_accept(
            req, fault, {"ok": True, "channel": msg.channel, "ts": msg.ts, "message": self._view(msg, True)}
        )

    def _after_accept(self, req: FeedRequestHandler, fault: _Fault | None, answer: Mapping[str, Any]) -> None:
        if fault is not None and fault.kind == "reset":
            self._reset(req)
            return
        if fault is not None and fault.kind == "delay" and req.stopping.wait(fault.delay_s):
            req.close_connection = True
            return
        self._answer(req, answer)

    def _update(self, req: FeedRequestHandler, params: dict[str, Any]) -> None:
        with self._lock:
            channel = self._channel(params.get("channel"))
            error = self._check_message(params, channel)
            msg = None
            if error is None and channel is not None:
                msg = next((m for m in channel.messages if m.ts == params.get("ts")), None)
                error = None if msg is not None else "message_not_found"
            if error is not None or msg is None:
                self._answer(req, {"ok": False, "error": error})
                return
            msg.text = params.get("text")
            msg.blocks = _json_field(params.get("blocks"))
            msg.edits += 1
        self._answer(req, {"ok": True, "channel": msg.channel, "ts": msg.ts, "text": msg.text})

    @staticmethod
    def _view(m: PostedMessage, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "ts": m.ts,
            "text": m.text or "",
            "user": "U000",
            "bot_id": "B000",
        }
        if m.blocks is not None:
            out["blocks"] = m.blocks
        if m.thread_ts is not None:
            out["thread_ts"] = m.thread_ts
        if with_metadata and m.metadata is not None:
            out["metadata"] = m.metadata
        return out

    def _page(self, req: FeedRequestHandler, params: Mapping[str, Any], msgs: list[PostedMessage]) -> None:
        oldest = float(params.get("oldest") or 0)
        latest = float(params["latest"]) if params.get("latest") else None
        msgs = [m for m in msgs if float(m.ts) > oldest and (latest is None or float(m.ts) < latest)]
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(params.get("cursor") or 0)
        page = msgs[start : start + limit]
        more = start + limit < len(msgs)
        with_md = _truthy(params.get("include_all_metadata"))
        self._answer(
            req,
            {
                "ok": True,
                "messages": [self._view(m, with_md) for m in page],
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            },
        )

    def _history(self, req: FeedRequestHandler, params: dict[str, Any]) -> None:
        with self._lock:
            channel = self._channel(params.get("channel"))
            if channel is None:
                self._answer(req, {"ok": False, "error": "channel_not_found"})
                return
            top = [m for m in channel.messages if m.thread_ts in (None, m.ts)]
        self._page(req, params, sorted(top, key=lambda m: float(m.ts), reverse=True))

    def _replies(self, req: FeedRequestHandler, params: dict[str, Any]) -> None:
        with self._lock:
            channel = self._channel(params.get("channel"))
            if channel is None:
                self._answer(req, {"ok": False, "error": "channel_not_found"})
                return
            ts = params.get("ts")
            parent = [m for m in channel.messages if m.ts == ts]
            if not parent:
                self._answer(req, {"ok": False, "error": "thread_not_found"})
                return
            thread = parent + [m for m in channel.messages if m.thread_ts == ts and m.ts != ts]
        self._page(req, params, sorted(thread, key=lambda m: float(m.ts)))

    # --- the incoming webhook ---

    def _webhook(self, req: FeedRequestHandler) -> None:
        params = self._params(req)
        with self._lock:
            self.posts += 1
            self.calls.append(("webhook", params))
        fault = self._next_fault()
        if fault is not None and fault.kind == "answer":
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            if fault.error is None and fault.status != 429:
                self._gateway_error(req, fault.status, headers)
                return
            self._text(
                req, fault.error or "rate_limited", fault.status if fault.status != 200 else 400, headers
            )
            return
        with self._lock:
            channel = self._channels.get(self.webhook_channel)
            error = self._check_message(params, channel)
            if error is not None or channel is None:
                status = {"channel_not_found": 404, "is_archived": 410}.get(error or "", 400)
                self._text(req, {"is_archived": "channel_is_archived"}.get(error or "", error or ""), status)
                return
            now = self.clock()
            if channel.last_post_at is not None and now - channel.last_post_at < self.min_interval_s:
                self.rate_limited += 1
                self._text(req, "rate_limited", 429, {"Retry-After": f"{self.retry_after_s:g}"})
                return
            channel.last_post_at = now
            msg = PostedMessage(
                channel=channel.id,
                ts=self._new_ts(),
                text=params.get("text"),
                blocks=params.get("blocks"),
                metadata=params.get("metadata"),
                thread_ts=None,
                params=params,
                via="webhook",
            )
            channel.messages.append(msg)
        if fault is not None and fault.kind == "reset":
            self._reset(req)
            return
        self._text(req, "ok", 200)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started :class:`FakeSlack` with channels C123 (#alerts), C456 (#tariffs), archived CARCHIVED."""
    with FakeSlack() as slack:
        yield slack

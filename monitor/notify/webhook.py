"""The webhook receiver: POST a templated JSON body, signed with HMAC-SHA256.

Headers: ``Content-Type: application/json``, ``Idempotency-Key`` and ``X-Pressmon-Alert-Key`` (both the
alert_key: a receiver that sees the same key twice saw a duplicate and should drop it; an alert is sent
at most twice when the connection breaks before the answer), ``X-Pressmon-Timestamp`` (Unix seconds) and,
when a secret is configured, ``X-Pressmon-Signature: sha256=<hex>`` over ``"<timestamp>.<body>"`` (the
timestamp is signed so a captured request cannot be replayed later with a fresh one).

Outcomes: 2xx sent; 408/429/5xx and network errors retry (429 and 503 honour Retry-After); a connection
lost after the request was written is ambiguous; any other status fails permanently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from monitor.errors import DeliveryError
from monitor.fetch import parse_retry_after
from monitor.render import Renderer

__all__ = ["WebhookNotifier", "sign"]

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookNotifier:
    in_flight = 8  # alerts of different threads sent at once (monitor.notify.worker)

    def __init__(
        self,
        name: str,
        *,
        url: str,
        secret: str | None,
        renderer: Renderer,
        template: str = "webhook.json.j2",
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 15.0,
        clock: Callable[[], float] = time.time,
        timezone: str = "UTC",
    ) -> None:
        self.name = name
        self._url = url
        self._secret = secret
        self._renderer = renderer
        self._template = template
        self._client = client or httpx.AsyncClient(trust_env=False, timeout=timeout_s, follow_redirects=False)
        self._clock = clock
        self._timezone = timezone

    def body(self, alert: Mapping[str, Any]) -> bytes:
        # The receiver's time zone reaches the template (the `when` filter) as `timezone`.
        text = self._renderer.json(self._template, alert, timezone=self._timezone)
        try:
            json.loads(text)
        except ValueError as e:
            raise DeliveryError(
                self.name, f"webhook: template {self._template} made invalid JSON: {e}", retryable=False
            ) from None
        return text.encode()

    async def send(self, alert: Mapping[str, Any]) -> str:
        body = self.body(alert)
        ts = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "pressmon-webhook/0.1",
            "Idempotency-Key": str(alert["alert_key"]),
            "X-Pressmon-Alert-Key": str(alert["alert_key"]),
            "X-Pressmon-Timestamp": ts,
        }
        if self._secret:
            headers["X-Pressmon-Signature"] = sign(self._secret, ts, body)
        host = httpx.URL(self._url).host
        try:
            resp = await self._client.post(self._url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise DeliveryError(
                self.name, f"webhook: {host}: cannot connect ({type(e).__name__})", retryable=True
            ) from None
        except httpx.TransportError as e:
            # The request may have been written and processed: the answer is what was lost.
            raise DeliveryError(
                self.name,
                f"webhook: {host}: {type(e).__name__} after sending",
                retryable=True,
                ambiguous=True,
            ) from None
        if resp.is_success:
            return f"webhook:{resp.status_code}"
        detail = f"webhook: {host}: HTTP {resp.status_code} {resp.reason_phrase}"
        retry_after = parse_retry_after(resp.headers.get("retry-after"), now=datetime.now(UTC))
        raise DeliveryError(
            self.name, detail, retryable=resp.status_code in RETRYABLE_STATUS, retry_after_s=retry_after
        )

    async def aclose(self) -> None:
        await self._client.aclose()

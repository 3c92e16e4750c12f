"""The Slack receivers: the Web API (``chat.postMessage`` through slack-sdk's ``AsyncWebClient``) and
incoming webhooks (``AsyncWebhookClient``). Both render the same templates (``monitor.notify.slack_format``).

``SlackNotifier.send(alert)`` renders the alert, waits for the channel's pace, and posts once:
``channel``, a fallback ``text``, clamped ``blocks``, ``unfurl_links``/``unfurl_media`` off, no
``link_names``/``parse``, and ``metadata`` ``{"event_type": "pressmon_alert", "event_payload":
{"alert_key": ..., "receiver": ...}}``. An alert carrying ``thread_ts`` (and ``thread_channel``, when it
is this receiver's channel) is posted into that thread; if Slack says ``thread_not_found`` (the parent was
deleted) it is posted at the top level instead. Returns ``"<channel id>:<ts>"``.

``reconcile(alert)`` answers "did an earlier, interrupted send arrive?": it reads the channel (or the
thread, then the channel) from the alert's ``seen_at`` minus 10 minutes with ``include_all_metadata``
and returns ``"<channel>:<ts>"`` of the message whose metadata carries this alert_key and receiver, or
``None``. It needs the ``channels:history`` (``groups:history``) scope; without it it raises a permanent
``DeliveryError`` ("slack: missing_scope ..."): reconciliation is then impossible and the caller decides.

``update(ref, alert)`` re-renders an alert into an existing message (``chat.update``), e.g. a story's
parent after a revision.

Pacing (at most one post per ``pace_s`` per channel, Slack's Retry-After held) is
``monitor.notify.slack_pace``; the mapping of every failure to a ``SlackError`` (retryable or not,
ambiguous or not) is ``monitor.notify.slack_errors``.

Secrets: the token (and a webhook URL, which is a secret) never appear in an error, a log line or a
chained exception; slack-sdk's debug logging (which would print request bodies and the webhook URL) is
kept off by giving it a logger capped at WARNING. Environment proxies are ignored; ``proxy`` is explicit.

``SlackWebhookNotifier`` posts the same rendered message to an incoming webhook: no threads, no
metadata lookups (``reconcile`` returns ``None``), errors mapped the same way from the webhook's plain
text answers (``no_service``, ``invalid_payload``, ``channel_is_archived``, ...).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from monitor.notify.slack_errors import SlackError, classify_status, classify_transport
from monitor.notify.slack_format import SlackMessage, SlackTemplateError, render_message, slack_environment
from monitor.notify.slack_pace import paced

__all__ = [
    "EVENT_TYPE",
    "SlackNotifier",
    "SlackWebhookNotifier",
]

EVENT_TYPE = "pressmon_alert"
RECONCILE_LOOKBACK = timedelta(minutes=10)
RECONCILE_MAX_PAGES = 10

# slack-sdk logs request bodies (and the webhook URL) at DEBUG: keep that off whatever the root level.
_SDK_LOG = logging.getLogger("pressmon.notify.slack.sdk")
_SDK_LOG.setLevel(logging.WARNING)


def _parse_ts(value: Any) -> float | None:
    """An ISO-8601 time (naive = UTC) as a Unix timestamp."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


class _Rendering:
    def __init__(
        self, receiver: str, template: str, template_dirs: Sequence[Path], prefix: str, timezone: str
    ) -> None:
        self._receiver = receiver
        self._template = template
        self._env = slack_environment(template_dirs)
        self._prefix = prefix
        self._timezone = timezone

    def check(self) -> None:
        """Parse the template now, so a broken one fails at start, not at the first alert."""
        self._env.get_template(self._template)

    def render(self, alert: Mapping[str, Any]) -> SlackMessage:
        try:
            # The receiver's time zone reaches the template (the `when` filter) as `timezone`.
            return render_message(self._env, self._template, {"timezone": self._timezone, **alert})
        except SlackTemplateError as e:
            raise SlackError(
                self._receiver, "template_error", str(e), retryable=False, prefix=self._prefix
            ) from None


# --- the Web API receiver ---


class SlackNotifier:
    """Posts alerts with ``chat.postMessage``. See the module docstring for the contract."""

    def __init__(
        self,
        name: str,
        *,
        token: str,
        channel: str,
        template: str = "slack_alert.json.j2",
        template_dirs: Sequence[Path] = (),
        base_url: str | None = None,
        pace_s: float = 1.0,
        timezone: str = "UTC",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        timeout_s: int = 30,
        proxy: str | None = None,
    ) -> None:
        if not token.strip():
            raise ValueError(f"slack receiver {name}: empty token")
        self.name = name
        self.channel = channel
        self._channel_id: str | None = None  # learnt from Slack's answers
        self._rendering = _Rendering(name, template, template_dirs, "slack", timezone)
        self._client = AsyncWebClient(
            token=token,
            base_url=base_url or AsyncWebClient.BASE_URL,
            timeout=timeout_s,
            logger=_SDK_LOG,
            retry_handlers=[],  # the outbox worker owns retries
        )
        self._client.proxy = proxy  # never from the environment
        self._pace_key = (self._client.base_url, channel)
        self._pace_s = pace_s
        self._clock = clock
        self._sleep = sleep

    def check(self) -> None:
        self._rendering.check()

    def render(self, alert: Mapping[str, Any]) -> SlackMessage:
        return self._rendering.render(alert)

    # --- sending ---

    def _where(self, channel: str | None = None) -> str:
        return f"channel {channel or self.channel}"

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """One API call, made once; every failure becomes a SlackError."""
        where = self._where(kwargs.get("channel"))
        try:
            if method == "chat.postMessage":
                resp = await self._client.chat_postMessage(**kwargs)
            elif method == "chat.update":
                resp = await self._client.chat_update(**kwargs)
            elif method == "conversations.history":
                resp = await self._client.conversations_history(**kwargs)
            elif method == "conversations.replies":
                resp = await self._client.conversations_replies(**kwargs)
            else:  # pragma: no cover - programming error
                raise ValueError(method)
        except SlackApiError as e:
            body = e.response.data if isinstance(e.response.data, dict) else {}
            error = body.get("error") if isinstance(body.get("error"), str) else None
            raise classify_status(
                self.name, error, e.response.status_code, e.response.headers, where, "slack"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            raise classify_transport(self.name, e, where, "slack") from None
        except Exception as e:  # e.g. a malformed answer; the request may have been acted on
            raise classify_transport(self.name, e, where, "slack") from None
        data = resp.data
        if not isinstance(data, dict):
            raise SlackError(self.name, "invalid_response", where, retryable=True, ambiguous=True)
        return data

    def _thread_ts(self, alert: Mapping[str, Any]) -> str | None:
        thread_ts = alert.get("thread_ts")
        if not thread_ts:
            return None
        thread_channel = alert.get("thread_channel")
        if thread_channel and thread_channel not in (self.channel, self._channel_id):
            return None  # the story's thread lives in another channel: post at the top level
        return str(thread_ts)

    async def _post(self, **kwargs: Any) -> dict[str, Any]:
        return await paced(  # type: ignore[no-any-return]
            self._pace_key,
            lambda: self._call("chat.postMessage", **kwargs),
            receiver=self.name,
            where=self._where(),
            pace_s=self._pace_s,
            clock=self._clock,
            sleep=self._sleep,
            prefix="slack",
        )

    async def send(self, alert: Mapping[str, Any]) -> str:
        message = self.render(alert)
        kwargs: dict[str, Any] = {
            "channel": self.channel,
            "text": message.text,
            "blocks": message.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": {
                "event_type": EVENT_TYPE,
                "event_payload": {"alert_key": str(alert["alert_key"]), "receiver": self.name},
            },
        }
        thread_ts = self._thread_ts(alert)
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        try:
            data = await self._post(**kwargs)
        except SlackError as e:
            if not (thread_ts and e.error == "thread_not_found"):
                raise
            del kwargs["thread_ts"]  # the parent is gone; nothing was posted: post at the top level
            data = await self._post(**kwargs)
        return self._ref(data)

    def _ref(self, data: Mapping[str, Any]) -> str:
        channel = str(data.get("channel") or self.channel)
        self._channel_id = channel
        return f"{channel}:{data.get('ts')}"

    async def update(self, ref: str, alert: Mapping[str, Any]) -> str:
        """Replace the message ``ref`` ("<channel>:<ts>") with ``alert`` rendered (``chat.update``)."""
        channel, _, ts = ref.partition(":")
        message = self.render(alert)
        data = await self._call(
            "chat.update", channel=channel, ts=ts, text=message.text, blocks=message.blocks
        )
        return f"{data.get('channel') or channel}:{data.get('ts') or ts}"

    # --- reconciliation ---

    async def reconcile(self, alert: Mapping[str, Any]) -> str | None:
        key = str(alert["alert_key"])
        seen = _parse_ts(alert.get("seen_at"))
        oldest = f"{seen - RECONCILE_LOOKBACK.total_seconds():.6f}" if seen is not None else None
        channel = self._channel_id or self.channel
        thread_ts = self._thread_ts(alert)
        if thread_ts:
            try:
                found = await self._find(
                    "conversations.replies", key, channel=channel, ts=thread_ts, oldest=oldest
                )
            except SlackError as e:
                if e.error != "thread_not_found":
                    raise
                found = None
            if found:
                return found
        return await self._find("conversations.history", key, channel=channel, oldest=oldest)

    async def _find(self, method: str, key: str, **kwargs: Any) -> str | None:
        cursor: str | None = None
        for _ in range(RECONCILE_MAX_PAGES):
            args = {k: v for k, v in kwargs.items() if v is not None}
            data = await self._call(
                method, include_all_metadata=True, limit=200, **args, **({"cursor": cursor} if cursor else {})
            )
            for msg in data.get("messages") or []:
                if self._is_ours(msg, key):
                    return f"{kwargs['channel']}:{msg.get('ts')}"
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    def _is_ours(self, msg: Any, key: str) -> bool:
        if not isinstance(msg, dict):
            return False
        meta = msg.get("metadata")
        if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
            return False
        payload = meta.get("event_payload")
        if not isinstance(payload, dict) or payload.get("alert_key") != key:
            return False
        return bool(payload.get("receiver", self.name) == self.name)


# --- the incoming-webhook receiver ---


class SlackWebhookNotifier:
    """Posts alerts to an incoming webhook (a secret URL). No threads; ``reconcile`` returns None."""

    def __init__(
        self,
        name: str,
        *,
        url: str,
        template: str = "slack_alert.json.j2",
        template_dirs: Sequence[Path] = (),
        pace_s: float = 1.0,
        timezone: str = "UTC",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        timeout_s: int = 30,
        proxy: str | None = None,
    ) -> None:
        self.name = name
        self._rendering = _Rendering(name, template, template_dirs, "slack-webhook", timezone)
        self._client = AsyncWebhookClient(url=url, timeout=timeout_s, logger=_SDK_LOG, retry_handlers=[])
        self._client.proxy = proxy  # never from the environment
        # The URL is a secret: key the pace registry by its digest, and name it only by receiver.
        self._pace_key = ("webhook", hashlib.sha256(url.encode()).hexdigest())
        self._pace_s = pace_s
        self._clock = clock
        self._sleep = sleep

    def check(self) -> None:
        self._rendering.check()

    def render(self, alert: Mapping[str, Any]) -> SlackMessage:
        return self._rendering.render(alert)

    async def _call(self, message: SlackMessage) -> None:
        where = f"webhook {self.name}"
        try:
            resp = await self._client.send(
                text=message.text, blocks=message.blocks, unfurl_links=False, unfurl_media=False
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as e:
            raise classify_transport(self.name, e, where, "slack-webhook") from None
        except Exception as e:
            raise classify_transport(self.name, e, where, "slack-webhook") from None
        if resp.status_code == 200:
            return
        body = (resp.body or "").strip()
        error = body if body and len(body) <= 64 and body.replace("_", "").isalnum() else None
        raise classify_status(
            self.name,
            error,
            resp.status_code,
            resp.headers,
            f"{where}; HTTP {resp.status_code}",
            "slack-webhook",
        )

    async def send(self, alert: Mapping[str, Any]) -> str:
        message = self.render(alert)
        await paced(
            self._pace_key,
            lambda: self._call(message),
            receiver=self.name,
            where=f"webhook {self.name}",
            pace_s=self._pace_s,
            clock=self._clock,
            sleep=self._sleep,
            prefix="slack-webhook",
        )
        return f"webhook:{self.name}:{alert['alert_key']}"

    async def reconcile(self, alert: Mapping[str, Any]) -> str | None:
        """A webhook cannot be read back: always None (an ambiguous send may be repeated once)."""
        return None

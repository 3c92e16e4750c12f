"""Slack failures as ``SlackError`` (a ``DeliveryError``): Slack's answer or a transport failure ->
retryable or permanent, ambiguous or not, and how long Retry-After asks to wait.

Errors: every failure is a ``SlackError`` (a ``DeliveryError``) whose detail starts with Slack's error name:
"slack: channel_not_found (channel C123)". Retries are the outbox worker's business: slack-sdk's own retry
handlers are disabled, and each call is made exactly once.

    ratelimited / rate_limited / HTTP 429           retryable, retry_after_s = Retry-After
    internal_error, fatal_error, other HTTP 5xx      retryable and ambiguous (Slack may have acted)
    service_unavailable, request_timeout, HTTP 503   retryable (nothing was done)
    connection refused / DNS / connect timeout       retryable (the request never left)
    reset, server disconnected, read timeout         retryable and ambiguous (the request was sent)
    any other ``ok: false`` or HTTP 4xx              permanent: channel_not_found, invalid_auth,
                                                     not_authed, account_inactive, token_revoked,
                                                     is_archived, channel_is_archived, invalid_blocks,
                                                     msg_too_long, no_text, not_in_channel, ...
    a template that fails to render                  permanent ("slack: template_error ...")
"""

from __future__ import annotations

from typing import Any

import aiohttp

from monitor.errors import DeliveryError

__all__ = ["MAX_RETRY_AFTER_S", "SlackError", "classify_status", "classify_transport", "retry_after"]

MAX_RETRY_AFTER_S = 3600.0

_RETRYABLE = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_AMBIGUOUS = frozenset({"internal_error", "fatal_error"})  # "some aspect of the operation may have succeeded"
_NOT_DONE_STATUS = frozenset({503})  # unavailable: the request was not processed


class SlackError(DeliveryError):
    """A Slack failure. ``error``: Slack's error name (``channel_not_found``) or ours (``timeout``)."""

    def __init__(
        self,
        receiver: str,
        error: str,
        where: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        ambiguous: bool = False,
        prefix: str = "slack",
    ) -> None:
        self.error = error
        detail = f"{prefix}: {error} ({where})"
        super().__init__(
            receiver, detail, retryable=retryable, retry_after_s=retry_after_s, ambiguous=ambiguous
        )


def retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("Retry-After") if headers is not None else None
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError, AttributeError):
        return None
    if seconds is None or seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def classify_status(
    receiver: str, error: str | None, status: int, headers: Any, where: str, prefix: str
) -> SlackError:
    """One answer (HTTP status + Slack error name) -> SlackError."""
    name = error or f"http_{status}"
    if status == 429 or name in ("ratelimited", "rate_limited"):
        wait = retry_after(headers)
        return SlackError(
            receiver,
            name if error else "ratelimited",
            f"{where}; retry after {wait:g}s" if wait is not None else where,
            retryable=True,
            retry_after_s=wait,
            prefix=prefix,
        )
    if name in _RETRYABLE or status >= 500:
        ambiguous = name in _AMBIGUOUS or (
            status >= 500 and status not in _NOT_DONE_STATUS and name not in _RETRYABLE
        )
        return SlackError(receiver, name, where, retryable=True, ambiguous=ambiguous, prefix=prefix)
    return SlackError(receiver, name, where, retryable=False, prefix=prefix)


def classify_transport(receiver: str, e: BaseException, where: str, prefix: str) -> SlackError:
    """A failure below HTTP. Before the request left: not ambiguous; after: ambiguous."""
    kind = type(e).__name__
    if isinstance(e, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return SlackError(receiver, "connect_failed", f"{where}; {kind}", retryable=True, prefix=prefix)
    if isinstance(e, TimeoutError):
        return SlackError(
            receiver, "timeout", f"{where}; {kind}", retryable=True, ambiguous=True, prefix=prefix
        )
    if isinstance(e, aiohttp.ClientError | OSError):
        return SlackError(
            receiver, "connection_lost", f"{where}; {kind}", retryable=True, ambiguous=True, prefix=prefix
        )
    return SlackError(
        receiver, "unexpected_error", f"{where}; {kind}", retryable=True, ambiguous=True, prefix=prefix
    )

"""Delivery: the ``Notifier`` seam, receivers (console, Slack, email, webhook) and the outbox worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["Notifier", "Reconciler"]


class Notifier(Protocol):
    """One receiver. ``send`` returns a provider reference (message id, ``channel:ts``) once the provider
    answered; it raises ``monitor.errors.DeliveryError`` (``retryable``: try again; ``ambiguous``: the
    provider may have it)."""

    name: str

    async def send(self, alert: Mapping[str, Any]) -> str: ...


@runtime_checkable
class Reconciler(Protocol):
    """A receiver that can tell whether an alert whose send was interrupted arrived after all
    (Slack: message metadata carries the alert_key). Returns the provider reference, or None."""

    async def reconcile(self, alert: Mapping[str, Any]) -> str | None: ...

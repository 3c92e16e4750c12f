"""Delivery: the ``Notifier`` seam, the console receiver, and the outbox worker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["Notifier"]


class Notifier(Protocol):
    """One receiver. ``send`` returns a provider reference (message id, channel+ts) once the provider
    answered; it raises ``monitor.errors.DeliveryError`` (``retryable`` says whether to try again)."""

    name: str

    async def send(self, alert: Mapping[str, Any]) -> str: ...

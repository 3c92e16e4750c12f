"""Operator alerts (``kind: operator``) as outbox rows: a delivery that failed for good or was left in
doubt (``monitor.notify.send``), and what the watch raises (a failing receiver, a stuck outbox, a
database refusing writes: ``monitor.watch``). Pure: rows to insert, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from monitor.store.outbox import ClaimedDelivery

__all__ = ["operator_alert_rows", "operator_outbox_rows", "operator_rows"]


def operator_alert_rows(
    reason: str,
    key: str,
    *,
    title: str,
    error: str,
    operators: Sequence[str],
    now: datetime,
    avoid: str | None = None,
    receiver: str = "",
) -> list[dict[str, Any]]:
    """Outbox rows for one operator alert (``kind: operator``) to every operator receiver but ``avoid``."""
    payload = {
        "alert_key": f"operator:{key}",
        "kind": "operator",
        "reason": reason,
        "receiver": receiver,
        "failed_alert_key": "",
        "title": title,
        "source_id": "",
        "source_title": "pressmon",
        "url": None,
        "error": error,
        "attempts": 0,
        "seen_at": now.isoformat(),
    }
    return operator_outbox_rows(payload, [op for op in operators if op != avoid], now)


def operator_rows(
    d: ClaimedDelivery,
    error: str,
    operators: Sequence[str],
    now: datetime,
    *,
    reason: str = "delivery-failed",
) -> list[dict[str, Any]]:
    """Outbox rows telling the operator receivers that ``d`` failed permanently, or was left ambiguous
    (never to the receiver that failed, so a broken receiver cannot loop)."""
    payload = {
        "alert_key": f"operator:{d.alert_key}:{d.receiver}",
        "kind": "operator",
        "reason": reason,
        "receiver": d.receiver,
        "failed_alert_key": d.alert_key,
        "title": str(d.payload.get("title") or d.payload.get("source_title") or d.alert_key),
        "source_id": str(d.payload.get("source_id", "")),
        "source_title": str(d.payload.get("source_title", "")),
        "url": d.payload.get("url"),
        "error": error,
        "attempts": d.attempts,
        "seen_at": now.isoformat(),
    }
    if d.kind == "operator":
        return []
    return operator_outbox_rows(payload, [op for op in operators if op != d.receiver], now)


def operator_outbox_rows(
    payload: dict[str, Any], receivers: Sequence[str], now: datetime
) -> list[dict[str, Any]]:
    """One pending outbox row per receiver for the operator alert ``payload`` (``kind: operator``), due
    now: for failed deliveries here, and for the watch's alerts (``monitor.watch``)."""
    return [
        {
            "alert_key": payload["alert_key"],
            "receiver": op,
            "kind": "operator",
            "mention_id": None,
            "payload": payload,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for op in receivers
    ]

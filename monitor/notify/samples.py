"""A realistic sample alert for ``pressmon template render --sample`` (the seed story's FMS approval),
shaped exactly like the payloads ``monitor.plan`` queues."""

from __future__ import annotations

from typing import Any

__all__ = ["sample_alert"]


def sample_alert() -> dict[str, Any]:
    return {
        "alert_key": "new:dsca:3f1a9c0e5b7d2a4c6e8f",
        "thread_key": "new:dsca:3f1a9c0e5b7d2a4c6e8f",
        "kind": "new",
        "reason": "first-seen",
        "source_id": "dsca",
        "source_title": "DSCA Major Arms Sales",
        "title": "Japan – SM-6 Block IA Missiles",
        "url": "https://www.dsca.mil/Press-Media/Major-Arms-Sales/Article-Display/Article/4372519/japan-sm-6",
        "published_at": "2026-11-24T21:55:00+00:00",
        "seen_at": "2026-11-25T06:02:11+00:00",
        "revision": 1,
        "topics": [
            {
                "id": "fms-japan",
                "title": "Foreign Military Sales to Japan",
                "terms": ["Foreign Military Sale", "Japan"],
                "snippet": "The State Department has made a determination approving a possible Foreign "
                "Military Sale to the Government of Japan of Standard Missile-6 (SM-6) Block IA missiles "
                "and related equipment. The estimated total cost is $1.0 billion.",
            }
        ],
        "terms": ["Foreign Military Sale", "Japan"],
        "snippet": "The State Department has made a determination approving a possible Foreign Military Sale "
        "to the Government of Japan of Standard Missile-6 (SM-6) Block IA missiles and related equipment. "
        "The estimated total cost is $1.0 billion.",
        "facts": {
            "money": [
                {"amount": "1000000000", "currency": "USD", "usd": "1000000000", "text": "$1.0 billion"}
            ],
            "fms": {
                "purchaser": "Japan",
                "system": "Standard Missile-6 (SM-6) Block IA",
                "value_usd": "1000000000",
            },
        },
        "fact_lines": [
            "money: $1.0 billion",
            "FMS: purchaser Japan · system Standard Missile-6 (SM-6) Block IA · value $1 billion",
        ],
        "previous_title": None,
        "change": None,
        "diff": None,
    }

"""One JSON object per log line (``--log-format json`` / ``PRESSMON_LOG_FORMAT=json``).

Keys are stable: ``ts`` (ISO 8601 UTC), ``level``, ``logger``, ``msg``, and, when the line is about one,
``source_id``, ``item_key``, ``topic``, ``receiver``, ``attempt`` (passed with ``extra=``), ``exc``
for a traceback logged at DEBUG.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

__all__ = ["CONTEXT_KEYS", "JsonFormatter"]

CONTEXT_KEYS = ("source_id", "item_key", "topic", "receiver", "attempt")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)

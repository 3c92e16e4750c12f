"""One JSON object per log line (``--log-format json`` / ``PRESSMON_LOG_FORMAT=json``).

Keys are stable: ``ts`` (ISO 8601 UTC), ``level``, ``logger``, ``msg``, and, when the line is about one,
``source_id``, ``item_key``, ``topic``, ``receiver``, ``attempt``, ``exc`` for a traceback logged at
DEBUG. Those keys come from ``extra=`` or from :func:`log_context`, which a source's poll and an alert's
delivery set around their work, so every line logged inside carries them (a context variable: each
asyncio task sees its own).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

__all__ = ["CONTEXT_KEYS", "JsonFormatter", "log_context"]

CONTEXT_KEYS = ("source_id", "item_key", "topic", "receiver", "attempt")
_context: ContextVar[dict[str, object]] = ContextVar("pressmon_log_context", default={})  # noqa: B039


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Attach ``values`` (None ones are left out) to every log line written inside."""
    token = _context.set({**_context.get(), **{k: v for k, v in values.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        bound = _context.get()
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is None:
                value = bound.get(key)
            if value is not None:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)

"""The console receiver: prints a readable alert (source, title, link, topics, matched terms) to a
stream. Used when no Slack or SMTP is configured, and by the demo."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from monitor.render import Renderer

__all__ = ["ConsoleNotifier"]


class ConsoleNotifier:
    def __init__(
        self,
        name: str,
        renderer: Renderer,
        *,
        template: str,
        stream: TextIO | None = None,
        timezone: str = "UTC",
    ):
        self.name = name
        self._timezone = timezone
        self._renderer = renderer
        self._template = template
        self._stream = stream

    async def send(self, alert: Mapping[str, Any]) -> str:
        stream = self._stream or sys.stdout
        # The receiver's time zone reaches the template (the `when` filter) as `timezone`.
        stream.write(self._renderer.text(self._template, {"timezone": self._timezone, **alert}) + "\n")
        stream.flush()
        return f"console:{alert['alert_key']}"

"""Jinja2 rendering of alerts. Templates live in ``alerts/`` (bundled) and may be overridden by a
directory given in settings; the first directory holding a template wins.

Feed data is always a *variable*, never template source. The text environment strips control, bidi and
zero-width characters from every value it prints and fails on undefined names (StrictUndefined). The
HTML and Slack environments come with their receivers (email digests, Slack).

The template context is the alert payload planned in ``monitor.plan`` (a flat dict of strings, lists
and numbers; documented in README "Alert templates"), never an ORM row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from monitor.resources import bundled_path
from monitor.text import strip_controls

__all__ = ["Renderer"]


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_controls(value)
    return value


class Renderer:
    def __init__(self, template_dirs: Sequence[Path] = ()) -> None:
        dirs = [*template_dirs, bundled_path("alerts")]
        self._text = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            finalize=_finalize,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def text(self, template: str, context: Mapping[str, Any]) -> str:
        return self._text.get_template(template).render(**context)

    def check(self, template: str) -> None:
        """Load (parse) a template now, so a broken one fails at start, not at the first alert."""
        self._text.get_template(template)

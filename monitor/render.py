"""Jinja2 rendering of alerts. Templates live in ``alerts/`` (bundled) and may be overridden by a
directory given in settings; the first directory holding a template wins.

Feed data is always a *variable*, never template source. The text environment strips control, bidi and
zero-width characters from every value it prints and fails on undefined names (StrictUndefined). The
HTML and Slack environments come with their receivers (email digests, Slack).

The template context is the alert payload planned in ``monitor.plan`` (a flat dict of strings, lists
and numbers; documented in README "Alert templates"), never an ORM row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from monitor import humanize
from monitor.resources import bundled_path
from monitor.text import strip_controls

__all__ = ["Renderer"]


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_controls(value)
    return value


@jinja2.pass_context
def _when(ctx: jinja2.runtime.Context, value: Any) -> str:
    """``{{ seen_at | when }}``: ``2026-11-24 21:55 UTC``, in the receiver's ``timezone`` when it has one."""
    return humanize.when(value, ctx.get("timezone") or "UTC")


def _json_value(value: Any) -> str:
    if isinstance(value, str):
        value = strip_controls(value)
    return json.dumps(value, ensure_ascii=False, default=str)


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
        # People-facing values: {{ seen_at | when }}, {{ value_usd | usd }}, {{ n | count("alert") }}.
        self._text.filters.update(when=_when, usd=humanize.usd, count=humanize.count)

        # JSON bodies (webhooks): values are inserted with the `json` filter; nothing is HTML-escaped.
        self._json = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        self._json.filters.update(json=_json_value, when=_when)

    def text(self, template: str, context: Mapping[str, Any]) -> str:
        return self._text.get_template(template).render(**context)

    def json(self, template: str, context: Mapping[str, Any], *, timezone: str = "UTC") -> str:
        """Render a JSON template; the context is also available whole as ``alert``, and the receiver's
        zone as ``timezone`` (used by the ``when`` filter)."""
        return self._json.get_template(template).render(
            alert=dict(context), **{"timezone": timezone, **context}
        )

    def check(self, template: str) -> None:
        """Load (parse) a template now, so a broken one fails at start, not at the first alert."""
        (self._json if template.endswith(".json.j2") else self._text).get_template(template)

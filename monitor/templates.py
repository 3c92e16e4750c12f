"""Which environment renders a template, sample contexts for every kind of alert and for digests, and a
check that compiles and sample-renders a directory of custom templates (``config check``).

A template's kind follows its name, as the receivers use them: ``slack*.json.j2`` (Slack Block Kit
JSON), ``*digest*.html.j2`` / ``*digest*.txt.j2`` (e-mail digests), other ``*.json.j2`` (webhook JSON),
anything else a text template (console). Undefined variables are errors in every environment.
"""

from __future__ import annotations

import copy
import json
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2

from monitor.notify.slack_format import SlackTemplateError

__all__ = ["check_directory", "render", "samples", "template_kind"]


def template_kind(name: str) -> str:
    """``slack``, ``digest-html``, ``digest-text``, ``json`` or ``text``."""
    base = Path(name).name
    if base.startswith("slack"):
        return "slack"
    if "digest" in base:
        return "digest-html" if base.endswith((".html.j2", ".html")) else "digest-text"
    if base.endswith(".json.j2"):
        return "json"
    return "text"


def samples(kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, context) pairs a template of ``kind`` must render: every alert kind, or a digest."""
    if kind.startswith("digest"):
        from monitor.notify.digest import sample_digest_context

        return [("sample digest", sample_digest_context())]
    from monitor.notify.samples import sample_alert

    new = sample_alert()
    revised = {
        **copy.deepcopy(new),
        "kind": "revised",
        "reason": "material-revision",
        "revision": 2,
        "previous_title": "Japan – SM-6 Missiles",
        "change": "amounts changed: $900 million -> $1 billion",
        "diff": "… for an estimated cost of [-$900 million-]{+$1.0 billion+} …",
    }
    also = {
        **copy.deepcopy(new),
        "kind": "also-reported",
        "reason": "also-reported",
        "story_id": 12,
        "story": "near-duplicate of story 12 (similarity 0.41) from dsca",
        "source_id": "nikkei",
        "source_title": "Nikkei Asia",
    }
    withdrawn = {**copy.deepcopy(new), "kind": "withdrawn", "snippet": "its URL answers HTTP 404"}
    health = {
        "alert_key": "health:dsca:1",
        "thread_key": "health:dsca:1",
        "kind": "source-health",
        "state": "failing",
        "source_id": "dsca",
        "source_title": "DSCA Major Arms Sales",
        "url": new["url"],
        "failing_since": "2026-11-24T18:00:00+00:00",
        "seen_at": "2026-11-25T00:00:00+00:00",
        "error": "fetch: dsca: HTTP 503",
        "error_streak": 12,
    }
    recovered = {**health, "state": "resolved"}
    operator = {
        "alert_key": "operator:slack:1",
        "thread_key": "operator:slack:1",
        "kind": "operator",
        "reason": "delivery-failed",
        "receiver": "slack:#trade-desk",
        "failed_alert_key": new["alert_key"],
        "title": new["title"],
        "source_id": new["source_id"],
        "source_title": new["source_title"],
        "url": new["url"],
        "error": "deliver: slack:#trade-desk: channel_not_found",
        "attempts": 1,
        "seen_at": "2026-11-25T00:00:00+00:00",
    }
    return [
        ("new", new),
        ("revised", revised),
        ("also-reported", also),
        ("withdrawn", withdrawn),
        ("source-health failing", health),
        ("source-health resolved", recovered),
        ("operator", operator),
    ]


def render(name: str, template_dirs: Sequence[Path], context: dict[str, Any]) -> str:
    """What ``name`` makes of ``context``, rendered exactly as its receiver would."""
    kind = template_kind(name)
    dirs = list(template_dirs)
    if kind == "slack":
        from monitor.notify.slack_format import render_message, slack_environment

        msg = render_message(slack_environment(dirs), name, context)
        return json.dumps({"text": msg.text, "blocks": msg.blocks}, ensure_ascii=False, indent=2)
    if kind == "digest-html":
        from monitor.notify.digest import html_environment

        return html_environment(dirs).get_template(name).render(**context)
    if kind == "digest-text":
        from monitor.notify.digest import text_environment

        return text_environment(dirs).get_template(name).render(**context)
    from monitor.render import Renderer

    if kind == "json":
        out = Renderer(dirs).json(name, context)
        json.loads(out)  # a webhook body must be JSON
        return out
    return Renderer(dirs).text(name, context)


def _where(exc: BaseException, fallback: str) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or fallback}:{exc.lineno}"
    line = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.endswith(".j2"):
            line = f"{frame.f_code.co_filename}:{lineno}"
    cause = exc.__cause__
    if not line and cause is not None:
        return _where(cause, fallback)
    return line or fallback


def check_directory(directory: Path) -> list[str]:
    """Compile every ``*.j2`` in ``directory`` and render it against the samples of its kind; one
    ``file:line: problem (sample)`` line per failure."""
    problems: list[str] = []
    for path in sorted(directory.glob("*.j2")):
        kind = template_kind(path.name)
        for label, context in samples(kind):
            try:
                render(path.name, [directory], context)
            except (jinja2.TemplateError, ValueError, TypeError, SlackTemplateError) as e:
                cause = e.__cause__ if isinstance(e, SlackTemplateError) and e.__cause__ else e
                where = _where(cause, str(path))
                if isinstance(cause, jinja2.TemplateError) and cause.message:
                    message = cause.message
                else:
                    message = str(e)
                problems.append(
                    f"{where}: {' '.join(str(message).split())} (rendering a {label} {kind} sample)"
                )
                break  # one problem per template is enough to fix it
    return problems

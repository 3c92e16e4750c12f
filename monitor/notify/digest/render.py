"""Rendering a digest: the one feed-HTML sanitiser (nh3), the HTML and text Jinja2 environments, and
``render_digest`` (see the package docstring for the rules)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import nh3
from markupsafe import Markup

from monitor.notify.digest.values import _display_host
from monitor.resources import bundled_path
from monitor.text import strip_controls

HTML_TEMPLATE = "email_digest.html.j2"
TEXT_TEMPLATE = "email_digest.txt.j2"

# ---------------------------------------------------------------------------------------------------
# Feed HTML: the one sanitiser
# ---------------------------------------------------------------------------------------------------

_ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "ul", "ol", "li", "blockquote", "a"}
# Dropped together with everything inside them (other tags are unwrapped: text kept, tag dropped).
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "select",
    "textarea", "title", "head",
}  # fmt: skip
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    clean_content_tags=_DROP_WITH_CONTENT,
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_SANITISED_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)


def sanitize_feed_html(html: str) -> str:
    """Feed HTML -> safe HTML: only p, br, b, strong, i, em, ul, ol, li, blockquote and a (href
    http/https/mailto, ``rel="noopener noreferrer"``); no images, styles, scripts, frames, event
    handlers or relative links. Every link is followed by its real host, so link text cannot pose as
    another site."""
    clean = _CLEANER.clean(strip_controls(html))

    def _show_host(m: re.Match[str]) -> str:
        href = Markup(m.group(1)).unescape()
        host = _display_host(href)
        suffix = (
            f' <span style="color:#5f6670;font-size:12px;">({Markup.escape(host)})</span>' if host else ""
        )
        return f'<a href="{m.group(1)}"{m.group(2)}>{m.group(3)}</a>{suffix}'

    return _SANITISED_LINK.sub(_show_host, clean)


def _feed_html_filter(value: Any) -> Markup:
    if not value:
        return Markup("")
    return Markup(sanitize_feed_html(str(value)))


# ---------------------------------------------------------------------------------------------------
# Jinja2 environments
# ---------------------------------------------------------------------------------------------------


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value  # produced by the feed_html filter: already sanitised
    if isinstance(value, str):
        return strip_controls(value)
    return value


def _loader(template_dirs: Sequence[Path]) -> jinja2.FileSystemLoader:
    return jinja2.FileSystemLoader([str(d) for d in (*template_dirs, bundled_path("alerts"))])


@functools.lru_cache(maxsize=16)
def _html_env(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(template_dirs),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["feed_html"] = _feed_html_filter
    return env


@functools.lru_cache(maxsize=16)
def _text_env(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=_loader(template_dirs),
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html_environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """The HTML environment: autoescape on for every template, StrictUndefined, controls stripped from
    printed values, and the ``feed_html`` filter (the only way feed HTML reaches the output)."""
    return _html_env(tuple(template_dirs))


def text_environment(template_dirs: Sequence[Path] = ()) -> jinja2.Environment:
    """The text environment: no escaping, control/bidi/zero-width characters stripped from every
    printed value, StrictUndefined."""
    return _text_env(tuple(template_dirs))


def render_digest(context: Mapping[str, Any], *, template_dirs: Sequence[Path] = ()) -> tuple[str, str]:
    """(text, html) from ``email_digest.txt.j2`` and ``email_digest.html.j2``; the first directory of
    ``template_dirs`` holding a template wins over the bundled ``alerts/``."""
    text = text_environment(template_dirs).get_template(TEXT_TEMPLATE).render(**context)
    html = html_environment(template_dirs).get_template(HTML_TEMPLATE).render(**context)
    return text, html

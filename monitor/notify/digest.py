"""Email digests: the template context, rendering, and the MIME message (pure: no I/O, no clock).

    ctx = digest_context(digest_id="daily-trade", title="daily-trade", period_start=..., period_end=...,
                         tz="Asia/Tokyo", alerts=payloads)
    text, html = render_digest(ctx, template_dirs=settings_template_dirs)
    msg = build_message(context=ctx, text=text, html=html, sender="pressmon@example.org",
                        recipients=["analysts@example.org"],
                        message_id=message_id_for("daily-trade", period_start, "example.org"))

``alerts`` are the flat alert payloads planned in ``monitor.plan`` (README "Alert templates"), optionally
with ``facts`` (dict), ``highlights`` (phrases or ``[start, end]`` spans of ``snippet``), ``story_id``
and ``summary_html`` (feed-provided HTML). Each payload is read, never kept: the context holds plain
strings, numbers, booleans, lists and dicts only (JSON-serialisable), never ORM rows.

Grouping: alerts are de-duplicated by ``alert_key`` and grouped by topic (an alert that matched several
topics appears under each, and is counted once in the totals), then by story (the same ``thread_key``,
else ``story_id``, else the same normalised title), so a story shows once. Stories, and the statements in a
story, are ordered newest first by ``seen_at`` (falling back to ``published_at``), except that a
primary source's statement (``primary``: a government's own) leads its story and gives it its title;
topics busiest first (most statements), then newest first. Alerts without a topic go under "Other matches";
``source-health`` alerts go into ``health``.

The context (every key always present; ``…|None`` may be null):

===========================  ======================================================================
``digest_id``, ``title``     the digest's id and display title (config)
``subject``                  e.g. ``pressmon daily-trade: 12 statements (3 revised) · 2026-11-25``
                             (already passed through ``clean_subject``)
``tz``                       IANA zone the labels are written in
``period_start``/``_end``    ISO-8601 in ``tz``
``period_label``             ``2026-11-24 07:30 – 2026-11-25 07:30 JST``
``date_label``               the local date of ``period_end``: ``2026-11-25``
``empty``                    true when no statement (and no health alert) is in the period
``counts``                   ``{statements, stories, topics, sources, new, revised, by_kind: {kind: n}}``
``sources``                  ``[{id, title, count}]``, most statements first
``topics``                   ``[{id, title, count, new, revised, stories: [story]}]``
story                        ``{key, title, count, latest_label, sources: [str], statements: [item]}``
item                         ``{alert_key, kind, kind_label, primary, title, url|None, host|None, source_id,
                             source_title, time_label, published_label|None, seen_label|None,
                             revision, snippet, snippet_parts: [{text, hl}], terms: [str],
                             topic_titles: [str], facts: [{label, value, lines: [str]}],
                             previous_title|None,
                             change|None, diff|None, diff_parts: [{op, text}], summary_html|None,
                             summary_text|None}``
``health``                   ``[{source_id, source_title, state, since_label, error, url}]``
``possible_misses``          ``[{topic_title, title, source_title, reason, url, host}]``: items a
                             topic almost matched (never alerted), newest first, at most
                             :data:`MAX_MISSES`; ``possible_misses_more`` counts the rest
===========================  ======================================================================

``url`` is kept only for http(s) links; ``host`` is its real host (IDNA/punycode), shown next to
every link. ``diff_parts`` splits the word diff ``[-old-]{+new+}`` into ``equal``/``delete``/``insert``
runs. ``summary_html`` is the feed's HTML *unsanitised*: templates must pass it through the
``feed_html`` filter (the one nh3 sanitiser, ``sanitize_feed_html``); ``summary_text`` is its text.

Rendering rules: (a) HTML through ``html_environment`` (autoescape, StrictUndefined; control, bidi and
zero-width characters stripped from every printed value); (b) text through ``text_environment``
(no escaping, the same stripping, StrictUndefined); (c) feed HTML only through ``feed_html``. Feed
data is always a variable, never template source, so ``{{ 7*7 }}`` in a title prints as itself.

Message: ``EmailMessage(policy=email.policy.SMTP)``, multipart/alternative (text/plain, text/html),
From/To from config only (validated addresses), Subject from ``clean_subject``, ``Date`` = the
period's end (pass ``date`` to override), the given ``Message-ID`` (``message_id_for``: stable per
digest and period, so a re-send is a recognisable duplicate), ``Auto-Submitted: auto-generated``,
``X-Pressmon-Digest``, and a content-derived MIME boundary (the same digest gives the same bytes).
No header value can carry a line break: CR/LF, controls and RFC 2047 encoded words that decode to
them are removed before a header is set, and the finished message is checked again.
"""

from __future__ import annotations

import email.policy
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
import nh3
from markupsafe import Markup

from monitor.resources import bundled_path
from monitor.text import collapse_ws, normalise_for_hash, strip_controls, strip_html

__all__ = [
    "HTML_TEMPLATE",
    "SUBJECT_MAX",
    "TEXT_TEMPLATE",
    "build_message",
    "clean_subject",
    "digest_context",
    "html_environment",
    "message_id_for",
    "render_digest",
    "sample_digest_context",
    "sanitize_feed_html",
    "text_environment",
]

HTML_TEMPLATE = "email_digest.html.j2"
TEXT_TEMPLATE = "email_digest.txt.j2"
SUBJECT_MAX = 150
_ELLIPSIS = "…"

_KIND_LABELS = {
    "new": "NEW",
    "revised": "REVISED",
    "also-reported": "ALSO REPORTED",
    "withdrawn": "WITHDRAWN",
}
_OTHER_TOPIC = ("", "Other matches")

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


# ---------------------------------------------------------------------------------------------------
# Subjects and header values
# ---------------------------------------------------------------------------------------------------

# Removed from header text: controls, format characters (bidi, zero-width, tag characters),
# surrogates and private-use characters.
_STRIP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})


def _decode_encoded_words(s: str) -> str:
    """Decode RFC 2047 encoded words the way the email package will when the header is set."""
    if "=?" not in s:
        return s
    try:
        return str(email.policy.default.header_factory("subject", s))
    except Exception:  # a malformed encoded word: neutralise rather than guess
        return s.replace("=?", "= ?")


def _header_text(s: str) -> str:
    """One line of header text: encoded words decoded, then controls (incl. CR/LF), bidi, zero-width
    and other invisible format characters removed, whitespace collapsed, NFC. Repeated until stable,
    so nothing left would decode into a line break when the email package parses it."""
    out = s
    for _ in range(4):
        prev = out
        out = _decode_encoded_words(out)
        out = "".join(" " if ch in "\r\n\t\v\f" else ch for ch in out)
        out = strip_controls(out)
        out = "".join(ch for ch in out if unicodedata.category(ch) not in _STRIP_CATEGORIES)
        out = collapse_ws(unicodedata.normalize("NFC", out))
        if out == prev:
            break
    else:  # still changing: make sure no encoded word survives
        out = out.replace("=?", "= ?")
    return out


def clean_subject(s: str) -> str:
    """A safe one-line subject: RFC 2047 encoded words decoded, control characters (CR/LF included),
    bidi controls, zero-width and other invisible characters removed, whitespace collapsed, NFC, at
    most ``SUBJECT_MAX`` (150) characters, cut with "…"."""
    out = _header_text(s)
    if len(out) > SUBJECT_MAX:
        out = out[: SUBJECT_MAX - 1].rstrip() + _ELLIPSIS
    return out


# ---------------------------------------------------------------------------------------------------
# Message
# ---------------------------------------------------------------------------------------------------

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+>$")
_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _check_address(addr: str) -> str:
    if not _ADDRESS.match(addr) or len(addr) > 254:
        raise ValueError(f"email: invalid address {addr!r} (expected local@domain, ASCII, from config)")
    return addr


def message_id_for(digest_id: str, period_start: datetime, domain: str) -> str:
    """A stable Message-ID for one digest period: ``<pressmon.<id>.<UTC start>.<hash>@<domain>>``. The
    same digest and period always give the same id, so a re-send after an ambiguous SMTP answer is a
    recognisable duplicate (mail clients and archives collapse it)."""
    if not _DOMAIN.match(domain):
        raise ValueError(f"email: invalid Message-ID domain {domain!r}")
    start = _aware(period_start).astimezone(UTC)
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    h = hashlib.sha256(f"{digest_id}\x00{start.isoformat()}".encode()).hexdigest()[:10]
    slug = _ID_CHARS.sub("-", digest_id).strip(".-")[:40] or "digest"
    return f"<pressmon.{slug}.{stamp}.{h}@{domain}>"


def build_message(
    *,
    context: Mapping[str, Any],
    text: str,
    html: str,
    sender: str,
    recipients: Sequence[str],
    message_id: str,
    date: datetime | None = None,
) -> EmailMessage:
    """multipart/alternative (text/plain, then text/html) with From, To, Subject, Date, Message-ID,
    Auto-Submitted and X-Pressmon-Digest. Addresses come from config and are validated; the subject is
    ``clean_subject(context["subject"])``; ``Date`` is ``date`` or the period's end. Raises
    ``ValueError`` on an invalid address or Message-ID, or if any header would span lines."""
    if not recipients:
        raise ValueError("email: a digest needs at least one recipient")
    if not _MESSAGE_ID.match(message_id):
        raise ValueError(f"email: invalid Message-ID {message_id!r}")
    to = [_check_address(r) for r in recipients]
    when = _aware(date) if date is not None else _parse_time(context.get("period_end"))
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = _check_address(sender)
    msg["To"] = ", ".join(to)
    msg["Subject"] = clean_subject(str(context.get("subject", "")))
    msg["Date"] = format_datetime(when if when is not None else datetime(1970, 1, 1, tzinfo=UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    digest_id = _ID_CHARS.sub("-", _header_text(str(context.get("digest_id", ""))))[:64]
    if digest_id:
        msg["X-Pressmon-Digest"] = digest_id
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    # A boundary derived from the content: the same digest renders to the same bytes.
    basis = "\x00".join((message_id, text, html)).encode("utf-8", "surrogatepass")
    msg.set_boundary("=_pressmon_" + hashlib.sha256(basis).hexdigest()[:32])
    for name, value in msg.items():
        if "\r" in str(value) or "\n" in str(value):
            raise ValueError(f"email: header {name} would span lines; refusing to build the message")
    return msg


# ---------------------------------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------------------------------


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, str) and value:
        try:
            return _aware(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def _label(dt: datetime | None, zone: ZoneInfo) -> str | None:
    if dt is None:
        return None
    local = dt.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _display_host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host.encode("ascii", "backslashreplace").decode("ascii")


def _safe_url(value: Any) -> tuple[str | None, str | None]:
    """(url, host) for http(s) links; (None, None) for anything else (javascript:, data:, relative)."""
    url = strip_controls(_str(value)).strip()
    if not url or any(ch.isspace() for ch in url):
        return None, None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None, None
    if scheme not in ("http", "https"):
        return None, None
    host = _display_host(url)
    return (url, host) if host else (None, None)


_FACT_LABELS = {"money": "Money", "rates": "Rates", "dates": "Effective dates", "fms": "FMS notification"}
_FACT_META = frozenset({"start", "end", "field"})  # offsets and provenance: not for readers


def _fact_scalar(key: str, value: Any) -> str:
    if key.endswith("usd") and isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return f"${Decimal(str(value)):,}"
        except InvalidOperation:
            return str(value)
    return _str(value)


def _fact_lines(value: Any) -> list[str]:
    """One fact for display. Extracted values (``monitor.match.facts``: dicts with ``text``) show as
    their original text (a rate with its context); a record (an FMS notice) as ``key: value`` lines
    without offsets; empty parts are dropped."""
    if isinstance(value, list | tuple):
        shown: list[str] = []
        for v in value:
            if isinstance(v, Mapping) and isinstance(v.get("text"), str):
                context = v.get("context")
                s = v["text"] + (f" ({context})" if isinstance(context, str) and context else "")
            else:
                s = "; ".join(_fact_lines(v))
            if s and s not in shown:
                shown.append(s)
        return [", ".join(shown)] if shown else []
    if isinstance(value, Mapping):
        lines = []
        for k, v in value.items():
            if k in _FACT_META or v is None or v == "" or v == [] or v == {}:
                continue
            if isinstance(v, list | tuple | Mapping):
                text = "; ".join(_fact_lines(v))
            else:
                text = _fact_scalar(str(k), v)
            if text:
                lines.append(f"{str(k).replace('_', ' ')}: {text}")
        return lines
    text = _str(value)
    return [text] if text else []


def _facts(value: Any) -> list[dict[str, Any]]:
    """``facts`` (e.g. ``monitor.match.facts.extract_facts``, or plain ``label: value`` pairs) as
    ``[{label, value, lines}]``; empty facts are left out."""
    if not isinstance(value, Mapping):
        return []
    out: list[dict[str, Any]] = []
    for key, raw in value.items():
        lines = _fact_lines(raw)
        if lines:
            label = _FACT_LABELS.get(str(key)) or str(key).replace("_", " ")
            out.append({"label": label[:1].upper() + label[1:], "value": "; ".join(lines), "lines": lines})
    return out


_DIFF_MARK = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.DOTALL)


def _diff_parts(diff: str) -> list[dict[str, str]]:
    """``"kept [-old-]{+new+} kept"`` -> ``[{op: equal|delete|insert, text}]``."""
    parts: list[dict[str, str]] = []
    pos = 0
    for m in _DIFF_MARK.finditer(diff):
        if m.start() > pos:
            parts.append({"op": "equal", "text": diff[pos : m.start()]})
        if m.group(1) is not None:
            parts.append({"op": "delete", "text": m.group(1)})
        else:
            parts.append({"op": "insert", "text": m.group(2)})
        pos = m.end()
    if pos < len(diff):
        parts.append({"op": "equal", "text": diff[pos:]})
    return parts


def _spans(snippet: str, highlights: Any, terms: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    phrases: list[str] = []
    if isinstance(highlights, list | tuple):
        for h in highlights:
            if isinstance(h, str):
                phrases.append(h)
            elif (
                isinstance(h, list | tuple)
                and len(h) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in h)
            ):
                spans.append((h[0], h[1]))
            elif isinstance(h, Mapping) and isinstance(h.get("start"), int) and isinstance(h.get("end"), int):
                spans.append((h["start"], h["end"]))
    if not spans and not phrases:
        phrases = [t for t in terms if isinstance(t, str)]
    for phrase in {p.strip() for p in phrases if p and p.strip()}:
        for m in re.finditer(re.escape(phrase), snippet, re.IGNORECASE):
            spans.append((m.start(), m.end()))
    clamped = sorted((max(0, a), min(len(snippet), b)) for a, b in spans if b > a)
    merged: list[tuple[int, int]] = []
    for a, b in clamped:
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _snippet_parts(snippet: str, highlights: Any, terms: Sequence[str]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    pos = 0
    for a, b in _spans(snippet, highlights, terms):
        if a > pos:
            parts.append({"text": snippet[pos:a], "hl": False})
        parts.append({"text": snippet[a:b], "hl": True})
        pos = b
    if pos < len(snippet):
        parts.append({"text": snippet[pos:], "hl": False})
    return parts


def _alert_key(alert: Mapping[str, Any]) -> str:
    key = alert.get("alert_key")
    if key:
        return str(key)
    basis = "\x00".join(_str(alert.get(k)) for k in ("kind", "source_id", "url", "title", "seen_at"))
    return "anon:" + hashlib.sha256(basis.encode()).hexdigest()[:20]


def _story_key(alert: Mapping[str, Any]) -> str:
    # A story's alerts all thread under its first alert (which carries no story id: its own id was not
    # known when it was planned), so the thread key names the story best.
    thread = alert.get("thread_key")
    if thread not in (None, ""):
        return f"thread:{thread}"
    story_id = alert.get("story_id")
    if story_id not in (None, ""):
        return f"id:{story_id}"
    return "title:" + normalise_for_hash(_str(alert.get("title")))


def _item(alert: Mapping[str, Any], zone: ZoneInfo) -> tuple[dict[str, Any], datetime | None]:
    kind = _str(alert.get("kind")) or "new"
    seen = _parse_time(alert.get("seen_at"))
    published = _parse_time(alert.get("published_at"))
    when = seen or published
    # Shown time: the source's publication time when it is plausible, else when pressmon saw it.
    shown = published if published is not None and (seen is None or published <= seen) else seen
    if kind == "revised":
        shown = seen or published
    url, host = _safe_url(alert.get("url"))
    topics = alert.get("topics") or []
    terms = [str(t) for t in (alert.get("terms") or []) if t is not None]
    snippet = _str(alert.get("snippet"))
    summary_html = alert.get("summary_html")
    diff = alert.get("diff")
    revision = alert.get("revision")
    item: dict[str, Any] = {
        "alert_key": _alert_key(alert),
        "kind": kind,
        "kind_label": (
            "OFFICIAL STATEMENT" if alert.get("primary") is True else _KIND_LABELS.get(kind, kind.upper())
        ),
        "primary": alert.get("primary") is True,
        "title": _str(alert.get("title")) or "(untitled)",
        "url": url,
        "host": host,
        "source_id": _str(alert.get("source_id")),
        "source_title": _str(alert.get("source_title") or alert.get("source_id")),
        "time_label": _label(shown, zone) or "time unknown",
        "published_label": _label(published, zone),
        "seen_label": _label(seen, zone),
        "revision": revision if isinstance(revision, int) and not isinstance(revision, bool) else 1,
        "snippet": snippet,
        "snippet_parts": _snippet_parts(snippet, alert.get("highlights"), terms),
        "terms": terms,
        "topic_titles": [_str(t.get("title") or t.get("id")) for t in topics if isinstance(t, Mapping)],
        "facts": _facts(alert.get("facts")),
        "previous_title": _str(alert.get("previous_title")) or None,
        "change": _str(alert.get("change")) or None,
        "diff": _str(diff) or None,
        "diff_parts": _diff_parts(_str(diff)) if diff else [],
        "summary_html": _str(summary_html) or None,
        "summary_text": (strip_html(_str(summary_html)) or None) if summary_html else None,
    }
    return item, when


def _health(alert: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    url, _host = _safe_url(alert.get("url"))
    return {
        "source_id": _str(alert.get("source_id")),
        "source_title": _str(alert.get("source_title") or alert.get("source_id")),
        "state": _str(alert.get("state")) or "failing",
        "since_label": _label(_parse_time(alert.get("failing_since")), zone) or "",
        "error": _str(alert.get("error")) or None,
        "url": url,
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newest_first(entries: Iterable[tuple[datetime | None, str, Any]]) -> list[Any]:
    return [e[2] for e in sorted(entries, key=lambda e: (-(e[0] or _EPOCH).timestamp(), e[1]))]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def digest_context(
    *,
    digest_id: str,
    title: str,
    period_start: datetime,
    period_end: datetime,
    tz: str,
    alerts: Sequence[Mapping[str, Any]],
    topics: Sequence[str] | None = None,
    misses: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The template context of one digest period (see the module docstring for every key).
    ``topics`` (the digest's configured topic ids) limits the topic sections to those; an alert that
    matched none of them goes under "Other matches", never silently away."""
    zone = ZoneInfo(tz)
    wanted = set(topics) if topics is not None else None
    start, end = _aware(period_start), _aware(period_end)

    items: dict[str, tuple[dict[str, Any], datetime | None, Mapping[str, Any]]] = {}
    health: list[tuple[datetime | None, str, dict[str, Any]]] = []
    seen_health: set[str] = set()
    for alert in alerts:
        key = _alert_key(alert)
        if alert.get("kind") == "source-health":
            if key not in seen_health:
                seen_health.add(key)
                health.append((_parse_time(alert.get("seen_at")), key, _health(alert, zone)))
            continue
        if key in items:
            continue
        item, when = _item(alert, zone)
        items[key] = (item, when, alert)

    # topic id -> (title, story key -> [(when, alert_key, item)])
    topic_titles: dict[str, str] = {}
    topic_stories: dict[str, dict[str, list[tuple[datetime | None, str, dict[str, Any]]]]] = {}
    for key, (item, when, alert) in items.items():
        alert_topics = [t for t in (alert.get("topics") or []) if isinstance(t, Mapping)]
        pairs = [
            (_str(t.get("id")), _str(t.get("title") or t.get("id")))
            for t in alert_topics
            if wanted is None or _str(t.get("id")) in wanted
        ]
        if not pairs:
            pairs = [_OTHER_TOPIC]
        story = _story_key(alert)
        done: set[str] = set()
        for topic_id, topic_title in pairs:
            if topic_id in done:
                continue
            done.add(topic_id)
            topic_titles.setdefault(topic_id, topic_title)
            topic_stories.setdefault(topic_id, {}).setdefault(story, []).append((when, key, item))

    topic_entries: list[tuple[datetime | None, str, dict[str, Any]]] = []
    for topic_id, stories in topic_stories.items():
        story_entries: list[tuple[datetime | None, str, dict[str, Any]]] = []
        for story_key, members in stories.items():
            # The primary source's statement (a government's own) leads its story, then newest first.
            ordered = sorted(_newest_first(members), key=lambda it: not it["primary"])
            latest = max((m[0] for m in members if m[0] is not None), default=None)
            sources: list[str] = []
            for it in ordered:
                if it["source_title"] not in sources:
                    sources.append(it["source_title"])
            story_entries.append(
                (
                    latest,
                    story_key,
                    {
                        "key": story_key,
                        "title": ordered[0]["title"],
                        "count": len(ordered),
                        "latest_label": _label(latest, zone) or "",
                        "sources": sources,
                        "statements": ordered,
                    },
                )
            )
        topic_items = [it for s in stories.values() for (_w, _k, it) in s]
        newest = max((w for s in stories.values() for (w, _k, _i) in s if w is not None), default=None)
        topic_entries.append(
            (
                newest,
                topic_titles[topic_id].casefold() if topic_id else "\uffff",
                {
                    "id": topic_id,
                    "title": topic_titles[topic_id],
                    "count": len(topic_items),
                    "new": sum(1 for it in topic_items if it["kind"] == "new"),
                    "revised": sum(1 for it in topic_items if it["kind"] == "revised"),
                    "stories": _newest_first(story_entries),
                },
            )
        )
    # Busiest topic first, then the one with the newest statement, then by title; "Other matches" last.
    topics_sorted = [
        e[2]
        for e in sorted(
            topic_entries,
            key=lambda e: (not e[2]["id"], -e[2]["count"], -(e[0] or _EPOCH).timestamp(), e[1]),
        )
    ]

    by_kind: dict[str, int] = {}
    by_source: dict[str, dict[str, Any]] = {}
    for item, _when, _alert in items.values():
        by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + 1
        src = by_source.setdefault(
            item["source_id"], {"id": item["source_id"], "title": item["source_title"], "count": 0}
        )
        src["count"] += 1
    sources_sorted = sorted(by_source.values(), key=lambda s: (-s["count"], s["title"].casefold()))

    n = len(items)
    revised = by_kind.get("revised", 0)
    period_local_end = end.astimezone(zone)
    date_label = f"{period_local_end:%Y-%m-%d}"
    if n:
        summary = _plural(n, "statement") + (f" ({revised} revised)" if revised else "")
    else:
        summary = "no new statements"
    subject = clean_subject(f"pressmon {title}: {summary} · {date_label}")
    story_keys = {_story_key(alert) for (_i, _w, alert) in items.values()}
    return {
        "digest_id": digest_id,
        "title": title,
        "subject": subject,
        "tz": tz,
        "period_start": start.astimezone(zone).isoformat(),
        "period_end": period_local_end.isoformat(),
        "period_label": _period_label(start, end, zone),
        "date_label": date_label,
        "empty": n == 0 and not health,
        "counts": {
            "statements": n,
            "stories": len(story_keys),
            "topics": len(topics_sorted),
            "sources": len(by_source),
            "new": by_kind.get("new", 0),
            "revised": revised,
            "by_kind": dict(sorted(by_kind.items())),
        },
        "sources": sources_sorted,
        "topics": topics_sorted,
        "health": _newest_first(health),
        "possible_misses": [_miss(m) for m in misses[:MAX_MISSES]],
        "possible_misses_more": max(0, len(misses) - MAX_MISSES),
    }


MAX_MISSES = 10


def _miss(m: Mapping[str, Any]) -> dict[str, Any]:
    """A near miss for templates: ``{topic_title, title, source_title, reason, url, host}``."""
    url, host = _safe_url(m.get("url"))
    return {
        "topic_title": _str(m.get("topic_title") or m.get("topic_id")),
        "title": _str(m.get("title")),
        "source_title": _str(m.get("source_title") or m.get("source_id")),
        "reason": _str(m.get("reason")),
        "url": url,
        "host": host,
    }


def _period_label(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    a, b = start.astimezone(zone), end.astimezone(zone)
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M} {b.tzname() or ''}".rstrip()


# ---------------------------------------------------------------------------------------------------
# Sample (``--sample`` previews)
# ---------------------------------------------------------------------------------------------------


def sample_digest_context() -> dict[str, Any]:
    """A realistic digest for previews and tests: the demo story of 24-25 November 2026 (Japan's $1
    trillion investment pledge, a ~$1 billion FMS approval, the Section 232 / reciprocal tariff notice,
    LNG purchases, and the revised White House fact sheet with its diff)."""
    jst = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 11, 24, 7, 30, tzinfo=jst)
    end = start + timedelta(days=1)
    inv = {"id": "japan-us-investment", "title": "Japan-US investment pledges and deals"}
    tar = {"id": "tariffs-japan", "title": "US tariffs affecting Japan"}
    fms = {"id": "fms-japan", "title": "Foreign Military Sales to Japan"}
    lng = {"id": "us-lng-japan", "title": "US LNG and Japan"}
    wh = "https://www.whitehouse.gov"
    nikkei = "https://asia.nikkei.com"

    def topic(t: Mapping[str, str], terms: list[str], snippet: str) -> dict[str, Any]:
        return {**t, "terms": terms, "snippet": snippet}

    def _money(usd: str, text: str) -> dict[str, Any]:  # the shape monitor.match.facts stores
        return {"amount": usd, "currency": "USD", "usd": usd, "text": text, "field": "text"}

    def _rate(percent: str, text: str, context: str | None) -> dict[str, Any]:
        return {"percent": percent, "context": context, "text": text, "field": "text"}

    joint_snip = (
        "Japan will invest $1 trillion in the United States by January 19, 2029, in projects selected "
        "by an Investment Committee chaired by the United States Secretary of Commerce"
    )
    alerts: list[dict[str, Any]] = [
        {
            "alert_key": "new:whitehouse:3f1c0a9e5d7b2c4a8e61",
            "kind": "new",
            "reason": "first-seen",
            "story_id": "japan-us-investment-2026-11",
            "source_id": "whitehouse",
            "source_title": "White House Briefings & Statements",
            "title": "Joint Statement on U.S.-Japan Investment",
            "url": f"{wh}/briefings-statements/2026/11/joint-statement-on-u-s-japan-investment/",
            "published_at": "2026-11-24T00:00:00+00:00",
            "seen_at": "2026-11-24T00:14:05+00:00",
            "revision": 1,
            "topics": [
                topic(inv, ["$1 trillion", "investment in the United States"], joint_snip),
                topic(tar, ["tariff"], "maintain a tariff ceiling of 15 percent on imports from Japan"),
            ],
            "terms": ["$1 trillion", "investment in the United States", "tariff"],
            "snippet": joint_snip,
            "facts": {
                "money": [_money("1000000000000", "$1 trillion")],
                "rates": [_rate("15", "15 percent", "tariff")],
                "dates": [],
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "new:nikkei:91b2e7c04d3a5f6e8a12",
            "kind": "new",
            "reason": "first-seen",
            "story_id": "japan-us-investment-2026-11",
            "source_id": "nikkei-asia",
            "source_title": "Nikkei Asia",
            "title": "Japan pledges $1 trillion in U.S. investment in joint statement",
            "url": f"{nikkei}/politics/international-relations/japan-pledges-1-trillion-in-u.s.-investment",
            "published_at": "2026-11-25T07:12:00+09:00",
            "seen_at": "2026-11-24T22:20:41+00:00",
            "revision": 1,
            "topics": [topic(inv, ["$1 trillion"], "Japan will invest $1 trillion in the United States")],
            "terms": ["$1 trillion"],
            "snippet": "According to the statement, Japan will invest $1 trillion in the United States by "
            "January 19, 2029",
            "summary_html": "<p>WASHINGTON (Kyodo) -- Japan and the United States issued a "
            f'<a href="{wh}/briefings-statements/2026/11/joint-statement-on-u-s-japan-investment/">joint '
            "statement</a> on U.S.-Japan investment on Tuesday.</p><p>The pledge nearly doubles the "
            "<b>$550 billion</b> Tokyo agreed to last year in exchange for a 15% tariff on Japanese "
            "cars.</p>",
            "facts": {
                "money": [_money("1000000000000", "$1 trillion"), _money("550000000000", "$550 billion")],
                "rates": [_rate("90", "90 percent", None), _rate("15", "15%", "tariff")],
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "revised:whitehouse:7d4e2b1a9c8f0e3d5b26:r2",
            "kind": "revised",
            "reason": "material-revision",
            "story_id": "japan-us-investment-2026-11",
            "source_id": "whitehouse",
            "source_title": "White House Briefings & Statements",
            "title": "Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan",
            "url": f"{wh}/fact-sheets/2026/11/fact-sheet-president-donald-j-trump-secures-historic-trade-"
            "deal-with-japan/",
            "published_at": "2026-11-18T00:00:00+00:00",
            "seen_at": "2026-11-24T22:05:12+00:00",
            "revision": 2,
            "topics": [
                topic(inv, ["$1 trillion"], "Japan will invest $1 trillion in the United States"),
                topic(tar, ["tariff"], "apply a tariff of 15 percent on imports of Japanese autos"),
            ],
            "terms": ["$1 trillion", "tariff"],
            "snippet": "Japan will invest $1 trillion in the United States, directed by the United States",
            "facts": {
                "money": [_money("1000000000000", "$1 trillion"), _money("8000000000", "$8 billion")],
                "rates": [_rate("15", "15 percent", "tariff"), _rate("27.5", "27.5 percent", "tariff")],
                "dates": [],
            },
            "previous_title": "Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan",
            "change": "amounts changed: $550 billion → $1 trillion; dates added: November 25, 2026",
            "diff": "Japan will invest [-$550 billion-]{+$1 trillion+} in the United States, directed by "
            "… and expand core American industries. {+UPDATED November 25, 2026: This fact sheet has "
            "been updated to reflect the Joint Statement on U.S.-Japan Investment, under which Japan's "
            "investment commitment rises to $1 trillion by January 19, 2029.+}",
        },
        {
            "alert_key": "new:dsca:5a6b7c8d9e0f1a2b3c4d",
            "kind": "new",
            "reason": "first-seen",
            "source_id": "dsca-major-arms-sales",
            "source_title": "DSCA Major Arms Sales",
            "title": "Japan – SM-6 Block IA Missiles",
            "url": "https://www.dsca.mil/Press-Media/Major-Arms-Sales/Article-Display/Article/4372519/"
            "japan-sm-6-block-ia-missiles",
            "published_at": "2026-11-24T21:55:00+00:00",
            "seen_at": "2026-11-24T22:10:30+00:00",
            "revision": 1,
            "topics": [
                topic(
                    fms,
                    ["Foreign Military Sale"],
                    "approving a possible Foreign Military Sale to the Government of Japan",
                )
            ],
            "terms": ["Foreign Military Sale"],
            "snippet": "The State Department has made a determination approving a possible Foreign "
            "Military Sale to the Government of Japan of SM-6 Block IA missiles for an estimated cost of "
            "$1.02 billion.",
            "facts": {
                "money": [_money("1020000000", "$1.02 billion")],
                "fms": {
                    "purchaser": "Japan",
                    "system": "SM-6 Block IA missiles",
                    "value_usd": "1020000000",
                    "transmittal": "26-61",
                    "contractor": "RTX Corporation",
                    "quantities": ["150 SM-6 Block IA missiles"],
                    "start": 0,
                    "end": 212,
                },
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "new:federal-register:0c1d2e3f4a5b6c7d8e9f",
            "kind": "new",
            "reason": "first-seen",
            "source_id": "federal-register-ustr-japan",
            "source_title": "Federal Register: documents mentioning Japan",
            "title": "Notice of Modification of Section 232 and Reciprocal Tariff Actions To Implement the "
            "Agreement on Trade and Investment Between the United States and Japan",
            "url": "https://www.federalregister.gov/documents/2026/11/25/2026-23790/notice-of-modification-"
            "of-section-232-and-reciprocal-tariff-actions",
            "published_at": "2026-11-25T00:00:00+00:00",
            "seen_at": "2026-11-24T21:31:09+00:00",
            "revision": 1,
            "topics": [
                topic(tar, ["Section 232", "reciprocal tariff"], "Section 232 and reciprocal tariff actions")
            ],
            "terms": ["Section 232", "reciprocal tariff"],
            "snippet": "modifies the Section 232 and reciprocal tariff actions applicable to imports of "
            "products of Japan, effective for goods entered on or after December 1, 2026",
            "facts": {
                "rates": [],
                "dates": [{"date": "2026-12-01", "text": "December 1, 2026", "start": 97, "end": 113}],
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "new:nikkei:2b3c4d5e6f7a8b9c0d1e",
            "kind": "new",
            "reason": "first-seen",
            "source_id": "nikkei-asia",
            "source_title": "Nikkei Asia",
            "title": "Japan to buy more U.S. LNG as part of tariff deal",
            "url": f"{nikkei}/business/energy/japan-to-buy-more-u.s.-lng-as-part-of-tariff-deal",
            "published_at": "2026-11-25T07:10:00+09:00",
            "seen_at": "2026-11-24T22:25:50+00:00",
            "revision": 1,
            "topics": [
                topic(lng, ["liquefied natural gas"], "7 million tons a year of U.S. liquefied natural gas"),
                topic(tar, ["tariff"], "secure the 15% tariff rate on autos"),
            ],
            "terms": ["liquefied natural gas", "tariff"],
            "snippet": "Japanese utilities and trading houses will sign long-term contracts for about 7 "
            "million tons a year of U.S. liquefied natural gas, government officials said",
            "highlights": ["liquefied natural gas", "7 million tons a year"],
            "facts": {"rates": [_rate("15", "15%", "tariff")], "volume": "about 7 million t/yr"},
            "previous_title": None,
            "change": None,
            "diff": None,
        },
    ]
    return digest_context(
        digest_id="daily-trade",
        title="daily-trade",
        period_start=start,
        period_end=end,
        tz="Asia/Tokyo",
        alerts=alerts,
    )

"""One alert payload as a digest item (or health line): facts for readers, diff and snippet parts,
its story key; read from the payload, never kept."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from monitor.notify.digest.values import _label, _parse_time, _safe_url, _str
from monitor.text import normalise_for_hash, strip_html

_KIND_LABELS = {
    "new": "NEW",
    "revised": "REVISED",
    "also-reported": "ALSO REPORTED",
    "withdrawn": "WITHDRAWN",
}

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

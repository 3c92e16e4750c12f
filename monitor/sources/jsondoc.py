"""Read an untrusted JSON document within bounds. Pure.

``load_json(source_id, body)``: the body decoded (BOM, declared charset, detection: ``decode``), its
nesting checked *before* parsing (``json.loads`` recurses, so a document nested 100,000 deep would raise
RecursionError from deep inside the parser), then parsed, with lone surrogates (``"\\ud800"``) removed
from every string. Any problem is a :class:`~monitor.errors.ParseError` naming it.
"""

from __future__ import annotations

import json
from typing import Any

from monitor.errors import ParseError
from monitor.sources.decode import decode_body, remove_surrogates
from monitor.text import collapse_ws

__all__ = ["MAX_DEPTH", "get_path", "load_json"]

MAX_DEPTH = 64


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return remove_surrogates(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {remove_surrogates(k): _clean(v) for k, v in value.items()}
    return value


def load_json(source_id: str, body: bytes, *, http_charset: str | None = None) -> tuple[Any, str]:
    """(document, encoding used); see the module docstring."""
    decoded = decode_body(body, http_charset=http_charset)
    text = decoded.text.lstrip("\ufeff \t\r\n")
    if (deepest := _depth(text)) > MAX_DEPTH:
        raise ParseError(source_id, f"JSON nested {deepest} deep (at most {MAX_DEPTH} is read)")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(source_id, f"invalid JSON ({collapse_ws(str(exc))[:120]})") from None
    return _clean(doc), decoded.encoding


def get_path(doc: Any, path: str) -> Any:
    """The value at a JSONPath-style ``path`` ("$.results", "data.items[0].title", "links.self"); None
    when any step is missing or of the wrong type. ``$`` (or "") is the document itself."""
    current = doc
    for step in _steps(path):
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return None
            current = current[step]
    return current


def _steps(path: str) -> list[str | int]:
    path = path.strip()
    if path.startswith("$"):
        path = path[1:]
    steps: list[str | int] = []
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]"):
            inner = part[1:-1].strip("'\"")
            steps.append(int(inner) if inner.lstrip("-").isdigit() else inner)
        else:
            steps.append(part)
    return steps

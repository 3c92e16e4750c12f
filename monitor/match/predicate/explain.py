"""Explaining a ``where`` predicate: why it fails (for near misses) or which values made it hold."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from monitor.match.facts import LIST_KINDS
from monitor.match.predicate.evaluate import _bindings, _coerce, _eval, _scope, _test
from monitor.match.predicate.nodes import _Bound, _Cmp, _Node, _Not, _Or, _plain

# ---------------------------------------------------------------------------------------------------
# Explaining


def _show(cmp: _Cmp, raw: Any) -> str:
    if raw is None or raw == "":
        return "missing"
    if cmp.ftype == "number":
        value = _coerce(cmp, raw)
        return _plain(value) if isinstance(value, Decimal) else json.dumps(str(raw))
    return json.dumps(str(raw), ensure_ascii=False)


def _why_cmp(cmp: _Cmp, facts: Mapping[str, Any], bound: _Bound) -> str:
    elements = _scope(cmp, facts, bound)
    if not elements:
        what = "no FMS notice" if cmp.kind == "fms" else f"no {cmp.kind} facts"
        return f"{what}, needs {cmp.src}" if cmp.op != "present" or cmp.field else what
    if cmp.op == "present":
        return f"{cmp.name} is missing"
    shown = [_show(cmp, e.get(cmp.field or "")) for e in elements]
    if cmp.kind not in LIST_KINDS or cmp.kind in bound:
        return f"{cmp.name} is {shown[0]}, needs {cmp.needs}"
    return f"{cmp.name} values are {', '.join(shown)}; none is {cmp.needs}"


def _how_cmp(cmp: _Cmp, facts: Mapping[str, Any], bound: _Bound) -> str:
    if cmp.op == "present":
        return f"{cmp.name} is present"
    element = next(e for e in _scope(cmp, facts, bound) if _test(cmp, e))
    return f"{cmp.name} is {_show(cmp, element.get(cmp.field or ''))}, meets {cmp.needs}"


def _why(node: _Node, facts: Mapping[str, Any], bound: _Bound) -> list[str]:
    """Reasons a node that evaluates false does so."""
    if isinstance(node, _Cmp):
        return [_why_cmp(node, facts, bound)]
    if isinstance(node, _Not):
        return [f"not ({node.child.src}) fails: " + "; ".join(_how(node.child, facts, {}))]
    if isinstance(node, _Or):
        return [r for c in node.children for r in _why(c, facts, bound)]
    failing = [c for c in node.children if not _eval(c, facts, bound)]
    if failing:
        return [r for c in failing for r in _why(c, facts, bound)]
    kinds = ", ".join(k for k in node.bind if k not in bound)
    return [f"no single {kinds} fact meets all of: {node.src}"]


def _how(node: _Node, facts: Mapping[str, Any], bound: _Bound) -> list[str]:
    """Reasons a node that evaluates true does so."""
    if isinstance(node, _Cmp):
        return [_how_cmp(node, facts, bound)]
    if isinstance(node, _Not):
        return [f"not ({node.child.src}): " + "; ".join(_why(node.child, facts, {}))]
    if isinstance(node, _Or):
        first = next(c for c in node.children if _eval(c, facts, bound))
        return _how(first, facts, bound)
    for b in _bindings(node, facts, bound):
        if all(_eval(c, facts, b) for c in node.children):
            return [r for c in node.children for r in _how(c, facts, b)]
    return []  # pragma: no cover - only called on true nodes

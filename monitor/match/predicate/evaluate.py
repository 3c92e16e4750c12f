"""Evaluating a compiled ``where`` predicate over extracted facts: missing facts compare false, list
kinds are existential, and comparisons bound within one ``and`` hold for the same element."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from monitor.match.facts import LIST_KINDS
from monitor.match.predicate.nodes import Value, _And, _Bound, _Cmp, _fold_field, _Node, _Not, _Or

# ---------------------------------------------------------------------------------------------------
# Evaluating


def _elements(facts: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    value = facts.get(kind)
    if kind in LIST_KINDS:
        return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []
    return [value] if isinstance(value, Mapping) else []


def _coerce(cmp: _Cmp, raw: Any) -> Value | None:
    if raw is None or cmp.field is None:
        return None
    if cmp.ftype == "number":
        if isinstance(raw, bool):
            return None
        try:
            number = Decimal(str(raw)) if isinstance(raw, str | int | float | Decimal) else None
        except InvalidOperation:
            return None
        return number if number is not None and number.is_finite() else None
    if cmp.ftype == "date":
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            return None
    return _fold_field(cmp.kind, cmp.field, raw) if isinstance(raw, str) else None


_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _test(cmp: _Cmp, element: Mapping[str, Any]) -> bool:
    if cmp.field is None:
        return True
    if cmp.op == "present":
        raw = element.get(cmp.field)
        return raw is not None and raw != "" and raw != []
    value = _coerce(cmp, element.get(cmp.field))
    if value is None:
        return False
    if cmp.op == "in":
        return any(value == lit.value for lit in cmp.literals)
    if cmp.op == "not in":
        return all(value != lit.value for lit in cmp.literals)
    return _OPS[cmp.op](value, cmp.literals[0].value)


def _scope(cmp: _Cmp, facts: Mapping[str, Any], bound: _Bound) -> list[Mapping[str, Any]]:
    return [bound[cmp.kind]] if cmp.kind in bound else _elements(facts, cmp.kind)


def _bindings(node: _And, facts: Mapping[str, Any], bound: _Bound) -> Iterator[_Bound]:
    """Every assignment of one element per bindable kind (kinds with no elements stay unbound)."""
    kinds = [k for k in node.bind if k not in bound and _elements(facts, k)]
    for combo in itertools.product(*(_elements(facts, k) for k in kinds)):
        yield {**bound, **dict(zip(kinds, combo, strict=True))}


def _eval(node: _Node, facts: Mapping[str, Any], bound: _Bound) -> bool:
    if isinstance(node, _Cmp):
        return any(_test(node, e) for e in _scope(node, facts, bound))
    if isinstance(node, _Not):
        return not _eval(node.child, facts, {})
    if isinstance(node, _Or):
        return any(_eval(c, facts, bound) for c in node.children)
    return any(all(_eval(c, facts, b) for c in node.children) for b in _bindings(node, facts, bound))

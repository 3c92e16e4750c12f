"""The compiled form of a ``where`` predicate: literals, comparisons and ``not``/``and``/``or`` nodes, and
the folding both sides of a string comparison go through."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

from monitor.match.facts import FieldType, normalise_purchaser

Value: TypeAlias = Decimal | str | datetime.date


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Value  # Decimal, folded string, or date
    shown: str  # for messages: 1000000000, "Japan", "2026-04-01"


@dataclass(frozen=True, slots=True)
class _Cmp:
    kind: str
    field: str | None  # None: presence of the kind itself
    op: str  # == != < <= > >= in "not in" present
    literals: tuple[_Literal, ...]  # one for comparisons, any number for in / not in, none for present
    ftype: FieldType | None
    src: str

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.field}" if self.field else self.kind

    @property
    def needs(self) -> str:
        if self.op in ("in", "not in"):
            return f"{self.op} [{', '.join(lit.shown for lit in self.literals)}]"
        return f"{self.op} {self.literals[0].shown}"


@dataclass(frozen=True, slots=True)
class _Not:
    child: _Node
    src: str


@dataclass(frozen=True, slots=True)
class _And:
    children: tuple[_Node, ...]
    bind: tuple[str, ...]  # list kinds whose comparisons must hold for one element
    src: str


@dataclass(frozen=True, slots=True)
class _Or:
    children: tuple[_Node, ...]
    src: str


_Node: TypeAlias = _Cmp | _Not | _And | _Or
_Bound: TypeAlias = Mapping[str, Mapping[str, Any]]


def _fold(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def _fold_field(kind: str, field: str, s: str) -> str:
    return _fold(normalise_purchaser(s)) if (kind, field) == ("fms", "purchaser") else _fold(s)


def _plain(d: Decimal) -> str:
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")

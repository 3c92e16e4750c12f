"""The fact types, the schema predicates validate against, and NFKC with an offset map back (pure)."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = [
    "FACT_KINDS",
    "FIELD_TYPES",
    "LIST_KINDS",
    "EffectiveDate",
    "FMSNotice",
    "FieldType",
    "Money",
    "Norm",
    "Rate",
    "dec_str",
    "exact",
    "normalise",
]

FieldType = Literal["number", "string", "date"]

FACT_KINDS: tuple[str, ...] = ("money", "rates", "fms", "dates")
LIST_KINDS: frozenset[str] = frozenset({"money", "rates", "dates"})
# What predicates may name, in the order messages list them.
FIELD_TYPES: Mapping[str, Mapping[str, FieldType]] = {
    "money": {"amount": "number", "currency": "string", "usd": "number", "text": "string"},
    "rates": {"percent": "number", "context": "string", "text": "string"},
    "fms": {
        "purchaser": "string",
        "system": "string",
        "value_usd": "number",
        "transmittal": "string",
        "contractor": "string",
    },
    "dates": {"date": "date", "text": "string"},
}


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str  # ISO 4217: "USD", "JPY", "EUR", ...
    usd: Decimal | None  # == amount when currency is USD, else None (no FX conversion)
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Rate:
    percent: Decimal
    start: int
    end: int
    text: str
    context: str | None = None  # "tariff" when a tariff/duty word is near, else None


@dataclass(frozen=True, slots=True)
class FMSNotice:
    purchaser: str | None
    system: str | None
    value_usd: Decimal | None
    transmittal: str | None
    contractor: str | None
    quantities: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    date: datetime.date
    start: int
    end: int
    text: str


# ---------------------------------------------------------------------------------------------------
# NFKC with an offset map back to the original text


@dataclass(frozen=True, slots=True)
class Norm:
    original: str
    text: str  # NFKC form
    # Per normalised char: index of the original char it came from, and the end (exclusive) of that
    # original char/cluster. None when the text was already NFKC (offsets are the identity).
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def slice(self, start: int, end: int) -> tuple[int, int, str]:
        s, e = self.span(start, end)
        return s, e, self.original[s:e]


def normalise(text: str) -> Norm:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return Norm(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1  # a base character with its combining marks normalises as one cluster
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j])
        out.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return Norm(text, "".join(out), tuple(starts), tuple(ends))


def exact(d: Decimal) -> Decimal:
    """An exact value without trailing zeros or exponent noise (1.0 billion -> 1000000000)."""
    if d == d.to_integral_value():
        return Decimal(int(d))
    return d.normalize()


def dec_str(d: Decimal) -> str:
    return format(exact(d), "f")

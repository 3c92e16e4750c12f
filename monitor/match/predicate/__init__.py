"""Fact predicates for ``topics[].where`` (pure; parsed with lark, never with ``eval``).

Grammar (keywords case-insensitive)::

    expr     := expr "or" expr | expr "and" expr | "not" expr | "(" expr ")" | test
    test     := name OP literal | name "in" list | name "not" "in" list | name
    name     := kind | kind "." field          e.g. fms.purchaser, money.usd, rates
    OP       := == != < <= > >=
    literal  := "string" | 'string' | number    numbers: 100_000_000, 1e9, 2.5, -3
    list     := "[" literal ("," literal)* [","] "]"

``and`` binds tighter than ``or``; ``not`` tighter than both. Names and types are checked against
:data:`monitor.match.facts.FIELD_TYPES` when the predicate is compiled; a problem raises
:class:`PredicateError` with a message and the column of the offending token (its 1-based character
offset in the expression; in a multi-line YAML expression each newline counts as one character).
Number fields take number literals, string fields take strings (``==``, ``!=``, ``in`` only), date fields
take ``"YYYY-MM-DD"`` strings (all comparisons).

Semantics, over the dict :func:`monitor.match.facts.extract_facts` returns:

- **Missing facts compare false**, whatever the operator (``!=`` too): a comparison on an absent kind,
  ``None`` field or unparseable value is false. ``not`` then makes it true.
- **List kinds are existential.** ``money``, ``rates`` and ``dates`` are lists; ``money.usd >= 1e9`` holds
  when *some* element has ``usd >= 1e9``. Within one ``and``, comparisons on the same list kind (in
  at least two of its operands, not under a ``not``) must hold for the *same* element:
  ``rates.percent >= 10 and rates.context == "tariff"`` needs one tariff rate of at least 10%.
- **``not`` is document-level**: ``not X`` holds when ``X`` does not; ``not rates.context == "tariff"``
  means no rate is a tariff rate.
- **A bare name tests presence**: ``fms`` (an FMS notice was found), ``fms.contractor`` (it names one),
  ``money`` (some amount); ``not fms.purchaser`` is a notice without a purchaser, or no notice.
- **Strings compare case-insensitively** after NFKC and whitespace collapsing. ``fms.purchaser`` is
  compared after :func:`~monitor.match.facts.normalise_purchaser` on both sides, so
  ``fms.purchaser == "Japan"`` and ``fms.purchaser == "Government of Japan"`` both hold for a notice to the
  Government of Japan. There is no substring matching ("Niger" is not "Nigeria").
- Numbers compare exactly as :class:`~decimal.Decimal` (stored facts hold them as strings).

API: ``compile_where(text) -> Predicate`` (raises :class:`PredicateError`); ``Predicate.kinds`` is the set of
fact kinds it reads (extract only those); ``Predicate(facts) -> bool``; ``Predicate.explain(facts) -> str``
says why it does not hold, for near misses (``fms.value_usd is 340000000, needs >= 1000000000``), or
``"holds: ..."`` with the values that satisfied it.

The package: ``compiler`` (grammar, :class:`PredicateError`, checks), ``nodes`` (the compiled form),
``evaluate`` and ``explain``; this module holds the public surface.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lark.exceptions import UnexpectedInput

from monitor.match.predicate.compiler import PredicateError, _Compiler, _parser, _syntax_error
from monitor.match.predicate.evaluate import _eval
from monitor.match.predicate.explain import _how, _why
from monitor.match.predicate.nodes import _Node

__all__ = ["Predicate", "PredicateError", "compile_where"]


# ---------------------------------------------------------------------------------------------------
# Public surface


@dataclass(frozen=True, slots=True)
class Predicate:
    """A compiled ``where`` expression. Call it with the dict ``extract_facts`` returns."""

    text: str
    kinds: frozenset[str]  # the fact kinds it reads: extract only these
    _root: _Node

    def __call__(self, facts: Mapping[str, Any]) -> bool:
        return _eval(self._root, facts, {})

    def explain(self, facts: Mapping[str, Any]) -> str:
        """Why the predicate fails (``fms.value_usd is 340000000, needs >= 1000000000``) or holds."""
        if _eval(self._root, facts, {}):
            return "holds: " + "; ".join(_how(self._root, facts, {}))
        return "; ".join(_why(self._root, facts, {}))


def compile_where(text: str) -> Predicate:
    """Parse and validate a ``where`` expression. Raises :class:`PredicateError` (message, column)."""
    if not text.strip():
        raise PredicateError("empty expression", 1)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(text, e) from None
    compiler = _Compiler(text)
    root = compiler.node(tree)
    return Predicate(text, frozenset(compiler.kinds), root)

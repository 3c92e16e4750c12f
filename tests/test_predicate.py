"""Fact predicates for topics[].where (monitor.match.predicate)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from monitor.match.facts import extract_facts
from monitor.match.predicate import PredicateError, compile_where

FMS_JAPAN: dict[str, Any] = {
    "fms": {
        "purchaser": "Japan",
        "system": "Standard Missile-6 Block IA",
        "value_usd": "340000000",
        "transmittal": "26-28",
        "contractor": "RTX Corporation",
        "quantities": ["48 Standard Missile-6 Block IA"],
        "start": 0,
        "end": 100,
        "field": "text",
    },
    "money": [
        {"amount": "340000000", "currency": "USD", "usd": "340000000", "text": "$340 million"},
        {"amount": "1500000000000", "currency": "JPY", "usd": None, "text": "¥1.5 trillion"},
    ],
    "rates": [
        {"percent": "25", "context": None, "text": "25%"},
        {"percent": "5", "context": "tariff", "text": "5%"},
    ],
    "dates": [{"date": "2026-04-01", "text": "April 1, 2026"}],
}
NO_PURCHASER: dict[str, Any] = {
    "fms": {"purchaser": None, "system": None, "value_usd": None, "transmittal": "24-48", "contractor": None}
}
NOTHING: dict[str, Any] = {}
EMPTY_LISTS: dict[str, Any] = {"money": [], "rates": [], "dates": [], "fms": None}


@pytest.mark.parametrize(
    ("where", "facts", "expected"),
    [
        pytest.param('fms.purchaser == "Japan" and fms.value_usd >= 100_000_000', FMS_JAPAN, True,
                     id="brief example holds"),
        pytest.param('fms.purchaser == "Japan" and fms.value_usd >= 1e9', FMS_JAPAN, False,
                     id="value below threshold"),
        pytest.param('fms.purchaser == "Government of Japan"', FMS_JAPAN, True,
                     id="purchaser literal normalised too"),
        pytest.param('fms.purchaser == "japan"', FMS_JAPAN, True, id="strings case-insensitive"),
        pytest.param('fms.purchaser == "ＪＡＰＡＮ"', FMS_JAPAN, True, id="strings NFKC"),
        pytest.param('fms.purchaser in ["Japan", "Government of Japan"]', FMS_JAPAN, True, id="in list"),
        pytest.param('fms.purchaser in ["Korea", "Poland"]', FMS_JAPAN, False, id="in list misses"),
        pytest.param('fms.purchaser not in ["Korea", "Poland"]', FMS_JAPAN, True, id="not in"),
        pytest.param('fms.purchaser == "Jap"', FMS_JAPAN, False, id="no substring matching"),
        pytest.param('fms.purchaser != "Korea"', FMS_JAPAN, True, id="not equal"),
        pytest.param("not fms.purchaser", FMS_JAPAN, False, id="not present purchaser"),
        pytest.param("not fms.purchaser", NO_PURCHASER, True, id="correction notice has no purchaser"),
        pytest.param("not fms.purchaser", NOTHING, True, id="no FMS facts at all"),
        pytest.param("fms", FMS_JAPAN, True, id="bare kind: notice present"),
        pytest.param("fms", EMPTY_LISTS, False, id="bare kind: fms None"),
        pytest.param("fms.contractor", FMS_JAPAN, True, id="bare field: contractor named"),
        pytest.param("money.usd >= 1e9", FMS_JAPAN, False, id="money under 1e9"),
        pytest.param("money.usd >= 3e8", FMS_JAPAN, True, id="money existential"),
        pytest.param("money.amount >= 1e12", FMS_JAPAN, True, id="yen amount"),
        pytest.param('money.currency == "jpy" and money.amount >= 1e12', FMS_JAPAN, True,
                     id="same element: JPY 1.5 trillion"),
        pytest.param('money.currency == "USD" and money.amount >= 1e12', FMS_JAPAN, False,
                     id="same element required: no USD trillion"),
        pytest.param('rates.percent >= 10 and rates.context == "tariff"', FMS_JAPAN, False,
                     id="same element required: 25% is not a tariff, 5% is"),
        pytest.param('rates.percent >= 5 and rates.context == "tariff"', FMS_JAPAN, True,
                     id="tariff rate of at least 5%"),
        pytest.param('rates.percent >= 10 and not rates.context == "tariff"', FMS_JAPAN, False,
                     id="not is document-level"),
        pytest.param('rates.context == "tariff" and (rates.percent == 25 or rates.percent == 5)', FMS_JAPAN,
                     True, id="or inside a bound and"),
        pytest.param('fms.purchaser == "Japan" and money.usd >= 3e8', FMS_JAPAN, True, id="two kinds"),
        pytest.param('fms.purchaser == "Korea" or money.usd >= 3e8', FMS_JAPAN, True, id="or"),
        pytest.param("not (money.usd >= 1e9 or rates.percent > 50)", FMS_JAPAN, True, id="not over parens"),
        pytest.param('dates.date >= "2026-01-01"', FMS_JAPAN, True, id="date comparison"),
        pytest.param('dates.date < "2026-04-01"', FMS_JAPAN, False, id="date strict"),
        pytest.param('dates.date in ["2026-04-01"]', FMS_JAPAN, True, id="date in list"),
        pytest.param("fms.value_usd >= 1", NO_PURCHASER, False, id="missing value compares false"),
        pytest.param("fms.value_usd < 1e12", NO_PURCHASER, False, id="missing value: < false too"),
        pytest.param('fms.purchaser != "Japan"', NO_PURCHASER, False, id="missing: != false too"),
        pytest.param("not fms.value_usd >= 1", NO_PURCHASER, True, id="not of missing"),
        pytest.param("money.usd >= 0", EMPTY_LISTS, False, id="empty list"),
        pytest.param("money.usd >= 0", NOTHING, False, id="kind not extracted"),
        pytest.param("money", FMS_JAPAN, True, id="bare list kind"),
        pytest.param("rates.percent == 25.0", FMS_JAPAN, True, id="exact decimal equality"),
        pytest.param("rates.percent > -1", FMS_JAPAN, True, id="negative literal"),
        pytest.param("money.usd >= 1.5E8", FMS_JAPAN, True, id="upper-case exponent"),
        pytest.param('fms.purchaser == "Japan" AND NOT money.usd > 1e9', FMS_JAPAN, True,
                     id="keywords case-insensitive"),
        pytest.param("rates.percent >= 1 and fms.purchaser == 'Japan'", FMS_JAPAN, True,
                     id="single-quoted string"),
        pytest.param('(rates.percent >= 10 and rates.context == "tariff") or fms.value_usd > 1e8', FMS_JAPAN,
                     True, id="precedence with parentheses"),
        pytest.param('rates.percent >= 10 and rates.context == "tariff" or fms.value_usd > 1e8', FMS_JAPAN,
                     True, id="and binds tighter than or"),
        pytest.param("money.usd >= 1", {"money": [{"usd": "NaN"}, {"usd": "x"}, "junk"]}, False,
                     id="unparseable stored values are missing"),
    ],
)  # fmt: skip
def test_predicate(where: str, facts: dict[str, Any], expected: bool) -> None:
    assert compile_where(where)(facts) is expected


@pytest.mark.parametrize(
    ("where", "column", "message"),
    [
        pytest.param("fms.valu >= 1", 1,
                     "unknown fact field 'fms.valu' "
                     "(fields: purchaser, system, value_usd, transmittal, contractor)",
                     id="unknown field"),
        pytest.param('fms.purchaser == "Japan" and mony.usd > 1', 30,
                     "unknown fact kind 'mony' (kinds: money, rates, fms, dates)", id="unknown kind"),
        pytest.param("fms.purchaser.x", 1, "unknown fact field 'fms.purchaser.x'", id="too many dots"),
        pytest.param('money.usd >= "1e9"', 14, "money.usd is a number; \"1e9\" is a string",
                     id="number field, string literal"),
        pytest.param("fms.purchaser == 5", 18, "fms.purchaser is a string; 5 is a number",
                     id="string field, number literal"),
        pytest.param('fms.purchaser in ["Japan", 5]', 28, "fms.purchaser is a string; 5 is a number",
                     id="mixed list"),
        pytest.param('fms.purchaser > "A"', 15,
                     "fms.purchaser is a string: compare it with ==, != or in, not >",
                     id="ordering on a string"),
        pytest.param('dates.date > "April 1"', 14, 'dates.date is a date: expected "YYYY-MM-DD"',
                     id="bad date literal"),
        pytest.param("dates.date > 2026", 14, "dates.date is a date; 2026 is a number", id="date vs number"),
        pytest.param("money == 5", 1, "compare a field of money, not money itself", id="bare kind compared"),
        pytest.param("fms.value_usd >=", 17, "unexpected end of expression", id="missing literal"),
        pytest.param("fms.value_usd >= 1__0", 18, "malformed number 1__0", id="bad underscores"),
        pytest.param("(fms.value_usd >= 1", 20, "unexpected end of expression; expected ')'",
                     id="unclosed parenthesis"),
        pytest.param("fms.value_usd >= 1)", 19, "unexpected ')'", id="stray parenthesis"),
        pytest.param('fms.purchaser == "Japan', 18, "unterminated string", id="unterminated string"),
        pytest.param("money.usd >= 1 and and", 20, "unexpected 'and'; expected a fact name",
                     id="keyword as a name"),
        pytest.param("fms.purchaser = 'Japan'", 15, "unexpected character '='", id="single equals"),
        pytest.param('__import__("os").system("true")', 11, "unexpected",
                     id="no eval: a call is a syntax error"),
        pytest.param("   ", 1, "empty expression", id="empty"),
    ],
)  # fmt: skip
def test_predicate_errors(where: str, column: int, message: str) -> None:
    with pytest.raises(PredicateError) as info:
        compile_where(where)
    assert info.value.column == column
    assert message in info.value.message
    assert str(info.value).startswith(f"where: column {column}: ")


@pytest.mark.parametrize(
    ("where", "kinds"),
    [
        pytest.param('fms.purchaser == "Japan" and fms.value_usd >= 1e8', {"fms"}, id="fms only"),
        pytest.param('money.usd >= 1e9 or rates.context == "tariff"', {"money", "rates"}, id="two kinds"),
        pytest.param("not dates", {"dates"}, id="bare kind"),
    ],
)
def test_predicate_kinds(where: str, kinds: set[str]) -> None:
    assert compile_where(where).kinds == frozenset(kinds)


@pytest.mark.parametrize(
    ("where", "facts", "explanation"),
    [
        pytest.param("fms.value_usd >= 1_000_000_000", FMS_JAPAN,
                     "fms.value_usd is 340000000, needs >= 1000000000", id="scalar near miss"),
        pytest.param('fms.purchaser == "Japan" and fms.value_usd >= 1e9', FMS_JAPAN,
                     "fms.value_usd is 340000000, needs >= 1000000000", id="only the failing conjunct"),
        pytest.param("money.usd >= 1e9", FMS_JAPAN,
                     "money.usd values are 340000000, missing; none is >= 1000000000", id="list near miss"),
        pytest.param('rates.percent >= 10 and rates.context == "tariff"', FMS_JAPAN,
                     'no single rates fact meets all of: rates.percent >= 10 and rates.context == "tariff"',
                     id="no single element"),
        pytest.param("fms.value_usd >= 1e9", NO_PURCHASER, "fms.value_usd is missing, needs >= 1000000000",
                     id="missing field"),
        pytest.param("fms.value_usd >= 1e9", NOTHING, "no FMS notice, needs fms.value_usd >= 1e9",
                     id="no notice"),
        pytest.param('fms.purchaser in ["Korea", "Poland"]', FMS_JAPAN,
                     'fms.purchaser is "Japan", needs in ["Korea", "Poland"]', id="in list"),
        pytest.param("not fms.purchaser", FMS_JAPAN, "not (fms.purchaser) fails: fms.purchaser is present",
                     id="not"),
        pytest.param('fms.purchaser == "Japan" and fms.value_usd >= 1e8', FMS_JAPAN,
                     'holds: fms.purchaser is "Japan", meets == "Japan"; '
                     "fms.value_usd is 340000000, meets >= 100000000",
                     id="holds"),
        pytest.param('rates.percent >= 5 and rates.context == "tariff"', FMS_JAPAN,
                     'holds: rates.percent is 5, meets >= 5; rates.context is "tariff", meets == "tariff"',
                     id="holds with the witnessing element"),
    ],
)  # fmt: skip
def test_explain(where: str, facts: dict[str, Any], explanation: str) -> None:
    assert compile_where(where).explain(facts) == explanation


def test_predicate_over_extracted_facts() -> None:
    where = compile_where('fms.purchaser == "Japan" and fms.value_usd >= 100_000_000')
    text = (
        "The State Department has made a determination approving a possible Foreign Military Sale to the "
        "Government of Japan of Upgraded Gliding Projectile Support for an estimated cost of $340 million."
    )
    assert where(extract_facts("", text, where.kinds))
    korea = text.replace("Japan", "the Republic of Korea")
    assert not where(extract_facts("", korea, where.kinds))

    tariff = compile_where('rates.percent >= 10 and rates.context == "tariff"')
    assert tariff(extract_facts("", "a 25% tariff on Japanese autos", tariff.kinds))
    assert not tariff(extract_facts("", "defense spending of 2% of GDP", tariff.kinds))


def test_error_column_is_an_offset_in_a_multiline_expression() -> None:
    with pytest.raises(PredicateError) as info:
        compile_where('fms.purchaser == "Japan"\nand fms.valu >= 1')
    assert info.value.column == 30


def test_native_values_work_too() -> None:
    facts = {
        "fms": {"purchaser": "Government of Japan", "value_usd": Decimal(340_000_000)},
        "dates": [{"date": datetime.date(2026, 4, 1)}],
        "money": [{"usd": 5_000_000_000}],
    }
    where = compile_where(
        'fms.purchaser == "Japan" and fms.value_usd > 1e8 and dates.date == "2026-04-01" and money.usd >= 1e9'
    )
    assert where(facts)


def test_same_element_binding_does_not_require_a_kind_an_or_can_do_without() -> None:
    where = compile_where(
        '(rates.percent > 10 or fms.purchaser == "Japan") and (rates.context == "tariff" or money)'
    )
    assert where({"rates": [], "fms": {"purchaser": "Japan"}, "money": [{"usd": "1"}]})
    assert not where({"rates": [], "fms": {"purchaser": "Korea"}, "money": [{"usd": "1"}]})


def test_explain_not_that_holds() -> None:
    assert compile_where("not fms.purchaser").explain(NO_PURCHASER) == (
        "holds: not (fms.purchaser): fms.purchaser is missing"
    )

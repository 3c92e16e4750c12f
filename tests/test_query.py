"""The topic query language: what parses to what, and what fails where (monitor.match.query)."""

from __future__ import annotations

import pytest

from monitor.match.query import (
    And,
    Meta,
    Near,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    fold,
    parse_query,
    terms_of,
    unparse,
)


@pytest.mark.parametrize(
    ("query", "shape"),
    [
        # terms, phrases, wildcards
        pytest.param("Japan", "Japan", id="one term"),
        pytest.param('"Foreign Military Sale"', '"Foreign Military Sale"', id="phrase"),
        pytest.param("tariff*", "tariff*", id="trailing wildcard"),
        pytest.param('"Foreign Military Sale*"', '"Foreign Military Sale*"', id="wildcard on a phrase"),
        pytest.param("U.S.-Japan", "U.S.-Japan", id="dots and hyphen stay in one term"),
        pytest.param("対米投資", "対米投資", id="Japanese term"),
        pytest.param("ＦＭＳ", "FMS", id="full-width ASCII is read as ASCII"),
        pytest.param("ANDROID NOTES", "(ANDROID AND NOTES)", id="operator-like prefixes are terms"),
        # AND / OR / NOT and precedence
        pytest.param("Japan tariff*", "(Japan AND tariff*)", id="implicit AND"),
        pytest.param("Japan AND tariff*", "(Japan AND tariff*)", id="explicit AND"),
        pytest.param("a b OR c", "((a AND b) OR c)", id="AND binds tighter than OR"),
        pytest.param("a OR b c", "(a OR (b AND c))", id="AND binds tighter than OR, right side"),
        pytest.param("a OR b AND c OR d", "(a OR (b AND c) OR d)", id="OR chain flattened"),
        pytest.param("a AND b AND c", "(a AND b AND c)", id="AND chain flattened"),
        pytest.param("(a OR b) c", "((a OR b) AND c)", id="parentheses"),
        pytest.param("((a))", "a", id="redundant parentheses"),
        pytest.param("a NOT b", "(a AND NOT b)", id="NOT after a term is AND NOT"),
        pytest.param("a -b", "(a AND NOT b)", id="minus is NOT"),
        pytest.param('a -"Japan Airlines"', '(a AND NOT "Japan Airlines")', id="minus on a phrase"),
        pytest.param("a -(b OR c)", "(a AND NOT (b OR c))", id="minus on a group"),
        pytest.param("a NOT NOT b", "(a AND b)", id="double negation cancels"),
        pytest.param("a NOT b OR c", "((a AND NOT b) OR c)", id="NOT binds tightest"),
        # NEAR
        pytest.param("Japan NEAR/20 investment", "(Japan NEAR/20 investment)", id="NEAR with distance"),
        pytest.param("Japan NEAR investment", "(Japan NEAR/10 investment)", id="bare NEAR is NEAR/10"),
        pytest.param(
            "(Japan OR 日本) NEAR/5 (tariff* OR 関税)",
            "((Japan OR 日本) NEAR/5 (tariff* OR 関税))",
            id="NEAR over ORs of terms",
        ),
        pytest.param(
            '"U.S. Steel" NEAR/3 Nippon*', '("U.S. Steel" NEAR/3 Nippon*)', id="NEAR phrase wildcard"
        ),
        pytest.param("a b NEAR/3 c", "(a AND (b NEAR/3 c))", id="NEAR binds tighter than AND"),
        pytest.param("a NEAR/3 b OR c", "((a NEAR/3 b) OR c)", id="NEAR binds tighter than OR"),
        pytest.param("NOT (a NEAR b) c", "(NOT (a NEAR/10 b) AND c)", id="negated NEAR group"),
        # field scopes
        pytest.param("title:tariff*", "title:tariff*", id="scope on a term"),
        pytest.param('text:"Section 232"', 'text:"Section 232"', id="scope on a phrase"),
        pytest.param(
            "title:(tariff OR duties) Japan",
            "((title:tariff OR title:duties) AND Japan)",
            id="scope on a group",
        ),
        pytest.param("-title:Airlines Japan", "(NOT title:Airlines AND Japan)", id="negated scope"),
        pytest.param("Title:Japan", "title:Japan", id="field names are case-insensitive"),
        pytest.param("tag:us-gov Japan", "(tag:us-gov AND Japan)", id="tag scope"),
        pytest.param("source:dsca* Japan", "(source:dsca* AND Japan)", id="source prefix"),
        pytest.param("lang:ja 投資", "(lang:ja AND 投資)", id="lang scope"),
        pytest.param(
            "tag:(trade OR defense) Japan", "((tag:trade OR tag:defense) AND Japan)", id="tag group"
        ),
        pytest.param("title:(Japan NEAR/3 tariff*)", "(title:Japan NEAR/3 title:tariff*)", id="scoped NEAR"),
        pytest.param("tag:us-gov OR Japan", "(tag:us-gov OR Japan)", id="metadata alone is positive"),
        # whitespace
        pytest.param("  Japan\n  AND\ttariff*  ", "(Japan AND tariff*)", id="any whitespace"),
        pytest.param("Japan\u3000関税", "(Japan AND 関税)", id="ideographic space separates"),
    ],
)
def test_valid_queries(query: str, shape: str) -> None:
    assert unparse(parse_query(query)) == shape


def test_ast_values() -> None:
    node = parse_query('title:"Foreign  Military-Sale*" ＦＭＳ -"Japan Airlines" tag:US-Gov')
    assert node == And(
        (
            Term("Foreign  Military-Sale*", "foreign military sale", prefix=True, phrase=True, field="title"),
            Term("FMS", "fms"),
            Not(Term("Japan Airlines", "japan airlines", phrase=True)),
            Meta("tag", "US-Gov", "us gov"),
        )
    )
    near = parse_query("(Japan OR 日本) NEAR/7 tariff*")
    assert near == Near(
        (Term("Japan", "japan"), Term("日本", "日本")), (Term("tariff*", "tariff", prefix=True),), 7
    )
    assert isinstance(parse_query("a OR b"), Or)


def test_columns_are_recorded() -> None:
    node = parse_query("Japan  -tariff*")
    assert isinstance(node, And)
    first, neg = node.children
    assert isinstance(first, Term) and first.column == 1
    assert isinstance(neg, Not) and neg.column == 8


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        pytest.param("", "empty query", 1, id="empty"),
        pytest.param("   ", "empty query", 1, id="blank"),
        pytest.param("(Japan tariff", "unbalanced parenthesis", 1, id="unclosed parenthesis"),
        pytest.param("a (b OR (c AND d)", "unbalanced parenthesis", 3, id="the unclosed one is reported"),
        pytest.param("Japan) tariff", "unbalanced parenthesis", 6, id="extra closing parenthesis"),
        pytest.param("Japan ()", "empty parentheses", 7, id="empty parentheses"),
        pytest.param('Japan "Section 232', "unterminated quote", 7, id="unterminated quote"),
        pytest.param('""', "empty phrase", 1, id="empty phrase"),
        pytest.param("Japan AND", "'AND' needs a term after it", 7, id="dangling AND"),
        pytest.param("AND Japan", "'AND' needs a term before it", 1, id="leading AND"),
        pytest.param("Japan OR OR tariff", "'OR' needs a term after it", 7, id="doubled OR"),
        pytest.param("Japan NOT", "'NOT' needs a term after it", 7, id="dangling NOT"),
        pytest.param("Japan NEAR", "'NEAR' needs a term after it", 7, id="dangling NEAR"),
        pytest.param("Japan NEAR/ tariff", "NEAR needs a distance, e.g. NEAR/20", 7, id="NEAR slash only"),
        pytest.param("Japan NEAR/x tariff", "NEAR needs a distance, e.g. NEAR/20", 7, id="NEAR bad distance"),
        pytest.param("Japan NEAR/0 tariff", "NEAR distance must be at least 1", 7, id="NEAR zero"),
        pytest.param(
            "titel:Japan",
            "unknown field 'titel' (fields: title, text, source, tag, lang)",
            1,
            id="unknown field",
        ),
        pytest.param("Japan tilte:(a OR b)", "unknown field 'tilte'", 7, id="unknown field later"),
        pytest.param("title:", "'title:' needs a term, phrase or group after it", 1, id="empty scope"),
        pytest.param("title:text:Japan", "field scopes cannot be nested", 7, id="nested scope"),
        pytest.param("title:(a text:b)", "field scopes cannot be nested", 10, id="nested scope in group"),
        pytest.param("title:-Japan x", "put the negation before the field", 7, id="negation inside scope"),
        pytest.param("NOT Japan", "a query cannot be only negative", 1, id="only NOT"),
        pytest.param("-Japan -tariff", "a query cannot be only negative", 1, id="only minus"),
        pytest.param("Japan OR -tariff", "a query cannot be only negative", 10, id="a negative OR branch"),
        pytest.param("NOT (a AND b)", "a query cannot be only negative", 1, id="negated group"),
        pytest.param("Japan - tariff", "'-' must touch what it negates", 7, id="detached minus"),
        pytest.param("Japan and tariff", "'and' is an operator only in upper case", 7, id="lower-case and"),
        pytest.param("Japan or tariff", "'or' is an operator only in upper case", 7, id="lower-case or"),
        pytest.param("Japan Not tariff", "'Not' is an operator only in upper case", 7, id="mixed-case not"),
        pytest.param("*tariff", "leading wildcards are not supported", 1, id="leading wildcard"),
        pytest.param("ta*riff", "'*' is a wildcard only at the end of a term", 3, id="inner wildcard"),
        pytest.param('"a * b"', "'*' is a wildcard only at the end of a term", 4, id="wildcard in phrase"),
        pytest.param("t*", "a wildcard needs at least 2 characters before '*'", 1, id="short wildcard"),
        pytest.param("U.S.*", "'*' must follow a letter or digit", 1, id="wildcard after punctuation"),
        pytest.param("Japan $", "'$' has no letters or digits to search for", 7, id="punctuation only"),
        pytest.param("a NEAR b NEAR c", "only one NEAR or SENT per chain", 10, id="chained NEAR"),
        pytest.param("(a AND b) NEAR c", "NEAR operands must be terms, phrases, wildcards", 1, id="NEAR AND"),
        pytest.param("a NOT b NEAR c", "NEAR operands cannot be negated", 3, id="NOT binds before NEAR"),
        pytest.param("title:a NEAR text:b", "NEAR operands are in different fields", 9, id="NEAR fields"),
        pytest.param("tag:(a NEAR b)", "NEAR cannot be used inside tag:", 8, id="NEAR in metadata"),
        pytest.param("ＴＩＴＥＬ：Japan", "unknown field 'TITEL'", 1, id="full-width field"),
    ],
)
def test_invalid_queries(query: str, message: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as exc:
        parse_query(query)
    assert exc.value.message.startswith(message), exc.value.message
    assert exc.value.column == column
    assert str(exc.value) == f"column {column}: {exc.value.message}"


def test_syntax_error_is_a_value_error() -> None:
    # pydantic validators turn a ValueError into a field error, which the config loader reports.
    assert issubclass(QuerySyntaxError, ValueError)


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        pytest.param("Japan tariff*", ["Japan", "tariff*"], id="all positive"),
        pytest.param('a -"b c" NOT d', ["a"], id="negated left out"),
        pytest.param("a NOT (b -c)", ["a", "c"], id="double negation is positive"),
        pytest.param("(a OR b) NEAR/3 c", ["a", "b", "c"], id="NEAR operands"),
        pytest.param("a a OR A", ["a", "A"], id="repeats once, as written"),
        pytest.param("tag:x a", ["a"], id="metadata is not a term"),
    ],
)
def test_terms_of(query: str, terms: list[str]) -> None:
    assert [t.text for t in terms_of(parse_query(query))] == terms


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        pytest.param("ＦＭＳ", "fms", id="full-width"),
        pytest.param("１兆ドル", "1兆ドル", id="full-width digits"),
        pytest.param("ｶﾞｿﾘﾝ", "ガソリン", id="half-width katakana with voiced mark"),
        pytest.param("ﬁnal", "final", id="ligature"),
        pytest.param("U.S.-Japan", "u.s. japan", id="hyphen is a separator"),
        pytest.param("U.S. \u2013  Japan", "u.s. japan", id="dashes and space runs collapse"),
        pytest.param("Section\n232", "section 232", id="newline"),
        pytest.param("Japan\u2019s", "japan's", id="curly apostrophe"),
        pytest.param("Straße", "strasse", id="casefold"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded

"""The compiled matcher: what matches, where the spans point, why near misses fail (monitor.match.matcher).

The last tests compare it with the naive evaluator (monitor.match.reference) on generated documents and
queries: both must pick the same topics.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from monitor.match.concepts import parse_concept, resolve
from monitor.match.matcher import Doc, Matcher, TopicQuery, fold_with_offsets
from monitor.match.query import TOKEN_RE, QuerySyntaxError, fold, parse_query
from monitor.match.reference import ReferenceMatcher


def matches(query: str, doc: Doc) -> bool:
    m = Matcher([TopicQuery("t", "t", parse_query(query))])
    got = m.match_ids(doc) == ["t"]
    assert got == (ReferenceMatcher([TopicQuery("t", "t", parse_query(query))]).match_ids(doc) == ["t"])
    assert got == bool(m.match(doc)) == m.explain(doc, "t").matched
    return got


def text(s: str, **meta: object) -> Doc:
    return Doc(title="", text=s, **meta)  # type: ignore[arg-type]


JA_SENTENCE = "日本政府は米国の自動車関税について"  # tokens: 日本|政府|は米|国の|自動|車関|税に|つい|て


@pytest.mark.parametrize(
    ("query", "doc", "expected"),
    [
        # phrases
        pytest.param('"Foreign Military Sale"', text("a Foreign Military Sale to"), True, id="phrase"),
        pytest.param(
            '"Foreign Military Sale"', text("Foreign\nMilitary   Sale"), True, id="phrase across newline"
        ),
        pytest.param(
            '"Foreign Military Sale"', text("Foreign-Military Sale"), True, id="phrase across hyphen"
        ),
        pytest.param(
            '"Foreign Military Sale"', text("Foreign Military Sales"), False, id="phrase is whole words"
        ),
        pytest.param(
            '"Foreign Military Sale"', text("Military Foreign Sale"), False, id="phrase keeps order"
        ),
        pytest.param('"Foreign Military Sale*"', text("Foreign Military Sales"), True, id="phrase wildcard"),
        pytest.param('"$1 trillion"', text("pledged US$1 trillion."), True, id="symbols in a phrase"),
        pytest.param('"$1 trillion"', text("pledged $1.5 trillion"), False, id="$1 is not $1.5"),
        pytest.param('"$1 trillion"', text("pledged ¥1 trillion"), False, id="currency is kept"),
        # wildcards
        pytest.param("tariff*", text("Tariffs rise"), True, id="wildcard plural"),
        pytest.param("tariff*", text("tariff-rate quota"), True, id="wildcard before hyphen"),
        pytest.param("tariff*", text("antitariff stance"), False, id="wildcard is a trailing one"),
        pytest.param("Japan*", text("Japanese autos"), True, id="Japan* matches Japanese"),
        # word boundaries
        pytest.param("Japan", text("Japanese autos"), False, id="Japan does not match Japanese"),
        pytest.param("Japan", text("Japan's pledge"), True, id="possessive"),
        pytest.param("Japan", text("Japan’s pledge"), True, id="curly possessive"),
        pytest.param("Japan", text("Japan-based firms"), True, id="before a hyphen"),
        pytest.param("Japan", text("(Japan)"), True, id="inside parentheses"),
        pytest.param("FMS", text("FMSX program"), False, id="no partial words"),
        pytest.param("Japan", text("xJapan"), False, id="boundary check at offset 1"),
        pytest.param("FMS", text("日本へのFMS売却"), True, id="Latin term between CJK"),
        pytest.param("U.S.-Japan", text("the U.S. Japan alliance"), True, id="hyphenated term vs space"),
        pytest.param("U.S.-Japan", text("the U.S.–Japan alliance"), True, id="hyphenated term vs en dash"),
        pytest.param('"U.S. Japan"', text("U.S.-Japan talks"), True, id="spaced phrase vs hyphen"),
        pytest.param("U.S.", text("us officials"), False, id="dots are kept"),
        # a capitalised word "US" is the United States (folded as "u.s."), not in all capitals, not the
        # currency, not the pronoun after a capitalised verb
        pytest.param("U.S.", text("Mazda trims US incentives"), True, id="capitalised US is the U.S."),
        pytest.param('"U.S. LNG"', text("US LNG imports rise"), True, id="capitalised US in a phrase"),
        pytest.param('"US LNG"', text("U.S. LNG imports rise"), True, id="US in a query folds as U.S."),
        pytest.param("U.S.", text("exports to the US."), True, id="US ending a sentence"),
        pytest.param("U.S.", text("CONTACT US"), False, id="US in an all-capitals field"),
        pytest.param("U.S.", text("Please JOIN US for the event"), False, id="US after a shouted verb"),
        pytest.param("U.S.", text("a US$5 billion loan"), False, id="US dollars are not the US"),
        pytest.param("U.S.", text("the yen against the US dollar"), False, id="the US dollar is not the US"),
        pytest.param("U.S.", text("USスチールの買収"), False, id="US inside a word"),
        # a term that starts with katakana does not match right after another katakana letter
        pytest.param("イラン", text("ハイランダーの新型"), False, id="katakana term inside a katakana word"),
        pytest.param(
            "メキシコ", text("ニューメキシコ州の工場"), False, id="katakana term ending a katakana word"
        ),
        pytest.param(
            "ソフトバンク", text("ソフトバンクグループ"), True, id="katakana term starting a katakana word"
        ),
        pytest.param("トヨタ", text("北米トヨタの工場"), True, id="katakana term after kanji"),
        pytest.param("イラン", text("米・イラン協議"), True, id="katakana term after the middle dot"),
        pytest.param("232", text("Section 2320"), False, id="numbers are whole tokens"),
        pytest.param("japan", text("JAPAN"), True, id="case-insensitive"),
        # NFKC
        pytest.param("FMS", text("ＦＭＳ で"), True, id="full-width text"),
        pytest.param("ＦＭＳ", text("FMS case"), True, id="full-width query"),
        pytest.param("1兆ドル", text("１兆ドルの投資"), True, id="full-width digits"),
        pytest.param("1兆ドル", text("約1兆ドル"), True, id="CJK before a Latin edge is a boundary"),
        pytest.param("1兆ドル", text("11兆ドル"), False, id="digit edge needs a boundary"),
        pytest.param("ガソリン", text("ｶﾞｿﾘﾝ価格"), True, id="half-width katakana"),
        pytest.param("final", text("the ﬁnal rule"), True, id="ligature"),
        pytest.param("café", text("Cafe\u0301 talks"), True, id="combining accent"),
        # CJK inside unspaced text
        pytest.param("関税", text(JA_SENTENCE), True, id="CJK term inside a word"),
        pytest.param("自動車関税", text(JA_SENTENCE), True, id="CJK compound"),
        pytest.param("対米投資", text(JA_SENTENCE), False, id="CJK absent"),
        # NEAR in English
        pytest.param(
            "Japan NEAR/3 investment", text("Japan plans large investment"), True, id="NEAR 3 apart"
        ),
        pytest.param(
            "Japan NEAR/2 investment", text("Japan plans large investment"), False, id="NEAR too far"
        ),
        pytest.param(
            "Japan NEAR/3 investment", text("investment plans by Japan"), True, id="NEAR order-free"
        ),
        pytest.param(
            "Japan NEAR/1 investment", text("Japan, investment"), True, id="punctuation is no token"
        ),
        pytest.param(
            "Japan NEAR/3 investment",
            text("Japan said. " + "filler " * 30 + "Japan plans new investment"),
            True,
            id="NEAR uses the closest pair",
        ),
        pytest.param(
            '(Japan OR 日本) NEAR/3 ("U.S. Steel" OR 米国)',
            text("Japan bid for U.S. Steel"),  # japan|bid|for|u|s|steel: 3 apart
            True,
            id="NEAR with phrase alternatives",
        ),
        pytest.param("Japan NEAR/5 tariff*", Doc("Japan", "tariffs"), True, id="NEAR left in headline pairs"),
        pytest.param("tariff* NEAR/5 Japan", Doc("Japan", "tariffs"), False, id="NEAR right in headline not"),
        pytest.param(
            "Japan NEAR/5 tariff*",
            Doc("News", "Japan " + "x " * 9 + "tariffs"),
            False,
            id="NEAR too far in text",
        ),
        pytest.param("title:(Japan NEAR/5 tariff*)", Doc("Japan tariffs", ""), True, id="NEAR in title"),
        # NEAR in Japanese: CJK runs count one token per two characters
        pytest.param("日本 NEAR/5 関税", text(JA_SENTENCE), True, id="Japanese NEAR 5"),
        pytest.param("日本 NEAR/4 関税", text(JA_SENTENCE), False, id="Japanese NEAR 4 fails"),
        pytest.param("関税 NEAR/5 日本", text(JA_SENTENCE), True, id="Japanese NEAR order-free"),
        pytest.param("(Japan OR 日本) NEAR/2 関税", text("日本の関税"), True, id="mixed NEAR"),
        pytest.param("日本 NEAR/1 FMS", text("日本FMS"), True, id="CJK then Latin are adjacent tokens"),
        # NOT and -term
        pytest.param('FMS -"Japan Airlines"', text("FMS for Japan"), True, id="minus absent"),
        pytest.param('FMS -"Japan Airlines"', text("Japan Airlines FMS"), False, id="minus vetoes"),
        pytest.param("FMS NOT Airlines", text("FMS " + "x " * 200 + "Airlines"), False, id="NOT anywhere"),
        pytest.param("Japan -title:Airlines", Doc("Airlines", "Japan"), False, id="scoped NOT"),
        pytest.param("Japan -title:Airlines", Doc("News", "Japan Airlines"), True, id="scoped NOT elsewhere"),
        pytest.param(
            "Japan NOT (Imperial NEAR/1 Japan)",
            text("liberation from Imperial Japan"),
            False,
            id="NOT over NEAR",
        ),
        # field scopes and metadata
        pytest.param("title:tariff*", Doc("Readout", "tariffs"), False, id="title scope misses text"),
        pytest.param("text:tariff*", Doc("Readout", "tariffs"), True, id="text scope"),
        pytest.param("tariff*", Doc("Tariffs", ""), True, id="unscoped sees the title"),
        pytest.param("tag:us-gov Japan", text("Japan", tags=("News", "US-GOV")), True, id="tag exact"),
        pytest.param("tag:us-gov Japan", text("Japan", tags=("us-gov-archive",)), False, id="tag is whole"),
        pytest.param("tag:us* Japan", text("Japan", tags=("us-gov-archive",)), True, id="tag prefix"),
        pytest.param("source:dsca Japan", text("Japan", source="DSCA"), True, id="source case-insensitive"),
        pytest.param("lang:ja 投資", text("投資", lang="ja"), True, id="lang"),
        pytest.param("lang:ja 投資", text("投資", lang=None), False, id="lang unknown"),
        pytest.param("lang:ja OR Japan", text("Japan"), True, id="metadata OR term"),
        pytest.param("Japan -lang:en", text("Japan", lang="en"), False, id="negated metadata"),
        pytest.param("lang:en Japan", text("Japan", lang="en-us"), True, id="lang takes in its region"),
        pytest.param("lang:en-us Japan", text("Japan", lang="en-US"), True, id="lang region exact"),
        pytest.param("lang:en-gb Japan", text("Japan", lang="en-us"), False, id="lang other region"),
        pytest.param("lang:e Japan", text("Japan", lang="en-us"), False, id="lang is a whole subtag"),
        pytest.param("Japan -lang:en", text("Japan", lang="en_US"), False, id="negated lang region"),
    ],
)
def test_match(query: str, doc: Doc, expected: bool) -> None:
    assert matches(query, doc) is expected


def test_japanese_token_positions() -> None:
    """The documented example: 日本|政府|は米|国の|自動|車関|税に|つい|て."""
    tokens = [m.group() for m in TOKEN_RE.finditer(JA_SENTENCE)]
    assert tokens == ["日本", "政府", "は米", "国の", "自動", "車関", "税に", "つい", "て"]
    assert [m.group() for m in TOKEN_RE.finditer(fold("U.S.-Japan FMS売却、2兆ドル"))] == [
        "u", "s", "japan", "fms", "売却", "2", "兆ド", "ル",
    ]  # fmt: skip


# --- spans ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "body", "expected"),
    [
        pytest.param("FMS", "ＦＭＳ売却", [("FMS", "ＦＭＳ")], id="full-width"),
        pytest.param('"final rule"', "The ﬁnal rule", [("final rule", "ﬁnal rule")], id="ligature shrinks"),
        pytest.param("tariff*", "Wait… tariffs… now", [("tariff*", "tariffs")], id="ellipsis grows"),
        pytest.param(
            '"Foreign Military Sale*"',
            "a\n\n Foreign \n Military\t\tSales to",
            [("Foreign Military Sale*", "Foreign \n Military\t\tSales")],
            id="whitespace runs",
        ),
        pytest.param("ガソリン", "ｶﾞｿﾘﾝ価格", [("ガソリン", "ｶﾞｿﾘﾝ")], id="half-width voiced"),
        pytest.param("café", "Ein Cafe\u0301!", [("café", "Cafe\u0301")], id="combining mark"),
        pytest.param("strasse", "Die Straße", [("strasse", "Straße")], id="casefold expands"),
        pytest.param(
            "Japan", "ＪＡＰＡＮ and Japan", [("Japan", "ＪＡＰＡＮ"), ("Japan", "Japan")], id="all hits"
        ),
        pytest.param("株式会社", "トヨタ㍿は", [("株式会社", "㍿")], id="one char to four"),
    ],
)
def test_spans_point_into_the_original(query: str, body: str, expected: list[tuple[str, str]]) -> None:
    (mention,) = Matcher([TopicQuery("t", "t", parse_query(query))]).match(Doc("", body))
    got = [(t.term, t.matched) for t in mention.terms]
    assert got == expected
    for t in mention.terms:
        assert t.field == "text" and body[t.start : t.end] == t.matched


def test_mention_evidence_and_snippet() -> None:
    body = "Intro. " * 60 + "The State Department approved a possible Foreign Military Sale to Japan."
    m = Matcher([TopicQuery("fms", "FMS", parse_query('"Foreign Military Sale" Japan -"Japan Airlines"'))])
    (mention,) = m.match(Doc("Japan – SM-6", body))
    assert mention.topic_id == "fms"
    assert [(t.field, t.term, t.matched) for t in mention.terms] == [
        ("title", "Japan", "Japan"),
        ("text", "Foreign Military Sale", "Foreign Military Sale"),
        ("text", "Japan", "Japan"),
    ]
    assert mention.snippet.startswith("…") and "Foreign Military Sale" in mention.snippet


def test_near_evidence_is_the_pairs_within_distance() -> None:
    m = Matcher([TopicQuery("t", "t", parse_query("Japan NEAR/2 investment"))])
    (mention,) = m.match(Doc("", "Japan said. " + "x " * 20 + "Japan investment"))
    assert [(t.matched, t.start) for t in mention.terms] == [("Japan", 52), ("investment", 58)]


# --- explanations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "doc", "reasons"),
    [
        pytest.param(
            "Japan NEAR/20 investment",
            text("Japan " + "w " * 42 + "investment"),
            ["NEAR/20: 'Japan' and 'investment' are 43 tokens apart"],
            id="NEAR too far",
        ),
        pytest.param(
            '(FMS OR "Foreign Military Sale*") Japan -"Japan Airlines"',
            text("JAPAN AIRLINES buys FMS"),
            ["NOT vetoed by 'JAPAN AIRLINES'"],
            id="NOT veto quotes the text",
        ),
        pytest.param("tariff* Japan", text("Japan news"), ["missing: tariff*"], id="missing term"),
        pytest.param(
            "(tariff* OR 関税) (Japan OR 日本)",
            text("news"),
            ["missing: any of tariff*, 関税", "missing: any of Japan, 日本"],
            id="every failing clause",
        ),
        pytest.param(
            "Japan NEAR/5 (tariff* OR duties)",
            text("Japan news"),
            ["missing: any of tariff*, duties"],
            id="NEAR side missing",
        ),
        pytest.param(
            "tariff* NEAR/5 Japan",
            Doc("Japan", "tariffs"),
            ["NEAR/5: tariff* and Japan never occur together"],
            id="NEAR right operand in the headline",
        ),
        pytest.param("title:Japan", Doc("News", "Japan"), ["missing: title:Japan"], id="scoped term"),
        pytest.param(
            "tag:us-gov Japan",
            text("Japan", tags=("news",)),
            ["missing: tag:us-gov (tag: news)"],
            id="metadata",
        ),
    ],
)
def test_explain_near_misses(query: str, doc: Doc, reasons: list[str]) -> None:
    exp = Matcher([TopicQuery("t", "t", parse_query(query))]).explain(doc, "t")
    assert not exp.matched
    assert list(exp.reasons) == reasons
    assert str(exp).startswith("t: no match")


def test_explain_a_match() -> None:
    m = Matcher([TopicQuery("t", "t", parse_query('(Japan NEAR/3 investment) -"Japan Airlines" tag:us-gov'))])
    exp = m.explain(Doc("", "Japan plans investment", tags=("us-gov",)), "t")
    assert exp.matched
    assert list(exp.reasons) == [  # in the order of the query
        "NEAR/3: 'Japan' and 'investment' are 2 tokens apart in text",
        'absent: "Japan Airlines"',
        "tag:us-gov: yes",
    ]
    assert [t.matched for t in exp.terms] == ["Japan", "investment"]


def test_explain_unknown_topic() -> None:
    with pytest.raises(KeyError, match="unknown topic 'nope'"):
        Matcher([TopicQuery("t", "t", parse_query("a"))]).explain(Doc("", ""), "nope")


def test_topics_keep_their_order_and_ids_are_unique() -> None:
    topics = [TopicQuery(i, i, parse_query(q)) for i, q in (("b", "Japan"), ("a", "Japan*"), ("c", "x"))]
    assert Matcher(topics).match_ids(Doc("Japan", "")) == ["b", "a"]
    with pytest.raises(ValueError, match="duplicate topic ids: b"):
        Matcher([topics[0], topics[0]])


def test_prefilter_skips_topics_without_their_literals() -> None:
    m = Matcher(
        [
            TopicQuery("both", "", parse_query("(tariff* OR duties) AND (Japan OR 日本)")),
            TopicQuery("meta", "", parse_query("source:dsca Japan")),
            TopicQuery("title", "", parse_query("title:Japan tariff*")),
        ]
    )
    assert m.candidates(Doc("", "tariffs on steel")) == []  # Japan missing: not even evaluated
    # a hit inside a longer word ('japan' in 'japanese', 'site' in 'visited') opens no gate
    assert m.candidates(Doc("", "Japanese tariffs")) == []
    assert m.match_ids(Doc("", "Japanese tariffs")) == []
    assert m.candidates(Doc("", "Japan's tariffs")) == ["both"]
    assert m.candidates(Doc("", "Japan", source="state")) == []
    assert m.candidates(Doc("", "Japan", source="dsca")) == ["meta"]
    assert m.candidates(Doc("Japan", "tariffs")) == ["both", "title"]  # gates know the fields
    assert m.candidates(Doc("Tariffs", "Japan")) == ["both"]


def test_prefilter_ignores_a_metadata_leaf_that_no_clause_kept() -> None:
    # "FMS OR (lang:ja AND FMS)": the second branch's clauses are subsumed by the first's, so lang:ja gates
    # nothing; deciding the metadata-gated topic must not look it up (it raised KeyError).
    m = Matcher(
        [
            TopicQuery("sub", "", parse_query("FMS OR (lang:ja AND FMS)")),
            TopicQuery("meta", "", parse_query("source:dsca Japan")),
        ]
    )
    assert m.match_ids(Doc("", "Japan FMS", source="dsca", lang="ja")) == ["sub", "meta"]
    assert m.match_ids(Doc("", "Japan", source="dsca", lang="ja")) == ["meta"]
    assert m.match_ids(Doc("", "Japan", source="state", lang="ja")) == []


def test_prefilter_katakana_start_and_prefix_terms() -> None:
    m = Matcher([TopicQuery("t", "", parse_query("イラン AND (sanction* OR 制裁)"))])
    assert m.candidates(Doc("", "ハイランダーの制裁")) == []  # イラン inside a katakana word
    assert m.candidates(Doc("", "イランへの制裁")) == ["t"]
    assert m.candidates(Doc("", "イラン sanctioned")) == ["t"]  # a prefix term needs no right edge


def test_prefilter_beyond_the_clause_cap_keeps_more_than_one_clause_per_branch() -> None:
    # (a AND b AND c AND d AND e) OR (f AND g AND h AND i AND j): 25 combinations, over the cap of 16.
    # Each branch used to offer one clause (the doc needed only 'alpha' or 'foxtrot'); now several do.
    m = Matcher(
        [
            TopicQuery(
                "t",
                "",
                parse_query("(alpha bravo charlie delta echo) OR (foxtrot golf hotel india juliet)"),
            )
        ]
    )
    assert m.candidates(Doc("", "alpha foxtrot")) == []
    assert m.candidates(Doc("", "alpha bravo charlie delta echo")) == ["t"]
    assert m.candidates(Doc("", "foxtrot golf hotel india juliet")) == ["t"]


def test_bad_query_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(QuerySyntaxError):
        Matcher([TopicQuery("t", "t", parse_query("Japan AND"))])


# --- folding with offsets -------------------------------------------------------------------------------

HOSTILE = (
    "aZ ﬁ…ß㍿ｶﾞﾟＡ５é\u0301\u0308e\u3099か\u1100\u1161\u11a8가 \n\t-—“”’İΣσς日本ー・々①ǅ"
    "\u00a0\u3000\u2028ﾊﾟ𝐀😀x.\u0345\u0f73\u0b47\u0b3e"
)


def test_fold_with_offsets_equals_fold() -> None:
    rng = random.Random(3)
    for _ in range(3000):
        s = "".join(rng.choice(HOSTILE) for _ in range(rng.randint(0, 16)))
        f = fold_with_offsets(s)
        assert f.text == fold(s), repr(s)
        # every folded character maps back inside the original, in order
        prev = 0
        for i in range(len(f.text)):
            start, end = f.original_span(i, i + 1)
            assert 0 <= start <= end <= len(s) and start >= prev - 4, (repr(s), i)
            prev = start


def test_capitalised_us_maps_back_to_the_original() -> None:
    f = fold_with_offsets("Denso  passes US duty on, US$ 5")
    assert f.text == fold("Denso  passes US duty on, US$ 5") == "denso passes u.s. duty on, us$ 5"
    i = f.text.index("u.s.")
    assert f.original_span(i, i + 4) == (14, 16)
    j = f.text.index("duty")
    assert f.original_span(j, j + 4) == (17, 21)


def test_plain_text_needs_no_map() -> None:
    assert fold_with_offsets("Japan pledges $550 billion").maps == ()
    assert fold_with_offsets("日本政府は米国の関税について").maps == ()
    assert fold_with_offsets("U.S.-Japan\ttalks").maps == ()  # separators are replaced one for one
    assert len(fold_with_offsets("two  spaces").maps) == 1


# --- property: the matcher agrees with the naive evaluator ----------------------------------------------

_VOCAB = """
Japan Japanese JAPAN 日本 日本政府 関税 自動車関税 tariff tariffs Tariff-rate investment investments
FMS ＦＭＳ Foreign Military Sale Sales U.S. U.S.-Japan Steel Nippon Airlines Imperial $1 trillion
１兆ドル 1兆ドル 対米投資 the and of a to said — … ﬁnal ｶﾞｿﾘﾝ ガソリン , . ( ) Section 232 LNG
液化天然ガス と の は . 。 ! Mr. Bank Tokyo
"""
VOCAB = _VOCAB.split()
SEPARATORS = [" ", " ", " ", "  ", "\n", "-", "", " – "]
_LEAVES = """
Japan | Japan* | 日本 | 関税 | tariff* | investment | FMS | "Foreign Military Sale*" | U.S.-Japan
| "Nippon Steel" | "Japan Airlines" | "$1 trillion" | 1兆ドル | ガソリン | final | 232 | title:Japan
| text:tariff* | LNG | 液化天然ガス | 対米投資 | Imperial | @jp | @tar | @jp_us | title:@jp
"""
LEAVES = [x.strip() for x in _LEAVES.split("|")]
NEAR_OPERANDS = [x for x in LEAVES if ":" not in x]
CONCEPTS = {
    "jp": parse_concept("jp", "Japan OR 日本 OR Tokyo", ('"Bank of Japan"', '"Japan Airlines"', "日本政府")),
    "tar": parse_concept("tar", "tariff* OR 関税"),
    "jp_us": parse_concept("jp_us", '@jp OR "U.S.-Japan"', ("Imperial Japan",)),
}


def random_doc(rng: random.Random) -> Doc:
    def words(n: int) -> str:
        return "".join(rng.choice(VOCAB) + rng.choice(SEPARATORS) for _ in range(n))

    return Doc(
        title=words(rng.randint(0, 6)),
        text=words(rng.randint(0, 60)),
        source=rng.choice(["dsca", "state", ""]),
        tags=tuple(rng.sample(["us-gov", "news", "trade"], rng.randint(0, 2))),
        lang=rng.choice(["en", "ja", None]),
        implies=frozenset(rng.sample(["jp", "tar", "other"], rng.choice([0, 0, 0, 1]))),
    )


def random_query(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth >= 2 or r < 0.35:
        return rng.choice(LEAVES)
    if r < 0.5:
        a, b, c = (rng.choice(NEAR_OPERANDS) for _ in range(3))
        op = rng.choice([f"NEAR/{rng.randint(1, 8)}", "SENT", "SENT/1"])
        return f"({a} OR {b}) {op} {c}"
    if r < 0.6:
        return f"{random_query(rng, depth + 1)} -{rng.choice(LEAVES)}"
    if r < 0.65:
        return f"{rng.choice(['tag:us-gov', 'source:dsca', 'lang:ja'])} {random_query(rng, depth + 1)}"
    op = rng.choice([" ", " AND ", " OR "])
    return f"({random_query(rng, depth + 1)}{op}{random_query(rng, depth + 1)})"


def test_matcher_agrees_with_the_naive_evaluator() -> None:
    rng = random.Random(11)
    queries: list[str] = []
    while len(queries) < 60:
        q = random_query(rng)
        try:
            parse_query(q)
        except QuerySyntaxError:
            continue  # e.g. an only-negative combination
        queries.append(q)
    topics = [TopicQuery(f"q{i}", q, resolve(parse_query(q), CONCEPTS)) for i, q in enumerate(queries)]
    fast, slow = Matcher(topics), ReferenceMatcher(topics)
    fired = 0
    for _ in range(400):
        doc = random_doc(rng)
        got = fast.match_ids(doc)
        assert got == slow.match_ids(doc), (
            doc,
            [t.title for t in topics if (t.id in got) != (t.id in slow.match_ids(doc))],
        )
        assert got == [m.topic_id for m in fast.match(doc)]
        assert set(got) <= set(fast.candidates(doc))
        fired += len(got)
        for m in fast.match(doc):
            for term in m.terms:
                source = doc.title if term.field == "title" else doc.text
                assert source[term.start : term.end] == term.matched
                assert unicodedata.normalize("NFKC", term.matched) != "" and term.matched.strip() != ""
    for doc in (random_doc(rng) for _ in range(40)):
        ids = fast.match_ids(doc)
        for topic in topics:
            assert fast.explain(doc, topic.id).matched == (topic.id in ids)
    assert fired > 500  # the generator exercises real matches, not only misses


def test_near_miss_prefilter_never_drops_a_near_miss() -> None:
    """The prefilter on near misses (a clause no relaxation opens) is exact on every corpus text, with and
    without the source implying each concept: the same reasons as evaluating every topic in full."""
    from bench.relevance import DEFAULT_CORPUS, DEFAULT_FEEDS, load_corpus
    from monitor.config.loader import load_config
    from monitor.match.topics import concept_defs, topic_query

    config = load_config(DEFAULT_FEEDS)
    defs = concept_defs(config.concepts)
    matcher = Matcher([TopicQuery(t.id, t.title or t.id, topic_query(t, defs)) for t in config.topics])
    full = Matcher([TopicQuery(t.id, t.title or t.id, topic_query(t, defs)) for t in config.topics])
    full._open_bits = lambda _st: -1  # type: ignore[method-assign]  # every clause "opens": no prefilter
    ids = list(matcher.topic_ids)
    seen = 0
    for e in load_corpus(DEFAULT_CORPUS):
        for implies in (frozenset(), frozenset({"japan"}), frozenset({"us"})):
            doc = Doc(e.title, e.text, e.source, (), e.lang, implies)
            expected = full.near_misses(doc, ids)
            assert matcher.near_misses(doc, ids) == expected, e.id
            seen += bool(expected)
    assert seen > 50  # the corpus has near misses of both kinds to compare

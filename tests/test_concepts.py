"""Named concepts, masks, implied concepts, SENT and the headline as subject (monitor.match.concepts,
monitor.match.matcher), their config errors, and near misses."""

from __future__ import annotations

import textwrap

import pytest

from monitor.config.loader import load_config_text
from monitor.errors import ConfigError
from monitor.match.concepts import ConceptError, parse_concept, resolve
from monitor.match.matcher import Doc, Matcher, TopicQuery
from monitor.match.query import QuerySyntaxError, parse_query, sentence_starts, unparse
from monitor.match.reference import ReferenceMatcher

CONCEPTS = {
    "japan": parse_concept(
        "japan",
        "Japan OR Japanese OR Tokyo OR 日本 OR @japan_gov",
        ("Bank of Japan", "Japan Airlines", "Imperial Japan", "旧日本軍", "日本銀行"),
    ),
    "japan_gov": parse_concept("japan_gov", '"Ministry of Defense" OR 防衛省 OR Kantei'),
    "tariff": parse_concept("tariff", "tariff* OR levy OR levies OR 関税"),
    "us": parse_concept("us", '"U.S." OR "United States" OR 米国'),
    "deal": parse_concept("deal", "@tariff AND (deal OR agreement)"),
}


def fires(query: str, doc: Doc) -> bool:
    node = resolve(parse_query(query), CONCEPTS)
    topics = [TopicQuery("t", "t", node)]
    fast = Matcher(topics)
    got = fast.match_ids(doc) == ["t"]
    assert got == (ReferenceMatcher(topics).match_ids(doc) == ["t"])  # the executable specification
    assert got == bool(fast.match(doc)) == fast.explain(doc, "t").matched
    if got:
        assert "t" in fast.candidates(doc)  # the prefilter never drops a match
    return got


def text(s: str, *, title: str = "", implies: tuple[str, ...] = ()) -> Doc:
    return Doc(title=title, text=s, implies=frozenset(implies))


@pytest.mark.parametrize(
    ("query", "doc", "expected"),
    [
        pytest.param("@japan @tariff", text("Japan faces new tariffs"), True, id="concepts as terms"),
        pytest.param("@japan @tariff", text("Tokyo objects to the levy"), True, id="synonyms in concepts"),
        pytest.param("@japan", text("the Ministry of Defense said"), True, id="nested concept"),
        # masks: a masked occurrence is ignored, the rest of the item still counts
        pytest.param("@japan @tariff", text("Bank of Japan data show tariffs bite"), False, id="masked only"),
        pytest.param(
            "@japan @tariff",
            text("Bank of Japan data show the tariffs on Japan bite"),
            True,
            id="mask does not veto the item",
        ),
        pytest.param("@japan", text("旧日本軍の記録"), False, id="Japanese mask"),
        pytest.param("@japan", text("旧日本軍の記録と日本政府"), True, id="Japanese mask, other 日本 counts"),
        pytest.param("@japan", text("Japan Airlines flights"), False, id="mask applies to nested terms too"),
        pytest.param("Japan", text("Bank of Japan"), True, id="a bare term has no mask"),
        pytest.param("@japan NEAR/3 @tariff", text("Bank of Japan tariffs"), False, id="masked in NEAR"),
        # implied concepts
        pytest.param("@japan @tariff", text("関税措置について", implies=("japan",)), True, id="implied"),
        pytest.param("@japan @tariff", text("tariffs", implies=("japan_gov",)), True, id="nested implied"),
        pytest.param(
            "@japan NEAR/3 @tariff",
            text("word " * 30 + "関税", implies=("japan",)),
            True,
            id="implied side of NEAR is everywhere",
        ),
        pytest.param(
            "@japan NEAR/3 @tariff", text("no such words", implies=("japan",)), False, id="other side needed"
        ),
        pytest.param("@deal", text("a tariff agreement"), True, id="concept with AND"),
        pytest.param("title:@japan @tariff", text("Japan tariffs", title="News"), False, id="scoped concept"),
        pytest.param("title:@japan @tariff", text("tariffs", title="Tokyo says"), True, id="scoped in title"),
        pytest.param(
            "title:@japan @tariff",
            text("tariffs", title="News", implies=("japan",)),
            True,
            id="scoped implied",
        ),
        pytest.param(
            "title:@japan @tariff", text("tariffs", title="Bank of Japan"), False, id="scoped masked"
        ),
        pytest.param("@japan -@us", text("Japan acts", implies=("us",)), False, id="NOT over implied"),
        # SENT
        pytest.param(
            "@japan SENT @tariff", text("Japan said. Tariffs rose."), False, id="SENT other sentence"
        ),
        pytest.param("@japan SENT/1 @tariff", text("Japan said. Tariffs rose."), True, id="SENT/1 adjacent"),
        pytest.param(
            "@japan SENT/1 @tariff", text("Japan said. Nothing. Tariffs rose."), False, id="SENT/1 two apart"
        ),
        pytest.param(
            "@japan SENT @tariff",
            text("Japan and the U.S. agreed on Mr. Smith's tariffs."),
            True,
            id="abbreviations do not end sentences",
        ),
        pytest.param("@japan SENT @tariff", text("日本は発表した。関税は"), False, id="。 ends a sentence"),
        pytest.param("@japan SENT/1 @tariff", text("日本は発表した。関税は"), True, id="Japanese adjacent"),
        pytest.param(
            "@japan SENT @tariff",
            text("Japan " + "and more words " * 20 + "tariffs"),
            True,
            id="SENT ignores token counts",
        ),
        # the headline is the subject of the text
        pytest.param(
            "@japan NEAR/3 @tariff",
            text("Officials said " + "x " * 20 + "the levy rises", title="Japan braces"),
            True,
            id="actor in the headline pairs with the body",
        ),
        pytest.param(
            "@tariff NEAR/3 @japan",
            text("Officials said " + "x " * 20 + "tariffs rise", title="Japan braces"),
            False,
            id="only the left operand in the headline",
        ),
    ],
)
def test_concepts(query: str, doc: Doc, expected: bool) -> None:
    assert fires(query, doc) is expected


def test_unparse_shows_concepts_not_their_terms() -> None:
    node = resolve(parse_query("(@japan OR Nippon) SENT/1 @tariff"), CONCEPTS)
    assert unparse(node) == "((Nippon OR @japan) SENT/1 @tariff)"


def test_resolution_errors() -> None:
    with pytest.raises(ConceptError, match="unknown concept @japn \\(did you mean @japan\\?\\)"):
        resolve(parse_query("@japn"), CONCEPTS)
    with pytest.raises(ConceptError, match="@deal cannot be a NEAR/SENT operand"):
        resolve(parse_query("@deal NEAR/5 Japan"), CONCEPTS)
    loop = {"a": parse_concept("a", "x OR @b"), "b": parse_concept("b", "@a")}
    with pytest.raises(ConceptError, match="concept cycle: @a -> @b -> @a"):
        resolve(parse_query("@a"), loop)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        pytest.param("@Japan", "'@Japan' is not a concept name", id="upper case"),
        pytest.param("source:@japan", "a concept cannot be scoped with source:", id="meta-scoped"),
        pytest.param("a SENT/x b", "SENT needs a distance, e.g. SENT/1", id="bad SENT"),
        pytest.param("a SENT b NEAR c", "only one NEAR or SENT per chain", id="chained"),
    ],
)
def test_syntax_errors(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert info.value.message.startswith(message)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        pytest.param("One. Two! Three? Four", ["one. ", "two! ", "three? ", "four"], id="English"),
        pytest.param("The U.S. and Mr. Abe met. Then", ["the u.s. and mr. abe met. ", "then"], id="abbrev"),
        pytest.param("A 2.5% rate. Next", ["a 2.5% rate. ", "next"], id="decimal"),
        pytest.param("日本。米国！関税？了", ["日本。", "米国!", "関税?", "了"], id="Japanese"),
        pytest.param('He said "no tariffs." Then', ['he said "no tariffs." ', "then"], id="closing quote"),
    ],
)
def test_sentences(text: str, sentences: list[str]) -> None:
    from monitor.match.query import fold

    f = fold(text)
    starts = sentence_starts(f)
    assert [f[a:b] for a, b in zip(starts, [*starts[1:], len(f)], strict=True)] == sentences


def test_near_misses_say_what_was_lacking() -> None:
    topics = [
        TopicQuery("near", "near", resolve(parse_query("@japan NEAR/3 @tariff"), CONCEPTS)),
        TopicQuery("both", "both", resolve(parse_query("@us @tariff"), CONCEPTS)),
    ]
    m = Matcher(topics)
    far = text("Japan said " + "many words " * 10 + "tariffs were set", title="Trade")
    assert m.near_misses(far, ["near", "both"]) == {
        "near": "too far apart: NEAR/3: 'Japan' and 'tariffs' are 22 tokens apart",
        "both": "no @us; the rest of the topic holds",
    }
    no_us = text("Canada tariffs", title="Trade")
    assert m.near_misses(no_us, ["both"]) == {"both": "no @us; the rest of the topic holds"}
    explained = m.explain(far, "near")
    assert explained.closest == ("NEAR/3: 'Japan' and 'tariffs' are 22 tokens apart",)


def test_near_misses_assume_only_actors_and_never_the_headline_subject() -> None:
    """With actors named, only they are assumed ("no @tariff" on any Japan item is noise), and an
    assumed actor does not satisfy title:@actor: a title naming another country stays that country's."""
    query = "(@japan SENT/1 @tariff) AND (title:@japan OR NOT title:Canada)"
    topics = [TopicQuery("t", "t", resolve(parse_query(query), CONCEPTS))]
    every, actors = Matcher(topics), Matcher(topics, actors=frozenset({"japan"}))
    japan_only = text("Japan's economy grew, the Cabinet Office said.", title="Japan economy grows")
    assert every.near_misses(japan_only, ["t"]) == {"t": "no @tariff; the rest of the topic holds"}
    assert actors.near_misses(japan_only, ["t"]) == {}
    other_title = text("Ottawa will retaliate against the tariff.", title="Canada hit with U.S. tariff")
    assert actors.near_misses(other_title, ["t"]) == {}
    plain_title = text("Carmakers said the tariff will hurt exports.", title="Exports slow")
    assert actors.near_misses(plain_title, ["t"]) == {"t": "no @japan; the rest of the topic holds"}
    # A source that implies the actor still makes title:@japan hold (the source is the subject).
    implied = Doc(
        title="Canada hit with U.S. tariff", text="The tariff will hurt.", implies=frozenset({"japan"})
    )
    assert actors.match_ids(implied) == ["t"]


CONFIG = """
sources:
  - id: kantei
    url: https://k.example/feed
    implies: [japan, japn]
concepts:
  japan:
    query: Japan OR 日本 OR @tokyo
    mask: [Bank of Japan]
  tokyo: Tokyo OR @japan
  tariff: tariff* OR 関税
  deal: "@tariff AND deal"
topics:
  - id: t
    query: "@japan AND @tarif"
  - id: u
    query: "@deal NEAR/5 Japan"
"""


def test_config_errors_have_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(CONFIG).lstrip("\n"))
    assert info.value.problems == [
        "feeds.yaml:4 sources[0].implies[1]: unknown concept @japn (did you mean @japan?)",
        "feeds.yaml:7 concepts.japan.query: concept cycle: @japan -> @tokyo -> @japan",
        "feeds.yaml:9 concepts.tokyo: concept cycle: @tokyo -> @japan -> @tokyo",
        "feeds.yaml:14 topics[0].query: unknown concept @tarif (did you mean @tariff?)",
        "feeds.yaml:16 topics[1].query: @deal cannot be a NEAR/SENT operand: it is not an OR of terms and "
        "phrases (use it outside the NEAR, or split it into two concepts)",
    ]


def test_a_good_config_compiles_concepts() -> None:
    good = (
        textwrap.dedent(CONFIG).replace(" OR @tokyo", "").replace(", japn", "").replace('@tarif"', '@tariff"')
    )
    cfg = load_config_text(good.replace("@deal NEAR/5 Japan", "@deal Japan"))
    assert cfg.sources[0].implies == ("japan",)
    assert set(cfg.concepts) == {"japan", "tokyo", "tariff", "deal"}
    assert cfg.concepts["japan"].mask == ("Bank of Japan",)
    assert cfg.concepts["tariff"].query == "tariff* OR 関税"


def test_the_reference_matcher_compiles_each_term_and_mask_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A concept's masks ride on every one of its terms, and a concept is used in many places: the
    executable specification compiles each distinct pattern once (compiling per use took bench/replay.py's
    baseline on the shipped topics from seconds to no end)."""
    from monitor.match import reference

    calls: list[object] = []
    real = reference.term_pattern

    def counting(t: object, **kw: bool) -> object:
        calls.append(t)
        return real(t, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(reference, "term_pattern", counting)
    defs = {
        "state": parse_concept("state", "Japan OR Tokyo OR Kantei", ("Bank of Japan", "Tokyo Disneyland")),
    }
    node = resolve(parse_query("(@state @state) OR (@state NEAR/5 levy) OR (tariff AND @state)"), defs)
    ReferenceMatcher([TopicQuery("t", "t", node)])
    # 3 state terms and "levy" and "tariff" (search + overlapping each), 2 masks (overlapping): 12 at most.
    assert len(calls) == 12


def test_a_mask_matches_inside_a_katakana_word() -> None:
    """The katakana-start rule (イラン not in ハイランダー) is for terms; a mask phrase still masks inside a
    longer katakana word (アクセス米 in ミニマムアクセス米), in the matcher and the reference alike."""
    defs = {"us": parse_concept("us", "米 OR 米国", ("アクセス米",))}
    node = resolve(parse_query("@us AND 関税"), defs)
    doc = Doc("", "ミニマムアクセス米の関税枠", "", (), None, frozenset())
    assert Matcher([TopicQuery("t", "t", node)]).match_ids(doc) == []
    assert ReferenceMatcher([TopicQuery("t", "t", node)]).match_ids(doc) == []
    doc = Doc("", "米国の関税", "", (), None, frozenset())
    assert Matcher([TopicQuery("t", "t", node)]).match_ids(doc) == ["t"]

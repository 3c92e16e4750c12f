from __future__ import annotations

import pytest

from monitor.config.schema import Topic
from monitor.match.snippet import lead_start, snippet
from monitor.match.topics import TopicMatcher, keywords_query

TOPICS = TopicMatcher(
    [
        Topic(
            id="fms-japan",
            keywords=("Foreign Military Sale", "FMS", "対外有償軍事援助"),
            requires=(("Japan", "日本"),),
            excludes=("Japan Airlines",),
        ),
        Topic(
            id="tariffs", keywords=("tariff*", "Section 232", "関税"), requires=(("Japan*", "日本", "日米"),)
        ),
    ]
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        pytest.param(
            "Japan – SM-6 Block IA",
            "approving a possible Foreign Military Sale to the Government of Japan",
            ["fms-japan"],
            id="DSCA wording for Japan",
        ),
        pytest.param(
            "Poland – AIM-120",
            "a possible Foreign Military Sale to the Government of Poland",
            [],
            id="FMS notice for another country does not fire",
        ),
        pytest.param("ＦＭＳ で 日本 に", "", ["fms-japan"], id="full-width FMS and Japanese, NFKC"),
        pytest.param("Japan Airlines FMS upgrade", "", [], id="excluded phrase vetoes"),
        pytest.param("Tariffs on Japanese autos", "", ["tariffs"], id="wildcards on both sides"),
        pytest.param("自動車関税で日米合意", "", ["tariffs"], id="CJK terms match inside unspaced text"),
        pytest.param("Tariff talks", "with Canada and Mexico", [], id="requires group unmet"),
        pytest.param(
            "Section  232 review", "imports from Japan", ["tariffs"], id="phrase across double space"
        ),
        pytest.param("FMSX Japan", "", [], id="whole words only for Latin terms"),
        pytest.param("Japan and tariff and FMS", "", ["fms-japan", "tariffs"], id="two topics"),
    ],
)
def test_match_topics(title: str, text: str, expected: list[str]) -> None:
    assert [m.topic_id for m in TOPICS.match(title=title, text=text)] == expected


def test_terms_and_spans_are_evidence() -> None:
    (m,) = TOPICS.match(title="Japan", text="a possible Foreign Military Sale to Japan")
    text_terms = [t for t in m.terms if t.field == "text"]
    assert [(t.term, t.matched) for t in text_terms] == [
        ("Foreign Military Sale", "Foreign Military Sale"),
        ("Japan", "Japan"),
    ]
    source = "a possible Foreign Military Sale to Japan"
    assert all(source[t.start : t.end] == t.matched for t in text_terms)
    assert "Foreign Military Sale" in m.snippet


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        pytest.param("", [], "", id="empty"),
        pytest.param("short text", [(0, 5)], "short text", id="fits"),
        pytest.param(
            "word " * 100 + "TARGET" + " word" * 100, [(500, 506)], None, id="window around the hit"
        ),
    ],
)
def test_snippet(text: str, spans: list[tuple[int, int]], expected: str | None) -> None:
    got = snippet(text, spans, width=100)
    if expected is not None:
        assert got == expected
    else:
        assert "TARGET" in got and got.startswith("…") and got.endswith("…") and len(got) <= 102


_HEADER = "Briefings & StatementsJoint Statement on U.S.-Japan Investment The White House November 24, 2026"
_BODY = (
    "The United States of America and Japan today reaffirm their alliance and announce a new era of "
    "economic partnership, with Japan investing $1 trillion in the United States."
)


@pytest.mark.parametrize(
    ("text", "title", "body_starts"),
    [
        pytest.param(_BODY, "", _BODY[:30], id="prose from the first word"),
        pytest.param(
            f"{_HEADER} {_HEADER} {_HEADER} Briefings & Statements The White House November 24, 2026 {_BODY}",
            "",
            _BODY[:30],
            id="a header three times, then a shortened copy (glued words too)",
        ),
        pytest.param(f"{_HEADER} {_HEADER} {_BODY}", "", _BODY[:30], id="a header twice"),
        pytest.param(
            f"Japan buys SM-6. {_BODY}", "Japan buys SM-6.", _BODY[:30], id="the title echoed first"
        ),
        pytest.param(
            "Japan and the United States agree. The United States and Japan will meet. "
            "The United States and Japan will meet again in Tokyo, officials said on Tuesday in Washington.",
            "",
            "Japan and the United States",
            id="a phrase repeated in prose is not a header",
        ),
        pytest.param("word " * 200, "", "word word", id="one word repeated is not a header"),
        pytest.param(f"{_HEADER} {_HEADER} short body", "", "Briefings", id="no body left: nothing cut"),
        pytest.param(
            "日米首脳会談を行いました。" * 3 + "両首脳は共同声明を歓迎しました。", "", "日米", id="Japanese"
        ),
        pytest.param(
            "Media/Public Contact: T_Outreach_PM@state.gov Transmittal No. 26-61 WASHINGTON, November 24, "
            f"2026 - {_BODY}",
            "",
            "WASHINGTON, November 24, 2026 - The United",
            id="contact lines before a dated dateline",
        ),
        pytest.param(
            f"Home > News > Trade TOKYO, Dec 5 (Reuters) - {_BODY}",
            "",
            "TOKYO, Dec 5 (Reuters) - The",
            id="breadcrumbs before a wire dateline",
        ),
        pytest.param(
            f"Economy | Nikkei Asia TOKYO -- {_BODY}", "", "TOKYO -- The", id="section name before TOKYO --"
        ),
        pytest.param(f"TOKYO -- {_BODY}", "", "TOKYO -- The", id="a dateline first stays"),
        pytest.param(
            f"Japan and the US said the USTR - {_BODY}",
            "",
            "Japan and the US",
            id="capitals and a dash without a date or agency are prose",
        ),
        pytest.param(
            f"Tokyo welcomed the U.S. -- {_BODY}", "", "Tokyo welcomed", id="an aside after U.S. is prose"
        ),
        pytest.param(
            f"{_BODY} Officials said more would follow. " * 2 + "WASHINGTON, Nov 3 - a later dateline.",
            "",
            "The United States",
            id="a dateline past the opening is not the start",
        ),
    ],
)
def test_lead_start_skips_chrome_not_prose(text: str, title: str, body_starts: str) -> None:
    assert text[lead_start(text, title) :].startswith(body_starts)


def test_a_dsca_notices_snippet_starts_at_its_dateline_and_reads_the_sale_whole() -> None:
    text = (
        "Media/Public Contact: T_Outreach_PM@state.gov Transmittal No. 26-61 WASHINGTON, November 24, 2026 - "
        "The State Department has made a determination approving a possible Foreign Military Sale to the "
        "Government of Japan of Standard Missile-6 (SM-6) Block IA missiles and related equipment for an "
        "estimated cost of $1.0 billion. The Government of Japan has requested to buy up to 150 missiles."
    )
    hit = text.index("Foreign Military Sale")
    got = snippet(text, [(text.index("Transmittal"), text.index("Transmittal") + 11), (hit, hit + 21)])
    assert got.startswith("…WASHINGTON, November 24, 2026 - The State Department has made")
    assert "Foreign Military Sale to the Government of Japan" in got and "Media/Public" not in got


def test_snippet_starts_at_the_body_and_skips_matches_in_the_header() -> None:
    text = f"{_HEADER} {_HEADER} {_HEADER} {_BODY}"
    in_header = text.index("Japan")
    in_body = text.index("Japan investing")
    got = snippet(text, [(in_header, in_header + 5), (in_body, in_body + 5)], width=120)
    assert "Japan investing" in got and "Briefings" not in got
    assert snippet(text, [(in_header, in_header + 5)], width=120).startswith("…The United States of America")


@pytest.mark.parametrize(
    ("keywords", "requires", "excludes", "query"),
    [
        pytest.param(["FMS"], [], [], "(FMS)", id="one word"),
        pytest.param(
            ["Foreign Military Sale", "tariff*"],
            [["Japan", "日本"]],
            ["Japan Airlines"],
            '("Foreign Military Sale" OR tariff*) AND (Japan OR 日本) AND NOT ("Japan Airlines")',
            id="phrases, wildcards, groups, exclusions",
        ),
        pytest.param(["and"], [], [], '("and")', id="an operator word is quoted"),
    ],
)
def test_keywords_query(
    keywords: list[str], requires: list[list[str]], excludes: list[str], query: str
) -> None:
    assert keywords_query(keywords, requires, excludes) == query

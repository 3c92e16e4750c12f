"""Story clustering (``monitor.stories``): which items join a story, and why.

The texts are modelled on the demo's phase 2 (``monitor.demo.content``) as the feed adapter hands them
over (HTML stripped, whitespace collapsed, the White House scraper's repeated header included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from bench.stories_planted import evaluate, make_corpus, pressmon_method
from monitor.config.schema import Source
from monitor.demo.content import DEMO_SOURCES, demo_sources_yaml, render
from monitor.model import FetchOutcome, FetchResult
from monitor.sources.dispatch import read_source
from monitor.stories import StoryCandidate, StoryProbe, decide_story
from monitor.story_index import MemoryIndex
from monitor.story_signature import signature
from monitor.story_text import MIN_SHINGLES, SKETCH_SIZE, fingerprint, is_short, similarity, title_similarity

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)

_JOINT_CORE = (
    "Japan will invest $1 trillion in the United States by January 19, 2029, in projects selected by an "
    "Investment Committee chaired by the United States Secretary of Commerce, in energy, semiconductors, "
    "critical minerals, pharmaceuticals, shipbuilding, and artificial intelligence infrastructure. The "
    "United States will receive 90 percent of the profits once Japan has recovered its investment."
)
_WH_HEADER = "Briefings & StatementsJoint Statement on U.S.-Japan InvestmentThe White HouseNovember 24, 2026"
WH_JOINT_TITLE = "Joint Statement on U.S.-Japan Investment"
WH_JOINT = (
    f"{_WH_HEADER} {_WH_HEADER} {_WH_HEADER} Briefings & Statements The White HouseNovember 24, 2026 "
    "The United States of America and Japan today reaffirm their alliance and announce a new era of "
    f"economic partnership. {_JOINT_CORE} Under the agreement, the United States will maintain a tariff "
    "ceiling of 15 percent on imports from Japan, inclusive of existing most-favored-nation duties, and "
    "Japan will expand purchases of U.S. energy, including liquefied natural gas. The two leaders will "
    "meet again in Tokyo in the spring of 2027 to review progress."
)
# The wire story quotes about half of the statement: Jaccard ~0.3, far from a "near-duplicate" by the
# textbook SimHash measure (30 of 64 bits differ), but the same story.
KYODO_TITLE = "Japan pledges $1 trillion in U.S. investment in joint statement"
KYODO = (
    "WASHINGTON (Kyodo) -- Japan and the United States issued a joint statement on U.S.-Japan investment "
    f"on Tuesday. According to the statement, {_JOINT_CORE[0].lower()}{_JOINT_CORE[1:]} The pledge nearly "
    "doubles the $550 billion Tokyo agreed to last year in exchange for a 15% tariff on Japanese cars."
)
TARIFF_TITLE = (
    "Notice of Modification of Section 232 and Reciprocal Tariff Actions To Implement the Agreement on "
    "Trade and Investment Between the United States and Japan"
)
TARIFF = (
    "The Office of the United States Trade Representative (USTR) is modifying the Harmonized Tariff "
    "Schedule of the United States (HTSUS) to implement the Agreement on Trade and Investment Between the "
    "United States and Japan. Effective for goods entered on or after December 1, 2026, imports of "
    "passenger vehicles and auto parts from Japan that are subject to Section 232 tariffs will be subject "
    "to a combined tariff rate of 15 percent, and the reciprocal tariff on other imports from Japan will "
    "not exceed 15 percent inclusive of most-favored-nation duties."
)
LNG_TITLE = "Japan to buy more U.S. LNG as part of tariff deal"
LNG = (
    "TOKYO -- Japanese utilities and trading houses will sign long-term contracts for about 7 million tons "
    "a year of U.S. liquefied natural gas, government officials said, as Tokyo moves to secure the 15% "
    "tariff rate on autos agreed with Washington."
)
# Japanese: the same government announcement as NHK (polite style) and Kyodo (plain style) write it.
NHK_JA_TITLE = "日米首脳が電話会談 対米投資1兆ドルの共同声明を歓迎"
NHK_JA = (
    "政府は25日、日米首脳による電話会談が行われ、日本が1兆ドル規模の対米投資を行うとする共同声明を両首脳が"
    "歓迎したと発表しました。投資はアメリカの商務長官が議長を務める投資委員会が選ぶ事業に充てられ、エネルギー"
    "や半導体、重要鉱物、医薬品、造船、人工知能のインフラなどが対象となります。また両首脳は、自動車関税を含む"
    "日米間の関税措置を着実に実施していくことを確認しました。"
)
KYODO_JA_TITLE = "日米首脳、対米投資の共同声明歓迎 関税措置の着実な実施確認"
KYODO_JA = (
    "政府は25日、日米首脳が電話で会談し、日本による1兆ドル規模の対米投資に関する共同声明を両首脳が歓迎したと"
    "発表した。投資は米商務長官が議長を務める投資委員会が選定する事業に充てられ、エネルギーや半導体、重要鉱物、"
    "医薬品、造船、人工知能（AI）インフラなどが対象となる。両首脳は自動車関税を含む日米間の関税措置を着実に"
    "実施することも確認した。"
)
NHK_JA_LNG_TITLE = "LNG 米国産の長期契約 年700万トンで調整"
NHK_JA_LNG = (
    "経済産業省によりますと、日本の電力会社や商社はアメリカ産の液化天然ガス（LNG）について、年間およそ700万"
    "トンを長期契約で購入する方向で調整しています。自動車関税の15%を確実にするためで、政府は25日、関係企業と"
    "会合を開きました。"
)
KYODO_JA_TARIFF_TITLE = "米、日本車関税15%に 12月1日から"
KYODO_JA_TARIFF = (
    "米政府は25日、日本から輸入する自動車と自動車部品への関税を12月1日から15%に引き下げると官報で公示した。"
    "日米合意を履行する措置で、その他の品目に対する相互関税も最恵国待遇税率を含めて15%を上限とする。"
)


@dataclass(frozen=True)
class Seen:
    """An item already clustered: story ``story_id``, first seen ``hours`` after T0."""

    story_id: int
    source_id: str
    title: str
    text: str
    hours: float = 0.0

    def candidate(self) -> StoryCandidate:
        return StoryCandidate(
            story_id=self.story_id,
            fingerprint=fingerprint(self.title, self.text),
            first_seen_at=T0 + timedelta(hours=self.hours),
            source_id=self.source_id,
            title=self.title,
            signature=signature(self.title, self.text),
        )


def _assign(source_id: str, title: str, text: str, hours: float, seen: list[Seen]) -> tuple[int | None, str]:
    probe = StoryProbe(fingerprint(title, text), title, source_id, signature(title, text))
    d = decide_story(probe, [s.candidate() for s in seen], seen_at=T0 + timedelta(hours=hours))
    return d.story_id, d.reason


WH = Seen(12, "whitehouse", WH_JOINT_TITLE, WH_JOINT)
KYODO_SEEN = Seen(40, "nikkei", KYODO_TITLE, KYODO, hours=23)
TARIFF_SEEN = Seen(21, "federal-register", TARIFF_TITLE, TARIFF, hours=11)
NHK_SEEN = Seen(30, "nhk", NHK_JA_TITLE, NHK_JA, hours=2)


# (new item: source, title, text, hours after T0), already seen, expected story, words in the reason
CASES = [
    pytest.param(
        ("nikkei", KYODO_TITLE, KYODO, 23.2), [WH], 12, ["shares wording with story 12", "from whitehouse"],
        id="Kyodo wire copy quoting the joint statement joins it",
    ),
    pytest.param(
        ("whitehouse", WH_JOINT_TITLE, WH_JOINT, 24), [KYODO_SEEN], 40, ["story 40", "from nikkei"],
        id="and the other way round",
    ),
    pytest.param(
        ("state", "United States and Japan Announce $1 Trillion Investment Partnership", WH_JOINT, 5),
        [WH], 12, ["same text as story 12 (similarity 1.00)"],
        id="the same statement under a rewritten headline joins",
    ),
    pytest.param(
        ("nikkei", LNG_TITLE, LNG, 12), [TARIFF_SEEN], None,
        ["closest is story 21", "shares tariff:15, product:autos, country:japan"],
        id="Japan tariffs notice vs Japan LNG news of the same day: only topic words shared, no join",
    ),
    pytest.param(
        ("federal-register", TARIFF_TITLE, TARIFF, 12), [WH, KYODO_SEEN], None, ["closest is"],
        id="tariff notice vs the investment statement and its copy: no join",
    ),
    pytest.param(
        ("whitehouse", WH_JOINT_TITLE, WH_JOINT.replace("spring of 2027", "Spring of 2027"), 30), [WH], 12,
        ["re-post of story 12", "same source", "from whitehouse"],
        id="same-source re-post joins",
    ),
    pytest.param(
        ("whitehouse", WH_JOINT_TITLE, WH_JOINT.replace("new era", "new age").replace("Tokyo", "Kyoto"), 30),
        [WH], 12, ["re-post of story 12"],
        id="same-source re-post with two words corrected joins",
    ),
    pytest.param(
        ("whitehouse", "Joint Statement on U.S.-Japan Investment (excerpt)", KYODO, 30), [WH], None,
        ["story 12 from whitehouse", "another text of its source"],
        id="same source, only half the text shared: no join",
    ),
    pytest.param(
        ("nikkei", KYODO_TITLE, KYODO, 72.5), [WH], None, ["no candidate within 72h"],
        id="outside the 72h window: no join",
    ),
    pytest.param(
        ("nikkei", KYODO_TITLE, KYODO, 71.9), [WH], 12, ["shares wording with story 12"],
        id="just inside the window: joins",
    ),
    pytest.param(
        ("nikkei", KYODO_TITLE, KYODO, 1), [], None, ["no candidate within 72h"], id="no candidates at all"
    ),
    pytest.param(
        ("kyodo-ja", KYODO_JA_TITLE, KYODO_JA, 3), [NHK_SEEN], 30, ["shares wording with story 30", "from nhk"],
        id="Japanese: NHK and Kyodo style rewrites join",
    ),
    pytest.param(
        ("kyodo-ja", KYODO_JA_TARIFF_TITLE, KYODO_JA_TARIFF, 3),
        [Seen(31, "nhk", NHK_JA_LNG_TITLE, NHK_JA_LNG), NHK_SEEN], None, ["closest is"],
        id="Japanese: tariffs vs LNG vs the investment statement: no join",
    ),
    pytest.param(
        ("kyodo", "Japan pledges $1 trillion in U.S. investment, joint statement says", "", 2),
        [Seen(7, "nikkei", KYODO_TITLE, "", hours=1)], 7,
        ["same headline as story 7", "headline similarity 0.91", "signature agrees: USD:1.0e+12"],
        id="headline-only items: near-identical titles join",
    ),
    pytest.param(
        ("kyodo", KYODO_TITLE, "The statement was issued in Washington.", 2),
        [Seen(7, "nikkei", WH_JOINT_TITLE, KYODO, hours=1)], 7, ["same headline as story 7", "signature agrees"],
        id="a short text against a long one: a similar headline joins when the signatures agree",
    ),
    pytest.param(
        ("kyodo", "Japan pledges $2 trillion in U.S. investment in joint statement",
         "The statement was issued in Washington.", 2),
        [Seen(7, "nikkei", WH_JOINT_TITLE, KYODO, hours=1)], None, ["facts differ", "amounts differ"],
        id="... and never when they disagree",
    ),
    pytest.param(
        ("federal-register", "Arms Sales Notification", "Transmittal No. 26-31.", 2),
        [Seen(8, "federal-register", "Arms Sales Notification", "Transmittal No. 26-28.", hours=1)], None,
        ["facts differ", "transmittal differs (26-31 vs 26-28)"],
        id="same source, same generic headline, different short text: no join",
    ),
    pytest.param(
        ("federal-register", "Arms Sales Notification", "Transmittal No. 26-28.", 2),
        [Seen(8, "federal-register", "Arms Sales Notification", "Transmittal No. 26-28.", hours=1)], 8,
        ["re-post of story 8"],
        id="same source, short text posted twice: joins",
    ),
    pytest.param(
        ("state", WH_JOINT_TITLE, WH_JOINT, 30),
        [KYODO_SEEN, Seen(5, "whitehouse", WH_JOINT_TITLE, WH_JOINT, hours=25)], 5,
        ["same text as story 5 (similarity 1.00)"],
        id="the closest candidate wins over an earlier, less similar one",
    ),
    pytest.param(
        ("state", WH_JOINT_TITLE, WH_JOINT, 30),
        [Seen(9, "ustr", WH_JOINT_TITLE, WH_JOINT, hours=6), Seen(4, "whitehouse", WH_JOINT_TITLE, WH_JOINT, 3)],
        4, ["story 4"],
        id="equally close: the earliest story wins",
    ),
    pytest.param(
        ("navy", "Contracts for Dec. 8: Navy",
         "A Japanese shipyard is awarded a $410,000,000 contract for destroyer repairs in Japan.", 2),
        [Seen(6, "yomiuri", "クボタ、米ジョージア州に新工場",
              "クボタは米ジョージア州に建設機械の新工場を建てる。投資額は約650億円で、日本からの輸出を置き換える。")],
        None, ["closest is story 6"],
        id="a dollar contract and a yen investment within the exchange-rate band, nothing else alike: no join",
    ),
    pytest.param(
        ("reuters", "Kubota to build $420 million plant in Georgia",
         "The Japanese maker of construction machinery will build a plant in Georgia for $420 million.", 2),
        [Seen(6, "yomiuri", "クボタ、米ジョージア州に新工場",
              "クボタは米ジョージア州に建設機械の新工場を建てる。投資額は約650億円で、日本からの輸出を置き換える。")],
        6, ["same event as story 6", "place:georgia"],
        id="... the same amount in yen and dollars beside the same place: joins",
    ),
    pytest.param(
        ("nhk", "大和電機 米に変圧器工場 約450億円", "", 3),
        [Seen(3, "daiwa-pr", "米国バージニア州における変圧器新工場の建設について",
              "大和電機は米国バージニア州に大型変圧器の新工場を建設します。投資額は約450億円です。", hours=1)],
        3, ["same event as story 3", "its amount too: JPY:4.5e+10"],
        id="a headline-only item whose one amount the story states, hours later: joins",
    ),
    pytest.param(
        ("nhk", "大和電機 米に変圧器工場 約450億円", "", 9),
        [Seen(3, "daiwa-pr", "米国バージニア州における変圧器新工場の建設について",
              "大和電機は米国バージニア州に大型変圧器の新工場を建設します。投資額は約450億円です。", hours=1)],
        None, ["closest is story 3"],
        id="... not eight hours later",
    ),
    pytest.param(
        ("wire-flash", "JAPAN CABINET APPROVES 14.2 TRLN YEN EXTRA BUDGET", "", 2),
        [Seen(5, "kantei", "補正予算の閣議決定について",
              "政府は本日、補正予算を閣議決定しました。一般会計の歳出総額は14兆2000億円で、このうち防衛力の強化に"
              "9800億円を計上しました。", hours=1),
         Seen(5, "nhk", "補正予算を閣議決定 防衛費9800億円", "", hours=1.2)],
        5, ["story 5", "JPY:1.4e+13"],
        id="a flash with the budget's total joins the story one of whose flashes gave only its defence share",
    ),
    pytest.param(
        ("defense-news", "Norway to arm F-35 fleet under $410 million missile deal",
         "Norway's air force will add short-range missiles to its fleet, a deal notified to Congress this week "
         "as Oslo speeds up its purchases of American weapons.", 3),
        [Seen(9, "dsca", "Norway – AIM-9X Block II Sidewinder Missiles",
              "The State Department has made a determination approving a possible Foreign Military Sale to the "
              "Government of Norway of sixty (60) AIM-9X Block II Sidewinder missiles, training missiles, spare "
              "parts, containers, software, publications and technical support for an estimated cost of $410 "
              "million. The principal contractor will be RTX Corporation, Tucson, Arizona. This proposed sale "
              "will support the foreign policy and national security of the United States.", hours=1)],
        9, ["same event as story 9", "states the notice's value and purchaser"],
        id="a report stating an arms-sale notice's value and buyer joins it, whatever else the notice lists",
    ),
    pytest.param(
        ("msn", "US to trim duty on Japanese chipmaking equipment to 15%, report says",
         "Washington intends to reduce levies on semiconductor manufacturing equipment made in Japan to 15%, "
         "a news agency reported, citing unnamed officials.", 3),
        [Seen(4, "bloomberg", "US Plans 15% Tariff on Japan's Chip Equipment, People Familiar Say",
              "The administration is preparing to set the duty on chipmaking equipment imported from Japan at "
              "15% as soon as this week, according to people familiar with the plan.", hours=1)],
        4, ["same event as story 4", "tariff:15"],
        id="the deal's background rate on a product both headlines lead with, within a day: joins",
    ),
    pytest.param(
        ("maker-pr", "Announcing a $1.3 Billion Investment in a New Vaccine Facility in Kansas",
         "The company today announced it will invest $1.3 billion to build a vaccine manufacturing facility, "
         "creating about 600 jobs, with production expected in 2030.", 20),
        [Seen(2, "nikkei-ja", "大和製薬、米に13億ドルで新工場",
              "大和製薬は米国にワクチンの新工場を建設する方針を固めた。投資額は約13億ドル（約2000億円）。", hours=2)],
        2, ["same event as story 2", "USD:1.3e+09"],
        id="one amount of two significant figures stated alike, within a day: the release joins the scoop",
    ),
    pytest.param(
        ("maker-pr", "Announcing a $1 Billion Investment in a New Vaccine Facility in Kansas",
         "The company today announced it will invest $1 billion to build a vaccine manufacturing facility, "
         "creating about 600 jobs, with production expected in 2030.", 20),
        [Seen(2, "nikkei-ja", "大和製薬、米に10億ドルで新工場",
              "大和製薬は米国にワクチンの新工場を建設する方針を固めた。投資額は約10億ドル（約1500億円）。", hours=2)],
        None, ["closest is story 2"],
        id="... not a round one ($1 billion)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("new", "seen", "expected", "reason_has"), CASES)
def test_assign_story(
    new: tuple[str, str, str, float], seen: list[Seen], expected: int | None, reason_has: list[str]
) -> None:
    story, reason = _assign(*new, seen)
    assert story == expected, reason
    for words in reason_has:
        assert words in reason


def test_the_demo_feeds_cluster_into_one_cross_source_story() -> None:
    """Every phase-2 demo item, in publication order, through the real adapters (feeds, the Federal
    Register API, the MOFA listing): the Kyodo copy joins the White House joint statement, and nothing
    else joins anything (same-template DSCA notices, Federal Register arms notices, Japanese-language
    items and the tariff/LNG news stay apart)."""
    configured = yaml.safe_load(demo_sources_yaml("http://demo"))["sources"]
    items = []
    for demo, raw in zip(DEMO_SOURCES, configured, strict=True):
        src = Source.model_validate(raw)
        body = render(demo.id, 2)
        result = FetchResult(FetchOutcome.OK, src.url, src.url, 200, {"content-type": demo.content_type},
                             body, None, None, None, len(body), 0.0)  # fmt: skip
        for entry in read_source(src, result, now=datetime(2026, 11, 26, tzinfo=UTC)).entries:
            items.append((entry.published_at or T0, src.id, entry.title, entry.text))
    items.sort()
    index = MemoryIndex()
    joins: list[tuple[str, str, str]] = []
    for n, (at, source_id, title, text) in enumerate(items, start=1):
        probe = StoryProbe(fingerprint(title, text), title, source_id, signature(title, text))
        found = index.lookup(probe, since=at - timedelta(hours=72))
        d = decide_story(probe, found.candidates, seen_at=at, rarity=found.rarity, led=found.led)
        if d.story_id is not None:
            joins.append((title, index.items[d.story_id].title, d.reason))
        story = n if d.story_id is None else d.story_id
        index.add(StoryCandidate(story, probe.fingerprint, at, source_id, title, probe.signature, item_id=n))
    assert len(items) > 20
    assert [(a, b) for a, b, _ in joins] == [(KYODO_TITLE, WH_JOINT_TITLE)], joins
    assert "from whitehouse" in joins[0][2]


def test_fingerprint_is_stable() -> None:
    """A fixed input gives fixed bytes, in every process (no ``hash()``; keyed blake2b per token, fixed
    numpy mixing)."""
    text = "Japan will invest $1 trillion in the United States by January 19, 2029."  # 11 shingles
    assert fingerprint("the title is left out of long texts", text).hex() == (
        "0200"  # format 2, not short
        "154e6b32" "230ed02b" "63b03ae1" "68686511" "6921e843" "8981e58b" "8bd5c125" "cb53fc0f" "f2f4c57b"
        "f421768c" "fc5c9d5a"
    )  # fmt: skip
    assert fingerprint("", KYODO) == fingerprint("Another headline entirely", KYODO)
    assert len(fingerprint("", WH_JOINT)) == 2 + 4 * SKETCH_SIZE


def test_fingerprint_ignores_case_width_and_whitespace() -> None:
    plain = fingerprint("", KYODO)
    assert fingerprint("", KYODO.upper()) == plain
    assert fingerprint("", "  " + KYODO.replace(" ", "\n\u3000 ")) == plain
    assert fingerprint("", NHK_JA) == fingerprint("", NHK_JA.replace("25", "２５"))  # NFKC


def test_short_texts_include_the_title() -> None:
    assert not is_short(fingerprint("t", KYODO))
    short = fingerprint("Arms Sales Notification", "Transmittal No. 26-28.")
    assert is_short(short)
    assert short != fingerprint("Another Notification", "Transmittal No. 26-28.")
    assert is_short(fingerprint("", ""))
    # a text of exactly MIN_SHINGLES shingles (MIN_SHINGLES + 2 words) is long enough
    words = " ".join(f"w{i}" for i in range(MIN_SHINGLES + 2))
    assert not is_short(fingerprint("t", words))
    assert is_short(fingerprint("t", words.rsplit(" ", 1)[0]))


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        pytest.param(KYODO, KYODO, 1.0, 1.0, id="identical"),
        pytest.param(WH_JOINT, KYODO, 0.25, 0.40, id="statement vs wire copy (true Jaccard 0.30)"),
        pytest.param(TARIFF, LNG, 0.0, 0.05, id="tariffs vs LNG"),
        pytest.param(NHK_JA, KYODO_JA, 0.45, 0.70, id="Japanese style rewrites"),
        pytest.param(NHK_JA_LNG, KYODO_JA_TARIFF, 0.0, 0.05, id="Japanese LNG vs tariffs"),
        pytest.param("", KYODO, 0.0, 0.0, id="empty"),
    ],
)
def test_similarity(a: str, b: str, low: float, high: float) -> None:
    fa, fb = fingerprint("", a), fingerprint("", b)
    assert low <= similarity(fa, fb) <= high
    assert similarity(fa, fb) == similarity(fb, fa)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param("Japan pledges $1 trillion", "JAPAN PLEDGES $1 TRILLION", 1.0, id="case and punctuation"),
        pytest.param("Presidential Message on Thanksgiving Day",
                     "Presidential Message on National Rural Health Day", 0.5, id="generic words shared"),
        pytest.param("日米首脳会談", "日米首脳会談", 1.0, id="Japanese: characters"),
        pytest.param("", "", 0.0, id="empty titles never match"),
    ],
)  # fmt: skip
def test_title_similarity(a: str, b: str, expected: float) -> None:
    assert title_similarity(a, b) == pytest.approx(expected)


def test_a_stored_fingerprint_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="stories: not a version-2 story fingerprint"):
        similarity(b"\x03\x00", fingerprint("", KYODO))
    with pytest.raises(ValueError, match="stories: not a version-2"):
        similarity(b"\x02\x00\x00", fingerprint("", KYODO))


def test_a_version_1_fingerprint_of_an_older_row_compares_as_unrelated() -> None:
    v1 = b"\x01\x00" + fingerprint("", KYODO)[2:]
    assert similarity(v1, fingerprint("", KYODO)) == 0.0
    assert similarity(v1, v1) == 1.0


@pytest.mark.parametrize("seed", [7, 11])
def test_planted_near_duplicates_are_found(seed: int) -> None:
    """300 generated base statements (80-150 words of press vocabulary, per-source boilerplate, template
    siblings, generic headlines) with planted duplicates: 10-20% word edits, swapped sentences and
    appended boilerplate from another source, or same-source re-posts. Quality bounds, not timing."""
    corpus = make_corpus(300, seed=seed, days=7)
    score = evaluate(corpus, pressmon_method(0.20))
    assert score.planted > 200
    assert score.recall >= 0.9, score
    assert score.precision >= 0.95, score

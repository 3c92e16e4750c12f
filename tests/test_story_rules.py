"""Join rules added while tuning on the story sets (``monitor.stories``, ``monitor.story_veto``,
``monitor.story_signature``, ``monitor.story_terms``): for each, a pair that must join and a pair that must
not, and why. Texts are written for the test in the style of the sets (a release, a wire flash, a report).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.stories import StoryCandidate, StoryProbe, decide_story
from monitor.story_signature import signature
from monitor.story_text import fingerprint

T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)

# (source, title, text, hours after T0)
Item = tuple[str, str, str, float]


def _decide(new: Item, seen: Item) -> tuple[int | None, str]:
    s_source, s_title, s_text, s_hours = seen
    at = T0 + timedelta(hours=s_hours)
    cand = StoryCandidate(
        story_id=7,
        fingerprint=fingerprint(s_title, s_text),
        first_seen_at=at,
        source_id=s_source,
        title=s_title,
        signature=signature(s_title, s_text, published=at.date()),
        published_at=at,
    )
    source, title, text, hours = new
    now = T0 + timedelta(hours=hours)
    probe = StoryProbe(
        fingerprint(title, text),
        title,
        source,
        signature(title, text, published=now.date()),
        published_at=now,
    )
    d = decide_story(probe, [cand], seen_at=now)
    return d.story_id, d.reason


TOYOTA_Q2 = (
    "toyota-pr",
    "2027年3月期 第2四半期決算",
    "トヨタ自動車は、2027年3月期の通期営業利益見通しを3兆4000億円に据え置きました。米国の関税による影響額は通期で"
    "1兆1000億円を見込みます。",
    0.0,
)
ARGENT_TOHOKU = (
    "argent-lng",
    "Argent LNG Signs 20-Year Sale and Purchase Agreement with Tohoku Electric Power",
    "Argent LNG today announced a 20-year agreement to supply 0.5 million tonnes per annum of liquefied "
    "natural gas to Tohoku Electric Power from its planned export terminal in Louisiana.",
    0.0,
)
BRIDGESTONE = (
    "bridgestone-americas",
    "Bridgestone Americas to Invest $400 Million to Expand Aiken County Tire Plant",
    "Bridgestone Americas will invest $400 million to add a passenger tire line at its Aiken County, South "
    "Carolina plant, creating 250 jobs.",
    0.0,
)
GLENFARNE_TOKYOGAS = (
    "glenfarne-pr",
    "Glenfarne and Tokyo Gas Sign Letter of Intent for Alaska LNG Offtake",
    "Glenfarne Alaska LNG and Tokyo Gas signed a letter of intent for the purchase of 1 million tonnes per "
    "annum of LNG over 20 years from the Alaska LNG project.",
    0.0,
)
DOE_ARGENT_FLASH = ("wire-flash", "DOE GRANTS ARGENT LNG NON-FTA EXPORT PERMIT", "", 0.0)

# new item, an item of story 7 already seen, the story it must join (None: a new one), words in the reason
CASES = [
    pytest.param(
        ("honda-pr", "2027年3月期 第2四半期決算",
         "本田技研工業は、2027年3月期の通期営業利益見通しを1兆円に下方修正しました。米国の関税による影響額は"
         "通期で3800億円を見込みます。", 24.0),
        TOYOTA_Q2, None, ["company differs"],
        id="another maker's results under the same template: 本田技研 is Honda, so the companies differ",
    ),
    pytest.param(
        ("nhk", "トヨタ 米関税の影響1兆1000億円に", "", 1.0), TOYOTA_Q2, 7, ["same event as story 7"],
        id="... the same maker's flash joins its release",
    ),
    pytest.param(
        ("reuters", "Japan's Tohoku Electric agrees to buy LNG from Argent LNG for 20 years",
         "Tohoku Electric Power will buy 0.5 million tonnes a year of LNG from Argent LNG's planned plant in "
         "Louisiana under a 20-year deal, the Japanese utility said.", 2.0),
        ARGENT_TOHOKU, 7, ["story 7"],
        id="a deal's two sides: the buyer's headline and the seller's, each text naming both, join",
    ),
    pytest.param(
        ("yokohama-tire", "Yokohama Tire Announces $380 Million Expansion of West Point, Mississippi Plant",
         "The Japanese tiremaker's U.S. arm said the $380 million outlay adds commercial truck tires to the "
         "West Point, Mississippi factory and 200 workers by 2029.", 1.0),
        BRIDGESTONE, None, ["company differs"],
        id="two headlines naming companies the other text never names: two plants, however near the amounts",
    ),
    pytest.param(
        ("wire-flash", "BRIDGESTONE TO INVEST $400 MLN IN SOUTH CAROLINA TIRE PLANT", "", 0.2),
        BRIDGESTONE, 7, ["story 7"],
        id="... the same company's flash joins",
    ),
    pytest.param(
        ("nikkei-ja", "東京ガスもアラスカLNG年100万トン　JERAに続き基本合意",
         "東京ガスは米アラスカ州のLNG事業から年100万トンを20年間調達する基本合意を結んだ。JERAに続く。", 2.0),
        GLENFARNE_TOKYOGAS, 7, ["story 7"],
        id="a headline recalling another buyer's deal (JERAに続き) still shares its own buyer: joins",
    ),
    pytest.param(
        ("wire-flash", "DOE GRANTS GULFSTREAM LNG NON-FTA EXPORT PERMIT", "", 24.0), DOE_ARGENT_FLASH, None,
        ["company differs"],
        id="templated flashes for two LNG projects (Argent, Gulfstream): the projects are companies",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("本田技研工業の決算", {"actor:honda"}),
        ("東北電、米LNG調達", {"actor:tohokuelectric"}),
        ("潜水艦建造で川重と契約", {"actor:kawasakiheavy"}),
        ("イージス搭載艦 取得費1.3兆円に", {"designator:ASEV"}),
        ("Cost of Japan's two Aegis System Equipped Vessels rises", {"designator:ASEV"}),
        ("Bridgestone to invest in tire plant", {"actor:bridgestone", "hactor:bridgestone"}),
    ],
)
def test_names_read_as_parts(title: str, parts: set[str]) -> None:
    assert parts <= signature(title, "").parts


@pytest.mark.parametrize(("new", "seen", "expected", "reason_has"), CASES)
def test_join(new: Item, seen: Item, expected: int | None, reason_has: list[str]) -> None:
    story, reason = _decide(new, seen)
    assert story == expected, reason
    for words in reason_has:
        assert words in reason, reason

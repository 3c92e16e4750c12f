"""@japan_press: the source context of Japan's own news outlets (feeds.yaml ``implies: [japan_press]``).

A Japanese outlet's headline on defense money that names no country is Japan's defense budget; the
same headline from a foreign outlet is not, and a Japanese outlet's item that names another state (or
the US) as the subject, or beside the money word, is not either. Japanese copy with 防衛費 fires
without the context (@defense_budget); the tests pin that the context adds nothing there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.relevance import SOURCE_IMPLIES
from monitor.config.loader import load_config, load_config_text
from monitor.errors import ConfigError
from monitor.match.topics import TopicMatcher

SHIPPED = Path(__file__).resolve().parent.parent / "feeds.yaml"
DEF = "japan-defense-spending"
PRESS = ("japan_press",)


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    config = load_config(SHIPPED)
    return TopicMatcher(config.topics, config.concepts)


def fired(matcher: TopicMatcher, title: str, text: str, lang: str, implies: tuple[str, ...]) -> set[str]:
    return {m.topic_id for m in matcher.match(title=title, text=text, lang=lang, implies=implies)}


# (title, text, lang, fires from a Japanese outlet, fires from any other source)
CASES = [
    pytest.param(
        "Defense outlays to squeeze other spending, ministries warn",
        "Ministries are bracing for cuts as the finance ministry makes room for rising outlays.",
        "en",
        True,
        False,
        id="en-outlays-no-country",
    ),
    pytest.param(
        "Defense budget request set for another record",
        "The request covers stand-off missiles, ammunition and base hardening.",
        "en",
        True,
        False,
        id="en-budget-request-no-country",
    ),
    pytest.param(
        "Military spending plan faces scrutiny in Diet",
        "Opposition lawmakers questioned how the increase will be paid for.",
        "en",
        True,
        False,
        id="en-military-spending-diet",
    ),
    pytest.param(
        "防衛予算の増額、財源論議が焦点に",
        "与党の税制調査会は来週から議論を始める。",
        "ja",
        True,
        True,
        id="ja-defense-budget-term-fires-anyway",
    ),
    pytest.param(
        "防衛費、過去最大に",
        "来年度の概算要求は8兆円台となる見通しだ。",
        "ja",
        True,
        True,
        id="ja-bouei-hi-fires-anyway",
    ),
    # traps: another state (or the US) is the subject, in the headline or beside the money word
    pytest.param(
        "South Korea's defense budget to rise 7.5%",
        "Seoul plans to spend more on missiles and drones.",
        "en",
        False,
        False,
        id="trap-en-korea-headline",
    ),
    pytest.param(
        "Defense budget passes legislature",
        "Taiwan's legislature approved the special defense budget on Friday.",
        "en",
        False,
        False,
        id="trap-en-taiwan-in-the-money-sentence",
    ),
    pytest.param(
        "Defense spending bill clears Senate",
        "The U.S. Senate passed the defense spending bill for fiscal 2027.",
        "en",
        False,
        False,
        id="trap-en-us-in-the-money-sentence",
    ),
    pytest.param(
        "Pentagon defense budget request tops $1 trillion",
        "The request includes shipbuilding and munitions.",
        "en",
        False,
        False,
        id="trap-en-pentagon-headline",
    ),
    pytest.param(
        "U.S. defense spending to grow 4% in Trump request",
        "The Navy gets the largest share of the increase.",
        "en",
        False,
        False,
        id="trap-en-us-headline",
    ),
    pytest.param(
        "China's defense spending to grow 7.2%",
        "Beijing announced the figure at the opening of the National People's Congress.",
        "en",
        False,
        False,
        id="trap-en-china-headline",
    ),
    pytest.param(
        "Book review: How Imperial Japan's military spending ruined its economy",
        "The historian traces the army budget in the 1930s.",
        "en",
        False,
        False,
        id="trap-en-imperial-japan-history",
    ),
    pytest.param(
        "Defense firms win tax break on exports",
        "Contractors will pay less tax on equipment sold abroad.",
        "en",
        False,
        False,
        id="trap-en-tax-is-not-a-strong-money-word",
    ),
    pytest.param(
        "Social security spending set to rise",
        "Pension and medical outlays grow with the ageing population.",
        "en",
        False,
        False,
        id="trap-en-social-security-masked",
    ),
    pytest.param(
        "韓国の国防予算、過去最大に",
        "韓国国防省は来年度予算案を発表した。",
        "ja",
        False,
        False,
        id="trap-ja-korea-budget",
    ),
    pytest.param(
        "台湾、特別防衛予算を可決",
        "立法院は無人機やミサイルの調達費を承認した。",
        "ja",
        False,
        False,
        id="trap-ja-taiwan-budget",
    ),
]


@pytest.mark.parametrize(("title", "text", "lang", "from_press", "from_other"), CASES)
def test_a_japanese_outlets_defense_money_headline(
    matcher: TopicMatcher, title: str, text: str, lang: str, from_press: bool, from_other: bool
) -> None:
    assert (DEF in fired(matcher, title, text, lang, PRESS)) is from_press
    assert (DEF in fired(matcher, title, text, lang, ())) is from_other


def test_japan_press_is_no_actor_and_no_part_of_japan(matcher: TopicMatcher) -> None:
    # The context makes no sentence Japan's: a tariff story from Kyodo must still name Japan.
    title, text = "U.S. raises tariffs on steel", "The White House said the new rate applies from May."
    assert fired(matcher, title, text, "en", PRESS) == fired(matcher, title, text, "en", ()) == set()


def test_shipped_japanese_outlets_imply_japan_press_and_the_bench_mirrors_them() -> None:
    config = load_config(SHIPPED)
    press = {s.id for s in config.sources if "japan_press" in s.implies}
    assert press == {"nikkei-asia", "japan-times", "kyodo-en"}
    assert all(not ({"japan", "japan_state"} & set(s.implies)) for s in config.sources if s.id in press)
    for source in press:
        assert SOURCE_IMPLIES[source] == PRESS
    for voice in ("reuters", "bloomberg", "newspaper", "wire", "yonhap", "bloomberg-ja"):
        assert "japan_press" not in SOURCE_IMPLIES.get(voice, ())


def test_an_unknown_implied_concept_still_fails_at_load() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    broken, n = re.subn(r"implies: \[japan_press\]", "implies: [japan_pres]", text, count=1)
    assert n == 1
    with pytest.raises(ConfigError) as info:
        load_config_text(broken)
    assert any(
        "implies[0]: unknown concept @japan_pres (did you mean @japan_press?)" in p
        for p in info.value.problems
    ), info.value.problems


def test_only_the_source_makes_an_item_japan_press(matcher: TopicMatcher) -> None:
    title, text = "Defense outlays to squeeze other spending, ministries warn", "Ministries brace for cuts."
    assert DEF in {m.topic_id for m in matcher.match(title=title, text=text, lang="en", tags=("jp-press",))}
    assert DEF not in {m.topic_id for m in matcher.match(title=title, text=text, lang="en", tags=("news",))}
    # an outlet's name in the text is no context: a Reuters story citing Kyodo is Reuters' copy
    cited = "Ministries brace for cuts, Kyodo News and the Japan Times reported."
    assert DEF not in fired(matcher, title, cited, "en", ())

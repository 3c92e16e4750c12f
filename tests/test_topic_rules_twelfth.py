"""The rules tuned on the twelfth relevance set, pinned against the shipped feeds.yaml.

Each table row is (title, text, lang, the topic it is about, whether that topic fires): the positive
that a rule keeps (or was added for), written anew (not copied from the corpus), and the trap that it
must not catch. Masks: Japan as the subject of a relative clause after another country's rate ("the
level Japan secured") and 日本など; a thing done "under the trade deal"; Japan's own Official Security
Assistance; joining an LNG project (LNG事業への参画). Vocabulary: trade-remedy injury findings. Structure:
a US system bought from a co-production line is no FMS case; an LOA headline is one FMS case, not the
defense budget; a fiscal year's FMS total (今年度の有償援助) is the budget.
"""

from __future__ import annotations

import pytest

from monitor.match.topics import TopicMatcher
from tests.support.shipped_topics import DEF, FMS, INV, LNG, TAR, fired, shipped_matcher


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    return shipped_matcher()


# Japan as the yardstick of another country's tariff (G2) and Japan as one of a list (G1).
COMPARISON_AND_LISTS = [
    pytest.param(
        # trap: Taiwan's ceiling, Japan only as the level it is measured against
        "Taiwan clinches 15% ceiling on chip levies, the level Japan secured in spring",
        "Taipei said US duties on its semiconductors will be capped at 15 percent, the rate Japan obtained "
        "earlier this year.",
        "en",
        TAR,
        False,
        id="trap-rate-japan-secured",
    ),
    pytest.param(
        "Japan secures 15% ceiling on US chip tariffs",
        "Tokyo said US duties on Japanese semiconductors will be capped at 15 percent from next month.",
        "en",
        TAR,
        True,
        id="japan-secures-its-own-ceiling",
    ),
    pytest.param(
        # trap: Japan one of twenty economies whose tariff is deferred
        "米、中南米や日本など20カ国・地域への追加関税を猶予",
        "米政府はブラジル、日本など20カ国・地域への追加関税の発動を60日猶予すると発表した。",
        "ja",
        TAR,
        False,
        id="trap-nihon-nado-list",
    ),
    pytest.param(
        "米、日本への追加関税を猶予",
        "米政府は日本からの輸入品に対する追加関税の発動を60日猶予すると発表した。",
        "ja",
        TAR,
        True,
        id="japan-alone-deferral",
    ),
]

# An injury finding is the trade-remedy case itself; something done under the trade deal is that
# thing's story, and the talks themselves still are the tariff story.
TRADE_REMEDIES_AND_DEAL = [
    pytest.param(
        "ITC finds US wire makers hurt by Japanese imports",
        "The U.S. International Trade Commission found that American producers were materially injured "
        "by imports of steel wire from Japan.",
        "en",
        TAR,
        True,
        id="injury-finding-japan",
    ),
    pytest.param(
        # trap: the injury case is Vietnam's
        "ITC finds material injury from Vietnamese plywood",
        "The commission found a reasonable indication of material injury from plywood imported from Vietnam.",
        "en",
        TAR,
        False,
        id="trap-injury-finding-vietnam",
    ),
    pytest.param(
        # trap for tariffs: an investment project picked under the deal (it is investment news)
        "Japan selects Texas ammonia plant as next project under trade deal",
        "Tokyo and Washington chose a $6 billion ammonia plant in Texas to be financed under the trade "
        "agreement, the Commerce Department said.",
        "en",
        TAR,
        False,
        id="trap-project-under-trade-deal",
    ),
    pytest.param(
        "Japan selects Texas ammonia plant as next project under trade deal",
        "Tokyo and Washington chose a $6 billion ammonia plant in Texas to be financed under the trade "
        "agreement, the Commerce Department said.",
        "en",
        INV,
        True,
        id="project-under-trade-deal-is-investment",
    ),
    pytest.param(
        "Japan's car tariff falls to 15% under the trade deal",
        "US duties on Japanese vehicles drop to 15 percent on Monday.",
        "en",
        TAR,
        True,
        id="tariff-under-trade-deal-still-fires",
    ),
    pytest.param(
        "Akazawa heads to Washington for another round of trade talks",
        "Japan's chief negotiator will meet US officials on Thursday.",
        "en",
        TAR,
        True,
        id="trade-talks-still-fire",
    ),
]

# Japan's grants and joint production lines are not purchases through the US government.
FMS_RULES = [
    pytest.param(
        # trap: Japan's own Official Security Assistance to Vietnam
        "Vietnam budgets coastal radars supplied by Japan",
        "Hanoi will install coastal radars provided through Japan's official security assistance program.",
        "en",
        FMS,
        False,
        id="trap-japan-osa-grant",
    ),
    pytest.param(
        "Japan to buy radars through US program",
        "Japan will acquire the radars through the U.S. security assistance program, the defense ministry said.",
        "en",
        FMS,
        True,
        id="us-security-assistance-program",
    ),
    pytest.param(
        # trap: missiles bought from a line co-produced in the US
        "Japan and US to co-produce Patriot interceptors in Alabama",
        "Japan will buy PAC-3 interceptors from a new line co-produced with the United States in Alabama.",
        "en",
        FMS,
        False,
        id="trap-coproduced-line",
    ),
    pytest.param(
        "Japan to buy more Tomahawks",
        "Japan will purchase 200 more Tomahawk missiles from the United States.",
        "en",
        FMS,
        True,
        id="us-weapon-purchase",
    ),
    pytest.param(
        "Japan, US to co-produce interceptors; seekers to be bought through FMS",
        "Japan will build the airframes at home and buy the seekers through Foreign Military Sales.",
        "en",
        FMS,
        True,
        id="coproduction-with-fms-wording",
    ),
]

# One FMS case's signing is not the defense budget; a fiscal year's FMS total is.
DEFENSE_RULES = [
    pytest.param(
        # trap: one LOA's value
        "Signing of the Letter of Offer and Acceptance for SM-6 missiles",
        "The Ministry of Defense signed an LOA with the U.S. Government for SM-6 missiles and their "
        "support, valued at about 90 billion yen.",
        "en",
        DEF,
        False,
        id="trap-loa-headline-value",
    ),
    pytest.param(
        "Signing of the Letter of Offer and Acceptance for SM-6 missiles",
        "The Ministry of Defense signed an LOA with the U.S. Government for SM-6 missiles and their "
        "support, valued at about 90 billion yen.",
        "en",
        FMS,
        True,
        id="loa-headline-is-fms",
    ),
    pytest.param(
        "Defense ministry allots 90 billion yen for SM-6 missiles",
        "The Ministry of Defense will allot about 90 billion yen in next year's budget for SM-6 missiles.",
        "en",
        DEF,
        True,
        id="budget-allotment-without-loa",
    ),
    pytest.param(
        "FMS契約額、今年度は過去最大",
        "防衛省によると、今年度の有償援助による契約額は約7000億円となる見通しだ。",
        "ja",
        DEF,
        True,
        id="fiscal-year-fms-total",
    ),
]

# Joining an LNG project is a buyer's offtake; a stake is still an investment. (Only the phrase is masked:
# a headline's bare 参画 beside LNG, "アラスカLNG、日本企業が参画を検討", still reads as an investment.)
LNG_JOINING = [
    pytest.param(
        # trap: utilities weigh joining Alaska LNG as buyers
        "アラスカLNG、電力各社が購入協議",
        "国内の電力会社がアラスカLNG事業への参画を検討しており、年間計200万トンの購入を協議している。",
        "ja",
        INV,
        False,
        id="trap-lng-joining-offtake",
    ),
    pytest.param(
        "アラスカLNG、電力各社が購入協議",
        "国内の電力会社がアラスカLNG事業への参画を検討しており、年間計200万トンの購入を協議している。",
        "ja",
        LNG,
        True,
        id="lng-joining-is-lng",
    ),
    pytest.param(
        "東北電力、米ルイジアナのLNG事業に出資",
        "東北電力は米ルイジアナ州のLNG事業に10%出資し、LNG事業に参画する。",
        "ja",
        INV,
        True,
        id="lng-stake-is-investment",
    ),
]


@pytest.mark.parametrize(
    ("title", "text", "lang", "topic", "fires"),
    COMPARISON_AND_LISTS + TRADE_REMEDIES_AND_DEAL + FMS_RULES + DEFENSE_RULES + LNG_JOINING,
)
def test_twelfth_set_rules(
    matcher: TopicMatcher, title: str, text: str, lang: str, topic: str, fires: bool
) -> None:
    assert (topic in fired(matcher, title, text, lang)) is fires

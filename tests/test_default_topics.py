"""The default topics shipped in feeds.yaml, on hand-written texts (not copies of the corpus).

Each seed-story statement type of the demo (investment pledge, defense spending, FMS approval, LNG,
tariffs) is written once in English and once in Japanese and must fire exactly the topic(s) it is about;
each known trap (Imperial Japan, other countries' FMS notices that mention Japan, Japan listed among many
in a tariff action, Japan Airlines / 日本航空, Bank of Japan, other countries' LNG, defense and investment)
must fire nothing. The precision/recall figures over the labelled corpus are bench/relevance.py's job.
"""

from __future__ import annotations

import pytest

from monitor.config.loader import load_config
from monitor.match.query import parse_query
from monitor.match.topics import TopicMatcher
from tests.support.shipped_topics import (
    DEF,
    DEFAULT_TOPICS,
    FMS,
    INV,
    LNG,
    SHIPPED,
    TAR,
    fired,
    shipped_matcher,
)


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    return shipped_matcher()


STATEMENTS = [
    # --- investment pledge ------------------------------------------------------------------------
    pytest.param(
        "Japan commits $550 billion to U.S. projects under new accord",
        "Tokyo will finance energy and semiconductor projects in the United States chosen by Washington, "
        "officials said on Monday.",
        "en",
        {INV},
        id="investment-en-550b",
    ),
    pytest.param(
        "Prime Minister pledges to lift Japanese investment in America to $1 trillion",
        "The pledge, made at a summit dinner in Washington, nearly doubles the earlier package.",
        "en",
        {INV},
        id="investment-en-1-trillion",
    ),
    pytest.param(
        "Nippon Steel finalizes its purchase of U.S. Steel",
        "The Pittsburgh company becomes a unit of the Tokyo-based steelmaker after regulators cleared the deal.",
        "en",
        {INV},
        id="investment-en-nippon-steel",
    ),
    pytest.param(
        "対米投資、1兆ドル規模に拡大へ 日米首脳が合意",
        "両首脳は、日本による対米投資を1兆ドル規模に拡大することで合意した。",
        "ja",
        {INV},
        id="investment-ja-1-trillion",
    ),
    pytest.param(
        "日本製鉄、USスチールの買収を完了",
        "日本製鉄は、米鉄鋼大手USスチールの全株式の取得を終えたと発表した。",
        "ja",
        {INV},
        id="investment-ja-nippon-steel",
    ),
    # --- tariffs -----------------------------------------------------------------------------------
    pytest.param(
        "U.S. lowers tariff on Japanese autos to 15%",
        "The executive order cuts the Section 232 duty on passenger vehicles from Japan, effective next month.",
        "en",
        {TAR},
        id="tariffs-en-autos",
    ),
    pytest.param(
        "Japan and U.S. hold ninth round of consultations on tariff measures",
        "The two sides discussed the reciprocal tariff and the treatment of steel and aluminum.",
        "en",
        {TAR},
        id="tariffs-en-consultations",
    ),
    pytest.param(
        "米国の自動車関税、日本車は15%に 大統領令に署名",
        "トランプ大統領は、日本から輸入する乗用車への関税を15%とする大統領令に署名した。",
        "ja",
        {TAR},
        id="tariffs-ja-autos",
    ),
    pytest.param(
        "米国の関税措置に関する影響調査の結果について",
        "経済産業省は、米国の関税措置が中小企業の受注に与えた影響について調査結果を公表しました。",
        "ja",
        {TAR},
        id="tariffs-ja-meti-no-japan-word",
    ),
    # --- FMS approval ------------------------------------------------------------------------------
    pytest.param(
        "Japan \u2013 F-35 Sustainment Support ",
        "WASHINGTON \u2013 The State Department has made a determination approving a possible Foreign Military "
        "Sale to the Government of Japan of F-35 sustainment services for an estimated cost of $480 million.",
        "en",
        {FMS},
        id="fms-en-dsca",
    ),
    pytest.param(
        "Arms Sales Notification",
        "Transmittal No. 26-70. (i) Prospective Purchaser: Government of Japan. "
        "(ii) Total Estimated Value: $210 million.",
        "en",
        {FMS},
        id="fms-en-federal-register",
    ),
    pytest.param(
        "防衛省、対外有償軍事援助で迎撃ミサイルを取得",
        "防衛省は、米国政府との間で対外有償軍事援助（FMS）による迎撃ミサイル取得の引合受諾書に署名した。",
        "ja",
        {FMS},
        id="fms-ja-mod-loa",
    ),
    pytest.param(
        "米国務省、日本への迎撃ミサイル売却を承認",
        "米国務省は、日本に迎撃ミサイルを約9億ドルで売却することを承認し、議会に通知した。",
        "ja",
        {FMS},
        id="fms-ja-news-approval",
    ),
    # --- defense spending --------------------------------------------------------------------------
    pytest.param(
        "Japan's cabinet approves record defense budget",
        "Defense-related spending will rise to 9.9 trillion yen next fiscal year, the government said.",
        "en",
        {DEF},
        id="defense-en-budget",
    ),
    pytest.param(
        "Japan to reach 2% of GDP defense spending goal two years early",
        "An extra budget brings forward the target set in 2022.",
        "en",
        {DEF},
        id="defense-en-2pct",
    ),
    pytest.param(
        "防衛関係費、過去最大の9兆9000億円 来年度予算案",
        "政府は来年度予算案を閣議決定し、防衛関係費は過去最大となった。",
        "ja",
        {DEF},
        id="defense-ja-budget",
    ),
    pytest.param(
        "防衛費GDP比2%、今年度中に前倒し達成へ",
        "首相は、補正予算により防衛費の目標を前倒しで達成すると表明した。",
        "ja",
        {DEF},
        id="defense-ja-2pct",
    ),
    # --- LNG ---------------------------------------------------------------------------------------
    pytest.param(
        "JERA signs 20-year deal for U.S. LNG",
        "The Japanese utility will buy 2 million tonnes a year from a Texas export terminal from 2029.",
        "en",
        {LNG},
        id="lng-en-jera",
    ),
    pytest.param(
        "Japan to boost purchases of American liquefied natural gas",
        "Utilities will sign long-term contracts as the government seeks to diversify supply.",
        "en",
        {LNG},
        id="lng-en-purchases",
    ),
    pytest.param(
        "日本、米国産LNGの輸入を拡大",
        "政府は、電力会社による米国産液化天然ガスの長期契約を後押しする方針を示した。",
        "ja",
        {LNG},
        id="lng-ja-us-lng",
    ),
    pytest.param(
        "東京ガス、米国のLNG事業から年100万トン調達",
        "東京ガスは、米国メキシコ湾岸のLNG輸出基地から2030年ごろに受け入れを始める。",
        "ja",
        {LNG},
        id="lng-ja-tokyo-gas",
    ),
    # --- wordings of the fourth tuning set's kinds (Japan as 対日, findings, FMS as 有償援助) -------
    pytest.param(
        "対日関税の新税率表、米商務省が公表",
        "米商務省は対日関税の品目別税率表を官報で公表した。",
        "ja",
        {TAR},
        id="tariffs-ja-tainichi",
    ),
    pytest.param(
        "Ball Bearings From Japan: Preliminary Determination of Sales at Less Than Fair Value",
        "The Department of Commerce preliminarily determines that ball bearings from Japan are being sold in "
        "the United States at less than fair value.",
        "en",
        {TAR},
        id="tariffs-en-ltfv-finding",
    ),
    pytest.param(
        "U.S. clears potential sale of PAC-3 interceptors to Japan",
        "The State Department approved the potential sale to Tokyo of up to 60 interceptors.",
        "en",
        {FMS},
        id="fms-en-potential-sale",
    ),
    pytest.param(
        "有償援助による戦闘機の取得、単価上昇",
        "米政府との有償援助契約で取得する戦闘機の単価が上がった。",
        "ja",
        {FMS},
        id="fms-ja-yushou-enjo-no-nihon",
    ),
    pytest.param(
        "SDF recruitment drive to cost 90 billion yen",
        "Tokyo sets aside 90 billion yen for SDF enlistment bonuses next year.",
        "en",
        {DEF},
        id="defense-en-sdf-cost",
    ),
    pytest.param(
        "在日米軍駐留経費、来年度は2200億円で決着",
        "来年度分の在日米軍駐留経費の総額が決まった。",
        "ja",
        {DEF},
        id="defense-ja-host-nation",
    ),
    pytest.param(
        "兵器ローンの後年度負担、過去最高に",
        "米国から購入した兵器の後年度負担が過去最高となった。",
        "ja",
        {DEF},
        id="defense-ja-deferred-payments",
    ),
    pytest.param(
        "Tokyo agrees to raise host-nation support for U.S. troops",
        "Japan will increase its host-nation support under a new five-year accord, officials said.",
        "en",
        {DEF},
        id="defense-en-host-nation-support",
    ),
    pytest.param(
        "Governor Announces 600 Jobs as Japanese Parts Maker Picks Lowndes County",
        "A Japanese auto parts maker will invest $400 million in a plant in Lowndes County, the Governor said.",
        "en",
        {INV},
        id="investment-en-county-release",
    ),
    pytest.param(
        "Japanese utilities book winter cargoes",
        "Two Japanese utilities bought cargoes loading at Calcasieu Pass in January, traders said.",
        "en",
        {LNG},
        id="lng-en-terminal-by-name",
    ),
    pytest.param(
        "Japanese retailer to pour $2 billion into U.S. stores",
        "The Tokyo-based chain will pour $2 billion into new outlets across the United States by 2029.",
        "en",
        {INV},
        id="investment-en-pour-into",
    ),
    pytest.param(
        "Commerce picks Alaska pipeline segment for Japanese financing",
        "A natural gas pipeline segment across the state will be financed by Tokyo under the July agreement.",
        "en",
        {INV},
        id="investment-not-lng-gas-pipeline",
    ),
    # a capitalised "US" is the United States
    pytest.param(
        "Suzuki raises US sticker prices as 15% rate bites",
        "Suzuki said the rate charged on Japanese cars left it no room to hold prices.",
        "en",
        {TAR},
        id="tariffs-en-capitalised-us",
    ),
    pytest.param(
        "Aisin shifts part of US duty cost to carmakers",
        "Aisin said carmakers agreed to share the extra cost of transmissions shipped from Aichi.",
        "en",
        {TAR},
        id="tariffs-en-us-duty-cost",
    ),
    # what the money buys: fighters, ammunition, guided missiles
    pytest.param(
        "Tokyo sets aside 90 billion yen for fighter upgrades",
        "The request covers radar and engine work on the F-15 fleet.",
        "en",
        {DEF},
        id="defense-en-fighter-money",
    ),
    pytest.param(
        "誘導弾の取得に6000億円",
        "防衛省は来年度、長射程の誘導弾の取得に約6000億円を充てる。",
        "ja",
        {DEF},
        id="defense-ja-guided-missile-money",
    ),
    # tenth-set tuning: Japan named only as its ruling parties or its fiscal panel
    pytest.param(
        "Cigarette levy to rise in steps to pay for defense",
        "The ruling bloc agreed to raise cigarette taxes from next autumn to finance the defense buildup.",
        "en",
        {DEF},
        id="defense-en-ruling-bloc-tax",
    ),
    pytest.param(
        "Fiscal council urges restraint on defense outlays",
        "The Fiscal System Council told the finance ministry that the growing defense budget needs closer audits.",
        "en",
        {DEF},
        id="defense-en-fiscal-system-council",
    ),
    # FMS in Japanese copy is Japan's own purchase, like 有償援助
    pytest.param(
        "FMS調達の未精算、2000億円に",
        "米国からのFMS調達で、前払い金の精算が遅れている。",
        "ja",
        {FMS},
        id="fms-ja-fms-in-japanese-copy",
    ),
]

TRAPS = [
    pytest.param(
        "Presidential Message on the 83rd Anniversary of the Liberation of Guam",
        "We remember the Marines who ended the occupation of Guam by Imperial Japan, and we remain committed "
        "to the defense of the island and to the spending our forces in the Pacific need.",
        "en",
        id="trap-imperial-japan-guam",
    ),
    pytest.param(
        "グアム解放記念日の式典",
        "旧日本軍の占領から解放された日を記念し、米軍と住民が式典を開いた。",
        "ja",
        id="trap-imperial-japan-ja",
    ),
    pytest.param(
        "Philippines \u2013 F-16 Block 70 Aircraft ",
        "The State Department has made a determination approving a possible Foreign Military Sale to the "
        "Government of the Philippines of F-16 aircraft for an estimated cost of $5.58 billion. The sale will "
        "improve interoperability with the United States and Japan.",
        "en",
        id="trap-other-country-fms-mentions-japan",
    ),
    pytest.param(
        "Arms Sales Notification",
        "Transmittal No. 26-75. (i) Prospective Purchaser: Government of Australia. (ii) Total Estimated "
        "Value: $300 million. The same system was previously sold to Japan.",
        "en",
        id="trap-other-country-fms-federal-register",
    ),
    pytest.param(
        "米国務省、韓国への早期警戒機売却を承認",
        "米国務省は、韓国に対外有償軍事援助（FMS）で早期警戒機を売却することを承認した。同型機は日本の航空自衛隊も運用している。",
        "ja",
        id="trap-other-country-fms-ja",
    ),
    pytest.param(
        "Fact Sheet: President Trump Extends the Pause on Higher Reciprocal Tariffs",
        "The 90-day pause on higher reciprocal tariffs applies to imports from the European Union, Japan, "
        "Korea, Vietnam and Thailand.",
        "en",
        id="trap-tariffs-japan-listed-among-many",
    ),
    pytest.param(
        "米、相互関税の上乗せ分を90日間停止",
        "トランプ政権は相互関税の上乗せ分の適用を停止した。対象はEU、日本、韓国、ベトナムなど多くの国・地域に及ぶ。",
        "ja",
        id="trap-tariffs-ja-listed-among-many",
    ),
    pytest.param(
        "India hit with 50% U.S. tariff",
        "The rate is far above the 15% tariff that Japan and the European Union secured last year.",
        "en",
        id="trap-tariffs-other-country-comparison",
    ),
    pytest.param(
        "Japan Airlines orders 17 Boeing jets and adds U.S. routes",
        "Japan Airlines will invest in new aircraft and expand service to American cities, and will install a "
        "new flight management system (FMS) across its fleet.",
        "en",
        id="trap-japan-airlines",
    ),
    pytest.param(
        "日本航空、米国路線を増便 ダラス線に新機材",
        "日本航空は、羽田とダラスを結ぶ路線を増便し、新型機を投入すると発表した。",
        "ja",
        id="trap-japan-airlines-ja",
    ),
    pytest.param(
        "Bank of Japan holds rates, flags U.S. tariff risks",
        "The Bank of Japan kept its policy rate at 0.75% and said U.S. tariffs on Japanese exports remain a "
        "risk to growth.",
        "en",
        id="trap-bank-of-japan",
    ),
    pytest.param(
        "Germany's Uniper signs 15-year U.S. LNG supply deal",
        "The deal follows similar contracts by buyers in Japan, China and India.",
        "en",
        id="trap-other-country-lng",
    ),
    pytest.param(
        "JERA、カタールとLNG長期契約",
        "JERAは、カタール産の液化天然ガスを年200万トン購入する。日本の安定調達につなげる。",
        "ja",
        id="trap-other-country-lng-ja",
    ),
    pytest.param(
        "Australia lifts defense spending to 2.3% of GDP",
        "Canberra said it would work more closely with partners such as Japan and India.",
        "en",
        id="trap-other-country-defense",
    ),
    pytest.param(
        "Taiwan pledges $250 billion in U.S. investment",
        "The package is smaller than Japan's $550 billion but larger in semiconductors.",
        "en",
        id="trap-other-country-investment",
    ),
    pytest.param(
        "Startup adds FMS to warehouse robots in Japan",
        "The facility management system (FMS) schedules robot maintenance for Japanese warehouses.",
        "en",
        id="trap-fms-other-acronym",
    ),
    pytest.param(
        "Steel curbs squeeze exporters in Brazil, Mexico, Taiwan and Japan",
        "Shipments of steel to the United States from the four fell after U.S. tariffs doubled.",
        "en",
        id="trap-listed-last-japan",
    ),
    pytest.param(
        "Energy Department extends export licence of Texas gas project",
        "The authorization covers exports to non-free trade agreement countries, among them Japanese "
        "utilities that signed offtake letters.",
        "en",
        id="trap-fta-countries-licence",
    ),
    pytest.param(
        "国内投資家、米国債を4週連続で売り越し",
        "財務省の対外・対内証券投資によると、国内投資家は米国債の売り越しを続けた。",
        "ja",
        id="trap-portfolio-investors-ja",
    ),
    pytest.param(
        "Japanese investors trim U.S. bond holdings",
        "Life insurers in Tokyo sold U.S. government bonds for a second month, investors said.",
        "en",
        id="trap-portfolio-investors-en",
    ),
    pytest.param(
        "IHI lifts profit forecast on defense engine orders",
        "The company expects operating profit of 150 billion yen, citing fighter engine and missile work.",
        "en",
        id="trap-defense-contractor-profit",
    ),
    pytest.param(
        "Shipyard invests in Kure dock to win naval overhaul work",
        "The yard will spend 5 billion yen on a new dry dock to bid for warship maintenance contracts.",
        "en",
        id="trap-defense-contractor-capex",
    ),
    pytest.param(
        "Knesset passes record military budget",
        "Israel's defense spending will exceed 6% of GDP, well above what Japan spends.",
        "en",
        id="trap-other-parliament-defense",
    ),
    pytest.param(
        "China adds duties on resin from Japan",
        "The commerce ministry imposed anti-dumping duties on resin from Japan, the US, Taiwan and the EU.",
        "en",
        id="trap-us-in-a-country-list",
    ),
    pytest.param(
        "PLEASE CONTACT US ABOUT JAPAN TARIFF RATES",
        "Our trade desk answers questions on Japanese tariff schedules.",
        "en",
        id="trap-us-pronoun-in-capitals",
    ),
    pytest.param(
        "米・タイ合意、税率19%　日系部品メーカーに影響",
        "米国とタイの合意で税率が19%に決まり、タイに工場を持つ日系企業が対応を急ぐ。",
        "ja",
        id="trap-us-other-pair-ja",
    ),
    pytest.param(
        "1980年代の日米半導体摩擦と関税",
        "米国の報復関税は、日本の半導体輸出に大きな影響を与えた。",
        "ja",
        id="trap-history-decade-ja",
    ),
    pytest.param(
        "Aisin opens Guanajuato transmission plant",
        "Aisin said the expansion would employ 300 and supply assembly plants in Mexico and Texas.",
        "en",
        id="trap-investment-mexican-state",
    ),
    # tenth-set tuning: defense money that is not Japan's budget
    pytest.param(
        "World military outlays hit a record",
        "The largest spenders were the United States, China, Russia, India, the UK, France and Japan.",
        "en",
        id="trap-defense-world-ranking-list",
    ),
    pytest.param(
        "Navy budget pays for destroyer repairs in Japanese yards",
        "The U.S. Navy set aside $250 million for hull work on forward-deployed ships at yards in Japan.",
        "en",
        id="trap-defense-us-money-at-japanese-yards",
    ),
    pytest.param(
        "Kawasaki Heavy targets 500 billion yen in defense sales",
        "The company said demand for submarines and engines would lift its defense revenue in the plan.",
        "en",
        id="trap-defense-contractor-sales-target",
    ),
    pytest.param(
        "Fujitsu wins contract for ministry cyber defense system",
        "Fujitsu will run a cyber defense system for a ministry's networks; the deal is worth 3 billion yen.",
        "en",
        id="trap-defense-contract-win",
    ),
    pytest.param(
        "Taiwan Weighs 3% Defense Target Under US Pressure, Watches Japan",
        "Taiwan is considering lifting defense spending to 3% of GDP, officials said, noting how far Tokyo goes.",
        "en",
        id="trap-defense-other-country-target-japan-compared",
    ),
    pytest.param(
        "NATO's 5% goal and allies from Canada to Japan",
        "NATO members agreed to spend 5% of GDP on defence; Indo-Pacific partners are not bound by it.",
        "en",
        id="trap-defense-range-of-countries",
    ),
    pytest.param(
        "Pentagon request funds barracks for Marines leaving Okinawa",
        "The Defense Department's request includes $500 million for new facilities on Guam for Marines moving from Okinawa.",
        "en",
        id="trap-investment-pentagon-facilities-for-okinawa-move",
    ),
]


@pytest.mark.parametrize(("title", "text", "lang", "expected"), STATEMENTS)
def test_seed_story_statements_fire_their_topics(
    matcher: TopicMatcher, title: str, text: str, lang: str, expected: set[str]
) -> None:
    assert fired(matcher, title, text, lang) == expected


@pytest.mark.parametrize(("title", "text", "lang"), TRAPS)
def test_traps_fire_nothing(matcher: TopicMatcher, title: str, text: str, lang: str) -> None:
    assert fired(matcher, title, text, lang) == set()


def test_shipped_topics_are_queries_that_parse_and_feeds_yaml_loads() -> None:
    config = load_config(SHIPPED)  # what `pressmon config check` runs
    topics = {t.id: t for t in config.topics}
    assert set(topics) == DEFAULT_TOPICS
    for topic in topics.values():
        assert topic.query is not None, f"{topic.id}: expected a query, not the keyword form"
        assert not topic.keywords, topic.id
        parse_query(topic.query)  # raises QuerySyntaxError with a column
    assert topics[FMS].where is not None
    TopicMatcher(config.topics, config.concepts)  # compiles (where predicates included)

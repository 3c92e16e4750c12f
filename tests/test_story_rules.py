"""Join rules added while tuning on the story sets (``monitor.stories``, ``monitor.story_veto``,
``monitor.story_signature``, ``monitor.story_terms``): for each, a pair that must join and a pair that must
not, and why. Texts are written for the test in the style of the sets (a release, a wire flash, a report).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.stories import StoryCandidate, StoryProbe, decide_story
from monitor.story_signature import signature
from monitor.story_text import fingerprint, is_write_through
from monitor.story_veto import veto
from tests.support import story_decisions

T0 = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)

# (source, title, text, hours after T0)
Item = tuple[str, str, str, float]


def _decide(new: Item, seen: Item) -> tuple[int | None, str]:
    s_source, s_title, s_text, s_hours = seen
    source, title, text, hours = new
    now = T0 + timedelta(hours=hours)
    cand = story_decisions.candidate(7, s_source, s_title, s_text, T0 + timedelta(hours=s_hours))
    d = decide_story(story_decisions.probe(source, title, text, now), [cand], seen_at=now)
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
MAZDA_PRICING = (
    "mazda-usa",
    "Mazda North American Operations Announces Model Year 2027 Pricing",
    "The suggested retail price of the CX-5 and CX-30, imported from Japan, will increase an average of 3.9 "
    "percent, reflecting increased costs including tariffs.",
    0.0,
)
MOF_CA_SEP = (
    "mof-japan",
    "令和8年9月中 国際収支状況（速報）の概要",
    "令和8年9月中の経常収支は2兆4950億円の黒字となりました。第一次所得収支は3兆1200億円の黒字でした。",
    0.0,
)
GDP_REPORT = (
    "reuters",
    "Japan says defence spending reaches 2% of GDP a year ahead of target",
    "Japan's defence-related spending for this fiscal year has reached 2% of gross domestic product, a year "
    "ahead of target, the Defence Ministry said.",
    0.0,
)
NSC_SPARROW = (
    "cas-japan",
    "防衛装備の海外移転について（国家安全保障会議決定）",
    "国家安全保障会議において、我が国がライセンス生産した空対空ミサイル（AIM-7）のライセンス元である米国への移転を"
    "認めることを決定しました。",
    0.0,
)
ANA_787 = (
    "kyodo-ja",
    "ANA、ボーイング787を12機追加発注",
    "全日本空輸はボーイング787型機を12機追加発注すると発表した。",
    0.0,
)
DAIKIN = (
    "daikin-pr",
    "Daikin to Build Heat Pump Plant in Waller, Texas",
    "Daikin Industries will invest $700 million in a heat pump factory in Waller, Texas, its largest "
    "plant in North America.",
    0.0,
)
CARRIER_LIKE = (
    "fujifilm-pr",
    "Fujifilm to Invest $700 Million in a Texas Biologics Plant",
    "Fujifilm will invest $700 million in a biologics manufacturing site in Texas.",
    0.0,
)
DOE_ARGENT_FLASH = ("wire-flash", "DOE GRANTS ARGENT LNG NON-FTA EXPORT PERMIT", "", 0.0)
GULF_HOKKAIDO = (
    "gulf-coast-lng",
    "Gulf Coast LNG Signs 15-Year Supply Deal with Hokkaido Gas",
    "Gulf Coast LNG will supply 0.6 million tonnes per annum of liquefied natural gas to Hokkaido Gas for 15 "
    "years from its planned export plant in Texas.",
    0.0,
)
GULF_HOKKAIDO_HOA = (
    "hokkaido-gas",
    "Hokkaido Gas Signs Heads of Agreement with Gulf Coast LNG",
    "Hokkaido Gas signed heads of agreement with Gulf Coast LNG for 0.6 million tonnes per annum of LNG for 15 "
    "years from the Texas plant.",
    0.0,
)
EU_TALKS_OPEN = (
    "kyodo-en",
    "Japan and EU open talks on steel safeguard quotas",
    "Japan's trade minister and the EU trade commissioner opened two days of talks in Brussels on the EU's "
    "steel safeguard quotas for Japanese steel.",
    0.0,
)
ACME_MOTOR_US = (
    "acme-motor-pr",
    "Acme Motor to Move Crossover Production for the US to Its Alabama Plant",
    "Acme Motor will build its crossover for the United States at its Alabama vehicle plant from April 2027, "
    "moving it from Japan to avoid tariffs.",
    0.0,
)
KUBOTA_REUTERS = (
    "reuters",
    "Kubota to build $600 mln tractor plant in Georgia",
    "Kubota will invest about $600 million in a tractor plant in Georgia, the Japanese machinery maker said "
    "on Monday, moving production for the US market out of Japan to avoid tariffs.",
    0.0,
)

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
        ("wire-flash", "MAZDA RAISES US PRICES OF JAPAN-MADE MODELS 3.9% AVG", "", 0.2), MAZDA_PRICING, 7,
        ["story 7", "pct:3.9"],
        id="a release's own figure beside a tariff word (3.9%, costs including tariffs) is the flash's 3.9%",
    ),
    pytest.param(
        ("wire-flash", "MAZDA RAISES US PRICES OF JAPAN-MADE MODELS 4.2% AVG", "", 0.2), MAZDA_PRICING, None,
        ["closest is story 7"],
        id="... another figure is not",
    ),
    pytest.param(
        ("jiji", "9月の経常黒字2兆4950億円＝財務省", "", 0.2), MOF_CA_SEP, 7, ["story 7", "current-account"],
        id="a flash of the month's current-account surplus joins the ministry's release",
    ),
    pytest.param(
        ("jiji", "10月の経常黒字2兆1030億円＝財務省", "", 0.2), MOF_CA_SEP, None, ["amounts differ"],
        id="... the next month's figure does not",
    ),
    pytest.param(
        ("jiji", "防衛費GDP比2％到達＝1年前倒し―防衛省", "", 1.0), GDP_REPORT, 7, ["story 7", "action:ahead"],
        id="a target reached a year early (前倒し, a year ahead of target) is one event in both languages",
    ),
    pytest.param(
        ("kyodo-en", "Japan OKs export of license-built Sparrow missiles to U.S.",
         "Japan's National Security Council approved the export to the United States of AIM-7 Sparrow "
         "air-to-air missiles produced under license in Japan.", 2.0),
        NSC_SPARROW, 7, ["story 7"],
        id="a license-return export: the missile, the council and the license in both languages",
    ),
    pytest.param(
        ("nikkei-ja", "日航、ボーイング737MAXを17機発注", "日本航空はボーイング737MAXを17機発注すると発表した。", 1.0),
        ANA_787, None, [],
        id="another airline's order of another Boeing model (737 vs 787) is another event",
    ),
    pytest.param(
        ("houston-chronicle", "Daikin plans $700 million heat pump factory west of Houston",
         "The Japanese air conditioner maker will build heat pumps near Waller, employing 1,000 people.", 8.0),
        DAIKIN, 7, ["story 7"],
        id="a local report naming the company and its amount, not the state, joins the company's release",
    ),
    pytest.param(
        ("houston-chronicle", "Daikin plans $700 million heat pump factory west of Houston",
         "The Japanese air conditioner maker will build heat pumps near Waller, employing 1,000 people.", 8.0),
        CARRIER_LIKE, None, ["company differs"],
        id="... not another maker's release of the same amount",
    ),
    pytest.param(
        ("wire-flash", "DOE GRANTS GULFSTREAM LNG NON-FTA EXPORT PERMIT", "", 24.0), DOE_ARGENT_FLASH, None,
        ["company differs"],
        id="templated flashes for two LNG projects (Argent, Gulfstream): the projects are companies",
    ),
    pytest.param(
        ("energy-weekly", "Energy week: Hokkaido Gas signs for Texas LNG, a refinery outage and OPEC's cut",
         "Hokkaido Gas agreed on Tuesday to take 0.6 million tonnes per annum of LNG from Gulf Coast LNG's Texas "
         "plant for 15 years. A refinery outage in Indiana lifted gasoline prices, and OPEC cut output again.",
         30.0),
        GULF_HOKKAIDO, None, ["a roundup joins only its copy"],
        id="a week's roundup naming the deal among other events is its own story, not the deal's",
    ),
    pytest.param(
        ("energy-digest", "Energy week: Hokkaido Gas signs for Texas LNG, a refinery outage and OPEC's cut",
         "Hokkaido Gas agreed on Tuesday to take 0.6 million tonnes per annum of LNG from Gulf Coast LNG's Texas "
         "plant for 15 years. A refinery outage in Indiana lifted gasoline prices, and OPEC cut output again.",
         34.0),
        ("energy-weekly", "Energy week: Hokkaido Gas signs for Texas LNG, a refinery outage and OPEC's cut",
         "Hokkaido Gas agreed on Tuesday to take 0.6 million tonnes per annum of LNG from Gulf Coast LNG's Texas "
         "plant for 15 years. A refinery outage in Indiana lifted gasoline prices, and OPEC cut output again.",
         30.0),
        7, ["a roundup's copy"],
        id="... its word-for-word repost joins the roundup",
    ),
    pytest.param(
        ("gulf-coast-lng", "Gulf Coast LNG Signs 15-Year Sale and Purchase Agreement with Hokkaido Gas",
         "Gulf Coast LNG and Hokkaido Gas signed a binding 15-year agreement for 0.6 million tonnes per annum of "
         "LNG from the Texas plant, following their heads of agreement.", 40.0),
        GULF_HOKKAIDO_HOA, None, ["stage differs (deal: binding vs preliminary)"],
        id="the binding SPA two days after the heads of agreement is another event",
    ),
    pytest.param(
        ("reuters", "Japan, EU end steel quota talks with larger share for Japanese mills",
         "Japan's trade minister and the EU trade commissioner ended two days of talks in Brussels on the EU's "
         "steel safeguard quotas, agreeing a larger quota for Japanese steel.", 28.0),
        EU_TALKS_OPEN, None, ["stage differs (talks: closed vs open)"],
        id="talks concluded are not the talks opening the day before",
    ),
    pytest.param(
        ("nikkei-asia", "Japan and EU start talks on steel safeguard quotas",
         "Japan's trade minister and the EU trade commissioner started two days of talks in Brussels on the "
         "EU's steel safeguard quotas for Japanese steel.", 3.0),
        EU_TALKS_OPEN, 7, ["story 7"],
        id="... another report of the opening joins",
    ),
    pytest.param(
        ("jiji", "補正予算案を閣議決定　防衛費8900億円", "", 50.0),
        ("nhk", "補正予算の財務省原案　防衛費8900億円", "", 0.0), None, ["stage differs (law: cabinet vs draft)"],
        id="the cabinet's decision is not the ministry's draft of two days before, the same figure in both",
    ),
    pytest.param(
        ("kyodo-en", "Tokyo says chip pledge on track after Trump's export control warning",
         "Japan's top government spokesman said Tokyo was carrying out its semiconductor pledge, a day after "
         "President Trump warned of export controls on Japanese chip equipment.", 10.0),
        ("reuters", "Trump warns Japan of export controls on chip equipment",
         "President Trump warned Japan it could face export controls on chip equipment if it did not carry out "
         "its semiconductor pledge.", 0.0),
        None, ["stage differs (remark: reply vs warning)"],
        id="the reply to a warning is another event than the warning",
    ),
    pytest.param(
        ("acme-motor-pr", "Acme Motor to End Second Shift at Kumamoto Plant",
         "Acme Motor will end the second shift at its Kumamoto vehicle plant from April 2027 as exports of "
         "Japan-built vehicles to the United States fall.", 0.1),
        ACME_MOTOR_US, None, ["another text of its source"],
        id="a company's second release of the morning, on another plant, is another event",
    ),
    pytest.param(
        ("mof-stats", "令和8年10月分貿易統計（速報）",
         "10月の輸出額は9兆4000億円で、前年同月比2.8％増となった。対米輸出は3.9％増、輸入額は9兆6000億円だった。",
         20.0),
        ("nikkei-ja", "防衛費、9.4兆円で調整　来年度予算案",
         "政府は来年度予算案で防衛費を過去最大の9兆4000億円とする方向で調整に入った。", 0.0),
        None, ["kind differs (trade statistics vs a budget)"],
        id="a month's trade statistics are not the defence budget, one amount shared by chance",
    ),
    pytest.param(
        ("jiji", "10月の対米輸出3.9％増　貿易統計", "", 20.5),
        ("mof-stats", "令和8年10月分貿易統計（速報）",
         "10月の輸出額は9兆4000億円で、前年同月比2.8％増となった。対米輸出は3.9％増、輸入額は9兆6000億円だった。",
         20.0),
        7, ["story 7"],
        id="... while a flash of the statistics joins them",
    ),
    pytest.param(
        ("jiji", "トマホーク追加納入開始", "", 0.2),
        ("nhk", "トマホーク 追加の納入始まる 護衛艦に搭載へ",
         "防衛省は、アメリカから購入する巡航ミサイル「トマホーク」の追加の納入が始まったと明らかにしました。", 0.0),
        7, ["all it names is in it: designator:BGM-109"],
        id="a flash naming only the weapon joins the report of that weapon minutes before",
    ),
    pytest.param(
        ("jiji", "トマホーク追加納入開始", "", 8.0),
        ("nhk", "トマホーク 追加の納入始まる 護衛艦に搭載へ",
         "防衛省は、アメリカから購入する巡航ミサイル「トマホーク」の追加の納入が始まったと明らかにしました。", 0.0),
        None, ["closest is story 7"],
        id="... not hours later (beyond stub_near, the weapon alone says too little)",
    ),
    pytest.param(
        ("reuters", "UPDATE 1-Kubota to build $600 mln tractor plant in Georgia, adds jobs detail",
         "Kubota will invest about $600 million in a tractor plant near Gainesville, Georgia, the Japanese "
         "machinery maker said on Monday, adding 800 jobs as it moves production for the US market out of Japan "
         "to avoid tariffs. Output is due to start in 2028.", 2.5),
        KUBOTA_REUTERS, 7, ["write-through of story 7"],
        id="a wire's UPDATE 1- write-through at a new URL joins its own first version",
    ),
    pytest.param(
        ("reuters", "Kubota plans $600 mln tractor plant in Georgia, adds jobs detail",
         "Kubota will invest about $600 million in a tractor plant near Gainesville, Georgia, the Japanese "
         "machinery maker said on Monday, adding 800 jobs as it moves production for the US market out of Japan "
         "to avoid tariffs. Output is due to start in 2028.", 2.5),
        KUBOTA_REUTERS, None, ["another text of its source"],
        id="... unmarked, the same source's second text is still another event",
    ),
    pytest.param(
        ("bloomberg", "Kubota Picks Georgia for $600 Million Tractor Plant (2)",
         "Kubota Corp. will spend about $600 million on a tractor factory in Georgia, shifting output for "
         "American buyers from Japan. The plant will employ 800 people.", 1.0),
        ("bloomberg", "Kubota to Build $600 Million Tractor Plant in Georgia",
         "Kubota plans a $600 million tractor plant in Georgia as it moves production out of Japan.", 0.0),
        7, ["story 7"],
        id="Bloomberg's (2) is the same story rewritten",
    ),
    pytest.param(
        ("nhk", "【続報】クボタ 米ジョージア州にトラクター工場 800人雇用",
         "クボタは、アメリカ南部ジョージア州に約6億ドルを投じてトラクター工場を建設すると発表しました。約800人を"
         "雇用し、2028年の生産開始を目指します。", 3.0),
        ("nhk", "クボタ 米にトラクター新工場 約6億ドル",
         "クボタは、アメリカのジョージア州にトラクターの新工場を建設する方針を固めました。投資額は約6億ドルです。",
         0.0),
        7, ["story 7"],
        id="【続報】: a Japanese outlet's follow-up of its own report joins it",
    ),
    pytest.param(
        ("reuters", "UPDATE 1-Lockheed wins $1.2 billion missile order; Japan, Finland among buyers",
         "Lockheed Martin won a $1.2 billion order for extended-range cruise missiles, the Pentagon said on "
         "Wednesday, with Japan and Finland among the foreign buyers. Work will be done in Troy, Alabama.", 3.0),
        ("reuters", "Lockheed gets $1.2 billion missile order including missiles for Japan",
         "Lockheed Martin won a $1.2 billion order for extended-range cruise missiles, including missiles for "
         "Japan, the Pentagon said on Wednesday.", 0.0),
        7, ["write-through of story 7"],
        id="... its headline naming a second buyer is no templated partner veto against its first version",
    ),
    pytest.param(
        ("reuters", "UPDATE 1-Yanmar to build $400 mln engine plant in Indiana",
         "Yanmar will invest about $400 million in an engine plant in Indiana, the Japanese machinery maker "
         "said on Monday, as it moves production for the US market out of Japan to avoid tariffs.", 2.5),
        KUBOTA_REUTERS, None, ["facts differ"],
        id="... a marked write-through of another story of the source does not join this one",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("本田技研工業の決算", {"actor:honda"}),
        ("スパロー、米へ移転決定＝NSC", {"designator:AIM-7", "actor:nsc"}),
        ("発展型シースパロー、対日売却承認", {"designator:RIM-162"}),
        ("対砲兵レーダー11基、対日売却承認", {"designator:TPQ-53", "qty:TPQ-53:11"}),
        ("ANA orders 12 more Boeing 787 jets", {"designator:B-787", "actor:ana"}),
        ("軸受けに25％関税", {"product:bearings", "tariff:25"}),
        ("9月の経常黒字2兆4950億円", {"action:current-account", "money:JPY:2.5e+12"}),
        (
            "Japan cabinet OKs 4.2% pay rise for SDF personnel",
            {"action:cabinet-decision", "action:pay", "actor:sdf", "pct:4.2"},
        ),
        ("Prices rise 3.9% on higher costs including tariffs", {"tariff:3.9", "pct:3.9"}),
        ("防衛費GDP比2％到達＝1年前倒し", {"action:ahead", "gdp:2"}),
        ("Japan OKs export of license-built missiles", {"action:license-return"}),
        ("Japan's IHI picks Cincinnati area for engine parts factory", {"actor:ihi", "hactor:ihi"}),
        ("ダイキン、米テキサスにヒートポンプ工場", {"actor:daikin"}),
        ("安川電機、米ウィスコンシン工場を拡張", {"actor:yaskawa"}),
        ("富士フイルム、米に追加投資", {"actor:fujifilm"}),
        ("Japan cleared for 400 JAGM missiles", {"designator:AGM-179", "qty:AGM-179:400"}),
        ("Japan cleared to buy 60 MK 48 torpedoes", {"designator:MK-48", "qty:MK-48:60"}),
        ("東北電、米LNG調達", {"actor:tohokuelectric"}),
        ("潜水艦建造で川重と契約", {"actor:kawasakiheavy"}),
        ("イージス搭載艦 取得費1.3兆円に", {"designator:ASEV"}),
        ("Cost of Japan's two Aegis System Equipped Vessels rises", {"designator:ASEV"}),
        ("Bridgestone to invest in tire plant", {"actor:bridgestone", "hactor:bridgestone"}),
        ("JFE Steel plans US electrical steel mill", {"actor:jfe", "hactor:jfe"}),
        ("京セラ、米でコンデンサー増産", {"actor:kyocera"}),
        ("レゾナック、米に半導体材料工場", {"actor:resonac"}),
        ("任天堂、米でゲーム機値上げ", {"actor:nintendo"}),
        ("アイシン、米に電動ユニット工場", {"actor:aisin"}),
        ("JAPAN, US BEGIN TWO-DAY TARIFF TALKS", {"hstage:talks:open"}),
        ("GSDF to stand up counterstrike missile unit in Kumamoto", {"actor:sdf", "place:kumamoto"}),
        ("Japan's fourth KC-46A lands at Air Self-Defense Force Miho Air Base", {"actor:sdf", "place:miho"}),
        ("空自KC46A 4号機が美保に到着", {"actor:sdf", "place:miho"}),
        ("与那国に電子戦部隊", {"place:yonaguni"}),
        ("MHI SIGNS US NAVY OILER REPAIR CONTRACT", {"actor:mhi"}),
        ("東ガス、米コーパスクリスティから年50万トン", {"actor:tokyogas"}),
        ("東エレクが一時6％高", {"actor:tokyoelectron"}),
        ("Japan, US agree host-nation support over five years", {"action:host-nation-support"}),
        ("思いやり予算、5年で合意へ", {"action:host-nation-support"}),
        (
            "Toyota to ship US-made Camry and Highlander to Japan",
            {"designator:CAMRY", "designator:HIGHLANDER"},
        ),
        ("トヨタ、米国生産のカムリとハイランダーを日本で販売", {"designator:CAMRY", "designator:HIGHLANDER"}),
        ("日産、ローグの米国生産をテネシーに集約", {"designator:ROGUE", "place:tennessee"}),
        ("NISSAN TO CUT KYUSHU PLANT TO ONE LINE", {"actor:nissan", "place:kyushu"}),
        ("ニューメキシコ州に工場", {"place:newmexico"}),
        ("MUFG, SMFG to Form $10 Billion Fund for US Energy Assets", {"actor:mufg", "actor:smfg"}),
        ("三菱UFJと三井住友フィナンシャル、米インフラ基金", {"actor:mufg", "actor:smfg"}),
        ("Nintendo raises Switch 2 price to $499.99", {"designator:SWITCH2", "actor:nintendo"}),
        ("任天堂 アメリカでスイッチ2値上げ", {"designator:SWITCH2"}),
        ("U.S.-Japan Extended Deterrence Dialogue", {"action:extended-deterrence"}),
        ("日米、拡大抑止協議", {"action:extended-deterrence"}),
        ("US MAGNET TARIFFS TAKE EFFECT", {"product:magnets", "hproduct:magnets"}),
        ("磁石関税「影響を精査」", {"product:magnets"}),
        (
            "USFJ becomes joint force headquarters at Yokota ceremony",
            {"action:joint-force-hq", "place:yokota"},
        ),
        ("在日米軍 統合軍司令部に移行 横田基地で式典", {"action:joint-force-hq", "place:yokota"}),
        ("在日米軍駐留経費負担に係る特別協定の署名について", {"action:host-nation-support"}),
        ("日米協議が終了、関税上限で一致", {"hstage:talks:closed"}),
        ("Joint Statement on the Conclusion of U.S.-Japan Consultations", {"hstage:talks:closed"}),
        ("Utility signs HOA for 1 mtpa of US LNG", {"hstage:deal:preliminary"}),
        ("米LNG、20年の売買契約に署名", {"hstage:deal:binding"}),
        ("Japan enacts law to finance US investment", {"hstage:law:enacted"}),
        ("対米投資支援法案 衆議院で可決", {"hstage:law:lower-house"}),
        ("Magnet tariffs take effect; CBP issues codes", {"hstage:tariff:in-force"}),
        ("磁石などへの関税 発動", {"hstage:tariff:in-force"}),
    ],
)
def test_names_read_as_parts(title: str, parts: set[str]) -> None:
    assert parts <= signature(title, "").parts


@pytest.mark.parametrize(
    ("title", "text", "absent"),
    [
        ("ESSM160発の対日売却承認", "", "designator:ESSM-160"),  # a name glued to its count is no designator
        ("発展型シースパロー、対日売却承認", "", "designator:AIM-7"),  # a Sea Sparrow is not a Sparrow
        ("Japan – AN/TPQ-53 Radars", "eleven (11) AN/TPQ-53 Counterfire Radar systems", "qty:TPQ-53:53"),
        ("ヤマハ発動機、船外機の生産を米国に", "", "hstage:tariff:in-force"),  # a maker's name, not 発動
        ("トヨタ、ハイランダーを日本で販売", "", "country:iran"),  # Highlander, not イラン in it
        ("ニューメキシコ州に工場", "", "country:mexico"),  # New Mexico, not Mexico
        ("ウエストバージニア州に工場", "", "place:virginia"),  # West Virginia, not Virginia
        ("Toyota to sell US-built Camry in Japan", "", "subject:fms"),  # a car model is no weapon
        ("Kyushu Electric signs LNG deal", "", "place:kyushu"),  # the utility, not the island
        ("九州電力、米LNG調達", "", "place:kyushu"),
        ("Sumitomo Mitsui Financial Group sets up a fund", "", "actor:mitsui"),  # the bank, not Mitsui & Co
        ("Nintendo raises Switch 2 price", "", "subject:fms"),  # a console is no weapon
        ("牛肉セーフガードの発動基準を引き上げ", "", "hstage:tariff:in-force"),  # a trigger level
        ("米、磁石に25％関税　18日発動", "", "hstage:tariff:in-force"),  # announced, in force on the 18th
        (
            "Japan wins 15% cap",
            "Talks began on Monday and ended on Tuesday.",
            "hstage:talks:open",
        ),  # text only
    ],
)
def test_not_read_as_parts(title: str, text: str, absent: str) -> None:
    assert absent not in signature(title, text).parts


def test_a_rate_stated_as_a_tariff_on_one_side_and_plainly_on_the_other_is_one_figure() -> None:
    notice = signature(
        "Adjusting Imports of Bearings",
        "Bearings shall be subject to an additional ad valorem duty of 25 percent. The combined rate on "
        "products of Japan shall not exceed 15 percent.",
    )
    report = signature(
        "NSK faces 15% U.S. duty on bearings", "Japanese makers will pay the ceiling, not the 25% rate."
    )
    assert "tariff:15" in report.parts and "rate:15" in notice.parts
    assert veto(report, notice, templated=False) is None
    other = signature(
        "Maker faces 10% U.S. duty on bearings", "Japanese makers will pay 10%, the tariff says."
    )
    assert veto(other, notice, templated=False) == "tariff differs (10 vs 25)"


@pytest.mark.parametrize(("new", "seen", "expected", "reason_has"), CASES)
def test_join(new: Item, seen: Item, expected: int | None, reason_has: list[str]) -> None:
    story, reason = _decide(new, seen)
    assert story == expected, reason
    for words in reason_has:
        assert words in reason, reason


@pytest.mark.parametrize(
    ("title", "marked"),
    [
        ("UPDATE 1-Kubota to build $600 mln tractor plant in Georgia", True),
        ("UPDATE 2: Akazawa, Greer agree to meet in Tokyo", True),
        ("UPDATE: Mazda to shift output to Alabama", True),
        ("REFILE-Japan, Australia agree to study co-production", True),
        ("CORRECTED-Japan to buy engine upgrades, US says", True),
        ("Kubota Picks Georgia for $600 Million Tractor Plant (2)", True),
        ("【更新】反撃能力の部隊、熊本に新編", True),
        ("【続報】与那国に電子戦部隊", True),
        ("【詳報】11月の対米輸出", True),
        ("（詳報）対米投資第9弾", True),
        ("Trump updates tariff schedule for Japan", False),
        ("Update on Japan-US tariff talks", False),
        ("Japan's defence budget for fiscal (2027)", False),
        ("【速報】米、半導体関税25％", False),
        ("詳報を待つ日米交渉", False),
    ],
)
def test_write_through_marks(title: str, marked: bool) -> None:
    assert is_write_through(title) is marked


HITACHI_PLANT = (
    "reuters",
    "Hitachi Energy to spend $1 billion on Virginia transformer plant",
    "Hitachi Energy will invest $1 billion in a large power transformer plant in Virginia, the company said, "
    "adding capacity for US utilities and data centres.",
    0.0,
)


@pytest.mark.parametrize(
    ("stories_naming_hitachi", "expected"),
    [(1, 7), (2, None)],
    ids=["the window's one Hitachi story: joins", "two Hitachi stories in the window: which one is unknown"],
)
def test_a_flash_naming_only_a_company_joins_the_one_story_of_that_company(
    stories_naming_hitachi: int, expected: int | None
) -> None:
    s_source, s_title, s_text, _ = HITACHI_PLANT
    cands = [
        StoryCandidate(7, fingerprint(s_title, s_text), T0, s_source, s_title, signature(s_title, s_text))
    ]
    if stories_naming_hitachi == 2:  # the window's other Hitachi story, of the same morning
        o_title, o_text = (
            "Hitachi Rail wins Baltimore metro car order",
            "Hitachi Rail will build 78 metro cars.",
        )
        other = StoryCandidate(
            8, fingerprint(o_title, o_text), T0, "rail-journal", o_title, signature(o_title, o_text)
        )
        cands.append(other)
    title = "日立 米に変圧器工場 900人雇用"
    probe = StoryProbe(fingerprint(title, ""), title, "nhk", signature(title, ""))
    rarity = {"actor:hitachi": stories_naming_hitachi}
    d = decide_story(probe, cands, seen_at=T0 + timedelta(hours=2), rarity=rarity)
    assert d.story_id == expected, d.reason
    # hours later, the company alone says too little
    late = decide_story(probe, cands, seen_at=T0 + timedelta(hours=8), rarity=rarity)
    assert late.story_id is None, late.reason


@pytest.mark.parametrize(
    ("primary", "expected", "reason_has"),
    [
        (True, 7, "official statement published; same event as story 7"),
        (False, None, "needs 0.85"),
    ],
    ids=["the ministry's release a day and more after the news: joins", "... a report that late: needs 0.85"],
)
def test_an_official_statement_after_the_news_needs_only_min_coverage_with_three_event_facts(
    primary: bool, expected: int | None, reason_has: str
) -> None:
    title = "陸自、熊本に長射程ミサイル部隊　3月新編へ"
    text = "防衛省は陸上自衛隊の長射程ミサイル部隊を2027年3月に熊本の健軍駐屯地に新編する方針を固めた。"
    cand = StoryCandidate(
        7, fingerprint(title, text), T0, "yomiuri", title, signature(title, text, published=T0.date()),
        published_at=T0,
    )  # fmt: skip
    p_title = "令和8年度末における部隊新編について"
    p_text = (
        "陸上自衛隊は、令和9年3月、健軍駐屯地に長射程誘導弾部隊を新編する予定です。本部隊は12式地対艦誘導弾"
        "能力向上型を装備し、スタンド・オフ防衛能力の中核を担います。部隊規模は約100人、九州・沖縄の防衛体制を"
        "強化します。"
    )
    now = T0 + timedelta(hours=32)
    probe = StoryProbe(
        fingerprint(p_title, p_text), p_title, "mod-ja", signature(p_title, p_text, published=now.date()),
        primary=primary, published_at=now,
    )  # fmt: skip
    d = decide_story(probe, [cand], seen_at=now)
    assert d.story_id == expected, d.reason
    assert reason_has in d.reason

"""Numbers in event signatures: amounts and rates read alike across notations and scripts, and items that
state conflicting specific numbers (transmittals, documents, quantities, GDP shares, purchasers, products,
places, companies) never join however similar their wording. Tables; each row can fail on its own."""

from __future__ import annotations

import pytest

from monitor.story_signature import signature
from monitor.story_veto import veto

NOTATIONS = {
    # text: the money / tariff parts it must give (exactly)
    "Japan pledged $550bn.": {"money:USD:5.5e+11"},
    "Japan pledged $550 billion.": {"money:USD:5.5e+11"},
    "Japan pledged US$550 billion.": {"money:USD:5.5e+11"},
    "Japan pledged USD 550 billion.": {"money:USD:5.5e+11"},
    "Japan pledged 550 billion dollars.": {"money:USD:5.5e+11"},
    "Japan pledged 550 billion U.S. dollars.": {"money:USD:5.5e+11"},
    "Japan pledged $550 bil. in investment.": {"money:USD:5.5e+11"},
    "a 550bn-dollar pledge": {"money:USD:5.5e+11"},
    "a $0.55 trillion pledge": {"money:USD:5.5e+11"},
    "日本は5500億ドルを投資": {"money:USD:5.5e+11"},
    "日本は5,500億ドルを投資": {"money:USD:5.5e+11"},
    "日本は５５００億ドルを投資": {"money:USD:5.5e+11"},
    "日本は5500億米ドルを投資": {"money:USD:5.5e+11"},
    "日本は5千500億ドルを投資": {"money:USD:5.5e+11"},
    "日本は5500億㌦を投資": {"money:USD:5.5e+11"},
    "日本は5500億ドル（約80兆円）を投資": {"money:USD:5.5e+11", "money:JPY:8.0e+13"},
    "¥80 trillion": {"money:JPY:8.0e+13"},
    "80 trillion yen": {"money:JPY:8.0e+13"},
    "$1.02 trillion": {"money:USD:1.0e+12"},
    "1兆200億ドル": {"money:USD:1.0e+12"},
    "3億8700万ドル": {"money:USD:3.9e+08"},
    "$387 million": {"money:USD:3.9e+08"},
    "a tariff of 15%": {"tariff:15"},
    "a tariff of 15％": {"tariff:15"},
    "a tariff of 15 percent": {"tariff:15"},
    "a tariff of 15 per cent": {"tariff:15"},
    "a 15-percent tariff": {"tariff:15"},
    "関税は15％": {"tariff:15"},
    "関税は１５％": {"tariff:15"},
    "関税は15パーセント": {"tariff:15"},
    "関税は十五％": {"tariff:15"},
    "関税は二十五％": {"tariff:25"},
    "a tariff of 15.0%": {"tariff:15"},
    "a price of $12 a barrel": set(),  # per-unit figures are not what a report is about
    "Japan's FY2027 defense budget set to top 9 tril. yen": {"money:JPY:9.0e+12"},
    "JAPAN CABINET APPROVES RECORD 9.41 TRLN YEN DEFENSE BUDGET": {"money:JPY:9.4e+12"},
    "A 58 TRLN-YEN PLAN": {"money:JPY:5.8e+13"},
}


@pytest.mark.parametrize("text", NOTATIONS)
def test_amounts_and_rates_read_alike_across_notations(text: str) -> None:
    parts = {p for p in signature("", text).parts if p.split(":", 1)[0] in ("money", "tariff")}
    assert parts == NOTATIONS[text]


NUMBERS = {
    # text: number parts it must give (transmittal, doc, qty, gdp)
    "Transmittal No. 25-45.": {"transmittal:25-45"},
    "under transmittal 26-041": {"transmittal:26-41"},
    "[FR Doc. 2025-14231 Filed 7-28-25]": {"doc:frdoc:2025-14231"},
    "Docket No. USTR-2025-0012": {"doc:docket:USTR-2025-0012"},
    "comments on BIS-2025-0023 are due": {"doc:docket:BIS-2025-0023"},
    "CSMS # 66421187 - GUIDANCE": {"doc:csms:66421187"},
    "DOE/FE Order No. 5378 authorises exports": {"doc:order:5378"},
    "antidumping case A-588-875": {"doc:case:A-588-875"},
    "up to four hundred (400) Tomahawk Block V missiles": {"qty:BGM-109:400"},
    "the sale of 200 more Tomahawks": {"qty:BGM-109:200"},
    "150 AIM-120D-3 missiles": {"qty:AIM-120:150"},
    "トマホーク最大400発の売却": {"qty:BGM-109:400"},
    "対レーダーミサイル「AARGM-ER」96発を売却": {"qty:AGM-88:96"},
    "raise defense spending to 2% of GDP": {"gdp:2"},
    "防衛費をGDP比3.5％に": {"gdp:3.5"},
    "the G7 summit in 2026": set(),  # G7 is not a weapon, 2026 not a count
    "US APPROVES POSSIBLE $530 MLN GLOBAL HAWK SUSTAINMENT SALE": set(),  # an amount, not a count
    "Osaka Gas signs 20-year deal for 1 mtpa of LNG": {"volume:1", "term:20"},
    "年間100万トンのLNGを20年間購入する売買契約": {"volume:1", "term:20"},
    "will buy 0.8 million tonnes a year of LNG for 15 years": {"volume:0.8", "term:15"},
    "2 million tonnes per annum of LNG": {"volume:2"},
    "OSAKA GAS SIGNS 20-YR LNG PURCHASE DEAL": {"term:20"},
    "yields hit a 30-year high": set(),  # a span of years with no contract beside it
    "たばこ税は3年間で段階的に引き上げ": set(),
    "levying an income surtax from January 2027": {"month:2027-01"},
    "Japan to launch defense-related income tax hike in Jan. 2027": {"month:2027-01"},
    "所得税の増税を2027年1月から始める": {"month:2027-01"},
    "防衛財源の所得増税、27年1月開始で調整": {"month:2027-01"},
    "令和9年1月から付加税を課す": {"month:2027-01"},
    "2027年4月から段階的に引き上げ": {"month:2027-04"},
    "2027年1月20日に施行": set(),  # a day: the effective date's part, not a month's
    "2026年4～9月期の決算": set(),  # a half-year, not a month
    "26年度予算": {"fy:2026"},
    "防衛費は2027年度に9兆円台": {"fy:2027"},
    "令和9年度予算案の概要": {"fy:2027"},
    "the defense budget for fiscal 2027": {"fy:2027"},
    "A BUILDUP PLAN FOR FY2028-2032": {"fy:2028"},
    "13年連続の増加": set(),  # a count of years, not a fiscal year
    "発動基準数量を年間26万トンから30万トンに引き上げる": {"volume:0.26", "volume:0.3"},  # the new level too
    "LUTNICK ANNOUNCES $36 BLN FOURTH ROUND OF JAPAN-FUNDED US PROJECTS": {"round:4"},
    "Secretary Lutnick Announces Fourth Set of Projects": {"round:4"},
    "対米投資、第4弾は360億ドル": {"round:4"},
    "the second tranche of the loan": {"round:2"},
    "the fourth quarter": set(),  # a quarter, not a round
}


@pytest.mark.parametrize("text", NUMBERS)
def test_specific_numbers_are_read(text: str) -> None:
    kinds = ("transmittal", "doc", "qty", "gdp", "volume", "term", "month", "fy", "round")
    parts = {p for p in signature("", text).parts if p.split(":", 1)[0] in kinds}
    assert parts == NUMBERS[text]


DSCA = (
    "The State Department has made a determination approving a possible Foreign Military Sale to the "
    "Government of {c} of {q} {s} and related equipment for an estimated cost of ${v} million. "
    "Transmittal No. {t}."
)
GLENFARNE = "Glenfarne and {f} Sign Letter of Intent for Alaska LNG Offtake of 1 million tonnes a year."
SPA = "{f} signs a 20-year LNG sale and purchase agreement with JERA for supply from {p}."
T232 = "The President imposed a 25% tariff under Section 232 on imports of {p}, effective November 1."

NEXI = "日本貿易保険による{w}投資支援の拡充について"
NEXI_TEXT = "経済産業省は、日本貿易保険（NEXI）による{w}投資の保険の付保率を最大100%に引き上げると発表した。"

VETO = {
    "an earnings forecast is not the investment announced the same day": (
        ("NIPPON STEEL CUTS FULL-YEAR PROFIT FORECAST TO 600 BLN YEN", ""),
        (
            "Nippon Steel to build $4 billion mill in Alabama",
            "Nippon Steel will invest $4 billion in a new mill.",
        ),
        False,
        "kind differs",
    ),
    "... nor its Japanese wording (新設 is an investment)": (
        ("日本製鉄、今期事業利益6000億円に下方修正", ""),
        ("日本製鉄 米に電炉新設 約6000億円", ""),
        False,
        "kind differs",
    ),
    "a partner one headline names and the other text never does, between templated texts": (
        (NEXI.format(w="インド向け"), NEXI_TEXT.format(w="インド向け")),
        (NEXI.format(w="対米"), NEXI_TEXT.format(w="対米")),
        True,
        "partner differs",
    ),
    "... not when the other names no country at all (a stub)": (
        (
            "Republic of Korea – F-35A",
            DSCA.format(c="Korea", q="20", s="F-35A aircraft", v="5060", t="26-11"),
        ),
        ("Republic – F-35A (FMS)", ""),
        True,
        None,
    ),
    "one release's own figure in common: its other figures are not another event": (
        ("10月の貿易収支 2350億円の赤字", "貿易収支は2350億円の赤字。対米輸出は3.1%減少した。"),
        ("10月の対米輸出3.1%減", "米国向け輸出は1兆6410億円と前年同月比3.1%減少した。"),
        False,
        None,
    ),
    # name: ((title, text), (title, text), templated, reason the veto gives or None)
    "another transmittal": (
        ("", DSCA.format(c="Japan", q="150", s="AIM-120D missiles", v="387", t="26-81")),
        ("", DSCA.format(c="Japan", q="150", s="AIM-120D missiles", v="387", t="26-82")),
        True,
        "transmittal differs",
    ),
    "same notice, reworded": (
        ("", DSCA.format(c="Japan", q="150", s="AIM-120D missiles", v="387", t="26-81")),
        ("US OKs AMRAAM sale", "Japan may buy 150 AMRAAMs worth $387 million under Transmittal No. 26-81."),
        False,
        None,
    ),
    "another purchaser": (
        ("", DSCA.format(c="Japan", q="150", s="AIM-120D missiles", v="387", t="26-81")),
        ("", DSCA.format(c="Poland", q="150", s="AIM-120D missiles", v="387", t="26-81")),
        True,
        "purchaser differs",
    ),
    "another quantity of one system": (
        ("", "The sale covers 200 Tomahawk Block V missiles."),
        ("", "米国務省はトマホーク400発の売却を承認した。"),
        False,
        "quantity differs",
    ),
    "one quantity in words and in digits": (
        ("", "Up to four hundred (400) Tomahawk Block V All Up Rounds."),
        ("", "米国務省はトマホーク400発の売却を承認した。"),
        False,
        None,
    ),
    "another FR document": (
        ("", "[FR Doc. 2025-14231 Filed 7-28-25] Implementation of the Japan agreement."),
        ("", "[FR Doc. 2025-14299 Filed 7-29-25] Implementation of the Japan agreement."),
        True,
        "document differs",
    ),
    "another docket": (
        ("", "Comments are due on docket USTR-2025-0012 on Japan."),
        ("", "Comments are due on docket USTR-2025-0019 on Japan."),
        True,
        "document differs",
    ),
    "another CBP message": (
        ("", "CSMS # 66421187 - GUIDANCE: refunds of duties on passenger vehicles from Japan."),
        ("", "CSMS # 66421190 - GUIDANCE: refunds of duties on passenger vehicles from Japan."),
        True,
        "document differs",
    ),
    "another GDP share": (
        ("", "Takaichi pledged defense spending of 2% of GDP this fiscal year."),
        ("", "自民党の調査会は防衛費をGDP比3.5％に引き上げるよう提言する。"),
        False,
        "gdp differs",
    ),
    "another Section 232 product": (
        ("", T232.format(p="heavy-duty trucks")),
        ("", T232.format(p="upholstered furniture and kitchen cabinets")),
        True,
        "product differs",
    ),
    "another company, one template": (
        ("", GLENFARNE.format(f="JERA")),
        ("", GLENFARNE.format(f="Tokyo Gas")),
        True,
        "company differs",
    ),
    "another place, one template": (
        ("", SPA.format(f="NextDecade", p="Rio Grande LNG in Texas")),
        ("", SPA.format(f="NextDecade", p="CP2 LNG in Louisiana")),
        True,
        "place differs",
    ),
    "another product in the headline, earlier actions recalled": (
        ("Adjusting Imports of Copper into the United States", T232.format(p="copper, as for steel")),
        ("Adjusting Imports of Timber and Lumber", T232.format(p="timber and lumber, as for steel")),
        True,
        "hproduct differs",
    ),
    "another country's fact sheet that recalls Japan's": (
        (
            "Fact Sheet: Trade Agreement with the Republic of Korea",
            "A deal like the one with Japan: 15% tariff.",
        ),
        ("Fact Sheet: Trade Agreement with Japan", "The deal sets a 15% tariff on Japanese goods."),
        True,
        "hcountry differs",
    ),
    "arms-sale news headlined with another buyer": (
        (
            "US approves AMRAAM sale to Poland",
            "The State Department approved a possible sale of AIM-120D missiles to Poland, DSCA said.",
        ),
        (
            "US clears AMRAAM missiles for Japan",
            "Washington cleared Japan to buy AIM-120D missiles, DSCA said.",
        ),
        False,
        "buyer differs",
    ),
    "another tariff rate, across scripts": (
        ("", "The tariff on Japanese cars is 15%."),
        ("", "日本車への関税は25％となる。"),
        False,
        "tariff differs",
    ),
    "another amount": (
        ("", "Japan will invest $550 billion in the US."),
        ("", "Korea will invest $350 billion in the US."),
        False,
        "amounts differ",
    ),
    "another yearly volume of one supply deal": (
        ("", "Toho Gas will buy 0.5 million tonnes a year of LNG from Commonwealth LNG."),
        ("", "大阪ガスはコモンウェルスLNGから年間100万トンのLNGを購入する。"),
        False,
        "volume differs",
    ),
    "another contract term": (
        ("", "Tohoku Electric signed a 20-year sale and purchase agreement with Sempra."),
        ("", "Kyushu Electric signed a 15-year sale and purchase agreement with Sempra."),
        False,
        "term differs",
    ),
    "the same chip terms headlined with another partner": (
        ("Trump implements the semiconductor terms of the U.S.-Korea agreement", "Chips from Korea."),
        ("Trump caps US tariffs on Japanese chips at 15%", "Japanese chips pay at most 15%."),
        False,
        "partner differs",
    ),
    "a call headlined with the country it discussed": (
        ("Trump and Takaichi hold phone call, discussed North Korea", "They talked about North Korea."),
        ("日米電話会談", "日米首脳が電話会談を行った。"),
        False,
        None,
    ),
    "one amount in two scripts": (
        ("", "Japan will invest $550 billion in the US."),
        ("", "日本は米国に5500億ドルを投資する。"),
        False,
        None,
    ),
    "a report naming the platform of the notice's missile, one amount": (
        ("", DSCA.format(c="Japan", q="150", s="AIM-120D missiles", v="387", t="26-81")),
        ("", "米国務省はF35戦闘機に搭載する空対空ミサイルを3億8700万ドルで日本に売却することを承認した。"),
        False,
        None,
    ),
    "another weapon": (
        ("", "The US approved selling Japan SM-6 missiles."),
        ("", "The US approved selling Japan Tomahawk missiles."),
        False,
        "designator differs",
    ),
}


@pytest.mark.parametrize("name", VETO)
def test_conflicting_numbers_veto_a_join(name: str) -> None:
    a, b, templated, reason = VETO[name]
    why = veto(signature(*a), signature(*b), templated=templated)
    if reason is None:
        assert why is None
    else:
        assert why is not None and why.startswith(reason), why
        # symmetric
        assert veto(signature(*b), signature(*a), templated=templated) is not None


BILINGUAL = {
    # English, Japanese: a concept both must carry
    "actor:wright": ("U.S. Energy Secretary Chris Wright signed", "ライト米エネルギー長官が署名した"),
    "actor:muto": ("industry minister Yoji Muto", "武藤経済産業大臣"),
    "actor:doe": ("the Department of Energy approved", "米エネルギー省が承認した"),
    "actor:tokyogas": ("Tokyo Gas signed", "東京ガスが署名"),
    "actor:cbp": ("U.S. Customs and Border Protection said", "米税関・国境警備局は"),
    "action:refund": ("refunds of overpaid duties", "過払い分を還付"),
    "action:coproduction": ("agree to co-produce AMRAAM", "日本で共同生産"),
    "action:loi": ("signs an HOA for 0.8 mtpa", "基本合意"),
    "action:policy-speech": ("in his policy speech", "所信表明演説で"),
    "action:security-documents": ("revise three security documents", "安保3文書を改定"),
    "action:defense-spending": ("defense spending", "防衛費"),
    "action:budget-request": ("budget request", "概算要求"),
    "action:export-authorization": ("non-FTA export authorization", "輸出許可"),
    "action:investment-committee": ("the consultation committee", "協議委員会"),
    "product:semiconductors": ("a chip tariff", "半導体関税"),
    "product:nuclear": ("small modular reactors", "小型原発"),
    "designator:AIM-120": ("AMRAAMs", "中距離空対空ミサイル"),
    "designator:MQ-9": ("MQ-9B SeaGuardian drones", "シーガーディアン"),
    "designator:GBU-39": ("US APPROVES SALE OF SMALL DIAMETER BOMBS", "小型精密誘導爆弾GBU39を売却"),
    "actor:audit-board": ("Japan's Board of Audit said", "会計検査院は指摘した"),
    "actor:kansaielectric": ("Kansai Electric signs an HOA", "関電、基本合意"),
    "actor:delfin": ("KANSAI ELECTRIC SIGNS LNG HOA WITH DELFIN", "米デルフィンLNGから年80万トン"),
    "action:safeguard": ("the beef safeguard trigger", "緊急関税の発動基準"),
    "action:exclusion": ("Trump exempts Japanese aircraft parts", "日本製航空機部品の関税免除"),
    "action:strategic-lng": ("its strategic buffer LNG scheme", "戦略的余剰LNG（SBL）"),
    "action:construction-bonds": ("construction bonds for SDF facilities", "建設国債を充当"),
    "action:buildup-plan": ("a defense buildup program", "防衛力整備計画を閣議決定"),
    "action:trade-data": ("EXPORTS TO US -3.1%", "対米輸出3.1%減"),
    "subject:fms": ("FMS payments unsettled", "有償軍事援助（FMS）"),
    "action:mou": ("sign a memorandum on LNG", "LNGで協力文書に署名"),
    "action:cabinet-decision": ("the Cabinet approved the budget", "予算案を閣議決定した"),
    "action:earnings-forecast": ("cuts its full-year profit forecast", "通期業績予想の修正"),
}


@pytest.mark.parametrize("concept", BILINGUAL)
def test_english_and_japanese_spellings_give_one_part(concept: str) -> None:
    en, ja = BILINGUAL[concept]
    assert concept in signature("", en).parts
    assert concept in signature("", ja).parts


YEN_DOLLARS = {
    # (yen text, dollar text): the yen amount counts as shared with the dollar one
    ("総額3300億円の売却", "a sale worth $2.19 billion"): True,  # 150 yen to the dollar
    ("総額3300億円の売却", "a sale worth $2.19 billion, or 330 billion yen"): False,  # stated alike already
    ("総額3300億円の売却", "a sale worth $22 billion"): False,  # 15 yen to the dollar: another amount
    ("総額3300億円の売却", "a sale worth $1.2 billion"): False,  # 275 yen to the dollar
    ("約80兆円の投資", "a $550 billion investment"): True,
}


@pytest.mark.parametrize("pair", YEN_DOLLARS)
def test_an_amount_in_yen_is_the_same_amount_in_dollars_at_a_plausible_rate(pair: tuple[str, str]) -> None:
    from monitor.story_score import _same_amount_in_yen_and_dollars

    yen, usd = (signature("", t) for t in pair)
    assert bool(_same_amount_in_yen_and_dollars(yen, usd)) is YEN_DOLLARS[pair]


COUNTRIES = {
    # text: the country parts it must give (exactly)
    "インドネシアとの合意": {"country:indonesia"},  # not India as well
    "インドとの合意": {"country:india"},
    "the sale to Kuwait": {"country:kuwait"},
    "クウェートへの売却": {"country:kuwait"},
    "North Korea fired a missile": {"country:northkorea"},
    "Seoul and Tokyo": {"country:korea", "country:japan"},
}


@pytest.mark.parametrize("text", COUNTRIES)
def test_countries_in_both_languages(text: str) -> None:
    assert signature("", text).kind("country") == COUNTRIES[text]


MORE_BILINGUAL = {
    "actor:ccs": ("the chief cabinet secretary said", "官房長官は記者会見で"),
    "actor:boj": ("the Bank of Japan", "日銀は"),
    "actor:whitehouse": ("the White House said", "ホワイトハウスは"),
    "product:chiptools": ("semiconductor manufacturing equipment", "半導体製造装置"),
    "designator:FGM-148": ("Javelin missiles", "ジャベリン"),
    "action:export-controls": ("export controls on chips", "輸出規制"),
    "action:trade-deal": ("the trade deal", "関税合意"),
    "actor:trump": ("President Trump signed", "米大統領が署名"),
    "actor:osakagas": ("Osaka Gas signs", "大阪瓦斯株式会社は"),
    "product:drones": ("Imports of Unmanned Aircraft Systems", "無人機の輸入"),
    "product:wind": ("a wind turbine maker", "風力発電設備に50％関税"),
    "product:robots": ("a robot plant", "ロボット工場"),
    "actor:tohogas": ("Toho Gas signs", "東邦瓦斯株式会社は"),
    "actor:kyushuelectric": ("Kyushu Electric Power will buy", "九州電力株式会社は"),
    "actor:tohokuelectric": ("Tohoku Electric Power Co.", "東北電力は"),
    "actor:woodside": ("Woodside Louisiana LNG", "ウッドサイド・ルイジアナLNG"),
    "actor:sempra": ("Sempra Infrastructure", "センプラ・インフラストラクチャー"),
    "actor:shinetsu": ("Shin-Etsu Chemical", "信越化学工業"),
    "actor:mlit": ("the transport ministry said", "国土交通省は"),
    "actor:maff": ("Japan's farm ministry", "農林水産省は"),
    "actor:fiscal-council": ("the Fiscal System Council", "財政制度等審議会は"),
    "designator:AGM-88": ("AARGM-ER missiles", "対レーダーミサイル"),
    "action:quota": ("within the minimum access quota", "ミニマムアクセス米の枠内"),
    "action:energy-dialogue": ("U.S.-Japan Energy Security Dialogue", "日米エネルギー安全保障対話"),
    "action:incident": ("Osprey makes precautionary landing", "オスプレイが予防着陸"),
    "action:certification": ("without additional testing", "追加試験なしで"),
    "action:defense-tax": ("a defense income tax", "防衛増税"),
    "action:tobacco-tax": ("raise the tobacco tax", "たばこ税を引き上げ"),
    "action:fid": ("a final investment decision", "最終投資決定"),
    "action:derivatives": ("steel and aluminum derivative products", "鉄鋼・アルミの派生品"),
}


NOT_A_TERM = {
    # text: a part it must not give (a spelling inside another word or phrase)
    "財政制度等審議会は建議をまとめた": "actor:congress",  # 審議会 is a council, not 議会
    "the ruling coalition agreed": "action:lawsuit",
    "delivered the required certification notifying Congress": "action:certification",  # every DSCA notice  # a ruling party is not a court's ruling
    "Japan's ruling parties decided": "action:lawsuit",
    "米国の半導体232条措置について（経済産業大臣コメント）": "product:rice",  # コメント, a comment, is not コメ
}


@pytest.mark.parametrize("text", NOT_A_TERM)
def test_a_spelling_inside_another_phrase_is_not_the_term(text: str) -> None:
    assert NOT_A_TERM[text] not in signature("", text).parts


@pytest.mark.parametrize("concept", MORE_BILINGUAL)
def test_more_terms_in_both_languages(concept: str) -> None:
    en, ja = MORE_BILINGUAL[concept]
    assert concept in signature("", en).parts and concept in signature("", ja).parts


@pytest.mark.parametrize(
    "text",
    [
        "Denso commits $800 million to Tennessee SiC module plant",
        "米テキサスにヒートポンプ工場",
        "a new factory",
    ],
)
def test_a_plant_is_investment_news(text: str) -> None:
    # an item naming a plant shares the investment subject with the company's release (not "no topic")
    assert "subject:investment" in signature(text, "").parts


HEADLINES = {
    # (stub headline, other headline): share of the shorter one's content words in the other
    ("Tomahawk sale to Japan approved", "US approves $2.19 billion Tomahawk missile sale to Japan"): 1.0,
    ("Japan – Tomahawk", "US approves Tomahawk sale to Japan"): 0.0,  # under three content words
    ("Rain in Tokyo on Friday", "Tomahawk sale to Japan approved by the State Department"): 0.0,
    # CJK as bigrams of kanji/katakana runs: another missile's sale shares ミサ, サイ, イル, 売却, 却承, 承認 and
    # the State Department, not 沿岸防衛 (9 of the stub's 14 bigrams; as characters it was 0.70)
    (
        "米国務省 沿岸防衛ミサイルの日本への売却承認",
        "長距離対艦ミサイル48発の対日売却承認　米国務省、1400億円",
    ): 9 / 14,
    ("米国産LNG、年700万トン追加調達へ", "日米 LNG協力で覚書 米国産を年700万トン追加調達へ"): 1.0,
}


@pytest.mark.parametrize("pair", HEADLINES)
def test_a_stub_headline_inside_a_longer_one(pair: tuple[str, str]) -> None:
    from monitor.story_text import headline_containment

    assert headline_containment(*pair) == pytest.approx(HEADLINES[pair])


def _every_pattern(text: str) -> set[str]:
    """number_parts without its word gates: every pattern over the whole text (the reference the gated
    function must equal), months by the one forward pattern."""
    from decimal import Decimal

    from monitor import story_numbers as n

    out: set[str] = set()
    out |= {f"transmittal:{int(m.group(1)):02d}-{int(m.group(2))}" for m in n._TRANSMITTAL.finditer(text)}
    out |= {f"doc:{f}:{m.group(1).upper()}" for f, rx in n._DOCS for m in rx.finditer(text)}
    out |= {f"gdp:{format(Decimal(m.group(1)).normalize(), 'f')}" for rx in n._GDP for m in rx.finditer(text)}
    for i, rx in enumerate(n._VOLUME):
        vs = [Decimal(m.group(1)) / (100 if i else 1) for m in rx.finditer(text)]
        out |= {f"volume:{format(v.normalize(), 'f')}" for v in vs if 0 < v < 100}
    out |= {f"round:{n._ORDINALS[m.group(1).casefold()]}" for m in n._ROUND_EN.finditer(text)}
    out |= {f"round:{int(m.group(1))}" for m in n._ROUND_JA.finditer(text)}
    out |= {f"fy:{m.group(1)}" for m in n._FY_EN.finditer(text)}
    for m in n._FY_JA.finditer(text):
        year = int(m.group(2))
        year = 2018 + year if m.group(1) else year if year >= 2000 else 2000 + year
        out |= {f"fy:{year}"} if 2000 <= year <= 2100 else set()
    out |= {f"month:{m.group(2)}-{n._MONTHS[m.group(1).casefold()]:02d}" for m in n._MONTH_EN.finditer(text)}
    for m in n._MONTH_JA.finditer(text):
        year, month = int(m.group(2)), int(m.group(3))
        year = 2018 + year if m.group(1) else 2000 + year if year < 100 else year
        out |= {f"month:{year}-{month:02d}"} if 2000 <= year <= 2100 and 1 <= month <= 12 else set()
    for rx in n._TERM:
        for m in rx.finditer(text):
            near = text[max(0, m.start() - 60) : m.end() + 40]
            if 2 <= int(m.group(1)) <= 40 and n._CONTRACT.search(near):
                out.add(f"term:{int(m.group(1))}")
    return out


def test_number_parts_gated_by_words_finds_what_every_pattern_finds() -> None:
    """The word gates (a pattern runs only on a text with a word each of its matches has) and months found
    from their years change no part: every text of the story and relevance sets, and each in capitals."""
    import unicodedata
    from pathlib import Path

    import yaml

    from monitor.story_numbers import number_parts

    root = Path(__file__).parent / "corpus"
    texts = [
        unicodedata.normalize("NFKC", f"{e.get('title', '')}\n{e.get('text', '')}")
        for path in sorted(root.glob("*.yaml")) + sorted((root / "stories").glob("*.yaml"))
        for e in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("items", [])
    ]
    crafted = (
        "Transmittal No. 26-61 WASHINGTON, Sept. 24,  2026 FR Doc. 2026-12345 USTR-2026-0012 A-588-876 "
        "RIN 0694-AJ12 CSMS # 65432109 DOE/FE Order No. 5123; 2 percent of gross domestic product; "
        "3.5 mtpa; 年間120万トン; 年間26万トンから30万トン; second round; 第3弾; FY2027; 令和8年度; "
        "November\n2026; 2026年11月; 令和8年12月; a 20-year SPA; 15年間の契約"
    )
    texts.append(crafted)
    texts += [t.upper() for t in texts] + [t.lower() for t in texts]
    assert len(texts) > 3000
    differ = [t[:80] for t in texts if number_parts(t) != _every_pattern(t)]
    assert differ == []
    assert len(number_parts(crafted)) >= 15 and len(number_parts(crafted.lower())) >= 15

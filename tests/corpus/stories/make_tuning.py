"""Writes tests/corpus/stories/tuning.yaml: the story-clustering TUNING set (the blind set is separate).

    .venv/bin/python tests/corpus/stories/make_tuning.py > tests/corpus/stories/tuning.yaml

Stories are built from event facts (an FMS notice, a Section 232 action, a trade-deal fact sheet, an
investment announcement, a leaders' meeting) and outlet styles: the government's statement (primary),
a wire quoting one or two of its sentences, re-posts (a copy with a line changed), independently written
reports in English and in Japanese (their own wording, the same facts), headline-only stubs. Negatives:
templated notices of another purchaser, product or country (``templated-negative``) and follow-ups on
the same topic a day or two later (``same-topic-different-event``), each naming what it is easily
confused with. Names, dates and figures are illustrative. Deterministic: no randomness but a fixed seed.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

T0 = datetime(2026, 9, 1, 13, 0, tzinfo=UTC)
R = random.Random(14)


def ja_money(usd: float, cur: str = "ドル") -> str:
    cho, rest = divmod(round(usd), 10**12)
    oku, rest = divmod(rest, 10**8)
    man = rest // 10**4
    out = (f"{cho}兆" if cho else "") + (f"{oku}億" if oku else "") + (f"{man}万" if man else "")
    return out + cur


def en_money(usd: float) -> str:
    if usd >= 1e12:
        return f"${usd / 1e12:g} trillion"
    if usd >= 1e9:
        return f"${usd / 1e9:g} billion"
    return f"${usd / 1e6:g} million"


ITEMS: list[dict[str, Any]] = []


def add(story: str, cls: str, source: str, lang: str, at: datetime, title: str, text: str, **kw: Any) -> None:
    ITEMS.append(
        {
            "id": f"{story}-{sum(1 for i in ITEMS if i['story'] == story) + 1}",
            "story": story,
            "class": cls,
            "source": source,
            "lang": lang,
            "published": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": title,
            "text": text,
            **kw,
        }
    )


# --------------------------------------------------------------------------------------------------- FMS
FMS = [
    # story, purchaser, ja name, system, ja system, designator-ish headline, value, transmittal, contractor
    (
        "fms-jp-sm6",
        "Japan",
        "日本",
        "Standard Missile-6 (SM-6) Block IA missiles",
        "SM6迎撃ミサイル",
        "SM-6",
        900e6,
        "26-41",
        "RTX Corporation",
    ),
    (
        "fms-pl-amraam",
        "Poland",
        "ポーランド",
        "AIM-120D Advanced Medium-Range Air-to-Air Missiles",
        "AIM120D空対空ミサイル",
        "AIM-120D",
        1.69e9,
        "26-12",
        "RTX Corporation",
    ),
    (
        "fms-jp-amraam",
        "Japan",
        "日本",
        "AIM-120D Advanced Medium-Range Air-to-Air Missiles",
        "AIM120D空対空ミサイル",
        "AIM-120D",
        1.2e9,
        "26-14",
        "RTX Corporation",
    ),
    (
        "fms-kr-f35",
        "Republic of Korea",
        "韓国",
        "F-35A Conventional Take-Off and Landing aircraft",
        "F35A戦闘機",
        "F-35A",
        5.06e9,
        "26-20",
        "Lockheed Martin",
    ),
    (
        "fms-jp-e2d",
        "Japan",
        "日本",
        "E-2D Advanced Hawkeye sustainment and spare parts",
        "E2D早期警戒機の維持部品",
        "E-2D",
        1.38e9,
        "26-33",
        "Northrop Grumman",
    ),
    (
        "fms-au-mq9",
        "Australia",
        "オーストラリア",
        "MQ-9B Remotely Piloted Aircraft",
        "MQ9B無人機",
        "MQ-9B",
        1.1e9,
        "26-22",
        "General Atomics",
    ),
    (
        "fms-tw-nasams",
        "Taipei Economic and Cultural Representative Office in the United States",
        "台湾",
        "National Advanced Surface-to-Air Missile Systems (NASAMS)",
        "NASAMS地対空ミサイル",
        "NASAMS",
        1.98e9,
        "26-05",
        "RTX Corporation",
    ),
    (
        "fms-jp-kc46",
        "Japan",
        "日本",
        "KC-46A Pegasus tanker aircraft",
        "KC46A空中給油機",
        "KC-46A",
        4.1e9,
        "26-48",
        "The Boeing Company",
    ),
    (
        "fms-ph-f16",
        "Philippines",
        "フィリピン",
        "F-16 Block 70/72 aircraft",
        "F16戦闘機",
        "F-16",
        5.58e9,
        "26-09",
        "Lockheed Martin",
    ),
    (
        "fms-jp-tomahawk",
        "Japan",
        "日本",
        "Tomahawk Block V All Up Rounds",
        "トマホーク巡航ミサイル",
        "Tomahawk",
        2.35e9,
        "26-52",
        "RTX Corporation",
    ),
    (
        "fms-dk-aim9x",
        "Denmark",
        "デンマーク",
        "AIM-9X Block II Sidewinder missiles",
        "AIM9X空対空ミサイル",
        "AIM-9X",
        280e6,
        "26-17",
        "RTX Corporation",
    ),
    (
        "fms-jp-jassm",
        "Japan",
        "日本",
        "AGM-158B-2 Joint Air-to-Surface Standoff Missiles-Extended Range",
        "JASSM-ER長距離巡航ミサイル",
        "JASSM-ER",
        1.05e9,
        "26-57",
        "Lockheed Martin",
    ),
    (
        "fms-de-ch47",
        "Germany",
        "ドイツ",
        "CH-47F Chinook helicopters",
        "CH47F輸送ヘリコプター",
        "CH-47F",
        8.5e9,
        "26-29",
        "The Boeing Company",
    ),
    (
        "fms-jp-pac3",
        "Japan",
        "日本",
        "PAC-3 MSE missiles",
        "PAC3迎撃ミサイル",
        "PAC-3",
        1.6e9,
        "26-61",
        "Lockheed Martin",
    ),
    (
        "fms-no-jlgtv",
        "Norway",
        "ノルウェー",
        "Joint Light Tactical Vehicles",
        "統合軽戦術車両",
        "JLTV",
        310e6,
        "26-64",
        "AM General",
    ),
    (
        "fms-jp-sm3",
        "Japan",
        "日本",
        "Standard Missile-3 Block IIA missiles",
        "SM3ブロック2A迎撃ミサイル",
        "SM-3",
        1.2e9,
        "26-66",
        "RTX Corporation",
    ),
    (
        "fms-in-mh60",
        "India",
        "インド",
        "MH-60R Multi-Mission Helicopter support",
        "MH60R哨戒ヘリ支援",
        "MH-60R",
        946e6,
        "26-70",
        "Lockheed Martin",
    ),
]
FMS_NEG = {
    "fms-jp-amraam": "fms-pl-amraam",
    "fms-jp-kc46": "fms-jp-e2d",
    "fms-jp-pac3": "fms-jp-sm6",
    "fms-dk-aim9x": "fms-pl-amraam",
    "fms-jp-jassm": "fms-jp-tomahawk",
    "fms-jp-sm3": "fms-jp-sm6",
}


def fms_story(n: int, spec: tuple[Any, ...]) -> None:
    story, buyer, buyer_ja, system, system_ja, short, value, tn, contractor = spec
    at = T0 + timedelta(days=n * 2, hours=R.randint(0, 6))
    head = f"{buyer if len(buyer) < 30 else 'Taipei Economic and Cultural Representative Office'} – {short}"
    primary = (
        f"WASHINGTON – The State Department has made a determination approving a possible Foreign Military "
        f"Sale to the Government of {buyer} of {system} and related equipment for an estimated cost of "
        f"{en_money(value)}. The Defense Security Cooperation Agency delivered the required certification "
        f"notifying Congress of this possible sale today. The Government of {buyer} has requested to buy "
        f"{system}. The principal contractor will be {contractor}. This proposed sale will support the "
        f"foreign policy and national security of the United States. Transmittal No. {tn}."
    )
    neg = {"confuses_with": FMS_NEG[story]} if story in FMS_NEG else {}
    cls0 = "templated-negative" if neg else "primary"
    add(story, cls0, "dsca", "en", at, head, primary, **neg)
    add(
        story,
        "stub",
        "defense-aggregator",
        "en",
        at + timedelta(hours=1),
        f"{buyer.split(' ')[0]} – {short} (FMS)",
        "",
    )
    style = n % 3
    if style == 0:
        text = (
            f"The U.S. State Department cleared {buyer} to buy {short} weapons in a deal worth up to "
            f"{en_money(value)}, the Pentagon's arms-sale agency said. Congress was notified on the "
            f"package, built by {contractor}, under transmittal {tn}."
        )
    elif style == 1:
        text = (
            f"{buyer} moved a step closer to acquiring {short} after Washington approved the potential "
            f"sale, valued at about {en_money(value)}. Lawmakers now have 30 days to object. The DSCA "
            f"said {contractor} would be the prime contractor."
        )
    else:
        text = (
            f"Washington signed off on a possible {en_money(value)} sale of {system} to {buyer}, "
            f"according to a notice sent to Congress. Analysts said the {short} buy strengthens "
            f"deterrence in the region."
        )
    add(
        story,
        "independent",
        "defense-news",
        "en",
        at + timedelta(hours=3),
        f"US approves {en_money(value)} {short} sale to {buyer.split(' ')[0]}",
        text,
    )
    add(
        story,
        "quoting-wire",
        "wire",
        "en",
        at + timedelta(hours=2),
        f"State Dept OKs {short} for {buyer.split(' ')[0]}",
        f'The State Department said on Tuesday it approved a potential sale to {buyer}. "The State Department '
        f"has made a determination approving a possible Foreign Military Sale to the Government of {buyer} of "
        f'{system} and related equipment for an estimated cost of {en_money(value)}," the agency said.',
    )
    if buyer_ja == "日本" or n % 2 == 0:
        add(
            story,
            "cross-language",
            "nhk",
            "ja",
            at + timedelta(hours=5),
            f"米国務省 {buyer_ja}への{system_ja}売却を承認",
            f"アメリカ国務省は、{buyer_ja}に{system_ja}などを売却することを承認し、議会に通知しました。"
            f"売却額は最大で{ja_money(value)}と見積もられています。国防安全保障協力局によりますと、主契約企業は"
            f"{contractor.replace('The ', '')}になる見通しです。",
        )


# ------------------------------------------------------------------------------------------- tariffs
TARIFF = [
    # story, product en, product ja, rate, effective date (en, ja, iso)
    ("t232-steel", "steel", "鉄鋼", 50, ("June 4, 2026", "2026年6月4日")),
    ("t232-aluminum", "aluminum", "アルミニウム", 50, ("June 4, 2026", "2026年6月4日")),
    ("t232-lumber", "softwood lumber and timber", "木材", 10, ("October 14, 2026", "2026年10月14日")),
    ("t232-copper", "semi-finished copper products", "銅製品", 50, ("August 1, 2026", "2026年8月1日")),
    (
        "t232-trucks",
        "medium and heavy-duty trucks",
        "大型トラック",
        25,
        ("November 1, 2026", "2026年11月1日"),
    ),
    ("t232-pharma", "branded pharmaceuticals", "医薬品", 100, ("October 1, 2026", "2026年10月1日")),
    (
        "t232-furniture",
        "upholstered furniture and kitchen cabinets",
        "家具",
        30,
        ("January 1, 2027", "2027年1月1日"),
    ),
    ("t232-semis", "semiconductors", "半導体", 25, ("December 1, 2026", "2026年12月1日")),
    (
        "t232-robotics",
        "robotics and industrial machinery",
        "ロボットと産業機械",
        25,
        ("February 1, 2027", "2027年2月1日"),
    ),
    (
        "t232-drones",
        "unmanned aircraft systems and parts",
        "ドローン",
        35,
        ("January 15, 2027", "2027年1月15日"),
    ),
]
TARIFF_NEG = {
    "t232-aluminum": "t232-steel",
    "t232-copper": "t232-steel",
    "t232-furniture": "t232-lumber",
    "t232-semis": "t232-pharma",
    "t232-drones": "t232-robotics",
}


def tariff_story(n: int, spec: tuple[Any, ...]) -> None:
    story, prod, prod_ja, rate, (date_en, date_ja) = spec
    at = T0 + timedelta(days=1 + n * 3, hours=R.randint(0, 5))
    neg = {"confuses_with": TARIFF_NEG[story]} if story in TARIFF_NEG else {}
    primary = (
        f"By the authority vested in me as President by the Constitution and the laws of the United States, "
        f"including section 232 of the Trade Expansion Act of 1962, I hereby proclaim that imports of {prod} "
        f"shall be subject to an additional ad valorem duty of {rate} percent, effective for goods entered on "
        f"or after 12:01 a.m. eastern daylight time on {date_en}. The Secretary of Commerce found that these "
        f"imports threaten to impair the national security of the United States. Imports from Japan and the "
        f"European Union remain subject to the terms of their agreements."
    )
    add(
        story,
        "templated-negative" if neg else "primary",
        "whitehouse",
        "en",
        at,
        f"Adjusting Imports of {prod.title()} into the United States",
        primary,
        **neg,
    )
    add(
        story,
        "independent",
        "reuters-like",
        "en",
        at + timedelta(hours=2),
        f"Trump sets {rate}% tariff on {prod} imports from {date_en.rsplit(',', 1)[0]}",
        f"President Donald Trump imposed a {rate}% tariff on imports of {prod}, citing national security, in a "
        f"proclamation that takes effect on {date_en}. Japanese exporters said they were studying how the "
        f"levy interacts with the U.S.-Japan trade agreement, which caps most duties on Japan at 15%.",
    )
    add(
        story,
        "cross-language",
        "nikkei-ja",
        "ja",
        at + timedelta(hours=4),
        f"米、{prod_ja}に{rate}%関税 {date_ja.split('年', 1)[1]}から",
        f"トランプ米大統領は、通商拡大法232条に基づき、{prod_ja}の輸入に{rate}%の追加関税を課す布告に署名した。"
        f"{date_ja}から適用する。日本政府は日米合意との関係について米側に説明を求める方針だ。",
    )
    if n % 2 == 0:
        add(
            story,
            "stub",
            "wire-flash",
            "en",
            at + timedelta(minutes=40),
            f"Trump signs {rate}% Section 232 tariff on {prod}",
            "",
        )
    if n % 3 == 0:
        add(
            story,
            "repost",
            "trade-blog",
            "en",
            at + timedelta(hours=6),
            f"Proclamation: {prod.title()} imports",
            primary.replace("I hereby proclaim", "the President proclaimed").replace(
                "vested in me", "vested in him"
            ),
        )


# ----------------------------------------------------------------------------------------- trade deals
DEALS = [
    ("deal-jp", "Japan", "日本", 15, 550e9, "autos", "自動車", "Akazawa", "赤沢経済再生相"),
    ("deal-uk", "United Kingdom", "英国", 10, 0, "autos", "自動車", "Reynolds", "レイノルズ英ビジネス貿易相"),
    ("deal-kr", "Korea", "韓国", 15, 350e9, "autos", "自動車", "Kim", "金韓国産業通商資源相"),
    (
        "deal-eu",
        "European Union",
        "欧州連合",
        15,
        600e9,
        "autos",
        "自動車",
        "Sefcovic",
        "シェフチョビッチ欧州委員",
    ),
    ("deal-vn", "Vietnam", "ベトナム", 20, 0, "footwear", "履物", "Dien", "ジエン商工相"),
    (
        "deal-id",
        "Indonesia",
        "インドネシア",
        19,
        0,
        "palm oil",
        "パーム油",
        "Airlangga",
        "アイルランガ経済担当調整相",
    ),
    ("deal-ph", "Philippines", "フィリピン", 19, 0, "electronics", "電子部品", "Roque", "ロケ貿易産業相"),
    (
        "deal-ch",
        "Switzerland",
        "スイス",
        15,
        200e9,
        "pharmaceuticals",
        "医薬品",
        "Parmelin",
        "パルムラン経済相",
    ),
]
DEAL_NEG = {
    "deal-uk": "deal-jp",
    "deal-kr": "deal-jp",
    "deal-eu": "deal-kr",
    "deal-id": "deal-vn",
    "deal-ph": "deal-id",
    "deal-ch": "deal-eu",
}


def deal_story(n: int, spec: tuple[Any, ...]) -> None:
    story, country, country_ja, rate, invest, goods, goods_ja, minister, minister_ja = spec
    at = T0 + timedelta(days=2 + n * 4, hours=R.randint(0, 8))
    neg = {"confuses_with": DEAL_NEG[story]} if story in DEAL_NEG else {}
    pledge = f" {country} will invest {en_money(invest)} in the United States." if invest else ""
    primary = (
        f"FACT SHEET: President Donald J. Trump Secures a Historic Trade Agreement with {country}. Today, "
        f"President Trump announced an agreement with {country} that establishes a {rate} percent tariff on "
        f"imports from {country}, including {goods}.{pledge} {country} will open its market to American "
        f"agricultural products, energy and industrial goods. The agreement delivers on the President's "
        f"promise of fair and reciprocal trade for American workers and businesses."
    )
    add(
        story,
        "templated-negative" if neg else "primary",
        "whitehouse",
        "en",
        at,
        f"Fact Sheet: President Donald J. Trump Secures a Historic Trade Agreement with {country}",
        primary,
        **neg,
    )
    add(
        story,
        "quoting-wire",
        "wire",
        "en",
        at + timedelta(hours=1),
        f"US, {country} reach trade deal; {rate}% tariff",
        f'The White House said the United States and {country} had reached a trade deal. "Today, President '
        f"Trump announced an agreement with {country} that establishes a {rate} percent tariff on imports "
        f'from {country}, including {goods}," it said in a fact sheet. {minister} called it a good outcome.',
    )
    inv = f", and a pledge of {en_money(invest)} in investment" if invest else ""
    add(
        story,
        "independent",
        "ft-like",
        "en",
        at + timedelta(hours=5),
        f"{country} settles for {rate}% US tariff in deal with Washington",
        f"{country}'s negotiators, led by {minister}, accepted a {rate}% levy on most exports to the U.S., "
        f"{goods} included{inv}. Business groups in {country} welcomed the certainty but warned margins "
        f"would suffer.",
    )
    inv_ja = f"また{ja_money(invest)}の対米投資を約束した。" if invest else ""
    add(
        story,
        "cross-language",
        "kyodo-ja",
        "ja",
        at + timedelta(hours=6),
        f"米と{country_ja}が貿易合意 関税{rate}%",
        f"米ホワイトハウスは、{country_ja}との貿易合意を発表した。{country_ja}からの輸入品には{goods_ja}を含め"
        f"{rate}%の関税を課す。{inv_ja}交渉を担った{minister_ja}は「合意を歓迎する」と述べた。",
    )
    if n % 2 == 1:
        add(
            story,
            "stub",
            "wire-flash",
            "en",
            at + timedelta(minutes=30),
            f"US-{country} trade deal sets {rate}% tariff",
            "",
        )


# ----------------------------------------------------------------------------------------- investment
INVEST = [
    # story, company/actor en, ja, amount, place en, ja, product en, ja
    (
        "inv-toyota",
        "Toyota",
        "トヨタ自動車",
        10e9,
        "North Carolina",
        "ノースカロライナ州",
        "battery plant",
        "電池工場",
    ),
    (
        "inv-softbank",
        "SoftBank",
        "ソフトバンクグループ",
        100e9,
        "Texas",
        "テキサス州",
        "AI data centers",
        "AIデータセンター",
    ),
    (
        "inv-westinghouse",
        "Japan",
        "日本政府",
        80e9,
        "Pennsylvania",
        "ペンシルベニア州",
        "Westinghouse nuclear reactors",
        "ウェスチングハウスの原子炉",
    ),
    ("inv-honda", "Honda", "ホンダ", 4e9, "Ohio", "オハイオ州", "electric vehicle plant", "電気自動車工場"),
    (
        "inv-nipponsteel",
        "Nippon Steel",
        "日本製鉄",
        14e9,
        "Pennsylvania",
        "ペンシルベニア州",
        "U.S. Steel mills",
        "USスチールの製鉄所",
    ),
    (
        "inv-hitachi",
        "Hitachi",
        "日立製作所",
        1e9,
        "Virginia",
        "バージニア州",
        "power grid transformer factory",
        "変圧器工場",
    ),
    (
        "inv-jbic-lng",
        "JBIC",
        "国際協力銀行",
        44e9,
        "Alaska",
        "アラスカ州",
        "LNG pipeline project",
        "LNGパイプライン事業",
    ),
    (
        "inv-mitsubishi",
        "Mitsubishi Corp.",
        "三菱商事",
        5.2e9,
        "Louisiana",
        "ルイジアナ州",
        "natural gas assets",
        "天然ガス資産",
    ),
    ("inv-panasonic", "Panasonic", "パナソニック", 4e9, "Kansas", "カンザス州", "battery plant", "電池工場"),
    (
        "inv-nidec",
        "Nidec",
        "ニデック",
        1e9,
        "Texas",
        "テキサス州",
        "AI data center cooling plant",
        "AIデータセンター冷却装置工場",
    ),
    (
        "inv-mitsui",
        "Mitsui & Co.",
        "三井物産",
        2.5e9,
        "Texas",
        "テキサス州",
        "ammonia plant",
        "アンモニア工場",
    ),
    (
        "inv-kawasaki",
        "Kawasaki Heavy Industries",
        "川崎重工業",
        700e6,
        "Nebraska",
        "ネブラスカ州",
        "rail car factory",
        "鉄道車両工場",
    ),
    (
        "inv-sumitomo",
        "Sumitomo Mitsui Banking",
        "三井住友銀行",
        3e9,
        "New York",
        "ニューヨーク州",
        "U.S. lending expansion",
        "米国融資拡大",
    ),
    (
        "inv-denso",
        "Denso",
        "デンソー",
        1.5e9,
        "Tennessee",
        "テネシー州",
        "semiconductor module plant",
        "半導体モジュール工場",
    ),
]
INV_NEG = {
    "inv-panasonic": "inv-toyota",
    "inv-nidec": "inv-softbank",
    "inv-honda": "inv-toyota",
    "inv-denso": "inv-toyota",
}


def invest_story(n: int, spec: tuple[Any, ...]) -> None:
    story, who, who_ja, amount, place, place_ja, what, what_ja = spec
    at = T0 + timedelta(days=3 + n * 3, hours=R.randint(0, 8))
    neg = {"confuses_with": INV_NEG[story]} if story in INV_NEG else {}
    cls = "templated-negative" if neg else "first"
    add(
        story,
        cls,
        "nikkei-en",
        "en",
        at,
        f"{who} to invest {en_money(amount)} in {place} {what}",
        f"{who} will invest {en_money(amount)} to build {what} in {place}, part of Japan's pledge to expand "
        f"investment in the United States under the tariff agreement. Commerce Secretary Howard Lutnick "
        f"welcomed the plan, which the company said would create thousands of jobs.",
        **neg,
    )
    add(
        story,
        "independent",
        "bloomberg-like",
        "en",
        at + timedelta(hours=4),
        f"{place} lands {en_money(amount)} {who} project",
        f"{place} officials hailed a {en_money(amount)} commitment from {who} for {what}, one of the largest "
        f"Japanese investments in the state's history. Lutnick said the deal showed the trade pact working.",
    )
    add(
        story,
        "cross-language",
        "nhk",
        "ja",
        at + timedelta(hours=2),
        f"{who_ja} 米{place_ja}に{ja_money(amount)}投資",
        f"{who_ja}は、アメリカ{place_ja}に{what_ja}を建設するため、{ja_money(amount)}を投資すると発表しました。"
        f"日米の関税合意に基づく対米投資の一環で、ラトニック商務長官は計画を歓迎しました。",
    )
    if n % 2 == 0:
        add(
            story,
            "repost",
            "yahoo-news",
            "en",
            at + timedelta(hours=1),
            f"{who} to invest {en_money(amount)} in {place} {what}",
            f"{who} will invest {en_money(amount)} to build {what} in {place}, as part of Japan's pledge to expand "
            f"investment in the United States under the tariff agreement. Commerce Secretary Howard Lutnick "
            f"welcomed the plan, which the company said would create thousands of new jobs.",
        )
    if n % 3 == 1:
        add(
            story,
            "stub",
            "wire-flash",
            "en",
            at + timedelta(minutes=20),
            f"{who} plans {en_money(amount)} U.S. {what}",
            "",
        )


# ------------------------------------------------------------------------------- leaders and ministers
MEET = [
    # story, what en, ja, who en, who ja, day offset, topic sentence en, ja, amount
    (
        "meet-summit",
        "summit",
        "首脳会談",
        "Trump and Takaichi",
        "トランプ大統領と高市首相",
        20,
        "agreed to accelerate the $550 billion investment framework and cooperate on shipbuilding",
        "5500億ドルの対米投資の枠組みの加速と造船分野での協力で一致した",
        550e9,
    ),
    (
        "meet-call",
        "phone call",
        "電話会談",
        "Trump and Takaichi",
        "トランプ大統領と高市首相",
        12,
        "discussed North Korea and confirmed the tariff agreement would be implemented steadily",
        "北朝鮮情勢について意見を交わし、関税合意を着実に実施することを確認した",
        0,
    ),
    (
        "meet-akazawa1",
        "talks",
        "閣僚協議",
        "Akazawa and Lutnick",
        "赤沢経済再生相とラトニック商務長官",
        6,
        "discussed the first projects under the investment committee, including energy and critical minerals",
        "投資委員会の第1弾案件としてエネルギーと重要鉱物の事業を協議した",
        0,
    ),
    (
        "meet-akazawa2",
        "talks",
        "閣僚協議",
        "Akazawa and Lutnick",
        "赤沢経済再生相とラトニック商務長官",
        8,
        "agreed on a 15% tariff cap for Japanese semiconductors and pharmaceuticals",
        "日本の半導体と医薬品の関税を15%を上限とすることで合意した",
        0,
    ),
    (
        "meet-defense",
        "defense ministers meeting",
        "防衛相会談",
        "Hegseth and Koizumi",
        "ヘグセス国防長官と小泉防衛相",
        25,
        "agreed to co-produce AMRAAM missiles and expand joint exercises",
        "AMRAAM空対空ミサイルの共同生産と共同訓練の拡大で一致した",
        0,
    ),
    (
        "meet-bessent",
        "finance talks",
        "財務相会談",
        "Bessent and Kato",
        "ベッセント財務長官と加藤財務相",
        16,
        "discussed exchange rates and agreed that excessive volatility was undesirable",
        "為替相場について意見を交わし、過度な変動は望ましくないとの認識で一致した",
        0,
    ),
]
MEET_NEG = {"meet-akazawa2": "meet-akazawa1"}


def meet_story(spec: tuple[Any, ...]) -> None:
    story, what, what_ja, who, who_ja, day, en, ja, _amount = spec
    at = T0 + timedelta(days=day, hours=R.randint(0, 6))
    neg = {"confuses_with": MEET_NEG[story]} if story in MEET_NEG else {}
    primary_src = "mofa-ja" if day % 2 == 0 else "kantei-en"
    primary_cls = "same-topic-different-event" if neg else "primary"
    # News first; the government's own readout comes after (the primary should become the lead).
    add(
        story,
        "first",
        "kyodo-en",
        "en",
        at,
        f"{who} hold {what}, {en.split(' and ')[0]}",
        f"{who} held a {what} on {at:%A}, and {en}, officials said. The two sides will meet again before the end "
        f"of the year.",
    )
    add(
        story,
        "cross-language",
        "nhk",
        "ja",
        at + timedelta(hours=1),
        f"{who_ja}が{what_ja}",
        f"{who_ja}が{what_ja}を行い、{ja}。両政府は年内に改めて協議する予定です。",
    )
    add(
        story,
        "independent",
        "japantimes-like",
        "en",
        at + timedelta(hours=3),
        f"{who.split(' and ')[0]} and counterpart {en.split(' and ')[0]}",
        f"In a {what} lasting about an hour, {who} {en}. Officials on both sides described the meeting as "
        f"productive.",
    )
    add(
        story,
        primary_cls,
        primary_src,
        "en" if primary_src == "kantei-en" else "ja",
        at + timedelta(hours=6),
        f"{'Japan-U.S. ' + what.title() if primary_src == 'kantei-en' else '日米' + what_ja}",
        (
            f"On {at:%B %d}, {who} held a {what}. The two sides {en}."
            if primary_src == "kantei-en"
            else f"{at.month}月{at.day}日、{who_ja}による{what_ja}が行われたところ、概要は以下のとおり。両者は{ja}。"
        ),
        **neg,
    )
    add(
        story, "stub", "wire-flash", "en", at + timedelta(minutes=15), f"{who} {what}: {en.split(',')[0]}", ""
    )


# ----------------------------------------------------------------------- follow-ups: same topic, new event
def followups() -> None:
    base = T0 + timedelta(days=40)
    add(
        "fu-550-projects",
        "same-topic-different-event",
        "nikkei-en",
        "en",
        base,
        "Japan names first projects under $550 billion US investment pledge",
        "Japan and the United States selected the first three projects to be financed under Japan's $550 "
        "billion investment commitment: a gas turbine plant, a copper smelter and an ammonia facility. "
        "Lutnick said more would follow.",
        confuses_with="fu-550-deadline",
    )
    add(
        "fu-550-projects",
        "cross-language",
        "nhk",
        "ja",
        base + timedelta(hours=3),
        "対米投資 第1弾の3事業決定",
        "日米両政府は、日本による5500億ドルの対米投資の第1弾として、ガスタービン工場、銅製錬所、アンモニア施設の3つの事業を"
        "選んだと発表しました。ラトニック商務長官は今後も案件が続くと述べました。",
    )
    add(
        "fu-550-projects",
        "independent",
        "bloomberg-like",
        "en",
        base + timedelta(hours=5),
        "Gas turbines, copper and ammonia get first slice of Japan's US fund",
        "A gas turbine factory, a copper smelter and an ammonia plant are the first projects chosen for "
        "Japan's $550 billion U.S. investment vehicle, Commerce Secretary Lutnick said.",
    )
    add(
        "fu-550-deadline",
        "same-topic-different-event",
        "reuters-like",
        "en",
        base + timedelta(hours=30),
        "Japan misses target date for $550 billion fund rules, Lutnick says",
        "Japan has not finalised the rules governing its $550 billion investment fund by the September "
        "deadline, Commerce Secretary Howard Lutnick said, warning that tariff relief could be reviewed.",
        confuses_with="fu-550-projects",
    )
    add(
        "fu-550-deadline",
        "cross-language",
        "kyodo-ja",
        "ja",
        base + timedelta(hours=33),
        "対米投資の規則 期限内にまとまらず ラトニック氏",
        "ラトニック米商務長官は、日本の5500億ドルの対米投資の運用規則が9月の期限までにまとまらなかったと述べ、"
        "関税の優遇措置を見直す可能性に言及した。",
    )
    add(
        "fu-tariff-threat",
        "same-topic-different-event",
        "reuters-like",
        "en",
        base + timedelta(hours=50),
        "Trump threatens 25% tariff on Japan if investment stalls",
        "President Trump said he could raise tariffs on Japanese goods to 25% if Tokyo fails to deliver "
        "the investment it promised, escalating pressure over the deal.",
        confuses_with="deal-jp",
    )
    add(
        "fu-tariff-threat",
        "cross-language",
        "nhk",
        "ja",
        base + timedelta(hours=52),
        "トランプ氏 日本に25%関税を示唆",
        "トランプ大統領は、日本が約束した投資を実行しなければ日本製品への関税を25%に引き上げる可能性があると述べました。",
    )
    add(
        "fu-tariff-threat",
        "stub",
        "wire-flash",
        "en",
        base + timedelta(hours=50, minutes=20),
        "Trump: could raise Japan tariff to 25%",
        "",
    )
    add(
        "fu-lng-contract",
        "same-topic-different-event",
        "nikkei-en",
        "en",
        base + timedelta(hours=70),
        "JERA signs 20-year US LNG deal for 5.5 million tons a year",
        "JERA signed a 20-year agreement to buy 5.5 million tons a year of liquefied natural gas from a "
        "Louisiana export project, Japan's largest utility said.",
        confuses_with="inv-mitsubishi",
    )
    add(
        "fu-lng-contract",
        "cross-language",
        "nikkei-ja",
        "ja",
        base + timedelta(hours=72),
        "JERA 米LNGを年550万トン20年契約",
        "JERAはアメリカ・ルイジアナ州の輸出事業から液化天然ガス（LNG）を年間550万トン、20年間購入する契約を結んだ。",
    )
    add(
        "fu-fms-jp-amraam-2",
        "same-topic-different-event",
        "defense-news",
        "en",
        T0 + timedelta(days=4, hours=40),
        "Japan's AMRAAM buy to be co-produced, officials say",
        "Japanese and U.S. officials are discussing co-production of AIM-120 missiles in Japan after the "
        "recent approval of a sale, Mitsubishi Electric said, with a decision expected next year.",
        confuses_with="fms-jp-amraam",
    )
    add(
        "fu-fms-jp-amraam-2",
        "cross-language",
        "nhk",
        "ja",
        T0 + timedelta(days=4, hours=44),
        "AMRAAM 日本での共同生産を協議",
        "日米両政府は、空対空ミサイルAIM120の日本での共同生産について協議しています。三菱電機が明らかにしました。来年にも判断します。",
    )


def main() -> None:
    for n, spec in enumerate(FMS):
        fms_story(n, spec)
    for n, spec in enumerate(TARIFF):
        tariff_story(n, spec)
    for n, spec in enumerate(DEALS):
        deal_story(n, spec)
    for n, spec in enumerate(INVEST):
        invest_story(n, spec)
    for spec in MEET:
        meet_story(spec)
    followups()
    ITEMS.sort(key=lambda i: (i["published"], i["id"]))
    header = __doc__.strip().replace("\n", "\n# ")
    sys.stdout.write("# " + header + "\n")
    yaml.safe_dump({"items": ITEMS}, sys.stdout, allow_unicode=True, sort_keys=False, width=110)


if __name__ == "__main__":
    main()

"""Event signatures: what an item reports, as parts that survive rewording and translation. Pure.

Two reports of one event written independently (or one in Japanese, one in English) share few words,
so MinHash sees nothing in common. They do share *what* they report: the amount (``5500億ドル`` and
``$550 billion`` are one ``money:USD:5.5e11``), the rate, the purchaser and system of an arms sale,
the products and countries of a trade action, the people and bodies acting, the effective date.
:func:`signature` reads those from the facts extractors (``monitor.match.facts``) and a small bilingual
key-term table (:data:`TERMS`), and returns a :class:`Signature`: the item's topics plus a set of parts
``"kind:value"``.

Parts (``kind``):
  ``money``       ``money:<ISO currency>:<amount to 2 significant figures>`` (so ``$1.02 trillion`` and
                  ``1兆ドル`` agree); FMS total values included.
  ``tariff``      a rate with a tariff word nearby (``tariff:15``); ``rate`` any other rate.
  ``purchaser``, ``transmittal``, ``system``   FMS notice fields (system: its significant tokens).
  ``designator``  a weapon or aircraft designator written anywhere (``AIM-120D``, ``F-35A``, ``SM-6``).
  ``date``        an effective date (ISO).
  ``country``, ``product``, ``actor``, ``action``, ``place`` (a US state)   from :data:`TERMS` (English
                  and Japanese spellings of one concept give one part; the United States is left out: it is
                  in everything).
  ``subject``     fms / tariff / investment: a coarse topic for items no configured topic matched.

:func:`veto` says why two signatures cannot be one event however similar their texts (a different
purchaser, transmittal, system, FMS value, amount in the same currency, tariff rate, effective date,
or a disjoint set of products or countries): templated notices share most of their words.

:func:`index_parts` are the parts worth an index row (everything but ``rate`` and ``subject``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monitor.match.facts import FACT_KINDS, extract_facts

__all__ = ["TERMS", "Signature", "index_parts", "signature", "veto"]

# concept id -> spellings (matched case-insensitively on NFKC text; ASCII terms on word boundaries).
TERMS: Mapping[str, tuple[str, ...]] = {
    # countries and blocs (the United States is left out on purpose)
    "country:japan": ("japan", "japanese", "tokyo", "日本", "日米", "東京"),
    "country:poland": ("poland", "polish", "warsaw", "ポーランド"),
    "country:korea": ("south korea", "korea", "korean", "seoul", "韓国", "米韓"),
    "country:northkorea": ("north korea", "north korean", "dprk", "pyongyang", "北朝鮮"),
    "country:taiwan": ("taiwan", "taipei", "台湾"),
    "country:australia": ("australia", "australian", "canberra", "豪州", "オーストラリア"),
    "country:uk": ("united kingdom", "britain", "british", "u.k.", "london", "英国", "イギリス", "米英"),
    "country:eu": ("european union", "e.u.", "brussels", "欧州連合", "ＥＵ", "EU"),
    "country:china": ("china", "chinese", "beijing", "中国", "米中"),
    "country:india": ("india", "indian", "new delhi", "インド"),
    "country:philippines": ("philippines", "philippine", "manila", "フィリピン"),
    "country:vietnam": ("vietnam", "vietnamese", "ベトナム"),
    "country:indonesia": ("indonesia", "indonesian", "インドネシア"),
    "country:canada": ("canada", "canadian", "ottawa", "カナダ"),
    "country:mexico": ("mexico", "mexican", "メキシコ"),
    "country:germany": ("germany", "german", "berlin", "ドイツ"),
    "country:netherlands": ("netherlands", "dutch", "オランダ"),
    "country:norway": ("norway", "norwegian", "ノルウェー"),
    "country:saudi": ("saudi arabia", "saudi", "サウジアラビア", "サウジ"),
    "country:israel": ("israel", "israeli", "イスラエル"),
    "country:thailand": ("thailand", "thai", "タイ王国"),
    "country:switzerland": ("switzerland", "swiss", "スイス"),
    "country:brazil": ("brazil", "brazilian", "ブラジル"),
    "country:denmark": ("denmark", "danish", "デンマーク"),
    "country:spain": ("spain", "spanish", "スペイン"),
    "country:italy": ("italy", "italian", "イタリア"),
    "country:france": ("france", "french", "フランス"),
    "country:finland": ("finland", "finnish", "フィンランド"),
    "country:greece": ("greece", "greek", "ギリシャ"),
    "country:romania": ("romania", "romanian", "ルーマニア"),
    "country:egypt": ("egypt", "egyptian", "エジプト"),
    "country:morocco": ("morocco", "moroccan", "モロッコ"),
    "country:singapore": ("singapore", "シンガポール"),
    "country:malaysia": ("malaysia", "malaysian", "マレーシア"),
    "country:nz": ("new zealand", "ニュージーランド"),
    # products of a trade action
    "product:steel": ("steel", "鉄鋼", "鋼材"),
    "product:aluminum": ("aluminum", "aluminium", "アルミ"),
    "product:autos": ("automobile", "automobiles", "passenger vehicles", "vehicles", "cars", "autos",
                      "自動車", "乗用車", "日本車", "米国車", "輸入車", "完成車"),
    "product:autoparts": ("auto parts", "automotive parts", "自動車部品"),
    "product:trucks": ("trucks", "heavy-duty trucks", "トラック"),
    "product:semiconductors": ("semiconductor", "semiconductors", "chips", "chipmaking", "半導体"),
    "product:pharma": ("pharmaceutical", "pharmaceuticals", "drugs", "medicines", "医薬品", "製薬"),
    "product:lumber": ("lumber", "timber", "softwood", "木材", "製材"),
    "product:copper": ("copper", "銅"),
    "product:rice": ("rice", "コメ", "米国産米"),
    "product:beef": ("beef", "牛肉"),
    "product:pork": ("pork", "豚肉"),
    "product:soybeans": ("soybean", "soybeans", "大豆"),
    "product:corn": ("corn", "maize", "トウモロコシ"),
    "product:wheat": ("wheat", "小麦"),
    "product:lng": ("liquefied natural gas", "lng", "液化天然ガス", "ＬＮＧ"),
    "product:shipbuilding": ("shipbuilding", "ships", "shipyards", "造船", "船舶"),
    "product:minerals": ("critical minerals", "rare earths", "rare earth", "重要鉱物", "レアアース"),
    "product:aircraft": ("aircraft", "airliners", "boeing", "航空機", "旅客機"),
    "product:furniture": ("furniture", "cabinets", "家具"),
    "product:machinery": ("machinery", "machine tools", "工作機械"),
    "product:solar": ("solar", "polysilicon", "太陽光", "ポリシリコン"),
    "product:batteries": ("batteries", "battery", "電池", "蓄電池"),
    "product:ai": ("artificial intelligence", "ai infrastructure", "data centers", "人工知能",
                   "データセンター"),
    "product:nuclear": ("nuclear", "reactors", "原子力", "原発"),
    # people and bodies acting
    "actor:trump": ("trump", "トランプ"),
    "actor:ishiba": ("ishiba", "石破"),
    "actor:takaichi": ("takaichi", "高市"),
    "actor:lutnick": ("lutnick", "ラトニック"),
    "actor:bessent": ("bessent", "ベッセント"),
    "actor:greer": ("greer", "グリア"),
    "actor:akazawa": ("akazawa", "赤沢", "赤澤"),
    "actor:motegi": ("motegi", "茂木"),
    "actor:hegseth": ("hegseth", "ヘグセス"),
    "actor:rubio": ("rubio", "ルビオ"),
    "actor:nakatani": ("nakatani", "中谷"),
    "actor:koizumi": ("koizumi", "小泉"),
    "actor:hayashi": ("hayashi", "林官房長官", "林芳正"),
    "actor:kato": ("katsunobu kato", "kato", "加藤財務相", "加藤勝信"),
    "actor:ustr": ("trade representative", "ustr", "通商代表部", "ＵＳＴＲ"),
    "actor:commerce": ("commerce department", "department of commerce", "commerce secretary", "商務省",
                       "商務長官"),
    "actor:dsca": ("defense security cooperation agency", "dsca", "国防安全保障協力局"),
    "actor:state": ("state department", "department of state", "国務省"),
    "actor:meti": ("ministry of economy, trade and industry", "meti", "経済産業省", "経産省"),
    "actor:mofa": ("ministry of foreign affairs", "foreign ministry", "外務省"),
    "actor:mod": ("ministry of defense", "defense ministry", "防衛省"),
    "actor:jbic": ("japan bank for international cooperation", "jbic", "国際協力銀行"),
    "actor:nexi": ("nippon export and investment insurance", "nexi", "日本貿易保険"),
    "actor:toyota": ("toyota", "トヨタ"),
    "actor:honda": ("honda", "ホンダ"),
    "actor:nissan": ("nissan", "日産"),
    "actor:softbank": ("softbank", "ソフトバンク"),
    "actor:nipponsteel": ("nippon steel", "日本製鉄"),
    "actor:ussteel": ("u.s. steel", "us steel", "ＵＳスチール", "USスチール"),
    "actor:westinghouse": ("westinghouse", "ウェスチングハウス", "ウエスチングハウス"),
    "actor:lockheed": ("lockheed", "ロッキード"),
    "actor:raytheon": ("raytheon", "rtx", "レイセオン"),
    "actor:boeingco": ("boeing company", "ボーイング"),
    "actor:congress": ("congress", "議会"),
    # weapons named by name rather than designator (the designator part, so both spellings agree)
    "designator:AIM-120": ("amraam", "アムラーム"),
    "designator:AIM-9": ("sidewinder", "サイドワインダー"),
    "designator:PAC-3": ("patriot", "パトリオット"),
    "designator:BGM-109": ("tomahawk", "トマホーク"),
    "designator:AGM-158": ("jassm", "ジャスム"),
    "designator:NASAMS": ("nasams", "ナサムズ"),
    "designator:HIMARS": ("himars", "ハイマース"),
    "designator:JLTV": ("jltv", "joint light tactical vehicle", "joint light tactical vehicles",
                        "統合軽戦術車両"),
    "designator:KC-46": ("pegasus",),
    "designator:E-2": ("hawkeye", "ホークアイ"),
    "designator:CH-47": ("chinook", "チヌーク"),
    "designator:F-35": ("joint strike fighter",),
    "actor:jera": ("jera",),
    "actor:mitsubishielectric": ("mitsubishi electric", "三菱電機"),
    "actor:mhi": ("mitsubishi heavy", "三菱重工"),
    # US states (where an investment goes)
    "place:texas": ("texas", "テキサス"),
    "place:louisiana": ("louisiana", "ルイジアナ"),
    "place:alaska": ("alaska", "アラスカ"),
    "place:pennsylvania": ("pennsylvania", "ペンシルベニア"),
    "place:ohio": ("ohio", "オハイオ"),
    "place:northcarolina": ("north carolina", "ノースカロライナ"),
    "place:kansas": ("kansas", "カンザス"),
    "place:tennessee": ("tennessee", "テネシー"),
    "place:virginia": ("virginia", "バージニア"),
    "place:nebraska": ("nebraska", "ネブラスカ"),
    "place:newyork": ("new york", "ニューヨーク"),
    "place:arizona": ("arizona", "アリゾナ"),
    "place:georgia": ("georgia", "ジョージア"),
    "place:indiana": ("indiana", "インディアナ"),
    "place:kentucky": ("kentucky", "ケンタッキー"),
    "place:michigan": ("michigan", "ミシガン"),
    "place:alabama": ("alabama", "アラバマ"),
    "place:california": ("california", "カリフォルニア"),
    "place:southcarolina": ("south carolina", "サウスカロライナ"),
    "place:utah": ("utah", "ユタ"),
    # kinds of action
    "action:232": ("section 232", "232条"),
    "action:reciprocal": ("reciprocal tariff", "reciprocal tariffs", "相互関税"),
    "action:joint-statement": ("joint statement", "共同声明"),
    "action:summit": ("summit", "首脳会談"),
    "action:phone-call": ("phone call", "telephone call", "phone talks", "spoke by phone", "電話会談"),
    "action:mou": ("memorandum of understanding", "覚書"),
    "action:investment-committee": ("investment committee", "投資委員会"),
    "action:executive-order": ("executive order", "大統領令"),
    "action:proclamation": ("proclamation", "布告"),
    "action:antidumping": ("antidumping", "anti-dumping", "反ダンピング"),
    "action:countervailing": ("countervailing", "相殺関税"),
    "action:exclusion": ("exclusion", "exclusions", "除外"),
    "action:project": ("first project", "first projects", "案件"),
    "action:visit": ("state visit", "visit to tokyo", "来日", "訪日"),
    "action:letter": ("letter", "書簡"),
    "action:deadline": ("deadline", "期限"),
    "action:fx": ("exchange rate", "exchange rates", "currency", "currencies", "為替"),
    "action:suspend": ("suspend", "suspends", "suspended", "pause", "停止", "一時停止"),
    "action:lawsuit": ("court", "ruling", "lawsuit", "判決", "訴訟", "提訴"),
    "action:exercise": ("exercise", "drills", "訓練", "演習"),
}  # fmt: skip

SUBJECTS: Mapping[str, tuple[str, ...]] = {
    "subject:fms": (
        "foreign military sale",
        "arms sale",
        "arms-sale",
        "arms sales",
        "weapons sale",
        "possible sale",
        "potential sale",
        "dsca",
        "対外有償軍事援助",
        "売却",
        "武器",
    ),
    "subject:tariff": ("tariff", "tariffs", "duties", "duty", "levy", "levies", "関税"),
    "subject:investment": ("investment", "investments", "invest", "invests", "investing", "invested", "投資"),
}

# Exclusive kinds: a different value is a different event (see veto()).
_EXCLUSIVE = ("purchaser", "transmittal", "fms_value")
# Set kinds whose disjointness (both sides non-empty) is a different event; the second group only between
# templated texts (text similar enough to share a template: a news report naming one more country is not
# another event, a notice for another country is).
_DISJOINT = ("tariff", "date", "designator")
_DISJOINT_TEMPLATED = ("product", "country")
_NOT_INDEXED = ("rate", "subject", "fms_value")
_SYSTEM_STOP = frozenset(
    [
        "and",
        "of",
        "the",
        "for",
        "with",
        "related",
        "equipment",
        "support",
        "services",
        "system",
        "systems",
        "up",
        "to",
        "a",
        "an",
        "in",
        "on",
        "missiles",
        "missile",
        "aircraft",
        "parts",
        "spare",
        "class",
        "ix",
    ]
)
# A weapon or aircraft designator, read as its base (F-35A, F35 -> F-35; AIM-120D -> AIM-120).
_DESIGNATOR = re.compile(r"(?<![A-Za-z0-9-])([A-Z]{1,5})-?(\d{1,3})(?:[A-Z]{0,2})(?![A-Za-z0-9])")
_ASCII_WORD = re.compile(r"[a-z0-9.&'-]")


_NOT_AFTER: Mapping[str, str] = {"korea": "north ", "korean": "north "}  # "North Korea" is not Korea


def _compile(table: Mapping[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern[str]]]:
    out: list[tuple[str, re.Pattern[str]]] = []
    for concept, spellings in table.items():
        alts = []
        for sp in sorted(set(spellings), key=len, reverse=True):
            s = unicodedata.normalize("NFKC", sp)
            if s.isascii():
                guard = f"(?<!{re.escape(_NOT_AFTER[s])})" if s in _NOT_AFTER else ""
                alts.append(r"(?<![a-z0-9])" + guard + re.escape(s.casefold()) + r"(?![a-z0-9])")
            else:
                alts.append(re.escape(s.casefold()))
        out.append((concept, re.compile("|".join(alts))))
    return out


_TERMS = _compile(TERMS)
_SUBJECTS = _compile(SUBJECTS)


@dataclass(frozen=True, slots=True)
class Signature:
    """An item's topics and the parts of what it reports (``"kind:value"``)."""

    topics: frozenset[str]
    parts: frozenset[str]

    def kind(self, kind: str) -> frozenset[str]:
        prefix = kind + ":"
        return frozenset(p for p in self.parts if p.startswith(prefix))

    def to_json(self) -> dict[str, list[str]]:
        return {"topics": sorted(self.topics), "parts": sorted(self.parts)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Signature:
        if not data:
            return EMPTY
        return cls(frozenset(data.get("topics") or ()), frozenset(data.get("parts") or ()))


EMPTY = Signature(frozenset(), frozenset())


def _sig2(d: Decimal) -> str:
    """An amount to two significant figures, in a form both scripts reach (5.5e+11)."""
    if d <= 0:
        return "0"
    return f"{float(d):.1e}"


def _money_parts(facts: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for m in facts.get("money") or ():
        amount = Decimal(str(m["amount"]))
        if amount >= 1_000_000:  # prices and per-unit figures are not what a report is about
            out.add(f"money:{m['currency']}:{_sig2(amount)}")
    return out


def _system_tokens(system: str) -> set[str]:
    words = re.findall(r"[a-z0-9][a-z0-9-]*", unicodedata.normalize("NFKC", system).casefold())
    return {w for w in words if w not in _SYSTEM_STOP and len(w) > 1}


def signature(title: str, text: str, *, topics: Iterable[str] = ()) -> Signature:
    """The signature of one item (title and text), with the ids of the topics it matched."""
    facts = extract_facts(title, text, FACT_KINDS)
    parts: set[str] = _money_parts(facts)
    for r in facts.get("rates") or ():
        pct = format(Decimal(str(r["percent"])).normalize(), "f")
        parts.add(f"{'tariff' if r.get('context') == 'tariff' else 'rate'}:{pct}")
    for d in facts.get("dates") or ():
        parts.add(f"date:{d['date']}")
    fms = facts.get("fms")
    if isinstance(fms, Mapping):
        if fms.get("purchaser"):
            parts.add("purchaser:" + str(fms["purchaser"]).casefold())
        if fms.get("transmittal"):
            parts.add("transmittal:" + str(fms["transmittal"]).casefold())
        if fms.get("value_usd"):
            parts.add(f"fms_value:{_sig2(Decimal(str(fms['value_usd'])))}")
            parts.add(f"money:USD:{_sig2(Decimal(str(fms['value_usd'])))}")
        if fms.get("system"):
            parts.update("system:" + t for t in _system_tokens(str(fms["system"])))
    raw = f"{title}\n{text}"
    parts.update(f"designator:{a}-{n}" for a, n in _DESIGNATOR.findall(unicodedata.normalize("NFKC", raw)))
    folded = unicodedata.normalize("NFKC", raw).casefold()
    parts.update(concept for concept, rx in _TERMS if rx.search(folded))
    subjects = {concept for concept, rx in _SUBJECTS if rx.search(folded)}
    if isinstance(fms, Mapping) or any(p.startswith("designator:") for p in parts):
        subjects.add("subject:fms")
    parts.update(subjects)
    return Signature(frozenset(topics), frozenset(parts))


def index_parts(sig: Signature) -> frozenset[str]:
    """The parts of ``sig`` that go into the story index (the rest only score or veto)."""
    return frozenset(p for p in sig.parts if p.split(":", 1)[0] not in _NOT_INDEXED)


def _money_by_currency(sig: Signature) -> dict[str, set[float]]:
    out: dict[str, set[float]] = {}
    for p in sig.kind("money"):
        _, cur, amount = p.split(":", 2)
        out.setdefault(cur, set()).add(float(amount))
    return out


def _money_conflict(a: Signature, b: Signature) -> str | None:
    ma, mb = _money_by_currency(a), _money_by_currency(b)
    for cur in ma.keys() & mb.keys():
        if not any(abs(x - y) <= 0.05 * max(x, y) for x in ma[cur] for y in mb[cur]):
            return f"amounts differ ({cur} {sorted(ma[cur])[-1]:.3g} vs {sorted(mb[cur])[-1]:.3g})"
    return None


def _differs(what: str, a: frozenset[str], b: frozenset[str]) -> str:
    return (
        f"{what} differs ({', '.join(sorted(x.split(':', 1)[1] for x in a))} vs "
        f"{', '.join(sorted(x.split(':', 1)[1] for x in b))})"
    )


def veto(a: Signature, b: Signature, *, templated: bool = True) -> str | None:
    """Why ``a`` and ``b`` cannot report one event (a differing fact), or ``None``. ``templated``: the
    texts share a template (similar wording), so a different product or country is a different notice."""
    for kind in _EXCLUSIVE:
        va, vb = a.kind(kind), b.kind(kind)
        if va and vb and not va & vb:
            return _differs(kind.replace("_", " "), va, vb)
    for kind in _DISJOINT + (_DISJOINT_TEMPLATED if templated else ()):
        va, vb = a.kind(kind), b.kind(kind)
        if va and vb and not va & vb:
            return _differs(kind, va, vb)
    # A system named differently by two full notices (both with purchaser and transmittal) is another sale;
    # a news report's wording of the system ("AMRAAM") is not compared with the notice's.
    sa_, sb_ = a.kind("system"), b.kind("system")
    full = all(x.kind("purchaser") and x.kind("transmittal") for x in (a, b))
    if full and sa_ and sb_ and not sa_ & sb_:
        return _differs("system", sa_, sb_)
    return _money_conflict(a, b)

"""Where and what happened: the place and action concepts of the bilingual key-term table
(``monitor.story_terms.TERMS`` merges them with who and what), and the stages one matter passes through as
a headline says it (``STAGES``). Pure data.

Places are US states where an investment goes and Japanese bases and islands where a unit or an aircraft
is stationed; actions are the kind of act a report is about (a Section 232 proclamation, a memorandum, a
supply agreement, a phone call). A text containing any spelling carries the concept as a signature part
(``monitor.story_signature``); spellings are matched as ``monitor.story_terms`` describes.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["EVENT_TERMS", "STAGES"]

# concept id -> spellings, as ``monitor.story_terms.TERMS`` (places and kinds of action).
EVENT_TERMS: Mapping[str, tuple[str, ...]] = {
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
    "place:wyoming": ("wyoming", "ワイオミング"),
    # the other states whose names are no other word or place (not Washington, a capital; not West
    # Virginia, inside Virginia's spellings)
    "place:wisconsin": ("wisconsin", "ウィスコンシン"),
    "place:illinois": ("illinois", "イリノイ"),
    "place:mississippi": ("mississippi", "ミシシッピ"),
    "place:missouri": ("missouri", "ミズーリ"),
    "place:iowa": ("iowa", "アイオワ"),
    "place:minnesota": ("minnesota", "ミネソタ"),
    "place:oklahoma": ("oklahoma", "オクラホマ"),
    "place:arkansas": ("arkansas", "アーカンソー"),
    "place:colorado": ("colorado", "コロラド"),
    "place:nevada": ("nevada", "ネバダ"),
    "place:oregon": ("oregon", "オレゴン"),
    "place:florida": ("florida", "フロリダ"),
    "place:maryland": ("maryland", "メリーランド"),
    "place:newjersey": ("new jersey", "ニュージャージー"),
    "place:newmexico": ("new mexico", "ニューメキシコ"),
    "place:massachusetts": ("massachusetts", "マサチューセッツ"),
    "place:connecticut": ("connecticut", "コネチカット"),
    "place:delaware": ("delaware", "デラウェア"),
    "place:idaho": ("idaho", "アイダホ"),
    "place:montana": ("montana", "モンタナ"),
    "place:northdakota": ("north dakota", "ノースダコタ"),
    "place:southdakota": ("south dakota", "サウスダコタ"),
    "place:vermont": ("vermont", "バーモント"),
    "place:newhampshire": ("new hampshire", "ニューハンプシャー"),
    "place:rhodeisland": ("rhode island", "ロードアイランド"),
    "place:hawaii": ("hawaii", "ハワイ"),
    "place:yokosuka": ("yokosuka", "横須賀"),
    "place:kyushu": ("kyushu", "九州"),
    # Japanese bases and islands where a unit or an aircraft is stationed
    "place:kumamoto": ("kumamoto", "熊本", "camp kengun", "健軍"),
    "place:yonaguni": ("yonaguni", "与那国"),
    "place:miho": ("miho air base", "miho", "美保"),
    "place:nyutabaru": ("nyutabaru", "新田原"),
    "place:misawa": ("misawa", "三沢"),
    "place:iwakuni": ("iwakuni", "岩国"),
    "place:kadena": ("kadena", "嘉手納"),
    "place:sasebo": ("sasebo", "佐世保"),
    "place:akasaka": ("akasaka", "迎賓館", "赤坂"),
    # kinds of action
    "action:232": ("section 232", "232条"),
    "action:reciprocal": ("reciprocal tariff", "reciprocal tariffs", "相互関税"),
    "action:joint-statement": ("joint statement", "共同声明"),
    "action:summit": ("summit", "summit meeting", "首脳会談", "日米首脳"),
    "action:phone-call": ("phone call", "telephone call", "phone talks", "spoke by phone", "電話会談"),
    "action:mou": ("memorandum of understanding", "memorandum of cooperation", "memorandum", "moc", "覚書",
                   "協力覚書", "協力文書"),
    "action:investment-committee": ("investment committee",
                                    "consultation committee", "投資委員会", "協議委員会",
                                    "協議委"),
    "action:executive-order": ("executive order", "大統領令"),
    "action:proclamation": ("proclamation", "布告"),
    "action:antidumping": ("antidumping", "anti-dumping", "反ダンピング"),
    "action:countervailing": ("countervailing", "相殺関税"),
    "action:exclusion": ("exclusion", "exclusions", "除外", "exempt", "exempts", "exempted", "exempting",
                         "tariff-free", "duty-free", "carve-out", "免除", "対象外"),
    "action:safeguard": ("safeguard", "safeguards", "セーフガード", "緊急関税", "緊急輸入制限"),
    "action:refund": ("refund", "refunds", "refunded", "overpaid",
                      "overpayment", "claw back", "還付", "過払い",
                      "払い戻し"),
    "action:export-authorization": ("export authorization", "non-fta", "輸出許可", "輸出承認"),
    "action:coproduction": ("co-production", "co-produce",
                            "coproduction", "co-produced", "joint production",
                            "共同生産"),
    "action:loi": ("letter of intent", "heads of agreement", "hoa", "基本合意"),
    "action:spa": ("sale and purchase agreement", "offtake agreement", "売買契約"),
    "action:policy-speech": ("policy speech", "policy address", "所信表明"),
    "action:security-documents": ("security documents",
                                  "national security strategy", "安保3文書", "安保関連3文書",
                                  "安全保障関連3文書", "国家安全保障戦略"),
    "action:defense-spending": ("defense spending", "defence spending", "defense budget", "defence budget",
                                "military spending", "防衛費", "防衛予算", "防衛関係費"),
    "action:budget-request": ("budget request", "概算要求"),
    "action:supplementary-budget": ("supplementary budget", "extra budget", "補正予算"),
    "action:first-meeting": ("first meeting", "inaugural meeting", "met for the first time", "初会合"),
    "action:trade-data": ("exports to the u.s.", "exports to the united states", "u.s.-bound", "us-bound",
                          "exports to us",
                          "対米輸出", "アメリカ向け輸出", "米国向け輸出", "trade data", "trade balance",
                          "trade surplus", "trade deficit", "貿易統計", "貿易収支"),
    "action:project": ("first project", "first projects", "案件", "第1号"),
    "action:visit": ("state visit", "visit to tokyo", "来日", "訪日"),
    "action:letter": ("letter", "書簡"),
    "action:deadline": ("deadline", "期限"),
    "action:fx": ("exchange rate", "exchange rates", "currency", "currencies", "為替"),
    "action:suspend": ("suspend", "suspends", "suspended", "pause", "outage", "outages", "停止", "一時停止"),
    "action:repair": ("ship repair", "repair", "repairs", "repaired", "overhaul", "overhauls", "修理"),
    "action:lawsuit": ("court", "court ruling", "lawsuit", "判決", "訴訟", "提訴"),
    "action:exercise": ("exercise", "drills", "訓練", "演習"),
    "action:g7": ("g7", "g-7", "group of seven", "主要7カ国"),
    "action:two-plus-two": ("two-plus-two", "2+2", "2プラス2", "日米安全保障協議委員会"),
    "action:sanctions": ("sanction", "sanctions", "制裁"),
    "action:export-controls": ("export controls", "export control", "entity list", "輸出規制", "輸出管理",
                               "エンティティー・リスト", "エンティティリスト"),
    "action:acquisition": ("acquisition", "acquire", "acquires", "takeover", "買収"),
    "action:golden-share": ("golden share", "黄金株"),
    "action:quota": ("quota", "quotas", "minimum access", "関税割当", "輸入枠", "ミニマムアクセス", "MA枠"),
    "action:intervention": ("currency intervention", "intervened", "為替介入"),
    "action:energy-dialogue": ("energy security dialogue", "エネルギー安全保障対話", "エネルギー対話"),
    "action:incident": ("precautionary landing", "emergency landing", "crashed", "不時着", "予防着陸",
                        "緊急着陸", "墜落"),
    "action:certification": ("additional testing", "extra safety tests", "u.s.-certified",
                             "type certification", "認証手続", "認証制度", "認証簡素化", "追加試験",
                             "追加的な試験"),
    "action:defense-tax": ("defense tax", "defense income tax", "defense-related income tax", "income surtax",
                           "防衛増税", "防衛所得増税", "所得増税", "防衛特別所得税", "付加税",
                           "財源確保のための税制措置"),
    "action:derivatives": ("derivative products", "derivative tariff", "derivative tariffs", "派生品"),
    "action:recommendation": ("建議",),
    "action:tobacco-tax": ("tobacco tax", "たばこ税"),
    "action:strategic-lng": ("strategic buffer lng", "strategic buffer", "sbl", "戦略的余剰", "戦略lng"),
    "action:construction-bonds": ("construction bonds", "construction bond", "建設国債", "建設公債"),
    "action:buildup-plan": ("defense buildup", "defence buildup", "buildup program", "buildup plan",
                            "防衛力整備計画"),
    "action:cabinet-decision": ("cabinet approved", "cabinet approves", "cabinet approval", "cabinet adopted",
                                "cabinet endorsed", "cabinet oks", "cabinet ok'd", "閣議決定"),
    "action:earnings-forecast": ("profit forecast", "earnings forecast", "full-year forecast", "業績予想",
                                 "業績見通し", "下方修正", "上方修正"),
    "action:fid": ("final investment decision", "最終投資決定"),
    "action:current-account": ("current account", "current-account", "経常収支", "経常黒字", "経常赤字",
                               "国際収支"),
    "action:budget-surplus": ("budget surplus", "settlement surplus", "決算剰余金", "剰余金"),
    "action:pay": ("pay rise", "pay raise", "pay hike", "base pay", "給与", "俸給"),
    "actor:sdf": ("self-defense forces", "self-defence forces", "self-defense force", "self-defence force",
                  "sdf", "gsdf", "msdf", "asdf", "jgsdf", "jmsdf", "jasdf", "自衛隊", "自衛官", "陸自",
                  "海自", "空自"),
    "action:license-return": ("license-built", "license-produced", "licence-built", "licence-produced",
                              "license-return", "produced under license", "ライセンス生産", "ライセンス元"),
    "action:ahead": ("ahead of schedule", "ahead of target", "a year ahead", "a year early", "前倒し",
                     "1年早い", "一年早い"),
    "action:extended-deterrence": ("extended deterrence", "拡大抑止"),
    "action:liaison": ("liaison officer", "liaison officers", "連絡要員", "連絡官"),
    "action:joint-force-hq": ("joint force headquarters", "joint force hq", "統合軍司令部"),
    "place:yokota": ("yokota air base", "yokota", "横田基地"),
    "action:host-nation-support": ("host nation support", "host-nation support", "special measures agreement",
                                   "思いやり予算", "在日米軍駐留経費", "特別協定"),
    "action:trade-deal": ("trade deal", "trade agreement", "tariff deal", "貿易協定", "関税合意", "貿易合意"),
}  # fmt: skip

# The stage one matter has reached, as a headline says it (``hstage:<matter>:<stage>``, searched in the NFKC,
# casefolded headline only: a text recalls the earlier stages): talks opened, then concluded; heads of
# agreement, then the binding purchase agreement; a budget or bill drafted, adopted by the cabinet, passed
# by the lower house, enacted; a warning, then the reply to it; a tariff proclaimed, then in force; a plant
# or a train down, then restarted. Two headlines at different stages of one matter report two events a day or
# two apart (``monitor.story_veto``).
# Regular expressions, not spellings: a stage is a verb and its object (begin ... talks, talks ... end).
STAGES: Mapping[str, str] = {
    "talks:open": r"\b(?:begin|begins|began|start|starts|started|open|opens|opened|kick off|kicks off|"
                  r"launch|launches)\b[^;:]{0,40}\b(?:talks|consultations|negotiations)\b|"
                  r"(?:協議|交渉|会合)(?:を|が)?開始|(?:協議|交渉)(?:を|が)?始",
    "talks:closed": r"\b(?:talks|consultations|negotiations)\b[^;:]{0,20}\b(?:end|ends|ended|conclude|"
                    r"concludes|concluded|wrap up|wraps up|close|closes|closed)\b|"
                    r"\b(?:conclusion|end|close)\s+of\b[^;:]{0,40}\b(?:talks|consultations|negotiations)\b|"
                    r"\b(?:end|ends|ended|conclude|concludes|concluded|wrap up|wraps up)\b[^;:]{0,40}"
                    r"\b(?:talks|consultations|negotiations)\b|\bafter\s+talks\b|"
                    r"(?:協議|交渉)(?:が|を)?(?:終了|終え|妥結|閉幕)",
    "deal:preliminary": r"\b(?:heads of agreement|hoa|letter of intent|loi)\b|基本合意",
    "deal:binding": r"\b(?:sale and purchase agreement|spa)\b|売買契約",
    "law:draft": r"\bdrafts?\b|\bdrafted\b|原案",
    "law:cabinet": r"\bcabinet\s+(?:approves|approved|adopts|adopted|endorses|endorsed|oks|signs off)\b|"
                   r"閣議決定",
    "law:lower-house": r"\blower house\s+(?:passes|passed|approves|approved)\b|"
                       r"衆(?:議)?院(?:で|を)?(?:可決|通過)",
    "law:enacted": r"\benact(?:s|ed)?\b|\bbecomes? law\b|\bsigned into law\b|(?:法|法律)(?:が)?成立",
    "remark:warning": r"\b(?:threatens|threatened|warns|warned|floats|could face)\b|警告|示唆|可能性に言及",
    "remark:reply": r"\bafter\b[^;:]{0,40}\b(?:warning|threat|remarks|comments)\b|"
                    r"\b(?:responds?|rebuts?|rejects?)\b|反論|発言で|発言を受け|発言に",
    "tariff:announced": r"\b(?:imposes|imposed|slaps|slapped|proclaims|proclamation)\b|\bhits\b[^;:]{0,40}"
                        r"\bwith\b[^;:]{0,10}\btariffs?\b|^adjusting imports of\b|布告",
    "tariff:in-force": r"\b(?:take|takes|took) effect\b(?!\s+(?:on|from|in)\b)|\bnow in force\b|"
                       r"\bin effect\b|(?<![日月])発動(?!機|基準|せず|へ|する|予定)",
    # a plant or a train down, then back: a headline naming the restart reports the restart, whatever it
    # recalls of the outage (Freeport restarts train after two-day outage; 停止の1系列が再稼働)
    "plant:down": r"^(?!.*(?:\brestart|\bresum|\bback online|再稼働|運転再開|再開))"
                  r".*(?:\b(?:shut|shuts|shutdown|shut down|outage|outages|halt|halts|halted|offline|"
                  r"power trip)\b|運転停止|停止)",
    "plant:restart": r"\b(?:restart|restarts|restarted|resume|resumes|resumed|back online)\b|再稼働|運転再開",
}  # fmt: skip

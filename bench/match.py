"""Topic-matching benchmark: the compiled Matcher against the naive per-pattern loop, in the same run.

Run ``.venv/bin/python bench/match.py [--texts N] [--seed S] [--repeat R]``. 30 topics mixing AND / OR /
NOT / NEAR / phrases / wildcards / field scopes / Japanese, over generated ~2 KB press-release texts
(English and Japanese; a minority carry topic sentences and traps). Prints texts/s for

  (a) ``monitor.match.matcher.Matcher``      one Aho–Corasick scan + gates + evaluation of candidates
                                             (``match_ids``; and ``match``, which also builds evidence)
  (b) ``monitor.match.reference``            one ``re`` per term, topic by topic (the naive loop)

and checks that (a) and (b) return the same topics for every text ("agreement: N/N"). Then the topics
shipped in feeds.yaml (``--feeds``; queries with their concepts, through the daemon's ``TopicMatcher``)
over the same texts: their concepts hold hundreds of terms each, so this is the figure that moves when
feeds.yaml grows. Read the ratios, not the absolute numbers: the machine is shared.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config.loader import load_config
from monitor.match.matcher import Doc, Matcher, TopicQuery
from monitor.match.query import parse_query
from monitor.match.reference import ReferenceMatcher
from monitor.match.topics import TopicMatcher

FEEDS = Path(__file__).resolve().parent.parent / "feeds.yaml"

TOPICS: dict[str, str] = {
    "fms-japan": '("foreign military sale*" OR FMS OR "arms sale*" OR 対外有償軍事援助) AND (Japan OR 日本) '
    '-"Japan Airlines" -"Imperial Japan"',
    "tariffs-japan": '(tariff* OR "Section 232" OR "Section 301" OR 関税) AND (Japan* OR 日本 OR 日米)',
    "investment": '("investment pledge*" OR "$550 billion" OR "$1 trillion" OR 対米投資 OR "Nippon Steel") '
    "AND (Japan* OR 日本)",
    "defense-spending": '(Japan OR 日本) NEAR/15 ("defense spending" OR "defense budget" OR 防衛費)',
    "lng": '(LNG OR "liquefied natural gas" OR 液化天然ガス) AND (Japan* OR 日本)',
    "steel-title": "title:(steel OR aluminum) AND (tariff* OR duties)",
    "chips": "(semiconductor* OR chip*) NEAR/10 (export* OR controls)",
    "autos": '(auto OR autos OR vehicle* OR 自動車) AND (tariff* OR 関税) -"auto show"',
    "rare-earths": '("rare earth*" OR レアアース) AND (China OR 中国)',
    "korea-fms": '"foreign military sale*" AND Korea*',
    "taiwan-arms": 'Taiwan AND (arms OR "foreign military sale*" OR FMS)',
    "reciprocal": '"reciprocal tariff*" OR 相互関税',
    "dsca-japan": 'source:dsca* AND "possible foreign military sale" AND Japan',
    "alliance": "tag:us-gov AND (Japan NEAR/20 alliance)",
    "ja-invest": "lang:ja AND (米国 OR アメリカ) AND 投資",
    "shipbuilding": "(shipbuilding OR shipyard* OR 造船) AND (Japan* OR 日本 OR Korea*)",
    "energy": "(energy NEAR/8 (security OR cooperation)) AND Japan",
    "nuclear": '("nuclear power" OR reactor* OR 原子力) AND (Japan OR 日本) -"North Korea"',
    "quad": '(Quad OR "Indo-Pacific") AND (summit OR ministerial)',
    "usmca": "(USMCA OR NAFTA) AND (Mexico OR Canada) AND tariff*",
    "critical-minerals": '"critical mineral*" AND (agreement OR framework)',
    "sanctions": "sanction* AND (Russia* OR Iran*) NOT Japan",
    "yen": "(yen OR 円安 OR 為替) NEAR/10 (dollar OR ドル OR intervention)",
    "automakers": "(Toyota OR Honda OR Nissan OR トヨタ) AND (tariff* OR investment OR plant*)",
    "missiles": '(F-35 OR Tomahawk OR "SM-6" OR Aegis) AND (Japan OR 日本)',
    "pledge-title": "title:(Japan* OR 日本) AND title:(pledge* OR commit* OR 表明)",
    "trade-deal": '("trade agreement" OR "trade deal" OR 貿易協定) AND (Japan OR 日本 OR "U.S.-Japan")',
    "ai-infra": '("artificial intelligence" OR AI) NEAR/5 (investment* OR infrastructure)',
    "port-fees": '("port fee*" OR "Section 301") AND (China OR ship*)',
    "ally-spending": '(NATO OR allies) NEAR/10 ("percent of GDP" OR "% of GDP")',
}

_WORDS_TEXT = """
the a of to and in for on with by at from as that this is was will be has have are its their our
department secretary minister ministry government administration office president statement press
release today announced said week month year meeting talks discussion officials representatives
bilateral multilateral cooperation partnership framework dialogue economic security policy support
development growth program initiative strategy region regional international global national public
private sector industry workers jobs communities families future opportunity priority commitment
infrastructure energy climate health education innovation technology research science markets trade
investment agreement review report budget congress committee hearing legislation law rule notice
federal register comment period application approval decision process agency council board staff
embassy ambassador delegation visit summit forum conference remarks briefing readout fact sheet
united states americans allies partners countries nations europe asia pacific africa americas
continue strengthen advance ensure promote protect expand build deliver provide include address
important critical significant new additional further key strong shared mutual common long term
"""
WORDS = _WORDS_TEXT.split()
GEO = ["Japan", "Korea", "Australia", "India", "Canada", "Mexico", "Germany", "France", "Philippines"]
HOT = [
    "Japan announced new tariffs on steel and aluminum imports under Section 232.",
    "The State Department approved a possible Foreign Military Sale to the Government of Japan of SM-6 "
    "missiles for an estimated cost of $900 million.",
    "Japan pledged an investment of $550 billion in the United States, the largest investment pledge ever.",
    "Nippon Steel completed its acquisition of U.S. Steel with Japanese government support.",
    "Japan will raise its defense spending to 2 percent of GDP, and the defense budget grows again.",
    "The first cargo of U.S. liquefied natural gas arrived in Japan under a new LNG contract.",
    "Tariffs on autos and auto parts from Japan take effect; reciprocal tariffs apply to other partners.",
    "Rare earth exports from China remain under review, officials said.",
    "Toyota and Honda announced new plant investment despite tariffs.",
    "The Quad foreign ministers met at the Indo-Pacific ministerial meeting.",
    "Semiconductor export controls were tightened this week.",
    "The yen fell against the dollar, prompting talk of intervention.",
    "Energy security cooperation with Japan and Korea was a key topic.",
    "AI infrastructure investment reached a record this year.",
    "NATO allies agreed to spend 5 percent of GDP on defense.",
]
TRAPS = [
    "On Liberation Day we remember the end of the occupation of Guam by Imperial Japan.",
    "Japan Airlines announced an FMS-compatible fleet upgrade.",
    "The State Department approved a possible Foreign Military Sale to the Government of Poland.",
    "New tariffs apply to Canada, Mexico, China, the EU, Japan, Korea, India and Vietnam, among others.",
]
_JA_WORDS_TEXT = (
    "政府 は 、 について 協力 発表 会議 関係 強化 経済 安全保障 した また 首脳 会談 外務省 経済産業省 "
    "両国 今後 推進 確認 表明 支援 分野 地域 国際 重要 取組 連携 方針 説明 記者会見 大臣 総理"
)
JA_WORDS = _JA_WORDS_TEXT.split()
JA_HOT = [
    "日本政府は米国の自動車関税について懸念を表明した。",
    "対米投資は５５００億ドル規模となる見通しだ。",
    "米国から液化天然ガスの輸入を拡大する。",
    "防衛費の増額について日本は説明した。",
    "日米貿易協定の見直しについて協議した。",
    "米国への投資を拡大するとアメリカ側に伝えた。",
    "円安とドル高が進み、為替介入の可能性が指摘された。",
    "ｶﾞｿﾘﾝ価格と１兆ドルの投資について。",
]


def english_text(rng: random.Random, size: int) -> tuple[str, str]:
    extra = [rng.choice(HOT) for _ in range(rng.randint(1, 2))] if rng.random() < 0.12 else []
    if rng.random() < 0.05:
        extra.append(rng.choice(TRAPS))
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < size:
        if extra and rng.random() < 0.15:
            parts.append(extra.pop())
            continue
        n = rng.randint(8, 22)
        words = [rng.choice(GEO) if rng.random() < 0.005 else rng.choice(WORDS) for _ in range(n)]
        sentence = " ".join(words).capitalize() + "."
        if rng.random() < 0.03:  # typographic punctuation, as in real releases
            sentence = sentence.replace(" ", " — ", 1).replace(" the ", " “the” ", 1)
        parts.append(sentence)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
    if rng.random() < 0.05:
        title = rng.choice(["Japan pledges new investment", "Steel tariffs on Japan", "Readout: Japan"])
    return title, " ".join(parts)[:size]


def japanese_text(rng: random.Random, size: int) -> tuple[str, str]:
    parts: list[str] = []
    while sum(len(p) for p in parts) < size:
        if rng.random() < 0.03:
            parts.append(rng.choice(JA_HOT))
        else:
            parts.append(
                "".join(rng.choice(JA_WORDS) for _ in range(rng.randint(6, 14))).replace(" ", "") + "。"
            )
    title = "".join(rng.choice(JA_WORDS) for _ in range(4))
    return title, "".join(parts)[:size]


def make_docs(n: int, seed: int, size: int = 2048) -> list[Doc]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        if rng.random() < 0.1:
            title, text = japanese_text(rng, size // 2)  # ~2 KB of UTF-8 is ~700-1,000 Japanese characters
            lang = "ja"
        else:
            title, text = english_text(rng, size)
            lang = "en"
        source = rng.choice(["dsca-major-arms-sales", "state-dept", "whitehouse", "mofa-ja", "news"])
        tags = ("us-gov",) if source in ("state-dept", "whitehouse", "dsca-major-arms-sales") else ("news",)
        docs.append(Doc(title=title, text=text, source=source, tags=tags, lang=lang))
    return docs


def rate(fn: Callable[[Doc], object], docs: Sequence[Doc], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()  # CPU time: the machine is shared
        for d in docs:
            fn(d)
        best = min(best, time.process_time() - t0)
    return len(docs) / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=5, help="timing runs for the fast engines (best kept)")
    ap.add_argument("--feeds", type=Path, default=FEEDS, help="feeds.yaml whose shipped topics are timed too")
    args = ap.parse_args()

    topics = [TopicQuery(tid, tid, parse_query(q)) for tid, q in TOPICS.items()]
    docs = make_docs(args.texts, args.seed)
    t0 = time.perf_counter()
    matcher = Matcher(topics)
    compile_ms = (time.perf_counter() - t0) * 1000
    reference = ReferenceMatcher(topics)

    fast_ids = [[m.topic_id for m in matcher.match(d)] for d in docs]  # warm-up, and the answers
    assert fast_ids == [matcher.match_ids(d) for d in docs]
    t0 = time.process_time()
    slow_ids = [reference.match_ids(d) for d in docs]  # one timed pass: it is the slow one
    naive = len(docs) / (time.process_time() - t0)
    agree = sum(a == b for a, b in zip(fast_ids, slow_ids, strict=True))
    fast = rate(matcher.match_ids, docs, args.repeat)
    full = rate(matcher.match, docs, args.repeat)

    sizes = [len(d.text.encode()) for d in docs]
    hit_docs = sum(bool(ids) for ids in fast_ids)
    cands = statistics.mean(len(matcher.candidates(d)) for d in docs)
    japanese = sum(d.lang == "ja" for d in docs)
    print(
        f"python {platform.python_version()} on {platform.machine()}; {len(topics)} topics; {len(docs)} texts"
        f" of {statistics.mean(sizes):,.0f} bytes on average ({japanese} Japanese)"
    )
    print(
        f"texts matching ≥1 topic: {hit_docs} ({hit_docs / len(docs):.0%}); topic matches: "
        f"{sum(map(len, fast_ids))}; candidate topics per text: {cands:.2f}; compile: {compile_ms:.0f} ms"
    )
    print()
    print(f"{'engine':<52}{'texts/s':>10}{'µs/text':>10}{'vs naive':>10}")
    rows = [
        ("(a) Matcher.match_ids: Aho–Corasick + gates", fast),
        ("    Matcher.match: the same + spans and snippets", full),
        ("(b) naive: one re per term, topic by topic", naive),
    ]
    for name, r in rows:
        print(f"{name:<52}{r:>10,.0f}{1e6 / r:>10.1f}{r / naive:>9.1f}×")
    print()
    cfg = load_config(args.feeds)
    t0 = time.perf_counter()
    shipped = TopicMatcher(cfg.topics, cfg.concepts)
    shipped_ms = (time.perf_counter() - t0) * 1000

    def shipped_match(d: Doc) -> object:
        return shipped.match(title=d.title, text=d.text, lang=d.lang)

    hits = sum(bool(shipped_match(d)) for d in docs)
    r = rate(shipped_match, docs, args.repeat)
    print(
        f"shipped topics ({args.feeds.name}: {len(cfg.topics)} topics, {len(cfg.concepts)} concepts; "
        f"compile {shipped_ms:.0f} ms): TopicMatcher.match {r:,.0f} texts/s, {1e6 / r:.1f} µs/text; "
        f"{hits} texts match"
    )
    print()
    print(f"agreement: {agree}/{len(docs)}")
    if agree != len(docs):
        for d, a, b in zip(docs, fast_ids, slow_ids, strict=True):
            if a != b:
                print(f"  DISAGREE matcher={a} reference={b} title={d.title[:60]!r}")
                break
        sys.exit(1)


if __name__ == "__main__":
    main()

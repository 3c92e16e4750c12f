"""Full-text extraction: pressmon's selectolax extractor vs trafilatura, on statement pages.

    .venv/bin/python bench/fulltext.py [--repeat 20]

Pages: the repository's fixtures (a Federal Register raw text, MOFA/MOD/state.gov listings as worst
cases with no article) plus two synthetic statement pages (a DSCA-style article and a Japanese MOD-style
release with navigation, sidebars and footers), and ../shared/corpus's DSCA article excerpt when present.
For each page it prints the characters each extractor returns, whether each kept the statement's key
sentence (and dropped the boilerplate), and the median time per page; then the time ratio
trafilatura / pressmon. trafilatura is optional (not a dependency): without it only pressmon's numbers
print. Nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from monitor.sources.fulltext import extract_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "sources"
CORPUS = ROOT.parent.parent / "shared" / "corpus"

NAV = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(40))
DSCA_PAGE = f"""<!DOCTYPE html><html><head><title>Japan – SM-6 Block IA Missiles</title></head><body>
<header><nav><ul>{NAV}</ul></nav></header>
<div class="adetail news" itemscope itemtype="http://schema.org/NewsArticle">
<h1 class="maintitle">Japan – SM-6 Block IA Missiles</h1>
<div class="body" itemprop="articleBody">
<p>WASHINGTON, November 24, 2026 - The State Department has made a determination approving a possible
Foreign Military Sale to the Government of Japan of Standard Missile-6 (SM-6) Block IA missiles and
related equipment for an estimated cost of $1.0 billion.</p>
<p>The Government of Japan has requested to buy up to one hundred fifty (150) SM-6 Block IA missiles.</p>
<p>This proposed sale will support the foreign policy goals and national security objectives of the
United States by improving the security of a major ally.</p>
</div></div>
<aside><h2>Related</h2><ul>{NAV}</ul></aside>
<footer><p>Defense Security Cooperation Agency · Privacy · Accessibility · FOIA</p></footer>
</body></html>""".encode()
MOD_PAGE = f"""<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>報道資料</title></head><body>
<div id="header"><ul id="gnav">{NAV}</ul></div>
<div id="maincontents"><h1>対外有償軍事援助（FMS）によるSM-6ミサイルの調達について</h1>
<p>防衛省は、令和8年11月25日、米国政府との間で、対外有償軍事援助（FMS）によりSM-6ブロックIAミサイルを
調達する引合受諾書に署名しました。総額は約1,500億円です。</p>
<p>本件は、統合防空ミサイル防衛能力の強化に資するものです。</p></div>
<div id="footer"><p>防衛省・自衛隊 〒162-8801 東京都新宿区市谷本村町5-1</p></div>
</body></html>""".encode()

PAGES: list[tuple[str, bytes, str, str]] = [  # name, body, must keep, must drop
    ("dsca-style article", DSCA_PAGE, "possible Foreign Military Sale to the Government of Japan",
     "Section 39"),
    ("mod-style release (ja)", MOD_PAGE, "引合受諾書に署名しました", "Section 39"),
    ("federal register raw text", (FIXTURES / "fr_2025-06789.txt").read_bytes(),
     "Prospective Purchaser: Government of Japan", "[email"),
    ("state.gov listing (no article)", (FIXTURES / "state_arms_sales.html").read_bytes(), "SM-6", "\x00"),
]  # fmt: skip
if (CORPUS / "dsca-4399552.article-excerpt.html").exists():
    PAGES.append(
        ("corpus: dsca article excerpt", (CORPUS / "dsca-4399552.article-excerpt.html").read_bytes(),
         "possible Foreign Military Sale to the Government of Ukraine", "\x00")
    )  # fmt: skip


def pressmon(body: bytes) -> str:
    return extract_text(body, {"content-type": "text/html"})


def trafilatura_extractor() -> Callable[[bytes], str] | None:
    try:
        import trafilatura  # type: ignore[import-not-found]
    except ImportError:
        return None

    def run(body: bytes) -> str:
        return trafilatura.extract(body, include_comments=False, favor_precision=True) or ""

    return run


def measure(fn: Callable[[bytes], str], body: bytes, repeat: int) -> tuple[str, float]:
    out, times = "", []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(body)
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    extractors: list[tuple[str, Callable[[bytes], str]]] = [("pressmon", pressmon)]
    if (traf := trafilatura_extractor()) is not None:
        extractors.append(("trafilatura", traf))
    totals = {name: 0.0 for name, _ in extractors}
    print(f"{'page':32} {'extractor':12} {'chars':>6} {'kept':>5} {'clean':>6} {'ms':>8}")
    for page, body, keep, drop in PAGES:
        for name, fn in extractors:
            out, t = measure(fn, body, args.repeat)
            totals[name] += t
            print(f"{page:32} {name:12} {len(out):6} {keep in ' '.join(out.split())!s:>5} "
                  f"{drop not in out!s:>6} {t * 1000:8.2f}")  # fmt: skip
    if "trafilatura" in totals:
        print(f"time ratio trafilatura / pressmon: {totals['trafilatura'] / totals['pressmon']:.1f}x")


if __name__ == "__main__":
    main()

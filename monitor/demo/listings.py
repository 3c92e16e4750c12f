"""Demo sources without a feed: the Japanese MOFA press-release listing (``kind: html``), served in
Shift_JIS the way mofa.go.jp serves it, with dates printed without a year ("11月25日") on recent
releases and with the 令和 era year on older ones. Pure: (phase) -> bytes.

Phase 2 adds a release on the ASEAN Regional Forum (title only, as the listing shows it; no topic of
the shipped config is about it, so it is stored and not alerted). Links are absolute here so alert
keys do not depend on the demo server's port.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

__all__ = ["MOFA_SELECT", "mofa_listing"]

# What the demo config (and the shipped feeds.yaml's mofa-press-ja) uses to read this page.
MOFA_SELECT = {"item": "div.list-block ul.link_list li", "link": "a", "date": "span.date"}

_RELEASE = "https://www.mofa.go.jp/mofaj/press/release"
_BASELINE = (
    ("11月20日", f"{_RELEASE}/pressit_000001_02210.html", "茂木外務大臣とルビオ米国務長官との電話会談"),
    ("令和8年11月18日", f"{_RELEASE}/pressit_000001_02197.html", "日・フィリピン外相会談"),
    (
        "令和8年11月17日",
        f"{_RELEASE}/pressit_000001_02190.html",
        "在外公館における領事業務の一時休止について",
    ),
)
_NEW = (
    "11月25日",
    f"{_RELEASE}/pressit_000001_02231.html",
    "ASEAN地域フォーラム（ARF）閣僚会合の開催について",
)


def mofa_listing(phase: int) -> bytes:
    rows = [_NEW, *_BASELINE] if phase == 2 else list(_BASELINE)
    items = "".join(
        f'<li><span class="date">{escape(date)}</span>&nbsp;<a href="{escape(href)}">{escape(title)}</a>'
        "</li>\n"
        for date, href, title in rows
    )
    page = (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">\n'
        "<title>報道発表 | 外務省</title>\n</head>\n<body>\n"
        '<div id="header"><a href="/mofaj/index.html">外務省</a></div>\n'
        '<div id="maincontents">\n<h1 class="title1">報道発表</h1>\n'
        '<div class="list-block">\n<h2 class="title2"><span>令和8年11月</span></h2>\n'
        f'<ul class="link_list">\n{items}</ul>\n</div>\n'
        '<p class="pagetop"><a href="#header">ページの先頭へ戻る</a></p>\n</div>\n'
        '<div id="footer"><p>Copyright &copy; Ministry of Foreign Affairs of Japan</p></div>\n'
        "</body>\n</html>\n"
    )
    return page.encode("cp932")

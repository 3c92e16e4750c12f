"""monitor.text: HTML to text, whitespace, control characters, the hashing form."""

from __future__ import annotations

import pytest

from monitor.text import collapse_ws, normalise_for_hash, strip_controls, strip_html


@pytest.mark.parametrize(
    ("html", "text"),
    [
        pytest.param("plain text", "plain text", id="plain text untouched"),
        pytest.param("<p>One</p><p>Two</p>", "One Two", id="paragraphs become spaces"),
        pytest.param("line<br>break<br/>again", "line break again", id="br becomes a space"),
        pytest.param("<b>Ja</b><i>pan</i>", "Japan", id="inline elements join"),
        pytest.param("<ul><li>a</li><li>b</li></ul>", "a b", id="list items"),
        pytest.param("<td>1</td><td>2</td>", "1 2", id="table cells"),
        pytest.param("x<script>alert('x')</script>y", "xy", id="script content dropped"),
        pytest.param("x<style>p{color:red}</style>y", "xy", id="style content dropped"),
        pytest.param("<SCRIPT type='text/javascript'>bad()</SCRIPT>ok", "ok", id="upper-case script"),
        pytest.param("a <script>never closed", "a", id="unclosed script drops the rest"),
        pytest.param(
            "AT&amp;T &quot;q&quot; &#39;s&#39; &#x2013; &nbsp;x", "AT&T \"q\" 's' – x", id="entities"
        ),
        pytest.param("&lt;b&gt;escaped&lt;/b&gt;", "<b>escaped</b>", id="escaped markup unescaped once"),
        pytest.param("a < b > c", "a < b > c", id="bare angle brackets kept"),
        pytest.param("<img src=x onerror=alert(1)>caption", "caption", id="img with handler"),
        pytest.param("<a href='javascript:alert(1)'>link</a>", "link", id="link text kept, href gone"),
        pytest.param("<!-- comment -->text", "text", id="comment dropped"),
        pytest.param("<![CDATA[x]]>y", "y", id="stray CDATA dropped"),
        pytest.param("  <div>\n\t spaced \r\n out </div>  ", "spaced out", id="whitespace collapsed"),
        pytest.param("<p>日米</p><p>関税</p>", "日米 関税", id="Japanese"),
        pytest.param("", "", id="empty"),
        pytest.param(
            "<h1>Investment</h1><div>The White House</div>",
            "Investment The White House",
            id="heading then block",
        ),
        pytest.param(
            "Briefings &amp; StatementsJoint Statement on U.S.-Japan InvestmentThe White HouseNovember 24, 2026",
            "Briefings & Statements Joint Statement on U.S.-Japan Investment The White House November 24, 2026",
            id="White House header glued by the scraper: blocks separated again",
        ),
        pytest.param("Fact Sheets2026Japan", "Fact Sheets2026 Japan", id="a year glued to a heading"),
        pytest.param(
            "SoftBank, BlackRock and JavaScript; iPhone; McDonald's",
            "SoftBank, BlackRock and JavaScript; iPhone; McDonald's",
            id="brand names in camel case are words, not glue",
        ),
        pytest.param(
            "signed in May 2026 by the Theatre", "signed in May 2026 by the Theatre", id="ordinary text kept"
        ),
    ],
)
def test_strip_html(html: str, text: str) -> None:
    assert strip_html(html) == text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  a \t b\n\nc  ", "a b c", id="ASCII whitespace"),
        pytest.param("a\u00a0b\u3000c\u2003d", "a b c d", id="NBSP, ideographic and em spaces"),
        pytest.param("a\u200bb", "a\u200bb", id="zero-width space is not whitespace"),
        pytest.param("", "", id="empty"),
    ],
)
def test_collapse_ws(raw: str, expected: str) -> None:
    assert collapse_ws(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a\x00b", "ab", id="NUL"),
        pytest.param("a\x07\x1b[31mb", "a[31mb", id="bell and escape"),
        pytest.param("line\nnext\ttab", "line\nnext\ttab", id="newline and tab kept"),
        pytest.param("a\rb", "ab", id="carriage return removed"),
        pytest.param("a\x7fb\x85c\x9fd", "abcd", id="DEL and C1 controls"),
        pytest.param("\u202egnp.exe", "gnp.exe", id="right-to-left override"),
        pytest.param("a\u2066b\u2069c\u200ed\u200ff\u061c", "abcdf", id="isolates and marks"),
        pytest.param("zero\u200bwidth\u200c\u200d\u2060\ufeff", "zerowidth", id="zero-width characters"),
        pytest.param("日米\u3000関税①", "日米\u3000関税①", id="Japanese untouched"),
    ],
)
def test_strip_controls(raw: str, expected: str) -> None:
    assert strip_controls(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Japan  Tariff\n", "japan tariff", id="case and whitespace"),
        pytest.param("ＪＡＰＡＮ　１５％", "japan 15%", id="full-width forms (NFKC)"),
        pytest.param("Stra\u00dfe", "strasse", id="casefold, not lower"),
        pytest.param("tar\u200biff\u202e", "tariff", id="zero-width and bidi stripped"),
        pytest.param("①㈱", "1(株)", id="circled digit and parenthesised ideograph"),
    ],
)
def test_normalise_for_hash(a: str, b: str) -> None:
    assert normalise_for_hash(a) == normalise_for_hash(b) == b


def test_whole_word_matching_does_not_see_glued_blocks() -> None:
    from monitor.config.schema import Topic
    from monitor.match.topics import TopicMatcher

    text = strip_html("Joint Statement on U.S.-Japan InvestmentThe White HouseNovember 24, 2026")
    topic = Topic(id="t", title="t", query="invest*", facts=())
    [mention] = TopicMatcher([topic]).match(title="", text=text, source="", tags=(), lang="en")
    assert {t.matched for t in mention.terms} == {"Investment"}

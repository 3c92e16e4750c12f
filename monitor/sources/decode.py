"""Bytes -> text for every source kind, with the encoding actually used. Pure.

``decode_body(body, http_charset=..., declared=...)`` returns a :class:`Decoded` (text, encoding,
how it was chosen). Order:

1. A byte-order mark wins (UTF-8/16/32).
2. The declared labels (HTTP charset, then the document's own: XML declaration or ``<meta charset>``),
   each validated by :func:`text_codec` (a real text codec: ``rot13``, ``zlib``, ``punycode``, ``idna``,
   ``undefined``, ``utf-7`` and friends are ignored, so are UTF-16/32 labels on a body readable as ASCII),
   then UTF-8. ``latin-1``/``us-ascii``/``cp1252`` labels are weak (mostly server defaults) and come later.
   The first candidate that decodes without error is used.
3. When none does (``charset=utf-8`` on Shift_JIS bytes, no declaration at all), the body is *detected*:
   ISO-2022-JP when it has JIS escape sequences, then cp932 / EUC-JP when one decodes cleanly into text
   that is mostly Japanese, then charset-normalizer's best guess (validated the same way), then the weak
   labels. Only when nothing decodes cleanly is the first candidate used with U+FFFD replacement.
4. Lone surrogates (from ``utf-7`` or ``surrogateescape`` paths) are removed.

Shift_JIS in any spelling is read as cp932 (①, ㈱, ～); EUC-JP falls back to EUC-JIS-2004.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "decode_body", "remove_surrogates", "text_codec"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SHIFT_JIS = frozenset(
    {"shift_jis", "shift-jis", "sjis", "s-jis", "s_jis", "x-sjis", "ms_kanji", "mskanji", "csshiftjis",
     "windows-31j", "cp932", "ms932", "x-ms-cp932", "ibm-943", "shift_jisx0213", "shift_jis_2004"}
)  # fmt: skip
_EUC_JP = frozenset({"euc-jp", "euc_jp", "eucjp", "x-euc-jp", "cseucpkdfmtjapanese", "ujis", "eucjp-ms"})
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "iso-2022-jp": "iso2022_jp_ext"}
_WEAK = "cp1252"
# Codecs Python will look up that are not a way to read a web page's bytes as text.
_NOT_TEXT = frozenset(
    {"punycode", "idna", "undefined", "unicode_escape", "raw_unicode_escape", "utf-7", "utf_7",
     "charmap", "mbcs", "oem", "palmos", "unicode_internal", "uu_codec", "base64_codec", "bz2_codec",
     "hex_codec", "quopri_codec", "rot_13", "zlib_codec"}
)  # fmt: skip
_JIS_ESCAPE = re.compile(rb"\x1b\$[@B]|\x1b\(J|\x1b\$\(D")
_SURROGATES = re.compile("[\ud800-\udfff]")
_JAPANESE = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_DETECT_BYTES = 200_000  # charset-normalizer looks at this much of the body at most


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # the Python codec used, e.g. "utf-8", "cp932", "euc_jp"
    how: str  # "bom" | "declared" | "default" | "detected" | "replaced"


def text_codec(label: str | None) -> str | None:
    """The Python text codec a charset label names, or None: unknown labels and codecs that do not
    turn bytes into text (``rot13``, ``zlib``, ``punycode``, ``idna``, ``undefined``...) alike."""
    if not label:
        return None
    name = label.strip().lower()
    if name in _SHIFT_JIS:
        return "cp932"
    if name in _EUC_JP:
        return "euc_jp"
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _NOT_TEXT:
        return None
    return info.name


def _candidates_for(label: str | None) -> list[str]:
    codec = text_codec(label)
    if codec is None or codec.startswith(("utf-16", "utf-32")):  # a label we read as ASCII is not these
        return []
    if codec == "cp932":
        return ["cp932", "shift_jis_2004"]
    if codec == "euc_jp":
        return ["euc_jp", "euc_jis_2004"]
    if codec in ("ascii", "latin-1", "iso8859-1", "cp1252"):
        return [_WEAK]  # what browsers do with these labels
    return [codec]


def remove_surrogates(text: str) -> str:
    return _SURROGATES.sub("", text)


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_japanese(text: str) -> bool:
    non_ascii = sum(1 for c in text if ord(c) > 0x7F)
    return non_ascii > 0 and len(_JAPANESE.findall(text)) >= 0.8 * non_ascii


def _detect_japanese(body: bytes) -> tuple[str, str] | None:
    """(text, codec) when a Japanese encoding reads ``body`` cleanly into mostly Japanese text."""
    japanese = [(t, c) for c in ("cp932", "euc_jp", "euc_jis_2004") if (t := _strict(body, c)) is not None]
    japanese = [(t, c) for t, c in japanese if _mostly_japanese(t)]
    if len(japanese) == 1 or (japanese and japanese[0][1] != "cp932"):
        return japanese[0]
    if len(japanese) > 1:  # both read it: the one with more kana and kanji per character wins
        return max(japanese, key=lambda tc: len(_JAPANESE.findall(tc[0])) / max(1, len(tc[0])))
    return None


def _detect_other(body: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best guess, validated as a text codec that reads the whole body cleanly."""
    from charset_normalizer import from_bytes  # imported lazily: a few ms, only for odd bodies

    best = from_bytes(body[:_DETECT_BYTES]).best()
    codec = text_codec(best.encoding) if best is not None else None
    if codec and codec.startswith(("utf-16", "utf-32")):  # no BOM, and the caller found "<" or "{" first
        codec = None
    if codec and (text := _strict(body, codec)) is not None:
        return text, codec
    return None


def decode_body(body: bytes, *, http_charset: str | None = None, declared: str | None = None) -> Decoded:
    """Decode ``body``; see the module docstring for the order. Never raises."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(remove_surrogates(body[len(bom) :].decode(codec, errors="replace")), codec, "bom")
    if body.startswith(b"<\x00?\x00"):
        return Decoded(remove_surrogates(body.decode("utf-16-le", errors="replace")), "utf-16-le", "bom")
    if body.startswith(b"\x00<\x00?"):
        return Decoded(remove_surrogates(body.decode("utf-16-be", errors="replace")), "utf-16-be", "bom")
    # JIS escape sequences are 7-bit, so any label (and UTF-8) would read them as garbage without error.
    if _JIS_ESCAPE.search(body[:_DETECT_BYTES]) and (text := _strict(body, "iso2022_jp_ext")) is not None:
        return Decoded(remove_surrogates(text), "iso2022_jp_ext", "detected")
    labels = [*_candidates_for(http_charset), *_candidates_for(declared)]
    strong = list(dict.fromkeys(c for c in labels if c != _WEAK))
    for codec in strong:
        if (text := _strict(body, codec)) is not None:
            return Decoded(remove_surrogates(text), codec, "declared")
    if (text := _strict(body, "utf-8")) is not None:
        return Decoded(remove_surrogates(text), "utf-8", "default" if not labels else "detected")
    if (found := _detect_japanese(body)) is not None:
        return Decoded(remove_surrogates(found[0]), found[1], "detected")
    if _WEAK in labels and (text := _strict(body, _WEAK)) is not None:
        return Decoded(remove_surrogates(text), _WEAK, "declared")
    if (found := _detect_other(body)) is not None:
        return Decoded(remove_surrogates(found[0]), found[1], "detected")
    if _WEAK in labels or not strong:
        return Decoded(remove_surrogates(body.decode(_WEAK, errors="replace")), _WEAK, "replaced")
    return Decoded(remove_surrogates(body.decode(strong[0], errors="replace")), strong[0], "replaced")

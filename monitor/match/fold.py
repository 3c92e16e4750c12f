"""Folding with an offset map (pure): each document field folded once, with the way back to the original.

:func:`fold_with_offsets` equals :func:`monitor.match.query.fold` (NFKC, casefold, quotes, separators,
single spaces) and keeps maps from folded offsets to original ones, so spans shown to people point into
the original title or text (``ﬁ`` -> ``fi``, ``…`` -> ``...``, ``ｶﾞ`` -> ``ガ``, a newline run -> one
space). ASCII text with single spaces, and text that is already NFKC, need no map.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from monitor.match.query import FOLD_TABLE, LATIN_WORD_CLASS
from monitor.match.query.text import us_starts

__all__ = ["Folded", "OffsetMap", "ascii_word", "fold_with_offsets", "latin_word"]


class OffsetMap:
    """Maps indices of a derived string back to spans of its source.

    Segments are (derived start, derived length, source start, source length, exact). Exact segments map
    one character to one character; the others (a composed cluster, an expansion, a collapsed run of
    spaces) map every derived character to the whole source segment.
    """

    __slots__ = ("_d", "_dl", "_exact", "_s", "_sl")

    def __init__(self) -> None:
        self._d: list[int] = []
        self._dl: list[int] = []
        self._s: list[int] = []
        self._sl: list[int] = []
        self._exact: list[bool] = []

    def add(self, d: int, dl: int, s: int, sl: int, *, exact: bool) -> None:
        if dl == 0 and sl == 0:
            return
        if (
            exact
            and self._exact
            and self._exact[-1]
            and self._d[-1] + self._dl[-1] == d
            and self._s[-1] + self._sl[-1] == s
        ):
            self._dl[-1] += dl
            self._sl[-1] += sl
            return
        self._d.append(d)
        self._dl.append(dl)
        self._s.append(s)
        self._sl.append(sl)
        self._exact.append(exact)

    def span(self, start: int, end: int) -> tuple[int, int]:
        k = max(bisect_right(self._d, start) - 1, 0)
        s0 = self._s[k] + (start - self._d[k]) if self._exact[k] else self._s[k]
        last = max(end - 1, start)
        k = max(bisect_right(self._d, last) - 1, 0)
        e0 = self._s[k] + (last - self._d[k]) + 1 if self._exact[k] else self._s[k] + self._sl[k]
        return s0, max(e0, s0)


@dataclass(frozen=True, slots=True)
class Folded:
    text: str  # folded
    maps: tuple[OffsetMap, ...]  # applied in order to go from folded offsets to original offsets

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        for m in self.maps:
            start, end = m.span(start, end)
        return start, end


_ASCII_SEPARATORS = tuple(chr(c) for c in FOLD_TABLE if c < 128)
_FOLD_CHARS = tuple(chr(c) for c in FOLD_TABLE if c >= 128 or chr(c) in _ASCII_SEPARATORS)
_LATIN_WORD_RE = re.compile(LATIN_WORD_CLASS)


def ascii_word(ch: str) -> bool:
    """A Latin word character, for ASCII text (no CJK there): the cheap test."""
    return ch.isalnum() or ch == "_"


def latin_word(ch: str) -> bool:
    return _LATIN_WORD_RE.match(ch) is not None


@dataclass(frozen=True, slots=True)
class _Tables:
    """Folding tables for BMP characters, built once, on the first text that is not already NFKC
    (a few hundred milliseconds; English and most Japanese press text never needs them).

    A character is *stable* when it folds to exactly one character, on its own, whatever surrounds it:
    NFKC and casefold give one character each, it is no combining mark and nothing that composes with
    the character before it (``ﾞ`` after ``ｶ``, Hangul vowels), and its casefold determines its fold.
    Stretches of stable characters fold as ``casefold()`` plus a one-for-one fix-up (``５`` -> ``5``,
    ``Ａ`` -> ``a``). Unstable ones (``ﬁ``, ``…``, ``ß``, ``㍿``, combining marks, all astral characters)
    fold cluster by cluster with an offset map.
    """

    unstable: re.Pattern[str]
    fix: dict[str, str]  # casefold(c) -> fold(c), where they differ, for stable c
    fix_re: re.Pattern[str] | None
    second: frozenset[int]  # characters that compose with the one before them (NFC second elements)


@cache
def _tables() -> _Tables:
    second = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    for cp in _bmp_to_check(0x80):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                second.add(int(parts[1], 16))
    unstable: set[int] = set(range(0xD800, 0xE000))
    groups: dict[str, list[tuple[int, str]]] = {}  # casefold -> [(code point, fold)]
    for cp in _bmp_to_check(0):
        if cp in unstable:
            continue
        ch = chr(cp)
        nf = unicodedata.normalize("NFKC", ch)
        cf = ch.casefold()
        if (
            len(nf) != 1
            or len(nf.casefold()) != 1
            or len(cf) != 1
            or unicodedata.combining(ch) != 0
            or unicodedata.combining(nf) != 0
            or cp in second
            or ord(nf) in second
        ):
            unstable.add(cp)
        else:
            groups.setdefault(cf, []).append((cp, nf.casefold()))
    fix: dict[str, str] = {}
    for cf, members in groups.items():
        targets = {tgt for _, tgt in members}
        if len(targets) == 1:
            (tgt,) = targets
            if tgt != cf:
                fix[cf] = tgt
        else:  # characters share a casefold but not a fold: the ones that need a fix-up are unstable
            unstable.update(cp for cp, tgt in members if tgt != cf)
    return _Tables(
        unstable=re.compile(f"[{_char_class(unstable)}\\U00010000-\\U0010ffff]+"),
        fix=fix,
        fix_re=re.compile(f"[{_char_class({ord(c) for c in fix})}]") if fix else None,
        second=frozenset(second),
    )


# Blocks whose characters all fold to themselves and compose with nothing before them: skipped when the
# tables are built (CJK ideographs, Hangul syllables, private use). A test checks the claim.
_TRIVIAL_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xE000, 0xF8FF))


def _bmp_to_check(start: int) -> Iterator[int]:
    lo = start
    for a, b in _TRIVIAL_BLOCKS:
        yield from range(lo, a)
        lo = b + 1
    yield from range(lo, 0x10000)


def _char_class(cps: set[int]) -> str:
    ranges: list[list[int]] = []
    for cp in sorted(cps):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


def _fold_stable(seg: str, tables: _Tables) -> str:
    """Fold a stretch of stable characters: one character for one."""
    t = seg.casefold()
    if tables.fix_re is not None:
        for c in set(tables.fix_re.findall(t)):
            t = t.replace(c, tables.fix[c])
    return t


def _attaches(ch: str, tables: _Tables) -> bool:
    """Does ``ch`` (or what NFKC makes of it) combine with the character before it?"""
    nf = unicodedata.normalize("NFKC", ch)[:1] or ch
    return (
        unicodedata.combining(ch) != 0
        or unicodedata.combining(nf) != 0
        or ord(ch) in tables.second
        or ord(nf) in tables.second
    )


def _fold_slow(s: str, tables: _Tables) -> tuple[str, OffsetMap]:
    """Casefold + NFKC with a map: stable stretches in bulk, unstable ones cluster by cluster."""
    out: list[str] = []
    omap = OffsetMap()
    d = pos = 0
    for m in tables.unstable.finditer(s):
        a, z = m.span()
        start = max(pos, a - 1)  # the character before may be the base the first mark composes with
        if start > pos:
            seg = _fold_stable(s[pos:start], tables)
            out.append(seg)
            omap.add(d, len(seg), pos, start - pos, exact=True)
            d += len(seg)
        i = start
        while i < z:
            j = i + 1
            while j < z and _attaches(s[j], tables):
                j += 1
            piece = unicodedata.normalize("NFKC", s[i:j]).casefold()
            out.append(piece)
            omap.add(d, len(piece), i, j - i, exact=len(piece) == 1 and j - i == 1)
            d += len(piece)
            i = j
        pos = z
    if pos < len(s):
        seg = _fold_stable(s[pos:], tables)
        out.append(seg)
        omap.add(d, len(seg), pos, len(s) - pos, exact=True)
    # Equal to NFKC(s).casefold() by construction (tests compare them on hostile strings); checking it
    # here would cost a full NFKC pass, ~100 µs on 1,000 Japanese characters.
    return "".join(out), omap


def _expand_us(s: str) -> tuple[str, OffsetMap | None]:
    """``s`` with each capitalised word "US" that is the United States written "U.S.", and the map back."""
    starts = us_starts(s)
    if not starts:
        return s, None
    umap = OffsetMap()
    parts: list[str] = []
    d = pos = 0
    for i in starts:
        parts.append(s[pos:i])
        umap.add(d, i - pos, pos, i - pos, exact=True)
        d += i - pos
        parts.append("U.S.")
        umap.add(d, 4, i, 2, exact=False)
        d += 4
        pos = i + 2
    parts.append(s[pos:])
    umap.add(d, len(s) - pos, pos, len(s) - pos, exact=True)
    return "".join(parts), umap


def fold_with_offsets(s: str, *, us: bool = True) -> Folded:
    """``fold(s)`` plus the maps back to ``s``. Equal to :func:`monitor.match.query.fold` by contract
    (``us`` as there: a capitalised "US" is "U.S."; False for metadata values)."""
    maps: list[OffsetMap] = []
    umap = None
    if us and "US" in s:
        s, umap = _expand_us(s)
    if s.isascii():
        t = s.lower()
        for c in _ASCII_SEPARATORS:
            if c in t:
                t = t.replace(c, " ")
    else:
        t = s.casefold()
        if len(t) != len(s) or not unicodedata.is_normalized("NFKC", s):
            tables = _tables()
            if len(t) == len(s) and tables.unstable.search(s) is None:
                t = _fold_stable(s, tables)  # one for one: no map needed
            else:
                t, omap = _fold_slow(s, tables)
                maps.append(omap)
        for c in _FOLD_CHARS:
            if c in t:
                t = t.replace(c, FOLD_TABLE[ord(c)])
    i = t.find("  ")
    if i != -1:
        t, cmap = _collapse(t, i)
        maps.insert(0, cmap)
    if umap is not None:
        maps.append(umap)
    return Folded(t, tuple(maps))


def _collapse(t: str, i: int) -> tuple[str, OffsetMap]:
    """``t`` with every run of spaces made one space, and its map (``i``: where the first run starts).

    ``str.find`` rather than a regex: ``re`` is several times slower on non-ASCII strings.
    """
    cmap = OffsetMap()
    parts: list[str] = []
    d = pos = 0
    n = len(t)
    while i != -1:
        j = i + 2
        while j < n and t[j] == " ":
            j += 1
        parts.append(t[pos : i + 1])
        cmap.add(d, i - pos, pos, i - pos, exact=True)
        d += i - pos
        cmap.add(d, 1, i, j - i, exact=False)  # the one space stands for the whole run
        d += 1
        pos = j
        i = t.find("  ", j)
    parts.append(t[pos:])
    cmap.add(d, n - pos, pos, n - pos, exact=True)
    return "".join(parts), cmap

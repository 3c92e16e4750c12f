"""Text similarity for story clustering: MinHash fingerprints of the body, headline similarity. Pure.

``fingerprint(title, text) -> bytes``
    A bottom-k MinHash sketch: the ``SKETCH_SIZE`` (128) smallest 32-bit hashes of the text's shingles.
    Shingles are taken over ``normalise_for_hash`` text split into tokens, where a token is a run of
    letters/digits (English: words) or one CJK character, so English gets 3-word shingles and Japanese
    character 3-grams. Each distinct token is hashed once (keyed blake2b, cached), and the shingle hashes
    are mixed from the token hashes in numpy (a splitmix64 finaliser over a multiply-rotate combination),
    so a fingerprint costs a few vectorised passes rather than a blake2b call per shingle, and stays
    stable across processes. The title is left out (outlets rewrite headlines; the body is what they
    copy), except when the text has fewer than ``MIN_SHINGLES`` (8) shingles: then the fingerprint
    covers title + text and is marked *short*.

    Stored form (at most 2 + 4 * 128 = 514 bytes): byte 0 the format version (2; version-1 sketches of
    older rows decode but compare as unrelated to version 2), byte 1 flags (bit 0: short), then the
    ascending unsigned 32-bit big-endian hashes.
"""

from __future__ import annotations

import functools
import re
import struct
import unicodedata
from bisect import bisect_left
from typing import NamedTuple

from monitor.text import normalise_for_hash

__all__ = [
    "MIN_SHINGLES",
    "SKETCH_SIZE",
    "fingerprint",
    "headline_containment",
    "is_roundup",
    "is_short",
    "is_write_through",
    "similarity",
    "sketch_values",
    "title_similarity",
]

SKETCH_SIZE = 128  # values kept per fingerprint; the Jaccard estimate's error is ~sqrt(J(1-J)/128)
MIN_SHINGLES = 8  # texts with fewer shingles are "short"

_VERSION = 2
_FLAG_SHORT = 0x01
_HEADER = 2

_CJK = (
    "\u3005-\u3007\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def _tokens(s: str) -> list[str]:
    return _TOKEN.findall(normalise_for_hash(s))


def fingerprint(title: str, text: str) -> bytes:
    """The bottom-k MinHash sketch of ``text`` (of ``title`` + ``text`` when the text is short)."""
    # numpy (~16 MiB resident) loads with the first fingerprint: a daemon whose parse workers compute
    # them never loads it in its own process.
    from monitor.shingles import shingle_hashes as _shingle_hashes

    tokens = _tokens(text)
    values = _shingle_hashes(tokens)
    flags = 0
    if len(values) < MIN_SHINGLES:
        flags |= _FLAG_SHORT
        values = _shingle_hashes(_tokens(title) + tokens)
    return bytes((_VERSION, flags)) + values[:SKETCH_SIZE].astype(">u4").tobytes()


class _Sketch(NamedTuple):
    version: int
    short: bool
    values: tuple[int, ...]  # ascending
    members: frozenset[int]


def _check(fp: bytes) -> None:
    if len(fp) < _HEADER or fp[0] not in (1, _VERSION) or (len(fp) - _HEADER) % 4:
        raise ValueError(f"stories: not a version-{_VERSION} story fingerprint ({len(fp)} bytes)")


def _values(fp: bytes) -> tuple[int, ...]:
    _check(fp)
    values: tuple[int, ...] = struct.unpack_from(f">{(len(fp) - _HEADER) // 4}I", fp, _HEADER)
    return values


# A decoded sketch with its members costs ~13 KB: the cache holds the candidates of the stories being
# decided (a burst compares each new item with ~15 of them), not every sketch ever read (4,096 of them
# were ~55 MB of the daemon's memory after a first poll of 1,000 sources, filled by the story index).
@functools.lru_cache(maxsize=1024)
def _decode(fp: bytes) -> _Sketch:
    values = _values(fp)
    return _Sketch(fp[0], bool(fp[1] & _FLAG_SHORT), values, frozenset(values))


def is_short(fp: bytes) -> bool:
    """Whether ``fp`` was taken from a text too short to compare (title + text, fewer than 8 shingles)."""
    _check(fp)  # the version and size, as a decoded sketch would (not the values: a decision asks often)
    return bool(fp[1] & _FLAG_SHORT)


def sketch_values(fp: bytes) -> tuple[int, ...]:
    """The sketch's hashes, ascending (the smallest are the story index's text keys). Not cached: the
    story index reads every stored item's once."""
    return _values(fp)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two fingerprints, in [0, 1] (the bottom-k
    estimator; exact when neither sketch is full). 0.0 across fingerprint versions."""
    sa, sb = _decode(a), _decode(b)
    if sa.version != sb.version:
        return 0.0
    both = sa.members & sb.members
    if not both:
        return 0.0
    union = len(sa.values) + len(sb.values) - len(both)
    if (len(sa.values) < SKETCH_SIZE and len(sb.values) < SKETCH_SIZE) or union <= SKETCH_SIZE:
        return len(both) / union
    counted = 0
    for v in sorted(both):
        if bisect_left(sa.values, v) + bisect_left(sb.values, v) - counted >= SKETCH_SIZE:
            break
        counted += 1
    return counted / SKETCH_SIZE


def title_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the normalised title token sets (CJK: characters); 0.0 if either is empty."""
    ta, tb = set(_tokens(a)), set(_tokens(b))
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


_STOP = frozenset(
    {
        "the", "a", "an", "of", "to", "in", "on", "for", "and", "with", "as", "at", "by", "from", "its", "it",
        "is", "are", "be", "was", "were", "has", "have", "will", "new", "us", "u.s", "says", "said", "over",
        "after", "into", "than", "this", "that",
        # a legal form: "Cheniere Energy, Inc. Declares ..." and "CHENIERE DECLARES ..." name one firm
        "inc", "corp", "co", "ltd", "llc", "plc",
    }
)  # fmt: skip


def _stem(t: str) -> str:
    """A crude English stem (approves, approved, approve -> approv; sales, sale -> sal)."""
    if not t.isascii() or len(t) <= 3:
        return t
    for suffix in ("ing", "ed", "es", "s"):
        if t.endswith(suffix) and len(t) - len(suffix) >= 3:
            t = t[: -len(suffix)]
            break
    return t[:-1] if t.endswith("e") and len(t) > 3 else t


_CJK_RUN = re.compile(f"[{_CJK}]+")
_KANA_PARTICLE = re.compile("[\u3041-\u309f]+")  # hiragana: particles and endings, not names
_WORD = re.compile(f"[^\\W_{_CJK}]+")


def _headline_terms(s: str) -> set[str]:
    """A headline's content words (stemmed) and, in CJK text, the character bigrams of each run of kanji
    and katakana (hiragana, particles and endings, split runs). Single characters say little: 沿岸防衛
    ミサイル and 対艦ミサイル share ミ, サ, イ, ル, and 防 and 衛 are in any defence headline."""
    norm = normalise_for_hash(s)
    out = {_stem(t) for t in _WORD.findall(norm) if t not in _STOP}
    for run in _CJK_RUN.findall(_KANA_PARTICLE.sub(" ", norm)):
        out.update((run[i : i + 2] for i in range(len(run) - 1)) if len(run) > 1 else (run,))
    return out


# A roundup's headline: a weekly or market wrap, an explainer, a digest (The week in Japan-US trade: ...;
# LNG market wrap: ...; Explainer: ...; 解説：...; 今週の日米：...; 東証大引け). It names two or three events
# and is none of them.
_ROUNDUP = re.compile(
    r"^(?:the\s+)?week\s+in\b|\bweek(?:ly)?\s*:|\b(?:market|markets|news)\s+wrap\b|\bwrap-?up\s*:|"
    r"\b(?:round-?up|explainer|analysis|digest|briefing|factbox|q&a|what\s+we\s+know)\s*:|^explainer\b|"
    r"^(?:解説|分析|今週|週間|まとめ)|(?:解説|まとめ|週間):|大引け|前引け|市況",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8192)
def is_roundup(title: str) -> bool:
    """Whether a headline is a roundup's (a week's or a market's wrap, an explainer, a digest): it mentions
    several events and reports none of them first-hand. Cached: a story decision asks it of the probe and
    of every candidate, and the NFKC pass and the search were a fifth of a burst's decision time."""
    return bool(_ROUNDUP.search(unicodedata.normalize("NFKC", title)))


def headline_containment(a: str, b: str) -> float:
    """The share of the shorter headline's content words (CJK: character bigrams) found in the other one."""
    ta, tb = _headline_terms(a), _headline_terms(b)
    if len(ta) < 3 or len(tb) < 3:
        return 0.0
    return len(ta & tb) / min(len(ta), len(tb))


# A write-through's headline: a later, rewritten version of a source's own report, marked the way wires and
# outlets mark one (UPDATE 1-, UPDATE:, REFILE-, CORRECTED-; Bloomberg's "(1)", "(2)" at the end;
# 【更新】, 【続報】, 【詳報】). It is the same story as the source's earlier text, whatever else it adds.
_WRITE_THROUGH = re.compile(
    r"^\s*(?:update(?:\s*\d{1,2})?\s*[-:]|refile\s*[-:]|correct(?:ed|ion)\s*[-:]|"
    r"[【\[(](?:更新|続報|詳報)[】\])])|\(\d{1,2}\)\s*$",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8192)
def is_write_through(title: str) -> bool:
    """Whether a headline marks a write-through (a rewritten, later version of the source's own report)."""
    return bool(_WRITE_THROUGH.search(unicodedata.normalize("NFKC", title)))

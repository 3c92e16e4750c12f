"""Story clustering: near-duplicate fingerprints and the join decision. Pure: no I/O, no clock.

A *story* is one statement or event as several sources carry it. When an item is first seen, its
fingerprint is compared with the fingerprints of recent items; the closest near-duplicate's story is
joined (the first item alerts, later ones update it: "also reported by"), otherwise a new story starts.

``fingerprint(title, text) -> bytes``
    A bottom-k MinHash sketch: the ``SKETCH_SIZE`` (128) smallest 32-bit hashes of the text's shingles.
    Shingles are taken over ``normalise_for_hash`` text split into tokens, where a token is a run of
    letters/digits (English: words) or one CJK character (Japanese/Chinese/Korean), so English gets
    3-word shingles and Japanese character 3-grams, and mixed text ("1兆ドル") works without a language
    switch. Hashes are keyed blake2b, so a fingerprint is stable across processes and versions of
    Python. The title is left out (outlets rewrite headlines; the body is what they copy), except when
    the text has fewer than ``MIN_SHINGLES`` (8) shingles: then the fingerprint covers title + text and
    is marked *short*.

    Stored form (a ``BLOB``/``bytea`` column, at most 2 + 4 * 128 = 514 bytes)::

        byte 0     format version (1)
        byte 1     flags: bit 0 = short text (title included)
        bytes 2..  the sketch: ascending unsigned 32-bit big-endian hashes

    Each sketch value is also a usable index key: near-duplicates share many of them, so a store can
    pre-select candidates with ``WHERE hash IN (...)`` over a side table instead of scanning a window.

``similarity(a, b) -> float``
    The estimated Jaccard similarity of the two shingle sets (exact when both sets have fewer than
    ``SKETCH_SIZE`` shingles). 0.0 when either side is empty.

``title_similarity(a, b) -> float``
    Jaccard similarity of the normalised title token sets (0.0 when either is empty).

``assign_story(fp, title, *, source_id, seen_at, candidates, ...) -> (story_id | None, reason)``
    The story to join (``None``: start a new one) and why, in words fit for a log line or an alert.
    Rules, in order:

    1. Only candidates first seen within ``window`` (72 h) of ``seen_at``, either side, count.
    2. Same source: joins only at ``same_source_similarity`` (0.90): the same statement re-posted. Two
       notices from one template (DSCA sales to different countries share half their words) do not, and
       nor does a re-post with ~3+ words in 100 changed: a duplicate alert is safer than a swallowed one.
    3. Another source, both texts long enough: joins at ``min_similarity`` (0.20) estimated Jaccard.
    4. Another source, either text short (< 8 shingles): the fingerprint says little, so the titles
       decide: normalised title token Jaccard >= ``min_title_similarity`` (0.80).
    5. Text evidence ranks before title evidence; then the most similar candidate; ties go to the
       earliest story (``first_seen_at``, then ``story_id``).

Why MinHash and not a 64-bit SimHash (measured with ``bench/stories.py``; DESIGN.md "Performance facts"
found the same ordering): with 10-20% word edits, reordered sentences and appended boilerplate, 3-word
shingle sets of true near-duplicates have a Jaccard of only ~0.2-0.6, which a 64-bit SimHash maps to
~15-25 differing bits, overlapping the ~32 +/- 4 bits of unrelated texts: at <= 10 bits it found 8% of
such duplicates, and no threshold reached even 50% recall at 75% precision. A 128-value sketch
estimates the Jaccard to +/- 0.04; at 0.20 it found 99% at 100% precision on the same entries.
Unrelated texts stay below ~0.13 (demo feeds: a DSCA notice vs a Federal Register arms notice;
generated: ~0.09 when sharing a boilerplate paragraph). A wire story that quotes half of a statement
(the demo's Kyodo copy of the U.S.-Japan joint statement: Jaccard 0.31, SimHash distance 30 bits) joins.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import re
import struct
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from monitor.text import normalise_for_hash

__all__ = [
    "MIN_SHINGLES",
    "SKETCH_SIZE",
    "StoryCandidate",
    "assign_story",
    "fingerprint",
    "is_short",
    "similarity",
    "sketch_values",
    "title_similarity",
]

SKETCH_SIZE = 128  # values kept per fingerprint; the Jaccard estimate's error is ~sqrt(J(1-J)/128)
MIN_SHINGLES = 8  # texts with fewer shingles are "short": the titles decide across sources
SHINGLE = 3  # tokens per shingle: 3 words, or 3 CJK characters

_VERSION = 1
_FLAG_SHORT = 0x01
_HEADER = 2
_PERSON = b"pressmon-story"  # blake2b personalisation: these hashes are ours alone

# One token per CJK character (no word spaces to split on), one per run of other letters/digits.
# Hiragana, Katakana (without the ゠ and ・ punctuation), CJK ideographs, Hangul, 々〆〇.
_CJK = (
    "\u3005-\u3007\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """One recently seen item, as a possible story to join.

    ``first_seen_at`` is when this item was first seen (the window is measured from it, so a story stays
    joinable while its items keep arriving); pass one candidate per item of each recent story.
    """

    story_id: int
    fingerprint: bytes
    first_seen_at: datetime
    source_id: str
    title: str


def _tokens(s: str) -> list[str]:
    return _TOKEN.findall(normalise_for_hash(s))


def _shingles(tokens: Sequence[str]) -> set[str]:
    if len(tokens) < SHINGLE:
        return {"\x1f".join(tokens)} if tokens else set()
    return {"\x1f".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def _hash32(shingle: str) -> int:
    digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=4, person=_PERSON).digest()
    return int.from_bytes(digest, "big")


def fingerprint(title: str, text: str) -> bytes:
    """The bottom-k MinHash sketch of ``text`` (of ``title`` + ``text`` when the text is short).

    See the module docstring for the stored format. Deterministic across processes.
    """
    shingles = _shingles(_tokens(text))
    flags = 0
    if len(shingles) < MIN_SHINGLES:
        flags |= _FLAG_SHORT
        shingles = _shingles(_tokens(title) + _tokens(text))
    values = sorted(heapq.nsmallest(SKETCH_SIZE, {_hash32(s) for s in shingles}))
    return bytes((_VERSION, flags)) + struct.pack(f">{len(values)}I", *values)


class _Sketch(NamedTuple):
    short: bool
    values: tuple[int, ...]  # ascending
    members: frozenset[int]


@functools.lru_cache(maxsize=2048)  # ~13 KB each: a window's worth of candidates, decoded once
def _decode(fp: bytes) -> _Sketch:
    if len(fp) < _HEADER or fp[0] != _VERSION or (len(fp) - _HEADER) % 4:
        raise ValueError(f"stories: not a version-{_VERSION} story fingerprint ({len(fp)} bytes)")
    values: tuple[int, ...] = struct.unpack_from(f">{(len(fp) - _HEADER) // 4}I", fp, _HEADER)
    return _Sketch(bool(fp[1] & _FLAG_SHORT), values, frozenset(values))


def is_short(fp: bytes) -> bool:
    """Whether ``fp`` was taken from a text too short to compare (title + text, fewer than 8 shingles)."""
    return _decode(fp).short


def sketch_values(fp: bytes) -> tuple[int, ...]:
    """The sketch's hashes, ascending (the smallest are the story index's text keys)."""
    return _decode(fp).values


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two fingerprints, in [0, 1].

    The standard bottom-k estimator: of the ``SKETCH_SIZE`` smallest hashes of the union of both
    sketches, the fraction present in both. Exact when neither sketch is full.
    """
    sa, sb = _decode(a), _decode(b)
    both = sa.members & sb.members
    if not both:
        return 0.0
    union = len(sa.values) + len(sb.values) - len(both)
    if (len(sa.values) < SKETCH_SIZE and len(sb.values) < SKETCH_SIZE) or union <= SKETCH_SIZE:
        return len(both) / union
    # A shared value counts when fewer than SKETCH_SIZE values of the union are below it; its rank in
    # the union is its rank in each sketch, minus the shared values below it (counted twice).
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


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


@dataclass(frozen=True, slots=True)
class _Scored:
    candidate: StoryCandidate
    by_title: bool  # the titles decided (a text too short to compare)
    same_source: bool
    score: float  # estimated Jaccard of the texts, or of the titles when by_title
    needed: float

    @property
    def joins(self) -> bool:
        return self.score >= self.needed

    def rank(self) -> tuple[bool, float, datetime, int]:
        c = self.candidate
        return (self.by_title, -self.score, c.first_seen_at, c.story_id)

    def describe(self) -> str:
        if self.by_title and not self.same_source:
            return f"title similarity {self.score:.2f}; text too short to compare"
        return f"similarity {self.score:.2f}" + ("; same source" if self.same_source else "")


def _score(
    fp: bytes,
    title: str,
    source_id: str,
    c: StoryCandidate,
    *,
    min_similarity: float,
    same_source_similarity: float,
    min_title_similarity: float,
) -> _Scored:
    if c.source_id == source_id:
        # The same source posting it again: the whole fingerprint (title included when short) must match.
        score = 1.0 if fp == c.fingerprint else similarity(fp, c.fingerprint)
        return _Scored(c, is_short(fp) or is_short(c.fingerprint), True, score, same_source_similarity)
    if is_short(fp) or is_short(c.fingerprint):
        return _Scored(c, True, False, title_similarity(title, c.title), min_title_similarity)
    return _Scored(c, False, False, similarity(fp, c.fingerprint), min_similarity)


def assign_story(
    fp: bytes,
    title: str,
    *,
    source_id: str,
    seen_at: datetime,
    candidates: Sequence[StoryCandidate],
    window: timedelta = timedelta(hours=72),
    min_similarity: float = 0.20,
    same_source_similarity: float = 0.90,
    min_title_similarity: float = 0.80,
) -> tuple[int | None, str]:
    """The story an item with fingerprint ``fp`` joins (``None``: a new story) and the reason.

    Reasons read like "near-duplicate of story 12 (similarity 0.41) from nikkei", "no candidate within
    72h", "closest is story 9 from dsca (similarity 0.52; same source), needs 0.90". See the module
    docstring for the rules.
    """
    scored = [
        _score(
            fp, title, source_id, c, min_similarity=min_similarity,
            same_source_similarity=same_source_similarity, min_title_similarity=min_title_similarity,
        )
        for c in candidates
        if abs(seen_at - c.first_seen_at) <= window
    ]  # fmt: skip
    if not scored:
        return None, f"no candidate within {_span(window)}"
    joining = [s for s in scored if s.joins]
    if joining:
        best = min(joining, key=_Scored.rank)
        c = best.candidate
        if best.same_source:
            return c.story_id, f"re-post of story {c.story_id} ({best.describe()}) from {c.source_id}"
        what = "same headline as" if best.by_title else "near-duplicate of"
        return c.story_id, f"{what} story {c.story_id} ({best.describe()}) from {c.source_id}"
    closest = min(scored, key=_Scored.rank)
    c = closest.candidate
    return None, (
        f"closest is story {c.story_id} from {c.source_id} ({closest.describe()}), needs {closest.needed:.2f}"
    )

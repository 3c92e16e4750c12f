"""The 3-token shingle hashes a story fingerprint keeps the bottom of
(:func:`monitor.story_text.fingerprint`).

Vectorised with numpy: a token is hashed once (blake2b, cached), a shingle combines its three tokens'
hashes with multiply-rotate and a splitmix64 finaliser. Its own module so numpy loads only in the
processes that fingerprint (the parse workers; the daemon itself only when it runs the stages in
process)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import numpy as np

__all__ = ["SHINGLE", "shingle_hashes"]

SHINGLE = 3  # tokens per shingle: 3 words, or 3 CJK characters
_PERSON = b"pressmon-story"  # blake2b personalisation: these hashes are ours alone
_M = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


@functools.lru_cache(maxsize=1 << 14)
def _token_hash(token: str) -> int:
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8, person=_PERSON).digest()
    return int.from_bytes(digest, "big")


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def shingle_hashes(tokens: Sequence[str]) -> np.ndarray:
    """The distinct 32-bit hashes of the 3-token shingles (of the whole list when shorter), ascending."""
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    t = np.fromiter((_token_hash(x) for x in tokens), dtype=np.uint64, count=len(tokens))
    with np.errstate(over="ignore"):
        if len(t) < SHINGLE:
            h = np.array([np.bitwise_xor.reduce(t * _M[0]) ^ np.uint64(len(t))], dtype=np.uint64)
        else:
            n = len(t) - SHINGLE + 1
            h = (t[:n] * _M[0] + _rotl(t[1 : n + 1], 21) * _M[1] + _rotl(t[2 : n + 2], 42) * _M[2]).astype(
                np.uint64
            )
        h ^= h >> np.uint64(30)  # splitmix64 finaliser
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return np.unique((h >> np.uint64(32)).astype(np.uint32))

"""Language tags as sources write them (``en``, ``en-US``, ``ja-JP``) and as users filter by them.

A filter follows RFC 4647's basic filtering, as HTTP's Accept-Language does: ``en`` takes in ``en``,
``en-us`` and ``en-gb`` (a feed's ``<language>en-us</language>`` is English); ``en-us`` takes in only
``en-us``. Case and ``_`` for ``-`` do not matter. Used by ``search --lang``, a route's ``lang:`` and the
query language's ``lang:`` field, so all three read a tag the same way.
"""

from __future__ import annotations

import re

# BCP 47's shape, loosely: a 1-8 letter primary subtag, then 1-8 letter/digit subtags (en, en-us, zh-hant-tw)
_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")


def normal(tag: str) -> str:
    """``EN_us`` -> ``en-us``."""
    return tag.strip().lower().replace("_", "-")


def primary(tag: str) -> str:
    """The primary subtag: ``en-US`` -> ``en``."""
    return normal(tag).split("-", 1)[0]


def lang_matches(tag: str | None, wanted: str) -> bool:
    """Whether an item in language ``tag`` passes a filter for ``wanted`` (RFC 4647 basic filtering)."""
    if not tag:
        return False
    t, w = normal(tag), normal(wanted)
    return bool(w) and (t == w or t.startswith(w + "-"))


def is_tag(text: str) -> bool:
    """Whether ``text`` has a language tag's shape (``en``, ``en-US``, ``ja_JP``; not ``"!"`` or ``""``)."""
    return _TAG.fullmatch(normal(text)) is not None


def matching(stored: set[str], wanted: str) -> set[str]:
    """The stored tags a filter for ``wanted`` takes in."""
    return {t for t in stored if lang_matches(t, wanted)}

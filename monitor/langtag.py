"""Language tags as sources write them (``en``, ``en-US``, ``ja-JP``) and as users filter by them.

A filter follows RFC 4647's basic filtering, as HTTP's Accept-Language does: ``en`` takes in ``en``,
``en-us`` and ``en-gb`` (a feed's ``<language>en-us</language>`` is English); ``en-us`` takes in only
``en-us``. Case and ``_`` for ``-`` do not matter. Used by ``search --lang``, a route's ``lang:`` and the
query language's ``lang:`` field, so all three read a tag the same way.
"""

from __future__ import annotations


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

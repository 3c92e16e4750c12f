"""What changed: classify fetched items against stored revisions, and diff revisions word by word. Pure.

- ``classify(items, stored)``: per item, in input order, ``NEW`` (key not stored), ``REVISED`` (stored
  with a different content hash; the change carries the stored title and text) or ``UNCHANGED``.
- ``word_diff(old, new, *, context=6)``: ``difflib.SequenceMatcher`` over tokens (whitespace-separated
  words; each CJK character is its own token, since Japanese has no spaces). Tokens compare without
  their surrounding whitespace, so whitespace-only edits produce no ops (``[]``). Equal runs longer
  than ``2 * context`` tokens keep ``context`` tokens on each side of the elided middle, marked "…".
- ``diff_summary(old, new, *, max_chars=600)``: the same diff as one readable paragraph,
  ``"… kept words [-removed-]{+added+} kept words …"``; ``""`` when no word changed.
- ``is_material(old_title, old_text, new_title, new_text)``: ``(material, reason)``. Material when
  amounts, rates, numbers, dates or negations ("not", "ません") changed (the reason names each kind:
  ``amounts changed: $550 billion -> $1 trillion; dates added: January 19, 2029``), or capitalised
  words (named entities) changed,
  or more than ``MATERIAL_WORDS`` words did (a CJK character counts as half a word). Whitespace,
  case and punctuation-only edits are never material. Matched topic terms are the matcher's business.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from monitor.model import Change, ChangeKind, Item
from monitor.text import collapse_ws, normalise_for_hash, strip_controls

__all__ = [
    "MATERIAL_WORDS",
    "DiffOp",
    "StoredRevision",
    "classify",
    "diff_summary",
    "is_material",
    "word_diff",
]

MATERIAL_WORDS = 3  # more changed words than this is material on its own

OpName = Literal["equal", "insert", "delete", "replace"]

_CJK = r"\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"\s*(?:[{_CJK}]|[^\s{_CJK}]+)")
_IS_CJK = re.compile(rf"[{_CJK}]")
_WORDISH = re.compile(r"\w")
_AUTOJUNK_TOKENS = 5_000
_ELLIPSIS = "…"
_SUMMARY_CONTEXT = 6

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = re.compile(
    rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\b\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|(?:令和|平成|昭和)?(?:\d{1,4}|元)年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日",
)
_NUMBER = re.compile(
    r"(?:(?:US|A|C|HK|NZ)?[$€£¥]\s?|\b(?:USD|JPY|EUR)\s?)?"
    r"(?<![A-Za-z0-9.])\d+(?:[.,]\d+)*"
    r"(?:\s?(?:%|percent\b|per\s?cent\b|(?:thousand|million|billion|trillion|bn|mn)\b))?"
    r"(?:[兆億万千]\d*(?:[.,]\d+)*)*(?:円|ドル|ユーロ|人|件|%)?",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|neither|nor|cannot|without)\b|n[’']t\b|ません|ない|なかった|せず",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"^[^\w]*([A-Z][\w'’.\-]*)")
_FUNCTION_WORDS = frozenset(
    {
        "a", "an", "and", "as", "at", "but", "by", "for", "from", "he", "her", "his", "i", "in", "it",
        "its", "of", "on", "or", "our", "she", "that", "the", "their", "them", "these", "they", "this",
        "those", "to", "we", "what", "when", "where", "which", "while", "who", "with", "you", "your",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoredRevision:
    """The latest stored revision of an item, as ``classify`` needs it."""

    key: str
    content_hash: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step of a word diff. ``old``/``new`` are the words involved ("" on the side that has none)."""

    op: OpName
    old: str
    new: str


def classify(items: Sequence[Item], stored: Mapping[str, StoredRevision]) -> list[Change]:
    """NEW / REVISED / UNCHANGED for each item, in input order."""
    changes = []
    for item in items:
        previous = stored.get(item.key)
        if previous is None:
            changes.append(Change(kind=ChangeKind.NEW, item=item))
        elif previous.content_hash != item.content_hash:
            changes.append(
                Change(
                    kind=ChangeKind.REVISED,
                    item=item,
                    previous_title=previous.title,
                    previous_text=previous.text,
                )
            )
        else:
            changes.append(Change(kind=ChangeKind.UNCHANGED, item=item))
    return changes


# --- word diff ------------------------------------------------------------------------------------

_Op = tuple[OpName, list[str], list[str]]  # tokens keep their leading whitespace


def _tokens(s: str) -> list[str]:
    return _TOKEN.findall(strip_controls(s))


def _opcodes(old: list[str], new: list[str]) -> list[_Op]:
    """Raw ops over token lists (equal runs not yet elided); [] when the words are the same."""
    a = [t.strip() for t in old]
    b = [t.strip() for t in new]
    if a == b:
        return []
    # Trim the common prefix and suffix first: revisions are usually small edits of long texts.
    pre = 0
    while pre < min(len(a), len(b)) and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < min(len(a), len(b)) - pre and a[-1 - suf] == b[-1 - suf]:
        suf += 1
    mid_a, mid_b = a[pre : len(a) - suf], b[pre : len(b) - suf]
    matcher = difflib.SequenceMatcher(None, mid_a, mid_b, autojunk=len(mid_a) + len(mid_b) > _AUTOJUNK_TOKENS)
    ops: list[_Op] = []
    if pre:
        ops.append(("equal", old[:pre], new[:pre]))
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ops.append((tag, old[pre + i1 : pre + i2], new[pre + j1 : pre + j2]))
    if suf:
        ops.append(("equal", old[len(old) - suf :], new[len(new) - suf :]))
    return ops


def _join(tokens: Sequence[str]) -> str:
    return "".join(tokens).strip()


def _elide(tokens: list[str], *, first: bool, last: bool, context: int) -> str:
    """An equal run with its middle replaced by "…" (only context next to a change is kept)."""
    keep_head = 0 if first else context
    keep_tail = 0 if last else context
    if len(tokens) <= keep_head + keep_tail + 1 or (first and last):
        return _join(tokens)
    head = _join(tokens[:keep_head])
    tail = _join(tokens[len(tokens) - keep_tail :]) if keep_tail else ""
    return " ".join(p for p in (head, _ELLIPSIS, tail) if p)


def word_diff(old: str, new: str, *, context: int = 6) -> list[DiffOp]:
    """Word-level diff of two texts; ``[]`` when they have the same words. See module docstring."""
    ops = _opcodes(_tokens(old), _tokens(new))
    out = []
    for i, (name, a, b) in enumerate(ops):
        if name == "equal":
            text = _elide(a, first=i == 0, last=i == len(ops) - 1, context=context)
            out.append(DiffOp("equal", text, text))
        else:
            out.append(DiffOp(name, _join(a), _join(b)))
    return out


def _lead(tokens: list[str]) -> str:
    """ " " when the op's first token followed whitespace (a word boundary), else "" (CJK, start)."""
    return " " if tokens and tokens[0][:1].isspace() else ""


def _clip(s: str, limit: int) -> str:
    return s if len(s) <= limit else s[: max(limit - 1, 0)].rstrip() + _ELLIPSIS


def diff_summary(old: str, new: str, *, max_chars: int = 600) -> str:
    """``"… context [-old words-]{+new words+} context …"``, at most ``max_chars``; "" if no word changed."""
    ops = _opcodes(_tokens(old), _tokens(new))
    side_limit = max(20, max_chars // 3)
    out = ""
    for i, (name, a, b) in enumerate(ops):
        if name == "equal":
            body = _elide(a, first=i == 0, last=i == len(ops) - 1, context=_SUMMARY_CONTEXT)
        else:
            removed = f"[-{_clip(_join(a), side_limit)}-]" if a else ""
            added = f"{{+{_clip(_join(b), side_limit)}+}}" if b else ""
            body = removed + added
        segment = (_lead(b or a) if out else "") + body
        if len(out) + len(segment) > max_chars:
            if not out:
                return _clip(segment, max_chars)
            return _clip(out + " " + _ELLIPSIS, max_chars)
        out += segment
    return out


# --- materiality ----------------------------------------------------------------------------------


def _normal(s: str) -> str:
    return collapse_ws(unicodedata.normalize("NFKC", strip_controls(s)))


def _changed(before: Counter[str], after: Counter[str]) -> tuple[list[str], list[str]]:
    return list((before - after).elements()), list((after - before).elements())


def _describe(what: str, removed: list[str], added: list[str]) -> str:
    def show(values: list[str]) -> str:
        shown = ", ".join(dict.fromkeys(values[:3]))
        return shown + (", …" if len(values) > 3 else "")

    if removed and added:
        return f"{what} changed: {show(removed)} -> {show(added)}"
    if added:
        return f"{what} added: {show(added)}"
    return f"{what} removed: {show(removed)}"


def _capitalised(tokens: Sequence[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for token in tokens:
        m = _CAPITALISED.match(token.strip())
        if m:
            word = m.group(1).rstrip(".'’-")
            if word.lower() not in _FUNCTION_WORDS:
                found[word] += 1
    return found


def _changed_word_count(ops: list[_Op]) -> int:
    count = 0
    for name, a, b in ops:
        if name == "equal":
            continue
        words = 0
        for side in (a, b):
            latin = sum(1 for t in side if _WORDISH.search(t) and not _IS_CJK.search(t))
            cjk = sum(1 for t in side if _IS_CJK.search(t) and _WORDISH.search(t))
            words = max(words, latin + math.ceil(cjk / 2))
        count += words
    return count


def is_material(old_title: str, old_text: str, new_title: str, new_text: str) -> tuple[bool, str]:
    """Whether a revision deserves an alert, and why (see the module docstring)."""
    if (old_title, old_text) == (new_title, new_text):
        return False, "no change"
    old = _normal(old_title) + "\n" + _normal(old_text)
    new = _normal(new_title) + "\n" + _normal(new_text)
    if normalise_for_hash(old) == normalise_for_hash(new):
        return False, "whitespace or case only"
    if re.sub(r"[\W_]+", "", normalise_for_hash(old)) == re.sub(r"[\W_]+", "", normalise_for_hash(new)):
        return False, "punctuation only"

    # Every kind of fact that changed is named, amounts and rates first: "amounts changed: $550 billion
    # -> $1 trillion; dates added: January 19, 2029". Numbers inside dates count as dates only.
    reasons: list[str] = []
    old_numbers = _numbers(_DATE.sub(" ", old))
    new_numbers = _numbers(_DATE.sub(" ", new))
    for what in ("amounts", "rates", "numbers"):
        removed, added = _changed(
            Counter(n for n in old_numbers if _number_kind(n) == what),
            Counter(n for n in new_numbers if _number_kind(n) == what),
        )
        if removed or added:
            reasons.append(_describe(what, removed, added))
    removed, added = _changed(Counter(_DATE.findall(old)), Counter(_DATE.findall(new)))
    if removed or added:
        reasons.append(_describe("dates", removed, added))
    removed, added = _changed(Counter(_negations(old)), Counter(_negations(new)))
    if removed or added:
        reasons.append(_describe("negation", removed, added))
    if reasons:
        return True, "; ".join(reasons)

    ops = _opcodes(_tokens(old_title), _tokens(new_title)) + _opcodes(_tokens(old_text), _tokens(new_text))
    old_changed = [t for name, a, _ in ops if name != "equal" for t in a]
    new_changed = [t for name, _, b in ops if name != "equal" for t in b]
    removed, added = _changed(_capitalised(old_changed), _capitalised(new_changed))
    if removed or added:
        return True, _describe("names", removed, added)
    words = _changed_word_count(ops)
    if words > MATERIAL_WORDS:
        return True, f"{words} words changed"
    return False, f"minor wording ({words} word{'s' if words != 1 else ''} changed)"


def _negations(s: str) -> list[str]:
    return [m.group(0).lower() for m in _NEGATION.finditer(s)]


_RATE = re.compile(r"(?:%|percent|per\s?cent)$", re.IGNORECASE)
_AMOUNT = re.compile(
    r"[$€£¥]|\b(?:USD|JPY|EUR)\b|\b(?:thousand|million|billion|trillion|bn|mn)$|[兆億万円ドルユーロ]",
    re.IGNORECASE,
)


def _number_kind(token: str) -> str:
    """``amounts`` (money or scaled), ``rates`` (percentages) or ``numbers``."""
    if _RATE.search(token):
        return "rates"
    if _AMOUNT.search(token):
        return "amounts"
    return "numbers"


def _numbers(s: str) -> list[str]:
    return [collapse_ws(m.group(0)).rstrip(".,") for m in _NUMBER.finditer(s)]

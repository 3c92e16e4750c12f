"""The text model of the query language (pure): folding, character classes, tokens, sentences.

The contract the matcher and the reference evaluator implement (see :func:`fold`):

- Both query terms and document fields are *folded*: NFKC, ``str.casefold``, curly quotes to straight
  ones, every whitespace character and hyphen/dash (``-`` and U+2010–U+2015) to a space, runs of spaces
  to one. So ``ＦＭＳ`` = ``FMS``, ``１兆ドル`` = ``1兆ドル``, ``U.S.-Japan`` = ``U.S. Japan``, a phrase
  matches across newlines and double spaces, and ``Japan’s`` = ``Japan's``. Dots and other punctuation
  are kept: ``U.S.`` does not match ``us``. One exception, read before folding: the word ``US`` written in
  capitals in a field that is not all capitals is the United States and folds as ``u.s.`` ("US tariffs",
  "the US", "US-made"; not "US$" or "US dollars", not the pronoun after a capitalised "CONTACT", "JOIN" ...).
  Metadata values (``tag:``, ``source:``, ``lang:``) are folded without it.
- CJK characters: kana, CJK ideographs (and 々〆〇ー). Latin word characters: every other letter, digit
  or ``_`` (Python ``\\w``), of any script.
- A term edge that is a Latin word character must sit at a Latin word boundary: ``Japan`` does not match
  ``Japanese`` (``Japan*`` does), ``FMS`` matches in ``日本へのFMS売却``. A CJK edge matches anywhere:
  ``関税`` matches in ``自動車関税``; ``1兆ドル`` matches in ``約1兆ドル``
  but not ``11兆ドル``. One exception: a term (not a mask) that starts
  with a katakana letter does not match right after another katakana
  letter (a katakana word starts there): ``イラン`` is not in
  ``ハイランダー``, ``メキシコ`` not in ``ニューメキシコ``, while
  ``ソフトバンク`` is in ``ソフトバンクグループ``, ``トヨタ`` in ``北米トヨタ``.
- Tokens (for NEAR): a maximal run of Latin word characters is one token; a run of CJK characters is cut
  into pairs from its start, so a run of L characters counts ceil(L/2) tokens (two characters is about one
  Japanese word, so one NEAR/n reads the same in both languages). Punctuation and spaces are not tokens.
- An occurrence covers tokens first..last. The distance of two occurrences is 0 if they share a token,
  else (first token of the later) - (last token of the earlier): adjacent words are 1 apart.
  ``a NEAR/n b`` holds if some occurrence of a and some of b in the same field are at most n apart.
  Example: in 「日本政府は米国の自動車関税について」 日本 is token 0 and 関税 covers tokens 5..6
  (日本|政府|は米|国の|自動|車関|税に|つい|て), so ``日本 NEAR/5 関税`` matches and ``NEAR/4`` does not.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ABBREVIATIONS",
    "CJK_CLASS",
    "FOLD_TABLE",
    "KATAKANA_CLASS",
    "LATIN_WORD_CLASS",
    "SEPARATORS",
    "TOKEN_RE",
    "fold",
    "is_cjk",
    "is_katakana",
    "is_latin_word",
    "sentence_starts",
    "us_starts",
]


# Kana and CJK ideographs that are word characters (punctuation such as ・ and ゠ is left out).
_CJK_RANGES = (
    "\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
CJK_CLASS = f"[{_CJK_RANGES}]"
# Katakana letters and the long-vowel mark (not the middle dot ・): a term that starts with one does not match
# after another ("イラン" is not in "ハイランダー"), see the module docstring.
KATAKANA_CLASS = "[\u30a1-\u30fa\u30fc-\u30fe\u31f0-\u31ff]"
LATIN_WORD_CLASS = rf"[^\W{_CJK_RANGES}]"
TOKEN_RE = re.compile(rf"{LATIN_WORD_CLASS}+|{CJK_CLASS}{{1,2}}")
_CJK_RE = re.compile(CJK_CLASS)
_KATAKANA_RE = re.compile(KATAKANA_CLASS)
_LATIN_WORD_RE = re.compile(LATIN_WORD_CLASS)

SEPARATORS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u1680\u2028\u2029-\u2010\u2011\u2012\u2013\u2014\u2015"
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'}
# Applied after NFKC + casefold; every entry maps one character to one character.
FOLD_TABLE: dict[int, str] = {ord(c): " " for c in SEPARATORS} | {ord(k): v for k, v in _QUOTES.items()}
_SPACE_RUN_RE = re.compile(" {2,}")


# "US" as a word, not the currency ("US$", "US dollars", "US cents"); after it, "U.S." is what the queries
# write. Words after which a capitalised "US" is the pronoun of a shouted phrase ("CONTACT US").
_US_RE = re.compile(r"(?<![\w.])US(?![\w$]|[ \-](?i:dollars?|cents?)(?!\w))")
_LOWER_RE = re.compile(r"[a-z]")
_WORD_END_RE = re.compile(r"(\w+)\W*$")
_US_PRONOUN_AFTER = frozenset(
    [
        "ABOUT",
        "ALL",
        "AMONG",
        "BY",
        "CALL",
        "CONTACT",
        "EMAIL",
        "FOLLOW",
        "FOR",
        "FROM",
        "GIVE",
        "HELP",
        "JOIN",
        "LET",
        "OF",
        "SEND",
        "SHOW",
        "TELL",
        "TO",
        "VISIT",
        "WITH",
    ]
)


def us_starts(s: str, *, term: bool = False) -> list[int]:
    """Offsets of the words ``US`` in ``s`` that are the United States (folded as ``u.s.``, see above).

    In a document field, only in one with lower-case letters: in an all-capitals title ("CONTACT US") the
    word may be the pronoun. ``term``: ``s`` is a query term ("US LNG"), where every such word is the US.
    """
    if "US" not in s or not (term or _LOWER_RE.search(s)):
        return []
    out = []
    for m in _US_RE.finditer(s):
        i = m.start()
        if not term:
            before = _WORD_END_RE.search(s, max(0, i - 24), i)
            if before is not None and before.group(1) in _US_PRONOUN_AFTER:
                continue
        out.append(i)
    return out


def _expand_us(s: str, *, term: bool) -> str:
    starts = us_starts(s, term=term)
    if not starts:
        return s
    parts = []
    pos = 0
    for i in starts:
        parts.append(s[pos:i])
        parts.append("U.S.")
        pos = i + 2
    parts.append(s[pos:])
    return "".join(parts)


def fold(s: str, *, us: bool = True, term: bool = False) -> str:
    """The folded form terms and fields are compared in: NFKC, casefold, quotes/separators, one space.

    ``us``: a capitalised word "US" is "U.S." (the module docstring); False for metadata values.
    ``term``: ``s`` is a query term, where "US" is always the United States ("US LNG").
    """
    if us:
        s = _expand_us(s, term=term)
    t = unicodedata.normalize("NFKC", s).casefold().translate(FOLD_TABLE)
    return _SPACE_RUN_RE.sub(" ", t)


def is_cjk(ch: str) -> bool:
    return _CJK_RE.match(ch) is not None


def is_katakana(ch: str) -> bool:
    return _KATAKANA_RE.match(ch) is not None


def is_latin_word(ch: str) -> bool:
    return _LATIN_WORD_RE.match(ch) is not None


# Words that end in a dot without ending a sentence (folded: lower case). Single letters (initials,
# "U.S.", "e.g.") are covered by the rule below, not listed.
_ABBREVIATED = (
    "mr mrs ms dr prof sen rep gov gen lt col maj capt adm sgt st no nos vol pp fig inc corp co ltd bros "
    "jr sr vs approx est dept univ jan feb mar apr jun jul aug sep sept oct nov dec"
)
ABBREVIATIONS = frozenset(_ABBREVIATED.split())
_SENTENCE_END_RE = re.compile(r"[。!?]+[\"')\]」』]*|\.[\"')\]」』]*(?= |$)")
_WORD_BEFORE_RE = re.compile(r"[^\W\d_]+$")


def sentence_starts(folded: str) -> list[int]:
    """Offsets where sentences start in a folded field (always begins with 0). See the module docstring."""
    starts = [0]
    n = len(folded)
    for m in _SENTENCE_END_RE.finditer(folded):
        p = m.start()
        if folded[p] == ".":
            w = _WORD_BEFORE_RE.search(folded, max(0, p - 16), p)
            word = w.group() if w else ""
            if len(word) == 1 or word in ABBREVIATIONS:  # an initial, "U.S.", "e.g.", "Mr."
                continue
        end = m.end()
        while end < n and folded[end] == " ":
            end += 1
        if end < n and end != starts[-1]:
            starts.append(end)
    return starts

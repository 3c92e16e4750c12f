"""Make a decoded feed document safe and well-formed enough for feedparser. Pure.

``prepare_entities(text)`` (raises ``ValueError`` with the reason to refuse):

- A ``<!DOCTYPE>`` is removed. Its internal subset may only declare character entities
  (``<!ENTITY nbsp "&#160;">``: a single character or character reference, no ``%``, no SYSTEM/PUBLIC,
  no reference to another entity) and hold comments; anything else is refused, so entity expansion
  (billion laughs) and external entities (XXE) never reach a parser.
- Named references XML does not define (``&nbsp;``, ``&eacute;``: feeds written against the XHTML or
  Netscape RSS 0.91 DTD) become numeric references, from the declarations above or HTML's list; unknown
  names are left for feedparser's lenient parser.
- Numeric references to characters XML forbids (``&#0;``, ``&#xD800;``, ``&#99999999;``) are removed, so
  one bad reference no longer makes the whole document unreadable.

CDATA sections are left alone.

``cap_repeats(text, cap)``: an entry (and the feed's head) keeps at most ``cap`` of each repeatable
element (``<category>``, ``<dc:subject>``, ``<link>``, ``<enclosure>``); the rest are cut out before any
parser sees them. Both parsers deduplicate tags by scanning the tags kept so far, so 100,000 categories
on one item would cost minutes (pressmon keeps 50 tags anyway).
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

__all__ = ["cap_repeats", "prepare_entities"]

_DOCTYPE = re.compile(
    r"""<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:PUBLIC\s+(?:"[^"]*"|'[^']*')\s*(?:"[^"]*"|'[^']*')?"""
    r"""|SYSTEM\s+(?:"[^"]*"|'[^']*')))?\s*(?:\[(?P<subset>.*?)\]\s*)?>""",
    re.IGNORECASE | re.DOTALL,
)
_ANY_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY_DECL = re.compile(
    r"""<!ENTITY\s+(?P<name>[A-Za-z_][\w.-]*)\s+(?P<q>["'])(?P<value>&#[xX][0-9A-Fa-f]{1,6};|&#\d{1,7};|[^&%<"'])(?P=q)\s*>"""
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CDATA = re.compile(r"(<!\[CDATA\[.*?(?:\]\]>|$))", re.DOTALL)
_NAMED = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_NUMERIC = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|(\d+));")
_XML_BUILTIN = frozenset({"amp", "lt", "gt", "quot", "apos"})
_MAX_REF_DIGITS = 8

_REPEATABLE = ("category", "subject", "link", "enclosure")
_REPEAT = re.compile(
    r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])"
    r"|<(?P<name>(?:[A-Za-z_][\w.-]*:)?(?P<local>category|subject|link|enclosure))(?=[\s/>])"
    r"""(?:[^<>"']|"[^"<]*"|'[^'<]*')*?(?:/>|>(?:<!\[CDATA\[.*?\]\]>|[^<])*</(?P=name)\s*>)""",
    re.DOTALL,
)


def _xml_char(cp: int) -> bool:
    return (
        cp in (0x9, 0xA, 0xD) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF
    )


def _char_value(value: str) -> int:
    m = _NUMERIC.fullmatch(value)
    if m is None:
        return ord(value)
    return int(m.group(1), 16) if m.group(1) else int(m.group(2))


def _doctype_entities(text: str) -> tuple[str, dict[str, int]]:
    """The text without its DOCTYPE, and the character entities the DOCTYPE declared."""
    if not _ANY_DOCTYPE.search(text):
        return text, {}
    m = _DOCTYPE.search(text)
    if m is None:
        if "<!ENTITY" in text.upper():
            raise ValueError("DOCTYPE with entity declarations refused")
        return text, {}
    declared: dict[str, int] = {}
    subset = m.group("subset") or ""
    rest = _COMMENT.sub("", subset)
    for decl in _ENTITY_DECL.finditer(subset):
        declared[decl.group("name")] = _char_value(decl.group("value"))
        rest = rest.replace(decl.group(0), "")
    if rest.strip() or "<!ENTITY" in text[m.end() :].upper():
        raise ValueError("DOCTYPE with entity declarations refused")
    return text[: m.start()] + text[m.end() :], declared


def _fix_refs(chunk: str, declared: dict[str, int]) -> str:
    def named(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_BUILTIN:
            return m.group(0)
        cp = declared.get(name, name2codepoint.get(name))
        return f"&#{cp};" if cp is not None and _xml_char(cp) else m.group(0)

    def numeric(m: re.Match[str]) -> str:
        digits = m.group(1) or m.group(2)
        if len(digits.lstrip("0")) > _MAX_REF_DIGITS:
            return ""
        cp = int(digits, 16) if m.group(1) else int(digits)
        return m.group(0) if _xml_char(cp) else ""

    return _NUMERIC.sub(numeric, _NAMED.sub(named, chunk))


def prepare_entities(text: str) -> str:
    """See the module docstring. Raises ValueError("DOCTYPE with entity declarations refused")."""
    text, declared = _doctype_entities(text)
    if "&" not in text:
        return text
    parts = _CDATA.split(text)
    return "".join(p if p.startswith("<![CDATA[") else _fix_refs(p, declared) for p in parts)


def cap_repeats(text: str, cap: int) -> str:
    """Keep at most ``cap`` of each repeatable element per entry (and in the feed's head). Linear."""
    if sum(text.count(name) for name in _REPEATABLE) <= cap:
        return text
    parts: list[str] = []
    counts: dict[str, int] = {}
    start = 0
    for m in _REPEAT.finditer(text):
        local = m.group("local")
        if local is None:  # a new entry starts
            counts = {}
            continue
        n = counts[local] = counts.get(local, 0) + 1
        if n > cap:
            parts.append(text[start : m.start()])
            start = m.end()
    if not parts:
        return text
    parts.append(text[start:])
    return "".join(parts)

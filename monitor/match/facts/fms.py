"""FMS notification fields from DSCA press releases and Federal Register 36(b) notices (pure; see
:mod:`monitor.match.facts`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from decimal import Decimal

from monitor.match.facts.model import FMSNotice, Norm, normalise
from monitor.match.facts.money import money_matches

__all__ = ["extract_fms", "fms_in", "normalise_purchaser", "with_headline"]

_FMS_MARKER = re.compile(
    r"(?=[FfPpTtAaLlDd3対])"  # cheap first-character filter
    r"(?:Foreign\s+Military\s+Sales?|Prospective\s+Purchaser|Transmittal\s+No|Arms\s+Sales\s+Notification"
    r"|(?:possible|proposed)\s+(?:Foreign\s+Military\s+)?sales?\s+to\b"
    r"|Letter\s+of\s+Offer|\b36\(b\)|Defense\s+Security\s+Cooperation\s+Agency|\bDSCA\b|対外有償軍事援助)",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Z][\w.'&-]*"
_GOVERNMENT = (
    rf"Government\s+of\s+(?:the\s+)?"
    rf"(?:(?:{_NAME_WORD}\s+)*(?:Republic|Kingdom|State|States|Commonwealth|Duchy|Sultanate|Emirates)"
    rf"\s+of\s+(?:the\s+)?)?{_NAME_WORD}(?:\s+{_NAME_WORD})*"
)
_PURCHASER_LABEL = re.compile(
    r"Prospective\s+Purchaser\s*:\s*(?P<p>[^\n(;]+?)\s*(?=\(|\n|;|$|\s{2,}|\.\s)", re.IGNORECASE
)
_SALE = r"(?:Foreign\s+Military\s+Sales?|(?i:possible|proposed)\s+sales?)\s+(?:\(FMS\)\s+)?to\s+(?:the\s+)?"
# A state's defence institution named as the buyer ("the Japan Ministry of Defense", "Japan's Air
# Self-Defense Force"): its "of" belongs to the name, not to the system that follows.
_INSTITUTION = (
    r"(?:Ministry\s+of\s+(?:National\s+)?Defen[cs]e|(?:(?:Ground|Maritime|Air)\s+)?Self[\s-]Defen[cs]e\s+Forces?"
    r"|Armed\s+Forces|Defen[cs]e\s+Forces?|Department\s+of\s+(?:National\s+)?Defen[cs]e)"
)
_BUYER_INSTITUTION = rf"{_NAME_WORD}(?:\s+{_NAME_WORD})*?(?:'s)?\s+{_INSTITUTION}"
_SALE_TO = re.compile(
    rf"{_SALE}"
    rf"(?P<p>{_GOVERNMENT}|{_BUYER_INSTITUTION}|[A-Z][^;.]*?)\s+(?:of|for)\s+"
    r"(?!an\s+estimated|a\s+total)(?P<sys>[^\n]+?)"
    r"(?=\s+and\s+related\s+(?:equipment|support|services)|\s+for\s+an?\s+(?:estimated|total)"
    r"|\s+at\s+an\s+estimated|\s+(?:for|worth|valued\s+at)\s+(?:about\s+|approximately\s+)?(?:US)?\$"
    r"|\.\s|\.$|$|;)"
)
# "... a possible Foreign Military Sale to the Government of Japan." with no "of <system>" after it.
_SALE_TO_ONLY = re.compile(
    rf"{_SALE}"
    rf"(?P<p>{_GOVERNMENT}|{_NAME_WORD}(?:\s+{_NAME_WORD})*)(?=\s*[.;,]|\s*$)"
)
_REQUESTED = re.compile(
    rf"(?=[TG])(?:The\s+)?(?P<p>{_GOVERNMENT})\s+has\s+requested\s+to\s+buy\s+"
    r"(?P<what>[^\n]*?)(?=\.\s|\.$|$)"
)
_JUSTIFICATION = re.compile(
    r"POLICY\s+JUSTIFICATION\s+(?:\(U\)\s*)?(?P<c>[A-Z][\w .,'()&-]{1,60}?)\s*(?:--|–|—)\s*"
    r"(?P<sys>[^\n]+?)(?=\s*\n|\s+\(U\)|\s+The\s+[A-Z]|$)"
)
_TRANSMITTAL = re.compile(
    r"Transmittal(?:\s+(?:No\.?|Number|#))?\s*:?\s*(?P<t>\d{2}-[0-9]{1,3}[A-Z]?)(?![\w-])", re.IGNORECASE
)
_CONTRACTOR = re.compile(
    r"(?:principal|prime)\s+contractors?(?:\(s\))?\s+(?:will\s+be|is|are)\s+"
    r"(?P<c>.+?)(?=\.\s+[A-Z(]|\.\s*$|\n\s*\n|$)",
    re.IGNORECASE | re.DOTALL,
)
_MDE_LIST = re.compile(
    r"Major\s+Defense\s+Equipment\s+\(MDE\)\s*:\s*(?P<body>.{0,3000}?)"
    r"(?=Non-?\s*Major\s+Defense\s+Equipment|Non-MDE|\(iv\)|Military\s+Department|POLICY\s+JUSTIFICATION|$)",
    re.DOTALL,
)
_QUANTITY = re.compile(
    r"\((?P<n>\d[\d,]*)\)\s+(?P<item>.+?)"
    r"(?=\s*;|\.\s|\.$|\s*\n|$|,?\s+(?:and\s+)?(?:[Uu]p\s+to\s+)?(?:[A-Za-z]+[\s-]+){0,4}\(\d)",
    re.DOTALL,
)
_VALUE_CUE = re.compile(
    r"(?:\btotal|estimated\s+(?:total\s+)?(?:case\s+)?(?:cost|value)"
    r"|total\s+estimated\s+(?:case\s+)?(?:cost|value))"
    r"\s*(?:is|of|was|will\s+be)?[\s.:*-]*(?:approximately|about|up\s+to|an\s+estimated)?\s*$",
    re.IGNORECASE,
)
_SALE_VALUE_CUE = re.compile(
    r"^\s+(?:for|worth|valued\s+at)\s+(?:about\s+|approximately\s+)?$", re.IGNORECASE
)
_GOVT_PREFIX = re.compile(r"^(?:the\s+)?(?:government\s+of\s+)?(?:the\s+)?", re.IGNORECASE)
_HEADLINE = re.compile(r"^\s*(?P<c>[A-Z][\w .,'()&-]{1,60}?)\s+(?:–|—|--|-)\s+(?P<s>\S.*?)\s*$")


# The state a buyer stands for, when news or a notice names it by its capital or adjective.
_STATE_OF: dict[str, str] = {
    "tokyo": "Japan", "japanese": "Japan", "seoul": "Republic of Korea", "korean": "Republic of Korea",
    "south korean": "Republic of Korea", "south korea": "Republic of Korea", "canberra": "Australia",
    "australian": "Australia", "ottawa": "Canada", "canadian": "Canada", "berlin": "Germany",
    "german": "Germany", "warsaw": "Poland", "polish": "Poland", "new delhi": "India", "indian": "India",
    "manila": "Philippines", "philippine": "Philippines",
}  # fmt: skip
_PAREN_TAIL = re.compile(r"\s*\([^()]*\)$")
_INSTITUTION_TAIL = re.compile(rf"(?:'s)?\s+(?:{_INSTITUTION}|Government|government)$", re.IGNORECASE)
_INSTITUTION_OF = re.compile(rf"^(?:the\s+)?{_INSTITUTION}\s+of\s+(?:the\s+)?", re.IGNORECASE)


def normalise_purchaser(name: str) -> str:
    """The state that buys: 'Government of Japan' -> 'Japan'; 'the Government of the Netherlands' ->
    'Netherlands'; 'Government of Japan (GOJ)', 'the Japan Ministry of Defense', "Japan's Air
    Self-Defense Force", 'the Japanese government', 'Ministry of Defense of Japan' and 'Tokyo' -> 'Japan'
    (a capital or adjective of :data:`_STATE_OF`). Other names are kept as written ('NATO Support and
    Procurement Agency')."""
    name = " ".join(unicodedata.normalize("NFKC", name).split()).strip(" .,:;")
    name = _PAREN_TAIL.sub("", name).strip() or name
    name = _INSTITUTION_OF.sub("", name, count=1) or name
    name = _GOVT_PREFIX.sub("", name, count=1).strip() or name
    name = _INSTITUTION_TAIL.sub("", name).strip() or name
    return _STATE_OF.get(name.casefold(), name)


def _contractor(raw: str) -> str | None:
    raw = " ".join(raw.split())
    if not raw or not (raw[0].isupper() or raw[0].isdigit()):
        return None  # "determined from approved vendors", "not yet known"
    parts = re.split(r";\s*(?:and\s+)?", raw)
    if len(parts) == 1 and "," not in raw:
        parts = re.split(r"\s+and\s+", raw)
    names = []
    for part in parts:
        name = part.split(",")[0]
        name = re.sub(r"\s+(?:of|in|located\s+in|headquartered\s+in|based\s+in)\s+[A-Z].*$", "", name)
        name = name.strip(" .")
        if name and (name[0].isupper() or name[0].isdigit()):
            names.append(name)
    return "; ".join(names) or None


def _quantities(body: str) -> list[tuple[str, str]]:
    out = []
    for q in _QUANTITY.finditer(body):
        item = " ".join(q.group("item").split()).rstrip(" ,.;")
        item = re.sub(r",?\s+and$", "", item)
        if item:
            out.append((q.group("n").replace(",", ""), item))
    return out


def extract_fms(text: str) -> FMSNotice | None:
    """The FMS notification fields of ``text``; ``None`` when nothing is FMS-like (module docstring)."""
    return fms_in(normalise(text))


def fms_in(norm: Norm) -> FMSNotice | None:
    s = norm.text
    markers = list(_FMS_MARKER.finditer(s))
    if not markers:
        return None
    spans: list[tuple[int, int]] = [(m.start(), m.end()) for m in markers]

    purchaser: str | None = None
    sale_system: str | None = None
    label = _PURCHASER_LABEL.search(s)
    sale = _SALE_TO.search(s)
    if sale and sale.group("p").strip().lower() == "government":
        sale = None  # "to the Government of Japan." read as purchaser "Government", system "Japan"
    if sale is None:
        only = _SALE_TO_ONLY.search(s)
        if only:
            purchaser = only.group("p")
            spans.append(only.span())
    requested = _REQUESTED.search(s)
    if label:
        purchaser = label.group("p")
        spans.append(label.span())
    if sale:
        purchaser = label.group("p") if label else sale.group("p")
        sale_system = " ".join(sale.group("sys").split())
        spans.append(sale.span())
    if requested:
        purchaser = purchaser or requested.group("p")
        spans.append(requested.span())

    quantities: list[tuple[str, str]] = []
    mde = _MDE_LIST.search(s)
    if mde:
        spans.append(mde.span())
        quantities = _quantities(mde.group("body"))
    system: str | None = quantities[0][1] if quantities else sale_system
    if not quantities and requested:
        quantities = _quantities(requested.group("what"))
        system = system or (quantities[0][1] if quantities else None)
    if system is None:
        heading = _JUSTIFICATION.search(s)
        if heading:
            system = " ".join(heading.group("sys").split())
            spans.append(heading.span())

    value: Decimal | None = None
    for mstart, mend, amount, currency in money_matches(s):
        cue = _VALUE_CUE.search(s[max(0, mstart - 80) : mstart])
        if not cue and sale and 0 <= mstart - sale.end() <= 40:  # "sale to Japan of X for $900 million"
            cue = _SALE_VALUE_CUE.search(s[sale.end() : mstart])
        if currency == "USD" and cue:
            value = amount
            spans.append((mstart, mend))
            break

    transmittal = _TRANSMITTAL.search(s)
    if transmittal:
        spans.append(transmittal.span())
    contractor_m = _CONTRACTOR.search(s)
    contractor = _contractor(contractor_m.group("c")) if contractor_m else None
    if contractor_m:
        spans.append(contractor_m.span())

    start, end = norm.span(min(a for a, _ in spans), max(b for _, b in spans))
    return FMSNotice(
        purchaser=normalise_purchaser(purchaser) if purchaser else None,
        system=system or None,
        value_usd=value,
        transmittal=transmittal.group("t") if transmittal else None,
        contractor=contractor,
        quantities=tuple(f"{n} {item}" for n, item in quantities),
        start=start,
        end=end,
    )


def with_headline(fms: FMSNotice, title: str) -> FMSNotice:
    """Fill a missing purchaser/system from a DSCA headline such as 'Japan – Class IX Spare Parts'."""
    if fms.purchaser is not None and fms.system is not None:
        return fms
    head = _HEADLINE.match(unicodedata.normalize("NFKC", title))
    if head is None:
        return fms
    return replace(
        fms,
        purchaser=fms.purchaser or normalise_purchaser(head.group("c")),
        system=fms.system or head.group("s"),
    )

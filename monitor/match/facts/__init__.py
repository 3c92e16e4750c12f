"""Fact extractors: money, percentages, FMS notification fields, effective dates (pure: no I/O, no clock).

Every extractor takes the text as given and returns typed values whose ``start``/``end`` are offsets
into *that* text, so ``text[v.start:v.end] == v.text`` always holds. Matching runs on an NFKC-normalised
copy (full-width ``１兆ドル``, ``２５％``, ``＄３４０ million`` work) and spans are mapped back.

Money (:func:`extract_money`)
    A number with a currency marker, optionally scaled: ``$1 trillion``, ``US$550 billion``,
    ``$340,000,000``, ``$185M``, ``$1.2bn``, ``USD 5 billion``, ``¥1.5 trillion``, ``JPY 500 billion``,
    ``1.5 trillion yen``, and Japanese ``1兆ドル``, ``5500億ドル``, ``3,400億円``, ``1兆5000億円``,
    ``十億ドル`` (kanji numerals only together with 万/億/兆, so 関東一円 is not money). ``ドル`` alone
    is read as USD. A leading ``約``/``approximately`` is not part of the span. Without a currency marker a
    number is never money (``Section 232``, ``2026``, ``Transmittal No. 26-28`` are not). ``usd`` equals
    ``amount`` for USD and is ``None`` otherwise: there is no FX conversion.

Rates (:func:`extract_rates`)
    ``25%``, ``２５％``, ``15 percent``, ``15-percent``, ``15 per cent``, ``25パーセント``. ``context`` is
    ``"tariff"`` when a tariff word (tariff, duty, levy, 関税) lies within 6 words on either side in the
    same sentence (a CJK character counts as half a word), else ``None``. "2% of GDP" is a rate with no
    context.

FMS (:func:`extract_fms`)
    Fields from the standard DSCA press-release and Federal Register 36(b) wording. Returns ``None`` when
    the text has nothing FMS-like (no "Foreign Military Sale", "Prospective Purchaser", "Transmittal No.",
    "Arms Sales Notification", "Letter of Offer", "36(b)", DSCA, 対外有償軍事援助). An FMS-like text whose
    fields are absent (a correction notice that only reprints a page) yields an :class:`FMSNotice` with
    ``None`` fields. ``purchaser`` is normalised: "Government of Japan" -> "Japan" (see
    :func:`normalise_purchaser`). ``system`` is the first item of the "Major Defense Equipment (MDE):"
    list, else the item of "possible Foreign Military Sale to <purchaser> of <system>", else the first
    counted item of "has requested to buy", else the Policy Justification heading ("Japan--<system>").
    ``value_usd`` is the USD amount after a total-value cue ("TOTAL ....", "estimated total cost is",
    "for an estimated cost of"). ``quantities`` are the MDE (or "has requested to buy")
    items with a parenthesised count, written ``"<count> <item>"`` ("up to" is dropped: DSCA counts are
    maxima by convention). ``contractor`` is the company name(s) after "principal contractor(s) will be",
    ``"; "``-joined, without locations; ``None`` for "will be determined from approved vendors".
    ``start``/``end`` cover the first to the last FMS marker or field found. One notice per text: a text
    holding several yields the first purchaser, value and transmittal found.

Dates (:func:`extract_dates`)
    Only dates introduced as taking effect: English ``effective [on|as of] <date>``, ``takes effect``,
    ``on or after``, ``beginning``, ``starting``, ``commencing`` (a clock time such as
    ``12:01 a.m. eastern daylight time on`` may come between); Japanese dates followed by から, より, 以降,
    以後, 施行, 発効, 適用 or preceded by 施行日/発効日/適用日. Date forms: ``April 1, 2026``,
    ``Apr. 1, 2026``, ``1 April 2026``, ``2026-04-01``, ``2026年4月1日``, ``令和8年4月1日`` (令和/平成/昭和,
    元年 = 1). A date needs a day and a year; the span covers the date only, not the trigger.

:func:`extract_facts` runs the requested kinds over a title and a text and returns a JSON-serialisable
dict for storage with a mention. **Decimals are written as strings** (``"340000000"``, ``"2.5"``: exact,
no exponent), dates as ISO strings; every value carries ``start``, ``end``, ``text`` (money, rates,
dates) and ``field`` (``"title"`` or ``"text"``). List kinds (``money``, ``rates``, ``dates``) map to a
list (possibly empty), ``fms`` to a dict or ``None``. FMS is read from the text; when the text has none it
is read from the title. A DSCA headline ``"Japan – Class IX Spare Parts"`` fills a missing purchaser or
system of an FMS text. :data:`FIELD_TYPES` is the schema predicates validate against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from monitor.humanize import usd
from monitor.match.facts.dates import dates_in, extract_dates
from monitor.match.facts.fms import extract_fms, fms_in, normalise_purchaser, with_headline
from monitor.match.facts.model import (
    FACT_KINDS,
    FIELD_TYPES,
    LIST_KINDS,
    EffectiveDate,
    FieldType,
    FMSNotice,
    Money,
    Rate,
    dec_str,
    normalise,
)
from monitor.match.facts.money import extract_money, money_in
from monitor.match.facts.rates import extract_rates, rates_in

__all__ = [
    "FACT_KINDS",
    "FIELD_TYPES",
    "LIST_KINDS",
    "EffectiveDate",
    "FMSNotice",
    "FieldType",
    "Money",
    "Rate",
    "extract_dates",
    "extract_facts",
    "extract_fms",
    "extract_money",
    "extract_rates",
    "normalise_purchaser",
]

# ---------------------------------------------------------------------------------------------------
# Facts for storage


def _money_json(m: Money, field: str) -> dict[str, Any]:
    return {
        "amount": dec_str(m.amount),
        "currency": m.currency,
        "usd": dec_str(m.usd) if m.usd is not None else None,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "field": field,
    }


def _rate_json(r: Rate, field: str) -> dict[str, Any]:
    return {
        "percent": dec_str(r.percent),
        "context": r.context,
        "text": r.text,
        "start": r.start,
        "end": r.end,
        "field": field,
    }


def _date_json(d: EffectiveDate, field: str) -> dict[str, Any]:
    return {"date": d.date.isoformat(), "text": d.text, "start": d.start, "end": d.end, "field": field}


def _fms_json(f: FMSNotice, field: str) -> dict[str, Any]:
    return {
        "purchaser": f.purchaser,
        "system": f.system,
        "value_usd": dec_str(f.value_usd) if f.value_usd is not None else None,
        "transmittal": f.transmittal,
        "contractor": f.contractor,
        "quantities": list(f.quantities),
        "start": f.start,
        "end": f.end,
        "field": field,
    }


def extract_facts(title: str, text: str, kinds: Iterable[str]) -> dict[str, Any]:
    """The requested fact kinds of one item as a JSON-serialisable dict (Decimals as strings).

    Raises ``ValueError`` for a kind not in :data:`FACT_KINDS`.
    """
    wanted = set(kinds)
    unknown = wanted - set(FACT_KINDS)
    if unknown:
        raise ValueError(f"facts: unknown fact kind(s) {sorted(unknown)} (kinds: {', '.join(FACT_KINDS)})")
    fields = (("title", normalise(title)), ("text", normalise(text)))
    out: dict[str, Any] = {}
    if "money" in wanted:
        out["money"] = [_money_json(m, f) for f, n in fields for m in money_in(n)]
    if "rates" in wanted:
        out["rates"] = [_rate_json(r, f) for f, n in fields for r in rates_in(n)]
    if "dates" in wanted:
        out["dates"] = [_date_json(d, f) for f, n in fields for d in dates_in(n)]
    if "fms" in wanted:
        fms = fms_in(fields[1][1])
        if fms is not None:
            out["fms"] = _fms_json(with_headline(fms, title), "text")
        else:
            from_title = fms_in(fields[0][1])
            out["fms"] = _fms_json(from_title, "title") if from_title is not None else None
    return out


def describe_facts(facts: Mapping[str, Any]) -> list[str]:
    """One readable line per fact kind of an ``extract_facts`` dict, for alerts ("money: $1 trillion")."""
    lines: list[str] = []
    for kind in ("money", "rates", "dates"):
        values = facts.get(kind) or []
        texts: list[str] = []
        for v in values:
            t = str(v.get("text", ""))
            if kind == "rates" and v.get("context"):
                t += f" ({v['context']})"
            if kind == "dates":
                t = f"{v.get('date')} ({t})"
            if t and t not in texts:
                texts.append(t)
        if texts:
            lines.append(f"{kind}: {', '.join(texts)}")
    fms = facts.get("fms")
    if isinstance(fms, Mapping):
        parts = [
            f"{label} {usd(fms[key]) if key == 'value_usd' else fms[key]}"
            for key, label in (
                ("purchaser", "purchaser"),
                ("system", "system"),
                ("value_usd", "value"),
                ("transmittal", "transmittal"),
                ("contractor", "contractor"),
            )
            if fms.get(key)
        ]
        if parts:
            lines.append("FMS: " + " · ".join(parts))
    return lines

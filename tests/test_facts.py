"""Fact extractors: money, rates, FMS fields, effective dates (monitor.match.facts)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.match.facts import (
    FMSNotice,
    extract_dates,
    extract_facts,
    extract_fms,
    extract_money,
    extract_rates,
    normalise_purchaser,
)
from monitor.text import collapse_ws, strip_html

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

T = 10**12
B = 10**9
M = 10**6


# ---------------------------------------------------------------------------------------------------
# Money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Japan pledged $1 trillion.", [(1 * T, "USD", "$1 trillion")], id="$1 trillion"),
        pytest.param("a US$550 billion fund", [(550 * B, "USD", "US$550 billion")], id="US$550 billion"),
        pytest.param("for $340 million", [(340 * M, "USD", "$340 million")], id="$340 million"),
        pytest.param("is $1.0 billion", [(1 * B, "USD", "$1.0 billion")], id="$1.0 billion exact"),
        pytest.param("a $185M sale", [(185 * M, "USD", "$185M")], id="$185M"),
        pytest.param("a $185m sale", [(185 * M, "USD", "$185m")], id="$185m lower-case"),
        pytest.param("worth $1.2bn", [(Decimal("1.2") * B, "USD", "$1.2bn")], id="$1.2bn"),
        pytest.param("worth $1.2 bn", [(Decimal("1.2") * B, "USD", "$1.2 bn")], id="$1.2 bn spaced"),
        pytest.param("a $5-billion package", [(5 * B, "USD", "$5-billion")], id="hyphenated $5-billion"),
        pytest.param("USD 5 billion in LNG", [(5 * B, "USD", "USD 5 billion")], id="USD 5 billion"),
        pytest.param(
            "¥1.5 trillion of bonds", [(Decimal("1.5") * T, "JPY", "¥1.5 trillion")], id="¥1.5 trillion"
        ),
        pytest.param(
            "￥1.5 trillion", [(Decimal("1.5") * T, "JPY", "￥1.5 trillion")], id="full-width yen sign"
        ),
        pytest.param("JPY 500 billion", [(500 * B, "JPY", "JPY 500 billion")], id="JPY 500 billion"),
        pytest.param(
            "1.5 trillion yen", [(Decimal("1.5") * T, "JPY", "1.5 trillion yen")], id="trillion yen"
        ),
        pytest.param(
            "550 billion US dollars", [(550 * B, "USD", "550 billion US dollars")], id="billion US dollars"
        ),
        pytest.param("top 9 tril. yen", [(9 * T, "JPY", "9 tril. yen")], id="wire abbreviation tril. yen"),
        pytest.param("350 bil. yen", [(350 * B, "JPY", "350 bil. yen")], id="wire abbreviation bil. yen"),
        pytest.param("対米投資1兆ドル", [(1 * T, "USD", "1兆ドル")], id="1兆ドル"),
        pytest.param("5500億ドルの投資", [(550 * B, "USD", "5500億ドル")], id="5500億ドル"),
        pytest.param("5,500億米ドル", [(550 * B, "USD", "5,500億米ドル")], id="5,500億米ドル"),
        pytest.param("総額3,400億円", [(340 * B, "JPY", "3,400億円")], id="3,400億円"),
        pytest.param("1兆5000億円", [(Decimal("1.5") * T, "JPY", "1兆5000億円")], id="1兆5000億円"),
        pytest.param("1.5兆円", [(Decimal("1.5") * T, "JPY", "1.5兆円")], id="decimal 1.5兆円"),
        pytest.param("約340億円", [(34 * B, "JPY", "340億円")], id="約 is not in the span"),
        pytest.param(
            "１兆５０００億円", [(Decimal("1.5") * T, "JPY", "１兆５０００億円")], id="full-width digits"
        ),
        pytest.param("＄３４０ million", [(340 * M, "USD", "＄３４０ million")], id="full-width dollar"),
        pytest.param("十億ドル", [(1 * B, "USD", "十億ドル")], id="kanji numerals with a big unit"),
        pytest.param("5千億円", [(500 * B, "JPY", "5千億円")], id="5千億円"),
        pytest.param("$340,000,000", [(340 * M, "USD", "$340,000,000")], id="$340,000,000"),
        pytest.param(
            "the estimated total cost of $340 million",
            [(340 * M, "USD", "$340 million")],
            id="estimated total cost of",
        ),
        pytest.param(
            "The estimated total cost is $1.0 billion.",
            [(1 * B, "USD", "$1.0 billion")],
            id="The estimated total cost is",
        ),
        pytest.param(
            "約1兆ドル（約150兆円）",
            [(1 * T, "USD", "1兆ドル"), (150 * T, "JPY", "150兆円")],
            id="two amounts in Japanese",
        ),
        pytest.param("A$3 billion", [(3 * B, "AUD", "A$3 billion")], id="A$ is not USD"),
        pytest.param("Section 232 of the Trade Expansion Act", [], id="trap: Section 232"),
        pytest.param("In 2026, Japan", [], id="trap: a year"),
        pytest.param("Transmittal No. 26-28", [], id="trap: transmittal number"),
        pytest.param("F-35A aircraft", [], id="trap: F-35A"),
        pytest.param("SM-6 Block IA missiles", [], id="trap: Block IA"),
        pytest.param("関東一円で", [], id="trap: 一円 (throughout the region)"),
        pytest.param("a 25% tariff", [], id="trap: a percentage is not money"),
    ],
)
def test_extract_money(text: str, expected: list[tuple[int | Decimal, str, str]]) -> None:
    found = extract_money(text)
    assert [(m.amount, m.currency, m.text) for m in found] == [(Decimal(a), c, t) for a, c, t in expected]
    for m in found:
        assert text[m.start : m.end] == m.text
        assert m.usd == (m.amount if m.currency == "USD" else None)


def test_money_amount_is_exact_decimal() -> None:
    (m,) = extract_money("$1.0 billion")
    assert str(m.amount) == "1000000000"


# ---------------------------------------------------------------------------------------------------
# Rates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a 25% tariff on autos", [("25", "tariff", "25%")], id="25% tariff"),
        pytest.param("tariffs of 15 percent", [("15", "tariff", "15 percent")], id="15 percent"),
        pytest.param("duties of 15 per cent", [("15", "tariff", "15 per cent")], id="15 per cent"),
        pytest.param("a 25-percent duty", [("25", "tariff", "25-percent")], id="hyphenated 25-percent"),
        pytest.param("25パーセントの関税", [("25", "tariff", "25パーセント")], id="25パーセント"),
        pytest.param("自動車関税を２５％に", [("25", "tariff", "２５％")], id="full-width ２５％"),
        pytest.param("25%の追加関税", [("25", "tariff", "25%")], id="関税 after the rate"),
        pytest.param("spend 2% of GDP on defense", [("2", None, "2%")], id="2% of GDP has no context"),
        pytest.param("a 2.5% rate", [("2.5", None, "2.5%")], id="decimal rate"),
        pytest.param("GDP grew 2%. Tariffs rose.", [("2", None, "2%")], id="context stops at sentence end"),
        pytest.param(
            "The tariff announcement, which officials described at length in a briefing, cited 3% inflation",
            [("3", None, "3%")],
            id="tariff word too far away",
        ),
        pytest.param(
            "TOKYO ELECTRON SHARES UP 6% ON US TARIFF CAP",
            [("6", None, "6%")],
            id="a share price's move is no tariff rate",
        ),
        pytest.param(
            "Shares of Toyota rose as much as 3.1% after the tariff cut",
            [("3.1", None, "3.1%")],
            id="... nor a move a word or two after shares",
        ),
        pytest.param("東エレクが一時6％高　米の半導体関税で上限", [("6", None, "6％")], id="... nor 6％高"),
        pytest.param("株価は3％安、関税の影響", [("3", None, "3％")], id="... nor 3％安"),
        pytest.param(
            "関税率は6%高い水準", [("6", "tariff", "6%")], id="6%高い is a rate's level, not a move"
        ),
        pytest.param(
            "shares of tariffs rose to 25%",
            [("25", "tariff", "25%")],
            id="a tariff rising to a rate is still a tariff rate",
        ),
        pytest.param("Section 232 tariffs", [], id="trap: Section 232"),
        pytest.param("Transmittal No. 26-28 of 2026", [], id="trap: transmittal and year"),
        pytest.param("F-35A and SM-6 Block IA", [], id="trap: designators"),
    ],
)
def test_extract_rates(text: str, expected: list[tuple[str, str | None, str]]) -> None:
    found = extract_rates(text)
    assert [(r.percent, r.context, r.text) for r in found] == [(Decimal(p), c, t) for p, c, t in expected]
    for r in found:
        assert text[r.start : r.end] == r.text


# ---------------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "effective April 1, 2026", [("2026-04-01", "April 1, 2026")], id="effective Month D, YYYY"
        ),
        pytest.param(
            "This rule is effective on December 23, 2024, unless adverse comment is received by "
            "December 23, 2024.",
            [("2024-12-23", "December 23, 2024")],
            id="effective on; the deadline date is not effective",
        ),
        pytest.param(
            "goods entered on or after 12:01 a.m. eastern daylight time on April 5, 2025",
            [("2025-04-05", "April 5, 2025")],
            id="on or after with a clock time",
        ),
        pytest.param("beginning Apr. 9, 2025", [("2025-04-09", "Apr. 9, 2025")], id="beginning abbreviated"),
        pytest.param("Starting 1 April 2026,", [("2026-04-01", "1 April 2026")], id="starting D Month YYYY"),
        pytest.param("effective date: 2026-04-01", [("2026-04-01", "2026-04-01")], id="effective date ISO"),
        pytest.param(
            "takes effect on Tuesday, April 7, 2026",
            [("2026-04-07", "April 7, 2026")],
            id="takes effect weekday",
        ),
        pytest.param("令和8年4月1日から施行する", [("2026-04-01", "令和8年4月1日")], id="令和8年 -> 2026"),
        pytest.param("令和８年４月１日から", [("2026-04-01", "令和８年４月１日")], id="令和 full-width"),
        pytest.param("2026年4月1日以降に輸入される", [("2026-04-01", "2026年4月1日")], id="2026年4月1日以降"),
        pytest.param("施行日：令和元年5月1日", [("2019-05-01", "令和元年5月1日")], id="施行日 before, 元年"),
        pytest.param(
            "2026年4月1日（水）から適用", [("2026-04-01", "2026年4月1日")], id="weekday in brackets"
        ),
        pytest.param("effective immediately", [], id="no date"),
        pytest.param("signed on April 1, 2026", [], id="a date that is not an effective date"),
        pytest.param("effective April 1", [], id="no year"),
        pytest.param("effective February 30, 2026", [], id="impossible date"),
        pytest.param("2026年4月1日に会談した", [], id="Japanese date without a trigger"),
    ],
)
def test_extract_dates(text: str, expected: list[tuple[str, str]]) -> None:
    found = extract_dates(text)
    assert [(d.date.isoformat(), d.text) for d in found] == expected
    for d in found:
        assert text[d.start : d.end] == d.text


# ---------------------------------------------------------------------------------------------------
# FMS

# Modelled on the structure of a Federal Register 36(b) notice (our wording, not a real one).
FR_NOTICE = """\
DEPARTMENT OF DEFENSE

Office of the Secretary

[Transmittal No. 26-41]

Arms Sales Notification

AGENCY: Defense Security Cooperation Agency, Department of Defense.

ACTION: Arms sales notice.

SUMMARY: The Department is publishing the unclassified text of an arms sales notification.

SUPPLEMENTARY INFORMATION: This 36(b)(1) arms sales notification is published under section 155 of
Public Law 104-164 dated July 21, 1996. The following is a copy of Transmittal 26-41.

Transmittal No. 26-41
Notice of Proposed Issuance of Letter of Offer Pursuant to Section 36(b)(1) of the Arms Export Control Act
    (i) (U) Prospective Purchaser: Government of Japan
    (ii) (U) Total Estimated Value:

Major Defense Equipment *...............  $210 million
Other...................................  $130 million
                                         ----------------
  TOTAL.................................  $340 million

    (iii) (U) Description and Quantity or Quantities of Articles or Services under Consideration
for Purchase:

Major Defense Equipment (MDE):
    Up to forty-eight (48) Standard Missile-6 Block IA (SM-6 Blk IA) All-Up Rounds;
    Up to four (4) MK 29 Mod 3 Canisters
Non-Major Defense Equipment:
    The following non-MDE items will be included: spare parts; training; and other related elements of
logistics and program support.

    (iv) (U) Military Department: Navy (JA-P-ABC)
    (viii) (U) Date Report Delivered to Congress: April 2, 2026

POLICY JUSTIFICATION

(U) Japan--Standard Missile-6 Block IA Missiles

    (U) The Government of Japan has requested to buy up to forty-eight (48) Standard Missile-6 Block IA
(SM-6 Blk IA) All-Up Rounds and up to four (4) MK 29 Mod 3 Canisters. The estimated total cost is
$340 million.
    (U) The principal contractor will be RTX Corporation, headquartered in Arlington, VA. At this time,
the U.S. Government is not aware of any offset agreement proposed in connection with this sale.
"""

# Modelled on a DSCA press release (our wording).
PRESS_RELEASE = (
    "Media/Public Contact: pm-cpa@state.gov Transmittal No. 26-52 "
    "WASHINGTON, May 1, 2026 - The State Department has made a determination approving a possible "
    "Foreign Military Sale to the Government of Japan of Standard Missile-3 Block IIA missiles and related "
    "equipment for an estimated cost of $1.2 billion. The Defense Security Cooperation Agency delivered the "
    "required certification notifying Congress. The Government of Japan has requested to buy up to twelve "
    "(12) Standard Missile-3 Block IIA (SM-3 Blk IIA) missiles; and up to two (2) MK 21 canisters. "
    "The estimated total cost is $1.2 billion. The principal contractors will be RTX Corporation, Tucson, "
    "AZ; and Lockheed Martin Corporation, Moorestown, NJ. There will be no adverse impact on U.S. defense "
    "readiness as a result of this proposed sale."
)

# Modelled on a Federal Register correction notice: no purchaser, no value.
CORRECTION = """\
DEPARTMENT OF DEFENSE
Office of the Secretary
[Transmittal No. 24-48]
Arms Sales Notification; Correction
AGENCY: Defense Security Cooperation Agency, Department of Defense.
ACTION: Arms sales notice; correction.
SUMMARY: On December 15, 2025, the Department published a notice titled Arms Sales Notification. A page
was printed incorrectly. This correction reprints the page. All other information remains the same.
[GRAPHIC] [TIFF OMITTED]
Dated: January 2, 2026.
"""


def test_fr_notice_fields() -> None:
    fms = extract_fms(FR_NOTICE)
    assert fms is not None
    assert fms.purchaser == "Japan"
    assert fms.value_usd == Decimal(340 * M)
    assert fms.transmittal == "26-41"
    assert fms.system == "Standard Missile-6 Block IA (SM-6 Blk IA) All-Up Rounds"
    assert fms.contractor == "RTX Corporation"
    assert fms.quantities == (
        "48 Standard Missile-6 Block IA (SM-6 Blk IA) All-Up Rounds",
        "4 MK 29 Mod 3 Canisters",
    )
    assert FR_NOTICE[fms.start : fms.end].startswith("Transmittal No. 26-41")
    assert FR_NOTICE[fms.start : fms.end].endswith("Arlington, VA")


def test_fr_notice_collapsed_whitespace_gives_same_fields() -> None:
    spaced, collapsed = extract_fms(FR_NOTICE), extract_fms(collapse_ws(FR_NOTICE))
    assert spaced is not None and collapsed is not None
    fields = ("purchaser", "system", "value_usd", "transmittal", "contractor", "quantities")
    assert [getattr(collapsed, f) for f in fields] == [getattr(spaced, f) for f in fields]


def test_press_release_fields() -> None:
    fms = extract_fms(PRESS_RELEASE)
    assert fms is not None
    assert fms == FMSNotice(
        purchaser="Japan",
        system="Standard Missile-3 Block IIA missiles",
        value_usd=Decimal(1200 * M),
        transmittal="26-52",
        contractor="RTX Corporation; Lockheed Martin Corporation",
        quantities=("12 Standard Missile-3 Block IIA (SM-3 Blk IIA) missiles", "2 MK 21 canisters"),
        start=fms.start,
        end=fms.end,
    )


def test_correction_notice_has_no_purchaser_or_value() -> None:
    fms = extract_fms(CORRECTION)
    assert fms is not None
    assert (fms.purchaser, fms.value_usd, fms.system, fms.contractor, fms.quantities) == (
        None,
        None,
        None,
        None,
        (),
    )
    assert fms.transmittal == "24-48"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        pytest.param(
            "a possible Foreign Military Sale to the Government of the Republic of Korea of F-35A Joint "
            "Strike Fighter aircraft for an estimated cost of $5.06 billion.",
            "purchaser",
            "Republic of Korea",
            id="purchaser with 'of' inside the country name",
        ),
        pytest.param(
            "a possible Foreign Military Sale to the Government of the Republic of Korea of F-35A Joint "
            "Strike Fighter aircraft for an estimated cost of $5.06 billion.",
            "system",
            "F-35A Joint Strike Fighter aircraft",
            id="system from the sale sentence",
        ),
        pytest.param(
            "a possible Foreign Military Sale to the Government of Ukraine of Class IX Spare Parts. "
            "The principal contractor(s) will be determined from approved vendors.",
            "contractor",
            None,
            id="contractor to be determined",
        ),
        pytest.param(
            "Foreign Military Sale. The prime contractor is Lockheed Martin Aeronautics Company, "
            "Fort Worth, TX.",
            "contractor",
            "Lockheed Martin Aeronautics Company",
            id="prime contractor is",
        ),
        pytest.param(
            "(i) Prospective Purchaser: Government of Japan (ii) Total Estimated Value: $450 million",
            "value_usd",
            Decimal(450 * M),
            id="Total Estimated Value on one line",
        ),
        pytest.param(
            "Foreign Military Sale to Japan. Japan also bought $90 million of fuel last year.",
            "value_usd",
            None,
            id="an amount without a total-value cue is not the value",
        ),
        pytest.param(
            "POLICY JUSTIFICATION (U) Japan--Upgraded Gliding Projectile Support (U) The Government of Japan "
            "has requested to buy services. Transmittal No. 26-28",
            "system",
            "Upgraded Gliding Projectile Support",
            id="system from the Policy Justification heading",
        ),
    ],
)
def test_fms_field(text: str, field: str, expected: object) -> None:
    fms = extract_fms(text)
    assert fms is not None
    assert getattr(fms, field) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Japan raised tariffs on steel to 25% effective April 1, 2026.", id="tariff statement"),
        pytest.param("Japan pledged $550 billion of investment in the United States.", id="investment"),
        pytest.param("", id="empty"),
    ],
)
def test_not_fms(text: str) -> None:
    assert extract_fms(text) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Government of Japan", "Japan", id="government of"),
        pytest.param("the Government of the Netherlands", "Netherlands", id="the government of the"),
        pytest.param("Japan", "Japan", id="already a name"),
        pytest.param("NATO Support and Procurement Agency", "NATO Support and Procurement Agency",
                     id="not a government"),
        pytest.param("Government of Japan (GOJ)", "Japan", id="an acronym in parentheses"),
        pytest.param("the Japan Ministry of Defense", "Japan", id="the state's defence ministry"),
        pytest.param("Japan's Air Self-Defense Force", "Japan", id="a service of the state"),
        pytest.param("Ministry of Defence of Japan", "Japan", id="ministry of <state>"),
        pytest.param("the Japanese government", "Japan", id="adjective + government"),
        pytest.param("Tokyo", "Japan", id="the capital stands for the state"),
        pytest.param("Government of the Republic of Korea", "Republic of Korea", id="of inside the name"),
        pytest.param("Korea Aerospace Industries", "Korea Aerospace Industries", id="a company is kept"),
        pytest.param("Government", "Government", id="nothing left: kept as written"),
    ],
)  # fmt: skip
def test_normalise_purchaser(raw: str, expected: str) -> None:
    assert normalise_purchaser(raw) == expected


# ---------------------------------------------------------------------------------------------------
# extract_facts


def test_extract_facts_is_json_with_decimal_strings() -> None:
    facts = extract_facts(
        "Japan to invest $550 billion",
        "A 15% tariff applies effective April 1, 2026. " + PRESS_RELEASE,
        ["money", "rates", "fms", "dates"],
    )
    assert json.loads(json.dumps(facts)) == facts
    assert facts["money"][0] == {
        "amount": "550000000000",
        "currency": "USD",
        "usd": "550000000000",
        "text": "$550 billion",
        "start": 16,
        "end": 28,
        "field": "title",
    }
    assert {m["field"] for m in facts["money"]} == {"title", "text"}
    assert facts["rates"][0]["percent"] == "15" and facts["rates"][0]["context"] == "tariff"
    assert facts["dates"][0]["date"] == "2026-04-01"
    assert facts["fms"]["purchaser"] == "Japan"
    assert facts["fms"]["value_usd"] == "1200000000"
    assert facts["fms"]["field"] == "text"


def test_extract_facts_only_requested_kinds() -> None:
    assert extract_facts("t", "a 25% tariff", ["rates"]).keys() == {"rates"}
    assert extract_facts("t", "nothing", ["money", "fms"]) == {"money": [], "fms": None}


def test_extract_facts_spans_slice_their_field() -> None:
    title, text = "約5500億ドル", "Tariff of ２５％ on autos; ¥1.5 trillion"
    facts = extract_facts(title, text, ["money", "rates"])
    fields = {"title": title, "text": text}
    for value in facts["money"] + facts["rates"]:
        assert fields[value["field"]][value["start"] : value["end"]] == value["text"]


def test_extract_facts_fms_from_title_and_headline() -> None:
    headline_only = extract_facts(
        "State Department approves possible Foreign Military Sale to the Government of Japan of E-2D "
        "Advanced Hawkeye Sustainment for an estimated cost of $1.38 billion",
        "",
        ["fms"],
    )
    assert headline_only["fms"]["field"] == "title"
    assert headline_only["fms"]["purchaser"] == "Japan"
    assert headline_only["fms"]["value_usd"] == "1380000000"

    dsca_title = extract_facts(
        "Japan – Class IX Spare Parts",
        "The State Department approved a Foreign Military Sale. The estimated total cost is $40 million.",
        ["fms"],
    )
    assert dsca_title["fms"]["purchaser"] == "Japan"
    assert dsca_title["fms"]["system"] == "Class IX Spare Parts"


def test_extract_facts_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown fact kind"):
        extract_facts("", "", ["moneys"])


# ---------------------------------------------------------------------------------------------------
# Conformance with the shared corpus (real documents; skipped when the corpus is not checked out)


def _corpus(name: str) -> str:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"shared corpus file {path} not present")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("plain", [pytest.param(True, id="html stripped"), pytest.param(False, id="raw")])
def test_corpus_fr_notice_2026_09109(plain: bool) -> None:
    raw = _corpus("2026-09109.txt")
    fms = extract_fms(strip_html(raw) if plain else raw)
    assert fms is not None
    assert fms.purchaser == "Japan"
    assert fms.value_usd == Decimal(340 * M)
    assert fms.transmittal == "26-28"
    assert fms.system == "Upgraded Hyper Velocity Gliding Projectiles Support"  # MDE list says "None"
    assert fms.quantities == ()


def test_corpus_correction_2026_00029() -> None:
    fms = extract_fms(strip_html(_corpus("2026-00029.txt")))
    assert fms is not None
    assert (fms.purchaser, fms.value_usd, fms.transmittal) == (None, None, "24-48")


def test_corpus_dsca_press_release() -> None:
    fms = extract_fms(strip_html(_corpus("dsca-4399552.article-excerpt.html")))
    assert fms is not None
    assert (fms.purchaser, fms.system, fms.value_usd, fms.transmittal, fms.contractor) == (
        "Ukraine",
        "Class IX Spare Parts",
        Decimal(185 * M),
        "25-105",
        None,
    )


def test_corpus_federal_register_effective_date() -> None:
    doc = json.loads(_corpus("fr_doc_2024-27333.json"))
    assert [d.date for d in extract_dates(doc["dates"])] == [datetime.date(2024, 12, 23)]


@pytest.mark.parametrize(
    ("text", "purchaser", "system"),
    [
        pytest.param(
            "The State Department approved a possible Foreign Military Sale to the Government of Japan.",
            "Japan",
            None,
            id="sale to a government with no system after it",
        ),
        pytest.param(
            "It approved a possible Foreign Military Sale to Japan.", "Japan", None, id="bare country"
        ),
        pytest.param(
            "approving a possible Foreign Military Sale to the Japan Ministry of Defense of KC-46A aircraft.",
            "Japan",
            "KC-46A aircraft",
            id="a ministry's own 'of' is not the system's",
        ),
        pytest.param(
            "the State Department cleared a possible sale to Tokyo of AIM-120D missiles.",
            "Japan",
            "AIM-120D missiles",
            id="the capital as buyer",
        ),
    ],
)
def test_fms_sale_without_system(text: str, purchaser: str, system: str | None) -> None:
    notice = extract_fms(text)
    assert notice is not None and notice.purchaser == purchaser and notice.system == system

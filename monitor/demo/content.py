"""Demo feed documents for ``pressmon demo``: pure functions of (source, phase) -> bytes.

Six sources, each written in the style of the real feed it stands for (the quirks are the point):

- ``whitehouse``: python-feedgen RSS 2.0 of White House briefings and statements. Oldest item first,
  midnight-UTC pubDates, a relative channel link, a description that repeats its header line three
  times, an ALL-CAPS title.
- ``dsca``: DSCA Major Arms Sales RSS from the ArticleCS CMS (``RSS.ashx``): ``guid
  isPermaLink="false"``, HTML markup escaped inside descriptions, trailing spaces in titles.
- ``federal-register``: a Federal Register API ``documents.json`` search (``kind: json_api``): the
  ``fields[]`` subset, ``count``/``total_pages``, abstract, agencies, ``publication_date``.
- ``nikkei``: a news feed (Nikkei Asia style): CDATA HTML descriptions, +0900 pubDates.
- ``kantei``: the Prime Minister's Office RSS 1.0 (RDF), Japanese, ``dc:date`` with +09:00.
- ``mofa``: the Japanese Foreign Ministry's press-release listing (``kind: html``, Shift_JIS, dates
  without a year and with 令和 years; ``monitor.demo.listings``).

Phase 1 is the baseline (stored, not alerted). It holds the traps: an "Imperial Japan" presidential
message with no trade words, FMS notices for other countries, "Japan Airlines adds routes".
Phase 2 adds new statements (the Joint Statement on U.S.-Japan Investment and its wire copy, a ~$1
billion FMS approval for Japan, a USTR tariff notice, Japanese- and English-language news) and EDITS
the phase-1 White House fact sheet in place (same guid and link, "$550 billion" -> "$1 trillion" plus
an added sentence), which must come out as a "revised" alert.

Everything here is fictional demo content dated around November 2026; nothing reads the clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from monitor.demo.listings import MOFA_SELECT, mofa_listing

__all__ = [
    "DEMO_SOURCES",
    "PHASES",
    "DemoSource",
    "demo_sources_yaml",
    "last_modified",
    "render",
    "source",
]

PHASES: tuple[int, ...] = (1, 2)
JST = timezone(timedelta(hours=9))


@dataclass(frozen=True, slots=True)
class DemoSource:
    """One bundled demo source. ``path`` is relative to the demo server's base URL and may carry a
    query string (the server routes on the path part only)."""

    id: str
    path: str
    title: str
    tags: tuple[str, ...]
    lang: str
    content_type: str
    kind: str = "feed"
    settings: dict[str, dict[str, object]] | None = None  # select: / api: for html and json_api


DEMO_SOURCES: tuple[DemoSource, ...] = (
    DemoSource(
        id="whitehouse",
        path="/whitehouse/briefings_statements.xml",
        title="White House Briefings & Statements",
        tags=("us-gov", "white-house"),
        lang="en",
        content_type="application/rss+xml; charset=utf-8",
    ),
    DemoSource(
        id="dsca",
        path="/dsca/DesktopModules/ArticleCS/RSS.ashx?ContentType=700&Site=1509&max=20",
        title="DSCA Major Arms Sales",
        tags=("us-gov", "defense"),
        lang="en",
        content_type="text/xml; charset=utf-8",
    ),
    DemoSource(
        id="federal-register",
        path="/federalregister/api/v1/documents.json?conditions%5Bterm%5D=Japan&fields%5B%5D=title"
        "&fields%5B%5D=abstract&fields%5B%5D=html_url&fields%5B%5D=publication_date"
        "&fields%5B%5D=document_number&fields%5B%5D=agencies&order=newest",
        title="Federal Register: documents mentioning Japan",
        tags=("us-gov", "regulatory"),
        lang="en",
        content_type="application/json; charset=utf-8",
        kind="json_api",
        settings={"api": {"preset": "federal_register"}},
    ),
    DemoSource(
        id="nikkei",
        path="/nikkei/rss/feed/nar",
        title="Nikkei Asia",
        tags=("news",),
        lang="en",
        content_type="application/rss+xml; charset=UTF-8",
    ),
    DemoSource(
        id="kantei",
        path="/kantei/index-jnews.rdf",
        title="首相官邸 新着情報 (Prime Minister's Office of Japan)",
        tags=("jp-gov",),
        lang="ja",
        content_type="application/rdf+xml; charset=UTF-8",
    ),
    DemoSource(
        id="mofa",
        path="/mofaj/press/release/index.html",
        title="外務省 報道発表 (MOFA)",
        tags=("jp-gov",),
        lang="ja",
        content_type="text/html",  # no charset: the page says Shift_JIS in a <meta>, as mofa.go.jp does
        kind="html",
        settings={"select": dict(MOFA_SELECT)},
    ),
)

_BY_ID = {s.id: s for s in DEMO_SOURCES}


def source(source_id: str) -> DemoSource:
    """The demo source with this id; ValueError names the known ids."""
    try:
        return _BY_ID[source_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise ValueError(f"demo: unknown source {source_id!r}; known: {known}") from None


def _check_phase(phase: int) -> None:
    if phase not in PHASES:
        raise ValueError(f"demo: unknown phase {phase!r}; phases are {PHASES}")


def _utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


# When each source's document was last built, per phase: lastBuildDate / dc:date and the server's
# Last-Modified. Phase 2 is always later than phase 1.
_BUILT: dict[str, tuple[datetime, datetime]] = {
    "whitehouse": (_utc(2026, 11, 20, 15, 19, 51), _utc(2026, 11, 25, 14, 2, 7)),
    "dsca": (_utc(2026, 11, 18, 21, 40, 2), _utc(2026, 11, 24, 22, 5, 41)),
    "federal-register": (_utc(2026, 11, 20, 11, 0, 0), _utc(2026, 11, 25, 11, 0, 0)),
    "nikkei": (_utc(2026, 11, 20, 9, 31, 0), _utc(2026, 11, 25, 6, 48, 0)),
    "kantei": (_utc(2026, 11, 20, 9, 0, 0), _utc(2026, 11, 25, 3, 30, 0)),
    "mofa": (_utc(2026, 11, 20, 8, 0, 0), _utc(2026, 11, 25, 5, 0, 0)),
}


def last_modified(source_id: str, phase: int) -> datetime:
    """When the document for (source, phase) was last changed (timezone-aware, UTC)."""
    source(source_id)
    _check_phase(phase)
    return _BUILT[source_id][phase - 1]


def _t(text: str) -> str:
    """XML character data."""
    return escape(text)


def _a(text: str) -> str:
    """A quoted XML attribute value."""
    return quoteattr(text)


@dataclass(frozen=True, slots=True)
class _Entry:
    title: str
    link: str
    published: datetime
    body: str  # plain text (paragraphs separated by blank lines), or HTML where the format uses it
    creator: str | None = None


# --------------------------------------------------------------------------------------------------
# whitehouse: python-feedgen RSS of whitehouse.gov briefings & statements
# --------------------------------------------------------------------------------------------------

_WH = "https://www.whitehouse.gov"
_FACT_SHEET_LINK = (
    f"{_WH}/fact-sheets/2026/11/fact-sheet-president-donald-j-trump-secures-historic-trade-deal-with-japan/"
)


def _wh_date(d: datetime) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _wh_description(category: str, title: str, published: datetime, paragraphs: Sequence[str]) -> str:
    # The scraper behind the real feed repeats the page header three times before the body.
    header = f"{category}{title}The White House{_wh_date(published)}"
    head = "\n\n".join([header] * 3)
    return f"{head}\n\n{category}\n\nThe White House{_wh_date(published)}\n\n" + "\n\n".join(paragraphs)


def _fact_sheet(phase: int) -> _Entry:
    investment = "$550 billion" if phase == 1 else "$1 trillion"
    paragraphs = [
        "SECURING A HISTORIC DEAL WITH JAPAN: Today, President Donald J. Trump secured a historic trade "
        "deal with Japan that opens Japanese markets to American products, protects American workers, and "
        "brings record Japanese investment into the United States.",
        f"Japan will invest {investment} in the United States, directed by the United States, to rebuild "
        "and expand core American industries, including semiconductors, pharmaceuticals, critical "
        "minerals, energy, and shipbuilding.",
        "The United States will apply a tariff of 15 percent on imports of Japanese autos and auto parts, "
        "down from the 27.5 percent rate that has applied since April.",
        "Japan will increase purchases of U.S. liquefied natural gas (LNG) from Alaska and the Gulf Coast "
        "and will buy $8 billion of American agricultural products, including corn, soybeans, and ethanol.",
        "Japan will open its market to American rice, cars, and trucks, and will accept U.S. automobile "
        "safety standards for vehicles made in America.",
    ]
    if phase == 2:
        paragraphs.append(
            "UPDATED November 25, 2026: This fact sheet has been updated to reflect the Joint Statement on "
            "U.S.-Japan Investment, under which Japan's investment commitment rises to $1 trillion by "
            "January 19, 2029."
        )
    title = "Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan"
    published = _utc(2026, 11, 18)
    return _Entry(
        title, _FACT_SHEET_LINK, published, _wh_description("Fact Sheets", title, published, paragraphs)
    )


def _wh_entries(phase: int) -> list[_Entry]:
    guam_title = "Presidential Message on the Anniversary of the Liberation of Guam"
    guam_date = _utc(2026, 7, 21)
    guam = _Entry(
        guam_title,
        f"{_WH}/briefings-statements/2026/07/presidential-message-on-the-anniversary-of-the-liberation-of-guam/",
        guam_date,
        _wh_description(
            "Briefings & Statements",
            guam_title,
            guam_date,
            [
                "Today, we mark the 82nd anniversary of the day American forces freed Guam from a cruel "
                "occupation by Imperial Japan and restored the Stars and Stripes over the island.",
                "In the summer of 1944, Marines, Sailors, and soldiers stormed the beaches at Asan and Agat "
                "and fought through jungle and mountain against a dug-in enemy. More than 1,700 Americans "
                "gave their lives, and the people of Guam endured forced labor, hunger, and cruelty with "
                "a courage that has never been forgotten.",
                "We honor the Chamorro people and every veteran of that campaign, and we recommit ourselves "
                "to the defense of this island, which remains vital to American strength in the Pacific.",
            ],
        ),
    )
    ecuador_title = (
        "AGREEMENT BETWEEN THE UNITED STATES OF AMERICA AND THE REPUBLIC OF ECUADOR ON RECIPROCAL TRADE"
    )
    ecuador_date = _utc(2026, 11, 13)
    ecuador = _Entry(
        ecuador_title,
        f"{_WH}/briefings-statements/2026/11/agreement-between-the-united-states-of-america-and-the-republic"
        "-of-ecuador-on-reciprocal-trade/",
        ecuador_date,
        _wh_description(
            "Briefings & Statements",
            ecuador_title,
            ecuador_date,
            [
                "ARTICLE 1: TARIFFS. Ecuador shall eliminate tariffs on originating goods of the United "
                "States listed in Annex I, including industrial goods, machinery, and medical devices.",
                "ARTICLE 2: The United States shall apply a reciprocal tariff of 10 percent to originating "
                "goods of Ecuador, except the goods listed in Annex II.",
            ],
        ),
    )
    health_title = "Presidential Message on National Rural Health Day"
    health_date = _utc(2026, 11, 19)
    health = _Entry(
        health_title,
        f"{_WH}/briefings-statements/2026/11/presidential-message-on-national-rural-health-day/",
        health_date,
        _wh_description(
            "Briefings & Statements",
            health_title,
            health_date,
            [
                "On National Rural Health Day, we celebrate the doctors, nurses, and caregivers who keep "
                "America's small towns and farming communities healthy and strong.",
            ],
        ),
    )
    law_title = "S. 2145 Signed into Law"
    law_date = _utc(2026, 11, 20)
    law = _Entry(
        law_title,
        f"{_WH}/briefings-statements/2026/11/s-2145-signed-into-law/",
        law_date,
        _wh_description(
            "Briefings & Statements",
            law_title,
            law_date,
            [
                "On Friday, November 20, 2026, the President signed into law:",
                "S. 2145, the \u201cRural Broadband Mapping Accuracy Act,\u201d which requires the Federal "
                "Communications Commission to update its broadband coverage maps every six months.",
            ],
        ),
    )
    entries = [guam, ecuador, _fact_sheet(phase), health, law]
    if phase == 2:
        joint_title = "Joint Statement on U.S.-Japan Investment"
        joint_date = _utc(2026, 11, 24)
        entries.append(
            _Entry(
                joint_title,
                f"{_WH}/briefings-statements/2026/11/joint-statement-on-u-s-japan-investment/",
                joint_date,
                _wh_description(
                    "Briefings & Statements",
                    joint_title,
                    joint_date,
                    [
                        "The United States of America and Japan today reaffirm their alliance and announce a "
                        "new era of economic partnership.",
                        _JOINT_STATEMENT_CORE,
                        "Under the agreement, the United States will maintain a tariff ceiling of 15 percent "
                        "on imports from Japan, inclusive of existing most-favored-nation duties, and Japan "
                        "will expand purchases of U.S. energy, including liquefied natural gas.",
                        "The two leaders will meet again in Tokyo in the spring of 2027 to review progress.",
                    ],
                ),
            )
        )
        thanks_title = "Presidential Message on Thanksgiving Day"
        thanks_date = _utc(2026, 11, 25)
        entries.append(
            _Entry(
                thanks_title,
                f"{_WH}/briefings-statements/2026/11/presidential-message-on-thanksgiving-day/",
                thanks_date,
                _wh_description(
                    "Briefings & Statements",
                    thanks_title,
                    thanks_date,
                    [
                        "This Thanksgiving, families across our Nation gather to give thanks for the "
                        "blessings of liberty, faith, and the abundance of this great land.",
                    ],
                ),
            )
        )
    return entries


# Shared, word for word, by the White House joint statement and the wire story that quotes it, so
# story clustering can join them.
_JOINT_STATEMENT_CORE = (
    "Japan will invest $1 trillion in the United States by January 19, 2029, in projects selected by an "
    "Investment Committee chaired by the United States Secretary of Commerce, in energy, semiconductors, "
    "critical minerals, pharmaceuticals, shipbuilding, and artificial intelligence infrastructure. The "
    "United States will receive 90 percent of the profits once Japan has recovered its investment."
)


def _whitehouse(phase: int) -> str:
    items = "".join(
        "    <item>\n"
        f"      <title>{_t(e.title)}</title>\n"
        f"      <link>{_t(e.link)}</link>\n"
        f"      <description>{_t(e.body)}</description>\n"
        f'      <guid isPermaLink="true">{_t(e.link)}</guid>\n'
        f"      <pubDate>{format_datetime(e.published)}</pubDate>\n"
        "    </item>\n"
        for e in _wh_entries(phase)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">\n'
        "  <channel>\n"
        "    <title>White House Briefings &amp; Statements</title>\n"
        "    <link>briefings_statements.xml</link>\n"
        "    <description>Official Briefings and Statements from the White House</description>\n"
        '    <atom:link href="briefings_statements.xml" rel="self"/>\n'
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n"
        "    <generator>python-feedgen</generator>\n"
        "    <language>en</language>\n"
        f"    <lastBuildDate>{format_datetime(_BUILT['whitehouse'][phase - 1])}</lastBuildDate>\n"
        f"{items}"
        "  </channel>\n"
        "</rss>\n"
    )


# --------------------------------------------------------------------------------------------------
# dsca: ArticleCS RSS.ashx, Major Arms Sales
# --------------------------------------------------------------------------------------------------

_DSCA = "https://www.dsca.mil/Press-Media/Major-Arms-Sales/Article-Display/Article"


def _html_escape(text: str) -> str:
    """ArticleCS escapes its HTML descriptions with named entities and &#39;."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _dsca_body(
    *, transmittal: str, when: datetime, country: str, articles: str, cost: str, request: str, region: str
) -> str:
    date = f"{when:%B} {when.day}, {when.year}"
    paragraphs = [
        "Media/Public Contact: T_Outreach_PM@state.gov<br />\n"
        f"Transmittal No. {transmittal}<br />\n<br />\n"
        f"WASHINGTON, {date} - The State Department has made a determination approving a possible "
        f"Foreign Military Sale to the Government of {country} of {articles} for an estimated cost of "
        f"{cost}. The Defense Security Cooperation Agency delivered the required certification notifying "
        "Congress of this possible sale today.",
        f"The Government of {country} has requested to buy {request} The estimated total cost is {cost}.",
        "This proposed sale will support the foreign policy goals and national security objectives of the "
        f"United States by improving the security of {region}.",
    ]
    return "<br />\n<br />\n".join(paragraphs) + "<br />\n"


def _dsca_entries(phase: int) -> list[_Entry]:
    poland_date = _utc(2026, 11, 13, 20, 45)
    australia_date = _utc(2026, 11, 18, 21, 30)
    entries = [
        _Entry(
            "Australia \u2013 MK 54 Lightweight Torpedoes ",
            f"{_DSCA}/4361187/australia-mk-54-lightweight-torpedoes",
            australia_date,
            _dsca_body(
                transmittal="26-52",
                when=australia_date,
                country="Australia",
                articles="MK 54 Lightweight Torpedoes and related equipment",
                cost="$642 million",
                request="up to one hundred twenty (120) MK 54 Mod 0 Lightweight Torpedo conversion kits, "
                "spare parts, test equipment, and other related elements of logistics and program support.",
                region="a major non-NATO ally that is a force for political stability and economic progress "
                "in the Indo-Pacific region",
            ),
            "Defense Security Cooperation Agency",
        ),
        _Entry(
            "Poland \u2013 AIM-120D Advanced Medium-Range Air-to-Air Missiles ",
            f"{_DSCA}/4358802/poland-aim-120d-advanced-medium-range-air-to-air-missiles",
            poland_date,
            _dsca_body(
                transmittal="26-47",
                when=poland_date,
                country="Poland",
                articles="AIM-120D Advanced Medium-Range Air-to-Air Missiles (AMRAAM) and related equipment",
                cost="$1.33 billion",
                request="up to four hundred (400) AIM-120D AMRAAMs and AMRAAM guidance sections, "
                "containers, and other related elements of logistics and program support.",
                region="a NATO Ally that is a force for political stability and economic progress in Europe",
            ),
            "Defense Security Cooperation Agency",
        ),
    ]
    if phase == 2:
        japan_date = _utc(2026, 11, 24, 21, 55)
        netherlands_date = _utc(2026, 11, 24, 21, 20)
        entries[:0] = [
            _Entry(
                "Japan \u2013 SM-6 Block IA Missiles ",
                f"{_DSCA}/4372519/japan-sm-6-block-ia-missiles",
                japan_date,
                _dsca_body(
                    transmittal="26-61",
                    when=japan_date,
                    country="Japan",
                    articles="Standard Missile-6 (SM-6) Block IA missiles and related equipment",
                    cost="$1.0 billion",
                    request="up to one hundred fifty (150) Standard Missile-6 (SM-6) Block IA missiles, "
                    "MK 21 canisters, and other related elements of logistics and program support.",
                    region="a major ally that is a force for political stability and economic progress in "
                    "the Indo-Pacific region",
                ),
                "Defense Security Cooperation Agency",
            ),
            _Entry(
                "Netherlands \u2013 AGM-88G Advanced Anti-Radiation Guided Missiles-Extended Range ",
                f"{_DSCA}/4372204/netherlands-agm-88g-advanced-anti-radiation-guided-missiles-extended-range",
                netherlands_date,
                _dsca_body(
                    transmittal="26-58",
                    when=netherlands_date,
                    country="the Netherlands",
                    articles="AGM-88G Advanced Anti-Radiation Guided Missiles-Extended Range (AARGM-ER) "
                    "and related equipment",
                    cost="$375 million",
                    request="up to sixty (60) AGM-88G AARGM-ER all-up rounds, training missiles, and "
                    "other related elements of logistics and program support.",
                    region="a NATO Ally that is a force for political stability and economic progress in "
                    "Europe",
                ),
                "Defense Security Cooperation Agency",
            ),
        ]
    return entries


def _dsca(phase: int) -> str:
    items = "".join(
        "<item>\n"
        f"<title>{_t(e.title)}</title>\n"
        f"<link>{_t(e.link)}</link>\n"
        f"<description>{_html_escape(e.body)}\n</description>\n"
        f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>\n"
        f"<dc:creator>{_t(e.creator or '')}</dc:creator>\n"
        f'<guid isPermaLink="false">{_t(e.link)}</guid>\n'
        "</item>\n"
        for e in _dsca_entries(phase)
    )
    built = format_datetime(_BUILT["dsca"][phase - 1], usegmt=True)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:cf="http://www.microsoft.com/schemas/rss/core/2005" ><channel>\n'
        "<title>Defense Security Cooperation Agency - Major Arms Sales</title>\n"
        "<link>https://www.dsca.mil</link>\n"
        "<description>Defense Security Cooperation Agency Major Arms Sales RSS Feed</description>\n"
        "<language>en-us</language>\n"
        f"<pubDate>{built}</pubDate>\n"
        f"<lastBuildDate>{built}</lastBuildDate>\n"
        '<atom:link href="https://www.dsca.mil/DesktopModules/ArticleCS/RSS.ashx?ContentType=700&amp;'
        'Site=1509&amp;max=20" rel="self" type="application/rss+xml" />\n'
        f"{items}"
        "</channel></rss>"
    )


# --------------------------------------------------------------------------------------------------
# federal-register: documents.rss search results
# --------------------------------------------------------------------------------------------------

_FR = "https://www.federalregister.gov/documents"


def _fr_entries(phase: int) -> list[_Entry]:
    entries = [
        _Entry(
            "Japan-United States Friendship Commission; Notice of Open Meeting",
            f"{_FR}/2026/11/19/2026-23561/japan-united-states-friendship-commission-notice-of-open-meeting",
            _utc(2026, 11, 19),
            "The Japan-United States Friendship Commission will hold its fall meeting on December 10, 2026, "
            "to review grant applications for cultural and educational exchange programs and to discuss the "
            "Commission's budget for fiscal year 2027.",
            "Japan-United States Friendship Commission",
        ),
        _Entry(
            "Arms Sales Notification",
            f"{_FR}/2026/11/17/2026-23302/arms-sales-notification",
            _utc(2026, 11, 17),
            "The DoW is publishing the unclassified text of an arms sales notification. Transmittal No. "
            "26-28. Prospective Purchaser: Government of Japan. Total Estimated Value: $340 million. The "
            "Government of Japan has requested to buy equipment and services in support of its indigenous "
            "upgraded Hyper Velocity Gliding Projectiles (HVGP) capability, including test preparation, test "
            "support, range surveillance, and other related elements of logistics and program support. The "
            "estimated total cost is $340 million.",
            "Defense Department, Office of the Secretary",
        ),
    ]
    if phase == 2:
        entries.insert(
            0,
            _Entry(
                "Notice of Modification of Section 232 and Reciprocal Tariff Actions To Implement the "
                "Agreement on Trade and Investment Between the United States and Japan",
                f"{_FR}/2026/11/25/2026-23790/notice-of-modification-of-section-232-and-reciprocal-tariff-"
                "actions-to-implement-the-agreement-on-trade-and-investment",
                _utc(2026, 11, 25),
                "The Office of the United States Trade Representative (USTR) is modifying the Harmonized "
                "Tariff Schedule of the United States (HTSUS) to implement the Agreement on Trade and "
                "Investment Between the United States and Japan. Effective for goods entered on or after "
                "December 1, 2026, imports of passenger vehicles and auto parts from Japan that are subject "
                "to Section 232 tariffs will be subject to a combined tariff rate of 15 percent, and the "
                "reciprocal tariff on other imports from Japan will not exceed 15 percent inclusive of "
                "most-favored-nation duties.",
                "Trade Representative, Office of United States",
            ),
        )
    return entries


def _federal_register(phase: int) -> str:
    entries = _fr_entries(phase)
    results = [
        {
            "title": e.title,
            "type": "Notice" if "Notice" in e.title or "Notification" in e.title else "Rule",
            "abstract": e.body,
            "document_number": e.link.split("/")[7],
            "html_url": e.link,
            "publication_date": f"{e.published:%Y-%m-%d}",
            "agencies": [{"raw_name": (e.creator or "").upper(), "name": e.creator, "id": None}],
        }
        for e in entries
    ]
    doc = {
        "description": "Documents matching 'Japan'",
        "count": len(results),
        "total_pages": 1,
        "results": results,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------------
# nikkei: news RSS (Nikkei Asia style)
# --------------------------------------------------------------------------------------------------

_NIKKEI = "https://asia.nikkei.com"


def _nikkei_entries(phase: int) -> list[_Entry]:
    entries = [
        _Entry(
            "Japan Airlines adds routes to Dallas and Seattle as U.S. travel demand grows",
            f"{_NIKKEI}/business/transportation/airlines/japan-airlines-adds-routes-to-dallas-and-seattle",
            datetime(2026, 11, 20, 18, 5, tzinfo=JST),
            "<p>TOKYO -- Japan Airlines will start daily flights from Haneda to Dallas Fort Worth and add a "
            "second daily Narita-Seattle service from March, as bookings by American tourists to Japan hit "
            "a record and business travel recovers.</p>",
            "KOSUKE TAKAHASHI",
        ),
        _Entry(
            "Indonesia's central bank cuts rates to support slowing growth",
            f"{_NIKKEI}/economy/indonesia-s-central-bank-cuts-rates-to-support-slowing-growth",
            datetime(2026, 11, 19, 17, 2, tzinfo=JST),
            "<p>JAKARTA -- Bank Indonesia lowered its benchmark rate by a quarter point to 4.25%, its third "
            "cut this year, as household spending cooled.</p>",
            "ERWIDA MAULIA",
        ),
        _Entry(
            "Bank of Japan holds rates steady as it waits for spring wage talks",
            f"{_NIKKEI}/economy/bank-of-japan-holds-rates-steady-as-it-waits-for-spring-wage-talks",
            datetime(2026, 11, 19, 13, 40, tzinfo=JST),
            "<p>TOKYO -- The Bank of Japan kept its policy rate at 0.75% on Thursday, with Governor Kazuo "
            "Ueda saying the board wants more evidence that wage gains will spread to smaller companies.</p>",
            "YUKI FUKUMOTO",
        ),
    ]
    if phase == 2:
        entries[:0] = [
            _Entry(
                "Japan to buy more U.S. LNG as part of tariff deal",
                f"{_NIKKEI}/business/energy/japan-to-buy-more-u.s.-lng-as-part-of-tariff-deal",
                datetime(2026, 11, 25, 11, 30, tzinfo=JST),
                "<p>TOKYO -- Japanese utilities and trading houses will sign long-term contracts for about 7 "
                "million tons a year of U.S. liquefied natural gas, government officials said, as Tokyo "
                "moves to secure the 15% tariff rate on autos agreed with Washington.</p>",
                "RURIKA IMAHASHI",
            ),
            _Entry(
                "Japan pledges $1 trillion in U.S. investment in joint statement",
                f"{_NIKKEI}/politics/international-relations/japan-pledges-1-trillion-in-u.s.-investment",
                datetime(2026, 11, 25, 8, 12, tzinfo=JST),
                "<p>WASHINGTON (Kyodo) -- Japan and the United States issued a joint statement on U.S.-Japan "
                "investment on Tuesday. According to the statement, Japan will invest $1 trillion in the "
                "United States by January 19, 2029, in projects selected by an Investment Committee "
                "chaired by the United States Secretary of Commerce, in energy, semiconductors, critical "
                "minerals, pharmaceuticals, shipbuilding, and artificial intelligence infrastructure. The "
                "United States will receive 90 percent of the profits once Japan has recovered its "
                "investment.</p><p>The pledge nearly doubles the $550 billion Tokyo agreed to last year in "
                "exchange for a 15% tariff on Japanese cars.</p>",
                "Kyodo",
            ),
            # A possible miss: a US tariff that hits Japan's carmakers without naming Japan. tariffs-japan
            # needs a Japan actor, so it is recorded as a near miss (`pressmon topics misses`), not alerted.
            _Entry(
                "Automakers brace for U.S. tariff on imported engines and transmissions",
                f"{_NIKKEI}/business/automobiles/automakers-brace-for-u.s.-tariff-on-imported-engines",
                datetime(2026, 11, 25, 9, 5, tzinfo=JST),
                "<p>WASHINGTON -- The Commerce Department will impose a 25% tariff on imported engines, "
                "transmissions and other powertrain parts from Jan. 1, officials said, and carmakers that "
                "assemble vehicles in Tennessee and Kentucky expect higher costs.</p>",
                "NIKKEI STAFF WRITERS",
            ),
            _Entry(
                "Japan to double defense spending to 2% of GDP by 2027",
                f"{_NIKKEI}/politics/defense/japan-to-double-defense-spending-to-2-of-gdp-by-2027",
                datetime(2026, 11, 24, 19, 15, tzinfo=JST),
                "<p>TOKYO -- The Cabinet approved a supplementary budget that lifts defense-related outlays "
                "toward 2% of gross domestic product by fiscal 2027, with new money for air and missile "
                "defense, ammunition stockpiles and the Self-Defense Forces' pay.</p>",
                "TSUKASA HADANO",
            ),
        ]
    return entries


def _nikkei(phase: int) -> str:
    items = "".join(
        "<item>\n"
        f"<title>{_t(e.title)}</title>\n"
        f"<link>{_t(e.link)}</link>\n"
        f"<description><![CDATA[{e.body}]]></description>\n"
        f"<pubDate>{format_datetime(e.published)}</pubDate>\n"
        f'<guid isPermaLink="true">{_t(e.link)}</guid>\n'
        f"<dc:creator>{_t(e.creator or '')}</dc:creator>\n"
        "</item>\n"
        for e in _nikkei_entries(phase)
    )
    built = format_datetime(_BUILT["nikkei"][phase - 1].astimezone(JST))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        "<channel>\n"
        "<title>Nikkei Asia</title>\n"
        f"<link>{_NIKKEI}</link>\n"
        "<description>Nikkei Asia - news and analysis on Asia</description>\n"
        "<language>en</language>\n"
        f"<lastBuildDate>{built}</lastBuildDate>\n"
        "<ttl>5</ttl>\n"
        f"{items}"
        "</channel>\n"
        "</rss>\n"
    )


# --------------------------------------------------------------------------------------------------
# kantei: RSS 1.0 (RDF), Japanese
# --------------------------------------------------------------------------------------------------

_KANTEI = "https://www.kantei.go.jp/jp/105"


def _kantei_entries(phase: int) -> list[_Entry]:
    entries = [
        _Entry(
            "経済財政諮問会議",
            f"{_KANTEI}/actions/202611/20keizai.html",
            datetime(2026, 11, 20, 17, 45, tzinfo=JST),
            "令和8年11月20日、総理は、総理大臣官邸で令和8年第12回経済財政諮問会議を開催しました。"
            "会議では、賃上げと物価の動向、来年度予算編成の基本方針について議論が行われました。",
        ),
        _Entry(
            "防災推進国民大会でのビデオメッセージ",
            f"{_KANTEI}/actions/202611/18bousai.html",
            datetime(2026, 11, 18, 10, 30, tzinfo=JST),
            "令和8年11月18日、総理は、防災推進国民大会にビデオメッセージを寄せました。",
        ),
    ]
    if phase == 2:
        entries[:0] = [
            _Entry(
                "日米首脳会談：対米投資1兆ドルと自動車関税について",
                f"{_KANTEI}/actions/202611/25nichibei.html",
                datetime(2026, 11, 25, 11, 15, tzinfo=JST),
                "令和8年11月25日、総理は、米国大統領と電話による日米首脳会談を行いました。"
                "両首脳は、日本による1兆ドル規模の対米投資に関する共同声明を歓迎し、"
                "自動車関税を含む日米間の関税措置の着実な実施を確認しました。",
            ),
            _Entry(
                "成長戦略会議",
                f"{_KANTEI}/actions/202611/24seichou.html",
                datetime(2026, 11, 24, 18, 0, tzinfo=JST),
                "令和8年11月24日、総理は、総理大臣官邸で第3回成長戦略会議を開催しました。",
            ),
        ]
    return entries


def _kantei(phase: int) -> str:
    entries = _kantei_entries(phase)
    seq = "".join(f"<rdf:li rdf:resource={_a(e.link)} />\n" for e in entries)
    items = "".join(
        f"<item rdf:about={_a(e.link)}>\n"
        f"<title>{_t(e.title)}</title>\n"
        f"<link>{_t(e.link)}</link>\n"
        f"<description>{_t(e.body)}</description>\n"
        f"<dc:date>{e.published.isoformat()}</dc:date>\n"
        "</item>\n"
        for e in entries
    )
    built = _BUILT["kantei"][phase - 1].astimezone(JST).isoformat()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdf:RDF xmlns="http://purl.org/rss/1.0/" '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="ja">\n'
        '<channel rdf:about="https://www.kantei.go.jp/index-jnews.rdf">\n'
        "<title>首相官邸ホームページ 新着情報</title>\n"
        "<link>https://www.kantei.go.jp/</link>\n"
        "<description>首相官邸ホームページの新着情報をお知らせします。</description>\n"
        "<dc:language>ja</dc:language>\n"
        f"<dc:date>{built}</dc:date>\n"
        f"<items>\n<rdf:Seq>\n{seq}</rdf:Seq>\n</items>\n"
        "</channel>\n"
        f"{items}"
        "</rdf:RDF>\n"
    )


_RENDERERS: dict[str, Callable[[int], str]] = {
    "whitehouse": _whitehouse,
    "dsca": _dsca,
    "federal-register": _federal_register,
    "nikkei": _nikkei,
    "kantei": _kantei,
}


def render(source_id: str, phase: int) -> bytes:
    """The document for ``source_id`` in ``phase`` (1 or 2): UTF-8, but Shift_JIS for the MOFA page."""
    source(source_id)
    _check_phase(phase)
    if source_id == "mofa":
        return mofa_listing(phase)
    return _RENDERERS[source_id](phase).encode("utf-8")


def _yaml_str(value: str) -> str:
    # A double-quoted YAML scalar; JSON's escaping is a subset of YAML's.
    return json.dumps(value, ensure_ascii=False)


def demo_sources_yaml(base_url: str) -> str:
    """A ``sources:`` block for feeds.yaml pointing every demo source at ``base_url`` (the demo
    server's, e.g. ``http://127.0.0.1:54321``), polled every minute."""
    base = base_url.rstrip("/")
    lines = ["sources:"]
    for s in DEMO_SOURCES:
        tags = ", ".join(_yaml_str(t) for t in s.tags)
        lines += [
            f"  - id: {s.id}",
            f"    title: {_yaml_str(s.title)}",
            f"    kind: {s.kind}",
            f"    url: {_yaml_str(base + s.path)}",
            "    every: 1m",
            f"    tags: [{tags}]",
            f"    lang: {s.lang}",
        ]
        for key, mapping in (s.settings or {}).items():
            pairs = ", ".join(f"{k}: {_yaml_str(str(v))}" for k, v in mapping.items())
            lines.append(f"    {key}: {{{pairs}}}")
    return "\n".join(lines) + "\n"

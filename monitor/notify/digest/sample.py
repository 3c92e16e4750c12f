"""A realistic sample digest context (``template render --sample``, previews and tests)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.notify.digest.context import digest_context


def sample_digest_context() -> dict[str, Any]:
    """A realistic digest for previews and tests: the demo story of 24-25 November 2026 (Japan's $1
    trillion investment pledge, a ~$1 billion FMS approval, the Section 232 / reciprocal tariff notice,
    LNG purchases, and the revised White House fact sheet with its diff)."""
    jst = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 11, 24, 7, 30, tzinfo=jst)
    end = start + timedelta(days=1)
    inv = {"id": "japan-us-investment", "title": "Japan-US investment pledges and deals"}
    tar = {"id": "tariffs-japan", "title": "US tariffs affecting Japan"}
    fms = {"id": "fms-japan", "title": "Foreign Military Sales to Japan"}
    lng = {"id": "us-lng-japan", "title": "US LNG and Japan"}
    wh = "https://www.whitehouse.gov"
    nikkei = "https://asia.nikkei.com"

    def topic(t: Mapping[str, str], terms: list[str], snippet: str) -> dict[str, Any]:
        return {**t, "terms": terms, "snippet": snippet}

    def _money(usd: str, text: str) -> dict[str, Any]:  # the shape monitor.match.facts stores
        return {"amount": usd, "currency": "USD", "usd": usd, "text": text, "field": "text"}

    def _rate(percent: str, text: str, context: str | None) -> dict[str, Any]:
        return {"percent": percent, "context": context, "text": text, "field": "text"}

    joint_snip = (
        "Japan will invest $1 trillion in the United States by January 19, 2029, in projects selected "
        "by an Investment Committee chaired by the United States Secretary of Commerce"
    )
    alerts: list[dict[str, Any]] = [
        {
            "alert_key": "new:whitehouse:3f1c0a9e5d7b2c4a8e61",
            "kind": "new",
            "reason": "first-seen",
            "story_id": "japan-us-investment-2026-11",
            "source_id": "whitehouse",
            "source_title": "White House Briefings & Statements",
            "title": "Joint Statement on U.S.-Japan Investment",
            "url": f"{wh}/briefings-statements/2026/11/joint-statement-on-u-s-japan-investment/",
            "published_at": "2026-11-24T00:00:00+00:00",
            "seen_at": "2026-11-24T00:14:05+00:00",
            "revision": 1,
            "topics": [
                topic(inv, ["$1 trillion", "investment in the United States"], joint_snip),
                topic(tar, ["tariff"], "maintain a tariff ceiling of 15 percent on imports from Japan"),
            ],
            "terms": ["$1 trillion", "investment in the United States", "tariff"],
            "snippet": joint_snip,
            "facts": {
                "money": [_money("1000000000000", "$1 trillion")],
                "rates": [_rate("15", "15 percent", "tariff")],
                "dates": [],
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "new:nikkei:91b2e7c04d3a5f6e8a12",
            "kind": "new",
            "reason": "first-seen",
            "story_id": "japan-us-investment-2026-11",
            "source_id": "nikkei-asia",
            "source_title": "Nikkei Asia",
            "title": "Japan pledges $1 trillion in U.S. investment in joint statement",
            "url": f"{nikkei}/politics/international-relations/japan-pledges-1-trillion-in-u.s.-investment",
            "published_at": "2026-11-25T07:12:00+09:00",
            "seen_at": "2026-11-24T22:20:41+00:00",
            "revision": 1,
            "topics": [topic(inv, ["$1 trillion"], "Japan will invest $1 trillion in the United States")],
            "terms": ["$1 trillion"],
            "snippet": "According to the statement, Japan will invest $1 trillion in the United States by "
            "January 19, 2029",
            "summary_html": "<p>WASHINGTON (Kyodo) -- Japan and the United States issued a "
            f'<a href="{wh}/briefings-statements/2026/11/joint-statement-on-u-s-japan-investment/">joint '
            "statement</a> on U.S.-Japan investment on Tuesday.</p><p>The pledge nearly doubles the "
            "<b>$550 billion</b> Tokyo agreed to last year in exchange for a 15% tariff on Japanese "
            "cars.</p>",
            "facts": {
                "money": [_money("1000000000000", "$1 trillion"), _money("550000000000", "$550 billion")],
                "rates": [_rate("90", "90 percent", None), _rate("15", "15%", "tariff")],
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "revised:whitehouse:7d4e2b1a9c8f0e3d5b26:r2",
            "kind": "revised",
            "reason": "material-revision",
            "story_id": "japan-us-investment-2026-11",
            "source_id": "whitehouse",
            "source_title": "White House Briefings & Statements",
            "title": "Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan",
            "url": f"{wh}/fact-sheets/2026/11/fact-sheet-president-donald-j-trump-secures-historic-trade-"
            "deal-with-japan/",
            "published_at": "2026-11-18T00:00:00+00:00",
            "seen_at": "2026-11-24T22:05:12+00:00",
            "revision": 2,
            "topics": [
                topic(inv, ["$1 trillion"], "Japan will invest $1 trillion in the United States"),
                topic(tar, ["tariff"], "apply a tariff of 15 percent on imports of Japanese autos"),
            ],
            "terms": ["$1 trillion", "tariff"],
            "snippet": "Japan will invest $1 trillion in the United States, directed by the United States",
            "facts": {
                "money": [_money("1000000000000", "$1 trillion"), _money("8000000000", "$8 billion")],
                "rates": [_rate("15", "15 percent", "tariff"), _rate("27.5", "27.5 percent", "tariff")],
                "dates": [],
            },
            "previous_title": "Fact Sheet: President Donald J. Trump Secures Historic Trade Deal with Japan",
            "change": "amounts changed: $550 billion → $1 trillion; dates added: November 25, 2026",
            "diff": "Japan will invest [-$550 billion-]{+$1 trillion+} in the United States, directed by "
            "… and expand core American industries. {+UPDATED November 25, 2026: This fact sheet has "
            "been updated to reflect the Joint Statement on U.S.-Japan Investment, under which Japan's "
            "investment commitment rises to $1 trillion by January 19, 2029.+}",
        },
        {
            "alert_key": "new:dsca:5a6b7c8d9e0f1a2b3c4d",
            "kind": "new",
            "reason": "first-seen",
            "source_id": "dsca-major-arms-sales",
            "source_title": "DSCA Major Arms Sales",
            "title": "Japan – SM-6 Block IA Missiles",
            "url": "https://www.dsca.mil/Press-Media/Major-Arms-Sales/Article-Display/Article/4372519/"
            "japan-sm-6-block-ia-missiles",
            "published_at": "2026-11-24T21:55:00+00:00",
            "seen_at": "2026-11-24T22:10:30+00:00",
            "revision": 1,
            "topics": [
                topic(
                    fms,
                    ["Foreign Military Sale"],
                    "approving a possible Foreign Military Sale to the Government of Japan",
                )
            ],
            "terms": ["Foreign Military Sale"],
            "snippet": "The State Department has made a determination approving a possible Foreign "
            "Military Sale to the Government of Japan of SM-6 Block IA missiles for an estimated cost of "
            "$1.02 billion.",
            "facts": {
                "money": [_money("1020000000", "$1.02 billion")],
                "fms": {
                    "purchaser": "Japan",
                    "system": "SM-6 Block IA missiles",
                    "value_usd": "1020000000",
                    "transmittal": "26-61",
                    "contractor": "RTX Corporation",
                    "quantities": ["150 SM-6 Block IA missiles"],
                    "start": 0,
                    "end": 212,
                },
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "new:federal-register:0c1d2e3f4a5b6c7d8e9f",
            "kind": "new",
            "reason": "first-seen",
            "source_id": "federal-register-ustr-japan",
            "source_title": "Federal Register: documents mentioning Japan",
            "title": "Notice of Modification of Section 232 and Reciprocal Tariff Actions To Implement the "
            "Agreement on Trade and Investment Between the United States and Japan",
            "url": "https://www.federalregister.gov/documents/2026/11/25/2026-23790/notice-of-modification-"
            "of-section-232-and-reciprocal-tariff-actions",
            "published_at": "2026-11-25T00:00:00+00:00",
            "seen_at": "2026-11-24T21:31:09+00:00",
            "revision": 1,
            "topics": [
                topic(tar, ["Section 232", "reciprocal tariff"], "Section 232 and reciprocal tariff actions")
            ],
            "terms": ["Section 232", "reciprocal tariff"],
            "snippet": "modifies the Section 232 and reciprocal tariff actions applicable to imports of "
            "products of Japan, effective for goods entered on or after December 1, 2026",
            "facts": {
                "rates": [],
                "dates": [{"date": "2026-12-01", "text": "December 1, 2026", "start": 97, "end": 113}],
            },
            "previous_title": None,
            "change": None,
            "diff": None,
        },
        {
            "alert_key": "new:nikkei:2b3c4d5e6f7a8b9c0d1e",
            "kind": "new",
            "reason": "first-seen",
            "source_id": "nikkei-asia",
            "source_title": "Nikkei Asia",
            "title": "Japan to buy more U.S. LNG as part of tariff deal",
            "url": f"{nikkei}/business/energy/japan-to-buy-more-u.s.-lng-as-part-of-tariff-deal",
            "published_at": "2026-11-25T07:10:00+09:00",
            "seen_at": "2026-11-24T22:25:50+00:00",
            "revision": 1,
            "topics": [
                topic(lng, ["liquefied natural gas"], "7 million tons a year of U.S. liquefied natural gas"),
                topic(tar, ["tariff"], "secure the 15% tariff rate on autos"),
            ],
            "terms": ["liquefied natural gas", "tariff"],
            "snippet": "Japanese utilities and trading houses will sign long-term contracts for about 7 "
            "million tons a year of U.S. liquefied natural gas, government officials said",
            "highlights": ["liquefied natural gas", "7 million tons a year"],
            "facts": {"rates": [_rate("15", "15%", "tariff")], "volume": "about 7 million t/yr"},
            "previous_title": None,
            "change": None,
            "diff": None,
        },
    ]
    return digest_context(
        digest_id="daily-trade",
        title="daily-trade",
        period_start=start,
        period_end=end,
        tz="Asia/Tokyo",
        alerts=alerts,
    )

"""monitor.sources.dates.parse_date: English and Japanese dates, eras, listings without a year."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.sources.dates import parse_date

NOW = datetime(2025, 4, 14, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
NEW_YEAR = datetime(2025, 1, 2, 1, 0, tzinfo=UTC)
TOKYO = ZoneInfo("Asia/Tokyo")


def d(y: int, m: int, day: int) -> datetime:
    return datetime(y, m, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "now", "want"),
    [
        pytest.param("2025-04-14", NOW, d(2025, 4, 14), id="ISO date"),
        pytest.param(
            "2025-04-14T09:00:00+09:00", NOW, datetime(2025, 4, 14, 0, 0, tzinfo=UTC), id="ISO with offset"
        ),
        pytest.param("9999-12-31T23:59:59-23:59", NOW, None, id="year 9999 with -23:59 overflows: None"),
        pytest.param("令和7年4月14日", NOW, d(2025, 4, 14), id="Reiwa 7"),
        pytest.param("令和元年5月1日", NOW, d(2019, 5, 1), id="Reiwa gannen"),
        pytest.param("平成31年4月30日", NOW, d(2019, 4, 30), id="Heisei 31"),
        pytest.param("昭和64年1月7日", NOW, d(1989, 1, 7), id="Showa 64"),
        pytest.param("令和７年４月１４日（月）", NOW, d(2025, 4, 14), id="full-width digits and weekday"),
        pytest.param("2025年4月14日", NOW, d(2025, 4, 14), id="western year in Japanese"),
        pytest.param("4月14日", NOW, d(2025, 4, 14), id="no year: today"),
        pytest.param("4月15日", NOW, d(2024, 4, 15), id="no year: tomorrow would be future, so last year"),
        pytest.param("12月27日", NEW_YEAR, d(2024, 12, 27), id="no year in January: last December"),
        pytest.param("2025/04/14", NOW, d(2025, 4, 14), id="slashes"),
        pytest.param("2025.4.14", NOW, d(2025, 4, 14), id="dots"),
        pytest.param("04/14/2025", NOW, d(2025, 4, 14), id="US numeric"),
        pytest.param("April 14, 2025", NOW, d(2025, 4, 14), id="English month day year"),
        pytest.param("Apr. 14, 2025", NOW, d(2025, 4, 14), id="abbreviated month"),
        pytest.param("Monday, April 14, 2025", NOW, d(2025, 4, 14), id="with weekday"),
        pytest.param("14 April 2025", NOW, d(2025, 4, 14), id="day month year"),
        pytest.param("April 14", NOW, d(2025, 4, 14), id="English no year"),
        pytest.param("December 27", NEW_YEAR, d(2024, 12, 27), id="English no year across new year"),
        pytest.param("February 29", NOW, d(2024, 2, 29), id="29 February: the latest leap year"),
        pytest.param("February 30, 2025", NOW, None, id="impossible date"),
        pytest.param("Press Releases", NOW, None, id="no date"),
        pytest.param("", NOW, None, id="empty"),
    ],
)
def test_parse_date(text: str, now: datetime, want: datetime | None) -> None:
    assert parse_date(text, now=now) == want


def test_year_inference_uses_the_source_time_zone() -> None:
    # 31 Dec 2024 20:00 UTC is already 1 January 2025 in Tokyo: "1月1日" on a Tokyo listing is today.
    now = datetime(2024, 12, 31, 20, 0, tzinfo=UTC)
    assert parse_date("1月1日", now=now, tz=TOKYO) == d(2025, 1, 1)
    assert parse_date("1月1日", now=now, tz=UTC) == d(2024, 1, 1)


def test_no_year_without_now_is_unknown() -> None:
    assert parse_date("April 14") is None

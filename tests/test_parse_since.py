"""--since / --until as the history commands read them: a duration back from now, up to a century (an
archive may hold years; a config interval stops at 365 days), or a date; anything else one usage line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.cli.common import parse_since
from monitor.cli.errors import Failure
from monitor.config.fields import parse_duration

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("30m", timedelta(minutes=30)),
        ("7d", timedelta(days=7)),
        ("365d", timedelta(days=365)),
        ("1000d", timedelta(days=1000)),  # refused as "neither a duration nor a date" before
        ("3650d", timedelta(days=3650)),
    ],
)
def test_durations_back_from_now(text: str, back: timedelta) -> None:
    assert parse_since(text, now=NOW) == NOW - back


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-11-01T09:00+09:00", datetime(2026, 11, 1, 0, 0, tzinfo=UTC)),
    ],
)
def test_dates(text: str, at: datetime) -> None:
    assert parse_since(text, now=NOW) == at


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("banana", "neither a duration nor a date"),
        ("40000d", "longer than 36500 days"),
        ("2026-13-01", "is not a date"),
    ],
)
def test_the_rest_is_one_usage_line(text: str, says: str) -> None:
    with pytest.raises(Failure) as e:
        parse_since(text, "--since", now=NOW)
    assert says in e.value.why and e.value.code == 2 and e.value.hint


def test_a_config_interval_still_stops_at_a_year() -> None:
    with pytest.raises(ValueError, match="longer than 365 days"):
        parse_duration("1000d")

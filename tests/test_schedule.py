from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.schedule import MAX_BACKOFF, adaptive_every, backoff_delay, next_due

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
M15 = timedelta(minutes=15)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({}, NOW + M15, id="success: the interval, no jitter at rand=0.5"),
        pytest.param({"rand": 0.0}, NOW + M15 * 0.9, id="jitter low end"),
        pytest.param({"rand": 0.999999}, NOW + M15 * 1.1, id="jitter high end"),
        pytest.param({"hint_s": 3600}, NOW + timedelta(hours=1), id="cache hint above interval is a floor"),
        pytest.param({"hint_s": 60}, NOW + M15, id="cache hint below interval ignored"),
        pytest.param({"hint_s": 10**6}, NOW + M15 * 4, id="absurd cache hint capped at 4x interval"),
        pytest.param({"error_streak": 1}, NOW + M15, id="first error: one interval"),
        pytest.param({"error_streak": 3}, NOW + M15 * 4, id="third error: 4x"),
        pytest.param({"error_streak": 50}, NOW + MAX_BACKOFF, id="backoff capped, never gives up"),
        pytest.param(
            {"error_streak": 1, "retry_after_s": 7200}, NOW + timedelta(hours=2), id="Retry-After is a floor"
        ),
        pytest.param(
            {"error_streak": 1, "retry_after_s": 5}, NOW + M15, id="short Retry-After: backoff wins"
        ),
    ],
)
def test_next_due(kw: dict[str, float], expected: datetime) -> None:
    args: dict[str, object] = {"now": NOW, "every": M15, "jitter": 0.1, "error_streak": 0, "rand": 0.5}
    args.update(kw)
    got = next_due(**args)  # type: ignore[arg-type]
    assert abs((got - expected).total_seconds()) < 0.01


@pytest.mark.parametrize(
    ("every", "streak", "expected"),
    [
        pytest.param(timedelta(seconds=5), 1, timedelta(seconds=30), id="tiny interval backs off from 30s"),
        pytest.param(
            timedelta(hours=6), 5, timedelta(hours=6), id="interval above the cap stays the interval"
        ),
        pytest.param(M15, 0, M15, id="no errors"),
    ],
)
def test_backoff_delay(every: timedelta, streak: int, expected: timedelta) -> None:
    assert backoff_delay(every, streak) == expected


# --- adaptive intervals (issue 8 item 5) -----------------------------------------------------------

TUESDAY_2PM = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
SATURDAY_11PM = datetime(2026, 12, 12, 23, 0, tzinfo=UTC)
FOUR_WEEKS_AGO = TUESDAY_2PM - timedelta(days=28)
MIN5, H2 = timedelta(minutes=5), timedelta(hours=2)


def weekday_hourly(weeks: int = 4) -> list[datetime]:
    """A publisher seen every hour 09:00-18:00 on weekdays, for the ``weeks`` weeks before TUESDAY_2PM."""
    monday = datetime(2026, 12, 7, tzinfo=UTC)
    return [
        monday - timedelta(weeks=w) + timedelta(days=d, hours=h)
        for w in range(1, weeks + 1)
        for d in range(5)
        for h in range(9, 19)
    ]


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        pytest.param({"every_min": None, "every_max": None}, M15, id="no bounds: the configured interval"),
        pytest.param(
            {"history_start": TUESDAY_2PM - timedelta(hours=5)}, M15, id="less than a day of history"
        ),
        pytest.param({}, timedelta(minutes=30), id="hourly weekday publisher on a Tuesday afternoon: 30m"),
        pytest.param({"now": SATURDAY_11PM}, H2, id="same publisher on Saturday night: every_max"),
        pytest.param({"seen": []}, H2, id="nothing published since the baseline: every_max"),
        pytest.param({"seen": weekday_hourly() * 20}, MIN5, id="a wire busier than every_min: every_min"),
        pytest.param(
            {"seen": [TUESDAY_2PM - timedelta(weeks=w) for w in range(1, 5)]},
            timedelta(hours=1, minutes=30),
            id="once a week at this hour: 1h30m",
        ),
        pytest.param(
            {"seen": [TUESDAY_2PM - timedelta(weeks=w) for w in range(5, 9)]},
            H2,
            id="older than 28 days: ignored",
        ),
        pytest.param(
            {
                "seen": [TUESDAY_2PM - timedelta(weeks=1, hours=2)],
                "history_start": TUESDAY_2PM - timedelta(days=10),
            },
            H2,
            id="two hours off this time of week: not in the window",
        ),
        pytest.param(
            {
                "seen": [TUESDAY_2PM - timedelta(hours=1)] * 3,
                "history_start": TUESDAY_2PM - timedelta(days=3),
            },
            timedelta(minutes=30),
            id="a few days of history count as one week",
        ),
    ],
)
def test_adaptive_every(kw: dict[str, object], expected: timedelta) -> None:
    args: dict[str, object] = {
        "every": M15,
        "every_min": MIN5,
        "every_max": H2,
        "seen": weekday_hourly(),
        "history_start": FOUR_WEEKS_AGO - timedelta(days=1),
        "now": TUESDAY_2PM,
    }
    args.update(kw)
    assert adaptive_every(**args) == expected  # type: ignore[arg-type]

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.schedule import MAX_BACKOFF, backoff_delay, next_due

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

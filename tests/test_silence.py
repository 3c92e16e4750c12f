"""Silences (pure): equality fields and Alertmanager-style matchers against alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.silence import Silence, covering, parse_matcher

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
ALERT = {
    "kind": "revised",
    "source_id": "nikkei",
    "topics": [{"id": "tariffs-japan"}, {"id": "us-lng-japan"}],
}
HEALTH = {"kind": "source-health", "source_id": "dsca", "topics": []}


def silence(*matchers: str, topic: str | None = None, source: str | None = None) -> Silence:
    return Silence(
        1, topic, source, None, NOW - timedelta(hours=1), NOW + timedelta(hours=1), "r", "me",
        tuple(parse_matcher(m) for m in matchers),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("silence_", "alert", "receiver", "covered"),
    [
        pytest.param(
            silence(topic="tariffs-japan"), ALERT, "slack", True, id="topic field: one of the topics"
        ),
        pytest.param(silence("topic=tariffs-japan"), ALERT, "slack", True, id="topic= one of the topics"),
        pytest.param(silence("topic!=tariffs-japan"), ALERT, "slack", False, id="topic!= none of the topics"),
        pytest.param(silence("topic!=fms-japan"), ALERT, "slack", True, id="topic!= a topic it lacks"),
        pytest.param(silence("topic=~tariffs-.*"), ALERT, "slack", True, id="topic regex"),
        pytest.param(silence("topic=~tariffs"), ALERT, "slack", False, id="regexes match whole values"),
        pytest.param(silence("topic!~.*-japan"), ALERT, "slack", False, id="topic!~ a topic matches"),
        pytest.param(silence("source=~nikkei|kyodo"), ALERT, "slack", True, id="source alternatives"),
        pytest.param(silence("source!=nikkei"), ALERT, "slack", False, id="source!="),
        pytest.param(silence("kind=revised"), ALERT, "slack", True, id="kind="),
        pytest.param(silence("kind!=revised"), ALERT, "slack", False, id="kind!="),
        pytest.param(silence("receiver=console"), ALERT, "slack", False, id="another receiver"),
        pytest.param(silence("receiver=~sl.*"), ALERT, "slack", True, id="receiver regex"),
        pytest.param(
            silence("kind=revised", "source=dsca"), ALERT, "slack", False, id="every matcher must match"
        ),
        pytest.param(silence("topic=~.*"), HEALTH, "slack", False, id="health alerts have no topics"),
        pytest.param(
            silence("topic!=tariffs-japan"), HEALTH, "slack", True, id="topic!= holds without topics"
        ),
        pytest.param(silence("kind=source-health", source="dsca"), HEALTH, "x", True, id="field and matcher"),
    ],
)
def test_covering(silence_: Silence, alert: dict[str, object], receiver: str, covered: bool) -> None:
    assert (covering([silence_], alert, receiver, NOW) is not None) == covered


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("topic", "is not a matcher", id="no operator"),
        pytest.param("colour=red", "colour cannot be matched", id="unknown name"),
        pytest.param("topic=", "empty value", id="empty value"),
        pytest.param("source=~(nikkei", "not a regular expression", id="bad regex"),
    ],
)
def test_bad_matchers(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_matcher(text)


def test_matcher_round_trip() -> None:
    m = parse_matcher(" source =~ 'nikkei|kyodo' ")
    assert (m.name, m.op, m.value, str(m)) == ("source", "=~", "nikkei|kyodo", "source=~nikkei|kyodo")
    assert silence("kind!=revised", topic="t").describe() == "topic=t kind!=revised"

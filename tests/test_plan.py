from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config.delivery import Route, RouteMatch, Window
from monitor.model import Change, ChangeKind, Item, MatchedTerm, Mention
from monitor.plan import AlertReason, RouteContext, alert_key, plan_item_alerts, route_receivers

NOW = datetime(2026, 11, 25, tzinfo=UTC)
ROUTES = (
    Route(match=RouteMatch(topic=("fms-japan",)), to=("defense",)),
    Route(match=RouteMatch(topic=("tariffs",), source=("ustr",)), to=("trade",), **{"continue": True}),
    Route(match=RouteMatch(kind=("revised",)), to=("edits",)),
    Route(match=RouteMatch(tag=("news",)), to=("news",)),
    Route(to=("console",)),
)


@pytest.mark.parametrize(
    ("topic", "source", "tags", "kind", "expected"),
    [
        pytest.param("fms-japan", "dsca", (), "new", ["defense"], id="first match wins"),
        pytest.param("tariffs", "ustr", (), "new", ["trade", "console"], id="continue goes on to catch-all"),
        pytest.param("tariffs", "ustr", (), "revised", ["trade", "edits"], id="continue, then kind route"),
        pytest.param("tariffs", "nikkei", ("news",), "new", ["news"], id="tag route"),
        pytest.param("lng", "x", (), "new", ["console"], id="catch-all"),
    ],
)
def test_route_receivers(
    topic: str, source: str, tags: tuple[str, ...], kind: str, expected: list[str]
) -> None:
    ctx = RouteContext(source_id=source, tags=tags, kind=kind)  # type: ignore[arg-type]
    assert route_receivers(ROUTES, ctx, topic) == expected


def _item(key: str = "g:1") -> Item:
    return Item(
        key=key,
        key_kind="guid",
        canonical_url="https://www.dsca.mil/a",
        guid="1",
        title="Japan – SM-6",
        text="Foreign Military Sale to Japan",
        published_at=None,
        content_hash="h",
    )


MENTION = Mention("fms-japan", (MatchedTerm("Japan", "title", 0, 5, "Japan"),), "snip")


@pytest.mark.parametrize(
    ("kind", "mentions", "baseline", "material", "reason", "receivers"),
    [
        pytest.param(
            ChangeKind.NEW, [MENTION], False, (True, ""), AlertReason.FIRST_SEEN, ["defense"], id="new"
        ),
        pytest.param(
            ChangeKind.NEW, [MENTION], True, (True, ""), AlertReason.BASELINE, [], id="baseline: none"
        ),
        pytest.param(ChangeKind.NEW, [], False, (True, ""), AlertReason.NO_TOPIC, [], id="no topic"),
        pytest.param(
            ChangeKind.REVISED,
            [MENTION],
            False,
            (True, "numbers"),
            AlertReason.MATERIAL_REVISION,
            ["defense"],
            id="material revision",
        ),
        pytest.param(
            ChangeKind.REVISED,
            [MENTION],
            False,
            (False, "punctuation"),
            AlertReason.IMMATERIAL_REVISION,
            [],
            id="immaterial revision: stored, not alerted",
        ),
    ],
)
def test_plan_item_alerts(
    kind: ChangeKind,
    mentions: list[Mention],
    baseline: bool,
    material: tuple[bool, str],
    reason: AlertReason,
    receivers: list[str],
) -> None:
    got_reason, alerts = plan_item_alerts(
        Change(kind, _item(), previous_title="old", previous_text="old"),
        mentions,
        seq=2 if kind is ChangeKind.REVISED else 1,
        source_id="dsca",
        source_title="DSCA",
        tags=(),
        topic_titles={"fms-japan": "FMS to Japan"},
        routes=ROUTES,
        baseline=baseline,
        material=material,
        seen_at=NOW,
    )
    assert got_reason is reason
    assert [a.receiver for a in alerts] == receivers
    for a in alerts:
        assert a.payload["topics"][0]["title"] == "FMS to Japan"
        assert a.alert_key == a.payload["alert_key"]


def test_alert_keys_are_stable_and_distinct() -> None:
    assert alert_key("new", "dsca", "g:1", 1) == alert_key("new", "dsca", "g:1", 1)
    assert alert_key("new", "dsca", "g:1", 1) != alert_key("new", "dsca", "g:2", 1)
    assert alert_key("revised", "dsca", "g:1", 2) != alert_key("revised", "dsca", "g:1", 3)
    assert alert_key("new", "dsca", "g:1", 1) != alert_key("new", "ustr", "g:1", 1)


def _plan(routes: tuple[Route, ...], now: datetime, lang: str | None = None) -> tuple[AlertReason, list]:
    item = Item(
        key="g:1",
        key_kind="guid",
        canonical_url=None,
        guid="1",
        title="t",
        text="x",
        published_at=None,
        content_hash="h",
        lang=lang,
    )
    return plan_item_alerts(
        Change(ChangeKind.NEW, item),
        [MENTION],
        seq=1,
        source_id="dsca",
        source_title="DSCA",
        tags=(),
        topic_titles={},
        routes=routes,
        baseline=False,
        seen_at=now,
    )


WEEKDAYS_TOKYO = Window(
    days=("mon", "tue", "wed", "thu", "fri"), start="08:00", end="20:00", timezone="Asia/Tokyo"
)


@pytest.mark.parametrize(
    ("window", "now", "receivers", "not_before", "reason"),
    [
        pytest.param(
            WEEKDAYS_TOKYO,
            datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
            ["desk"],
            None,
            AlertReason.FIRST_SEEN,
            id="inside the window: now",
        ),
        pytest.param(
            WEEKDAYS_TOKYO,
            datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
            ["desk"],
            datetime(2026, 11, 25, 23, 0, tzinfo=UTC),
            AlertReason.FIRST_SEEN,
            id="after hours: held until 08:00 JST",
        ),
        pytest.param(
            WEEKDAYS_TOKYO,
            datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
            ["desk"],
            datetime(2026, 11, 29, 23, 0, tzinfo=UTC),
            AlertReason.FIRST_SEEN,
            id="Friday night: held until Monday",
        ),
        pytest.param(
            WEEKDAYS_TOKYO.model_copy(update={"outside": "digest"}),
            datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
            [],
            None,
            AlertReason.QUIET_HOURS,
            id="after hours, outside: digest",
        ),
        pytest.param(
            Window(start="22:00", end="06:00", timezone="Asia/Tokyo"),
            datetime(2026, 11, 25, 16, 0, tzinfo=UTC),
            ["desk"],
            None,
            AlertReason.FIRST_SEEN,
            id="window across midnight",
        ),
    ],
)
def test_quiet_hours(
    window: Window, now: datetime, receivers: list[str], not_before: datetime | None, reason: AlertReason
) -> None:
    got_reason, alerts = _plan((Route(to=("desk",), window=window),), now)
    assert got_reason is reason
    assert [a.receiver for a in alerts] == receivers
    assert [a.not_before for a in alerts] == ([not_before] if receivers else [])


def test_route_on_language() -> None:
    routes = (Route(match=RouteMatch(lang=("ja",)), to=("ja-desk",)), Route(to=("desk",)))
    assert [a.receiver for a in _plan(routes, NOW, lang="ja")[1]] == ["ja-desk"]
    assert [a.receiver for a in _plan(routes, NOW, lang="en")[1]] == ["desk"]
    assert [a.receiver for a in _plan(routes, NOW, lang=None)[1]] == ["desk"]
    # a feed's <language>ja-JP</language> is Japanese (RFC 4647 basic filtering: ja takes in ja-jp)
    assert [a.receiver for a in _plan(routes, NOW, lang="ja-jp")[1]] == ["ja-desk"]
    assert [a.receiver for a in _plan(routes, NOW, lang="jav")[1]] == ["desk"]

"""Backtest: an edited topic in another file, over the demo's history: gained and lost with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.backtest import LabelsError, backtest, load_labels
from monitor.config.schema import Config, Topic
from monitor.store.engine import make_engine
from tests.support.demo_db import DemoHistory, build_demo_history


@pytest.fixture
async def demo(db_url: str) -> DemoHistory:
    return await build_demo_history(db_url)


@pytest.fixture
def engine(demo: DemoHistory) -> sa.Engine:
    e = make_engine(demo.db_url)
    yield e  # type: ignore[misc]
    e.dispose()


def edited(config: Config) -> Config:
    """us-lng-japan narrowed to Alaska; a new topic for any FMS notice."""
    topics = [
        Topic(id="us-lng-japan", title="US LNG (Alaska) and Japan", query="LNG AND Alaska")
        if t.id == "us-lng-japan"
        else t
        for t in config.topics
    ]
    topics.append(Topic(id="fms-any", title="Any FMS notice", query='"Foreign Military Sale*"'))
    return config.model_copy(update={"topics": tuple(topics)})


async def test_gained_and_lost_with_reasons(demo: DemoHistory, engine: sa.Engine) -> None:
    since = datetime.now(UTC) - timedelta(days=1)
    bt = backtest(
        engine, edited(demo.config), demo.config, since=since, new_label="new.yaml", old_label="feeds.yaml"
    )
    counts = {c.topic: (c.old, c.new) for c in bt.counts}
    assert counts["fms-any"][0] == 0 and counts["fms-any"][1] >= 1
    assert counts["us-lng-japan"][1] < counts["us-lng-japan"][0]
    assert counts["tariffs-japan"][0] == counts["tariffs-japan"][1]
    lost = [d for d in bt.differences if not d.gained]
    gained = [d for d in bt.differences if d.gained]
    assert lost and all(d.topic == "us-lng-japan" for d in lost)
    assert all("missing" in d.reason and d.reason.startswith("new.yaml:") for d in lost), lost
    assert any("Japan to buy more U.S. LNG" in d.title for d in lost)
    assert all(d.snippet for d in lost)
    assert {d.topic for d in gained} == {"fms-any"}
    assert all(d.reason == "topic fms-any is not in feeds.yaml" for d in gained)
    assert bt.revisions > 0


async def test_precision_and_recall_from_labels(demo: DemoHistory, engine: sa.Engine, tmp_path: Path) -> None:
    since = datetime.now(UTC) - timedelta(days=1)
    first = backtest(engine, demo.config, demo.config, since=since)
    lng = sorted({d.item_id for d in first.differences})  # none: same config
    assert lng == []
    bt0 = backtest(engine, edited(demo.config), demo.config, since=since)
    lost_items = sorted({d.item_id for d in bt0.differences if not d.gained})
    path = tmp_path / "labels.yaml"
    path.write_text("".join(f"{i}: [us-lng-japan]\n" for i in lost_items) + "999999: []\n")
    labels = load_labels(path)
    bt = backtest(engine, edited(demo.config), demo.config, since=since, labels=labels)
    score = {(s.topic, s.side): s for s in bt.scores}
    assert score[("us-lng-japan", "old")].recall == 1.0
    assert score[("us-lng-japan", "new")].recall == 0.0
    assert score[("us-lng-japan", "new")].fn == len(lost_items)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("not a mapping", "- 1\n- 2\n", "expected a mapping"),
        ("bad id", "abc: [x]\n", "'abc' is not an item id"),
        ("bad topics", "1: {a: b}\n", "item 1: give a list"),
        ("yaml error", "1: [\n", "--labels"),
    ],
)
def test_labels_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    p = tmp_path / "l.yaml"
    p.write_text(text)
    with pytest.raises(LabelsError, match=message):
        load_labels(p)


async def test_both_sides_in_two_processes_give_the_same_backtest(
    demo: DemoHistory, engine: sa.Engine
) -> None:
    """``parallel``: the --against side in a worker process while this one replays the new rules; the
    same counts, differences (with their revisions' titles and reasons) and progress to twice the range."""
    since = datetime.now(UTC) - timedelta(days=1)
    seen: list[int] = []
    one = backtest(engine, edited(demo.config), demo.config, since=since, new_label="new.yaml")
    two = backtest(
        engine,
        edited(demo.config),
        demo.config,
        since=since,
        new_label="new.yaml",
        parallel=True,
        progress=seen.append,
    )
    assert two == one and one.differences
    assert seen == sorted(seen) and seen[-1] == 2 * one.revisions

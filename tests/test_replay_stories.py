"""Replay makes the daemon's story decisions: the hand-written hard story set (tests/corpus/stories/hard.yaml:
cross-language coverage, headline stubs, templated negatives, joins that only what the items report can
make) goes through the daemon's path one poll at a time, then ``replay`` reads the stored history back.
Every item must land in the story the daemon put it in, and the alerts must be the ones the daemon
queued, replayed from the start and from the middle of the history (the stories stored before it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bench.stories import _config, _result, _slug, load_set
from monitor.config.schema import Config
from monitor.identity import assign_identity
from monitor.match.topics import TopicMatcher
from monitor.model import Entry
from monitor.pipeline import decide_success
from monitor.poll import STORY_WINDOW
from monitor.poll_prepare import prepare_new
from monitor.replay import replay
from monitor.store import leases, poll_commit, story_keys
from monitor.store.engine import make_engine, read_session
from monitor.store.migrate import upgrade
from monitor.store.models import ItemRow, OutboxRow

HARD = Path(__file__).parent / "corpus" / "stories" / "hard.yaml"


def _poll(
    engine: sa.Engine, config: Config, topics: TopicMatcher, sid: str, entries: list[Entry], now: datetime
) -> None:
    """One poll of ``sid`` returning ``entries``, decided and committed as the daemon does."""
    src = config.source(sid)
    claim = leases.claim_sources(
        engine, owner="t", now=now, lease=timedelta(minutes=5), source_ids=[sid], limit=1, due_only=False
    )[0]
    found = assign_identity(entries)
    new = prepare_new(src, found, {}, topics)
    stories = story_keys.story_lookup(engine, [n.probe for n in new.values()], since=now - STORY_WINDOW)
    write = decide_success(
        src, claim, _result(src.url), found, {}, key_mode="guid", stories=stories, new=new,
        topics=topics, routes=config.routes, now=now, rand=0.5,
    )  # fmt: skip
    poll_commit.commit_poll(engine, write, now=now, started_at=now)


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sa.Engine, Config, list[dict[str, Any]]]]:
    """The hard set stored by the daemon's path: each source's first poll is a baseline (one unrelated
    statement, as a real first poll stores what the feed already had), then every item is one poll."""
    items = load_set(HARD)
    config = _config(items)
    topics = TopicMatcher(config.topics, config.concepts)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('replay-stories') / 'h.db'}")
    upgrade(engine)
    first = min(i["published"] for i in items) - timedelta(days=1)
    leases.sync_sources(engine, config.sources, now=first)
    for src in config.sources:
        old = Entry(f"{src.id} office hours", "The press office is closed on Monday.", None, "old", first)
        _poll(engine, config, topics, src.id, [old], first)
    for it in items:
        entry = Entry(it["title"], it["text"], None, str(it["id"]), it["published"], lang=it.get("lang"))
        _poll(engine, config, topics, _slug(it["source"]), [entry], it["published"])
    yield engine, config, items
    engine.dispose()


def _stored(engine: sa.Engine) -> dict[tuple[str, str], tuple[int, int]]:
    """(source, item key) -> (item id, story id), as the daemon stored them."""
    with read_session(engine) as s:
        return {
            (r.source_id, r.item_key): (int(r.id or 0), int(r.story_id or 0)) for r in s.exec(select(ItemRow))
        }


def _shape(payload: dict[str, Any]) -> tuple[Any, ...]:
    return (payload["kind"], payload["source_id"], payload["title"], payload.get("thread_key"))


@pytest.mark.parametrize("start", ["beginning", "middle"])
def test_replay_puts_every_item_in_the_daemons_story_and_plans_its_alerts(
    history: tuple[sa.Engine, Config, list[dict[str, Any]]], start: str
) -> None:
    engine, config, items = history
    if start == "beginning":
        since = items[0]["published"] - timedelta(days=2)
    else:
        since = items[len(items) // 2]["published"]
    decided: dict[tuple[str, str], int] = {}
    alerts = list(
        replay(
            engine,
            config,
            since=since,
            on_write=lambda r, w: decided.__setitem__((r.source_id, r.item_key), w.story_id or r.item_id),
        )
    )
    stored = _stored(engine)
    replayed = [k for k in decided if k[1] != "g:old"]
    assert len(replayed) == sum(1 for it in items if it["published"] >= since)
    joins = [k for k in replayed if stored[k][1] != stored[k][0]]
    assert len(joins) > (100 if start == "beginning" else 40)  # many joins, of every kind, to check
    wrong = {k: (decided[k], stored[k][1]) for k in decided if decided[k] != stored[k][1]}
    assert not wrong, f"{len(wrong)} items not in the daemon's story: {sorted(wrong.items())[:5]}"
    with read_session(engine) as s:
        queued = sorted(
            (r.receiver, *_shape(r.payload)) for r in s.exec(select(OutboxRow)) if r.created_at >= since
        )
    assert queued and sorted((a.alert.receiver, *_shape(a.alert.payload)) for a in alerts) == queued

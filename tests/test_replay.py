"""Replay: the demo's history through the same stages gives the demo's alerts, on both databases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from monitor.config.schema import Source
from monitor.match.topics import TopicMatcher
from monitor.model import Item
from monitor.poll_prepare import prepare_new
from monitor.replay import mark, replay, replay_key
from monitor.store.engine import make_engine, read_session
from monitor.store.models import ItemRow, OutboxRow
from monitor.story_text import fingerprint
from tests.support.demo_db import DemoHistory, build_demo_history


@pytest.fixture
async def demo(db_url: str) -> DemoHistory:
    return await build_demo_history(db_url)


@pytest.fixture
def engine(demo: DemoHistory) -> sa.Engine:
    e = make_engine(demo.db_url)
    yield e  # type: ignore[misc]
    e.dispose()


def _shape(payload: dict[str, object]) -> tuple[object, ...]:
    topics = payload["topics"]
    assert isinstance(topics, list)
    return (payload["kind"], payload["source_id"], payload["title"], tuple(t["id"] for t in topics))


async def test_replay_gives_exactly_the_alerts_the_demo_sent(demo: DemoHistory, engine: sa.Engine) -> None:
    with read_session(engine) as s:
        originals = sorted((r.receiver, *_shape(r.payload)) for r in s.exec(select(OutboxRow)).all())
    since = datetime.now(UTC) - timedelta(days=1)
    replayed = sorted(
        (r.alert.receiver, *_shape(r.alert.payload)) for r in replay(engine, demo.config, since=since)
    )
    assert len(originals) == 8
    assert replayed == originals
    kinds = {k for _, k, *_ in replayed}
    assert kinds == {"new", "revised", "also-reported"}


async def test_replay_keys_never_collide(demo: DemoHistory, engine: sa.Engine) -> None:
    since = datetime.now(UTC) - timedelta(days=1)
    with read_session(engine) as s:
        keys = {r.alert_key for r in s.exec(select(OutboxRow)).all()}
    for r in replay(engine, demo.config, since=since):
        assert r.alert.alert_key in keys  # the same decision: the same key
        m = mark(r.alert, "run1")
        assert m.alert_key == replay_key("run1", r.alert.alert_key) and m.alert_key not in keys
        assert m.payload["replay"] == {"run": "run1", "original_key": r.alert.alert_key}
        assert str(m.payload["title"]).startswith("[replay] ")


async def test_filters_and_windows(demo: DemoHistory, engine: sa.Engine) -> None:
    since = datetime.now(UTC) - timedelta(days=1)
    fms = list(replay(engine, demo.config, since=since, topics=["fms-japan"]))
    assert [r.alert.payload["source_id"] for r in fms] == ["dsca"]
    assert not list(
        replay(engine, demo.config, since=since, sources=["federal-register"], topics=["fms-japan"])
    )
    assert not list(replay(engine, demo.config, since=datetime.now(UTC) + timedelta(minutes=5)))


async def test_a_window_starting_after_the_baseline_still_knows_the_stories(
    demo: DemoHistory, engine: sa.Engine
) -> None:
    # Start the replay after the first (baseline) poll: the also-reported item must still find the story
    # of the item it duplicates (preloaded from the store) and thread under it.
    with read_session(engine) as s:
        rows = s.exec(select(OutboxRow)).all()
    also = next(r for r in rows if r.kind == "also-reported")
    joined = next(r for r in rows if r.alert_key == also.payload["thread_key"])
    assert joined.created_at < also.created_at
    got = [
        r.alert for r in replay(engine, demo.config, since=also.created_at) if r.alert.kind == "also-reported"
    ]
    assert [a.payload["thread_key"] for a in got] == [also.payload["thread_key"]]


async def test_replay_reuses_the_stored_sketches_and_skips_near_misses(
    demo: DemoHistory, engine: sa.Engine
) -> None:
    """A replay recomputes neither what the daemon stored as a pure function of the same text (the story
    sketch) nor what it never shows (near misses, which `pressmon topics misses` reads from the daemon's rows)."""
    with read_session(engine) as s:
        stored = {(i.source_id, i.item_key): i.fingerprint for i in s.exec(select(ItemRow)).all()}
    writes: list[tuple[str, str, bytes | None, int]] = []
    since = datetime.now(UTC) - timedelta(days=1)
    list(
        replay(
            engine,
            demo.config,
            since=since,
            on_write=lambda r, w: writes.append((r.source_id, r.item_key, w.fingerprint, len(w.near_misses))),
        )
    )
    fresh = [(src, key, fp) for src, key, fp, _ in writes if fp is not None]
    assert fresh and all(fp == stored[(src, key)] for src, key, fp in fresh)
    assert all(n == 0 for *_, n in writes)


@pytest.mark.parametrize("known", [True, False])
def test_prepare_new_takes_a_known_sketch_or_computes_it(known: bool) -> None:
    src = Source(id="s", url="https://example.org/feed.xml")
    item = Item("k", "guid", None, "k", "Japan tariff", "Japan raises tariff on steel.", None, "h")
    sentinel = b"\x00\x01known"
    new = prepare_new(src, [item], {}, TopicMatcher([], {}), fingerprints={"k": sentinel} if known else {})
    assert new["k"].probe.fingerprint == (sentinel if known else fingerprint(item.title, item.text))


async def test_replay_in_windows_gives_the_same_alerts_in_the_same_order(
    demo: DemoHistory, engine: sa.Engine
) -> None:
    """``pressmon replay --jobs``: the range cut into windows, each replayed in a worker process from the
    stories stored before it; on history this version stored, with its own rules, those are what the
    window before left, and the windows stand: the alerts of one process, in order."""
    from monitor.replay_jobs import replay_jobs
    from monitor.store import history

    since = datetime.now(UTC) - timedelta(days=1)
    total = sum(1 for _ in history.revisions_in_order(engine, since=since))
    cuts = history.cut_points(engine, since=since, until=None, parts=3)
    assert 1 <= len(cuts) <= 2 and all(c > since for c in cuts)
    # A cut is a poll's time: the windows split no poll and cover every revision once.
    bounds = [since, *cuts, None]
    windows = [
        list(history.revisions_in_order(engine, since=a, until=b))
        for a, b in itertools.pairwise(bounds)
        if a is not None
    ]
    assert sum(len(w) for w in windows) == total and all(windows)
    assert len({(r.source_id, r.fetched_at) for w in windows for r in w}) == len(
        {(w_i, r.source_id, r.fetched_at) for w_i, w in enumerate(windows) for r in w}
    )
    one = [(r.item_id, r.alert.alert_key, r.alert.receiver) for r in replay(engine, demo.config, since=since)]
    seen: list[int] = []
    notes: list[str] = []
    many = replay_jobs(
        engine,
        demo.config,
        since=since,
        jobs=3,
        total=total,
        progress=seen.append,
        notice=notes.append,
        min_per_job=1,
    )
    assert notes == []
    assert [(r.item_id, r.alert.alert_key, r.alert.receiver) for r in many] == one
    assert len(one) == 8 and seen[-1] == total and seen == sorted(seen)
    # Few revisions per job: replayed here, without workers.
    assert [
        r.alert.alert_key for r in replay_jobs(engine, demo.config, since=since, jobs=3, total=total)
    ] == [k for _, k, _ in one]


async def test_replay_in_windows_redoes_what_the_stored_stories_would_change(
    demo: DemoHistory, engine: sa.Engine
) -> None:
    """History stored by another version (here: one that stored no event signatures): a window's stored
    stories differ from what the window before decided, so the windows from there on are replayed again
    in this process; still the alerts of one process, and a notice says so."""
    from monitor.replay_jobs import replay_jobs
    from monitor.store import history

    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE item SET signature = NULL"))
    since = datetime.now(UTC) - timedelta(days=1)
    total = sum(1 for _ in history.revisions_in_order(engine, since=since))
    one = [(r.item_id, r.alert.alert_key, r.alert.receiver) for r in replay(engine, demo.config, since=since)]
    notes: list[str] = []
    many = replay_jobs(
        engine, demo.config, since=since, jobs=3, total=total, notice=notes.append, min_per_job=1
    )
    assert [(r.item_id, r.alert.alert_key, r.alert.receiver) for r in many] == one
    assert len(notes) == 1 and "in one process" in notes[0] and "stories stored before" in notes[0], notes


def test_workers_preparing_revisions_ahead_change_no_decision(tmp_path: object) -> None:
    """``replay(workers=1)``: a worker process matches every revision and prepares new items' story probes
    ahead of the replay, which decides stories in order. On a generated archive (new and revised items,
    polls that hold two revisions of one item, stories of every kind) every decision and every alert is
    the one replay makes alone, in the same order."""
    from collections import Counter
    from pathlib import Path

    from bench.history_data import generate
    from bench.replay import bench_config
    from monitor.store import history

    url = f"sqlite:///{Path(str(tmp_path)) / 'h.db'}"
    generate(url, 5000, 7, log=False)
    engine = make_engine(url)
    try:
        revs = list(history.revisions_in_order(engine, since=datetime(2000, 1, 1, tzinfo=UTC)))
        since = revs[0].fetched_at
        twice = Counter((r.item_id, r.fetched_at) for r in revs)
        assert sum(1 for n in twice.values() if n > 1) >= 5  # polls holding two revisions of one item
        config = bench_config()
        runs = []
        for workers in (0, 1):
            decided: list[tuple[object, ...]] = []

            def write(r: object, w: object, decided: list[tuple[object, ...]] = decided) -> None:
                decided.append(
                    (
                        r.revision_id,
                        w.reason,
                        w.story_id,
                        tuple(m.topic_id for m in w.mentions),
                        len(w.alerts),
                    )  # type: ignore[attr-defined]
                )

            alerts = [
                (a.revision_id, a.alert.alert_key, a.alert.receiver)
                for a in replay(engine, config, since=since, on_write=write, workers=workers)
            ]
            runs.append((decided, alerts))
    finally:
        engine.dispose()
    (alone, alerts_alone), (ahead, alerts_ahead) = runs
    assert len(alone) >= 4900 and sum(1 for d in alone if d[1] == "material-revision") >= 5
    assert sum(1 for d in alone if d[3]) >= 100 and len(alerts_alone) >= 50
    assert ahead == alone and alerts_ahead == alerts_alone

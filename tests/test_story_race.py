"""Two instances deciding stories at once on PostgreSQL: items that could join only by what they report
(a Japanese and an English report of one pledge share no wording, so no text key) still take turns.

Each instance reads its story candidates, decides, then commits. The commit takes an advisory lock per
story-index key of each new item (text keys *and* signature-part keys: ``story_keys.story_lock_ids``) and, once
it holds them, gives up (``StaleStories``, decide again) if an item was stored since its candidates were
read. Here instance A is held inside its commit (its item written, not committed: it waits on a row lock
the test holds) while instance B, which decided from the same empty window, commits. B must wait for A,
then find A's item and join its story. With text-key locks only, B committed at once and started a
second story: that is the race this file proves closed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from monitor.config.schema import Source
from monitor.errors import StaleStories, StoryLockBusy
from monitor.identity import assign_identity
from monitor.match.topics import TopicMatcher
from monitor.metrics import STORY_REDECISIONS
from monitor.model import Entry, FetchOutcome, FetchResult
from monitor.pipeline import decide_failure, decide_success
from monitor.poll_prepare import prepare_new
from monitor.poll_records import ClaimedSource, PollWrite
from monitor.store import leases, poll_commit, story_keys
from monitor.store.batch import commit_polls
from monitor.store.engine import DbTimeouts, make_engine
from monitor.store.migrate import upgrade
from monitor.store.story_keys import story_lock_ids
from monitor.story_signature import signature
from monitor.story_text import fingerprint
from monitor.writer import BatchWriter
from tests.test_poll_stories import PLEDGE_EN, PLEDGE_JA, TOPICS

NOW = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
SOURCES = (
    Source(id="reuters", url="https://reuters.example/feed"),
    Source(id="nhk", url="https://nhk.example/feed"),
    Source(id="weather", url="https://weather.example/feed"),
)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """A migrated database with SOURCES' rows, on SQLite and on PostgreSQL."""
    e = make_engine(db_url)
    upgrade(e)
    leases.sync_sources(e, SOURCES, now=NOW - timedelta(days=1))
    yield e
    e.dispose()


@pytest.fixture
def pg_engines(pg_url: str) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    """A migrated PostgreSQL database with SOURCES' rows, and a second engine whose lock_timeout is
    0.3 s (a commit that finds its story locks held gives up quickly)."""
    e = make_engine(pg_url)
    short = make_engine(pg_url, timeouts=DbTimeouts(lock_s=0.3))
    upgrade(e)
    leases.sync_sources(e, SOURCES, now=NOW - timedelta(days=1))
    yield e, short
    e.dispose()
    short.dispose()


def _decide(
    engine: sa.Engine, source_id: str, guid: str, title: str, text: str, *, now: datetime = NOW
) -> PollWrite:
    """One poll of ``source_id`` finding one new item, decided against the story index as it is now."""
    src = next(s for s in SOURCES if s.id == source_id)
    topics = TopicMatcher(TOPICS)
    claim = leases.claim_sources(
        engine,
        owner=source_id,
        now=now,
        lease=timedelta(minutes=5),
        source_ids=[src.id],
        limit=1,
        due_only=False,
    )[0]
    claim = ClaimedSource(**{**{f: getattr(claim, f) for f in claim.__slots__}, "baseline_done": True})  # type: ignore[attr-defined]
    found = assign_identity([Entry(title, text, f"https://{source_id}.example/{guid}", guid, now)])
    new = prepare_new(src, found, {}, topics)
    stories = story_keys.story_lookup(
        engine, [n.probe for n in new.values()], since=now - timedelta(hours=72)
    )
    url = src.url
    result = FetchResult(FetchOutcome.OK, url, url, 200, {}, b"", "x", None, None, 0, 0.0)
    write = decide_success(
        src,
        claim,
        result,
        found,
        {},
        key_mode="guid",
        stories=stories,
        new=new,
        topics=topics,
        routes=(),
        now=now,
        rand=0.5,
    )
    return replace(write, stories_snapshot=stories.snapshot)  # as monitor.poll's decide() does


def _story_of(engine: sa.Engine, guid: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.text("SELECT story_id FROM item WHERE guid = :g"), {"g": guid}).scalar_one()
        )


def _waiting(engine: sa.Engine) -> int:
    """Backends of this database waiting on a lock (row or advisory)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def _until(cond: object, what: str, limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_reports_that_could_join_only_by_signature_share_a_story_lock() -> None:
    """The lock ids of an English and a Japanese report of one pledge: no text key in common, a
    signature part (the amount, the actors) in common; an unrelated report shares neither."""
    en = story_lock_ids([fingerprint(*PLEDGE_EN)], [signature(*PLEDGE_EN)])
    ja = story_lock_ids([fingerprint(*PLEDGE_JA)], [signature(*PLEDGE_JA)])
    text_only = story_lock_ids([fingerprint(*PLEDGE_EN)]), story_lock_ids([fingerprint(*PLEDGE_JA)])
    other = (
        "Rain in Seattle",
        "Rain is expected in Seattle on Wednesday with strong winds later in the day.",
    )
    unrelated = story_lock_ids([fingerprint(*other)], [signature(*other)])
    assert not set(text_only[0]) & set(text_only[1])  # wording alone would not serialise them
    assert set(en) & set(ja)
    assert not set(en) & set(unrelated) and not set(ja) & set(unrelated)


@pytest.mark.postgres
def test_two_instances_deciding_one_event_at_once_make_one_story(pg_url: str) -> None:
    engine = make_engine(pg_url)
    holder = make_engine(pg_url)
    try:
        upgrade(engine)
        leases.sync_sources(engine, SOURCES, now=NOW - timedelta(days=1))
        # An unrelated stored item: instance A's commit will touch it (a gone-URL check), which is where
        # the test holds A, inside its transaction, after its new item is written.
        poll_commit.commit_poll(
            engine,
            _decide(engine, "weather", "w1", "Rain in Tokyo", "Rain is expected in Tokyo with winds."),
            now=NOW,
            started_at=NOW,
        )
        parked = _story_of(engine, "w1")
        write_a = _decide(engine, "reuters", "en", *PLEDGE_EN)
        write_b = _decide(engine, "nhk", "ja", *PLEDGE_JA)
        assert [w.story_id for w in (*write_a.items, *write_b.items)] == [None, None]  # both saw nothing
        write_a = replace(write_a, gone_checked=(parked,))
        errors: dict[str, BaseException | None] = {}

        def commit(name: str, write: PollWrite) -> None:
            try:
                poll_commit.commit_poll(engine, write, now=NOW, started_at=NOW)
                errors[name] = None
            except BaseException as e:
                errors[name] = e

        with holder.connect() as conn:
            conn.execute(sa.text("SELECT id FROM item WHERE id = :i FOR UPDATE"), {"i": parked})
            a = threading.Thread(target=commit, args=("a", write_a))
            a.start()
            _until(lambda: _waiting(holder) == 1, "instance A to be held inside its commit")
            b = threading.Thread(target=commit, args=("b", write_b))
            b.start()
            # B either waits for A's story lock (fixed) or commits at once without seeing A (the race).
            _until(lambda: _waiting(holder) == 2 or "b" in errors, "instance B to wait or to commit")
            b_waited = "b" not in errors
            conn.rollback()  # let A commit
            a.join(30)
            b.join(30)
        assert errors["a"] is None
        assert b_waited, f"instance B committed while A held an item of the same event, unseen: {errors}"
        assert isinstance(errors["b"], StaleStories)
        # B decides again, as the poll loop does, and now finds A's item.
        assert leases.release_lease(engine, "nhk", write_b.token)
        again = _decide(engine, "nhk", "ja", *PLEDGE_JA)
        poll_commit.commit_poll(engine, again, now=NOW, started_at=NOW)
        assert _story_of(engine, "ja") == _story_of(engine, "en")
    finally:
        holder.dispose()
        engine.dispose()


def test_only_an_item_that_could_have_been_a_candidate_makes_a_commit_decide_again(engine: sa.Engine) -> None:
    """Items stored after a write read its story candidates make it decide again only when they share a
    story-index key with what it adds (they could have been candidates); unrelated news does not (a burst
    of polls in one pass no longer re-decides every commit after the first)."""
    write_a = _decide(engine, "reuters", "en", *PLEDGE_EN)
    write_b = _decide(engine, "nhk", "ja", *PLEDGE_JA)
    weather = _decide(engine, "weather", "w1", "Rain in Seattle", "Rain is expected in Seattle with winds.")
    poll_commit.commit_poll(engine, weather, now=NOW, started_at=NOW)  # unrelated, stored since A read
    poll_commit.commit_poll(engine, write_a, now=NOW, started_at=NOW)  # no re-decision for it
    with pytest.raises(StaleStories):  # A's item, of the same event, was stored since B read
        poll_commit.commit_poll(engine, write_b, now=NOW, started_at=NOW)


def test_a_stale_commit_decides_again_in_its_own_transaction_and_joins_the_story(engine: sa.Engine) -> None:
    """What the daemon does with StaleStories: the commit decides again inside its transaction (which
    holds the write lock or the story locks), once, and the item joins the story stored meanwhile. A
    burst of polls on one story no longer decides each item once per other poll that committed first."""
    write_a = _decide(engine, "reuters", "en", *PLEDGE_EN)
    write_b = _decide(engine, "nhk", "ja", *PLEDGE_JA)  # read the same empty window as A
    assert all(w.story_id is None for w in write_b.items)  # alone, it would start its own story
    poll_commit.commit_poll(engine, write_a, now=NOW, started_at=NOW)
    calls: list[int] = []
    redecide = _redecider(engine, write_b, calls)
    before = STORY_REDECISIONS._value.get()
    poll_commit.commit_poll(engine, write_b, now=NOW, started_at=NOW, redecide=redecide)
    assert calls == [1] and STORY_REDECISIONS._value.get() == before + 1
    assert _story_of(engine, "ja") == _story_of(engine, "en")
    with engine.connect() as conn:  # its rows take the time it decided again, not the stale one
        seen = conn.execute(sa.text("SELECT first_seen_at FROM item WHERE guid = 'ja'")).scalar_one()
    assert str(seen).startswith(str(NOW + timedelta(seconds=1)).replace("+00:00", "")[:19])


def _redecider(
    engine: sa.Engine, write_b: PollWrite, calls: list[int]
) -> Callable[[Session], tuple[PollWrite, datetime]]:
    """What monitor.poll passes as ``redecide`` for the nhk poll of ``write_b``: its items decided again
    against the story index as the commit's transaction sees it, a second later."""

    def redecide(s: Session) -> tuple[PollWrite, datetime]:
        calls.append(1)
        src = next(x for x in SOURCES if x.id == "nhk")
        found = [w.change.item for w in write_b.items]
        topics = TopicMatcher(TOPICS)
        new = prepare_new(src, found, {}, topics)
        stories = story_keys.story_lookup_in(
            s, [n.probe for n in new.values()], since=NOW - timedelta(hours=72)
        )
        later = NOW + timedelta(seconds=1)
        write = decide_success(
            src, _claim(engine, write_b), FetchResult(FetchOutcome.OK, src.url, src.url, 200, {}, b"", "x",
            None, None, 0, 0.0), found, {}, key_mode="guid", stories=stories, new=new, topics=topics,
            routes=(), now=NOW, rand=0.5,
        )  # fmt: skip
        return write, later

    return redecide


def _claim(engine: sa.Engine, write: PollWrite) -> ClaimedSource:
    """The claim a write was decided under (its lease token), as the redecision gets it from the poll."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT lease_token FROM source WHERE id = :i"), {"i": write.source_id}
        ).scalar_one()
    assert row == write.token
    return ClaimedSource(
        source_id=write.source_id, token=write.token, baseline_done=True, key_mode="guid", etag=None,
        last_modified=None, body_hash=None, error_streak=0, item_count=0,
    )  # fmt: skip


def test_each_new_item_of_a_poll_is_compared_with_its_own_candidates(engine: sa.Engine) -> None:
    """One lookup serves a poll's new items; each item is then decided against what the index found for
    it, not every candidate of the poll (in a burst, ~140 per item instead of ~15)."""
    poll_commit.commit_poll(engine, _decide(engine, "reuters", "en", *PLEDGE_EN), now=NOW, started_at=NOW)
    topics = TopicMatcher(TOPICS)
    src = next(s for s in SOURCES if s.id == "nhk")
    entries = [
        Entry(*PLEDGE_JA, "https://nhk.example/ja", "ja", NOW),
        Entry(
            "Rain in Seattle",
            "Rain is expected in Seattle with winds.",
            "https://nhk.example/w",
            "w",
            NOW,
        ),
    ]
    new = prepare_new(src, assign_identity(entries), {}, topics)
    ja, rain = (new[k].probe for k in ("g:ja", "g:w"))
    stories = story_keys.story_lookup(engine, [ja, rain], since=NOW - timedelta(hours=72))
    pledge = [c for c in stories.candidates if c.title == PLEDGE_EN[0]]
    assert pledge and set(stories.for_probe(ja)) >= set(pledge)
    assert not set(stories.for_probe(rain)) & set(pledge)  # found for the other item only
    unknown = replace(rain, fingerprint=b"\x00other")
    assert stories.for_probe(unknown) == stories.candidates  # not looked up: compared with all


def test_a_batch_decides_its_writes_in_turn_and_a_later_one_joins_an_earlier_ones_story(
    engine: sa.Engine,
) -> None:
    """The batched writer commits polls with new items together (``store.batch.commit_polls``): a write
    decided from the same empty window as an earlier write of its batch finds that write's item inside
    the transaction, decides again and joins its story, as it would have one transaction each."""
    write_a = _decide(engine, "reuters", "en", *PLEDGE_EN)
    write_b = _decide(engine, "nhk", "ja", *PLEDGE_JA)
    weather = _decide(engine, "weather", "w1", "Rain in Seattle", "Rain is expected in Seattle.")
    assert all(w.story_id is None for w in write_b.items)
    calls: list[int] = []
    stored = commit_polls(
        engine,
        [(write_a, NOW, None), (weather, NOW, None), (write_b, NOW, _redecider(engine, write_b, calls))],
        now=NOW,
    )
    assert stored == [True, True, True] and calls == [1]
    assert _story_of(engine, "ja") == _story_of(engine, "en") != _story_of(engine, "w1")


def test_a_busy_story_lock_sends_a_batchs_story_writes_back_and_stores_the_rest(
    pg_engines: tuple[sa.Engine, sa.Engine],
) -> None:
    """StoryLockBusy for a batch: each of its polls with new items gets it (and decides again, as it
    would unbatched); the batch's other outcomes are stored without waiting for them."""
    engine, short = pg_engines
    keyed = _decide(engine, "reuters", "en", *PLEDGE_EN)
    weather = _decide(engine, "weather", "w1", "Rain in Seattle", "Rain is expected in Seattle.")
    failed = decide_failure(
        SOURCES[2], _claim(engine, weather), error="HTTP 503", error_kind="http_5xx", now=NOW, rand=0.5
    )
    writer = BatchWriter(short, now=lambda: NOW)

    async def both() -> list[BaseException | None]:
        return await asyncio.gather(
            writer.commit(keyed, started_at=NOW),
            writer.commit(failed, started_at=NOW),
            return_exceptions=True,
        )

    with Session(engine) as holder, holder.begin():
        poll_commit.lock_stories(holder, [keyed])  # a stalled commit of the same story holds its locks
        outcome = asyncio.run(both())
    assert isinstance(outcome[0], StoryLockBusy) and outcome[1] is None
    with engine.connect() as conn:
        logged = conn.execute(sa.text("SELECT source_id, status FROM poll_log")).all()
        assert [tuple(r) for r in logged] == [("weather", "error")]
        assert conn.execute(sa.text("SELECT count(*) FROM item")).scalar_one() == 0

"""show / items / stories / export over the demo's history, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.export import COLUMNS, export_rows, json_lines, write_csv, write_json_lines, write_jsonl
from monitor.store import browse
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


SINCE = timedelta(days=1)


def _item(engine: sa.Engine, title: str) -> browse.ItemSummary:
    items = browse.list_items(engine, since=datetime.now(UTC) - SINCE, limit=100)
    return next(i for i in items if title in i.title)


async def test_items_listing(engine: sa.Engine) -> None:
    items = browse.list_items(engine, since=datetime.now(UTC) - SINCE, limit=100)
    assert len(items) == 29  # every phase-2 item of the six demo sources
    assert [i.first_seen_at for i in items] == sorted((i.first_seen_at for i in items), reverse=True)
    dsca = browse.list_items(engine, since=datetime.now(UTC) - SINCE, sources=["dsca"], limit=100)
    assert dsca and {i.source_id for i in dsca} == {"dsca"}
    fms = browse.list_items(engine, since=datetime.now(UTC) - SINCE, topic="fms-japan", limit=100)
    assert fms and all("fms-japan" in i.topics for i in fms)
    kantei = next(i for i in items if i.source_id == "kantei")
    assert kantei.lang == "ja"
    assert set(items[0].as_json()) == {
        "id", "source_id", "title", "url", "first_seen_at", "revisions", "topics", "story_id", "lang", "withdrawn",
    }  # fmt: skip


async def test_show_item_with_revisions_mentions_story_and_deliveries(engine: sa.Engine) -> None:
    sheet = _item(engine, "Historic Trade Deal")
    d = browse.item_detail(engine, sheet.id)
    assert d is not None
    assert [r.seq for r in d.revisions] == [1, 2]
    latest = d.mentions[d.revisions[1].id or 0]
    assert {m.topic_id for m in latest} >= {"japan-us-investment", "tariffs-japan"}
    assert all(t["end"] > t["start"] for m in latest for t in m.terms)
    assert [x.kind for x in d.deliveries] == ["revised"]
    assert d.deliveries[0].state == "sent" and d.deliveries[0].receiver == "console"
    assert d.members and d.members[0].item_id == d.item.story_id


async def test_show_story_members_in_order_with_delays(engine: sa.Engine) -> None:
    stories = browse.list_stories(engine, since=datetime.now(UTC) - SINCE, min_members=2)
    assert [set(s.sources) for s in stories] == [{"nikkei", "whitehouse"}]
    joint = _item(engine, "Joint Statement on U.S.-Japan Investment")  # whichever source polled first
    d = browse.item_detail(engine, joint.id)
    assert d is not None and len(d.members) == 2
    assert d.members[0].item_id == d.item.story_id == stories[0].story_id
    assert d.members[0].delay_s == 0 and d.members[1].delay_s > 0
    later = browse.item_detail(engine, d.members[1].item_id)
    assert later is not None and [x.kind for x in later.deliveries] == ["also-reported"]
    # Filters by any member (the aliased subqueries must not correlate with the grouped rows), on both
    # databases; the story keeps both members and is shown by the White House's statement.
    since = datetime.now(UTC) - SINCE
    lng = browse.list_stories(engine, since=since, topic="us-lng-japan", min_members=2)
    wh = browse.list_stories(engine, since=since, sources=["whitehouse"], min_members=2)
    assert (
        [(x.story_id, x.members) for x in lng]
        == [(x.story_id, x.members) for x in wh]
        == [(joint.story_id, 2)]
    )
    assert wh[0].official and wh[0].title == "Joint Statement on U.S.-Japan Investment"
    assert browse.list_stories(engine, since=since, sources=["dsca"], topic="japan-us-investment") == []
    assert browse.present_ids(engine, "source", ["dsca", "nope"]) == {"dsca"}
    assert browse.present_ids(engine, "topic", ["fms-japan", "nope"]) == {"fms-japan"}


async def test_show_alert_by_id_and_key(engine: sa.Engine) -> None:
    fms = _item(engine, "SM-6")
    d = browse.item_detail(engine, fms.id)
    assert d is not None
    by_key = browse.alert_rows(engine, d.deliveries[0].alert_key)
    by_id = browse.alert_rows(engine, str(d.deliveries[0].id))
    assert by_key == by_id and by_key[0].item_id == fms.id
    assert browse.alert_rows(engine, "no-such-key") == []
    assert browse.item_detail(engine, 999_999) is None


@pytest.mark.parametrize("what", ["items", "mentions", "alerts"])
async def test_export_streams_every_row_in_chunks(engine: sa.Engine, what: str) -> None:
    since = datetime.now(UTC) - SINCE
    small = list(export_rows(engine, what, since=since, chunk=3))  # type: ignore[arg-type]
    big = list(export_rows(engine, what, since=since))  # type: ignore[arg-type]
    assert small == big and big
    assert [r["id"] for r in big] == sorted(r["id"] for r in big)
    assert all(tuple(r) == COLUMNS[what] for r in big)
    buf = io.StringIO()
    n = write_jsonl(iter(big), buf)
    assert n == len(big) and json.loads(buf.getvalue().splitlines()[0])["id"] == big[0]["id"]
    buf = io.StringIO()
    write_csv(iter(big), buf, what)
    parsed = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(parsed) == len(big) and tuple(parsed[0]) == COLUMNS[what]
    assert not list(export_rows(engine, what, since=datetime.now(UTC) + timedelta(hours=1)))  # type: ignore[arg-type]


@pytest.mark.parametrize("what", ["items", "mentions", "alerts"])
async def test_json_lines_written_by_the_database_are_the_rows(engine: sa.Engine, what: str) -> None:
    # `pressmon export --format jsonl` has the database serialise each row: the same keys in the same
    # order and the same values as export_rows, on SQLite and PostgreSQL, whole and in a window.
    for since in (None, datetime.now(UTC) - SINCE, datetime.now(UTC) + timedelta(hours=1)):
        rows = list(export_rows(engine, what, since=since))  # type: ignore[arg-type]
        chunks = list(json_lines(engine, what, since=since, chunk=3))  # type: ignore[arg-type]
        parsed = [json.loads(line) for chunk in chunks for line in chunk]
        assert parsed == rows
        assert all(list(p) == list(COLUMNS[what]) for p in parsed)
        assert all(len(c) <= 3 for c in chunks)
    assert rows == [] and parsed == []
    buf = io.StringIO()
    n = write_json_lines(json_lines(engine, what), buf)  # type: ignore[arg-type]
    assert n == len(buf.getvalue().splitlines()) == len(list(export_rows(engine, what)))  # type: ignore[arg-type]
    assert n > 0


async def test_export_alert_shape(engine: sa.Engine) -> None:
    rows = list(export_rows(engine, "alerts"))
    assert len(rows) == 8 and all(r["state"] == "sent" and r["topics"] for r in rows)
    for r in rows:  # times as ISO 8601 UTC on both databases
        assert datetime.fromisoformat(r["created_at"]).utcoffset() == timedelta(0)
        assert datetime.fromisoformat(r["sent_at"]) >= datetime.fromisoformat(r["created_at"])
    mentions = list(export_rows(engine, "mentions"))
    assert all(isinstance(m["terms"], list) and isinstance(m["facts"], dict) for m in mentions)


async def test_topic_activity_on_both_databases(engine: sa.Engine, demo: DemoHistory) -> None:
    """`topics list`'s counts: the same SQL on SQLite and PostgreSQL; items agree with `items -t`."""
    from monitor.store.topic_stats import topic_activity

    since = datetime.now(UTC) - SINCE
    configured = [t.id for t in demo.config.topics]
    act = topic_activity(engine, since=since, topics=[*configured, "never-matched"])
    assert set(act) == {*configured, "never-matched"}
    for tid in configured:
        a = act[tid]
        assert a.items == len(browse.list_items(engine, since=since, topic=tid, limit=100)) > 0, tid
        assert a.alerts >= 1 and a.unsent == 0 and a.last_match_at is not None, a
    assert act["fms-japan"].alerts == 1
    assert act["never-matched"].items == act["never-matched"].alerts == 0
    assert act["never-matched"].last_match_at is None
    later = topic_activity(engine, since=datetime.now(UTC) + SINCE, topics=configured)
    assert all(a.items == a.alerts == a.near_misses == 0 and a.last_match_at for a in later.values())

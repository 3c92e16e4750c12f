"""Full-text search: the index text form (pure), and search over the demo's history on both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.match.concepts import ConceptDef, parse_concept, resolve
from monitor.match.doc import SourceContext
from monitor.match.index_text import fts5_query, index_expr, index_text, tsquery
from monitor.match.query import parse_query
from monitor.search import make_snippet, search
from monitor.store.engine import make_engine
from monitor.store.migrate import downgrade, upgrade
from monitor.store.search_index import backfill, create_index, drop_index
from tests.support.demo_db import build_demo_history


@pytest.mark.parametrize(
    ("name", "text", "indexed"),
    [
        ("latin words, punctuation splits", "U.S.-Japan: FMS", "u s japan fms"),
        ("cjk bigrams plus the run's last char", "自動車関税", "自動 動車 車関 関税 税"),
        ("one cjk char", "米", "米"),
        ("mixed", "1兆ドル", "1 兆ド ドル ル"),
        ("full width folds", "ＦＭＳ", "fms"),
    ],
)
def test_index_text(name: str, text: str, indexed: str) -> None:
    assert index_text(text) == indexed, name


@pytest.mark.parametrize(
    ("name", "query", "fts5", "ts"),
    [
        ("phrase and term", '"Foreign Military Sale" Japan', '("foreign military sale" AND "japan")',
         "(('foreign' <-> 'military' <-> 'sale') & 'japan')"),
        ("two cjk chars", "関税", '"関税"', "'関税'"),
        ("one cjk char is a prefix", "米", '"米" *', "'米':*"),
        ("prefix", "tariff*", '"tariff" *', "'tariff':*"),
        ("NOT is left to the matcher", "Japan -Airlines", '"japan"', "'japan'"),
        ("NEAR is AND", "Japan NEAR/5 tariff", '("japan" AND "tariff")', "('japan' & 'tariff')"),
        ("field", "title:Japan", 'title : "japan"', "'japan':A"),
        ("cjk inside a phrase keeps its last char", '"日本 FMS"', '"日本 本 fms"', "('日本' <-> '本' <-> 'fms')"),
    ],
)  # fmt: skip
def test_index_query(name: str, query: str, fts5: str, ts: str) -> None:
    e = index_expr(parse_query(query))
    assert e is not None
    assert (fts5_query(e), tsquery(e)) == (fts5, ts), name


def test_scopes_alone_are_no_index_filter() -> None:
    assert index_expr(parse_query("source:dsca OR Japan")) is None


def test_snippet_window_and_marks() -> None:
    text = "x" * 200 + " Japan buys " + "y" * 300
    s = make_snippet(text, [(201, 206)], width=100)
    assert s.text.startswith("…") and s.text.endswith("…")
    assert s.marked().count("[[Japan]]") == 1


@pytest.fixture
async def demo_engine(db_url: str) -> sa.Engine:
    await build_demo_history(db_url)
    e = make_engine(db_url)
    yield e  # type: ignore[misc]
    e.dispose()


async def test_finds_the_fms_notice_with_highlights(demo_engine: sa.Engine) -> None:
    since = datetime.now(UTC) - timedelta(days=30)
    r = search(demo_engine, '"Foreign Military Sale" Japan', since=since)
    titles = [h.title.text for h in r.hits]
    assert any("SM-6" in t for t in titles), titles
    hit = next(h for h in r.hits if "SM-6" in h.title.text)
    assert "[[Foreign Military Sale]]" in hit.snippet.marked()
    # A DSCA notice for another country has the phrase but not Japan: not a hit.
    assert all("Japan" in h.title.text or "Japan" in h.snippet.text for h in r.hits)


async def test_japanese_query(demo_engine: sa.Engine) -> None:
    r = search(demo_engine, "関税")
    assert r.hits and all(h.source_id in ("kantei", "mofa") for h in r.hits)  # the Japanese sources
    assert "[[関税]]" in r.hits[0].snippet.marked() or "[[関税]]" in r.hits[0].title.marked()
    assert search(demo_engine, "米").hits  # one character: a prefix of bigrams


async def test_matcher_decides_what_the_index_cannot(demo_engine: sa.Engine) -> None:
    with_japan = {h.item_id for h in search(demo_engine, '"Foreign Military Sale"', limit=100).hits}
    not_japan = {h.item_id for h in search(demo_engine, '"Foreign Military Sale" -Japan', limit=100).hits}
    japan = {h.item_id for h in search(demo_engine, '"Foreign Military Sale" Japan', limit=100).hits}
    assert japan and not_japan and japan | not_japan == with_japan and not japan & not_japan
    assert {h.source_id for h in search(demo_engine, "source:dsca", limit=100).hits} == {"dsca"}


async def test_filters(demo_engine: sa.Engine) -> None:
    assert {h.source_id for h in search(demo_engine, "Japan", sources=["nikkei"], limit=50).hits} == {
        "nikkei"
    }
    assert not search(demo_engine, "Japan", since=datetime.now(UTC) + timedelta(hours=2)).hits
    assert {h.lang for h in search(demo_engine, "日本", lang="ja").hits} == {"ja"}
    # DSCA's feed says <language>en-us</language>: --lang en takes it in (RFC 4647), en-gb does not
    dsca = {h.lang for h in search(demo_engine, '"Foreign Military Sale"', lang="en", limit=50).hits}
    assert dsca == {"en-us"}
    assert {
        h.lang for h in search(demo_engine, '"Foreign Military Sale"', lang="EN_US", limit=50).hits
    } == dsca
    assert not search(demo_engine, '"Foreign Military Sale"', lang="en-gb", limit=50).hits
    assert not search(demo_engine, '"Foreign Military Sale"', lang="e", limit=50).hits
    topical = {h.item_id for h in search(demo_engine, "Japan", topic="fms-japan", limit=50).hits}
    everything = {h.item_id for h in search(demo_engine, "Japan", limit=50).hits}
    assert topical and topical < everything


async def test_one_hit_per_item_newest_revision_first(demo_engine: sa.Engine) -> None:
    hits = search(demo_engine, '"Fact Sheet"', limit=50).hits
    revised = [h for h in hits if "Historic Trade Deal" in h.title.text]
    assert [h.seq for h in revised] == [2]
    every = search(demo_engine, '"Fact Sheet"', limit=50, all_revisions=True).hits
    assert sorted(h.seq for h in every if "Historic Trade Deal" in h.title.text) == [1, 2]


async def test_backfill_indexes_existing_revisions(demo_engine: sa.Engine) -> None:
    """What migration 0006 does on a database that already holds revisions (its up and down on an empty
    database are tested with every migration in test_store)."""
    with demo_engine.begin() as conn:
        drop_index(conn)
        create_index(conn)
    assert not search(demo_engine, "関税").hits
    with demo_engine.begin() as conn:
        assert backfill(conn) > 20
        assert backfill(conn) == 0  # everything indexed: nothing twice
    assert search(demo_engine, "関税").hits


def _jp() -> dict[str, ConceptDef]:
    return {"jp": parse_concept("jp", "日本 OR Japan")}


@pytest.mark.parametrize(
    ("query", "implied", "fts5"),
    [
        ("@jp AND 防災", frozenset(), '(("日本" OR "japan") AND "防災")'),
        ("@jp AND 防災", frozenset({"jp"}), '"防災"'),
        ("@jp SENT 防災", frozenset({"jp"}), '"防災"'),
        ("@jp SENT 防災", frozenset({"other"}), '(("日本" OR "japan") AND "防災")'),
    ],
)
def test_an_implied_concept_is_no_index_filter(query: str, implied: frozenset[str], fts5: str) -> None:
    e = index_expr(resolve(parse_query(query), _jp()), implied)
    assert e is not None and fts5_query(e) == fts5


async def test_search_honours_what_a_source_implies_and_its_tags(demo_engine: sa.Engine) -> None:
    """A Kantei item never writes 日本; as an item of a source that implies @jp it satisfies it, in an AND
    and as a SENT side (the index must not filter it out first), as the daemon would match it."""
    ctx = {"kantei": SourceContext(tags=("jp-gov",), implies=frozenset({"jp"}))}
    for q in ("@jp AND 防災", "@jp SENT 防災"):
        assert not search(demo_engine, q, concepts=_jp()).hits, q
        hits = search(demo_engine, q, concepts=_jp(), source_context=ctx).hits
        assert [h.source_id for h in hits] == ["kantei"] and "防災" in hits[0].title.text, q
        # Searching only other sources: nothing is implied there.
        assert not search(demo_engine, q, concepts=_jp(), source_context=ctx, sources=["mofa"]).hits
    assert not search(demo_engine, "tag:jp-gov AND 防災").hits
    assert search(demo_engine, "tag:jp-gov AND 防災", source_context=ctx).hits


async def test_topics_test_history_samples_carry_source_context(demo_engine: sa.Engine) -> None:
    from monitor.topics_test import samples_from_history

    ctx = {"kantei": SourceContext(tags=("jp-gov",), implies=frozenset({"jp"}))}
    since = datetime.now(UTC) - timedelta(days=30)
    samples = samples_from_history(demo_engine, since=since, source_context=ctx)
    kantei = [s for s in samples if s.source == "kantei"]
    assert kantei and all(s.implies == ("jp",) and s.tags == ("jp-gov",) and s.lang == "ja" for s in kantei)
    assert all(not s.implies for s in samples if s.source != "kantei")


def _old_form(s: str) -> str:
    """The index form before a capitalised "US" folded as "u s" (migration 0013 rebuilds rows like this)."""
    return index_text(re.sub(r"\bUS\b", "us", s))


def _set_index_row(conn: sa.Connection, i: int, indexed: tuple[str, str], new: tuple[str, str]) -> None:
    """Replace revision ``i``'s index row (``indexed``: the forms it holds) with the forms ``new``."""
    if conn.dialect.name == "sqlite":
        conn.execute(
            sa.text(
                "INSERT INTO revision_fts(revision_fts, rowid, title, text) VALUES ('delete', :i, :t, :x)"
            ),
            {"i": i, "t": indexed[0], "x": indexed[1]},
        )
        conn.execute(
            sa.text("INSERT INTO revision_fts(rowid, title, text) VALUES (:i, :t, :x)"),
            {"i": i, "t": new[0], "x": new[1]},
        )
        return
    conn.execute(
        sa.text(
            "UPDATE revision_search SET tsv = setweight(to_tsvector('simple', :t), 'A') || "
            "setweight(to_tsvector('simple', :x), 'B') WHERE revision_id = :i"
        ),
        {"i": i, "t": new[0], "x": new[1]},
    )


async def test_migration_0013_reindexes_rows_stored_in_the_old_form(demo_engine: sa.Engine) -> None:
    with demo_engine.begin() as conn:
        # The demo writes "U.S."; a few statements written "US", stored and indexed as today's code does.
        rows = conn.execute(sa.text("SELECT id, title, text FROM revision WHERE text LIKE '%U.S.%'")).all()
        assert len(rows) >= 3
        old = [(i, t.replace("U.S.", "US"), x.replace("U.S.", "US")) for i, t, x in rows[:3]]
        for (i, title, text), (_, us_title, us_text) in zip(rows, old, strict=False):
            conn.execute(
                sa.text("UPDATE revision SET title = :t, text = :x WHERE id = :i"),
                {"i": i, "t": us_title, "x": us_text},
            )
            _set_index_row(
                conn, i, (index_text(title), index_text(text)), (index_text(us_title), index_text(us_text))
            )
        total = conn.execute(sa.text("SELECT count(*) FROM revision")).scalar()
    found = {h.revision_id for h in search(demo_engine, "US", limit=500, all_revisions=True).hits}
    assert {r[0] for r in old} <= found
    with demo_engine.begin() as conn:  # index those rows as an earlier version did
        for i, title, text in old:
            _set_index_row(
                conn, i, (index_text(title), index_text(text)), (_old_form(title), _old_form(text))
            )
    stale = {h.revision_id for h in search(demo_engine, "US", limit=500, all_revisions=True).hits}
    assert not {r[0] for r in old} & stale  # what a user of an upgraded database would have hit
    downgrade(demo_engine, "0012_item_story_reason")
    upgrade(demo_engine)
    again = {h.revision_id for h in search(demo_engine, "US", limit=500, all_revisions=True).hits}
    assert again == found
    assert search(demo_engine, "関税").hits  # every revision indexed again, not only those
    n_indexed = "SELECT count(*) FROM " + (
        "revision_fts" if demo_engine.dialect.name == "sqlite" else "revision_search"
    )
    with demo_engine.connect() as conn:
        assert conn.execute(sa.text(n_indexed)).scalar() == total

"""Migrations and the lease/fence shape of the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import monitor.store.models  # noqa: F401
from monitor.config.schema import Source
from monitor.errors import LeaseLost
from monitor.poll_records import PollWrite, SourceUpdate
from monitor.store import leases, poll_commit
from monitor.store.engine import make_engine
from monitor.store.migrate import current_revision, downgrade, head_revision, upgrade
from monitor.store.search_index import is_search_table

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
SOURCES = [Source(id=f"s{i}", url=f"https://example.org/{i}.xml") for i in range(5)]


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    e = make_engine(db_url)
    upgrade(e)
    leases.sync_sources(e, SOURCES, now=NOW)
    yield e  # type: ignore[misc]
    e.dispose()


def test_upgrade_head_on_empty_database_matches_models(db_url: str) -> None:
    e = make_engine(db_url)
    upgrade(e)
    assert current_revision(e) == head_revision(db_url)
    with e.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, _p: not (type_ == "table" and is_search_table(name)),
                },
            ),
            SQLModel.metadata,
        )
    assert diff == [], f"models and migrations disagree: {diff}"
    upgrade(e)  # idempotent
    downgrade(e, "base")
    assert set(sa.inspect(e).get_table_names()) <= {"alembic_version"}
    upgrade(e)
    e.dispose()


def test_head_read_from_the_scripts_is_alembics_head(db_url: str) -> None:
    from alembic.script import ScriptDirectory

    from monitor.store.migrate import alembic_config

    assert head_revision() == ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()


@pytest.mark.parametrize(
    ("scripts", "heads"),
    [
        ({}, set()),
        ({"1.py": "revision = 'a'\ndown_revision = None\n"}, {"a"}),
        (
            {
                "1.py": "revision: str = 'a'\ndown_revision: str | None = None\n",
                "2.py": 'revision: str = "b"\ndown_revision: str | None = "a"\n',
            },
            {"b"},
        ),
        # two branches: two heads (upgrade then leaves it to Alembic)
        (
            {
                "1.py": "revision = 'a'\n",
                "2.py": "revision = 'b'\ndown_revision = 'a'\n",
                "3.py": "revision = 'c'\ndown_revision = 'a'\n",
            },
            {"b", "c"},
        ),
        # a docstring mentioning revisions is not a declaration
        ({"1.py": '"""Revision ID: x\n"""\nrevision = "a"\n'}, {"a"}),
    ],
)
def test_heads_of_scripts(scripts: dict[str, str], heads: set[str]) -> None:
    from monitor.store.migrate import heads_of

    assert heads_of(scripts) == heads


def test_a_daemon_on_a_current_database_never_loads_alembic(db_url: str) -> None:
    # Alembic (with Mako and Pygments) is ~7 MiB resident: a restart on a current schema checks the
    # revision with one query and leaves it unloaded.
    import subprocess
    import sys

    e = make_engine(db_url)
    upgrade(e)
    e.dispose()
    code = (
        "import sys; from monitor.store.engine import make_engine; from monitor.store.migrate import upgrade, "
        f"is_current; e = make_engine({db_url!r}); upgrade(e); assert is_current(e); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_claim_leases_each_due_source_once(engine: sa.Engine) -> None:
    a = leases.claim_sources(
        engine, owner="a", now=NOW, lease=LEASE, source_ids=[s.id for s in SOURCES], limit=3
    )
    b = leases.claim_sources(
        engine, owner="b", now=NOW, lease=LEASE, source_ids=[s.id for s in SOURCES], limit=10
    )
    assert len(a) == 3 and len(b) == 2
    assert not {c.source_id for c in a} & {c.source_id for c in b}
    again = leases.claim_sources(
        engine, owner="c", now=NOW, lease=LEASE, source_ids=[s.id for s in SOURCES], limit=10
    )
    assert again == []
    # After the lease expires, another instance takes the work over.
    later = leases.claim_sources(
        engine,
        owner="c",
        now=NOW + LEASE + timedelta(seconds=1),
        lease=LEASE,
        source_ids=[s.id for s in SOURCES],
        limit=10,
    )
    assert len(later) == 5


def _write(source_id: str, token: str) -> PollWrite:
    return PollWrite(
        source_id=source_id,
        token=token,
        source=SourceUpdate(next_due=NOW + timedelta(minutes=15), checked_at=NOW, ok=True, error_streak=0),
    )


def test_commit_is_fenced_by_the_lease_token(engine: sa.Engine) -> None:
    (stale,) = leases.claim_sources(engine, owner="a", now=NOW, lease=LEASE, source_ids=["s0"], limit=1)
    # Instance a pauses past its lease; b takes over and commits.
    (fresh,) = leases.claim_sources(
        engine, owner="b", now=NOW + LEASE * 2, lease=LEASE, source_ids=["s0"], limit=1
    )
    poll_commit.commit_poll(engine, _write("s0", fresh.token), now=NOW + LEASE * 2, started_at=NOW)
    with pytest.raises(LeaseLost, match="s0"):
        poll_commit.commit_poll(engine, _write("s0", stale.token), now=NOW + LEASE * 3, started_at=NOW)


def test_not_due_sources_are_not_claimed(engine: sa.Engine) -> None:
    (c,) = leases.claim_sources(engine, owner="a", now=NOW, lease=LEASE, source_ids=["s1"], limit=1)
    poll_commit.commit_poll(engine, _write("s1", c.token), now=NOW, started_at=NOW)
    assert leases.claim_sources(engine, owner="a", now=NOW, lease=LEASE, source_ids=["s1"], limit=1) == []
    forced = leases.claim_sources(
        engine, owner="a", now=NOW, lease=LEASE, source_ids=["s1"], limit=1, due_only=False
    )
    assert [x.source_id for x in forced] == ["s1"]


def test_downgrade_past_0007_and_back_keeps_the_data(db_url: str) -> None:
    """SQLite cannot drop a column in place: the batch downgrade of 0007 copies `source`, drops it and
    renames the copy. With foreign keys enforced that drop failed as soon as an item referenced a source;
    the data must come through the round trip whole."""
    e = make_engine(db_url)
    upgrade(e)
    leases.sync_sources(e, SOURCES[:2], now=NOW)
    with e.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO item (source_id, item_key, key_kind, title, first_seen_at, last_seen_at, "
                "revision_count, content_hash) VALUES ('s0', 'k1', 'guid', 'Japan – SM-6', :t, :t, 1, 'h')"
            ),
            {"t": NOW},
        )
        conn.execute(
            sa.text("UPDATE source SET paused_at = :t, pause_reason = 'noisy' WHERE id = 's1'"), {"t": NOW}
        )
    downgrade(e, "0006_search_index")
    assert current_revision(e) == "0006_search_index"
    assert "paused_at" not in {c["name"] for c in sa.inspect(e).get_columns("source")}
    upgrade(e)
    assert current_revision(e) == head_revision(e.url.render_as_string(hide_password=False))
    with e.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM source ORDER BY id")).scalars().all() == ["s0", "s1"]
        assert conn.execute(sa.text("SELECT source_id, title FROM item")).all() == [("s0", "Japan – SM-6")]
        if e.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    e.dispose()

"""Shared fixtures: databases (SQLite file per test; a fresh PostgreSQL database per test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support.env import TEST_DEFAULTS

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# In-process Settings() read these too (tests/support/env.py says why); a shell that sets one wins.
for _key, _value in TEST_DEFAULTS.items():
    os.environ.setdefault(_key, _value)


def _pg_admin_url() -> str | None:
    url = os.environ.get("PRESSMON_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as e:
        if os.environ.get("PRESSMON_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required (PRESSMON_REQUIRE_POSTGRES) but {url} is unreachable: {e}")
        return None
    return url


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = _pg_admin_url()
    if url is None:
        pytest.skip("PostgreSQL not reachable (set PRESSMON_TEST_POSTGRES_URL); CI requires it")
    return url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"pressmon_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pressmon.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pressmon.db'}"
    return str(request.getfixturevalue("pg_url"))

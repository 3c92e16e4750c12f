"""``pressmon outbox``, ``outbox retry|drop``, ``health`` and ``run`` on a read-only database, through
the real command line (in-process, same error boundary as the installed ``pressmon``)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from monitor.cli import app
from monitor.store.engine import make_engine, write_session
from monitor.store.migrate import upgrade
from monitor.store.outbox import insert_outbox_rows
from tests.support.daemon import pressmon_argv

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[sa.Engine]:
    monkeypatch.setenv("PRESSMON_DATABASE_URL", db_url)
    monkeypatch.setenv("PRESSMON_HEARTBEAT_FILE", str(tmp_path / "heartbeat"))
    monkeypatch.chdir(tmp_path)
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def add(
    engine: sa.Engine, key: str, receiver: str, state: str, *, due: datetime, unconfirmed: int = 0
) -> None:
    with write_session(engine) as s:
        insert_outbox_rows(
            s,
            [
                {
                    "alert_key": key,
                    "receiver": receiver,
                    "kind": "new",
                    "mention_id": None,
                    "payload": {"alert_key": key, "title": f"Title {key}"},
                    "state": state,
                    "attempts": 2 if state != "pending" else 0,
                    "unconfirmed": unconfirmed,
                    "next_attempt_at": due,
                    "created_at": due,
                }
            ],
        )


def ids(engine: sa.Engine) -> dict[str, tuple[int, str, int]]:
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT alert_key, id, state, unconfirmed FROM outbox")).all()
    return {k: (i, st, u) for k, i, st, u in rows}


def test_list_retry_drop(db: sa.Engine) -> None:
    now = datetime.now(UTC)
    add(db, "amb", "hook", "ambiguous", due=now, unconfirmed=2)
    add(db, "fail", "hook", "failed", due=now)
    add(db, "done", "slack", "sent", due=now)
    add(db, "wait", "slack", "pending", due=now + timedelta(hours=1))
    rows = ids(db)

    listing = runner.invoke(app, ["outbox", "--state", "ambiguous", "--state", "failed"])
    assert listing.exit_code == 0, listing.output
    assert "ambiguous (2 unconfirmed)" in listing.output and "Title fail" in listing.output
    assert "Title done" not in listing.output
    assert f"{now:%Y-%m-%d %H:%M}" in listing.output and "+00:00" not in listing.output  # as other listings
    as_json = runner.invoke(app, ["outbox", "--receiver", "slack", "--json"])
    assert sorted(r["alert_key"] for r in json.loads(as_json.output)) == ["done", "wait"]
    bad = runner.invoke(app, ["outbox", "--state", "lost"])
    assert bad.exit_code == 2 and "unknown state lost" in bad.output

    retried = runner.invoke(app, ["outbox", "retry", str(rows["amb"][0])])
    assert retried.exit_code == 0 and f"#{rows['amb'][0]}" in retried.output
    assert ids(db)["amb"][1:] == ("pending", 0)  # due now, unconfirmed sends cleared: a person checked
    sent = runner.invoke(app, ["outbox", "retry", str(rows["done"][0])])
    assert sent.exit_code == 2 and "it is sent (sending it again would be a duplicate)" in sent.output
    assert ids(db)["done"][1] == "sent"

    dropped = runner.invoke(app, ["outbox", "drop", str(rows["fail"][0]), "--reason", "receiver retired"])
    assert dropped.exit_code == 0 and ids(db)["fail"][1] == "dropped"
    again = runner.invoke(app, ["outbox", "drop", str(rows["done"][0]), "--reason", "x"])
    assert again.exit_code == 2 and "only unsent rows can be dropped" in again.output

    by_receiver = runner.invoke(app, ["outbox", "retry", "--receiver", "hook"])
    assert by_receiver.exit_code == 0 and "2 row(s) queued again" in by_receiver.output


def test_health_fails_on_a_stuck_outbox(db: sa.Engine) -> None:
    assert runner.invoke(app, ["health"]).output.strip() == "ok"
    add(db, "old", "hook", "pending", due=datetime.now(UTC) - timedelta(hours=2))
    result = runner.invoke(app, ["health"])
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith("health: outbox stuck: 1 alert(s) due and not taken, the oldest (#")


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A SQLite database that refuses writes even to root (the file is immutable: chattr +i)."""
    path = tmp_path / "ro.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    yield path
    subprocess.run(["chattr", "-i", str(path)], check=True)


def test_run_and_health_on_a_read_only_database(immutable: Path, tmp_path: Path) -> None:
    """`run` shows the first failure in one line (not the cleanup's traceback); `health` says why."""
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(
        "sources:\n  - id: dsca\n    url: https://www.dsca.mil/rss.xml\n"
        "topics:\n  - id: t\n    keywords: [x]\nroutes:\n  - to: [console]\n"
    )
    env = {"PRESSMON_DATABASE_URL": f"sqlite:///{immutable}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        pressmon_argv("run", "-c", str(cfg)), env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("pressmon: run: store: cannot prepare the database sqlite:///")
    assert line.endswith("OperationalError: attempt to write a readonly database; check that it is writable "
                         "(file and directory permissions, read-only mount, disk space) and reachable")  # fmt: skip

    health = subprocess.run(pressmon_argv("health"), env=env, capture_output=True, text=True, timeout=120)
    assert health.returncode == 1
    assert health.stderr.strip() == (
        "health: store: the database refuses writes: OperationalError: attempt to write a readonly database"
    )

"""Every source is its own failure domain (RELIABILITY 35, issue "faults stay local"): a mutated feed,
a bug, or a database error during one source's commit is recorded on that source (error kind, poll_log
row, backoff, one log line naming it) while the rest of the pass commits and every lease is released."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import select

from monitor import cpujobs
from monitor.store.engine import read_session
from monitor.store.models import ItemRow, PollLogRow, SourceRow
from tests import test_poll
from tests.support.httpserver import FeedServer
from tests.test_poll import JAPAN, POLAND, make_config, rss

server = test_poll.server  # fixtures shared with the poll tests
make_app = test_poll.make_app

JSON_FEED = '{"version":"https://jsonfeed.org/version/1.1","items":[%s]}'


def _decl(encoding: str) -> bytes:
    return rss(POLAND).replace(b"encoding='utf-8'", f"encoding='{encoding}'".encode())


# name -> (body, content type): each must end as an error on its own source, or as stored items.
MUTATED: dict[str, tuple[bytes, str]] = {
    "rot13-in-xml-declaration": (_decl("rot13"), "application/rss+xml"),
    "zlib-in-xml-declaration": (_decl("zlib"), "application/rss+xml"),
    "undefined-in-xml-declaration": (_decl("undefined"), "application/rss+xml"),
    "punycode-as-http-charset": (rss(POLAND), "application/rss+xml; charset=punycode"),
    "idna-as-http-charset": (rss(POLAND), "application/rss+xml; charset=idna"),
    "rot13-as-http-charset": (rss(POLAND), "application/rss+xml; charset=rot13"),
    "utf-7-lone-surrogate": (_decl("utf-7").replace(b"AIM-120D", b"+2AA-"), "application/rss+xml"),
    "json-lone-surrogates": (
        (JSON_FEED % '{"id":"\\ud800","title":"Poland \\udfff","url":"https://a.example/\\ud800"}').encode(),
        "application/feed+json",
    ),
    "json-nested-100k-deep": (
        (JSON_FEED % ("[" * 100_000 + "]" * 100_000)).encode(),
        "application/feed+json",
    ),
    "json-year-9999-offset-2359": (
        (JSON_FEED % '{"id":"1","title":"Poland","date_published":"9999-12-31T23:59:00-23:59"}').encode(),
        "application/feed+json",
    ),
}


def _row(engine: sa.Engine, source_id: str) -> SourceRow:
    with read_session(engine) as s:
        row = s.get(SourceRow, source_id)
        assert row is not None
        return row


def _poll_log(engine: sa.Engine, source_id: str) -> list[tuple[str, str | None]]:
    with read_session(engine) as s:
        q = select(PollLogRow).where(PollLogRow.source_id == source_id).order_by(PollLogRow.id)  # type: ignore[arg-type]
        return [(r.status, r.error_kind) for r in s.exec(q)]


def _items(engine: sa.Engine, source_id: str) -> int:
    with read_session(engine) as s:
        return len(list(s.exec(select(ItemRow).where(ItemRow.source_id == source_id))))


async def test_mutated_feeds_fail_alone_and_the_pass_commits(server: FeedServer, make_app: Any) -> None:
    ids = list(MUTATED)
    for name, (body, ctype) in MUTATED.items():
        server.set(f"/{name}.xml", body, content_type=ctype)
    server.set("/good.xml", rss(POLAND, JAPAN))
    app, _ = make_app(make_config(server, "good", *ids))

    report = await app.poll_pass()

    by_id = {r.source_id: r for r in report.sources}
    assert set(by_id) == {"good", *ids}  # every source reported: nothing escaped the pass
    assert by_id["good"].status == "ok" and by_id["good"].new == 2
    assert _items(app.engine, "good") == 2
    for name in ids:
        row = _row(app.engine, name)
        assert row.lease_token is None, name  # every lease released
        log = _poll_log(app.engine, name)
        assert len(log) == 1, (name, log)  # one poll_log row per poll, error or not
        if by_id[name].status == "error":
            assert log == [("error", row.last_error_kind)] and row.error_streak == 1, name
            assert row.next_due > app.now() + timedelta(minutes=5), name  # backoff, not retried at once
            assert row.last_error and name in row.last_error, name  # names the source
        else:
            assert by_id[name].status == "ok", (name, by_id[name])
            assert _items(app.engine, name) >= 1, name  # stored: nothing unstorable got through
    assert by_id["json-nested-100k-deep"].status == "error"


async def test_a_bug_in_one_source_is_recorded_as_internal_and_logged_once_per_streak(
    server: FeedServer, make_app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server.set("/good.xml", rss(POLAND))
    server.set("/buggy.xml", rss(POLAND))
    monkeypatch.setenv("PRESSMON_PARSE_WORKERS", "0")  # in process, so the stage can be patched
    app, _ = make_app(make_config(server, "good", "buggy"))
    real_identify = cpujobs._identify

    def identify(entries: Any, claim: Any, keys: Any) -> Any:
        if claim.source_id == "buggy":
            raise ZeroDivisionError("division by zero")  # a bug in a pure stage
        return real_identify(entries, claim, keys)

    monkeypatch.setattr(cpujobs, "_identify", identify)
    caplog.set_level(logging.INFO, logger="pressmon")
    for _ in range(3):
        report = await app.poll_pass()
        assert {r.source_id: r.status for r in report.sources}["buggy"] == "error"

    row = _row(app.engine, "buggy")
    assert row.last_error_kind == "internal" and row.error_streak == 3 and row.lease_token is None
    assert row.last_error == "internal: buggy: ZeroDivisionError: division by zero"
    assert _poll_log(app.engine, "buggy") == [("error", "internal")] * 3
    assert _row(app.engine, "good").last_error is None
    lines = [r.getMessage() for r in caplog.records if "buggy" in r.getMessage()]
    assert lines == [
        "poll: buggy: internal: buggy: ZeroDivisionError: division by zero; recorded, backing off"
    ]
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.INFO)  # no traceback


async def test_database_error_during_one_commit_leaves_the_others_committed(
    server: FeedServer, make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """``database is locked`` (or any refusal) while one source commits: that source records a ``store``
    error, the other sources of the pass commit, every lease is released."""
    for sid in ("a", "locked", "b"):
        server.set(f"/{sid}.xml", rss(POLAND, JAPAN))
    app, _ = make_app(make_config(server, "a", "locked", "b"))
    refused: list[str] = []
    refusing = [True]  # every try during this pass (a batch refused once is retried source by source)

    @event.listens_for(app.engine, "before_cursor_execute")
    def refuse(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if refusing[0] and statement.startswith("INSERT INTO item") and "'locked'" in repr(params):
            refused.append(statement)
            raise sa.exc.OperationalError(statement, params, Exception("database is locked"))

    caplog.set_level(logging.INFO, logger="pressmon")
    report = await app.poll_pass()
    refusing[0] = False

    assert refused  # the fault did happen, mid-transaction after the fenced source update
    by_id = {r.source_id: r for r in report.sources}
    assert by_id["a"].new == 2 and by_id["b"].new == 2
    assert by_id["locked"].status == "error"
    row = _row(app.engine, "locked")
    assert row.last_error_kind == "store" and row.lease_token is None and row.error_streak == 1
    assert row.last_error == "store: locked: Exception: database is locked"
    assert _items(app.engine, "locked") == 0  # the failed transaction rolled back whole
    assert _items(app.engine, "a") == 2 and _items(app.engine, "b") == 2
    assert all(_row(app.engine, s).lease_token is None for s in ("a", "b"))
    assert [m for r in caplog.records if "locked" in (m := r.getMessage())] == [
        "poll: locked: store: locked: Exception: database is locked; recorded, backing off",
        "store: the database refuses writes: store: locked: Exception: database is locked; retrying every "
        "tick, nothing is lost (logged once until it recovers)",
    ]

    again = await app.poll_pass(["locked"])  # the next poll succeeds: nothing was lost
    assert again.sources[0].status == "ok" and again.sources[0].new == 2


async def test_database_refusing_every_write_still_reports_every_source(
    server: FeedServer, make_app: Any
) -> None:
    """If recording the error fails too, the source still reports its error and the pass completes;
    the lease is given back or, if the database refuses that as well, expires by itself."""
    for sid in ("a", "b"):
        server.set(f"/{sid}.xml", rss(POLAND))
    app, _ = make_app(make_config(server, "a", "b"))
    claimed = await app.poll_pass()  # baseline
    assert all(r.status == "ok" for r in claimed.sources)

    @event.listens_for(app.engine, "before_cursor_execute")
    def refuse(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if (
            statement.startswith("UPDATE source")
            and "WHERE source.id =" in statement
            and "'b'" in repr(params)
        ):
            raise sa.exc.OperationalError(statement, params, Exception("disk I/O error"))

    server.set("/a.xml", rss(POLAND, JAPAN))
    server.set("/b.xml", rss(POLAND, JAPAN))
    report = await app.poll_pass()
    by_id = {r.source_id: r for r in report.sources}
    assert by_id["a"].status == "ok" and by_id["a"].new == 1
    assert by_id["b"].status == "error" and by_id["b"].error == "store: b: Exception: disk I/O error"


def test_poll_once_prints_every_source_even_when_one_hits_a_bug(
    server: FeedServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from monitor.cli import app as cli

    server.set("/good.xml", rss(POLAND))
    server.set("/buggy.xml", rss(POLAND))
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text(
        "sources:\n"
        f"  - id: good\n    url: {server.url('/good.xml')}\n"
        f"  - id: buggy\n    url: {server.url('/buggy.xml')}\n"
        "topics:\n  - id: t\n    keywords: [x]\nroutes:\n  - to: [console]\n"
    )
    monkeypatch.setenv("PRESSMON_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setenv("PRESSMON_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("PRESSMON_PARSE_WORKERS", "0")  # in process, so the stage can be patched
    real_identify = cpujobs._identify

    def identify(entries: Any, claim: Any, keys: Any) -> Any:
        if claim.source_id == "buggy":
            raise KeyError("oops")
        return real_identify(entries, claim, keys)

    monkeypatch.setattr(cpujobs, "_identify", identify)
    result = CliRunner().invoke(cli, ["poll", "--once", "-c", str(cfg)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "good: ok, 1 new" in result.output
    assert "buggy: error - internal: buggy: KeyError: 'oops'" in result.output
    assert "2 sources polled, 1 failed" in result.output

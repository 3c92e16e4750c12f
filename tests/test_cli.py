"""The CLI in-process (typer's runner) and the demo end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from monitor.cli import app
from monitor.demo.run import run_demo
from tests.support.env import use_cli_env
from tests.support.httpserver import FeedServer
from tests.test_poll import JAPAN, POLAND, rss

runner = CliRunner()

CONFIG = """
sources:
  - id: good
    url: {good}
  - id: bad
    url: {bad}
    timeout: 1s
    deadline: 2s
topics:
  - id: fms-japan
    title: FMS to Japan
    keywords: ["Foreign Military Sale"]
    requires: [[Japan]]
routes:
  - to: [console]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_cli_env(monkeypatch, tmp_path)


def test_poll_once_exit_code_says_whether_a_source_failed(env: Path) -> None:
    with FeedServer() as server:
        server.set("/good.xml", rss(POLAND))
        server.status("/bad.xml", 500)
        (env / "feeds.yaml").write_text(
            CONFIG.format(good=server.url("/good.xml"), bad=server.url("/bad.xml"))
        )
        failed = runner.invoke(app, ["poll", "--once"])
        assert failed.exit_code == 1, failed.output
        assert "bad: error - fetch: bad: HTTP 500" in failed.output
        assert "good: ok, 1 new" in failed.output and "baseline" in failed.output

        ok = runner.invoke(app, ["poll", "--once", "--source", "good"])
        assert ok.exit_code == 0, ok.output

        server.set("/good.xml", rss(POLAND, JAPAN))
        alerted = runner.invoke(app, ["poll", "--once", "-s", "good"])
        assert alerted.exit_code == 0
        assert "Japan – SM-6" in alerted.output and "1 alert delivered" in alerted.output

        table = runner.invoke(app, ["sources"])
        assert table.exit_code == 0
        assert "good" in table.output and "bad" in table.output and "HTTP 500" in table.output

    unknown = runner.invoke(app, ["poll", "--once", "-s", "nope"])
    assert unknown.exit_code == 2 and "unknown source nope" in unknown.output


def test_config_check_summary_and_errors(env: Path) -> None:
    (env / "feeds.yaml").write_text(CONFIG.format(good="https://a.example/x", bad="https://b.example/y"))
    ok = runner.invoke(app, ["config", "check"])
    assert ok.exit_code == 0 and "good" in ok.output and "fms-japan" in ok.output
    (env / "broken.yaml").write_text(CONFIG.format(good="ftp://a.example/x", bad="https://b.example/y"))
    bad = runner.invoke(app, ["config", "check", "broken.yaml"])
    assert bad.exit_code == 1
    assert 'broken.yaml:4 sources[0].url: "ftp://a.example/x" is not an http(s) URL' in bad.output
    as_option = runner.invoke(app, ["config", "check", "-c", "broken.yaml"])  # like every other command
    assert as_option.exit_code == 1 and "broken.yaml:4 sources[0].url" in as_option.output
    both = runner.invoke(app, ["config", "check", "feeds.yaml", "-c", "broken.yaml"])
    assert both.exit_code == 2 and "two files given" in both.output


def test_db_upgrade_and_health(env: Path) -> None:
    before = runner.invoke(app, ["health"])
    assert before.exit_code == 4 and "no database here yet" in before.output
    assert not (env / "p.db").exists()  # health creates nothing
    up = runner.invoke(app, ["db", "upgrade"])
    assert up.exit_code == 0 and "revision" in up.output
    assert runner.invoke(app, ["health"]).exit_code == 0


async def test_demo_prints_new_and_revised_alerts_and_no_traps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    console = Console(file=None, force_terminal=False, soft_wrap=True)
    await run_demo(keep_dir=tmp_path, out=console)
    out = capsys.readouterr().out
    assert out.count("━━ NEW ━━") >= 6
    assert out.count("━━ REVISED ━━") == 1
    # The White House joint statement follows the wire copy of it: it joins (and leads) that story.
    assert out.count("━━ ALSO REPORTED ━━") + out.count("━━ OFFICIAL STATEMENT PUBLISHED ━━") == 1
    assert "[-$550 billion-]{+$1 trillion+}" in out
    for statement in (
        "SM-6",
        "Joint Statement on U.S.-Japan Investment",
        "double defense spending",
        "LNG",
        "Section 232",
        "対米投資",
    ):
        assert statement in out, statement
    for trap in ("Guam", "Japan Airlines", "Poland", "Australia", "Netherlands"):
        assert f"  {trap}" not in out and trap not in out.split("── alerts")[-1].split("── summary")[0], trap
    assert "a third poll finds nothing new: 0 changes, 0 alerts" in out
    assert (
        "database kept: PRESSMON_DATABASE_URL=sqlite:///" in out and "next: `pressmon demo --keep" not in out
    )
    # Values for people: amounts, counts, times to the minute; a revision names what changed.
    assert "value $1 billion" in out and "1 alert\n" in out and "1 alerts" not in out
    assert "first seen 2026-11-25 06:00 UTC" in out and "+00:00" not in out
    assert "what changed: amounts changed: $550 billion -> $1 trillion; dates added:" in out
    joined = next(line for line in out.splitlines() if "━━ ALSO REPORTED" in line or "━━ OFFICIAL" in line)
    assert joined.count("story ") == 1 and joined.endswith(("nikkei", "whitehouse")), joined  # named once
    # The scraped page header (three copies before the body) is skipped: the snippet starts at the body.
    assert "InvestmentThe" not in out and "Investment The White House November 24, 2026" not in out
    assert "“…The United States of America and Japan today reaffirm" in out
    # The same run twice prints the same text (stable order, numbering and times).
    await run_demo(keep_dir=tmp_path, out=console)
    assert capsys.readouterr().out == out
    # Without --keep, the database goes with the run: the summary says how to keep it.
    await run_demo(keep_dir=None, out=console)
    once = capsys.readouterr().out
    assert "database kept" not in once and "next: `pressmon demo --keep DIR` keeps this database" in once


def test_silence_add_list_expire(env: Path) -> None:
    (env / "feeds.yaml").write_text(
        CONFIG.format(good="https://a.example/x", bad="https://b.example/y").replace(
            "fms-japan", "tariffs-japan"
        )
    )
    assert runner.invoke(app, ["silence", "add", "--reason", "x"]).exit_code == 2
    added = runner.invoke(
        app,
        [
            "silence",
            "add",
            "--topic",
            "tariffs-japan",
            "--source",
            "good",
            "--for",
            "2h",
            "--reason",
            "noisy wire copy",
        ],
    )
    assert added.exit_code == 0 and "silence #1 until" in added.output
    assert re.search(r"silence #1 until \d{4}-\d\d-\d\d \d\d:\d\d UTC: ", added.output), added.output
    assert "topic=tariffs-japan source=good" in added.output
    listed = runner.invoke(app, ["silence", "list"])
    assert "tariffs-japan" in listed.output and "noisy wire copy" in listed.output
    matchers = runner.invoke(
        app, ["silence", "add", "source=~go.*|bad", "kind!=revised", "--for", "1h", "--reason", "weekend"]
    )
    assert matchers.exit_code == 0, matchers.output
    assert "source=~go.*|bad kind!=revised" in matchers.output
    as_json = runner.invoke(app, ["silence", "list", "--json"])
    import json

    rows = json.loads(as_json.output)
    assert [r["id"] for r in rows] == [2, 1] or [r["id"] for r in rows] == [1, 2]
    assert {"name": "kind", "op": "!=", "value": "revised"} in next(r for r in rows if r["id"] == 2)[
        "matchers"
    ]
    assert runner.invoke(app, ["silence", "expire", "2"]).exit_code == 0
    assert runner.invoke(app, ["silence", "expire", "1"]).exit_code == 0
    assert "tariffs-japan" not in runner.invoke(app, ["silence", "list"]).output
    assert "(expired)" in runner.invoke(app, ["silence", "list", "--all"]).output
    assert runner.invoke(app, ["silence", "expire", "1"]).exit_code == 2


def test_topics_test_shows_matches_highlights_facts_and_near_misses(env: Path) -> None:
    (env / "feeds.yaml").write_text(CONFIG.format(good="https://a.example/x", bad="https://b.example/y"))
    hit = runner.invoke(
        app,
        [
            "topics",
            "test",
            "-t",
            "fms-japan",
            "--title",
            "Japan – SM-6",
            "--text",
            "approving a possible Foreign Military Sale to the Government of Japan for $1.0 billion",
        ],
    )
    assert hit.exit_code == 0, hit.output
    assert "MATCH fms-japan" in hit.output and "[[Foreign Military Sale]]" in hit.output
    miss = runner.invoke(
        app, ["topics", "test", "-t", "fms-japan", "--text", "a Foreign Military Sale to Poland"]
    )
    assert "near miss fms-japan" in miss.output and "Japan" in miss.output
    query = runner.invoke(
        app,
        [
            "topics",
            "test",
            "-q",
            '"Foreign Military Sale" NEAR/8 Japan',
            "--where",
            'fms.purchaser == "Japan"',
            "--text",
            "The State Department approved a possible Foreign Military Sale to the Government of Japan.",
        ],
    )
    assert "MATCH query" in query.output and "FMS: purchaser Japan" in query.output
    broken = runner.invoke(app, ["topics", "test", "-q", "tariff AND (Japan", "--text", "x"])
    assert broken.exit_code == 2 and "column 12: unbalanced parenthesis" in broken.output
    feed = env / "feed.xml"
    feed.write_bytes(rss(POLAND, JAPAN))
    from_file = runner.invoke(app, ["topics", "test", "-t", "fms-japan", "--file", str(feed)])
    assert "1 of 2 samples matched" in from_file.output


def test_templates_directory_overrides_bundled_ones(env: Path) -> None:
    (env / "mine").mkdir()
    (env / "mine" / "console.txt.j2").write_text("MY ALERT: {{ title }}\n")
    (env / "feeds.yaml").write_text(
        CONFIG.format(good="https://a.example/x", bad="https://b.example/y") + "templates: mine\n"
    )
    from monitor.app import App
    from monitor.config.loader import load_config
    from monitor.settings import Settings

    config = load_config(env / "feeds.yaml")
    assert config.templates == env / "mine"
    import io

    out = io.StringIO()
    app_ = App.build(Settings(), config, stream=out)
    import asyncio

    asyncio.run(app_.notifiers["console"].send({"alert_key": "k", "title": "Hello"}))
    asyncio.run(app_.aclose())
    assert out.getvalue() == "MY ALERT: Hello\n\n"
    (env / "bad.yaml").write_text(
        CONFIG.format(good="https://a.example/x", bad="https://b.example/y") + "templates: nope\n"
    )
    broken = runner.invoke(app, ["config", "check", "bad.yaml"])
    assert broken.exit_code == 1 and "templates:" in broken.output and "is not a directory" in broken.output

"""Every command against every class of bad input: one line on the terminal, the documented exit code,
never a traceback. Runs in-process through the same boundary as the installed ``pressmon``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.cli.errors import ExitCode
from tests.support.env import use_cli_env

runner = CliRunner()

CONFIG = """
sources:
  - id: dsca
    url: https://www.dsca.mil/rss.xml
topics:
  - id: fms-japan
    title: FMS to Japan
    query: '"Foreign Military Sale" AND Japan'
routes:
  - to: [console]
digests:
  daily:
    to: [analysts@example.org]
"""

BAD_URLS = {
    "not a URL": "notaurl",
    "unsupported database": "mysql://x@y/z",
    "unreachable PostgreSQL": "postgresql+psycopg://postgres@127.0.0.1:5999/test",
}

# Commands that need the database: each must turn any database problem into one line, exit 4.
DB_COMMANDS = {
    "db upgrade": ["db", "upgrade"],
    "health": ["health"],
    "sources": ["sources"],
    "silence list": ["silence", "list"],
    "silence add": ["silence", "add", "--topic", "fms-japan", "--reason", "x"],
    "silence expire": ["silence", "expire", "1"],
    "template render --alert": ["template", "render", "console.txt.j2", "--alert", "1"],
    "topics test --since": ["topics", "test", "--since", "30d"],
    "poll --once": ["poll", "--once"],
    "digest preview": ["digest", "preview", "daily"],
    "digest send": ["digest", "send", "daily", "--now"],
    "run": ["run"],
    "replay": ["replay", "--since", "1d"],
    "backtest": ["backtest", "-c", "feeds.yaml", "--since", "1d"],
    "search": ["search", "Japan"],
    "show": ["show", "1"],
    "items": ["items"],
    "topics list": ["topics", "list"],
    "stories": ["stories"],
    "export": ["export"],
    "outbox": ["outbox"],
    "outbox retry": ["outbox", "retry", "1"],
    "outbox drop": ["outbox", "drop", "1", "--reason", "x"],
    "sources pause": ["sources", "pause", "dsca"],
    "sources resume": ["sources", "resume", "dsca"],
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_cli_env(monkeypatch, tmp_path, allow_private_networks=False)
    (tmp_path / "feeds.yaml").write_text(CONFIG)
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return tmp_path


def one_line(args: list[str], code: int) -> str:
    result = runner.invoke(app, args)
    out = result.output
    assert "Traceback" not in out, out
    assert result.exit_code == code, f"exit {result.exit_code}, expected {code}: {out}"
    lines = [line for line in out.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("pressmon: ")]
    assert len(errors) == 1, out
    assert all(not line.startswith(" ") for line in lines), out
    return errors[0]


@pytest.mark.parametrize("url", BAD_URLS.values(), ids=BAD_URLS.keys())
@pytest.mark.parametrize("args", DB_COMMANDS.values(), ids=DB_COMMANDS.keys())
def test_database_problems(env: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], url: str) -> None:
    monkeypatch.setenv("PRESSMON_DATABASE_URL", url)
    line = one_line(args, ExitCode.DATABASE)
    assert "database" in line and "PRESSMON_DATABASE_URL" in line, line


BAD_DURATIONS = {
    "silence add --for": ["silence", "add", "--topic", "fms-japan", "--reason", "x", "--for", "bogus"],
    "digest preview --since": ["digest", "preview", "daily", "--since", "bogus"],
    "digest send --since": ["digest", "send", "daily", "--now", "--since", "bogus"],
    "topics test --since": ["topics", "test", "--since", "bogus"],
    "topics test --since date": ["topics", "test", "--since", "2026-13-45"],
    "replay --since": ["replay", "--since", "bogus"],
    "backtest --since": ["backtest", "-c", "feeds.yaml", "--since", "bogus"],
    "search --since": ["search", "Japan", "--since", "bogus"],
    "items --since": ["items", "--since", "bogus"],
    "topics list --since": ["topics", "list", "--since", "bogus"],
    "stories --since": ["stories", "--since", "bogus"],
    "export --until": ["export", "--until", "2026-13-45"],
}


@pytest.mark.parametrize("args", BAD_DURATIONS.values(), ids=BAD_DURATIONS.keys())
def test_bad_durations_and_dates(env: Path, args: list[str]) -> None:
    line = one_line(args, ExitCode.USAGE)
    assert '"bogus"' in line or '"2026-13-45"' in line, line


FILE_COMMANDS = {
    "topics test --file": (["topics", "test", "--file"], ExitCode.USAGE),
    "topics test --file (feed)": (["topics", "test", "--file"], ExitCode.USAGE),
    "config check": (["config", "check"], ExitCode.CONFIG),
    "poll -c": (["poll", "--once", "-c"], ExitCode.CONFIG),
    "sources -c": (["sources", "-c"], ExitCode.CONFIG),
    "template render -c": (["template", "render", "console.txt.j2", "--sample", "-c"], ExitCode.CONFIG),
    "digest preview -c": (["digest", "preview", "daily", "-c"], ExitCode.CONFIG),
    "run -c": (["run", "-c"], ExitCode.CONFIG),
    "sources test -c": (["sources", "test", "dsca", "-c"], ExitCode.CONFIG),
    "notify test -c": (["notify", "test", "console", "-c"], ExitCode.CONFIG),
    "silence add -c": (["silence", "add", "topic=fms-japan", "--reason", "x", "-c"], ExitCode.CONFIG),
    "template list -c": (["template", "list", "-c"], ExitCode.CONFIG),
    "topics list -c": (["topics", "list", "-c"], ExitCode.CONFIG),
}
BAD_FILES = {"missing": "nope.txt", "directory": "a-dir", "binary": "binary.txt"}


@pytest.mark.parametrize("name", BAD_FILES.values(), ids=BAD_FILES.keys())
@pytest.mark.parametrize("case", FILE_COMMANDS.values(), ids=FILE_COMMANDS.keys())
def test_bad_files(env: Path, case: tuple[list[str], int], name: str) -> None:
    args, code = case
    if args[-1] == "--file" and "(feed)" in str(case):
        name = name.replace(".txt", ".xml")
    line = one_line([*args, name], code)
    assert name in line, line


UNKNOWN_IDS = {
    "silence expire": ["silence", "expire", "999"],
    "poll --source": ["poll", "--once", "--source", "nope"],
    "topics test --topic": ["topics", "test", "-t", "nope", "--text", "x"],
    "digest preview": ["digest", "preview", "nope"],
    "digest send": ["digest", "send", "nope", "--now"],
    "sources pause": ["sources", "pause", "nope"],
    "sources resume": ["sources", "resume", "nope"],
    "sources test": ["sources", "test", "nope"],
    "notify test": ["notify", "test", "nope"],
    "silence add topic": ["silence", "add", "topic=nope", "--reason", "x"],
    "silence add source": ["silence", "add", "source!=nope", "--reason", "x"],
    "template render --kind": ["template", "render", "console.txt.j2", "--sample", "--kind", "nope"],
    "search --lang": ["search", "Japan", "--lang", "nope"],
    "search --lang (not a tag)": ["search", "Japan", "--lang", "nope!"],
}


@pytest.mark.parametrize("args", UNKNOWN_IDS.values(), ids=UNKNOWN_IDS.keys())
def test_unknown_ids(env: Path, args: list[str]) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    line = one_line(args, ExitCode.USAGE)
    assert "999" in line or "nope" in line, line


@pytest.mark.parametrize(
    "labels", ["- 1\n- 2\n", "concepts: [x]\n", "1: {a: b}\n", "1: [\n"], ids=["list", "id", "topics", "yaml"]
)
def test_a_malformed_labels_file_is_a_usage_error(env: Path, labels: str) -> None:
    (env / "labels.yaml").write_text(labels)
    runner.invoke(app, ["db", "upgrade"])
    line = one_line(
        ["backtest", "-c", "feeds.yaml", "--since", "1d", "--labels", "labels.yaml"], ExitCode.USAGE
    )
    assert line.startswith("pressmon: backtest: --labels labels.yaml: ") and "`12: [fms-japan]`" in line, line


def test_backtest_names_a_missing_against_file(env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    line = one_line(["backtest", "-c", "feeds.yaml", "--against", "nope.yaml"], ExitCode.CONFIG)
    assert line.startswith("pressmon: backtest: --against: nope.yaml: file not found; pass --against"), line


def test_unknown_alert_id(env: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    line = one_line(["template", "render", "console.txt.j2", "--alert", "999"], ExitCode.USAGE)
    assert "999" in line


def test_bad_templates(env: Path) -> None:
    (env / "mine").mkdir()
    (env / "mine" / "broken.txt.j2").write_text("line one\n{% if title %}\n{{ title }\n")
    (env / "mine" / "undefined.txt.j2").write_text("{{ title }}\n{{ no_such_variable }}\n")
    (env / "feeds.yaml").write_text(CONFIG + "templates: mine\n")
    missing = one_line(["template", "render", "nope.txt.j2", "--sample"], ExitCode.TEMPLATE)
    assert "nope.txt.j2" in missing and "not found" in missing
    syntax = one_line(["template", "render", "broken.txt.j2", "--sample"], ExitCode.TEMPLATE)
    assert "broken.txt.j2:3" in syntax, syntax
    undefined = one_line(["template", "render", "undefined.txt.j2", "--sample"], ExitCode.TEMPLATE)
    assert "undefined.txt.j2:2" in undefined and "no_such_variable" in undefined, undefined


USAGE = {
    "unknown command": ["nosuch"],
    "unknown option": ["sources", "--bogus"],
    "missing argument": ["silence", "expire"],
    "not a number": ["silence", "expire", "x"],
    "poll without --once": ["poll"],
    "template render without --sample/--alert": ["template", "render", "console.txt.j2"],
    "silence add without a matcher": ["silence", "add", "--reason", "x"],
    "digest send without --now": ["digest", "send", "daily"],
    "topics test with nothing to test": ["topics", "test", "-t", "fms-japan"],
    "topics test bad query": ["topics", "test", "-q", "tariff AND (Japan", "--text", "x"],
    "silence add bad matcher": ["silence", "add", "colour=red", "--reason", "x"],
    "silence add bad regex": ["silence", "add", "source=~(x", "--reason", "x"],
    "silence add without a reason": ["silence", "add", "topic=fms-japan"],
    "sources test not a URL": ["sources", "test", "ftp://x.example/feed"],
    "init over an existing file": ["init", "."],
}


@pytest.mark.parametrize("args", USAGE.values(), ids=USAGE.keys())
def test_usage_errors(env: Path, args: list[str]) -> None:
    one_line(args, ExitCode.USAGE)


def test_missing_config_names_the_path_and_suggests_init(env: Path) -> None:
    (env / "feeds.yaml").unlink()
    line = one_line(["poll", "--once"], ExitCode.CONFIG)
    assert "feeds.yaml: file not found" in line and "pressmon init" in line


def test_verbose_keeps_the_traceback(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESSMON_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5999/test")
    result = runner.invoke(app, ["-v", "health"])
    assert result.exit_code == ExitCode.DATABASE
    assert "Traceback" in result.output and result.output.rstrip().splitlines()[-1].startswith("pressmon: ")


def test_help_documents_exit_codes_and_version(env: Path) -> None:
    helped = runner.invoke(app, ["--help"])
    assert helped.exit_code == 0
    text = " ".join(helped.output.split())
    assert "70 internal error" in text and "4 database" in text and "--verbose" in text
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("pressmon ")


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """(command words, help text) of every command under ``group`` (groups have ``commands``)."""
    out: list[tuple[tuple[str, ...], str]] = []
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            out += _commands(cmd, (*path, name))
        else:
            out.append(((*path, name), cmd.help or ""))
    return out


def test_help_keeps_every_bracketed_word(env: Path) -> None:
    """Help is rendered with rich markup, where ``[replay]`` or ``12: [fms-japan]`` is a style tag and
    vanishes unless escaped (``\\[replay]``): every bracketed word a command's text has, its --help shows."""
    import re

    import typer

    root = typer.main.get_command(app)
    checked = 0
    for path, text in _commands(root):
        words = re.findall(r"\[[^\]\s]+\]", text.replace("\\[", "["))
        if not words:
            continue
        shown = " ".join(runner.invoke(app, [*path, "--help"], terminal_width=200).output.split())
        for w in words:
            assert w in shown, f"pressmon {' '.join(path)} --help lost {w}"
        checked += 1
    assert checked >= 2


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("One line.", "One line."),
        (
            "First line\n    goes on.\n\n    Second\n    paragraph.",
            "First line goes on.\n\nSecond paragraph.",
        ),
        (
            "Do it.\n\n    Examples:\n    pressmon x --a\n    pressmon x --b | jq .",
            "Do it.\n\nExamples:\n  pressmon x --a\n  pressmon x --b | jq .",
        ),
        ("Keep.\n\n\b\n  as\n  written", "Keep.\n\n\b\n  as\n  written"),
    ],
)
def test_help_paragraphs_flow_and_examples_stand_one_per_line(doc: str, expected: str) -> None:
    from monitor.cli.helptext import reflow

    assert reflow(doc) == expected


def test_every_commands_help_ends_in_examples_one_per_line_on_an_80_column_terminal(env: Path) -> None:
    """Typer keeps a docstring's line breaks, so help wrapped for 110 columns came out ragged at 80 and
    examples ran together: every command's help ends in an Examples: paragraph, one command per line, and
    on an 80-column terminal each example that fits is shown whole on its own line, and the command list
    shows each command's summary as flowing text (no line of it ends where the docstring's did)."""
    import typer

    root = typer.main.get_command(app)
    listed = runner.invoke(app, ["--help"], terminal_width=80).output
    for path, text in _commands(root):
        paragraphs = text.strip().split("\n\n")
        last = [line.strip() for line in paragraphs[-1].splitlines()]
        assert last[0] == "Examples:" and len(last) >= 2, f"pressmon {' '.join(path)}: no Examples: paragraph"
        assert all(line.startswith(("pressmon ", "PRESSMON_")) for line in last[1:]), path
        assert "Example" not in paragraphs[0], f"pressmon {' '.join(path)}: an example in the summary"
        shown = [
            line.strip(" │")
            for line in runner.invoke(app, [*path, "--help"], terminal_width=80).output.splitlines()
        ]
        help_text = " ".join(line.strip(" │") for line in shown)
        assert "Exit codes: 0 ok" in help_text and "130 interrupted" in help_text, path
        for example in last[1:]:
            if len(example) <= 74:
                assert example in shown, (
                    f"pressmon {' '.join(path)} --help: {example!r} not on a line of its own"
                )
    rows = [line for line in listed.splitlines() if line.startswith("│ ") and len(line.rstrip(" │")) < 40]
    # A summary line that stops short of the panel's width without ending a sentence was cut by a
    # docstring line break (a row of only a command name has no summary text at all).
    ragged = [r for r in rows if len(r.split()) > 2 and not r.rstrip(" │").endswith((".", ")", ":"))]
    assert ragged == []

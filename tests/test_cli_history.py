"""The analyst's commands end to end on the demo's kept database: replay prints the demo's alerts,
backtest shows gains and losses with reasons, search finds English and Japanese statements with
highlights, show prints a revision diff; listings and export; --json shapes; one-line errors."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from monitor.cli import app
from monitor.demo.run import DEMO_START, run_demo

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`pressmon demo --keep DIR`, once for the module: (DIR, what the demo printed)."""
    import asyncio
    import contextlib
    import io

    d = tmp_path_factory.mktemp("demo")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):  # the console receiver writes to stdout
        asyncio.run(
            run_demo(keep_dir=d, out=Console(file=buf, force_terminal=False, soft_wrap=True, width=200))
        )
    return d, buf.getvalue()


@pytest.fixture
def env(demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    d, _ = demo
    monkeypatch.setenv("PRESSMON_DATABASE_URL", f"sqlite:///{d / 'demo.db'}")
    monkeypatch.setenv("PRESSMON_CONFIG_FILE", str(d / "feeds.yaml"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return d


# The demo runs on its own clock (from DEMO_START, so it prints the same every run): its history is there.
SINCE = (DEMO_START - timedelta(hours=1)).isoformat()
HEADER = re.compile(r"^━━ (NEW|REVISED|ALSO REPORTED|OFFICIAL STATEMENT PUBLISHED|WITHDRAWN) ━━")


def alerts_in(text: str) -> Counter[tuple[str, str, tuple[str, ...]]]:
    """(kind, title, topic ids) of every console alert in ``text``."""
    found: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    lines = text.splitlines()
    for n, line in enumerate(lines):
        m = HEADER.match(line)
        if not m:
            continue
        title = lines[n + 1].strip().removeprefix("[replay] ")
        topics = []
        for after in lines[n + 2 :]:
            if HEADER.match(after) or not after.strip():
                break
            t = re.match(r"\s+topic: .*\[([\w-]+)\]", after)
            if t:
                topics.append(t.group(1))
        found[(m.group(1), title, tuple(topics))] += 1
    return found


def test_replay_prints_exactly_the_alerts_the_demo_printed(env: Path, demo: tuple[Path, str]) -> None:
    _, printed = demo
    original = alerts_in(printed.split("── alerts")[-1].split("── summary")[0])
    r = runner.invoke(app, ["replay", "--since", SINCE])
    assert r.exit_code == 0, r.output
    replayed = alerts_in(r.stdout)
    assert sum(original.values()) >= 8
    assert replayed == original
    assert r.stdout.count("[replay] ") == sum(original.values())
    as_json = json.loads(runner.invoke(app, ["replay", "--since", SINCE, "--to", "json"]).stdout)
    assert len(as_json) == sum(original.values())
    assert all(a["alert_key"].startswith("replay:") and a["replay"]["original_key"] for a in as_json)
    fms = json.loads(
        runner.invoke(app, ["replay", "--since", SINCE, "--to", "json", "-t", "fms-japan"]).stdout
    )
    assert [a["source_id"] for a in fms] == ["dsca"]


def test_a_since_past_the_newest_revision_says_how_old_it_is_and_what_to_pass(env: Path) -> None:
    """The demo runs on a fixed clock (2026-11-25): `--since 1d` on its database finds nothing, and says
    what would."""
    for command in (
        ["replay", "--since", "1d"],
        ["backtest", "-c", str(env / "feeds.yaml"), "--since", "1d"],
    ):
        r = runner.invoke(app, command)
        assert r.exit_code == 0, r.output
        assert "the newest revision is from 2026-11-25" in r.stderr and "try --since 2026-11-25" in r.stderr
    assert "try --since" not in runner.invoke(app, ["replay", "--since", SINCE]).stderr


def test_replay_send_needs_confirmation_and_never_touches_the_originals(env: Path) -> None:
    r = runner.invoke(app, ["replay", "--since", SINCE, "-t", "fms-japan", "--send"], input="n\n")
    assert r.exit_code != 0
    before = json.loads(
        runner.invoke(app, ["export", "--what", "alerts", "--format", "jsonl"]).stdout.splitlines()[0]
    )
    sent = runner.invoke(app, ["replay", "--since", SINCE, "-t", "fms-japan", "--send", "--yes"])
    assert sent.exit_code == 0, sent.output
    assert "1 alerts queued; delivered 1" in sent.stderr
    rows = [json.loads(x) for x in runner.invoke(app, ["export", "--what", "alerts"]).stdout.splitlines()]
    replayed = [x for x in rows if x["alert_key"].startswith("replay:")]
    assert (
        len(replayed) == 1 and replayed[0]["state"] == "sent" and replayed[0]["title"].startswith("[replay] ")
    )
    assert rows[0] == before  # the original is as it was


def test_backtest_shows_gained_and_lost_with_reasons(env: Path, tmp_path: Path) -> None:
    cfg = yaml.safe_load((env / "feeds.yaml").read_text())
    for t in cfg["topics"]:
        if t["id"] == "us-lng-japan":
            t["query"] = "LNG AND Alaska"
    cfg["topics"].append({"id": "fms-any", "title": "Any FMS", "query": '"Foreign Military Sale*"'})
    new = tmp_path / "new.yaml"
    new.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    r = runner.invoke(app, ["backtest", "-c", str(new), "--since", SINCE])
    assert r.exit_code == 0, r.output
    assert "- lost us-lng-japan" in r.stdout and "missing: Alaska" in r.stdout
    assert "+ gained fms-any" in r.stdout and "topic fms-any is not in" in r.stdout
    labels = tmp_path / "labels.yaml"
    labels.write_text("1: []\n")
    j = json.loads(
        runner.invoke(
            app, ["backtest", "-c", str(new), "--since", SINCE, "--json", "--labels", str(labels)]
        ).stdout
    )
    assert set(j) == {"revisions", "topics", "differences", "scores"}
    assert {d["change"] for d in j["differences"]} == {"gained", "lost"}


def test_search_english_and_japanese_with_highlights(env: Path) -> None:
    r = runner.invoke(app, ["search", '"Foreign Military Sale" Japan', "--since", "30d"])
    assert r.exit_code == 0, r.output
    assert "SM-6" in r.stdout and "[[Foreign Military Sale]]" in r.stdout and "[[Japan]]" in r.stdout
    ja = runner.invoke(app, ["search", "関税"])
    assert ja.exit_code == 0 and "[[関税]]" in ja.stdout and "kantei" in ja.stdout
    hits = json.loads(runner.invoke(app, ["search", "関税", "--json"]).stdout)
    # A listing item (the MOFA page gives titles only) is highlighted in its title.
    assert hits and all(h["lang"] == "ja" and (h["highlights"] or h["title_highlights"]) for h in hits)
    assert runner.invoke(app, ["search", "zzzznothing"]).exit_code == 1
    bad = runner.invoke(app, ["search", "Japan AND"])
    assert bad.exit_code == 2 and bad.stderr.startswith("pressmon: search: query:")
    concept = runner.invoke(app, ["search", "@japan SENT/1 @tariff", "--since", SINCE])
    assert concept.exit_code == 0, concept.output
    unknown = runner.invoke(app, ["search", "@japn"])
    assert unknown.exit_code == 2 and "unknown concept @japn (did you mean @japan?)" in unknown.stderr


def test_show_prints_a_revision_diff_mentions_and_deliveries(env: Path) -> None:
    items = json.loads(runner.invoke(app, ["items", "--since", SINCE, "--json", "--limit", "100"]).stdout)
    sheet = next(i for i in items if "Historic Trade Deal" in i["title"])
    r = runner.invoke(app, ["show", str(sheet["id"])])
    assert r.exit_code == 0, r.output
    assert "revision 2" in r.stdout and "[-$550 billion-]{+$1 trillion+}" in r.stdout
    assert "mention japan-us-investment" in r.stdout and "sent" in r.stdout
    # Times as the listings print them, in UTC, not Python's repr with microseconds and an offset.
    assert re.search(r"first seen \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", r.stdout), r.stdout
    assert re.search(r"revision 2  fetched \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", r.stdout)
    assert "+00:00" not in r.stdout
    shown = json.loads(runner.invoke(app, ["show", f"item:{sheet['id']}", "--json"]).stdout)
    assert [x["revision"] for x in shown["revisions"]] == [1, 2]
    alert_id = shown["deliveries"][0]["id"]
    a = runner.invoke(app, ["show", f"alert:{alert_id}"])
    assert a.exit_code == 0 and "console" in a.stdout and "sent" in a.stdout
    stories = json.loads(
        runner.invoke(app, ["stories", "--since", SINCE, "--min-members", "2", "--json"]).stdout
    )
    assert len(stories) == 1 and stories[0]["members"] == 2
    s = runner.invoke(app, ["show", f"story:{stories[0]['story_id']}"])
    assert s.exit_code == 0 and "also-reported" in s.stdout
    missing = runner.invoke(app, ["show", "999999"])
    assert missing.exit_code == 2 and missing.stderr.startswith("pressmon: show: no item 999999")


def test_show_says_why_an_item_is_in_its_story(env: Path) -> None:
    # The decision's reason is stored with the item: the answer to "why did this story alert twice?".
    items = json.loads(runner.invoke(app, ["items", "--since", SINCE, "--json", "--limit", "100"]).stdout)
    by_title = {i["title"]: i for i in items}
    joint = by_title["Joint Statement on U.S.-Japan Investment"]  # the White House's, after Nikkei's report
    shown = runner.invoke(app, ["show", str(joint["id"])])
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.stdout.splitlines() if x.startswith(f"story {joint['story_id']}: "))
    assert "official statement published" in line and "from nikkei" in line
    decided = [json.loads(runner.invoke(app, ["show", str(i["id"]), "--json"]).stdout)["item"] for i in items]
    reasons = [d["story_reason"] for d in decided]
    # Items of the demo's second poll were decided (joined, or started a story with their closest miss or
    # no candidate); the first poll's baseline was stored without a decision.
    assert any(r and r.startswith("closest is story") for r in reasons)
    assert any(r is None for r in reasons) and any(r is not None for r in reasons)
    started = next(d for d in decided if (d["story_reason"] or "").startswith("closest is story"))
    closest = int(started["story_reason"].split()[3])
    text = runner.invoke(app, ["show", str(started["id"])]).stdout
    assert f"  story {closest} is: " in text  # the closest miss, named by its lead's title
    baseline = next(d for d in decided if d["story_reason"] is None)
    text = runner.invoke(app, ["show", str(baseline["id"])]).stdout
    assert f"story {baseline['story_id']}: no story decision recorded" in text
    story = runner.invoke(app, ["show", f"story:{joint['story_id']}"])
    assert f"item {joint['id']} (whitehouse): official statement published" in story.stdout
    members = json.loads(runner.invoke(app, ["show", f"story:{joint['story_id']}", "--json"]).stdout)[
        "members"
    ]
    assert members[0]["source_id"] == "nikkei" and members[0]["story_reason"].startswith("closest is story")
    assert members[1]["story_reason"].startswith("official statement published")


def test_a_story_is_shown_by_its_official_statement_when_one_is_stored(env: Path) -> None:
    # Nikkei reported the joint statement first; the White House's own text arrived after and leads.
    stories = json.loads(
        runner.invoke(app, ["stories", "--since", SINCE, "--min-members", "2", "--json"]).stdout
    )
    joint = next(s for s in stories if s["sources"] == ["nikkei", "whitehouse"])
    assert joint["title"] == "Joint Statement on U.S.-Japan Investment" and joint["official"] is True
    shown = json.loads(runner.invoke(app, ["show", f"story:{joint['story_id']}", "--json"]).stdout)
    assert shown["lead_item_id"] == joint["lead_item_id"] == shown["members"][1]["item_id"]
    assert [m["official"] for m in shown["members"]] == [False, True]
    table = runner.invoke(app, ["stories", "--since", SINCE, "--min-members", "2"]).stdout
    assert "official: Joint Statement on U.S.-Japan Investment" in table
    text = runner.invoke(app, ["show", f"story:{joint['story_id']}"]).stdout
    assert "leads, official: Joint Statement" in text


def test_stories_filter_by_any_member_and_count_every_member(env: Path) -> None:
    def ids(*args: str) -> dict[int, int]:
        r = runner.invoke(app, ["stories", "--since", SINCE, "--json", *args])
        assert r.exit_code == 0, r.output
        return {s["story_id"]: s["members"] for s in json.loads(r.stdout)}

    every = ids()
    joint = next(s for s, n in every.items() if n == 2)
    # Only the White House's member of the joint-statement story matched LNG: the story is listed, with
    # both its members counted.
    lng = ids("--topic", "us-lng-japan")
    assert lng[joint] == 2 and set(lng) < set(every)
    assert ids("--source", "whitehouse", "--min-members", "2") == {joint: 2}
    assert ids("--source", "dsca", "--topic", "japan-us-investment") == {}
    fms = ids("--topic", "fms-japan")
    assert set(fms) & set(ids("--source", "dsca"))  # the SM-6 notice


def test_the_demo_shows_a_possible_miss_and_topics_misses_lists_it(env: Path, demo: tuple[Path, str]) -> None:
    # A US tariff that hits Japan's carmakers without naming Japan: recorded, never alerted.
    _, printed = demo
    assert "possible miss, recorded, not alerted: Automakers brace for U.S. tariff" in printed
    assert "Automakers brace" not in "".join(t for _, t, _ in alerts_in(printed))
    r = runner.invoke(app, ["topics", "misses", "--since", SINCE, "--json"])
    assert r.exit_code == 0, r.output
    misses = json.loads(r.stdout)
    assert [(m["topic"], m["title"][:17]) for m in misses] == [("tariffs-japan", "Automakers brace ")]
    assert "no @japan" in misses[0]["reason"]


STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _times(value: object) -> list[str]:
    """Every value under a key ending in _at, anywhere in a --json document."""
    if isinstance(value, dict):
        return [
            x
            for k, v in value.items()
            for x in ([v] if k.endswith("_at") and isinstance(v, str) else _times(v))
        ]
    if isinstance(value, list):
        return [x for v in value for x in _times(v)]
    return []


def test_every_json_listing_writes_times_one_way(env: Path) -> None:
    # README: times in ISO 8601 UTC, to the second, with a Z (2026-12-06T18:23:08Z), in every --json.
    items = json.loads(runner.invoke(app, ["items", "--since", SINCE, "--json"]).stdout)
    story = items[0]["story_id"]
    docs = [
        items,
        json.loads(runner.invoke(app, ["stories", "--since", SINCE, "--json"]).stdout),
        json.loads(runner.invoke(app, ["search", "Japan", "--since", SINCE, "--json"]).stdout),
        json.loads(runner.invoke(app, ["show", str(items[0]["id"]), "--json"]).stdout),
        json.loads(runner.invoke(app, ["show", f"story:{story}", "--json"]).stdout),
    ]
    stamps = [t for d in docs for t in _times(d)]
    assert len(stamps) > 20 and [t for t in stamps if not STAMP.match(t)] == []


# A filter that selects nothing because of a typo, or a period that ends before it starts, is a usage
# error (exit 2, one line naming the option and what is known), not an empty answer.
FILTER_MISTAKES = {
    "items, unknown source": (["items", "--source", "dsac"], "--source: no source dsac", "dsca"),
    "items, unknown topic": (["items", "--topic", "fms-japn"], "--topic: no topic fms-japn", "fms-japan"),
    "search, unknown source": (["search", "Japan", "-s", "nope"], "--source: no source nope", "kantei"),
    "search, unknown topic": (["search", "Japan", "-t", "nope"], "--topic: no topic nope", "tariffs-japan"),
    "replay, unknown source": (["replay", "--source", "nope"], "--source: no source nope", "whitehouse"),
    "misses, unknown topic": (["topics", "misses", "-t", "nope"], "--topic: no topic nope", "fms-japan"),
    "items, until before since": (["items", "--until", "2020-01-01"], "--until: 2020-01-01", "later than"),
    "search, until before since": (["search", "x", "--until", "2000-01-01"], "is not after --since", "later"),
    "export, until before since": (["export", "--until", "2000-01-01"], "is not after --since", "later"),
    "replay, until before since": (["replay", "--until", "2001-01-01"], "is not after --since", "later"),
    "backtest, until before since": (
        ["backtest", "-c", "feeds.yaml", "--until", "2001-01-01"],
        "is not after --since",
        "later",
    ),
}


@pytest.mark.parametrize("case", list(FILTER_MISTAKES))
def test_a_filter_that_cannot_select_anything_is_a_one_line_usage_error(env: Path, case: str) -> None:
    args, what, hint = FILTER_MISTAKES[case]
    args = [str(env / a) if a == "feeds.yaml" else a for a in args] + ["--since", SINCE]
    r = runner.invoke(app, args)
    assert r.exit_code == 2, (case, r.output)
    line = r.stderr.strip()
    assert "\n" not in line and "Traceback" not in r.output
    assert line.startswith(f"pressmon: {args[0] if args[0] != 'topics' else 'topics misses'}: ")
    assert what in line and hint in line, line
    # The right filter still answers.
    if case == "items, unknown source":
        ok = runner.invoke(app, ["items", "--since", SINCE, "--source", "dsca", "--topic", "fms-japan"])
        assert ok.exit_code == 0 and "SM-6" in ok.stdout


def test_listings_and_export(env: Path, tmp_path: Path) -> None:
    table = runner.invoke(app, ["items", "--since", SINCE, "--source", "dsca"])
    assert table.exit_code == 0 and table.stdout.splitlines()[0].split()[:3] == ["id", "first", "seen"]
    out = tmp_path / "m.csv"
    r = runner.invoke(
        app, ["export", "--what", "mentions", "--format", "csv", "-o", str(out), "--since", SINCE]
    )
    assert r.exit_code == 0, r.output
    assert out.read_text().splitlines()[0].startswith("id,item_id,revision,source_id,topic_id")
    bad = runner.invoke(app, ["export", "--format", "xml"])
    assert bad.exit_code == 2 and "csv or jsonl" in bad.stderr

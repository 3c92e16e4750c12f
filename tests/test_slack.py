"""Slack delivery: RELIABILITY cases 16, 20-25 against a fake Slack on loopback, driven through the real
slack-sdk clients (``base_url``), plus pure tests of ``slack_mrkdwn``, ``slack_format`` and the bundled
template.

Every delivery test asserts exact message counts: what the fake recorded is what an analyst would see.
Pacing tests share an injected clock between the notifier and the server, so 30 paced posts take no
real 30 s.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import DeliveryError
from monitor.match.facts import FACT_KINDS, extract_facts
from monitor.notify import Notifier
from monitor.notify.slack import EVENT_TYPE, SlackNotifier, SlackWebhookNotifier
from monitor.notify.slack_errors import SlackError
from monitor.notify.slack_format import SlackTemplateError, render_message, slack_environment
from monitor.notify.slack_mrkdwn import ELLIPSIS, Mrkdwn, clamp_blocks, clamp_text, escape_mrkdwn, link, md
from tests.support.fakeslack import FakeSlack, PostedMessage, fake_slack
from tests.support.httpserver import free_port

__all__ = ["fake_slack"]  # the fixture, re-exported for pytest

SPOOF = "<!channel> <!here> <@U123> <https://evil.example|www.whitehouse.gov>"
ITEM_URL = "https://www.whitehouse.gov/briefing-room/statements-releases/2025/07/fact-sheet-japan/"


class FakeClock:
    """A monotonic clock that moves only when slept on (shared with the fake server)."""

    def __init__(self, t: float = 10_000.0) -> None:
        self.t = t
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


def alert(n: int = 1, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "alert_key": f"new:whitehouse:{n:020d}",
        "kind": "new",
        "reason": "first-seen",
        "source_id": "whitehouse",
        "source_title": "The White House",
        "title": f"Fact Sheet: Japan-US investment agreement #{n}",
        "url": ITEM_URL,
        "published_at": "2025-07-23T03:12:00+00:00",
        "seen_at": "2025-07-23T03:15:00+00:00",
        "revision": 1,
        "topics": [
            {"id": "tariffs", "title": "Tariffs", "terms": ["tariff", "Section 232"], "snippet": "s"},
            {
                "id": "jp-us-investment",
                "title": "Japan-US investment",
                "terms": ["$550 billion"],
                "snippet": "s",
            },
        ],
        "terms": ["tariff", "Section 232", "$550 billion"],
        "snippet": "Japan will invest $550 billion; the tariff under Section 232 falls to 15%.",
        "previous_title": None,
        "change": None,
        "diff": None,
    }
    base.update(over)
    return base


def revised_alert(**over: Any) -> dict[str, Any]:
    return alert(
        kind="revised",
        reason="material-revision",
        alert_key="revised:whitehouse:00000000000000000001:r2",
        revision=2,
        title="Fact Sheet: Japan-US investment agreement (updated)",
        previous_title="Fact Sheet: Japan-US investment agreement",
        change="numbers changed: 15% -> 10%",
        diff="… the tariff falls to [-15%-]{+10%+} on autos …",
        **over,
    )


def health_alert(state: str = "failing") -> dict[str, Any]:
    return {
        "alert_key": f"source-health:dsca:2025-07-23T00:00:00+00:00:{state}",
        "kind": "source-health",
        "reason": f"source-{state}",
        "state": state,
        "source_id": "dsca",
        "source_title": "DSCA Major Arms Sales",
        "url": "https://www.dsca.mil/press-media/major-arms-sales",
        "failing_since": "2025-07-23T00:00:00+00:00",
        "seen_at": "2025-07-23T06:00:00+00:00",
        "error": "fetch: dsca: HTTP 503 <html>",
        "error_streak": 14,
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack(clock: FakeClock) -> Iterator[FakeSlack]:
    """The fake Slack on the shared fake clock (its 1 msg/s limit is measured on it)."""
    with FakeSlack(clock=clock) as server:
        yield server


def notifier(slack: FakeSlack, clock: FakeClock, **kw: Any) -> SlackNotifier:
    options: dict[str, Any] = {"token": slack.token, "channel": "C123", "base_url": slack.base_url}
    options.update(kw)
    return SlackNotifier("slack-alerts", clock=clock, sleep=clock.sleep, **options)


async def send_error(n: SlackNotifier | SlackWebhookNotifier, a: dict[str, Any]) -> SlackError:
    with pytest.raises(SlackError) as info:
        await n.send(a)
    return info.value


def all_text(m: PostedMessage) -> str:
    """Every string a Slack client would show for a message (fallback text and blocks)."""
    return json.dumps({"text": m.text, "blocks": m.blocks}, ensure_ascii=False)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


# --- slack_mrkdwn: escaping, links, limits ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        pytest.param("a & b < c > d", "a &amp; b &lt; c &gt; d", id="the three control characters"),
        pytest.param(
            SPOOF,
            "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|www.whitehouse.gov&gt;",
            id="mentions and links",
        ),
        pytest.param("&lt;", "&amp;lt;", id="an entity in feed text shows literally"),
        pytest.param(
            "a\u202eb\u2066c\u200bd\ufeffe\x00f\x1bg", "abcdefg", id="bidi, zero-width, controls stripped"
        ),
        pytest.param("line\nnext\ttab", "line\nnext\ttab", id="newline and tab kept"),
        pytest.param("*bold* _it_ {{ 7*7 }}", "*bold* _it_ {{ 7*7 }}", id="other characters untouched"),
        pytest.param(None, "", id="None"),
    ],
)
def test_escape_mrkdwn(raw: str | None, escaped: str) -> None:
    assert escape_mrkdwn(raw) == escaped


def test_escape_mrkdwn_keeps_trusted_mrkdwn() -> None:
    assert escape_mrkdwn(Mrkdwn("<https://a.example/|a>")) == "<https://a.example/|a>"


@pytest.mark.parametrize(
    ("url", "label", "expected"),
    [
        pytest.param(
            "https://www.whitehouse.gov/x",
            "Fact Sheet",
            "<https://www.whitehouse.gov/x|Fact Sheet (www.whitehouse.gov)>",
            id="label then the real host",
        ),
        pytest.param(
            "https://www.whitehouse.gov/x",
            None,
            "<https://www.whitehouse.gov/x|www.whitehouse.gov>",
            id="no label",
        ),
        pytest.param(
            "https://www.whitehouse.gov@evil.example/x",
            "www.whitehouse.gov",
            "<https://evil.example/x|www.whitehouse.gov (evil.example)>",
            id="userinfo cannot hide the real host",
        ),
        pytest.param(
            "https://wһitehouse.gov/x",
            "White House",
            "<https://xn--witehouse-q3i.gov/x|White House (xn--witehouse-q3i.gov)>",
            id="IDN homograph shown as punycode",
        ),
        pytest.param(
            "https://a.example/p|q>r<s t?x=1&y=2",
            "A",
            "<https://a.example/p%7Cq%3Er%3Cs%20t?x=1&amp;y=2|A (a.example)>",
            id="pipe, angle brackets and space percent-encoded, ampersand as entity",
        ),
        pytest.param(
            "https://a.example:8443/", "A", "<https://a.example:8443/|A (a.example:8443)>", id="port shown"
        ),
        pytest.param(
            "https://a.example/",
            "x|y <b>",
            "<https://a.example/|x¦y &lt;b&gt; (a.example)>",
            id="label escaped",
        ),
        pytest.param("javascript:alert(1)", "click <me>", "click &lt;me&gt;", id="javascript: is not linked"),
        pytest.param("data:text/html,x", None, "", id="data: is not linked"),
        pytest.param("/relative/path", "rel", "rel", id="relative is not linked"),
        pytest.param(None, "no url", "no url", id="None"),
    ],
)
def test_link(url: str | None, label: str | None, expected: str) -> None:
    assert link(url, label) == expected
    assert isinstance(link(url, label), Mrkdwn)


def test_md_escapes_arguments_but_not_mrkdwn() -> None:
    out = md("*{}* {} {k}", "<!here>", link("https://a.example/", "A"), k="&")
    assert out == "*&lt;!here&gt;* <https://a.example/|A (a.example)> &amp;"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("short", 10, "short", id="within the limit"),
        pytest.param("abcdefghij", 5, "abcd…", id="cut with an ellipsis"),
        pytest.param("abc &amp; def", 7, "abc…", id="never inside an entity"),
        pytest.param("see <https://a.example/|A (a.example)> now", 20, "see…", id="never inside a link"),
        pytest.param(
            "<https://a.example/|A> and more text", 26, "<https://a.example/|A> an…", id="a whole link kept"
        ),
    ],
)
def test_clamp_text(text: str, limit: int, expected: str) -> None:
    out = clamp_text(text, limit)
    assert out == expected
    assert len(out) <= limit


def test_clamp_blocks_limits() -> None:
    section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": str(i)} for i in range(12)]}
    fields = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001} for _ in range(11)]}
    blocks: list[dict[str, Any]] = [header, section, context, fields, *[{"type": "divider"}] * 56]  # 60
    out = clamp_blocks(blocks)
    assert len(out) == 50
    assert out[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{ELLIPSIS} 11 more"}]}
    assert len(out[0]["text"]["text"]) == 150 and out[0]["text"]["text"].endswith(ELLIPSIS)
    assert len(out[1]["text"]["text"]) == 3000
    assert len(out[2]["elements"]) == 10
    assert len(out[3]["fields"]) == 10 and all(len(f["text"]) == 2000 for f in out[3]["fields"])
    assert len(blocks[1]["text"]["text"]) == 3001  # the input is not modified


def test_clamp_blocks_keeps_50_blocks_as_they_are() -> None:
    blocks = [{"type": "divider"}] * 50
    assert clamp_blocks(blocks) == blocks


# --- the Slack template environment -------------------------------------------------------------


def render_source(tmp_path: Path, source: str, **context: Any) -> Any:
    (tmp_path / "t.json.j2").write_text(source, encoding="utf-8")
    return render_message(slack_environment([tmp_path]), "t.json.j2", context)


def test_json_filter_escapes_then_quotes_without_html_escapes(tmp_path: Path) -> None:
    env = slack_environment([tmp_path])
    (tmp_path / "v.j2").write_text("{{ v | json }}", encoding="utf-8")
    out = env.get_template("v.j2").render(v='<!channel> "q" \\ & \x01\u202e</script>')
    assert out == '"&lt;!channel&gt; \\"q\\" \\\\ &amp; &lt;/script&gt;"'  # no \\u003c, no \\u0001
    assert "\\u" not in out


def test_values_are_data_and_links_survive(tmp_path: Path) -> None:
    msg = render_source(
        tmp_path,
        '{"text": {{ md("{} {}", title, link(url, title)) | json }}, "blocks": ['
        '{"type": "section", "text": {"type": "mrkdwn", "text": "seen: {{ title }} {{ n }}"}}]}',
        title='{{ 7*7 }} {% raw %} "<!here>"',
        url="https://a.example/",
        n=3,
    )
    shown = '{{ 7*7 }} {% raw %} "&lt;!here&gt;"'
    assert msg.text == f"{shown} <https://a.example/|{shown} (a.example)>"
    assert msg.blocks[0]["text"]["text"] == 'seen: {{ 7*7 }} {% raw %} "&lt;!here&gt;" 3'


def test_concatenating_a_link_escapes_it_rather_than_trusting_it(tmp_path: Path) -> None:
    msg = render_source(tmp_path, '{"text": {{ (link(url) ~ "!") | json }}}', url="https://a.example/")
    assert msg.text == "&lt;https://a.example/|a.example&gt;!"


@pytest.mark.parametrize(
    ("source", "why"),
    [
        pytest.param('{"text": {{ title }}}', "not JSON", id="a value outside a string without | json"),
        pytest.param('{"text": "{{ items }}"}', "json", id="a list without | json"),
        pytest.param('{"text": {{ missing | json }}}', "missing", id="undefined (StrictUndefined)"),
        pytest.param('{"blocks": []}', '"text"', id="no fallback text"),
        pytest.param('{"text": "x", "blocks": {}}', "blocks", id="blocks not a list"),
    ],
)
def test_template_mistakes_fail_closed(tmp_path: Path, source: str, why: str) -> None:
    with pytest.raises(SlackTemplateError, match=why):
        render_source(tmp_path, source, title='x", "blocks": [{"type": "divider"}], "y": "', items=[1])


# --- the bundled template: golden-ish renders (no I/O) ------------------------------------------


def render(a: dict[str, Any]) -> Any:
    return render_message(slack_environment(), "slack_alert.json.j2", a)


def test_new_alert_blocks() -> None:
    msg = render(alert(facts={"amount_usd": "$550 billion", "countries": ["Japan", "US"]}))
    assert msg.text == (
        f"NEW: Fact Sheet: Japan-US investment agreement #1 · The White House <{ITEM_URL}|www.whitehouse.gov>"
    )
    assert msg.blocks == [
        {"type": "header", "text": {"type": "plain_text", "emoji": False, "text": "Fact Sheet: Japan-US investment agreement #1"}},
        {"type": "context", "elements": [
            {"type": "mrkdwn", "verbatim": True, "text": "*NEW* · The White House"},
            {"type": "mrkdwn", "verbatim": True, "text": "published 2025-07-23 03:12 UTC · first seen 2025-07-23 03:15 UTC"},
        ]},
        {"type": "section", "text": {"type": "mrkdwn", "verbatim": True,
            "text": "> Japan will invest *$550 billion*; the *tariff* under *Section 232* falls to 15%."}},
        {"type": "section", "text": {"type": "mrkdwn", "verbatim": True, "text": "*Facts*"}, "fields": [
            {"type": "mrkdwn", "verbatim": True, "text": "*Amount usd*\n$550 billion"},
            {"type": "mrkdwn", "verbatim": True, "text": "*Countries*\nJapan, US"},
        ]},
        {"type": "section", "text": {"type": "mrkdwn", "verbatim": True, "text":
            "*Why it fired:* first seen\n• *Tariffs* · matched tariff, Section 232\n"
            "• *Japan-US investment* · matched $550 billion"}},
        {"type": "section", "text": {"type": "mrkdwn", "verbatim": True,
            "text": f"<{ITEM_URL}|Fact Sheet: Japan-US investment agreement #1 (www.whitehouse.gov)>"}},
    ]  # fmt: skip


def test_new_alert_without_date_facts_or_url() -> None:
    msg = render(alert(published_at=None, url=None, highlights=["invest"]))
    assert (
        msg.blocks[1]["elements"][1]["text"] == "first seen 2025-07-23 03:15 UTC (no publication date given)"
    )
    assert msg.blocks[2]["text"]["text"].startswith("> Japan will *invest* $550 billion")
    assert [b["type"] for b in msg.blocks] == ["header", "context", "section", "section"]  # no facts, no link
    assert "<" not in msg.text


def test_revised_alert_blocks() -> None:
    msg = render(revised_alert())
    assert msg.text.startswith("REVISED · revision 2: Fact Sheet: Japan-US investment agreement (updated)")
    texts = [b["text"]["text"] for b in msg.blocks if b["type"] == "section"]
    assert msg.blocks[1]["elements"] == [
        {"type": "mrkdwn", "verbatim": True, "text": "*REVISED · revision 2* · The White House"},
        {
            "type": "mrkdwn",
            "verbatim": True,
            "text": "edit seen 2025-07-23 03:15 UTC · originally published 2025-07-23 03:12 UTC",
        },
    ]
    assert texts[1:4] == [
        "*Was titled:* Fact Sheet: Japan-US investment agreement",
        "*What changed:* numbers changed: 15% -&gt; 10%",
        "*Diff:* … the tariff falls to ~15%~ *10%* on autos …",
    ]
    assert texts[4].startswith("*Why it fired:* material revision\n")


def test_source_health_alerts() -> None:
    failing = render(health_alert("failing"))
    assert failing.text == "SOURCE FAILING: DSCA Major Arms Sales [dsca]"
    assert failing.blocks[0]["text"]["text"] == "SOURCE FAILING: DSCA Major Arms Sales"
    assert failing.blocks[1]["elements"][1]["text"] == "failing since 2025-07-23 00:00 UTC"
    assert failing.blocks[2]["text"]["text"] == (
        "*Last error:* fetch: dsca: HTTP 503 &lt;html&gt;\n"
        "14 failed polls in a row; still retrying with backoff."
    )
    assert failing.blocks[3]["text"]["text"] == (
        "<https://www.dsca.mil/press-media/major-arms-sales|DSCA Major Arms Sales (www.dsca.mil)>"
    )
    resolved = render(health_alert("resolved"))
    assert resolved.blocks[0]["text"]["text"] == "SOURCE RECOVERED: DSCA Major Arms Sales"
    assert resolved.blocks[2]["text"]["text"] == "Polling again since 2025-07-23 06:00 UTC."


def test_facts_from_the_extractor_render_without_offsets() -> None:
    facts = extract_facts(
        "Japan to invest $550 billion",
        "Tariffs fall to 15% effective August 1, 2025. The State Department has made a determination "
        "approving a possible Foreign Military Sale to the Government of Japan of F-35 aircraft for an "
        "estimated cost of $23.11 billion. The principal contractor will be Lockheed Martin, Fort Worth, TX.",
        FACT_KINDS,
    )
    msg = render(alert(facts=facts))
    [facts_block] = [b for b in msg.blocks if b.get("fields")]
    assert [f["text"] for f in facts_block["fields"]] == [
        "*Money*\n$550 billion, $23.11 billion",
        "*Rates*\n15% (tariff)",
        "*Effective dates*\nAugust 1, 2025",
        "*FMS notification*\npurchaser: Japan\nsystem: F-35 aircraft\nvalue usd: $23,110,000,000\n"
        "contractor: Lockheed Martin",
    ]
    assert [b for b in render(alert(facts={"money": [], "fms": None})).blocks if b.get("fields")] == []


@pytest.mark.parametrize(
    ("highlights", "shown"),
    [
        pytest.param(["15%", "EFFECTIVE"], "> Tariffs fall to *15%* *effective* &lt;now&gt;", id="phrases"),
        pytest.param(
            [[16, 19], {"start": 20, "end": 30}],
            "> Tariffs fall to *15%* *effective* &lt;now&gt;",
            id="spans",
        ),
        pytest.param(
            [[0, 8], "tariffs f"], "> *Tariffs f*all to 15% effective &lt;now&gt;", id="overlaps merged"
        ),
        pytest.param([[25, 99]], "> Tariffs fall to 15% effec*tive &lt;now&gt;*", id="clamped to the text"),
    ],
)
def test_highlights(highlights: list[Any], shown: str) -> None:
    msg = render(alert(snippet="Tariffs fall to 15% effective <now>", highlights=highlights))
    assert msg.blocks[2]["text"]["text"] == shown


def test_template_feed_text_is_never_evaluated() -> None:  # RELIABILITY 19, for Slack
    msg = render(alert(title="{{ 7*7 }} {% raw %}", snippet="{{ config }}"))
    assert msg.blocks[0]["text"]["text"] == "{{ 7*7 }} {% raw %}"
    assert msg.blocks[2]["text"]["text"] == "> {{ config }}"


# --- delivery through slack-sdk: the happy path and the request contract --------------------------


def test_notifiers_satisfy_the_protocol(slack: FakeSlack, clock: FakeClock) -> None:
    receivers: list[Notifier] = [notifier(slack, clock), SlackWebhookNotifier("hook", url=slack.webhook_url)]
    assert [r.name for r in receivers] == ["slack-alerts", "hook"]


async def test_send_posts_one_message_with_metadata_and_no_unfurl(slack: FakeSlack, clock: FakeClock) -> None:
    ref = await notifier(slack, clock).send(alert())
    [msg] = slack.messages("C123")
    assert ref == f"C123:{msg.ts}"
    assert msg.metadata == {
        "event_type": EVENT_TYPE,
        "event_payload": {"alert_key": "new:whitehouse:00000000000000000001", "receiver": "slack-alerts"},
    }
    assert msg.params["unfurl_links"] is False and msg.params["unfurl_media"] is False
    assert "link_names" not in msg.params and "parse" not in msg.params
    assert msg.thread_ts is None
    assert msg.blocks == render(alert()).blocks
    assert slack.posts == 1


async def test_environment_proxies_are_ignored(
    slack: FakeSlack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, dead)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    await notifier(slack, clock).send(alert())
    assert len(slack.messages("C123")) == 1


# --- RELIABILITY 16 and 20: nothing from a feed can act -----------------------------------------


async def test_case16_mentions_and_spoofed_links_arrive_as_literal_text(
    slack: FakeSlack, clock: FakeClock
) -> None:
    await notifier(slack, clock).send(alert(title=SPOOF, snippet=f"says {SPOOF}", source_title="<!everyone>"))
    [msg] = slack.messages("C123")
    shown = list(strings({"text": msg.text, "blocks": msg.blocks}))
    constructs = [c for s in shown for c in re.findall(r"<[^<>]*>", s)]
    # The only <...> constructs are links to the item's real URL showing its real host.
    assert constructs
    assert all((c.startswith(f"<{ITEM_URL}|") and c.endswith("(www.whitehouse.gov)>")) or
               c == f"<{ITEM_URL}|www.whitehouse.gov>" for c in constructs)  # fmt: skip
    assert "evil.example|" not in "".join(constructs)
    assert not any(re.search(r"<[!@#]", s) for s in shown)
    assert msg.blocks is not None
    assert msg.blocks[0]["text"]["text"] == (
        "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|www.whitehouse.gov&gt;"
    )
    assert len(slack.messages("C123")) == 1


async def test_case20_bidi_and_zero_width_characters_are_stripped(slack: FakeSlack, clock: FakeClock) -> None:
    hostile = "Tariff\u202e gnp.exe\u200b \u2066update\u2069\ufeff\u200d\x07"
    await notifier(slack, clock).send(alert(title=hostile, snippet=hostile, source_title=hostile))
    [msg] = slack.messages("C123")
    shown = all_text(msg)
    for ch in "\u202e\u200b\u2066\u2069\ufeff\u200d\x07":
        assert ch not in shown
    assert msg.blocks is not None and msg.blocks[0]["text"]["text"] == "Tariff gnp.exe update"


# --- RELIABILITY 21 and 22: rate limits and pacing ----------------------------------------------


async def test_case21_429_retry_after_then_exactly_one_message(slack: FakeSlack, clock: FakeClock) -> None:
    n = notifier(slack, clock)
    slack.fail_next(1, status=429, retry_after=3)
    e = await send_error(n, alert())
    assert (e.error, e.retryable, e.retry_after_s, e.ambiguous) == ("ratelimited", True, 3.0, False)
    assert str(e).startswith("deliver: slack-alerts: slack: ratelimited (channel C123")
    # Too early: held locally after Slack's Retry-After, Slack is not asked again.
    early = await send_error(n, alert())
    assert early.retryable and early.retry_after_s == pytest.approx(3.0)
    assert slack.posts == 1
    clock.t += 3  # the worker waited Retry-After
    await n.send(alert())
    assert slack.posts == 2
    assert len(slack.messages("C123")) == 1


async def test_case22_burst_of_30_is_paced_to_one_per_second(slack: FakeSlack, clock: FakeClock) -> None:
    n = notifier(slack, clock)
    start, wall = clock(), time.monotonic()
    refs = await asyncio.gather(*(n.send(alert(i)) for i in range(30)))
    msgs = slack.messages("C123")
    assert len(msgs) == 30 and len(set(refs)) == 30
    assert [m.metadata["event_payload"]["alert_key"] for m in msgs if m.metadata] == [
        alert(i)["alert_key"] for i in range(30)
    ]
    assert slack.rate_limited == 0 and slack.posts == 30
    assert clock() - start >= 29.0
    assert time.monotonic() - wall < 10


async def test_pacing_is_shared_by_notifiers_of_one_channel(slack: FakeSlack, clock: FakeClock) -> None:
    a, b = notifier(slack, clock), notifier(slack, clock)
    await a.send(alert(1))
    await b.send(alert(2))
    assert clock.slept == [pytest.approx(1.0)]
    assert slack.rate_limited == 0 and len(slack.messages("C123")) == 2


async def test_the_fake_enforces_one_per_second_without_pacing(slack: FakeSlack, clock: FakeClock) -> None:
    n = notifier(slack, clock, pace_s=0)
    await n.send(alert(1))
    e = await send_error(n, alert(2))
    assert (e.error, e.retryable, e.retry_after_s) == ("ratelimited", True, 1.0)
    assert slack.rate_limited == 1 and len(slack.messages("C123")) == 1


# --- RELIABILITY 23: accepted, then the connection drops -----------------------------------------


async def test_case23_reset_after_accept_is_ambiguous_and_reconciled(
    slack: FakeSlack, clock: FakeClock
) -> None:
    n = notifier(slack, clock)
    slack.fail_next_after_accept(1)
    e = await send_error(n, alert())
    assert (e.error, e.retryable, e.ambiguous) == ("connection_lost", True, True)
    assert slack.posts == 1  # slack-sdk did not retry on its own
    [msg] = slack.messages("C123")
    assert await n.reconcile(alert()) == f"C123:{msg.ts}"
    [history] = slack.calls_to("conversations.history")
    assert history["include_all_metadata"] in ("1", True)
    seen = datetime(2025, 7, 23, 3, 15, tzinfo=UTC).timestamp()
    assert float(history["oldest"]) == pytest.approx(seen - 600)
    assert await n.reconcile(alert(2)) is None  # another alert was never delivered
    assert len(slack.messages("C123")) == 1


async def test_read_timeout_after_accept_is_ambiguous(slack: FakeSlack, clock: FakeClock) -> None:
    n = notifier(slack, clock, timeout_s=1)
    slack.delay_next_after_accept(1, seconds=5)
    e = await send_error(n, alert())
    assert (e.error, e.retryable, e.ambiguous) == ("timeout", True, True)
    [msg] = slack.messages("C123")
    assert await n.reconcile(alert()) == f"C123:{msg.ts}"


async def test_connection_refused_is_retryable_not_ambiguous(clock: FakeClock) -> None:
    n = SlackNotifier(
        "slack-alerts", token="xoxb-t", channel="C123", base_url=f"http://127.0.0.1:{free_port()}/api/",
        clock=clock, sleep=clock.sleep,
    )  # fmt: skip
    e = await send_error(n, alert())
    assert (e.error, e.retryable, e.ambiguous) == ("connect_failed", True, False)


@pytest.mark.parametrize(
    ("status", "error", "ambiguous"),
    [
        pytest.param(500, None, True, id="HTTP 500: Slack may have acted"),
        pytest.param(502, None, True, id="HTTP 502"),
        pytest.param(503, None, False, id="HTTP 503: not processed"),
        pytest.param(200, "internal_error", True, id="internal_error"),
        pytest.param(200, "fatal_error", True, id="fatal_error"),
        pytest.param(200, "service_unavailable", False, id="service_unavailable"),
        pytest.param(200, "request_timeout", False, id="request_timeout"),
    ],
)
async def test_server_errors_are_retryable_and_resend_makes_one_message(
    slack: FakeSlack, clock: FakeClock, status: int, error: str | None, ambiguous: bool
) -> None:
    n = notifier(slack, clock)
    slack.fail_next(1, status=status, error=error)
    e = await send_error(n, alert())
    assert (e.retryable, e.ambiguous, e.retry_after_s) == (True, ambiguous, None)
    assert e.error == (error or f"http_{status}")
    assert slack.posts == 1
    assert await n.reconcile(alert()) is None  # nothing arrived: the worker may send again
    await n.send(alert())
    assert len(slack.messages("C123")) == 1 and slack.posts == 2


# --- RELIABILITY 24: permanent failures, no retry ------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        pytest.param({"channel": "CNOPE"}, "channel_not_found", id="channel_not_found"),
        pytest.param({"token": "xoxb-wrong-secret-token"}, "invalid_auth", id="invalid_auth"),
        pytest.param({"channel": "CARCHIVED"}, "is_archived", id="archived (chat.postMessage's name)"),
        pytest.param({"fail": "channel_is_archived"}, "channel_is_archived", id="channel_is_archived"),
        pytest.param({"fail": "invalid_blocks"}, "invalid_blocks", id="invalid_blocks"),
        pytest.param({"fail": "not_authed"}, "not_authed", id="not_authed"),
        pytest.param({"fail": "token_revoked"}, "token_revoked", id="token_revoked"),
        pytest.param({"fail": "not_in_channel"}, "not_in_channel", id="not_in_channel"),
        pytest.param({"fail": "msg_too_long"}, "msg_too_long", id="msg_too_long"),
        pytest.param({"fail": "some_future_error"}, "some_future_error", id="unknown errors are permanent"),
        pytest.param({"status": 400}, "http_400", id="HTTP 400"),
    ],
)
async def test_case24_permanent_errors_are_not_retried(
    slack: FakeSlack, clock: FakeClock, setup: dict[str, Any], error: str
) -> None:
    kw = {k: v for k, v in setup.items() if k in ("channel", "token")}
    if "fail" in setup:
        slack.fail_next(1, error=setup["fail"])
    if "status" in setup:
        slack.fail_next(1, status=setup["status"])
    n = notifier(slack, clock, **kw)
    e = await send_error(n, alert())
    assert (e.error, e.retryable, e.ambiguous) == (error, False, False)
    channel = kw.get("channel", "C123")
    assert e.detail == f"slack: {error} (channel {channel})"
    assert "secret" not in str(e) and slack.token not in str(e)
    assert slack.posts == 1  # exactly one attempt
    assert slack.all_messages() == []


async def test_real_invalid_blocks_from_a_broken_template(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "bad.json.j2").write_text(
        '{"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}]}'
    )
    e = await send_error(notifier(slack, clock, template="bad.json.j2", template_dirs=[tmp_path]), alert())
    assert (e.error, e.retryable) == ("invalid_blocks", False)
    assert slack.all_messages() == []


async def test_a_template_error_is_permanent_and_sends_nothing(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "broken.json.j2").write_text('{"text": {{ no_such_value | json }}}')
    e = await send_error(notifier(slack, clock, template="broken.json.j2", template_dirs=[tmp_path]), alert())
    assert (e.error, e.retryable) == ("template_error", False)
    assert slack.posts == 0


# --- RELIABILITY 25: Block Kit limits are enforced before sending ------------------------------


async def test_case25_oversized_messages_are_clamped_and_accepted(
    slack: FakeSlack, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "many.json.j2").write_text(
        '{"text": {{ title | json }}, "blocks": [{"type": "header", "text": {"type": "plain_text", '
        '"text": {{ title | json }}}}{% for i in range(59) %}, {"type": "section", "text": {"type": '
        '"mrkdwn", "text": {{ ("block " ~ i) | json }}}}{% endfor %}]}'
    )
    title = "T" * 151
    n = notifier(slack, clock)
    await n.send(alert(1, title=title, snippet="s" * 3001))
    many = notifier(slack, clock, template="many.json.j2", template_dirs=[tmp_path])
    await many.send(alert(2, title=title))
    first, second = slack.messages("C123")
    assert first.blocks is not None and second.blocks is not None
    assert len(first.blocks[0]["text"]["text"]) == 150
    assert len(first.blocks[2]["text"]["text"]) == 3000 and first.blocks[2]["text"]["text"].endswith(ELLIPSIS)
    assert len(second.blocks) == 50
    assert second.blocks[48]["text"]["text"] == "block 47"
    assert second.blocks[49]["elements"][0]["text"] == f"{ELLIPSIS} 11 more"
    assert slack.posts == 2 and len(slack.messages("C123")) == 2


async def test_the_fake_rejects_what_clamping_prevents(slack: FakeSlack) -> None:
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token=slack.token, base_url=slack.base_url, retry_handlers=[])
    cases: dict[str, dict[str, Any]] = {
        "invalid_blocks": {"blocks": [{"type": "divider"}] * 51, "text": "x"},
        "msg_too_long": {"text": "x" * 40_001},
        "no_text": {"text": ""},
    }
    for error, kwargs in cases.items():
        with pytest.raises(SlackApiError) as info:
            await client.api_call("chat.postMessage", json={"channel": "C123", **kwargs})
        assert info.value.response["error"] == error
    assert slack.all_messages() == []


# --- threads, updates, reconciliation details --------------------------------------------------


async def test_revisions_go_into_the_story_thread(slack: FakeSlack, clock: FakeClock) -> None:
    n = notifier(slack, clock)
    parent_ref = await n.send(alert())
    channel, _, parent_ts = parent_ref.partition(":")
    revised = revised_alert(thread_ts=parent_ts, thread_channel=channel)
    reply_ref = await n.send(revised)
    parent, reply = slack.messages("C123")
    assert reply.thread_ts == parent_ts == parent.ts and reply_ref == f"C123:{reply.ts}"
    assert await n.reconcile(revised) == reply_ref  # found in the thread
    assert slack.calls_to("conversations.replies")[0]["ts"] == parent_ts
    assert await n.reconcile(alert()) == parent_ref


async def test_a_thread_in_another_channel_or_a_deleted_parent_posts_at_top_level(
    slack: FakeSlack, clock: FakeClock
) -> None:
    n = notifier(slack, clock)
    await n.send(revised_alert(thread_ts="1.000001", thread_channel="C456"))
    await n.send({**revised_alert(thread_ts="1.000001", thread_channel="C123"), "alert_key": "revised:x:r3"})
    assert [m.thread_ts for m in slack.messages("C123")] == [None, None]
    assert slack.posts == 3  # the deleted parent cost one refused post, nothing was recorded by it


async def test_update_replaces_a_message(slack: FakeSlack, clock: FakeClock) -> None:
    n = notifier(slack, clock)
    ref = await n.send(alert())
    assert await n.update(ref, revised_alert()) == ref
    [msg] = slack.messages("C123")
    assert msg.edits == 1 and msg.text is not None and msg.text.startswith("REVISED")


async def test_reconcile_pages_through_history_and_ignores_other_receivers(
    slack: FakeSlack, clock: FakeClock
) -> None:
    other = SlackNotifier("other-receiver", token=slack.token, channel="C123", base_url=slack.base_url,
                          clock=clock, sleep=clock.sleep)  # fmt: skip
    n = notifier(slack, clock)
    await other.send(alert(7))  # the same alert for another receiver in the same channel
    assert await n.reconcile(alert(7)) is None
    mine = await n.send(alert(7))
    for i in range(210):
        await other.send(alert(100 + i))
    assert await n.reconcile(alert(7)) == mine
    assert len(slack.calls_to("conversations.history")) == 1 + 2  # two pages of 200 the second time


async def test_reconcile_errors_are_classified(slack: FakeSlack, clock: FakeClock) -> None:
    with pytest.raises(SlackError) as info:
        await notifier(slack, clock, channel="CNOPE").reconcile(alert())
    assert (info.value.error, info.value.retryable) == ("channel_not_found", False)


# --- incoming webhooks -------------------------------------------------------------------------


def webhook(slack: FakeSlack, clock: FakeClock, **kw: Any) -> SlackWebhookNotifier:
    return SlackWebhookNotifier("slack-hook", url=slack.webhook_url, clock=clock, sleep=clock.sleep, **kw)


async def test_webhook_posts_the_same_message(slack: FakeSlack, clock: FakeClock) -> None:
    h = webhook(slack, clock)
    ref = await h.send(alert(title=SPOOF))
    [msg] = slack.messages("C123")
    assert msg.via == "webhook" and ref == "webhook:slack-hook:new:whitehouse:00000000000000000001"
    assert msg.params["unfurl_links"] is False and msg.params["unfurl_media"] is False
    assert msg.blocks == render(alert(title=SPOOF)).blocks
    assert await h.reconcile(alert()) is None


async def test_webhook_paces_and_maps_errors_without_leaking_the_url(
    slack: FakeSlack, clock: FakeClock
) -> None:
    h = webhook(slack, clock)
    await asyncio.gather(*(h.send(alert(i)) for i in range(3)))
    assert len(slack.messages("C123")) == 3 and slack.rate_limited == 0
    slack.fail_next(1, status=429, retry_after=2)
    e = await send_error(h, alert(9))
    assert (e.error, e.retryable, e.retry_after_s) == ("rate_limited", True, 2.0)
    clock.t += 2
    slack.archive("C123")
    e = await send_error(h, alert(9))
    assert (e.error, e.retryable) == ("channel_is_archived", False)
    assert e.detail == "slack-webhook: channel_is_archived (webhook slack-hook; HTTP 410)"
    assert "XXXX" not in str(e) and "/services/" not in str(e)


async def test_webhook_reset_after_accept_is_ambiguous(slack: FakeSlack, clock: FakeClock) -> None:
    slack.fail_next_after_accept(1)
    e = await send_error(webhook(slack, clock), alert())
    assert (e.error, e.retryable, e.ambiguous) == ("connection_lost", True, True)
    assert len(slack.messages("C123")) == 1 and slack.posts == 1


async def test_errors_are_delivery_errors(slack: FakeSlack, clock: FakeClock) -> None:
    slack.fail_next(1, error="channel_not_found")
    with pytest.raises(DeliveryError):
        await notifier(slack, clock).send(alert())

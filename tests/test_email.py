"""Email digests: context, rendering, MIME, and SMTP delivery against a real aiosmtpd on loopback.

RELIABILITY cases: 17 (header injection), 18 (hostile feed HTML), 19 (template syntax in feed text),
20 (bidi / zero-width in subjects), 26 (SMTP 421/451, 550 for one recipient, drop after DATA,
no STARTTLS, bad certificate, credentials only over TLS). Every delivery test counts what the server
received: no loss, no duplicate (except the one recognisable duplicate after an ambiguous drop).
"""

from __future__ import annotations

import copy
import email
import email.policy
import json
import socket
import ssl
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import jinja2
import pytest
import trustme

from monitor.errors import DeliveryError
from monitor.notify.digest import (
    build_message,
    clean_subject,
    digest_context,
    message_id_for,
    render_digest,
    sample_digest_context,
    sanitize_feed_html,
)
from monitor.notify.email import SendResult, SmtpSettings, send_email
from tests.support.httpserver import free_port
from tests.support.smtpserver import (
    SmtpServer,
    smtp_auth_server,
    smtp_server,
    smtp_tls_server,
)

__all__ = ["smtp_auth_server", "smtp_server", "smtp_tls_server"]  # fixtures used below

JST = timezone(timedelta(hours=9))
START = datetime(2026, 11, 24, 7, 30, tzinfo=JST)
END = START + timedelta(days=1)
SENDER = "pressmon@pressmon.test"
RCPTS = ["analyst1@example.org", "analyst2@example.org", "desk@example.org"]
PASSWORD = "s3cret-Pa55"

INVEST = {"id": "japan-us-investment", "title": "Japan-US investment pledges and deals"}
TARIFF = {"id": "tariffs-japan", "title": "US tariffs affecting Japan"}


def alert(
    key: str,
    *,
    title: str = "Japan pledges $1 trillion in U.S. investment",
    kind: str = "new",
    topics: Sequence[Mapping[str, str]] = (INVEST,),
    seen: str = "2026-11-24T22:00:00+00:00",
    source: str = "nikkei-asia",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "alert_key": key,
        "kind": kind,
        "reason": "first-seen" if kind == "new" else "material-revision",
        "source_id": source,
        "source_title": source.replace("-", " ").title(),
        "title": title,
        "url": f"https://{source}.example/{key}",
        "published_at": None,
        "seen_at": seen,
        "revision": 1 if kind == "new" else 2,
        "topics": [
            {**t, "terms": ["$1 trillion"], "snippet": "Japan will invest $1 trillion"} for t in topics
        ],
        "terms": ["$1 trillion"],
        "snippet": "Japan will invest $1 trillion in the United States",
        "previous_title": None,
        "change": "amounts changed" if kind == "revised" else None,
        "diff": "invest [-$550 billion-]{+$1 trillion+} in" if kind == "revised" else None,
        **extra,
    }


def context_for(alerts: Sequence[Mapping[str, Any]], title: str = "daily-trade") -> dict[str, Any]:
    return digest_context(
        digest_id="daily-trade",
        title=title,
        period_start=START,
        period_end=END,
        tz="Asia/Tokyo",
        alerts=alerts,
    )


def message_for(
    alerts: Sequence[Mapping[str, Any]], recipients: Sequence[str] = RCPTS, title: str = "daily-trade"
) -> EmailMessage:
    ctx = context_for(alerts, title)
    text, html = render_digest(ctx)
    return build_message(
        context=ctx,
        text=text,
        html=html,
        sender=SENDER,
        recipients=recipients,
        message_id=message_id_for("daily-trade", START, "pressmon.test"),
    )


def parts(msg: EmailMessage) -> tuple[str, str]:
    """(text, html) of a received multipart/alternative digest."""
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return cast(str, plain.get_content()), cast(str, html.get_content())


def parsed(msg: EmailMessage) -> EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


EXPECTED_HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "X-Auto-Response-Suppress",
    "X-Pressmon-Digest",
    "Content-Type",
    "MIME-Version",
}


# ---------------------------------------------------------------------------------------------------
# clean_subject (pure, table-driven)
# ---------------------------------------------------------------------------------------------------

SUBJECT_CASES = [
    ("plain", "Japan pledges $1 trillion", "Japan pledges $1 trillion"),
    ("crlf-bcc", "Tariffs\r\nBcc: x@y.example", "Tariffs Bcc: x@y.example"),
    ("lf-only", "Tariffs\nBcc: x@y.example", "Tariffs Bcc: x@y.example"),
    ("trailing-newline", "FMS approval\n", "FMS approval"),
    ("rfc2047-newline", "=?utf-8?q?a=0D=0ABcc:_x@y.example?=", "a Bcc: x@y.example"),
    ("rfc2047-b64-newline", "=?utf-8?b?YQ0KQmNjOiB4QHkuZXhhbXBsZQ==?=", "a Bcc: x@y.example"),
    ("rlo-override", "Invoice \u202etxt.exe\u202c done", "Invoice txt.exe done"),
    ("isolates", "\u2066LNG\u2069 deal \u200f", "LNG deal"),
    ("zero-width", "Ja\u200bpan\u200c \u200dtariff\u2060s\ufeff", "Japan tariffs"),
    ("controls", "a\x00b\x1b[31mc\x7f\x85d", "ab[31mcd"),
    ("tabs-and-runs", "  a\t\tb   c  ", "a b c"),
    ("line-separators", "a\u2028b\u2029c", "a b c"),
    ("tag-characters", "FMS\U000e0041\U000e0042", "FMS"),
    ("nfc", "Cafe\u0301 Tokyo", "Café Tokyo"),
    ("japanese", "日米関税合意　自動車１５％", "日米関税合意 自動車１５％"),
    ("template-syntax", "{{ 7*7 }} {% raw %}", "{{ 7*7 }} {% raw %}"),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in SUBJECT_CASES], ids=[c[0] for c in SUBJECT_CASES]
)
def test_clean_subject(raw: str, expected: str) -> None:
    assert clean_subject(raw) == expected


@pytest.mark.parametrize("raw", [c[1] for c in SUBJECT_CASES], ids=[c[0] for c in SUBJECT_CASES])
def test_clean_subject_never_adds_a_header(raw: str) -> None:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = clean_subject(raw)
    msg["To"] = "a@example.org"
    msg.set_content("x")
    back = parsed(msg)
    assert set(back.keys()) == {"Subject", "To", "Content-Type", "Content-Transfer-Encoding", "MIME-Version"}
    assert "\n" not in str(back["Subject"]) and "\r" not in str(back["Subject"])


def test_clean_subject_length_and_double_encoding() -> None:
    long = clean_subject("tariff " * 60)
    assert len(long) == 150 and long.endswith("…")
    assert len(clean_subject("x" * 150)) == 150 and not clean_subject("x" * 150).endswith("…")
    # An encoded word that decodes to another encoded word that decodes to CR LF.
    nested = "=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0D=3D0ABcc=3A=5Fx=40y=3F=3D?="
    cleaned = clean_subject(nested)
    assert "\r" not in cleaned and "\n" not in cleaned
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = cleaned
    assert "\n" not in str(msg["Subject"]) and "Bcc" not in parsed(msg)


# ---------------------------------------------------------------------------------------------------
# digest_context (pure)
# ---------------------------------------------------------------------------------------------------


def test_context_groups_by_topic_and_story_newest_first() -> None:
    alerts = [
        alert("a", topics=[INVEST, TARIFF], story_id="s1", seen="2026-11-24T10:00:00+00:00"),
        alert(
            "b",
            kind="revised",
            title="Fact sheet (updated)",
            story_id="s1",
            seen="2026-11-24T12:00:00+00:00",
            source="whitehouse",
        ),
        alert("c", title="Japan to buy more  U.S. LNG", seen="2026-11-24T08:00:00+00:00"),
        alert("d", title="japan to buy more U.S. LNG", seen="2026-11-24T14:00:00+00:00", source="kyodo"),
        alert("a", topics=[INVEST, TARIFF], story_id="s1"),  # the same alert twice: counted once
    ]
    ctx = context_for(alerts)
    assert ctx["counts"] == {
        "statements": 4,
        "stories": 2,
        "topics": 2,
        "sources": 3,
        "new": 3,
        "revised": 1,
        "by_kind": {"new": 3, "revised": 1},
    }
    invest, tariff = ctx["topics"]
    assert (invest["id"], invest["count"], invest["new"], invest["revised"]) == (
        "japan-us-investment",
        4,
        3,
        1,
    )
    assert (tariff["id"], tariff["count"]) == ("tariffs-japan", 1)
    # Stories newest first: the LNG story (newest item 14:00) before s1 (newest 12:00).
    lng, s1 = invest["stories"]
    assert [i["alert_key"] for i in lng["statements"]] == ["d", "c"]
    assert lng["count"] == 2 and lng["title"] == "japan to buy more U.S. LNG"
    assert lng["sources"] == ["Kyodo", "Nikkei Asia"]
    assert [i["alert_key"] for i in s1["statements"]] == ["b", "a"]
    assert s1["title"] == "Fact sheet (updated)"
    # An alert under two topics appears under each.
    assert [i["alert_key"] for s in tariff["stories"] for i in s["statements"]] == ["a"]
    assert ctx["sources"] == [
        {"id": "nikkei-asia", "title": "Nikkei Asia", "count": 2},
        {"id": "kyodo", "title": "Kyodo", "count": 1},
        {"id": "whitehouse", "title": "Whitehouse", "count": 1},
    ]
    assert ctx["subject"] == "pressmon daily-trade: 4 statements (1 revised) · 2026-11-25"
    assert ctx["period_label"] == "2026-11-24 07:30 – 2026-11-25 07:30 JST"
    assert not ctx["empty"]
    json.dumps(ctx)  # plain data only


def test_context_items_carry_diff_facts_and_safe_links() -> None:
    revised = alert(
        "r",
        kind="revised",
        facts={
            "amount": "$1 trillion",
            "sectors": ["energy", "chips"],
            "empty": None,
            "money": [
                {
                    "amount": "1000000000000",
                    "currency": "USD",
                    "usd": "1000000000000",
                    "text": "$1 trillion",
                    "start": 18,
                    "end": 29,
                    "field": "text",
                },
            ],
            "rates": [{"percent": "15", "context": "tariff", "text": "15%", "start": 0, "end": 3}],
            "dates": [],
            "fms": {
                "purchaser": "Japan",
                "system": "SM-6",
                "value_usd": "1020000000",
                "contractor": None,
                "quantities": ["150 SM-6"],
                "start": 0,
                "end": 99,
            },
        },
        highlights=[[0, 5], "trillion"],
        url="javascript:alert(1)",
    )
    other = alert("o", topics=[], url="https://xn--wgv71a.example/x", title="no topic")
    ctx = context_for([revised, other])
    item = ctx["topics"][0]["stories"][0]["statements"][0]
    assert item["diff_parts"] == [
        {"op": "equal", "text": "invest "},
        {"op": "delete", "text": "$550 billion"},
        {"op": "insert", "text": "$1 trillion"},
        {"op": "equal", "text": " in"},
    ]
    assert [(f["label"], f["lines"]) for f in item["facts"]] == [
        ("Amount", ["$1 trillion"]),
        ("Sectors", ["energy, chips"]),
        ("Money", ["$1 trillion"]),
        ("Rates", ["15% (tariff)"]),
        (
            "FMS notification",
            ["purchaser: Japan", "system: SM-6", "value usd: $1,020,000,000", "quantities: 150 SM-6"],
        ),
    ]
    fms = item["facts"][4]["value"]
    assert fms == "purchaser: Japan; system: SM-6; value usd: $1,020,000,000; quantities: 150 SM-6"
    assert item["url"] is None and item["host"] is None  # javascript: never becomes a link
    assert [p["text"] for p in item["snippet_parts"] if p["hl"]] == ["Japan", "trillion"]
    assert item["kind_label"] == "REVISED" and item["revision"] == 2
    # No topic: "Other matches", always last.
    assert [t["title"] for t in ctx["topics"]] == ["Japan-US investment pledges and deals", "Other matches"]
    assert ctx["topics"][1]["stories"][0]["statements"][0]["host"] == "xn--wgv71a.example"


def test_context_limited_to_configured_topics() -> None:
    alerts = [alert("a", topics=[INVEST, TARIFF]), alert("b", topics=[{"id": "lng", "title": "LNG"}])]
    ctx = digest_context(
        digest_id="d", title="d", period_start=START, period_end=END, tz="UTC", alerts=alerts,
        topics=["tariffs-japan"],
    )  # fmt: skip
    assert [(t["title"], t["count"]) for t in ctx["topics"]] == [
        ("US tariffs affecting Japan", 1),
        ("Other matches", 1),
    ]
    assert ctx["counts"]["statements"] == 2  # nothing dropped
    assert ctx["period_label"] == "2026-11-23 22:30 – 2026-11-24 22:30 UTC"


def test_context_empty_and_health() -> None:
    ctx = context_for([])
    assert ctx["empty"] and ctx["counts"]["statements"] == 0 and ctx["topics"] == []
    assert ctx["subject"] == "pressmon daily-trade: no new statements · 2026-11-25"
    health = {
        "alert_key": "source-health:dsca:2026-11-24T00:00:00+00:00:failing",
        "kind": "source-health",
        "state": "failing",
        "source_id": "dsca",
        "source_title": "DSCA",
        "url": "https://www.dsca.mil/rss",
        "failing_since": "2026-11-24T00:00:00+00:00",
        "seen_at": "2026-11-24T06:00:00+00:00",
        "error": "fetch: dsca: read timeout after 10s",
        "error_streak": 12,
    }
    ctx = context_for([health, alert("a")])
    assert ctx["counts"]["statements"] == 1 and not ctx["empty"]
    assert ctx["health"] == [
        {
            "source_id": "dsca",
            "source_title": "DSCA",
            "state": "failing",
            "since_label": "2026-11-24 09:00 JST",
            "error": "fetch: dsca: read timeout after 10s",
            "url": "https://www.dsca.mil/rss",
        }
    ]
    text, html = render_digest(ctx)
    assert "read timeout after 10s" in text and "Source health" in html


def test_sample_context_renders_with_diff_and_facts() -> None:
    ctx = sample_digest_context()
    assert ctx["counts"]["revised"] == 1 and ctx["counts"]["statements"] == 6
    text, html = render_digest(ctx)
    assert "<del " in html and "$550 billion</del>" in html and "$1 trillion</ins>" in html
    assert "[-$550 billion-]{+$1 trillion+}" in text
    assert "Japan – SM-6 Block IA Missiles" in html and "$1.02 billion" in text
    assert "FMS notification:\n    purchaser: Japan\n" in text and "value usd: $1,020,000,000<br>" in html
    assert "max-width:680px" in html and "<script" not in html and "<img" not in html
    assert "statement</a> <span" in html and "(www.whitehouse.gov)</span>" in html  # host after a feed link
    json.dumps(ctx)


# ---------------------------------------------------------------------------------------------------
# Rendering rules
# ---------------------------------------------------------------------------------------------------

HOSTILE_SUMMARY = (
    "<p>Tariff <b>update</b><script>alert(1)</script>"
    '<img src="https://tracker.example/pixel.gif?u=1" width="1" height="1">'
    '<a href="javascript:alert(2)">click</a> '
    '<a href="https://www.whitehouse.gov.evil.example/x" onclick="steal()">www.whitehouse.gov</a>'
    '<span onerror="alert(3)" style="color:red">hidden</span>'
    "<style>body{display:none}</style>"
    '<iframe src="https://evil.example/frame">frame text</iframe>'
    '<svg onload="alert(4)"><circle/></svg>'
    '<a href="data:text/html,<script>alert(5)</script>">data</a>'
    '<a href="mailto:press@example.org">mail</a></p>'
)
# None of these may survive sanitising (the digest's own markup has none of them either).
HOSTILE_MARKERS = (
    "<script", "alert(", "<img", "tracker.example", "javascript:", "onclick", "onerror", "<style",
    "display:none", "<iframe", "frame text", "<svg", "onload", "data:", "color:red",
)  # fmt: skip


def test_sanitiser_narrow_allowlist() -> None:
    out = sanitize_feed_html(HOSTILE_SUMMARY)
    for bad in HOSTILE_MARKERS:
        assert bad not in out, bad
    assert "<b>update</b>" in out
    assert 'href="https://www.whitehouse.gov.evil.example/x" rel="noopener noreferrer"' in out
    assert "(www.whitehouse.gov.evil.example)" in out  # the real host next to the spoofing link text
    assert 'href="mailto:press@example.org"' in out


def test_reliability_19_template_syntax_renders_literally() -> None:
    a = alert(
        "t",
        title="{{ 7*7 }} {% raw %}x{% endraw %} {{ config }}",
        snippet="{% for x in range(3) %}{{ x }}{% endfor %} {{ ''.__class__ }}",
        facts={"{{ 7*7 }}": "{{ 7*7 }}"},
        summary_html="<p>{{ 7*7 }}</p>",
    )
    text, html = render_digest(context_for([a]))
    for out in (text, html):
        assert "{{ 7*7 }}" in out and "49" not in out
        assert "{% raw %}x{% endraw %}" in out
        assert "{% for x in range(3) %}{{ x }}{% endfor %}" in out
        assert "&lt;class" not in out and "<class" not in out


def test_html_escapes_and_text_strips_controls() -> None:
    a = alert("h", title="<script>alert(1)</script> \u202eevil\u202c \x1b[31mred", source="nikkei-asia")
    text, html = render_digest(context_for([a]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "\u202e" not in text and "\x1b" not in text and "\u202e" not in html
    assert "<script>alert(1)</script> evil [31mred" in text


def test_strict_undefined_and_template_override(tmp_path: Path) -> None:
    ctx = context_for([alert("a")])
    broken = dict(ctx)
    del broken["period_label"]
    with pytest.raises(jinja2.UndefinedError):
        render_digest(broken)
    (tmp_path / "email_digest.txt.j2").write_text("custom {{ counts.statements }} {{ title }}\n")
    text, html = render_digest(ctx, template_dirs=[tmp_path])
    assert text == "custom 1 daily-trade\n"
    assert "<!DOCTYPE html>" in html  # the bundled HTML template still applies


# ---------------------------------------------------------------------------------------------------
# MIME message (pure)
# ---------------------------------------------------------------------------------------------------


def test_message_structure_and_headers() -> None:
    msg = parsed(message_for([alert("a"), alert("b", kind="revised", title="Fact sheet")]))
    assert set(msg.keys()) == EXPECTED_HEADERS
    assert msg["From"] == SENDER
    assert [a.addr_spec for a in msg["To"].addresses] == RCPTS
    assert msg["Subject"] == "pressmon daily-trade: 2 statements (1 revised) · 2026-11-25"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Date"].datetime == END
    assert msg["Message-ID"] == message_id_for("daily-trade", START, "pressmon.test")
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    text, html = parts(msg)
    assert "Fact sheet" in text and "Fact sheet" in html and html.lstrip().startswith("<!DOCTYPE html>")


def test_message_is_reproducible() -> None:
    assert message_for([alert("a")]).as_bytes() == message_for([alert("a")]).as_bytes()


def test_message_id_is_stable_per_digest_and_period() -> None:
    mid = message_id_for("daily-trade", START, "pressmon.test")
    assert mid == message_id_for("daily-trade", START.astimezone(UTC), "pressmon.test")
    assert mid.startswith("<pressmon.daily-trade.20261123T223000Z.") and mid.endswith("@pressmon.test>")
    assert mid != message_id_for("daily-trade", START + timedelta(days=1), "pressmon.test")
    assert mid != message_id_for("weekly-fms", START, "pressmon.test")
    assert message_id_for("we ird/<id>\r\n", START, "x.test").count("<") == 1
    with pytest.raises(ValueError):
        message_id_for("daily-trade", START, "bad domain\r\nBcc: x@y")


@pytest.mark.parametrize(
    "bad",
    ["a@b.example\r\nBcc: x@y.example", "A <a@b.example>", "a@b.example, c@d.example", "no-at-sign", ""],
)
def test_message_refuses_bad_addresses(bad: str) -> None:
    with pytest.raises(ValueError, match="email: invalid address"):
        message_for([alert("a")], recipients=["ok@example.org", bad])


# ---------------------------------------------------------------------------------------------------
# Delivery against a real aiosmtpd
# ---------------------------------------------------------------------------------------------------


def only(server: SmtpServer) -> tuple[EmailMessage, tuple[str, ...]]:
    assert len(server.envelopes) == 1, server.envelopes
    env = server.envelopes[0]
    return env.message(), env.rcpt_tos


@pytest.mark.parametrize(
    "title",
    [
        "Tariffs on Japanese autos\r\nBcc: x@y.example",
        "FMS approval for Japan\n",
        "=?utf-8?q?a=0D=0ABcc:_x@y.example?=",
        "LNG\r\n\r\n<html>body injection",
    ],
    ids=["crlf-bcc", "trailing-lf", "rfc2047-newline", "blank-line-body"],
)
async def test_reliability_17_header_injection(smtp_server: SmtpServer, title: str) -> None:
    msg = message_for([alert("a", title=title)], title=title)
    result = await send_email(smtp_server.settings(), msg, RCPTS)
    assert result == SendResult(accepted=tuple(RCPTS), refused={})
    received, rcpt_tos = only(smtp_server)
    assert rcpt_tos == tuple(RCPTS)  # recipients exactly as configured, nothing added
    assert smtp_server.envelopes[0].mail_from == SENDER
    assert set(received.keys()) == EXPECTED_HEADERS  # no Bcc, no extra header
    assert "Bcc" not in received and "\n" not in str(received["Subject"])
    assert [a.addr_spec for a in received["To"].addresses] == RCPTS
    text, _html = parts(received)
    assert "pressmon digest" in text


async def test_reliability_18_hostile_feed_html(smtp_server: SmtpServer) -> None:
    msg = message_for([alert("a", summary_html=HOSTILE_SUMMARY)])
    await send_email(smtp_server.settings(), msg, RCPTS[:1])
    received, _ = only(smtp_server)
    text, html = parts(received)
    for bad in HOSTILE_MARKERS:
        assert bad not in html, bad
    assert "<b>update</b>" in html and 'rel="noopener noreferrer"' in html
    assert "Tariff update" in text and "<p>" not in text


async def test_reliability_19_literal_over_the_wire(smtp_server: SmtpServer) -> None:
    msg = message_for([alert("a", title="{{ 7*7 }} {% raw %}")], title="{{ 7*7 }}")
    await send_email(smtp_server.settings(), msg, RCPTS[:1])
    received, _ = only(smtp_server)
    text, html = parts(received)
    assert received["Subject"].startswith("pressmon {{ 7*7 }}:")
    assert "{{ 7*7 }} {% raw %}" in text and "{{ 7*7 }} {% raw %}" in html and "49" not in text


async def test_reliability_20_bidi_and_zero_width_stripped_from_subject(smtp_server: SmtpServer) -> None:
    msg = message_for([alert("a")], title="daily\u202e-trade\u200b\u2066\u2069\ufeff")
    await send_email(smtp_server.settings(), msg, RCPTS[:1])
    received, _ = only(smtp_server)
    subject = str(received["Subject"])
    assert subject == "pressmon daily-trade: 1 statement · 2026-11-25"
    assert not any(ch in subject for ch in "\u202e\u200b\u2066\u2069\ufeff")


@pytest.mark.parametrize(("code", "stage"), [(421, "mail"), (451, "rcpt"), (451, "data"), (421, "data")])
async def test_reliability_26_temporary_failure_then_one_delivery(
    smtp_server: SmtpServer, code: int, stage: Any
) -> None:
    smtp_server.fail_next(1, code=code, stage=stage)
    msg = message_for([alert("a")])
    with pytest.raises(DeliveryError) as err:
        await send_email(smtp_server.settings(), msg, RCPTS)
    assert err.value.retryable and not err.value.ambiguous
    assert err.value.detail.startswith("email: ") and str(code) in err.value.detail
    assert smtp_server.envelopes == []
    result = await send_email(smtp_server.settings(), msg, RCPTS)  # the outbox's retry
    assert result.accepted == tuple(RCPTS)
    _received, rcpt_tos = only(smtp_server)  # exactly one message, on the retry
    assert rcpt_tos == tuple(RCPTS)


async def test_reliability_26_one_recipient_refused_others_delivered_once(smtp_server: SmtpServer) -> None:
    smtp_server.reject(RCPTS[1])
    result = await send_email(smtp_server.settings(), message_for([alert("a")]), RCPTS)
    assert result.accepted == (RCPTS[0], RCPTS[2])
    assert list(result.refused) == [RCPTS[1]]
    assert result.refused[RCPTS[1]].startswith("550 5.1.1")
    assert result.deferred == ()
    received, rcpt_tos = only(smtp_server)
    assert rcpt_tos == (RCPTS[0], RCPTS[2])
    assert [a.addr_spec for a in received["To"].addresses] == RCPTS  # the header lists the configured ones


async def test_all_recipients_refused_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.reject(*RCPTS)
    with pytest.raises(DeliveryError) as err:
        await send_email(smtp_server.settings(), message_for([alert("a")]), RCPTS)
    assert not err.value.retryable and "all recipients refused" in err.value.detail
    assert all(r in err.value.detail for r in RCPTS)
    assert smtp_server.envelopes == []


async def test_reliability_26_drop_after_data_is_ambiguous_and_resend_is_recognisable(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.drop_after_data(1)
    msg = message_for([alert("a")])
    with pytest.raises(DeliveryError) as err:
        await send_email(smtp_server.settings(), msg, RCPTS)
    assert err.value.retryable and err.value.ambiguous
    assert err.value.detail.startswith("email: ") and "may have been delivered" in err.value.detail
    assert len(smtp_server.envelopes) == 1  # the server did queue it
    await send_email(smtp_server.settings(), msg, RCPTS)  # the caller re-sends the same message
    received = smtp_server.messages()
    assert len(received) == 2  # one duplicate, at most...
    assert {m["Message-ID"] for m in received} == {message_id_for("daily-trade", START, "pressmon.test")}
    assert received[0].as_bytes() == received[1].as_bytes()  # ...and recognisable as one message


async def test_reliability_26_no_starttls_offered_refuses(smtp_server: SmtpServer) -> None:
    settings = smtp_server.settings(starttls=True, username="pressmon", password=PASSWORD)
    with pytest.raises(DeliveryError) as err:
        await send_email(settings, message_for([alert("a")]), RCPTS)
    assert not err.value.retryable and "does not offer STARTTLS" in err.value.detail
    assert smtp_server.transactions == 0 and smtp_server.envelopes == []
    assert PASSWORD not in str(err.value)


async def test_reliability_26_bad_certificate_refuses(smtp_tls_server: SmtpServer) -> None:
    other_ca = ssl.create_default_context(cadata=trustme.CA().cert_pem.bytes().decode())
    for ctx in (other_ca, None):  # a CA the client does not trust; the system trust store
        settings = smtp_tls_server.settings(tls_context=ctx, username="pressmon", password=PASSWORD)
        with pytest.raises(DeliveryError) as err:
            await send_email(settings, message_for([alert("a")]), RCPTS)
        assert not err.value.retryable and "certificate not trusted" in err.value.detail
        assert PASSWORD not in str(err.value)
    assert smtp_tls_server.transactions == 0 and smtp_tls_server.envelopes == []


async def test_reliability_26_hostname_mismatch_refuses() -> None:
    with SmtpServer(tls=True, cert_names=("mx.elsewhere.test",)) as server:  # trusted CA, wrong name
        with pytest.raises(DeliveryError) as err:
            await send_email(server.settings(), message_for([alert("a")]), RCPTS[:1])
        assert not err.value.retryable and "certificate not trusted" in err.value.detail
        assert server.transactions == 0 and server.envelopes == []


async def test_credentials_refused_without_tls() -> None:
    with SmtpServer(plain_auth=("pressmon", PASSWORD)) as server:  # offers AUTH in plaintext
        settings = server.settings(starttls=False, username="pressmon", password=PASSWORD)
        with pytest.raises(DeliveryError) as err:
            await send_email(settings, message_for([alert("a")]), RCPTS)
        assert not err.value.retryable
        assert (
            err.value.detail
            == "email: refusing to send credentials without TLS (enable starttls or implicit_tls)"
        )
        assert server.auth_attempts == [] and server.transactions == 0 and server.envelopes == []


async def test_credentials_over_starttls(smtp_auth_server: SmtpServer) -> None:
    settings = smtp_auth_server.settings(username="pressmon", password=PASSWORD)
    assert PASSWORD not in repr(settings)
    result = await send_email(settings, message_for([alert("a")]), RCPTS)
    assert result.accepted == tuple(RCPTS)
    assert smtp_auth_server.auth_attempts == ["pressmon"]
    env = smtp_auth_server.envelopes[0]
    assert env.tls and env.login == "pressmon" and len(smtp_auth_server.envelopes) == 1


async def test_wrong_password_is_permanent_and_not_echoed(smtp_auth_server: SmtpServer) -> None:
    settings = smtp_auth_server.settings(username="pressmon", password="wrong-" + PASSWORD)
    with pytest.raises(DeliveryError) as err:
        await send_email(settings, message_for([alert("a")]), RCPTS)
    assert (
        not err.value.retryable and "authentication failed" in err.value.detail and "535" in err.value.detail
    )
    assert PASSWORD not in str(err.value) and "wrong-" not in str(err.value)
    assert smtp_auth_server.envelopes == []


async def test_auth_required_but_no_credentials_is_permanent(smtp_auth_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as err:
        await send_email(smtp_auth_server.settings(), message_for([alert("a")]), RCPTS)
    assert not err.value.retryable and "530" in err.value.detail
    assert smtp_auth_server.envelopes == []


async def test_implicit_tls() -> None:
    with SmtpServer(implicit_tls=True) as server:
        result = await send_email(server.settings(), message_for([alert("a")]), RCPTS[:2])
        assert result.accepted == tuple(RCPTS[:2])
        assert server.envelopes[0].tls
        untrusted = server.settings(
            tls_context=ssl.create_default_context(cadata=trustme.CA().cert_pem.bytes().decode())
        )
        with pytest.raises(DeliveryError) as err:
            await send_email(untrusted, message_for([alert("a")]), RCPTS[:2])
        assert not err.value.retryable and "certificate not trusted" in err.value.detail
        assert len(server.envelopes) == 1


async def test_connection_refused_is_retryable_not_ambiguous() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False, sender=SENDER, timeout_s=2)
    with pytest.raises(DeliveryError) as err:
        await send_email(settings, message_for([alert("a")]), RCPTS)
    assert err.value.retryable and not err.value.ambiguous
    assert err.value.detail.startswith("email: 127.0.0.1:") and "cannot connect" in err.value.detail


@pytest.fixture
def silent_port() -> Iterator[int]:
    """Accepts connections (kernel backlog) and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


async def test_greeting_timeout_is_retryable_not_ambiguous(silent_port: int) -> None:
    settings = SmtpSettings(host="127.0.0.1", port=silent_port, starttls=False, sender=SENDER, timeout_s=0.3)
    with pytest.raises(DeliveryError) as err:
        await send_email(settings, message_for([alert("a")]), RCPTS)
    assert err.value.retryable and not err.value.ambiguous


async def test_recipients_are_the_envelope_not_the_headers(smtp_server: SmtpServer) -> None:
    msg = message_for([alert("a")], recipients=RCPTS)
    msg["Cc"] = "cc@example.org"  # headers are never read for the envelope
    result = await send_email(smtp_server.settings(), msg, [RCPTS[0], RCPTS[0]])
    assert result.accepted == (RCPTS[0],)
    _received, rcpt_tos = only(smtp_server)
    assert rcpt_tos == (RCPTS[0],)


async def test_no_recipients_and_conflicting_tls_are_permanent(smtp_server: SmtpServer) -> None:
    msg = message_for([alert("a")])
    for settings, recipients in (
        (smtp_server.settings(), []),
        (smtp_server.settings(starttls=True, implicit_tls=True), RCPTS),
    ):
        with pytest.raises(DeliveryError) as err:
            await send_email(settings, msg, recipients)
        assert not err.value.retryable
    assert smtp_server.transactions == 0


def test_context_is_not_mutated_by_rendering() -> None:
    ctx = sample_digest_context()
    before = copy.deepcopy(ctx)
    render_digest(ctx)
    assert ctx == before

"""Trying things before trusting them: `notify test` (fake Slack, a loopback webhook), `sources test`,
`init`, `config check`'s preflight (addresses, secrets, custom templates), `template render` samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.support.env import use_cli_env
from tests.support.fakeslack import TOKEN, FakeSlack
from tests.support.httpserver import FeedRequestHandler, FeedServer
from tests.test_poll import JAPAN, POLAND, rss

runner = CliRunner()

CONFIG = """
sources:
  - id: dsca
    url: {url}
topics:
  - id: fms-japan
    title: FMS to Japan
    query: '"Foreign Military Sale" AND Japan'
receivers:
  console: {{kind: console}}
  slack: {{kind: slack, channel: C123, token_env: T_TOKEN, pace_s: 0}}
  gone: {{kind: slack, channel: CNOPE, token_env: T_TOKEN, pace_s: 0}}
  hook: {{kind: webhook, url: "{hook}", secret_env: HOOK_SECRET}}
routes:
  - to: [console]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_cli_env(monkeypatch, tmp_path, T_TOKEN=TOKEN, HOOK_SECRET="s3cret")


def test_notify_test_slack_and_webhook(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bodies: list[bytes] = []

    def hook(req: FeedRequestHandler) -> None:
        bodies.append(req.rfile.read(int(req.headers.get("Content-Length", "0"))))
        req.respond(200, b"ok")

    with FakeSlack(min_interval_s=0.0) as slack, FeedServer() as server:
        server.set_handler("/hook", hook)
        monkeypatch.setenv("PRESSMON_SLACK_API_URL", slack.base_url)
        (env / "feeds.yaml").write_text(CONFIG.format(url="https://a.example/x", hook=server.url("/hook")))

        sent = runner.invoke(app, ["notify", "test", "slack"])
        assert sent.exit_code == 0, sent.output
        [message] = slack.messages("C123")
        assert "[TEST] pressmon notify test for slack" in message.text
        assert f"slack: accepted: C123:{message.ts}" in sent.output  # the provider's answer

        refused = runner.invoke(app, ["notify", "test", "gone"])
        assert refused.exit_code == 5 and "channel_not_found" in refused.output, refused.output
        assert "Traceback" not in refused.output

        hooked = runner.invoke(app, ["notify", "test", "hook"])
        assert hooked.exit_code == 0, hooked.output
        assert "hook: accepted: webhook:200" in hooked.output
        assert json.loads(bodies[0])["title"].startswith("[TEST] pressmon notify test")

        console = runner.invoke(app, ["notify", "test", "console"])
        assert console.exit_code == 0 and "━━ NEW ━━" in console.output and "[TEST]" in console.output

    typo = runner.invoke(app, ["notify", "test", "slak"])
    assert typo.exit_code == 2 and "did you mean slack?" in typo.output
    monkeypatch.delenv("T_TOKEN")
    unset = runner.invoke(app, ["notify", "test", "slack"])
    assert unset.exit_code == 3 and "T_TOKEN" in unset.output


def test_sources_test_fetches_once_and_stores_nothing(env: Path) -> None:
    with FeedServer() as server:
        server.set("/dsca.xml", rss(POLAND, JAPAN))
        (env / "feeds.yaml").write_text(CONFIG.format(url=server.url("/dsca.xml"), hook="https://h.example/"))
        by_id = runner.invoke(app, ["sources", "test", "dsca"])
        assert by_id.exit_code == 0, by_id.output
        out = by_id.output
        assert "HTTP 200 in" in out and "bytes on the wire" in out and "encoding utf-8" in out
        assert (
            "2 items parsed" in out and "matches fms-japan: " in out and "items per topic: fms-japan 1" in out
        )
        by_url = runner.invoke(app, ["sources", "test", server.url("/dsca.xml")])
        assert by_url.exit_code == 0 and "2 items parsed" in by_url.output
        server.status("/gone.xml", 404)
        gone = runner.invoke(app, ["sources", "test", server.url("/gone.xml")])
        assert gone.exit_code == 5 and "HTTP 404" in gone.output and "Traceback" not in gone.output
        server.set("/page.html", b"<html><body>not a feed</body></html>")
        not_feed = runner.invoke(app, ["sources", "test", server.url("/page.html")])
        assert not_feed.exit_code == 5 and "parse:" in not_feed.output
    assert not (env / "p.db").exists()


def test_sources_test_honours_the_address_policy(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSMON_ALLOW_PRIVATE_NETWORKS")
    with FeedServer() as server:
        server.set("/dsca.xml", rss(POLAND))
        refused = runner.invoke(app, ["sources", "test", server.url("/dsca.xml")])
    assert refused.exit_code == 5 and "refused address 127.0.0.1" in refused.output


def test_init_writes_a_valid_commented_config(env: Path) -> None:
    made = runner.invoke(app, ["init", "here"])
    assert made.exit_code == 0, made.output
    text = (env / "here" / "feeds.yaml").read_text()
    assert text.startswith("# Written by `pressmon init`") and text.count("\n#") > 20
    checked = runner.invoke(app, ["config", "check", "here/feeds.yaml"])
    assert checked.exit_code == 0, checked.output
    again = runner.invoke(app, ["init", "here"])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["init", "here", "--force"]).exit_code == 0


def test_config_check_preflight(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSMON_ALLOW_PRIVATE_NETWORKS")
    monkeypatch.delenv("HOOK_SECRET")
    (env / "mine").mkdir()
    (env / "mine" / "console.txt.j2").write_text("{{ title }}\n{{ no_such_thing }}\n")
    (env / "mine" / "email_digest.txt.j2").write_text("{{ subject }} {{ period_label }}\n")
    config = CONFIG.format(url="http://127.0.0.1:8080/x.xml", hook="https://h.example/") + "templates: mine\n"
    config = config.replace(
        "topics:", "  - id: meta\n    url: http://169.254.169.254/latest/meta-data\ntopics:"
    )
    (env / "feeds.yaml").write_text(config)
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "sources[0] (dsca).url: 127.0.0.1 is a loopback or private address" in out
    assert "unless PRESSMON_ALLOW_PRIVATE_NETWORKS=true" in out
    assert "sources[1] (meta).url: 169.254.169.254" in out and "never fetches it" in out
    assert "mine/console.txt.j2:2: 'no_such_thing' is undefined" in out
    assert "email_digest" not in out  # a digest template is rendered against a digest sample
    assert "warning: receivers.hook.secret_env: environment variable HOOK_SECRET is not set" in out
    monkeypatch.setenv("PRESSMON_ALLOW_PRIVATE_NETWORKS", "true")
    (env / "mine" / "console.txt.j2").write_text("{{ title }} at {{ seen_at | when }}\n")
    allowed = runner.invoke(app, ["config", "check"])
    assert allowed.exit_code == 1 and "loopback or private" not in allowed.output
    assert "169.254.169.254 is a link-local" in allowed.output


@pytest.mark.parametrize(
    "template",
    [
        "console.txt.j2",
        "slack_alert.json.j2",
        "webhook.json.j2",
        "email_digest.txt.j2",
        "email_digest.html.j2",
    ],
)
def test_every_bundled_template_renders_a_sample(env: Path, template: str) -> None:
    result = runner.invoke(app, ["template", "render", template, "--sample"])
    assert result.exit_code == 0, result.output
    assert result.output.strip()


@pytest.mark.parametrize(
    "kind", ["new", "revised", "also-reported", "withdrawn", "source-health failing", "operator"]
)
def test_alert_templates_render_every_kind(env: Path, kind: str) -> None:
    for template in ("console.txt.j2", "slack_alert.json.j2", "webhook.json.j2"):
        result = runner.invoke(app, ["template", "render", template, "--sample", "--kind", kind])
        assert result.exit_code == 0, (template, result.output)


def test_template_render_uses_the_configs_templates_directory(env: Path) -> None:
    (env / "mine").mkdir()
    (env / "mine" / "console.txt.j2").write_text("MINE: {{ title }}\n")
    (env / "feeds.yaml").write_text(
        CONFIG.format(url="https://a.example/x", hook="https://h.example/") + "templates: mine\n"
    )
    result = runner.invoke(app, ["template", "render", "console.txt.j2", "--sample", "-c", "feeds.yaml"])
    assert result.exit_code == 0 and result.output.startswith("MINE: Japan – SM-6"), result.output
    listed = runner.invoke(app, ["template", "list"])
    assert "mine/console.txt.j2" in listed.output and "slack_alert.json.j2" in listed.output

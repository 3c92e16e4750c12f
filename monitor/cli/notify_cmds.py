"""``pressmon notify test RECEIVER``: send a clearly marked test alert through the real notifier and print
what the provider answered (like ``amtool`` and urlwatch's test reporter)."""

from __future__ import annotations

import asyncio
import difflib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from monitor.cli.common import ConfigOpt, config_path, load, settings
from monitor.cli.errors import Failure
from monitor.cli.output import output
from monitor.errors import ConfigError

__all__ = ["register", "test_alert"]

group = typer.Typer(help="Receivers: try one before you trust it.", no_args_is_help=True)


def test_alert(receiver: str, now: datetime) -> dict[str, Any]:
    """The sample alert, marked as a test in its title, snippet and key, with a fresh key (a test never
    collides with, or is deduplicated against, a real alert)."""
    from monitor.notify.samples import sample_alert

    alert = sample_alert()
    key = f"test:{receiver}:{uuid.uuid4().hex[:12]}"
    alert.update(
        alert_key=key,
        thread_key=key,
        title=f"[TEST] pressmon notify test for {receiver}: please ignore",
        snippet="This is a test alert sent by `pressmon notify test`. " + alert["snippet"],
        seen_at=now.isoformat(),
        reason="test",
    )
    for t in alert["topics"]:
        t["snippet"] = "This is a test alert. " + t["snippet"]
    return alert


@group.command("test")
def notify_test(
    receiver: Annotated[str, typer.Argument(help="A receiver name from feeds.yaml (receivers:).")],
    config: ConfigOpt = None,
) -> None:
    """Send one test alert to RECEIVER through the real notifier; print the provider's answer.

    Nothing is stored. Exit 0 when the provider accepted it, 5 when it refused or was unreachable,
    3 when the receiver cannot be built (an unset secret).

    Examples:
    pressmon notify test "slack:#trade-desk"
    """
    from monitor.cli.template import template_dirs
    from monitor.wiring import build_notifiers

    cfg = load(config)
    if receiver not in cfg.receivers:
        names = sorted(cfg.receivers)
        close = difflib.get_close_matches(receiver, names, n=1)
        raise Failure(
            receiver,
            f"no such receiver in {config_path(config)}",
            f"did you mean {close[0]}?" if close else f"receivers: {', '.join(names)}",
        )
    if cfg.receivers[receiver].kind == "email":
        raise Failure(
            receiver,
            "e-mail receivers are sent digests, not alerts",
            "try `pressmon digest send DIGEST --now` (or `digest preview`)",
        )
    only = cfg.model_copy(update={"receivers": {receiver: cfg.receivers[receiver]}})
    notifiers, problems = build_notifiers(settings(), only, template_dirs=template_dirs(config))
    if problems:
        raise ConfigError(problems)
    notifier = notifiers[receiver]
    alert = test_alert(receiver, datetime.now(UTC))

    async def send() -> str:
        try:
            return await notifier.send(alert)
        finally:
            close = getattr(notifier, "aclose", None)
            if close is not None:
                await close()

    answer = asyncio.run(send())
    output.note(f"notify test: {receiver}: sent {alert['alert_key']}")
    output.print(f"{receiver}: accepted: {answer}")


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="notify")

"""``pressmon digest preview|send``: e-mail digests outside the schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli.common import ConfigOpt, load, parse_duration_opt
from monitor.cli.errors import ExitCode, Failure
from monitor.cli.output import output

__all__ = ["register"]

group = typer.Typer(help="E-mail digests: preview and send.", no_args_is_help=True)

SinceOpt = Annotated[str, typer.Option("--since", help="The period: this long up to now (e.g. 24h, 7d).")]
DigestArg = Annotated[str, typer.Argument(help="A digest id from feeds.yaml.")]


def _build(config: Path | None, digest: str) -> Any:
    from monitor.app import App
    from monitor.cli.common import settings

    cfg = load(config)
    if digest not in cfg.digests:
        known = ", ".join(sorted(cfg.digests)) or "none configured"
        raise Failure(f"digest {digest}", "not in the config", f"digests in the config: {known}")
    return App.build(settings(), cfg)


@contextmanager
def _application(config: Path | None, digest: str) -> Iterator[Any]:
    application = _build(config, digest)
    try:
        application.prepare_database(exclusive=False)
        yield application
    finally:
        asyncio.run(application.aclose())


@group.command("preview")
def digest_preview(
    digest: DigestArg,
    since: SinceOpt = "24h",
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the HTML part to this file.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Print what the digest would contain for the last --since; nothing is sent or recorded.

    Examples:
    pressmon digest preview daily --since 24h --html /tmp/daily.html
    """
    period = parse_duration_opt(since, "--since")
    with _application(config, digest) as application:
        now = datetime.now(UTC)
        with output.progress(f"rendering {digest}"):
            ctx, text, body = application.digests.render(digest, now - period, now)
    output.print(f"Subject: {ctx['subject']}\n")
    output.print(text)
    if html is not None:
        html.write_text(body, encoding="utf-8")
        output.note(f"digest: HTML written to {html}")


@group.command("send")
def digest_send(
    digest: DigestArg,
    now_: Annotated[
        bool, typer.Option("--now", help="Send the last --since now, outside the schedule.")
    ] = False,
    since: SinceOpt = "24h",
    config: ConfigOpt = None,
) -> None:
    """Send a digest now (to its recipients, or to the console when no smtp: is configured).

    Examples:
    pressmon digest send daily --now --since 24h
    """
    if not now_:
        raise Failure("arguments", "add --now", "scheduled digests are sent by `pressmon run`")
    period = parse_duration_opt(since, "--since")
    application = _build(config, digest)

    async def go() -> Any:
        try:
            application.prepare_database(exclusive=False)
            application.digests.queue_now(digest, since=period)
            return await application.digests.run_due()
        finally:
            await application.aclose()

    report = asyncio.run(go())
    for label in report.sent:
        output.note(f"digest: {label} sent")
    if report.empty:
        output.note("digest: nothing in the period; not sent")
    if report.retried or report.failed:
        raise Failure(
            "delivery",
            f"{report.retried} to retry, {report.failed} failed",
            "see the log above",
            code=ExitCode.NETWORK,
        )


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="digest")

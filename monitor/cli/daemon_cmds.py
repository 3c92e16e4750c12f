"""The daemon and its one-shot forms: ``run``, ``poll --once``, ``demo``, ``health``."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import ConfigOpt, config_path, database, load, setup_logging
from monitor.cli.errors import ExitCode, Failure, state
from monitor.cli.output import output
from monitor.humanize import count

__all__ = ["register"]

VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging (same as pressmon -v).")]


def run(
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format", help="text (default) or json: one object per line (PRESSMON_LOG_FORMAT)."
        ),
    ] = None,
) -> None:
    """Run the daemon: poll sources on their schedules and deliver alerts, until SIGTERM.

    Examples:
    PRESSMON_DATABASE_URL=sqlite:///pressmon.db pressmon run -c feeds.yaml
    """
    from monitor import failpoints
    from monitor.app import App
    from monitor.cli.common import settings as get_settings
    from monitor.config.loader import load_config
    from monitor.daemon import Daemon

    state.verbose = state.verbose or verbose
    settings = get_settings()
    if log_format not in (None, "text", "json"):
        raise typer.BadParameter(
            f'"{log_format}" is not a log format; use text or json', param_hint="--log-format"
        )
    setup_logging(verbose, log_format or settings.log_format)
    cfg = load(config)
    failpoints.configure(settings.failpoints, settings.failpoint_dir)

    async def main() -> None:
        application = App.build(settings, cfg)
        try:
            application.prepare_database(exclusive=True)
            await Daemon(application, reload_config=lambda: load_config(config_path(config))).run()
        finally:
            await application.aclose()

    asyncio.run(main())


def poll(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="One pass over the sources, then exit.")] = False,
    config: ConfigOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Poll sources once and deliver what they produced. Exit 1 if any source failed.

    Examples:
    pressmon poll --once -s dsca-major-arms-sales
    """
    from monitor.app import App
    from monitor.cli.common import settings as get_settings
    from monitor.fault import one_line
    from monitor.notify.worker import DeliveryReport

    if not once:
        raise Failure("arguments", "use --once", "the daemon is `pressmon run`")
    state.verbose = state.verbose or verbose
    settings = get_settings()
    setup_logging(verbose, settings.log_format)
    cfg = load(config)
    known = {s.id for s in cfg.sources}
    unknown = [s for s in source or [] if s not in known]
    if unknown:
        raise Failure(
            "--source",
            f"unknown source {', '.join(unknown)}",
            f"known: {', '.join(sorted(known))}",
        )

    async def main() -> int:
        from monitor.store.queries import source_overview

        application = App.build(settings, cfg)
        delivery_error: str | None = None
        try:
            application.prepare_database(exclusive=False)
            with output.progress("polling", total=len(source or application.enabled_source_ids())) as step:
                report = await application.poll_pass(  # every source reports, whatever failed
                    source, on_done=lambda r: step(1, description=f"polled {r.source_id}")
                )
            try:
                delivered = await application.deliver()
            except Exception as e:  # the summary below is printed all the same
                delivered, delivery_error = DeliveryReport(), one_line(e)
            wanted = set(source or application.enabled_source_ids())
            skipped = sorted(wanted - {r.source_id for r in report.sources})
            try:
                paused = {r.id: r.pause_reason for r in source_overview(application.engine) if r.paused_at}
            except Exception:  # the database went away: the summary below is printed all the same
                paused = {}
        finally:
            await application.aclose()
        for sid in skipped:
            why = (
                f"paused ({paused[sid]}); `pressmon sources resume {sid}` polls it again"
                if sid in paused
                else "not polled: another instance holds its lease"
            )
            output.note(f"{sid}: {why}")
        for r in report.sources:
            line = f"{r.source_id}: {r.status}"
            if r.status == "ok":
                line += f", {r.new} new, {r.revised} revised, {count(r.alerts, 'alert')}" + (
                    " (baseline: first poll, not alerted)" if r.baseline else ""
                )
            if r.error:
                line += f" - {r.error}"
            output.note(line)
        output.note(
            f"{count(len(report.sources), 'source')} polled, {len(report.failed)} failed; "
            f"{count(delivered.sent, 'alert')} delivered, {delivered.retried} to retry, "
            f"{delivered.failed} failed"
            + (f", {delivered.ambiguous} left ambiguous" if delivered.ambiguous else "")
        )
        if delivery_error:
            output.note(f"delivery: {delivery_error}; the alerts stay queued for the next run")
        return ExitCode.FAILED if report.failed or delivery_error else ExitCode.OK

    # Each source's outcome is printed once below; its log line would say the same again.
    poll_log = logging.getLogger("pressmon.poll")
    level = poll_log.level
    if not state.verbose:
        poll_log.setLevel(logging.ERROR)
    try:
        code = asyncio.run(main())
    finally:
        poll_log.setLevel(level)
    raise typer.Exit(code)


def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Keep the demo database in this directory (default: a temp dir).")
    ] = None,
) -> None:
    """Offline demo: loopback sources, a baseline poll, then new and edited statements -> alerts.

    Examples:
    pressmon demo
    """
    from monitor.demo.run import run_demo

    setup_logging(False)
    asyncio.run(run_demo(keep_dir=keep, out=output.out))


def health() -> None:
    """Exit 0 when this instance is doing its job: the database answers, its schema is current and it
    accepts writes; the daemon's loops ticked recently (its heartbeat file, or its /healthz when
    PRESSMON_HTTP_LISTEN is set); no alert has waited in the outbox past
    PRESSMON_OUTBOX_STUCK_ALERT_SECONDS. Otherwise exit 1 with one line saying why.

    Creates nothing: a missing SQLite file is unhealthy (exit 4); a heartbeat older than
    PRESSMON_HEARTBEAT_MAX_AGE_SECONDS, or none, exits 1.

    Examples:
    pressmon health
    """
    from datetime import UTC, datetime

    from monitor.cli.common import settings as get_settings
    from monitor.health import check_health

    with database():
        pass
    settings = get_settings()
    problems = check_health(settings, now=datetime.now(UTC))
    if problems:
        output.note("; ".join(problems))
        raise typer.Exit(ExitCode.FAILED)
    if settings.http_listen:
        _daemon_healthz(settings.http_listen)
    output.print("ok")


def _daemon_healthz(listen: str) -> None:
    """The daemon's own answer to "are the loops ticking" (one mechanism: ``monitor.ops_http``)."""
    import httpx

    from monitor.ops_http import parse_listen

    try:
        host, port = parse_listen(listen)
    except ValueError as e:
        raise Failure("health", str(e), "set PRESSMON_HTTP_LISTEN=host:port", code=ExitCode.CONFIG) from None
    host = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    url = f"http://{host}:{port}/healthz"
    try:
        answer = httpx.get(url, timeout=5)
    except httpx.HTTPError as e:
        raise Failure("health", f"the daemon does not answer at {url} ({e})", "is `pressmon run` up?",
                      code=ExitCode.FAILED) from None  # fmt: skip
    if answer.status_code != 200:
        raise Failure("health", f"{url}: {answer.text.strip()}", "see the daemon's log", code=ExitCode.FAILED)


def register(root: typer.Typer) -> None:
    root.command()(run)
    root.command()(poll)
    root.command()(demo)
    root.command()(health)

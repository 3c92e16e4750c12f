"""The ``pressmon`` command line. Thin: parse arguments, call the app, print."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from monitor.config.loader import describe, load_config
from monitor.config.schema import Config
from monitor.errors import ConfigError, PressmonError
from monitor.settings import Settings

__all__ = ["app", "main"]

app = typer.Typer(
    name="pressmon",
    help="Watch government and news sources for statements on Japan-US investment, tariffs and FMS.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Check feeds.yaml.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
silence_app = typer.Typer(help="Silence alerts for a while (by topic, source, receiver).")
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(silence_app, name="silence")
digest_app = typer.Typer(help="E-mail digests: preview and send.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")
template_app = typer.Typer(help="Alert templates.", no_args_is_help=True)
topics_app = typer.Typer(help="Topics: try queries and topics before you ship them.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(template_app, name="template")

# soft_wrap: never insert line breaks into messages (they are grepped, and paths are long).
err = Console(stderr=True, highlight=False, soft_wrap=True)
# Piped output (scripts, grep) gets wide tables rather than cells wrapped at 80 columns.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="feeds.yaml to use (default: PRESSMON_CONFIG_FILE or ./feeds.yaml)."),
]


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _load(settings: Settings, path: Path | None) -> Config:
    try:
        return load_config(path or settings.config_file)
    except ConfigError as e:
        for line in e.problems:
            err.print(line, markup=False)
        raise typer.Exit(1) from None


def _fail(e: PressmonError) -> typer.Exit:
    err.print(str(e), markup=False)
    return typer.Exit(1)


@config_app.command("check")
def config_check(file: Annotated[Path | None, typer.Argument(help="feeds.yaml to check.")] = None) -> None:
    """Validate feeds.yaml and print a summary; exit 1 on any error."""
    settings = Settings()
    config = _load(settings, file)
    for line in describe(config):
        out.print(line, markup=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations to PRESSMON_DATABASE_URL."""
    from monitor.store.engine import make_engine
    from monitor.store.migrate import current_revision, upgrade

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        out.print(f"database at revision {current_revision(engine)}", markup=False)
    finally:
        engine.dispose()


@app.command()
def health() -> None:
    """Exit 0 when the database is reachable and its schema is current (for container health checks)."""
    from monitor.store.engine import make_engine
    from monitor.store.migrate import current_revision, head_revision

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        current, head = current_revision(engine), head_revision(settings.database_url)
    except Exception as e:
        err.print(f"health: store: {e}", markup=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if current != head:
        err.print(f"health: schema at {current}, expected {head}; run `pressmon db upgrade`", markup=False)
        raise typer.Exit(1)
    out.print("ok", markup=False)


@app.command()
def run(config: ConfigOpt = None, verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """Run the daemon: poll sources on their schedules and deliver alerts, until SIGTERM."""
    from monitor.app import App
    from monitor.daemon import Daemon

    _setup_logging(verbose)
    settings = Settings()
    cfg = _load(settings, config)
    from monitor import failpoints

    failpoints.configure(settings.failpoints, settings.failpoint_dir)

    async def main() -> None:
        application = App.build(settings, cfg)
        try:
            application.prepare_database(exclusive=True)
            await Daemon(application, reload_config=lambda: load_config(config or settings.config_file)).run()
        finally:
            await application.aclose()

    try:
        asyncio.run(main())
    except PressmonError as e:
        raise _fail(e) from None


@app.command()
def poll(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="One pass over the sources, then exit.")] = False,
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Poll sources once and deliver what they produced. Exit 1 if any source failed."""
    from monitor.app import App

    if not once:
        err.print("poll: use --once (the daemon is `pressmon run`)", markup=False)
        raise typer.Exit(2)
    _setup_logging(verbose)
    settings = Settings()
    cfg = _load(settings, config)
    known = {s.id for s in cfg.sources}
    unknown = [s for s in source or [] if s not in known]
    if unknown:
        err.print(
            f"poll: unknown source {', '.join(unknown)} (known: {', '.join(sorted(known))})", markup=False
        )
        raise typer.Exit(2)

    async def main() -> int:
        application = App.build(settings, cfg)
        try:
            application.prepare_database(exclusive=False)
            report = await application.poll_pass(source)
            delivered = await application.deliver()
        finally:
            await application.aclose()
        for r in report.sources:
            line = f"{r.source_id}: {r.status}"
            if r.status == "ok":
                line += f", {r.new} new, {r.revised} revised, {r.alerts} alerts" + (
                    " (baseline: first poll, not alerted)" if r.baseline else ""
                )
            if r.error:
                line += f" - {r.error}"
            err.print(line, markup=False)
        err.print(
            f"{len(report.sources)} polled, {len(report.failed)} failed; "
            f"{delivered.sent} alerts delivered, {delivered.retried} to retry, {delivered.failed} failed",
            markup=False,
        )
        return 1 if report.failed else 0

    try:
        code = asyncio.run(main())
    except PressmonError as e:
        raise _fail(e) from None
    raise typer.Exit(code)


def _ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return "never"
    secs = int((now - dt).total_seconds())
    sign = "" if secs >= 0 else "in "
    secs = abs(secs)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{sign}{secs // size}{unit}" + ("" if sign else " ago")
    return f"{sign}{secs}s" + ("" if sign else " ago")


@app.command()
def sources(config: ConfigOpt = None) -> None:
    """Table of sources: last success, error streak, next poll, items stored, last error."""
    from monitor.store.engine import make_engine
    from monitor.store.migrate import upgrade
    from monitor.store.queries import source_overview

    settings = Settings()
    path = config or settings.config_file
    # Without a config file the table still shows what the database knows.
    configured = {s.id for s in _load(settings, path).sources} if path.exists() else set()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        rows = source_overview(engine)
    finally:
        engine.dispose()
    now = datetime.now(UTC)
    table = Table("id", "last ok", "errors", "next due", "items", "encoding", "last error")
    for r in rows:
        table.add_row(
            r.id + ("" if r.id in configured or not configured else " (not in config)"),
            _ago(r.last_ok_at, now),
            str(r.error_streak),
            _ago(r.next_due, now),
            str(r.items),
            r.encoding or "",
            (r.last_error or "")[:80],
        )
    for sid in sorted(configured - {r.id for r in rows}):
        table.add_row(sid, "never", "0", "not yet polled", "0", "", "")
    out.print(table)


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option(help="Keep the demo database in this directory (default: a temp dir).")
    ] = None,
) -> None:
    """Offline demo: loopback sources, a baseline poll, then new and edited statements -> alerts."""
    from monitor.demo.run import run_demo

    _setup_logging(False)
    try:
        asyncio.run(run_demo(keep_dir=keep, out=out))
    except PressmonError as e:
        raise _fail(e) from None


def _engine() -> Any:
    from monitor.store.engine import make_engine
    from monitor.store.migrate import upgrade

    engine = make_engine(Settings().database_url)
    upgrade(engine)
    return engine


@silence_app.command("add")
def silence_add(
    reason: Annotated[str, typer.Option("--reason", help="Why (shown in `silence list` and the outbox).")],
    for_: Annotated[str, typer.Option("--for", help="How long: 30m, 2h, 1d.")] = "2h",
    topic: Annotated[str | None, typer.Option("--topic")] = None,
    source: Annotated[str | None, typer.Option("--source")] = None,
    receiver: Annotated[str | None, typer.Option("--receiver")] = None,
) -> None:
    """Hold back alerts matching every given field; they end as `silenced` in the outbox, not lost."""
    import getpass

    from monitor.config.schema import parse_duration
    from monitor.store.silences import add_silence

    if not (topic or source or receiver):
        err.print("silence: name at least one of --topic, --source, --receiver", markup=False)
        raise typer.Exit(2)
    try:
        length = parse_duration(for_)
    except ValueError as e:
        err.print(f"silence: --for: {e}", markup=False)
        raise typer.Exit(2) from None
    now = datetime.now(UTC)
    engine = _engine()
    try:
        s = add_silence(
            engine,
            topic=topic,
            source=source,
            receiver=receiver,
            starts_at=now,
            ends_at=now + length,
            reason=reason,
            created_by=getpass.getuser(),
            now=now,
        )
    finally:
        engine.dispose()
    out.print(f"silence #{s.id} until {s.ends_at.isoformat(timespec='minutes')}", markup=False)


@silence_app.command("list")
def silence_list(
    all_: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
) -> None:
    """Active (and future) silences."""
    from monitor.store.silences import list_silences

    engine = _engine()
    now = datetime.now(UTC)
    try:
        rows = list_silences(engine, now=now, include_expired=all_)
    finally:
        engine.dispose()
    table = Table("id", "topic", "source", "receiver", "until", "by", "reason")
    for x in rows:
        until = x.ends_at.isoformat(timespec="minutes") + ("" if x.ends_at > now else " (expired)")
        table.add_row(
            str(x.id), x.topic or "*", x.source or "*", x.receiver or "*", until, x.created_by, x.reason
        )
    out.print(table)


@silence_app.command("expire")
def silence_expire(silence_id: Annotated[int, typer.Argument(help="The id from `silence list`.")]) -> None:
    """End a silence now."""
    from monitor.store.silences import expire_silence

    engine = _engine()
    try:
        ok = expire_silence(engine, silence_id, now=datetime.now(UTC))
    finally:
        engine.dispose()
    if not ok:
        err.print(f"silence: no active silence #{silence_id}", markup=False)
        raise typer.Exit(1)
    out.print(f"silence #{silence_id} expired", markup=False)


def _app_for(config: Path | None) -> Any:
    from monitor.app import App

    settings = Settings()
    cfg = _load(settings, config)
    try:
        application = App.build(settings, cfg)
        application.prepare_database(exclusive=False)
    except PressmonError as e:
        raise _fail(e) from None
    return application


def _digest_id(application: Any, digest: str) -> str:
    if digest not in application.config.digests:
        known = ", ".join(sorted(application.config.digests)) or "none configured"
        err.print(f"digest: unknown digest {digest} (digests: {known})", markup=False)
        raise typer.Exit(2)
    return digest


SinceOpt = Annotated[str, typer.Option("--since", help="The period: this long up to now (e.g. 24h, 7d).")]


@digest_app.command("preview")
def digest_preview(
    digest: Annotated[str, typer.Argument(help="A digest id from feeds.yaml.")],
    since: SinceOpt = "24h",
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the HTML part to this file.")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Print what the digest would contain for the last --since; nothing is sent or recorded."""
    from monitor.config.schema import parse_duration

    application = _app_for(config)
    try:
        digest_id = _digest_id(application, digest)
        now = datetime.now(UTC)
        ctx, text, body = application.digests.render(digest_id, now - parse_duration(since), now)
        out.print(f"Subject: {ctx['subject']}\n", markup=False)
        out.print(text, markup=False)
        if html is not None:
            html.write_text(body, encoding="utf-8")
            err.print(f"digest: HTML written to {html}", markup=False)
    finally:
        asyncio.run(application.aclose())


@digest_app.command("send")
def digest_send(
    digest: Annotated[str, typer.Argument(help="A digest id from feeds.yaml.")],
    now_: Annotated[
        bool, typer.Option("--now", help="Send the last --since now, outside the schedule.")
    ] = False,
    since: SinceOpt = "24h",
    config: ConfigOpt = None,
) -> None:
    """Send a digest now (to its recipients, or to the console when no smtp: is configured)."""
    from monitor.config.schema import parse_duration

    if not now_:
        err.print("digest send: add --now (scheduled digests are sent by `pressmon run`)", markup=False)
        raise typer.Exit(2)
    application = _app_for(config)

    async def go() -> Any:
        try:
            application.digests.queue_now(_digest_id(application, digest), since=parse_duration(since))
            return await application.digests.run_due()
        finally:
            await application.aclose()

    report = asyncio.run(go())
    for label in report.sent:
        err.print(f"digest: {label} sent", markup=False)
    if report.empty:
        err.print("digest: nothing in the period; not sent", markup=False)
    if report.retried or report.failed:
        err.print(f"digest: {report.retried} to retry, {report.failed} failed (see the log)", markup=False)
        raise typer.Exit(1)


@template_app.command("render")
def template_render(
    template: Annotated[
        str, typer.Argument(help="console.txt.j2, slack_alert.json.j2, webhook.json.j2, ...")
    ],
    alert: Annotated[int | None, typer.Option("--alert", help="An outbox row id.")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Use a built-in sample alert.")] = False,
) -> None:
    """Print what a template makes of a stored alert (or a sample): exactly what would be sent."""
    import json

    from monitor.notify.samples import sample_alert
    from monitor.render import Renderer

    settings = Settings()
    if (alert is None) == (not sample):
        err.print("template render: give one of --alert ID or --sample", markup=False)
        raise typer.Exit(2)
    payload: dict[str, Any]
    if alert is not None:
        from monitor.store.models import OutboxRow

        engine = _engine()
        try:
            from monitor.store.engine import read_session

            with read_session(engine) as s:
                row = s.get(OutboxRow, alert)
                if row is None:
                    err.print(f"template render: no outbox row {alert}", markup=False)
                    raise typer.Exit(1)
                payload = dict(row.payload)
        finally:
            engine.dispose()
    else:
        payload = sample_alert()
    dirs = [settings.template_dir] if settings.template_dir else []
    if template.startswith("slack"):
        from monitor.notify.slack_format import render_message, slack_environment

        msg = render_message(slack_environment(dirs), template, payload)
        out.print(
            json.dumps({"text": msg.text, "blocks": msg.blocks}, ensure_ascii=False, indent=2), markup=False
        )
    elif template.endswith(".json.j2"):
        out.print(Renderer(dirs).json(template, payload), markup=False)
    else:
        out.print(Renderer(dirs).text(template, payload), markup=False)


@topics_app.command("test")
def topics_test(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="A query to try (instead of --topic).")
    ] = None,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", "-t", help="A topic id from feeds.yaml (repeatable).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Text to test.")] = None,
    title: Annotated[str, typer.Option("--title", help="Title to go with --text.")] = "",
    file: Annotated[
        Path | None, typer.Option("--file", help="A text file, or a feed file (.xml/.rss/.rdf/.atom).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Stored history of this long (30d).")] = None,
    where: Annotated[str | None, typer.Option("--where", help="A fact predicate for --query.")] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="Match --text/--file as an item of this source (its tags, implies)."),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Every failing clause, not only the closest.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Show what matches, with highlights, facts, and why near misses did not match.

    Exits 1 when --text matched no topic (so it scripts), 2 on a usage error."""
    from monitor.config.schema import Topic, parse_duration
    from monitor.topics_test import Sample, report, samples_from_feed, samples_from_history

    settings = Settings()
    topics: list[Topic] = []
    try:
        if query is not None:
            topics.append(Topic(id="query", title="--query", query=query, where=where, facts=()))
        needs_config = topic or query is None or source is not None or "@" in (query or "")
        cfg = _load(settings, config) if needs_config else None
        if cfg is not None:
            wanted = topic or [t.id for t in cfg.topics]
            unknown = [t for t in wanted if t not in {x.id for x in cfg.topics}]
            if unknown:
                err.print(f"topics test: unknown topic {', '.join(unknown)}", markup=False)
                raise typer.Exit(2)
            topics.extend(t for t in cfg.topics if t.id in wanted)
    except ValidationError as e:  # --query/--where: the message carries the column
        for problem in e.errors():
            where_ = ".".join(str(p) for p in problem["loc"]) or "query"
            msg = problem["msg"].removeprefix("Value error, ")
            err.print(f"topics test: --{where_}: {msg}", markup=False)
        raise typer.Exit(2) from None
    meta: dict[str, Any] = {}
    if source is not None and cfg is not None:
        known = {s.id: s for s in cfg.sources}
        if source not in known:
            err.print(f"topics test: unknown source {source} (sources: {', '.join(known)})", markup=False)
            raise typer.Exit(2)
        src = known[source]
        meta = {"source": src.id, "tags": src.tags, "lang": src.lang, "implies": src.implies}
    samples: list[Sample] = []
    if text is not None:
        samples.append(Sample("--text", title, text, **meta))
    if file is not None:
        if file.suffix.lower() in (".xml", ".rss", ".rdf", ".atom", ".ashx"):
            try:
                samples.extend(samples_from_feed(file))
            except PressmonError as e:
                raise _fail(e) from None
        else:
            body = file.read_text(encoding="utf-8")
            first, _, rest = body.partition("\n")
            samples.append(Sample(file.name, title or first.strip(), rest if not title else body, **meta))
    if since is not None:
        engine = _engine()
        try:
            samples.extend(samples_from_history(engine, since=datetime.now(UTC) - parse_duration(since)))
        finally:
            engine.dispose()
    if not samples:
        err.print("topics test: give --text, --file or --since", markup=False)
        raise typer.Exit(2)
    from monitor.match.concepts import ConceptError

    try:
        result = report(topics, samples, concepts=cfg.concepts if cfg else None, verbose=verbose)
    except ConceptError as e:
        err.print(f"topics test: --query: {e}", markup=False)
        raise typer.Exit(2) from None
    for line in result.lines:
        out.print(line, markup=False)
    if text is not None and result.matched == 0:
        raise typer.Exit(1)


def main() -> None:
    app()

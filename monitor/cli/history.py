"""``pressmon replay`` and ``pressmon backtest``: stored history through today's, or another file's,
rules. The work is in :mod:`monitor.replay` and :mod:`monitor.backtest`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli.archive import SourcesOpt, UntilOpt, check_filters
from monitor.cli.common import JsonOpt, database, load, period, settings
from monitor.cli.errors import ExitCode, Failure
from monitor.cli.output import output

__all__ = ["register"]

SinceReq = Annotated[str, typer.Option("--since", help="From: a duration back from now (1d, 90d) or a date.")]
TopicsOpt = Annotated[list[str] | None, typer.Option("--topic", "-t", help="Only this topic (repeatable).")]


def _count(engine: Any, since: datetime, until: datetime | None) -> int:
    import sqlalchemy as sa

    from monitor.store.models import UTCDateTime

    sql = "SELECT COUNT(*) FROM revision WHERE fetched_at >= :since" + (
        " AND fetched_at < :until" if until else ""
    )
    binds = [sa.bindparam("since", type_=UTCDateTime)] + (
        [sa.bindparam("until", type_=UTCDateTime)] if until else []
    )
    with engine.connect() as conn:
        params = {"since": since, **({"until": until} if until else {})}
        return int(conn.execute(sa.text(sql).bindparams(*binds), params).scalar() or 0)


def _nothing_since(engine: Any, since: datetime, *, now: datetime, command: str) -> None:
    """When no revision was fetched since ``since`` but older ones are stored, say how old the newest is
    and what --since would reach it (a database copied from elsewhere, or the demo's fixed clock)."""
    import sqlalchemy as sa

    from monitor.store.models import RevisionRow

    with engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(RevisionRow.fetched_at))).scalar()
    if newest is None:
        output.note(f"{command}: the database holds no revisions yet; run the daemon (pressmon run) first")
        return
    if isinstance(newest, str):  # SQLite without the column's type processing
        newest = datetime.fromisoformat(newest)
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    if newest < since:
        days = max(1, (now - newest).days)
        output.note(
            f"{command}: nothing fetched since {since:%Y-%m-%d %H:%M} UTC; the newest revision is from "
            f"{newest:%Y-%m-%d %H:%M} UTC ({days} day{'s' if days != 1 else ''} ago): "
            f"try --since {newest:%Y-%m-%d}"
        )


def _check_ids(kind: str, wanted: list[str] | None, known: set[str]) -> list[str]:
    unknown = [w for w in wanted or [] if w not in known]
    if unknown:
        raise Failure(
            f"--{kind}", f"unknown {kind} {', '.join(unknown)}", f"known: {', '.join(sorted(known))}"
        )
    return list(wanted or [])


def replay(
    since: SinceReq,
    until: UntilOpt = None,
    topic: TopicsOpt = None,
    source: SourcesOpt = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Rules to replay with (default: feeds.yaml).")
    ] = None,
    to: Annotated[
        str,
        typer.Option(
            "--to", help="console (rendered alerts), json (an array), or a receiver from the config."
        ),
    ] = "console",
    send: Annotated[bool, typer.Option("--send", help="Queue the replayed alerts and deliver them.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --send: do not ask for confirmation.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes for a long range (5,000 revisions or more); see above. Default 1.",
        ),
    ] = None,
) -> None:
    """Run stored revisions, in their original order, through the daemon's own stages and show the alerts
    that would have gone out. A dry run unless --send.

    --jobs N uses N processes, and the alerts are always those of one process. A range of 40,000
    revisions or more is cut into consecutive windows replayed in parallel, each from the stories stored
    before it; where those differ from what the window before decided (other rules, or history stored by
    another version), the windows from there on are replayed again. A shorter range, and a replay done
    again, runs with N-1 processes matching and preparing revisions ahead of the one deciding stories.

    Replayed alerts carry "\\[replay]" in the title and keys of their own (replay:<run>:<key>): they never
    count as, or collide with, the original deliveries. With --send they are queued for the receivers
    they route to (only RECEIVER with --to RECEIVER), after a confirmation (--yes skips it), and delivered.

    Examples:
    pressmon replay --since 1d
    pressmon replay --since 2026-11-01 --until 2026-11-08 -t fms-japan --to json
    pressmon replay --since 7d -c new.yaml --to slack-fms --send
    """
    from monitor.replay import mark, run_id
    from monitor.replay_jobs import replay_jobs

    cfg = load(config)
    now = datetime.now(UTC)
    start, end = period(since, until, now=now)
    assert start is not None  # --since is required
    topics = _check_ids("topic", topic, {t.id for t in cfg.topics})
    sources = list(source or [])
    receivers = set(cfg.receivers)
    if to not in ("console", "json") and to not in receivers:
        raise Failure(
            "--to", f"unknown receiver {to}", f"use console, json or one of: {', '.join(sorted(receivers))}"
        )
    run = run_id(now)
    with database() as engine:
        check_filters(engine, sources=sources, configured={s.id for s in cfg.sources})
        total = _count(engine, start, end)
        alerts = []
        with output.progress("replaying", total=total) as advance:
            done = 0

            def progress(n: int) -> None:
                nonlocal done
                advance(n - done)
                done = n

            replayed = replay_jobs(
                engine,
                cfg,
                since=start,
                until=end,
                sources=sources,
                topics=topics,
                jobs=jobs or 1,
                total=total,
                progress=progress,
                notice=lambda text: output.note(f"replay: {text}"),
            )
            for r in replayed:
                if to in receivers and r.alert.receiver != to:
                    continue
                alerts.append((r, mark(r.alert, run)))
        if total == 0:
            _nothing_since(engine, start, now=now, command="replay")
        if send:
            _send(engine, cfg, [m for _, m in alerts], yes=yes)
            return
    _print(cfg, alerts, to, total)


def _print(cfg: Any, alerts: list[Any], to: str, total: int) -> None:
    by_key: dict[str, list[Any]] = {}
    for r, m in alerts:
        by_key.setdefault(m.alert_key, []).append((r, m))
    if to == "json":
        output.json(
            [
                {
                    **rows[0][1].payload,
                    "receivers": [m.receiver for _, m in rows],
                    "item_id": rows[0][0].item_id,
                    "revision_id": rows[0][0].revision_id,
                    "at": rows[0][0].at,
                }
                for rows in by_key.values()
            ]
        )
        return
    from monitor.render import Renderer

    s = settings()
    renderer = Renderer([s.template_dir] if s.template_dir else [])
    for rows in by_key.values():
        output.print(renderer.text("console.txt.j2", rows[0][1].payload).rstrip("\n"))
        output.print(f"  (replay: would go to {', '.join(m.receiver for _, m in rows)})")
        output.print()
    n = len(by_key)
    output.note(
        f"replay: {total} revisions read, {n} alert{'' if n == 1 else 's'} would have gone out (dry run)"
    )


def _send(engine: Any, cfg: Any, alerts: list[Any], *, yes: bool) -> None:
    import asyncio

    from monitor.app import App
    from monitor.store.engine import write_session
    from monitor.store.outbox import insert_outbox_rows

    if not alerts:
        output.note("replay: no alerts to send")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise Failure(
                "replay --send",
                f"would send {len(alerts)} alerts",
                "confirm with --yes (stdin is not a terminal)",
            )
        if not typer.confirm(f"Send {len(alerts)} replayed alerts?", err=True):
            raise typer.Exit(1)
    now = datetime.now(UTC)
    with write_session(engine) as s:
        insert_outbox_rows(
            s,
            [
                {
                    "alert_key": a.alert_key,
                    "receiver": a.receiver,
                    "kind": a.kind,
                    "mention_id": None,
                    "payload": a.payload,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "thread_key": a.payload.get("thread_key"),
                }
                for a in alerts
            ],
        )

    async def deliver() -> Any:
        application = App.build(settings(), cfg)
        try:
            application.prepare_database(exclusive=False)
            return await application.deliver()
        finally:
            await application.aclose()

    report = asyncio.run(deliver())
    output.note(
        f"replay: {len(alerts)} alerts queued; delivered {report.sent}, {report.retried} to retry, "
        f"{report.failed} failed (the daemon retries what is left)"
    )


def backtest(
    config: Annotated[Path, typer.Option("--config", "-c", help="The rules to try (new.yaml).")],
    against: Annotated[
        Path | None, typer.Option("--against", help="The rules to compare with (default: feeds.yaml).")
    ] = None,
    since: Annotated[str, typer.Option("--since", help="From: a duration back from now or a date.")] = "90d",
    until: UntilOpt = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Item id -> relevant topics (YAML/JSON), for precision/recall."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Compare two rule sets on stored history: alerts per topic for each, the items each would gain or
    lose with a snippet and the reason, and precision/recall per topic with --labels.

    A labels file maps item ids (see `pressmon items`) to the topics they are relevant to; an item with
    [] is relevant to none; items not listed are not scored:  12: \\[fms-japan]   15: []

    Examples:
    pressmon backtest -c new.yaml --since 90d
    pressmon backtest -c new.yaml --labels labels.yaml --json
    """
    from monitor.backtest import LabelsError, load_labels
    from monitor.backtest import backtest as run_backtest
    from monitor.cli.common import config_path
    from monitor.replay_jobs import MIN_PER_JOB, default_jobs

    new = load(config)
    old_name = str(config_path(against))
    if not config_path(against).exists():  # the default feeds.yaml is missing here: name the option
        raise Failure(
            "backtest: --against",
            f"{old_name}: file not found",
            "pass --against FILE (the rules to compare with), or run from the directory of your feeds.yaml",
            code=ExitCode.CONFIG,
        )
    old = load(against)
    now = datetime.now(UTC)
    start, end = period(since, until, now=now)
    assert start is not None  # --since has a default
    marks = None
    if labels is not None:
        from monitor.cli.common import read_bytes

        read_bytes(labels, "--labels")  # a missing or unreadable file: one usage line
        try:
            marks = load_labels(labels)
        except LabelsError as e:  # a usage mistake (exit 2), not a "no" (exit 1)
            raise Failure(
                "backtest",
                str(e).removeprefix("backtest: "),
                "a labels file maps item ids to the topics each should match, e.g. `12: [fms-japan]`",
            ) from None
    with database() as engine:
        total = _count(engine, start, end)
        if total == 0:
            _nothing_since(engine, start, now=datetime.now(UTC), command="backtest")
        with output.progress("backtesting", total=2 * total) as advance:
            done = 0

            def progress(n: int) -> None:
                nonlocal done
                advance(max(0, n - done))
                done = max(done, n)

            bt = run_backtest(
                engine,
                new,
                old,
                since=start,
                until=end,
                labels=marks,
                new_label=str(config),
                old_label=old_name,
                progress=progress,
                parallel=total >= MIN_PER_JOB and default_jobs() > 1,
            )
    if json:
        output.json(
            {
                "revisions": bt.revisions,
                "topics": [{"topic": c.topic, "against": c.old, "new": c.new} for c in bt.counts],
                "differences": [d.as_json() for d in bt.differences],
                "scores": [
                    {
                        "topic": s.topic,
                        "side": "against" if s.side == "old" else "new",
                        "tp": s.tp,
                        "fp": s.fp,
                        "fn": s.fn,
                        "precision": s.precision,
                        "recall": s.recall,
                    }
                    for s in bt.scores
                ],
            }
        )
        return
    output.table(
        ["topic", f"alerts ({old_name})", f"alerts ({config})", "change"],
        [[c.topic, c.old, c.new, f"{c.new - c.old:+d}"] for c in bt.counts],
        no_wrap=["topic"],
    )
    for d in bt.differences:
        output.print()
        output.print(
            f"{'+ gained' if d.gained else '- lost'} {d.topic}: item {d.item_id} ({d.source_id}) {d.title}"
        )
        if d.snippet:
            output.print(f"    {d.snippet}")
        output.print(f"    why not {'before' if d.gained else 'now'}: {d.reason}")
    if bt.scores:
        output.print()
        output.table(
            ["topic", "rules", "precision", "recall", "tp", "fp", "fn"],
            [
                [
                    s.topic,
                    old_name if s.side == "old" else str(config),
                    pct(s.precision),
                    pct(s.recall),
                    s.tp,
                    s.fp,
                    s.fn,
                ]
                for s in bt.scores
            ],
        )
    gained = sum(d.gained for d in bt.differences)
    output.note(
        f"backtest: {bt.revisions} revisions; {gained} gained, {len(bt.differences) - gained} lost "
        f"(item and topic pairs)"
    )


def pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def register(root: typer.Typer) -> None:
    root.command()(replay)
    root.command()(backtest)

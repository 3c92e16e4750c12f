"""``pressmon silence add|list|expire``: hold back alerts for a while."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from monitor.cli.common import JsonOpt, database, parse_duration_opt
from monitor.cli.errors import Failure
from monitor.cli.output import output

__all__ = ["register"]

group = typer.Typer(help="Silence alerts for a while (by topic, source, receiver).", no_args_is_help=True)


@group.command("add")
def silence_add(
    reason: Annotated[str, typer.Option("--reason", help="Why (shown in `silence list` and the outbox).")],
    for_: Annotated[str, typer.Option("--for", help="How long: 30m, 2h, 1d.")] = "2h",
    topic: Annotated[str | None, typer.Option("--topic")] = None,
    source: Annotated[str | None, typer.Option("--source")] = None,
    receiver: Annotated[str | None, typer.Option("--receiver")] = None,
) -> None:
    """Hold back alerts matching every given field; they end as `silenced` in the outbox, not lost.

    Example: pressmon silence add --topic tariffs-japan --source nikkei --for 2h --reason "wire copies"
    """
    import getpass

    from monitor.store.silences import add_silence

    if not (topic or source or receiver):
        raise Failure("arguments", "nothing to match", "name at least one of --topic, --source, --receiver")
    length = parse_duration_opt(for_, "--for")
    now = datetime.now(UTC)
    with database(create=True) as engine:
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
    output.print(f"silence #{s.id} until {s.ends_at.isoformat(timespec='minutes')}")


@group.command("list")
def silence_list(
    all_: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
    json: JsonOpt = False,
) -> None:
    """Active (and future) silences. Example: pressmon silence list --all"""
    from monitor.store.silences import list_silences

    now = datetime.now(UTC)
    with database(create=True) as engine:
        rows = list_silences(engine, now=now, include_expired=all_)
    if json:
        output.json(
            [
                {
                    "id": x.id,
                    "topic": x.topic,
                    "source": x.source,
                    "receiver": x.receiver,
                    "starts_at": x.starts_at,
                    "ends_at": x.ends_at,
                    "active": x.starts_at <= now < x.ends_at,
                    "created_by": x.created_by,
                    "reason": x.reason,
                }
                for x in rows
            ]
        )
        return
    table = []
    for x in rows:
        until = x.ends_at.isoformat(timespec="minutes") + ("" if x.ends_at > now else " (expired)")
        table.append(
            [str(x.id), x.topic or "*", x.source or "*", x.receiver or "*", until, x.created_by, x.reason]
        )
    output.table(["id", "topic", "source", "receiver", "until", "by", "reason"], table, no_wrap=["id"])


@group.command("expire")
def silence_expire(silence_id: Annotated[int, typer.Argument(help="The id from `silence list`.")]) -> None:
    """End a silence now. Example: pressmon silence expire 3"""
    from monitor.store.silences import expire_silence

    with database(create=True) as engine:
        ok = expire_silence(engine, silence_id, now=datetime.now(UTC))
    if not ok:
        raise Failure(f"#{silence_id}", "no such active silence", "see `pressmon silence list`")
    output.print(f"silence #{silence_id} expired")


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="silence")

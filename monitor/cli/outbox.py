"""``pressmon outbox [retry|drop]``: see every alert's delivery, and decide what the worker cannot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from monitor.cli.common import JsonOpt, database
from monitor.cli.errors import ExitCode, Failure
from monitor.cli.output import output

__all__ = ["register"]

STATES = ("pending", "sending", "sent", "retry", "failed", "ambiguous", "silenced", "dropped")

group = typer.Typer(invoke_without_command=True)  # its help is the callback's docstring


@group.callback()
def outbox_list(
    ctx: typer.Context,
    state: Annotated[
        list[str] | None,
        typer.Option("--state", help=f"Only rows in this state (repeatable): {', '.join(STATES)}."),
    ] = None,
    receiver: Annotated[list[str] | None, typer.Option("--receiver", help="Only this receiver.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows, newest first.")] = 200,
    json: JsonOpt = False,
) -> None:
    """The outbox: list alert deliveries, newest first; retry or drop the ones a person must decide.

    Examples:
    pressmon outbox --state ambiguous --state failed
    pressmon outbox --receiver team-slack --json
    pressmon outbox retry 42
    """
    if ctx.invoked_subcommand is not None:
        return
    from monitor.store.outbox_admin import list_outbox

    bad = [s for s in state or [] if s not in STATES]
    if bad:
        raise Failure("--state", f"unknown state {', '.join(bad)}", f"use one of {', '.join(STATES)}")
    with database() as engine:
        rows = list_outbox(engine, states=state or (), receivers=receiver or (), limit=limit)
    if json:
        output.json([r.as_dict() for r in rows])
        return
    output.table(
        ["id", "state", "receiver", "kind", "tries", "created", "next/sent", "alert", "last error"],
        [
            [
                r.id,
                r.state + (f" ({r.unconfirmed} unconfirmed)" if r.unconfirmed else ""),
                r.receiver,
                r.kind,
                r.attempts,
                f"{r.created_at:%Y-%m-%d %H:%M}",
                f"{r.sent_at or r.next_attempt_at:%Y-%m-%d %H:%M}",
                r.title[:60] or r.alert_key,
                (r.last_error or "")[:120],
            ]
            for r in rows
        ],
        no_wrap=["id"],
    )


@group.command("retry")
def outbox_retry(
    row_id: Annotated[int | None, typer.Argument(help="The row id from `pressmon outbox`.")] = None,
    receiver: Annotated[
        str | None, typer.Option("--receiver", help="Every unsent row of this receiver.")
    ] = None,
) -> None:
    """Send a row again now (or every unsent row of a receiver): for `ambiguous` rows you checked did
    not arrive, `failed` rows whose receiver you fixed.

    Examples:
    pressmon outbox retry 42
    pressmon outbox retry --receiver team-slack
    """
    from monitor.store.outbox_admin import retry_rows, row_state

    if (row_id is None) == (receiver is None):
        raise Failure("arguments", "give a row id or --receiver, not both", "see `pressmon outbox`")
    now = datetime.now(UTC)
    with database() as engine:
        changed = retry_rows(engine, now=now, row_id=row_id, receiver=receiver)
        if row_id is not None and not changed:
            st = row_state(engine, row_id)
            why = (
                "no such row"
                if st is None
                else f"it is {st}"
                + (" (sending it again would be a duplicate)" if st == "sent" else " (a worker holds it now)")
            )
            raise Failure(f"outbox #{row_id}", why, "see `pressmon outbox`", code=ExitCode.USAGE)
    output.print(f"{len(changed)} row(s) queued again: {' '.join(f'#{i}' for i in changed) or '-'}")


@group.command("drop")
def outbox_drop(
    row_id: Annotated[int, typer.Argument(help="The row id from `pressmon outbox`.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the row).")],
) -> None:
    """Give up on an unsent row: it ends as `dropped`, kept with your reason.

    Examples:
    pressmon outbox drop 42 --reason "arrived; checked with the receiver's owner"
    """
    from monitor.store.outbox_admin import drop_row, row_state

    with database() as engine:
        if not drop_row(engine, row_id, reason=reason, now=datetime.now(UTC)):
            st = row_state(engine, row_id)
            why = "no such row" if st is None else f"it is {st}"
            raise Failure(f"outbox #{row_id}", why, "only unsent rows can be dropped", code=ExitCode.USAGE)
    output.print(f"#{row_id} dropped")


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="outbox")

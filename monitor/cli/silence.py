"""``pressmon silence add|list|expire``: hold back alerts for a while."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import ConfigOpt, JsonOpt, config_path, database, load, parse_duration_opt
from monitor.cli.errors import Failure
from monitor.cli.output import output
from monitor.silence import Matcher

__all__ = ["register"]

group = typer.Typer(help="Silence alerts for a while (by topic, source, receiver).", no_args_is_help=True)


ALERT_KINDS = ("new", "revised", "also-reported", "withdrawn", "source-health", "operator")


def _check_matchers(matchers: list[Matcher], config: Path | None) -> list[str]:
    """Refuse a matcher naming a topic, source, receiver or kind that does not exist (a typo would
    silence nothing, or with != everything); return warnings for regexes that match nothing known."""
    import difflib
    import re

    cfg = load(config)
    known = {
        "topic": sorted(t.id for t in cfg.topics),
        "source": sorted(s.id for s in cfg.sources),
        "receiver": sorted(cfg.receivers),
        "kind": list(ALERT_KINDS),
    }
    warnings = []
    for m in matchers:
        names = known[m.name]
        if m.op in ("=", "!="):
            if m.value not in names:
                close = difflib.get_close_matches(m.value, names, n=1)
                hint = f"did you mean {close[0]}?" if close else f"{m.name}s: {', '.join(names) or 'none'}"
                raise Failure(str(m), f"no {m.name} {m.value} in {config_path(config)}", hint)
        elif not any(re.fullmatch(m.value, n) for n in names):
            warnings.append(f"silence: {m} matches no {m.name} in {config_path(config)} today")
    return warnings


@group.command("add")
def silence_add(
    matchers: Annotated[
        list[str] | None,
        typer.Argument(
            help="Matchers: topic|source|receiver|kind, then = != =~ !~, then a value or regex "
            "(topic=tariffs-japan 'source=~nikkei|kyodo' kind!=revised)."
        ),
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why (shown in `silence list` and the outbox).")
    ] = "",
    for_: Annotated[str, typer.Option("--for", help="How long: 30m, 2h, 1d.")] = "2h",
    topic: Annotated[str | None, typer.Option("--topic", help="Same as topic=ID.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Same as source=ID.")] = None,
    receiver: Annotated[str | None, typer.Option("--receiver", help="Same as receiver=NAME.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Hold back alerts matching every matcher; they end as `silenced` in the outbox, not lost.

    Topics, sources, receivers and kinds are checked against the config (-c).

    Examples:
    pressmon silence add topic=tariffs-japan source=nikkei --for 2h --reason "wire copies"
    pressmon silence add 'source=~nikkei|kyodo' kind!=revised --for 1d --reason "weekend"
    """
    import getpass

    from monitor.silence import parse_matcher
    from monitor.store.silences import add_silence

    if not reason.strip():
        raise Failure("--reason", "missing", 'say why, e.g. --reason "noisy wire copies"')
    parsed: list[Matcher] = []
    for text in matchers or []:
        try:
            parsed.append(parse_matcher(text))
        except ValueError as e:
            raise Failure("matcher", str(e)) from None
    for name, value in (("topic", topic), ("source", source), ("receiver", receiver)):
        if value is not None:
            parsed.append(Matcher(name, "=", value))
    if not parsed:
        raise Failure(
            "arguments", "nothing to match", "give matchers such as topic=ID or --topic, --source, --receiver"
        )
    length = parse_duration_opt(for_, "--for")
    for warning in _check_matchers(parsed, config):
        output.note(warning)
    # Equality on topic/source/receiver goes in the plain columns; the rest are stored as matchers.
    plain: dict[str, str] = {}
    rest: list[Matcher] = []
    for m in parsed:
        if m.op == "=" and m.name != "kind" and m.name not in plain:
            plain[m.name] = m.value
        else:
            rest.append(m)
    now = datetime.now(UTC)
    with database(create=True) as engine:
        s = add_silence(
            engine,
            topic=plain.get("topic"),
            source=plain.get("source"),
            receiver=plain.get("receiver"),
            matchers=tuple(rest),
            starts_at=now,
            ends_at=now + length,
            reason=reason,
            created_by=getpass.getuser(),
            now=now,
        )
    output.print(f"silence #{s.id} until {s.ends_at:%Y-%m-%d %H:%M} UTC: {s.describe()}")


@group.command("list")
def silence_list(
    all_: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
    json: JsonOpt = False,
) -> None:
    """Active (and future) silences.

    Examples:
    pressmon silence list --all
    """
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
                    "matchers": [m.as_dict() for m in x.matchers],
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
        until = f"{x.ends_at:%Y-%m-%d %H:%M}" + ("" if x.ends_at > now else " (expired)")
        table.append([str(x.id), x.describe(), until, x.created_by, x.reason])
    output.table(["id", "matches", "until", "by", "reason"], table, no_wrap=["id"])


@group.command("expire")
def silence_expire(silence_id: Annotated[int, typer.Argument(help="The id from `silence list`.")]) -> None:
    """End a silence now.

    Examples:
    pressmon silence expire 3
    """
    from monitor.store.silences import expire_silence

    with database(create=True) as engine:
        ok = expire_silence(engine, silence_id, now=datetime.now(UTC))
    if not ok:
        raise Failure(f"#{silence_id}", "no such active silence", "see `pressmon silence list`")
    output.print(f"silence #{silence_id} expired")


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="silence")

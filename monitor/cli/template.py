"""``pressmon template render|list``: see exactly what a template makes of an alert."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.cli.common import ConfigOpt, config_path, database, load, settings
from monitor.cli.errors import Failure
from monitor.cli.output import output

__all__ = ["register", "template_dirs"]

group = typer.Typer(help="Alert templates.", no_args_is_help=True)


def template_dirs(config: Path | None) -> list[Path]:
    """The directories the daemon would search before the bundled templates: the config's
    ``templates:`` (when -c is given or the default config exists), then PRESSMON_TEMPLATE_DIR."""
    dirs: list[Path] = []
    path = config_path(config)
    if config is not None or path.exists():
        cfg = load(path)
        if cfg.templates is not None:
            dirs.append(cfg.templates)
    env_dir = settings().template_dir
    if env_dir is not None:
        dirs.append(env_dir)
    return dirs


@group.command("list")
def template_list(config: ConfigOpt = None) -> None:
    """The templates a receiver can name, and where each comes from (yours override bundled ones).

    Examples:
    pressmon template list -c feeds.yaml
    """
    from monitor.resources import bundled_path

    seen: dict[str, Path] = {}
    for d in [*template_dirs(config), bundled_path("alerts")]:
        for f in sorted(Path(d).glob("*.j2")):
            seen.setdefault(f.name, f)
    output.table(["template", "file"], [[name, str(path)] for name, path in sorted(seen.items())])


@group.command("render")
def template_render(
    template: Annotated[
        str,
        typer.Argument(help="console.txt.j2, slack_alert.json.j2, webhook.json.j2, email_digest.txt.j2, ..."),
    ],
    alert: Annotated[int | None, typer.Option("--alert", help="An outbox row id.")] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Use a built-in sample alert (or digest).")
    ] = False,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="With --sample: new, revised, also-reported, withdrawn, source-health failing, "
            "source-health resolved, operator.",
        ),
    ] = "new",
    config: ConfigOpt = None,
) -> None:
    """Print what a template makes of a stored alert (or a sample): exactly what would be sent.

    Uses the templates: directory of the config like the daemon does.

    Examples:
    pressmon template render console.txt.j2 --sample -c feeds.yaml
    pressmon template render slack_alert.json.j2 --sample --kind revised
    pressmon template render email_digest.txt.j2 --sample
    """
    from monitor.templates import render, samples, template_kind

    if (alert is None) == (not sample):
        raise Failure("arguments", "give one of --alert ID or --sample")
    dirs = template_dirs(config)
    context: dict[str, Any]
    if alert is not None:
        if template_kind(template).startswith("digest"):
            raise Failure("--alert", "digest templates render a digest, not one alert", "use --sample")
        from monitor.store.engine import read_session
        from monitor.store.models import OutboxRow

        with database() as engine, read_session(engine) as s:
            row = s.get(OutboxRow, alert)
            if row is None:
                raise Failure("--alert", f"{alert}: no such alert in the outbox", "ids are in the outbox")
            context = dict(row.payload)
    else:
        choices = dict(samples(template_kind(template)))
        if template_kind(template).startswith("digest"):
            kind = next(iter(choices))
        if kind not in choices:
            raise Failure("--kind", f"no {kind} sample", f"samples: {', '.join(choices)}")
        context = choices[kind]
    output.print(render(template, dirs, context).rstrip("\n"))


def register(root: typer.Typer) -> None:
    root.add_typer(group, name="template")

"""``describe``: the short human summary of a loaded config that ``pressmon config check`` prints."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from monitor.config.delivery import ConsoleReceiver, EmailReceiver, SlackReceiver, WebhookReceiver
from monitor.config.schema import Config

__all__ = ["describe"]


def describe(config: Config) -> list[str]:
    """A short human summary for ``pressmon config check``: counts, then one line per thing."""
    enabled = sum(1 for s in config.sources if s.enabled)
    out = [
        ", ".join(
            [
                f"{_plural(len(config.sources), 'source')} ({enabled} enabled)",
                _plural(len(config.topics), "topic"),
                _plural(len(config.routes), "route"),
                _plural(len(config.receivers), "receiver"),
                _plural(len(config.digests), "digest"),
            ]
        )
    ]
    for s in config.sources:
        host = urlsplit(s.url).hostname or s.url
        extra = [f"tags {', '.join(s.tags)}"] if s.tags else []
        extra += [f"lang {s.lang}"] if s.lang else []
        extra += ["DISABLED"] if not s.enabled else []
        tail = f" ({'; '.join(extra)})" if extra else ""
        kind: str = s.kind
        if s.select is not None:
            pages = f", up to {s.select.max_pages} pages" if s.select.max_pages > 1 else ""
            kind = f"html listing (items {s.select.item!r}{pages})"
        elif s.api is not None:
            kind = f"json_api ({s.api.preset or 'items ' + repr(s.api.items)})"
        if s.full_text:
            kind += f" + full text (up to {s.full_text_max} pages a poll)"
        every = _duration(s.every)
        if s.every_min is not None or s.every_max is not None:
            bounds = (_duration(s.every_min or s.every), _duration(s.every_max or s.every))
            every += f" (adaptive {bounds[0]}-{bounds[1]})"
        out.append(f"source {s.id}: {kind} from {host} every {every}{tail}")
    for t in config.topics:
        if t.query is not None:
            q = " ".join(t.query.split())
            parts = [f"query {q[:70]}{'…' if len(q) > 70 else ''}"]
        else:
            parts = [_plural(len(t.keywords), "keyword")]
            parts += [f"requires {_plural(len(t.requires), 'group')}"] if t.requires else []
            parts += [f"excludes {_plural(len(t.excludes), 'term')}"] if t.excludes else []
        parts += [f"facts {', '.join(t.facts)}"] if t.facts else []
        parts += [f"where {' '.join(t.where.split())}"] if t.where else []
        title = f" - {t.title}" if t.title else ""
        out.append(f"topic {t.id}: {', '.join(parts)}{title}")
    for i, r in enumerate(config.routes):
        conds = [
            f"{name} {'|'.join(values)}"
            for name, values in (
                ("topic", r.match.topic),
                ("source", r.match.source),
                ("tag", r.match.tag),
                ("kind", r.match.kind),
            )
            if values
        ]
        cont = " (continue)" if r.continue_ else ""
        out.append(f"route {i}: {' and '.join(conds) or 'everything'} -> {', '.join(r.to)}{cont}")
    for name, rcv in config.receivers.items():
        out.append(f"receiver {name}: {_receiver_summary(rcv)}")
    for name, d in config.digests.items():
        topics = ", ".join(d.topics) if d.topics else "all topics"
        when = f"cron '{d.cron}'" if d.cron else f"daily {d.at}"
        via = f"via {config.smtp.host}" if config.smtp else "printed to the console: no smtp configured"
        out.append(f"digest {name}: {when} {d.timezone} to {', '.join(d.to)} ({topics}; {via})")
    if config.operator:
        out.append(f"operator alerts -> {', '.join(config.operator)}")
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------------------------------
# describe() helpers


def _duration(td: timedelta) -> str:
    total = int(td.total_seconds())
    if total <= 0:
        return f"{td.total_seconds():g}s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            out += f"{n}{unit}"
    return out


def _receiver_summary(rcv: ConsoleReceiver | SlackReceiver | EmailReceiver | WebhookReceiver) -> str:
    if isinstance(rcv, SlackReceiver):
        if rcv.mode == "webhook":
            return f"slack incoming webhook (URL from ${rcv.url_env})"
        return f"slack channel {rcv.channel} (token from ${rcv.token_env})"
    if isinstance(rcv, EmailReceiver):
        return f"email to {', '.join(rcv.to)}"
    if isinstance(rcv, WebhookReceiver):
        return f"webhook to {urlsplit(rcv.url).hostname}"
    return "console"

"""What the composition root builds from settings + config before anything starts: one notifier per
receiver (templates loaded and secrets read now, so a broken one fails at start), the SMTP settings of
digests, and the HTTP client's connection pool size. ``monitor.app`` puts them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import httpx
import jinja2

from monitor.config.delivery import ConsoleReceiver, SlackReceiver, WebhookReceiver
from monitor.config.schema import Config
from monitor.errors import ConfigError
from monitor.notify import Notifier
from monitor.notify.console import ConsoleNotifier
from monitor.notify.email import SmtpSettings
from monitor.notify.webhook import WebhookNotifier
from monitor.render import Renderer
from monitor.settings import Settings, secret

__all__ = ["MAX_POOL", "build_notifiers", "pool_size", "smtp_settings"]


MAX_POOL = 256  # connections kept open at most (file descriptors); above it, idle ones are recycled


def pool_size(config: Config, concurrency: int) -> int:
    """Connections the HTTP client may keep: twice the fetches in flight, and at least one per host the
    sources name, so that fetch slots handed out host by host (``monitor.hosts``) find that host's
    connection still open on the next poll instead of a pool of 20 recycling 50 hosts' connections and
    paying a new TCP (and TLS) handshake for every unchanged poll. At most ``MAX_POOL``."""
    hosts = {httpx.URL(s.url).host for s in config.sources if s.enabled}
    return min(MAX_POOL, max(2 * concurrency, len(hosts)))


def build_notifiers(
    settings: Settings,
    config: Config,
    *,
    template_dirs: Sequence[Path] = (),
    stream: TextIO | None = None,
) -> tuple[dict[str, Notifier], list[str]]:
    """One notifier per receiver, templates loaded now (a broken template fails at start), secrets read
    from the environment variables the config names. Returns the notifiers and the problems found."""
    renderer = Renderer(template_dirs)
    notifiers: dict[str, Notifier] = {}
    problems: list[str] = []
    for name, receiver in config.receivers.items():
        try:
            if isinstance(receiver, ConsoleReceiver):
                renderer.check(receiver.template)
                notifiers[name] = ConsoleNotifier(
                    name, renderer, template=receiver.template, stream=stream, timezone=receiver.timezone
                )
            elif isinstance(receiver, SlackReceiver):
                notifiers[name] = _slack(name, receiver, settings, template_dirs)
            elif isinstance(receiver, WebhookReceiver):
                renderer.check(receiver.template)
                secret_value = secret(receiver.secret_env) if receiver.secret_env else None
                if receiver.secret_env and secret_value is None:
                    problems.append(
                        f"receivers.{name}: environment variable {receiver.secret_env} is not set"
                    )
                    continue
                notifiers[name] = WebhookNotifier(
                    name,
                    url=receiver.url,
                    secret=secret_value,
                    renderer=renderer,
                    template=receiver.template,
                    timezone=receiver.timezone,
                )
            else:
                problems.append(
                    f"receivers.{name}: kind 'email' delivers through digests (see digests:); "
                    "route alerts to console, slack or webhook receivers"
                )
        except jinja2.TemplateError as e:
            problems.append(f"receivers.{name}: template: {e}")
        except ValueError as e:
            problems.append(f"receivers.{name}: {e}")
    return notifiers, problems


def smtp_settings(config: Config) -> SmtpSettings | None:
    """SMTP settings from feeds.yaml ``smtp:`` with credentials from the environment (None: no SMTP, digests
    print to the console)."""
    smtp = config.smtp
    if smtp is None:
        return None
    problems = []
    username = secret(smtp.username_env) if smtp.username_env else None
    password = secret(smtp.password_env) if smtp.password_env else None
    for env, value in ((smtp.username_env, username), (smtp.password_env, password)):
        if env and value is None:
            problems.append(f"smtp: environment variable {env} is not set")
    if problems:
        raise ConfigError(problems)
    return SmtpSettings(
        host=smtp.host,
        port=smtp.port,
        starttls=smtp.starttls,
        implicit_tls=smtp.implicit_tls,
        username=username,
        password=password,
        timeout_s=smtp.timeout.total_seconds(),
        sender=smtp.sender,
    )


def _slack(name: str, r: SlackReceiver, settings: Settings, template_dirs: Sequence[Path]) -> Notifier:
    # slack-sdk and aiohttp (~10 MiB resident) load only when a Slack receiver is configured.
    from monitor.notify.slack import SlackNotifier, SlackWebhookNotifier

    if r.mode == "webhook":
        url = secret(r.url_env or "")
        if url is None:
            raise ValueError(f"environment variable {r.url_env} (the Slack webhook URL) is not set")
        hook = SlackWebhookNotifier(
            name,
            url=url,
            template=r.template,
            template_dirs=template_dirs,
            pace_s=r.pace_s,
            timezone=r.timezone,
        )
        hook.check()
        return hook
    token = secret(r.token_env)
    if token is None:
        raise ValueError(f"environment variable {r.token_env} (the Slack bot token) is not set")
    api = SlackNotifier(
        name,
        token=token,
        channel=r.channel or "",
        template=r.template,
        template_dirs=template_dirs,
        base_url=settings.slack_api_url,
        pace_s=r.pace_s,
        timezone=r.timezone,
    )
    api.check()
    return api

"""What ``config check`` can tell before ``poll`` or ``run`` would refuse: source addresses the fetch
policy refuses, and secrets (``*_env``) unset in this environment. Pure apart from reading the
environment through ``monitor.settings.secret``; no DNS (host names other than ``localhost`` and known
metadata names are judged when they are fetched).
"""

from __future__ import annotations

import ipaddress

import httpx

from monitor.config.schema import Config
from monitor.fetch import address_refused
from monitor.settings import secret

__all__ = ["address_problems", "unset_secrets"]

ALLOW_SETTING = "PRESSMON_ALLOW_PRIVATE_NETWORKS"
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
_METADATA_NAMES = ("metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal")


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def address_problems(config: Config, *, allow_private: bool) -> list[str]:
    """One line per source whose URL names an address a fetch would refuse, naming what allows it."""
    problems = []
    for i, src in enumerate(config.sources):
        try:
            host = httpx.URL(src.url).host.lower()
        except httpx.InvalidURL:
            continue
        where = f"sources[{i}] ({src.id}).url"
        if host in _METADATA_NAMES or host.endswith(".metadata.google.internal"):
            problems.append(f"{where}: {host} is a cloud metadata service; pressmon never fetches it")
            continue
        ip = "127.0.0.1" if host in _LOCAL_NAMES or host.endswith(".localhost") else _literal(host)
        if ip is None or not address_refused(ip, allow_private=allow_private):
            continue
        if address_refused(ip, allow_private=True):
            problems.append(
                f"{where}: {host} is a link-local, metadata, multicast or reserved address; pressmon never "
                f"fetches it, even with {ALLOW_SETTING}=true"
            )
        else:
            problems.append(
                f"{where}: {host} is a loopback or private address; fetches of it are refused unless "
                f"{ALLOW_SETTING}=true (meant for tests and sources on your own network)"
            )
    return problems


def unset_secrets(config: Config) -> list[str]:
    """One line per ``*_env`` the config names whose variable is unset here (``run`` refuses to start)."""
    named: list[tuple[str, str]] = []
    for name, r in config.receivers.items():
        for attr in ("token_env", "url_env", "secret_env"):
            env = getattr(r, attr, None)
            if env and not (
                r.kind == "slack" and attr == "token_env" and getattr(r, "mode", "") == "webhook"
            ):
                named.append((f"receivers.{name}.{attr}", env))
    if config.smtp is not None:
        for attr in ("username_env", "password_env"):
            env = getattr(config.smtp, attr, None)
            if env:
                named.append((f"smtp.{attr}", env))
    return [
        f"{where}: environment variable {env} is not set here; `pressmon run` will refuse to start without it"
        for where, env in named
        if secret(env) is None
    ]

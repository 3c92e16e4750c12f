"""The error tree. Messages start with the component and name the thing.

    PressmonError
    ├── ConfigError            feeds.yaml / settings invalid (file, line, key, reason)
    ├── FetchError             one fetch failed; ``kind`` classifies it, ``retry_after_s`` is a server hint
    ├── ParseError             a body could not be read as the source's kind (not a feed, empty, hostile)
    ├── BudgetExceeded         a CPU stage of one source went over its time or memory budget
    ├── StoreError             the database refused (lease lost, schema too old, second daemon)
    │   ├── LeaseLost          a commit found its lease taken over (fencing): nothing was written
    │   └── StaleStories       a commit found new items since it read story candidates: decide again
    └── DeliveryError          a receiver failed; ``retryable`` says whether to try again

Example: ``fetch: dsca-major-arms-sales: read timeout after 10s``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "BudgetExceeded",
    "ConfigError",
    "DeliveryError",
    "FetchError",
    "FetchErrorKind",
    "LeaseLost",
    "ParseError",
    "PressmonError",
    "StaleStories",
    "StoreError",
]


class PressmonError(Exception):
    """Base of every error pressmon raises on purpose."""


class ConfigError(PressmonError):
    """Invalid configuration. ``problems`` holds one line per problem, each naming file:line key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class FetchErrorKind(StrEnum):
    TIMEOUT = "timeout"  # connect/read timeout or total deadline
    DNS = "dns"
    REFUSED = "refused"
    TLS = "tls"
    HTTP_STATUS = "http_status"  # 4xx/5xx (not 304)
    TOO_LARGE = "too_large"  # wire or decoded size cap
    REDIRECT = "redirect"  # loop, too many, bad scheme
    BLOCKED = "blocked"  # address policy refused the target
    NETWORK = "network"  # reset, protocol error, anything else on the wire


class FetchError(PressmonError):
    def __init__(
        self,
        source_id: str,
        kind: FetchErrorKind,
        detail: str,
        *,
        status_code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        self.source_id = source_id
        self.kind = kind
        self.detail = detail
        self.status_code = status_code
        self.retry_after_s = retry_after_s
        super().__init__(f"fetch: {source_id}: {detail}")


class ParseError(PressmonError):
    def __init__(self, source_id: str, detail: str) -> None:
        self.source_id = source_id
        self.detail = detail
        super().__init__(f"parse: {source_id}: {detail}")


class BudgetExceeded(PressmonError):
    """A CPU stage (``stage``: parse, match) of one source's poll went over its budget; its worker was
    stopped (``monitor.cpu``)."""

    def __init__(self, source_id: str, stage: str, detail: str) -> None:
        self.source_id = source_id
        self.stage = stage
        self.detail = detail
        super().__init__(f"{stage}: {source_id}: {detail}")


class StoreError(PressmonError):
    """The database refused or is in the wrong state."""


class LeaseLost(StoreError):
    def __init__(self, what: str) -> None:
        super().__init__(f"store: {what}: lease lost before commit; nothing written")


class StaleStories(StoreError):
    """A commit found items stored after its story candidates were read: decide again, then commit."""

    def __init__(self, source_id: str) -> None:
        super().__init__(f"store: {source_id}: stories changed while deciding; deciding again")


class StoryLockBusy(StaleStories):
    """The story lock was not had within ``lock_timeout`` (another commit holds it: RELIABILITY 40)."""

    def __init__(self, source_id: str) -> None:
        StoreError.__init__(self, f"store: {source_id}: story lock busy (lock_timeout); deciding again")


class DeliveryError(PressmonError):
    """A receiver failed. ``retryable``: try again later (5xx, 429, network). ``ambiguous``: the provider
    may have accepted the message (connection lost after the request was sent): reconcile before any
    re-send. ``retry_after_s``: the provider's own wait hint."""

    def __init__(
        self,
        receiver: str,
        detail: str,
        *,
        retryable: bool,
        retry_after_s: float | None = None,
        ambiguous: bool = False,
    ):
        self.receiver = receiver
        self.detail = detail
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.ambiguous = ambiguous
        super().__init__(f"deliver: {receiver}: {detail}")

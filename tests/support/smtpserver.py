"""A real SMTP server (aiosmtpd, in a thread) on 127.0.0.1 for tests: records what it receives and can
misbehave on purpose.

    with SmtpServer() as smtp:                     # plain SMTP, no STARTTLS offered
        ...
    SmtpServer(tls=True)                           # offers STARTTLS; cert for 127.0.0.1/localhost from a
                                                   # trustme test CA (smtp.client_context() trusts it)
    SmtpServer(tls=True, auth=("u", "pw"))         # + AUTH, offered only after STARTTLS, required for MAIL
    SmtpServer(plain_auth=("u", "pw"))             # no TLS at all, but AUTH offered in plaintext
    SmtpServer(implicit_tls=True)                  # TLS from the first byte (port-465 style)
    SmtpServer(tls=True, cert_names=("mx.other.test",))  # a certificate for another name

Behaviours, set at any time from the test:

    smtp.reject("bad@example.org")                 # that recipient gets "550 5.1.1 ... no such user"
    smtp.fail_next(1, code=421, stage="mail")      # the next N transactions get a 4xx at MAIL, RCPT or DATA
    smtp.drop_after_data(1)                        # the next N messages are recorded (as if queued), then
                                                   # the connection is dropped before the final reply
    smtp.hold_after_data(1, seconds=30)            # the next N messages are recorded, then the final reply
                                                   # is held back (cut short when the server stops): a
                                                   # client killed meanwhile never hears it was accepted

Records: ``smtp.envelopes`` (each: mail_from, rcpt_tos, raw bytes, tls, login), ``smtp.messages()``
(parsed with ``policy.default``), ``smtp.auth_attempts`` (login names), ``smtp.transactions`` (MAIL
commands seen). ``smtp.settings(**overrides)`` gives ``SmtpSettings`` that reach this server (and trust
its CA). Use the fixtures ``smtp_server`` (plain), ``smtp_tls_server`` and ``smtp_auth_server``.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Literal, cast

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from monitor.notify.email import SmtpSettings

__all__ = [
    "ReceivedEnvelope",
    "SmtpServer",
    "smtp_auth_server",
    "smtp_server",
    "smtp_tls_server",
]

Stage = Literal["mail", "rcpt", "data"]
_TEMP_REPLIES = {
    421: "421 4.3.2 Service shutting down, try again later",
    450: "450 4.2.1 Mailbox busy, try again later",
    451: "451 4.3.0 Temporary local problem, try again later",
    452: "452 4.3.1 Insufficient system storage",
}


@dataclass(frozen=True, slots=True)
class ReceivedEnvelope:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    tls: bool  # the message arrived over TLS (STARTTLS or implicit)
    login: str | None  # the authenticated user, if any

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self._s = server

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        s = self._s
        with s._lock:
            s.transactions += 1
            fail = s._fail.pop(0) if s._fail else None
        envelope.pressmon_fail = fail  # type: ignore[attr-defined]
        if fail is not None and fail[0] == "mail":
            return fail[1]
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        fail = getattr(envelope, "pressmon_fail", None)
        if fail is not None and fail[0] == "rcpt":
            return str(fail[1])
        with self._s._lock:
            rejected = address.lower() in self._s._rejected
        if rejected:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        s = self._s
        fail = getattr(envelope, "pressmon_fail", None)
        if fail is not None and fail[0] == "data":
            return str(fail[1])
        raw = envelope.original_content or b""
        auth = session.auth_data
        login = auth.login.decode("utf-8", "replace") if isinstance(auth, LoginPassword) else None
        received = ReceivedEnvelope(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=bytes(raw),
            tls=session.ssl is not None or s.implicit_tls,
            login=login,
        )
        with s._lock:
            s.envelopes.append(received)
            drop = s._drops > 0
            if drop:
                s._drops -= 1
            hold = s._holds.pop(0) if s._holds and not drop else None
            n = len(s.envelopes)
        if drop:
            # Queued, but the client never hears so: close the socket without a reply.
            transport = cast(asyncio.Transport, server.transport)
            transport.abort()
            await asyncio.sleep(30)  # cancelled by connection_lost
        if hold is not None:
            await asyncio.to_thread(s._stopping.wait, hold)  # the answer, late (or when the server stops)
        return f"250 2.0.0 OK queued as T{n:04d}"


class _Controller(Controller):
    """Controller on port 0 (the real port is read back once the server is listening) that closes
    every connection it accepted before its loop stops, so no transport outlives the test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        smtpd = super().factory()  # type: ignore[no-untyped-call]
        self.sessions.append(smtpd)
        return cast(SMTP, smtpd)

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = cast(asyncio.Server, self.server).sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]

    def stop(self, no_assert: bool = False) -> None:
        async def close_all() -> None:
            for smtpd in self.sessions:
                for transport in (smtpd._original_transport, smtpd.transport):
                    if transport is not None:
                        cast(asyncio.Transport, transport).abort()
            for _ in range(3):  # let connection_lost callbacks run and the sockets close
                await asyncio.sleep(0)

        if self._thread is not None and self.loop.is_running():
            asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=5)
        super().stop(no_assert)


class SmtpServer:
    """See the module docstring."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        tls: bool = False,
        implicit_tls: bool = False,
        auth: tuple[str, str] | None = None,
        plain_auth: tuple[str, str] | None = None,
        ca: trustme.CA | None = None,
        cert_names: tuple[str, ...] = ("127.0.0.1", "localhost"),
    ) -> None:
        self.ca = ca or trustme.CA()
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.envelopes: list[ReceivedEnvelope] = []
        self.auth_attempts: list[str] = []
        self.transactions = 0
        self._lock = threading.Lock()
        self._rejected: set[str] = set()
        self._fail: list[tuple[Stage, str]] = []
        self._drops = 0
        self._holds: list[float] = []
        self._stopping = threading.Event()
        self._credentials = auth or plain_auth

        kwargs: dict[str, Any] = {"server_hostname": "mx.pressmon.test", "ready_timeout": 10}
        server_ctx: ssl.SSLContext | None = None
        if tls or implicit_tls:
            server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(*cert_names).configure_cert(server_ctx)
        if tls:
            kwargs["tls_context"] = server_ctx
        if implicit_tls:
            kwargs["ssl_context"] = server_ctx
            kwargs["auth_require_tls"] = False  # aiosmtpd cannot see implicit TLS (its issue #281)
        if auth is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            if implicit_tls:
                raise ValueError("auth with implicit_tls is not supported by this fixture")
        if plain_auth is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_require_tls"] = False  # the dangerous server: AUTH in plaintext
        self._controller = _Controller(_Handler(self), hostname=self.host, port=0, **kwargs)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return int(self._controller.port)

    # -- behaviours ----------------------------------------------------------------------------------

    def reject(self, *addresses: str) -> None:
        with self._lock:
            self._rejected.update(a.lower() for a in addresses)

    def fail_next(self, n: int = 1, *, code: int = 421, stage: Stage = "mail") -> None:
        reply = _TEMP_REPLIES.get(code, f"{code} {code // 100}.0.0 Temporary failure")
        with self._lock:
            self._fail.extend([(stage, reply)] * n)

    def drop_after_data(self, n: int = 1) -> None:
        with self._lock:
            self._drops += n

    def hold_after_data(self, n: int = 1, *, seconds: float = 30.0) -> None:
        with self._lock:
            self._holds.extend([seconds] * n)

    # -- records -------------------------------------------------------------------------------------

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [e.message() for e in self.envelopes]

    def client_context(self) -> ssl.SSLContext:
        """A client context (hostname checked, CERT_REQUIRED) that trusts this server's test CA only."""
        return ssl.create_default_context(cadata=self.ca.cert_pem.bytes().decode())

    def settings(self, **overrides: Any) -> SmtpSettings:
        """SmtpSettings for this server: STARTTLS when offered, implicit TLS when used, the test CA
        trusted, short timeouts."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "starttls": self.tls,
            "implicit_tls": self.implicit_tls,
            "sender": "pressmon@pressmon.test",
            "timeout_s": 5.0,
            "tls_context": self.client_context(),
            "local_hostname": "client.pressmon.test",
        }
        values.update(overrides)
        return SmtpSettings(**values)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self._credentials is None:
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        with self._lock:
            self.auth_attempts.append(login)
        ok = (login, auth_data.password.decode("utf-8", "replace")) == self._credentials
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP on loopback, no STARTTLS offered."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_tls_server() -> Iterator[SmtpServer]:
    """SMTP offering STARTTLS with a test-CA certificate for 127.0.0.1."""
    with SmtpServer(tls=True) as server:
        yield server


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """STARTTLS + AUTH required (user ``pressmon``, password ``s3cret-Pa55``)."""
    with SmtpServer(tls=True, auth=("pressmon", "s3cret-Pa55")) as server:
        yield server

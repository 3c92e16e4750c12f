"""Sending one email over SMTP (aiosmtplib), with per-recipient outcomes and classified failures.

    settings = SmtpSettings(host="smtp.example.org", sender="pressmon@example.org",
                            username="pressmon", password=os.environ["SMTP_PASSWORD"])
    result = await send_email(settings, message, ["a@example.org", "b@example.org"])
    result.accepted   # ("a@example.org",)
    result.refused    # {"b@example.org": "550 5.1.1 no such user"}

Contract:

- Connect, EHLO, then (``starttls=True``, the default) STARTTLS verified against ``tls_context`` or,
  when that is None, ``ssl.create_default_context()`` (the system trust store, hostname checked), and
  EHLO again. ``implicit_tls=True`` wraps the connection in TLS from the start (port 465) instead.
- A server that does not offer STARTTLS when it is required: permanent error, nothing sent. A
  certificate that does not verify: permanent error, nothing sent.
- Credentials (``username``) are sent only over TLS: configured without ``starttls``/``implicit_tls``
  the send is refused before connecting ("refusing to send credentials without TLS"), and the
  connection is checked for TLS again right before AUTH.
- Recipients are the envelope (from config), never taken from headers. One refused recipient does not
  stop the others: the result lists who was accepted and who was refused (code and text). All refused:
  ``DeliveryError`` (retryable when any refusal was temporary, 4xx). ``SendResult.deferred`` names the
  recipients refused with a 4xx, which a caller may retry alone (same Message-ID).
- 421/451 and other 4xx answers at any stage (greeting, MAIL, RCPT for all, DATA): retryable.
  5xx: permanent. Connection refused, timeouts and drops before the message was handed over:
  retryable, not ambiguous. Dropped (or timed out) once DATA has started, before the server's final
  reply: retryable and ``ambiguous=True`` (the server may have queued it): re-send with the same
  Message-ID, so a duplicate is recognisable.
- Every ``DeliveryError.detail`` starts with ``"email: "`` and never contains the password.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from monitor.errors import DeliveryError

__all__ = ["SendResult", "SmtpSettings", "send_email"]


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    """How to reach the SMTP server (keywords only). ``password`` is never shown in ``repr`` or
    errors; ``tls_context=None`` means the system trust store (``ssl.create_default_context()``)."""

    host: str
    port: int = 587
    starttls: bool = True
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 30
    sender: str
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    local_hostname: str | None = None  # EHLO name; None: this machine's FQDN


@dataclass(frozen=True)
class SendResult:
    """Per-recipient outcome of one accepted message. ``refused`` maps a recipient to the server's
    answer, e.g. ``"550 5.1.1 no such user"``."""

    accepted: tuple[str, ...]
    refused: dict[str, str]

    @property
    def deferred(self) -> tuple[str, ...]:
        """Refused recipients whose refusal was temporary (4xx): worth retrying alone."""
        return tuple(r for r, answer in self.refused.items() if answer[:1] == "4")


class _SMTP(aiosmtplib.SMTP):
    """aiosmtplib.SMTP that remembers whether the DATA phase started (for ambiguity)."""

    data_started: bool = False

    async def data(self, *args: Any, **kwargs: Any) -> aiosmtplib.SMTPResponse:
        self.data_started = True
        return await super().data(*args, **kwargs)


def _answer(code: int, message: str) -> str:
    return f"{code} {' '.join(str(message).split())}".strip()


class _Fail:
    """Builds DeliveryErrors with the "email: " prefix and the password redacted."""

    def __init__(self, receiver: str, settings: SmtpSettings) -> None:
        self._receiver = receiver
        self._secret = settings.password or None

    def _clean(self, detail: str) -> str:
        if self._secret:
            detail = detail.replace(self._secret, "***")
        return "email: " + detail

    def permanent(self, detail: str) -> DeliveryError:
        return DeliveryError(self._receiver, self._clean(detail), retryable=False)

    def retry(self, detail: str, *, ambiguous: bool = False) -> DeliveryError:
        return DeliveryError(self._receiver, self._clean(detail), retryable=True, ambiguous=ambiguous)

    def by_code(self, code: int, detail: str) -> DeliveryError:
        return self.retry(detail) if 400 <= code < 500 else self.permanent(detail)


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


def _tls_detail(err: ssl.SSLError, where: str) -> str:
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"{where}: TLS certificate not trusted ({err.verify_message or err.reason}); nothing sent"
    return f"{where}: TLS handshake failed ({err.reason or err}); nothing sent"


async def send_email(
    settings: SmtpSettings,
    message: EmailMessage,
    recipients: Sequence[str],
    *,
    receiver: str = "smtp",
) -> SendResult:
    """Send ``message`` to ``recipients`` (the envelope; headers are not consulted). Returns who was
    accepted and who was refused; raises ``DeliveryError`` as the module docstring describes.
    ``receiver`` names the receiver in errors (``deliver: <receiver>: email: ...``)."""
    fail = _Fail(receiver, settings)
    where = f"{settings.host}:{settings.port}"
    rcpts = list(dict.fromkeys(recipients))  # once each, in order
    if not rcpts:
        raise fail.permanent("no recipients")
    if settings.starttls and settings.implicit_tls:
        raise fail.permanent("starttls and implicit_tls are exclusive: choose one")
    wants_auth = bool(settings.username)
    if wants_auth and not (settings.starttls or settings.implicit_tls):
        raise fail.permanent("refusing to send credentials without TLS (enable starttls or implicit_tls)")

    context = settings.tls_context or ssl.create_default_context()
    client = _SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.implicit_tls,
        start_tls=False,  # done by hand below, so a missing STARTTLS is an error, never a downgrade
        tls_context=context if settings.implicit_tls else None,
        timeout=settings.timeout_s,
        local_hostname=settings.local_hostname,
    )
    try:
        try:
            await client.connect()
        except aiosmtplib.SMTPConnectResponseError as e:
            raise fail.by_code(
                e.code, f"{where}: server refused the connection: {_answer(e.code, e.message)}"
            ) from None
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, OSError) as e:
            tls = _tls_error(e)
            if tls is not None:
                raise fail.permanent(_tls_detail(tls, where)) from None
            raise fail.retry(f"{where}: cannot connect: {e}") from None

        await client.ehlo()
        if settings.starttls:
            if not client.supports_extension("starttls"):
                raise fail.permanent(f"{where}: server does not offer STARTTLS; refusing to send")
            try:
                await client.starttls(tls_context=context, server_hostname=settings.host)
            except ssl.SSLError as e:
                raise fail.permanent(_tls_detail(e, where)) from None
            await client.ehlo()

        if wants_auth:
            if client.get_transport_info("sslcontext") is None:
                raise fail.permanent("refusing to send credentials without TLS")
            await client.login(settings.username or "", settings.password or "")

        errors, _reply = await client.send_message(message, sender=settings.sender, recipients=rcpts)
    except DeliveryError:
        _abort(client)
        raise
    except aiosmtplib.SMTPRecipientsRefused as e:
        await _quit(client)
        answers = {r.recipient: _answer(r.code, r.message) for r in e.recipients}
        listed = "; ".join(f"{r}: {a}" for r, a in answers.items())
        temporary = any(400 <= r.code < 500 for r in e.recipients)
        detail = f"{where}: all recipients refused ({listed})"
        raise (fail.retry(detail) if temporary else fail.permanent(detail)) from None
    except aiosmtplib.SMTPSenderRefused as e:
        await _quit(client)
        raise fail.by_code(
            e.code, f"{where}: sender {e.sender} refused: {_answer(e.code, e.message)}"
        ) from None
    except aiosmtplib.SMTPAuthenticationError as e:
        await _quit(client)
        raise fail.by_code(e.code, f"{where}: authentication failed: {_answer(e.code, e.message)}") from None
    except aiosmtplib.SMTPDataError as e:
        # The server answered the message itself: not ambiguous.
        await _quit(client)
        raise fail.by_code(e.code, f"{where}: message refused: {_answer(e.code, e.message)}") from None
    except aiosmtplib.SMTPResponseException as e:
        await _quit(client)
        raise fail.by_code(e.code, f"{where}: server answered {_answer(e.code, e.message)}") from None
    except (
        aiosmtplib.SMTPServerDisconnected,
        aiosmtplib.SMTPTimeoutError,
        ConnectionError,
        TimeoutError,
    ) as e:
        _abort(client)
        if client.data_started:
            raise fail.retry(
                f"{where}: connection lost after the message was sent, before the server's reply "
                f"({e}); it may have been delivered",
                ambiguous=True,
            ) from None
        raise fail.retry(f"{where}: connection lost: {e}") from None
    except ssl.SSLError as e:
        _abort(client)
        if client.data_started:  # a TLS failure mid-message: like a dropped connection
            raise fail.retry(f"{where}: TLS error during the message ({e})", ambiguous=True) from None
        raise fail.permanent(_tls_detail(e, where)) from None
    except aiosmtplib.SMTPNotSupported as e:
        await _quit(client)
        raise fail.permanent(f"{where}: {e}") from None
    except aiosmtplib.SMTPException as e:  # e.g. AUTH not offered
        await _quit(client)
        raise fail.permanent(f"{where}: {e}") from None
    except ValueError as e:  # an address aiosmtplib will not put on the wire
        _abort(client)
        raise fail.permanent(f"invalid message or address: {e}") from None
    except OSError as e:
        _abort(client)
        raise fail.retry(f"{where}: network error: {e}", ambiguous=client.data_started) from None
    except asyncio.CancelledError:  # shutting down: release the socket; the caller treats it as in doubt
        _abort(client)
        raise

    await _quit(client)
    refused = {r: _answer(resp.code, resp.message) for r, resp in errors.items()}
    accepted = tuple(r for r in rcpts if r not in refused)
    return SendResult(accepted=accepted, refused=refused)


async def _quit(client: aiosmtplib.SMTP) -> None:
    """QUIT politely; the outcome is already known, so any failure here only closes the socket. The
    socket is then closed at once (no TLS close_notify exchange left pending after QUIT)."""
    transport = client.transport
    try:
        if client.is_connected:
            await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        pass
    finally:
        _close(client, transport)


def _abort(client: aiosmtplib.SMTP) -> None:
    """Close without QUIT (the connection is broken or must not be used further)."""
    _close(client, client.transport)


def _close(client: aiosmtplib.SMTP, transport: asyncio.BaseTransport | None) -> None:
    client.close()
    if isinstance(transport, asyncio.Transport):
        transport.abort()

"""The digest's MIME message: one-line header values (no line break can get in), the stable
Message-ID, and ``build_message`` (see the package docstring)."""

from __future__ import annotations

import email.policy
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from monitor.notify.digest.values import _aware, _parse_time
from monitor.text import collapse_ws, strip_controls

SUBJECT_MAX = 150
_ELLIPSIS = "…"

# ---------------------------------------------------------------------------------------------------
# Subjects and header values
# ---------------------------------------------------------------------------------------------------

# Removed from header text: controls, format characters (bidi, zero-width, tag characters),
# surrogates and private-use characters.
_STRIP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})


def _decode_encoded_words(s: str) -> str:
    """Decode RFC 2047 encoded words the way the email package will when the header is set."""
    if "=?" not in s:
        return s
    try:
        return str(email.policy.default.header_factory("subject", s))
    except Exception:  # a malformed encoded word: neutralise rather than guess
        return s.replace("=?", "= ?")


def _header_text(s: str) -> str:
    """One line of header text: encoded words decoded, then controls (incl. CR/LF), bidi, zero-width
    and other invisible format characters removed, whitespace collapsed, NFC. Repeated until stable,
    so nothing left would decode into a line break when the email package parses it."""
    out = s
    for _ in range(4):
        prev = out
        out = _decode_encoded_words(out)
        out = "".join(" " if ch in "\r\n\t\v\f" else ch for ch in out)
        out = strip_controls(out)
        out = "".join(ch for ch in out if unicodedata.category(ch) not in _STRIP_CATEGORIES)
        out = collapse_ws(unicodedata.normalize("NFC", out))
        if out == prev:
            break
    else:  # still changing: make sure no encoded word survives
        out = out.replace("=?", "= ?")
    return out


def clean_subject(s: str) -> str:
    """A safe one-line subject: RFC 2047 encoded words decoded, control characters (CR/LF included),
    bidi controls, zero-width and other invisible characters removed, whitespace collapsed, NFC, at
    most ``SUBJECT_MAX`` (150) characters, cut with "…"."""
    out = _header_text(s)
    if len(out) > SUBJECT_MAX:
        out = out[: SUBJECT_MAX - 1].rstrip() + _ELLIPSIS
    return out


# ---------------------------------------------------------------------------------------------------
# Message
# ---------------------------------------------------------------------------------------------------

_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_MESSAGE_ID = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+>$")
_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _check_address(addr: str) -> str:
    if not _ADDRESS.match(addr) or len(addr) > 254:
        raise ValueError(f"email: invalid address {addr!r} (expected local@domain, ASCII, from config)")
    return addr


def message_id_for(digest_id: str, period_start: datetime, domain: str) -> str:
    """A stable Message-ID for one digest period: ``<pressmon.<id>.<UTC start>.<hash>@<domain>>``. The
    same digest and period always give the same id, so a re-send after an ambiguous SMTP answer is a
    recognisable duplicate (mail clients and archives collapse it)."""
    if not _DOMAIN.match(domain):
        raise ValueError(f"email: invalid Message-ID domain {domain!r}")
    start = _aware(period_start).astimezone(UTC)
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    h = hashlib.sha256(f"{digest_id}\x00{start.isoformat()}".encode()).hexdigest()[:10]
    slug = _ID_CHARS.sub("-", digest_id).strip(".-")[:40] or "digest"
    return f"<pressmon.{slug}.{stamp}.{h}@{domain}>"


def build_message(
    *,
    context: Mapping[str, Any],
    text: str,
    html: str,
    sender: str,
    recipients: Sequence[str],
    message_id: str,
    date: datetime | None = None,
) -> EmailMessage:
    """multipart/alternative (text/plain, then text/html) with From, To, Subject, Date, Message-ID,
    Auto-Submitted and X-Pressmon-Digest. Addresses come from config and are validated; the subject is
    ``clean_subject(context["subject"])``; ``Date`` is ``date`` or the period's end. Raises
    ``ValueError`` on an invalid address or Message-ID, or if any header would span lines."""
    if not recipients:
        raise ValueError("email: a digest needs at least one recipient")
    if not _MESSAGE_ID.match(message_id):
        raise ValueError(f"email: invalid Message-ID {message_id!r}")
    to = [_check_address(r) for r in recipients]
    when = _aware(date) if date is not None else _parse_time(context.get("period_end"))
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = _check_address(sender)
    msg["To"] = ", ".join(to)
    msg["Subject"] = clean_subject(str(context.get("subject", "")))
    msg["Date"] = format_datetime(when if when is not None else datetime(1970, 1, 1, tzinfo=UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    digest_id = _ID_CHARS.sub("-", _header_text(str(context.get("digest_id", ""))))[:64]
    if digest_id:
        msg["X-Pressmon-Digest"] = digest_id
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    # A boundary derived from the content: the same digest renders to the same bytes.
    basis = "\x00".join((message_id, text, html)).encode("utf-8", "surrogatepass")
    msg.set_boundary("=_pressmon_" + hashlib.sha256(basis).hexdigest()[:32])
    for name, value in msg.items():
        if "\r" in str(value) or "\n" in str(value):
            raise ValueError(f"email: header {name} would span lines; refusing to build the message")
    return msg

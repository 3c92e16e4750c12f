"""Failure domains: what an unexpected exception in one unit of work becomes.

A source's poll and a receiver's delivery are each their own failure domain: an exception there is
recorded on that source or that row, never allowed to stop the others. This module names such a
failure (the ``error_kind`` stored on the source and in its poll_log row) and words it as one line:

    timeout, http_status, ...   a fetch beyond the first (a later page, a full text) failed
    parse      a body beyond the first could not be read
    budget     a CPU stage (parse, match) went over its time or memory budget (``monitor.cpu``)
    store      the database refused (locked, disk full, read-only, connection lost)
    internal   anything else: a bug in pressmon or a library, on input it should have handled

Both kinds back off and raise a source-health alert like any other source error.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitor.errors import BudgetExceeded, FetchError, ParseError, StoreError
from monitor.text import collapse_ws

__all__ = ["fault_kind", "fault_message", "is_store_fault", "one_line"]

MAX_MESSAGE_CHARS = 300


def is_store_fault(exc: BaseException) -> bool:
    """Did the database refuse (rather than our own code fail)?"""
    return isinstance(exc, sa.exc.SQLAlchemyError | StoreError)


def fault_kind(exc: BaseException) -> str:
    if isinstance(exc, FetchError):  # e.g. a later page or a full-text fetch, outside the first fetch
        return exc.kind.value
    if isinstance(exc, ParseError):
        return "parse"
    if isinstance(exc, BudgetExceeded):
        return "budget"
    return "store" if is_store_fault(exc) else "internal"


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, without SQLAlchemy's statement dump and background link."""
    orig = getattr(exc, "orig", None)
    shown = orig if isinstance(orig, BaseException) else exc
    text = collapse_ws(str(shown).split("\n[SQL:")[0])
    return f"{type(shown).__name__}: {text}" if text else type(shown).__name__


def fault_message(kind: str, source_id: str, exc: BaseException) -> str:
    """The error recorded on the source, e.g. ``internal: dsca: OverflowError: date value out of range``."""
    if isinstance(exc, FetchError | ParseError | BudgetExceeded):  # already worded as "fetch: dsca: ..."
        return collapse_ws(str(exc))[:MAX_MESSAGE_CHARS]
    return f"{kind}: {source_id}: {one_line(exc)}"[:MAX_MESSAGE_CHARS]

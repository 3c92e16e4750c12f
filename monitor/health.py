"""``pressmon health``: is this instance doing its job? Each problem is one line saying why.

- the database answers and its schema is current;
- the database accepts writes (a harmless write, rolled back: a read-only file, mount or server
  refuses it), and the daemon has not been seeing it refuse writes (its heartbeat file says so);
- the daemon's loops ticked recently (its heartbeat file, written each tick from the loops' own
  liveness, ``monitor.backoff.LoopState``; no file: no daemon runs here, not checked);
- the outbox is not stuck: no alert has been due for longer than ``outbox_stuck_alert_seconds``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from monitor.fault import one_line
from monitor.settings import Settings
from monitor.store.engine import make_engine
from monitor.store.migrate import current_revision, head_revision
from monitor.store.outbox import oldest_due
from monitor.watch import Heartbeat, heartbeat_path

__all__ = ["check_health"]


def _writes_refused(engine: sa.Engine) -> str | None:
    """Write something harmless and roll it back: a read-only file, mount or server refuses."""
    try:
        with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin() as tx:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
            tx.rollback()
    except sa.exc.SQLAlchemyError as e:
        return one_line(e)
    return None


def check_health(settings: Settings, *, now: datetime) -> list[str]:
    """The problems found (empty: healthy)."""
    engine = make_engine(settings.database_url)
    try:
        try:
            current, head = current_revision(engine), head_revision(settings.database_url)
        except Exception as e:
            return [f"health: store: cannot read the database: {one_line(e)}"]
        if current != head:
            return [f"health: schema at {current}, expected {head}; run `pressmon db upgrade`"]
        problems: list[str] = []
        refused = _writes_refused(engine)
        if refused:
            problems.append(f"health: store: the database refuses writes: {refused}")
        beat = Heartbeat(heartbeat_path(settings.database_url, settings.heartbeat_file)).read()
        if beat is not None:
            if beat.get("store_error") and not refused:
                problems.append(
                    f"health: store: the daemon sees the database refuse writes: {beat['store_error']}"
                )
            stale = timedelta(seconds=max(3 * settings.tick_seconds, 180))  # digests tick each minute
            for loop, at in sorted((beat.get("loops") or {}).items()):
                ago = now - datetime.fromisoformat(str(at))
                if ago > stale:
                    problems.append(
                        f"health: the {loop} loop has not ticked for {int(ago.total_seconds())}s "
                        f"(pid {beat.get('pid')}); the daemon is stuck or gone"
                    )
            written = datetime.fromisoformat(str(beat.get("written_at")))
            if now - written > stale and not any("loop" in p for p in problems):
                problems.append(
                    f"health: the daemon's heartbeat is {int((now - written).total_seconds())}s old"
                )
        try:
            oldest = oldest_due(engine, now=now)
        except sa.exc.SQLAlchemyError as e:
            problems.append(f"health: store: cannot read the outbox: {one_line(e)}")
            oldest = None
        if oldest is not None and now - oldest.due_since > timedelta(
            seconds=settings.outbox_stuck_alert_seconds
        ):
            problems.append(
                f"health: outbox stuck: {oldest.count} alert(s) due and not taken, the oldest (#{oldest.id} "
                f"to {oldest.receiver}) since {oldest.due_since.isoformat(timespec='seconds')}"
            )
        return problems
    finally:
        engine.dispose()

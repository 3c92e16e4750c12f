"""What each topic did in a period, read back for ``pressmon topics list``: items it matched, alerts it
raised, near misses, and when it last matched. Grouped reads over the indexed ``created_at`` columns, one
per table; the CLI joins them with the config (topics not yet matched, receivers, silences)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.store.engine import read_session
from monitor.store.models import UTCDateTime

__all__ = ["TopicActivity", "topic_activity"]

# Alert kinds that are about a topic's statements (not source-health or operator notices).
_STATEMENT_KINDS = ("new", "revised", "also-reported", "withdrawn")


@dataclass(frozen=True, slots=True)
class TopicActivity:
    topic_id: str
    items: int = 0  # items with a revision that matched it in the period
    # alerts (distinct keys, any receiver) queued in the period for a revision that matched it: an alert
    # carries every topic its revision matched, so one alert counts for each of them
    alerts: int = 0
    unsent: int = 0  # of those, alerts some receiver has not had yet (pending, retry, failed, ...)
    near_misses: int = 0
    last_match_at: datetime | None = None  # ever, not only in the period


def topic_activity(
    engine: sa.Engine, *, since: datetime, topics: Collection[str] = ()
) -> dict[str, TopicActivity]:
    """Activity since ``since`` of each of ``topics`` (the configured ones) and of every topic with a
    mention, alert or near miss in the period (a topic since removed from the config included)."""
    mentions = (
        sa.text(
            "SELECT m.topic_id, COUNT(DISTINCT r.item_id), MAX(m.created_at) AS last"
            " FROM mention m JOIN revision r ON r.id = m.revision_id"
            " WHERE m.created_at >= :since GROUP BY m.topic_id"
        )
        .bindparams(sa.bindparam("since", type_=UTCDateTime))
        .columns(sa.column("topic_id"), sa.column("n"), sa.column("last", UTCDateTime))
    )
    # A topic quiet in the period: when it last matched (its own rows, through the topic_id index)
    last = sa.text("SELECT MAX(created_at) AS last FROM mention WHERE topic_id = :topic").columns(
        last=UTCDateTime
    )
    kinds = ", ".join(f"'{k}'" for k in _STATEMENT_KINDS)
    alerts = sa.text(
        "SELECT m.topic_id, COUNT(DISTINCT o.alert_key),"
        " COUNT(DISTINCT CASE WHEN o.state NOT IN ('sent', 'silenced', 'dropped') THEN o.alert_key END)"
        " FROM outbox o JOIN mention a ON a.id = o.mention_id JOIN mention m ON m.revision_id = a.revision_id"
        f" WHERE o.created_at >= :since AND o.kind IN ({kinds}) GROUP BY m.topic_id"
    ).bindparams(sa.bindparam("since", type_=UTCDateTime))
    misses = sa.text(
        "SELECT topic_id, COUNT(*) FROM near_miss WHERE created_at >= :since GROUP BY topic_id"
    ).bindparams(sa.bindparam("since", type_=UTCDateTime))
    items: dict[str, int] = {}
    last_at: dict[str, datetime | None] = {}
    sent: dict[str, tuple[int, int]] = {}
    missed: dict[str, int] = {}
    with read_session(engine) as s:
        conn = s.connection()
        for topic, n, at in conn.execute(mentions, {"since": since}):
            items[topic], last_at[topic] = int(n), at
        for topic, n, unsent in conn.execute(alerts, {"since": since}):
            sent[topic] = (int(n), int(unsent or 0))
        for topic, n in conn.execute(misses, {"since": since}):
            missed[topic] = int(n)
        known = set(topics) | set(items) | set(sent) | set(missed)
        for topic in known - set(last_at):
            last_at[topic] = conn.execute(last, {"topic": topic}).scalar()
    return {
        t: TopicActivity(
            t,
            items=items.get(t, 0),
            alerts=sent.get(t, (0, 0))[0],
            unsent=sent.get(t, (0, 0))[1],
            near_misses=missed.get(t, 0),
            last_match_at=last_at.get(t),
        )
        for t in known
    }

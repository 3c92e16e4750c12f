"""Email digests: the template context, rendering, and the MIME message (pure: no I/O, no clock).

    ctx = digest_context(digest_id="daily-trade", title="daily-trade", period_start=..., period_end=...,
                         tz="Asia/Tokyo", alerts=payloads)
    text, html = render_digest(ctx, template_dirs=settings_template_dirs)
    msg = build_message(context=ctx, text=text, html=html, sender="pressmon@example.org",
                        recipients=["analysts@example.org"],
                        message_id=message_id_for("daily-trade", period_start, "example.org"))

``alerts`` are the flat alert payloads planned in ``monitor.plan`` (README "Alert templates"), optionally
with ``facts`` (dict), ``highlights`` (phrases or ``[start, end]`` spans of ``snippet``), ``story_id``
and ``summary_html`` (feed-provided HTML). Each payload is read, never kept: the context holds plain
strings, numbers, booleans, lists and dicts only (JSON-serialisable), never ORM rows.

Grouping: alerts are de-duplicated by ``alert_key`` and grouped by topic (an alert that matched several
topics appears under each, and is counted once in the totals), then by story (the same ``thread_key``,
else ``story_id``, else the same normalised title), so a story shows once. Stories, and the statements in a
story, are ordered newest first by ``seen_at`` (falling back to ``published_at``), except that a
primary source's statement (``primary``: a government's own) leads its story and gives it its title;
topics busiest first (most statements), then newest first. Alerts without a topic go under "Other matches";
``source-health`` alerts go into ``health``.

The context (every key always present; ``…|None`` may be null):

===========================  ======================================================================
``digest_id``, ``title``     the digest's id and display title (config)
``subject``                  e.g. ``pressmon daily-trade: 12 statements (3 revised) · 2026-11-25``
                             (already passed through ``clean_subject``)
``tz``                       IANA zone the labels are written in
``period_start``/``_end``    ISO-8601 in ``tz``
``period_label``             ``2026-11-24 07:30 – 2026-11-25 07:30 JST``
``date_label``               the local date of ``period_end``: ``2026-11-25``
``empty``                    true when no statement (and no health alert) is in the period
``counts``                   ``{statements, stories, topics, sources, new, revised, by_kind: {kind: n}}``
``sources``                  ``[{id, title, count}]``, most statements first
``topics``                   ``[{id, title, count, new, revised, stories: [story]}]``
story                        ``{key, title, count, latest_label, sources: [str], statements: [item]}``
item                         ``{alert_key, kind, kind_label, primary, title, url|None, host|None, source_id,
                             source_title, time_label, published_label|None, seen_label|None,
                             revision, snippet, snippet_parts: [{text, hl}], terms: [str],
                             topic_titles: [str], facts: [{label, value, lines: [str]}],
                             previous_title|None,
                             change|None, diff|None, diff_parts: [{op, text}], summary_html|None,
                             summary_text|None}``
``health``                   ``[{source_id, source_title, state, since_label, error, url}]``
``possible_misses``          ``[{topic_title, title, source_title, reason, url, host}]``: items a
                             topic almost matched (never alerted), newest first, at most
                             :data:`MAX_MISSES`; ``possible_misses_more`` counts the rest
===========================  ======================================================================

``url`` is kept only for http(s) links; ``host`` is its real host (IDNA/punycode), shown next to
every link. ``diff_parts`` splits the word diff ``[-old-]{+new+}`` into ``equal``/``delete``/``insert``
runs. ``summary_html`` is the feed's HTML *unsanitised*: templates must pass it through the
``feed_html`` filter (the one nh3 sanitiser, ``sanitize_feed_html``); ``summary_text`` is its text.

Rendering rules: (a) HTML through ``html_environment`` (autoescape, StrictUndefined; control, bidi and
zero-width characters stripped from every printed value); (b) text through ``text_environment``
(no escaping, the same stripping, StrictUndefined); (c) feed HTML only through ``feed_html``. Feed
data is always a variable, never template source, so ``{{ 7*7 }}`` in a title prints as itself.

Message: ``EmailMessage(policy=email.policy.SMTP)``, multipart/alternative (text/plain, text/html),
From/To from config only (validated addresses), Subject from ``clean_subject``, ``Date`` = the
period's end (pass ``date`` to override), the given ``Message-ID`` (``message_id_for``: stable per
digest and period, so a re-send is a recognisable duplicate), ``Auto-Submitted: auto-generated``,
``X-Pressmon-Digest``, and a content-derived MIME boundary (the same digest gives the same bytes).
No header value can carry a line break: CR/LF, controls and RFC 2047 encoded words that decode to
them are removed before a header is set, and the finished message is checked again.

The package: ``values`` (times, strings, links), ``render`` (sanitiser, environments, rendering),
``message`` (headers, Message-ID, the MIME message), ``items`` (one alert as an item), ``context``
(``digest_context``) and ``sample`` (``sample_digest_context``).
"""

from __future__ import annotations

from monitor.notify.digest.context import MAX_MISSES, digest_context
from monitor.notify.digest.message import SUBJECT_MAX, build_message, clean_subject, message_id_for
from monitor.notify.digest.render import (
    HTML_TEMPLATE,
    TEXT_TEMPLATE,
    html_environment,
    render_digest,
    sanitize_feed_html,
    text_environment,
)
from monitor.notify.digest.sample import sample_digest_context

__all__ = [
    "HTML_TEMPLATE",
    "MAX_MISSES",
    "SUBJECT_MAX",
    "TEXT_TEMPLATE",
    "build_message",
    "clean_subject",
    "digest_context",
    "html_environment",
    "message_id_for",
    "render_digest",
    "sample_digest_context",
    "sanitize_feed_html",
    "text_environment",
]

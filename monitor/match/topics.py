"""Topics from feeds.yaml compiled once into one matcher (pure).

A topic is a ``query`` (``monitor.match.query``) or the simple keyword form (``keywords`` any-of, each
``requires`` group, none of ``excludes``), which is turned into the equivalent query here, so both run
through the same fast matcher. After a topic's query matches, the fact kinds it asks for (``facts`` and
whatever its ``where`` reads) are extracted, and ``where`` must hold for the mention to count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from monitor.config.schema import Topic
from monitor.match.facts import extract_facts
from monitor.match.matcher import Doc, Explanation, Matcher, TopicQuery
from monitor.match.predicate import Predicate, compile_where
from monitor.match.query import Node, parse_query
from monitor.model import Mention

__all__ = ["TopicMatcher", "keywords_query", "topic_query"]


def _quote(term: str) -> str:
    t = term.strip()
    if '"' in t:
        raise ValueError(f"a keyword cannot contain a double quote: {term!r}")
    bare = t.rstrip("*")
    if (
        bare
        and all(ch.isalnum() or ch in "._'&$%-" for ch in bare)
        and bare.upper()
        not in {
            "AND",
            "OR",
            "NOT",
            "NEAR",
        }
    ):
        return t
    return f'"{t}"'


def keywords_query(
    keywords: Sequence[str], requires: Sequence[Sequence[str]], excludes: Sequence[str]
) -> str:
    """The query equivalent of the keyword form."""
    parts = ["(" + " OR ".join(_quote(k) for k in keywords) + ")"]
    parts += ["(" + " OR ".join(_quote(k) for k in group) + ")" for group in requires]
    if excludes:
        parts.append("NOT (" + " OR ".join(_quote(k) for k in excludes) + ")")
    return " AND ".join(parts)


def topic_query(topic: Topic) -> Node:
    if topic.query is not None:
        return parse_query(topic.query)
    return parse_query(keywords_query(topic.keywords, topic.requires, topic.excludes))


@dataclass(frozen=True, slots=True)
class _Rules:
    facts: frozenset[str]
    where: Predicate | None


class TopicMatcher:
    """Every configured topic, compiled once; ``match`` runs them all over one document."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.titles = {t.id: t.title or t.id for t in topics}
        self._matcher = Matcher([TopicQuery(t.id, t.title or t.id, topic_query(t)) for t in topics])
        self._rules: dict[str, _Rules] = {}
        for t in topics:
            where = compile_where(t.where) if t.where else None
            kinds = set(t.facts) | (set(where.kinds) if where else set())
            self._rules[t.id] = _Rules(frozenset(kinds), where)

    def match(
        self, *, title: str, text: str, source: str = "", tags: Sequence[str] = (), lang: str | None = None
    ) -> list[Mention]:
        doc = Doc(title=title, text=text, source=source, tags=tuple(tags), lang=lang)
        out: list[Mention] = []
        for m in self._matcher.match(doc):
            rules = self._rules[m.topic_id]
            if not rules.facts:
                out.append(m)
                continue
            facts = extract_facts(title, text, sorted(rules.facts))
            if rules.where is not None and not rules.where(facts):
                continue
            out.append(replace(m, facts=facts))
        return out

    def explain(
        self,
        topic_id: str,
        *,
        title: str,
        text: str,
        source: str = "",
        tags: Sequence[str] = (),
        lang: str | None = None,
    ) -> tuple[Explanation, str | None]:
        """Why a topic matched or not, and (when the query matched) what ``where`` said."""
        doc = Doc(title=title, text=text, source=source, tags=tuple(tags), lang=lang)
        why = self._matcher.explain(doc, topic_id)
        rules = self._rules[topic_id]
        if not why.matched or rules.where is None:
            return why, None
        facts = extract_facts(title, text, sorted(rules.facts))
        verdict = "where holds" if rules.where(facts) else "where fails: " + rules.where.explain(facts)
        return why, verdict

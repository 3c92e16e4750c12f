"""Topics from feeds.yaml compiled once into one matcher (pure).

A topic is a ``query`` (``monitor.match.query``) or the simple keyword form (``keywords`` any-of, each
``requires`` group, none of ``excludes``), which is turned into the equivalent query here, so both run
through the same fast matcher. After a topic's query matches, the fact kinds it asks for (``facts`` and
whatever its ``where`` reads) are extracted, and ``where`` must hold for the mention to count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from monitor.config.schema import Concept, Topic
from monitor.match.concepts import ConceptDef, parse_concept, resolve
from monitor.match.facts import extract_facts
from monitor.match.matcher import Doc, Explanation, Matcher, TopicQuery
from monitor.match.predicate import Predicate, compile_where
from monitor.match.query import Node, parse_query
from monitor.model import Mention

__all__ = ["NearMiss", "TopicMatcher", "concept_defs", "keywords_query", "topic_query"]


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


def topic_query(topic: Topic, concepts: Mapping[str, ConceptDef] | None = None) -> Node:
    """The topic's query, its ``@concepts`` resolved (the loader has checked that they resolve)."""
    if topic.query is not None:
        return resolve(parse_query(topic.query), concepts or {})
    return parse_query(keywords_query(topic.keywords, topic.requires, topic.excludes))


def concept_defs(concepts: Mapping[str, Concept]) -> dict[str, ConceptDef]:
    return {name: parse_concept(name, c.query, c.mask) for name, c in concepts.items()}


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A topic an item almost matched, and why it did not (shown in digests, never alerted)."""

    topic_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Rules:
    facts: frozenset[str]
    where: Predicate | None

    def extract(self, title: str, text: str) -> dict[str, Any]:
        """The fact kinds this topic asks for (``facts`` and what ``where`` reads), from one document."""
        return extract_facts(title, text, sorted(self.facts))


def _doc(
    title: str, text: str, source: str, tags: Sequence[str], lang: str | None, implies: Sequence[str]
) -> Doc:
    return Doc(title, text, source, tuple(tags), lang, frozenset(implies))


class TopicMatcher:
    """Every configured topic, compiled once; ``match`` runs them all over one document."""

    def __init__(self, topics: Sequence[Topic], concepts: Mapping[str, Concept] | None = None) -> None:
        self.titles = {t.id: t.title or t.id for t in topics}
        defs = concept_defs(concepts or {})
        actors = frozenset(name for name, c in (concepts or {}).items() if c.actor) or None
        queries = [TopicQuery(t.id, t.title or t.id, topic_query(t, defs)) for t in topics]
        self._matcher = Matcher(queries, actors=actors)
        self._rules: dict[str, _Rules] = {}
        for t in topics:
            where = compile_where(t.where) if t.where else None
            kinds = set(t.facts) | (set(where.kinds) if where else set())
            self._rules[t.id] = _Rules(frozenset(kinds), where)

    def match(
        self,
        *,
        title: str,
        text: str,
        source: str = "",
        tags: Sequence[str] = (),
        lang: str | None = None,
        implies: Sequence[str] = (),
    ) -> list[Mention]:
        doc = _doc(title, text, source, tags, lang, implies)
        out: list[Mention] = []
        for m in self._matcher.match(doc):
            rules = self._rules[m.topic_id]
            if not rules.facts:
                out.append(m)
                continue
            facts = rules.extract(title, text)
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
        implies: Sequence[str] = (),
    ) -> tuple[Explanation, str | None]:
        """Why a topic matched or not, and (when the query matched) what ``where`` said."""
        doc = _doc(title, text, source, tags, lang, implies)
        why = self._matcher.explain(doc, topic_id)
        rules = self._rules[topic_id]
        if not why.matched or rules.where is None:
            return why, None
        facts = rules.extract(title, text)
        verdict = "where holds" if rules.where(facts) else "where fails: " + rules.where.explain(facts)
        return why, verdict

    def near_misses(
        self,
        *,
        title: str,
        text: str,
        source: str = "",
        tags: Sequence[str] = (),
        lang: str | None = None,
        implies: Sequence[str] = (),
        matched: Sequence[str] = (),
    ) -> list[NearMiss]:
        """Topics the item almost matched (``matched``: the ids that did match, skipped): the query held
        but ``where`` failed, the terms were too far apart, or one concept was missing."""
        doc = _doc(title, text, source, tags, lang, implies)
        out: list[NearMiss] = []
        held = set(self._matcher.match_ids(doc))
        rest = [t for t in self._matcher.topic_ids if t not in held and t not in matched]
        reasons = self._matcher.near_misses(doc, rest)
        for topic_id in self._matcher.topic_ids:
            if topic_id in matched:
                continue
            rules = self._rules[topic_id]
            if topic_id in held and rules.where is not None:
                facts = rules.extract(title, text)
                if not rules.where(facts):
                    out.append(NearMiss(topic_id, "where fails: " + rules.where.explain(facts)))
            elif topic_id in reasons:
                out.append(NearMiss(topic_id, reasons[topic_id]))
        return out

"""Topic queries compiled once into one fast matcher (pure; the query language is ``monitor.match.query``).

API: ``Matcher(topics)`` compiles resolved :class:`TopicQuery` values once (config load); then, per
:class:`Doc`, ``match(doc) -> list[Mention]`` (terms with spans, snippet), ``match_ids(doc)`` (ids only,
cheaper), ``explain(doc, topic_id) -> Explanation`` (why it matched, or which clauses failed and the
closest one), ``near_miss(doc, topic_id)`` (what the rules almost caught) and ``candidates(doc)`` (what
the prefilter let through; for tests and profiling).

How a document is matched (the modules beside this one):

1. Each field (title, text) is folded once with a map back to the original (``monitor.match.fold``).
2. ONE Aho–Corasick automaton (pyahocorasick) holding the folded literal of every term of every topic
   (and of every concept and mask) runs over each folded field (ASCII text runs the same automaton
   minus the CJK keys).
3. Every topic has precompiled *gates* (``monitor.match.compile``): clauses of literals, one of each
   must occur for the query to have any chance. Only topics whose gates the raw automaton hits open are
   evaluated; ``source:``/``tag:``/``lang:`` gates, and concepts implied by the item's source, are looked
   at only when a topic still needs them.
4. Evaluation of a candidate reuses the hits (``monitor.match.evaluate``): word-boundary checks at the
   hit positions, wildcard extension, masks, NEAR/SENT by one sweep over the occurrences.

Spans in :class:`~monitor.model.MatchedTerm` are offsets into the ORIGINAL title or text;
``matched`` is the original substring. ``source:``/``tag:``/``lang:`` leaves give no spans.

``monitor.match.reference`` is the same language evaluated naively (one ``re`` per term); tests and
``bench/match.py`` check that both pick the same topics.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick

from monitor.match.compile import Compiler, Topic, gates
from monitor.match.doc import Doc, TopicQuery
from monitor.match.evaluate import BOTH, Spec, State, meta_true
from monitor.match.explain import Explanation, closest, loosely, matched_terms, why, why_not
from monitor.match.fold import ascii_word, fold_with_offsets, latin_word
from monitor.match.query import And, Concept, Meta, Near, Node, Not, Or, is_katakana
from monitor.match.snippet import snippet
from monitor.model import Mention

__all__ = ["Doc", "Explanation", "Matcher", "TopicQuery", "fold_with_offsets"]

_NO_GATE = (0, 0)


class Matcher:
    """Topics compiled once; :meth:`match` is pure and safe to call from many threads."""

    def __init__(self, topics: Sequence[TopicQuery], *, actors: frozenset[str] | None = None) -> None:
        """``actors``: the concepts a "no @name" near miss may assume (who acts, not what about); None:
        every concept a topic needs."""
        ids = [t.id for t in topics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"match: duplicate topic ids: {', '.join(dupes)}")
        comp = Compiler()
        compiled = [(t, comp.node(t.query)) for t in topics]
        self._keys = comp.keys
        # Per key, the edges every literal with that key must sit at (Latin word boundaries, the katakana
        # start): the prefilter counts a key as present only where a hit sits at them, so a term's letters
        # inside a longer word ("site" in "visited") open no gate.
        self._bounds = _key_bounds(comp.specs.values())
        self._topics: list[Topic] = []
        # Every clause of every topic gets one bit; a gate (key or metadata leaf) sets the bits of the
        # clauses it appears in. A topic is a candidate when all its bits are set.
        gate_bits: dict[int, int] = {}
        gate_topics: dict[int, int] = {}  # gate -> bits of the topics (by index) that use it
        always = 0  # topics that only metadata can gate
        bit = 0
        for ti, (t, root) in enumerate(compiled):
            clauses = gates(root, negated=False)
            if not clauses:
                raise ValueError(f"match: topic {t.id}: the query can match without any positive term")
            mask = meta_mask = 0
            for clause in clauses:
                for g in clause:
                    gate_bits[g] = gate_bits.get(g, 0) | 1 << bit
                    gate_topics[g] = gate_topics.get(g, 0) | 1 << ti
                    if g < 0:
                        meta_mask |= 1 << bit
                mask |= 1 << bit
                bit += 1
            if mask == meta_mask:
                always |= 1 << ti
            self._topics.append(Topic(t.id, t.title, t.query, root, tuple(clauses), mask, meta_mask))
        self._gate_bits = gate_bits
        self._always = always
        # Metadata leaves that open some clause: a leaf the clauses dropped (a branch subsumed by another,
        # "FMS OR (lang:ja AND FMS)", or left out beyond the clause cap) gates nothing.
        self._meta_gates = tuple((m, g) for m, g in comp.metas.items() if g in gate_bits)
        # Per field: key -> (clause bits, topic bits) of the gates a hit of the key in that field opens
        # (the key's unscoped gate and its title: or text: one).
        self._key_gates: tuple[dict[int, tuple[int, int]], ...] = tuple(
            {
                k: (
                    gate_bits.get(k * 3, 0) | gate_bits.get(k * 3 + 1 + f, 0),
                    gate_topics.get(k * 3, 0) | gate_topics.get(k * 3 + 1 + f, 0),
                )
                for k in self._keys.values()
            }
            for f in BOTH
        )
        self._by_id = {t.id: t for t in self._topics}
        self._topic_concepts = {
            t.id: tuple(c for c in _positive_concepts(t.query) if actors is None or c in actors)
            for t in topics
        }
        # The clause bits a topic's own concepts open when assumed (as if the source implied them): with
        # them, a topic whose other clauses are all open is the only kind that can be a near miss.
        metas = dict(comp.metas)
        self._assumable = {
            t.id: sum_bits(
                gate_bits.get(metas[m], 0) for m in metas if _implies_one_of(m, self._topic_concepts[t.id])
            )
            for t in topics
        }
        self._ac_all = self._automaton(list(self._keys))
        self._ac_ascii = self._automaton([k for k in self._keys if k.isascii()])

    def _automaton(self, keys: list[str]) -> ahocorasick.Automaton | None:
        if not keys:
            return None
        a = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for k in keys:
            a.add_word(k, self._keys[k])
        a.make_automaton()
        return a

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self._topics)

    # -- per document --

    def _state(self, doc: Doc) -> State:
        title, text = fold_with_offsets(doc.title), fold_with_offsets(doc.text)
        hits = (self._scan(title.text), self._scan(text.text))
        present = (self._present(title.text, hits[0]), self._present(text.text, hits[1]))
        return State(doc, (title, text), hits, present)

    def _present(self, t: str, hits: list[tuple[int, int]]) -> set[int]:
        """The keys with a hit at their edges (see ``_bounds``); the others' hits are letters inside words."""
        out: set[int] = set()
        bounds = self._bounds
        word = ascii_word if t.isascii() else latin_word
        last = len(t) - 1
        for end, k in hits:
            if k in out:
                continue
            b = bounds.get(k)
            if b is not None:
                length, left, right, kana = b
                s = end - length + 1
                if s > 0 and ((left and word(t[s - 1])) or (kana and is_katakana(t[s - 1]))):
                    continue
                if right and end < last and word(t[end + 1]):
                    continue
            out.add(k)
        return out

    def _scan(self, t: str) -> list[tuple[int, int]]:
        """(end index, key id) of every key occurrence in folded text: the one pass over the text."""
        ac = self._ac_ascii if t.isascii() else self._ac_all
        return list(ac.iter(t)) if ac is not None and t else []

    def _candidates(self, st: State) -> list[Topic]:
        bits = 0
        touched = self._always
        for present, by_key in zip(st.present, self._key_gates, strict=True):
            for key in present:
                b, tb = by_key.get(key, _NO_GATE)
                bits |= b
                touched |= tb
        out = []
        meta_bits = -1  # not computed yet: metadata is folded only when a topic needs it
        topics = self._topics
        while touched:
            low = touched & -touched
            touched ^= low
            t = topics[low.bit_length() - 1]
            missing = t.mask & ~bits
            if missing and not (missing & ~t.meta_mask):
                if meta_bits < 0:
                    meta_bits = 0
                    for m, gate in self._meta_gates:
                        if meta_true(m, st):
                            meta_bits |= self._gate_bits[gate]
                missing &= ~meta_bits
            if not missing:
                out.append(t)
        return out

    def _open_bits(self, st: State) -> int:
        """Every clause bit the document's key hits and metadata open (the prefilter's view, eagerly)."""
        bits = 0
        for present, by_key in zip(st.present, self._key_gates, strict=True):
            for key in present:
                bits |= by_key.get(key, _NO_GATE)[0]
        for m, gate in self._meta_gates:
            if meta_true(m, st):
                bits |= self._gate_bits[gate]
        return bits

    def candidates(self, doc: Doc) -> list[str]:
        """Topic ids that pass the prefilter (a superset of the matches); for tests and profiling."""
        return [t.id for t in self._candidates(self._state(doc))]

    def match_ids(self, doc: Doc) -> list[str]:
        """The ids of the topics that match ``doc`` (no evidence collected: cheaper than :meth:`match`)."""
        st = self._state(doc)
        return [t.id for t in self._candidates(st) if t.root.ev(st)]

    def match(self, doc: Doc) -> list[Mention]:
        """Every topic that matches ``doc``, in configuration order, with its evidence."""
        st = self._state(doc)
        if not st.present[0] and not st.present[1] and not self._meta_gates:
            return []
        out = []
        for topic in self._candidates(st):
            if topic.root.ev(st):
                terms = matched_terms(topic.root, st)
                spans = [(t.start, t.end) for t in terms if t.field == "text"]
                out.append(
                    Mention(topic_id=topic.id, terms=terms, snippet=snippet(doc.text, spans, title=doc.title))
                )
        return out

    def explain(self, doc: Doc, topic_id: str) -> Explanation:
        """Why ``topic_id`` matches ``doc``, or which clauses failed (evaluates fully, no prefilter)."""
        topic = self._by_id.get(topic_id)
        if topic is None:
            raise KeyError(f"match: unknown topic {topic_id!r} (topics: {', '.join(self._by_id)})")
        st = self._state(doc)
        matched = topic.root.ev(st)
        reasons = why(topic.root, st) if matched else why_not(topic.root, st)
        near = () if matched else tuple(closest(topic.root, st))
        found = matched_terms(topic.root, st, everywhere=True)
        return Explanation(topic_id, matched, tuple(reasons), found, near)

    def near_misses(self, doc: Doc, topic_ids: Sequence[str]) -> dict[str, str]:
        """For the given topics that do not match ``doc``: why each almost did ({id: reason}).

        Two kinds: the query holds once every NEAR/SENT only asks for both sides somewhere ("too far":
        the closest pair and its distance), or it holds once one of its concepts is assumed, as if the
        source implied it ("no @japan"). Tried in that order; the first that holds is the reason. An
        assumed concept stands for an actor named in words the concept does not know, somewhere in the
        item: it does not make ``title:@name`` hold (a title naming another country stays that
        country's story), and only ``actors`` are assumed.
        """
        st = self._state(doc)
        out: dict[str, str] = {}
        opened = -1  # the clause bits the document opens (keys and metadata), computed when first needed
        for topic_id in topic_ids:
            topic = self._by_id[topic_id]
            if opened < 0:
                opened = self._open_bits(st)
            if topic.mask & ~(opened | self._assumable[topic_id]):
                continue  # a clause no relaxation opens: neither kind of near miss can hold (the prefilter)
            if topic.root.ev(st):
                continue
            if loosely(topic.root, st):
                out[topic_id] = "too far apart: " + "; ".join(closest(topic.root, st))
                continue
            for name in self._topic_concepts[topic_id]:
                if name in doc.implies:
                    continue
                assumed = st.assuming(doc.implies | {name})
                if topic.root.ev(assumed):
                    out[topic_id] = f"no @{name}; the rest of the topic holds"
                    break
        return out


def _key_bounds(specs: Iterable[Spec]) -> dict[int, tuple[int, bool, bool, bool]]:
    """Key -> (length, left word boundary, right word boundary, katakana start) that every literal of the
    key requires (a prefix literal needs no right boundary; a mask, no katakana start)."""
    by_key: dict[int, list[Spec]] = {}
    for sp in specs:
        if sp.base is None:
            by_key.setdefault(sp.key, []).append(sp)
    out = {}
    for key, sps in by_key.items():
        left = all(sp.check_left for sp in sps)
        right = all(sp.check_right for sp in sps)
        kana = all(sp.kana_left for sp in sps)
        if left or right or kana:
            out[key] = (sps[0].length, left, right, kana)
    return out


def sum_bits(bits: Iterable[int]) -> int:
    out = 0
    for b in bits:
        out |= b
    return out


def _implies_one_of(m: Meta, names: Sequence[str]) -> bool:
    return m.field == "implies" and m.value in names


def _positive_concepts(node: Node) -> tuple[str, ...]:
    """The concepts a query needs (not under NOT), outermost first, without repeats."""
    out: list[str] = []

    def walk(n: Node, negated: bool) -> None:
        if isinstance(n, Concept):
            if not negated and n.name not in out:
                out.append(n.name)
        elif isinstance(n, Near):
            if not negated:
                out.extend(c for c in (*n.left_implied[:1], *n.right_implied[:1]) if c not in out)
        elif isinstance(n, Not):
            walk(n.child, not negated)
        elif isinstance(n, And | Or):
            for c in n.children:
                walk(c, negated)

    walk(node, False)
    return tuple(out)

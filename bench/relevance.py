"""Relevance benchmark: per-topic precision, recall and F1 of pressmon's topics on the labelled corpus.

Run ``.venv/bin/python bench/relevance.py [--corpus PATH] [--blind PATH] [--feeds PATH] [--verbose]``.

Two labelled sets, scored side by side (per topic, per language, micro and macro):

- the *tuning* set, ``tests/corpus/*.yaml`` (labelling guidelines at the top of ``relevance.yaml``):
  written alongside the queries, used to tune them;
- the *blind* set, ``tests/corpus/blind/*.yaml``: written to the same guidelines by someone who had not
  read the queries, frozen. It scores, it never tunes: ``--verbose`` lists misclassified items of the
  tuning set only (``--show-blind-items`` would list the blind set's too; using it to fix queries
  defeats the point of the set);
- a *held-out* file, ``held_out: true`` at its top level (a new set, scored before anyone tunes on it):
  a directory load (the default ``--corpus``) skips it and names it on the first line of the report;
  ``--corpus tests/corpus/FILE.yaml`` scores it alone (bench/relevance_corpus.py reads the corpus).

Each holds short texts written in the style of real statements and headlines, each labelled with the
topic ids that should fire. Two matchers run over them in the same run:

- ``pressmon``: the topics shipped in feeds.yaml, through :func:`pressmon_matches`, the one adapter
  that knows which matcher pressmon uses;
- ``baseline``: a naive keyword AND per topic ("Japan AND tariff"), defined in :data:`BASELINE`.

A topic's precision is undefined when it fired on nothing (printed ``-``, counted as 0 in the macro
average); likewise recall with no positives. The exit status is 0 whatever the scores (this is a
report, not a gate); only an unreadable corpus or feeds file exits 2.
"""

from __future__ import annotations

import argparse
import functools
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_corpus import DEFAULT_CORPUS, ROOT, SOURCE_IMPLIES, Entry, load_corpus, read_corpus
from monitor.config.loader import load_config
from monitor.config.schema import Config
from monitor.errors import ConfigError

DEFAULT_BLIND = ROOT / "tests" / "corpus" / "blind" / "relevance.yaml"
DEFAULT_FEEDS = ROOT / "feeds.yaml"

__all__ = [
    "BASELINE",
    "DEFAULT_BLIND",
    "DEFAULT_CORPUS",
    "DEFAULT_FEEDS",
    "SOURCE_IMPLIES",
    "Entry",
    "Score",
    "baseline_matches",
    "evaluate",
    "load_corpus",
    "main",
    "pressmon_matches",
    "topic_ids",
]


# --------------------------------------------------------------------------------------------------
# the matchers


def topic_ids(feeds: str | Path = DEFAULT_FEEDS) -> list[str]:
    """The ids of the topics in a feeds.yaml, in file order."""
    return [t.id for t in _config(Path(feeds)).topics]


@functools.cache
def _config(feeds: Path) -> Config:
    return load_config(feeds)


@functools.cache
def _pressmon_matcher(feeds: Path) -> Callable[[str, str, str, str], set[str]]:
    """Compile the topics of ``feeds`` once; return (title, text, source, lang) -> fired topic ids."""
    from monitor.match.topics import TopicMatcher

    config = _config(feeds)
    matcher = TopicMatcher(config.topics, config.concepts)
    known = set(config.concepts)

    def fire(title: str, text: str, source: str, lang: str) -> set[str]:
        implies = [c for c in SOURCE_IMPLIES.get(source, ()) if c in known]
        return {
            m.topic_id
            for m in matcher.match(title=title, text=text, source=source, lang=lang, implies=implies)
        }

    return fire


def pressmon_matches(
    title: str, text: str, source: str, lang: str, *, feeds: str | Path = DEFAULT_FEEDS
) -> set[str]:
    """The topic ids pressmon fires on one item, using the topics of ``feeds``.

    The adapter (with :func:`_pressmon_matcher`) is the only place in the benchmark and in
    tests/test_corpus.py that knows which matcher pressmon uses: the daemon's own
    ``monitor.match.topics.TopicMatcher`` (queries, concepts, facts and ``where``), with ``source`` and
    ``lang`` for field scopes (``source:``, ``lang:``), and the concepts :data:`SOURCE_IMPLIES` says the
    source implies (those the feeds define).
    """
    return _pressmon_matcher(Path(feeds))(title, text, source, lang)


# The naive baseline: for each topic, (any of the first group) AND (any of the second group), as
# case-insensitive substrings of title + text. Deliberately the first thing anyone would write.
BASELINE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "japan-us-investment": (("japan", "日本"), ("investment", "投資")),
    "tariffs-japan": (("japan", "日本"), ("tariff", "関税")),
    "fms-japan": (("japan", "日本"), ("foreign military sale", "fms", "対外有償軍事援助")),
    "japan-defense-spending": (("japan", "日本"), ("defense spending", "defence spending", "防衛費")),
    "us-lng-japan": (("japan", "日本"), ("lng", "液化天然ガス")),
}


def baseline_matches(title: str, text: str, source: str, lang: str) -> set[str]:
    """The topic ids the naive keyword AND of :data:`BASELINE` fires on one item."""
    hay = unicodedata.normalize("NFKC", f"{title}\n{text}").casefold()
    return {
        topic
        for topic, (first, second) in BASELINE.items()
        if any(w in hay for w in first) and any(w in hay for w in second)
    }


# --------------------------------------------------------------------------------------------------
# scoring


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int
    fp_ids: tuple[str, ...] = ()
    fn_ids: tuple[str, ...] = ()

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)


Matcher = Callable[[str, str, str, str], set[str]]


def evaluate(entries: Sequence[Entry], topics: Iterable[str], matcher: Matcher) -> dict[str, Score]:
    """Per-topic counts of one matcher over the corpus."""
    topics = list(topics)
    fired = {e.id: matcher(e.title, e.text, e.source, e.lang) for e in entries}
    scores: dict[str, Score] = {}
    for topic in topics:
        tp = fp = fn = 0
        fp_ids: list[str] = []
        fn_ids: list[str] = []
        for e in entries:
            want, got = topic in e.labels, topic in fired[e.id]
            if want and got:
                tp += 1
            elif got:
                fp += 1
                fp_ids.append(e.id)
            elif want:
                fn += 1
                fn_ids.append(e.id)
        scores[topic] = Score(tp, fp, fn, tuple(fp_ids), tuple(fn_ids))
    return scores


def _micro(scores: Iterable[Score]) -> Score:
    scores = list(scores)
    return Score(sum(s.tp for s in scores), sum(s.fp for s in scores), sum(s.fn for s in scores))


def _macro(scores: Iterable[Score]) -> tuple[float, float, float]:
    scores = list(scores)
    if not scores:
        return 0.0, 0.0, 0.0
    n = len(scores)
    return (
        sum(s.precision or 0.0 for s in scores) / n,
        sum(s.recall or 0.0 for s in scores) / n,
        sum(s.f1 or 0.0 for s in scores) / n,
    )


# --------------------------------------------------------------------------------------------------
# report


def _f(x: float | None) -> str:
    return "    -" if x is None else f"{x:5.3f}"


def _cells(s: Score) -> str:
    return f"{s.tp:>4} {s.fp:>3} {s.fn:>3} {_f(s.precision)} {_f(s.recall)} {_f(s.f1)}"


def _mcells(p: float, r: float, f1: float) -> str:
    return f"{'':>4} {'':>3} {'':>3} {p:5.3f} {r:5.3f} {f1:5.3f}"


def _describe(name: str, entries: Sequence[Entry], topics: Sequence[str]) -> list[str]:
    n_en = sum(e.lang == "en" for e in entries)
    lines = [
        f"{name}: {len(entries)} items ({n_en} en, {len(entries) - n_en} ja), "
        f"{sum(not e.labels for e in entries)} labelled with no topic, "
        f"{sum(e.note.startswith('trap') for e in entries)} traps"
    ]
    for t in topics:
        pos = [e for e in entries if t in e.labels]
        pos_en = sum(e.lang == "en" for e in pos)
        lines.append(f"  {t:<24} {len(pos):>3} positives ({pos_en} en, {len(pos) - pos_en} ja)")
    unknown = sorted({lab for e in entries for lab in e.labels} - set(topics))
    if unknown:
        lines.append(f"  labels not among the feeds.yaml topics (ignored): {', '.join(unknown)}")
    return lines


def report(
    sets: dict[str, Sequence[Entry]],
    topics: Sequence[str],
    matchers: dict[str, Matcher],
    *,
    verbose: bool,
    show_blind_items: bool = False,
) -> list[str]:
    """The tables: one row per (topic, matcher), one column group per set (tuning, blind)."""
    lines: list[str] = []
    for name, entries in sets.items():
        lines += _describe(name, entries, topics)
    lines.append("")

    def scored_topics(matcher: str) -> list[str]:
        return [t for t in topics if matcher != "baseline" or t in BASELINE]

    results = {
        (set_name, m): evaluate(entries, topics, fn)
        for set_name, entries in sets.items()
        for m, fn in matchers.items()
    }
    group = f"{'TP':>4} {'FP':>3} {'FN':>3} {'P':>5} {'R':>5} {'F1':>5}"
    width = len(group)
    head1 = f"{'':<28} {'':<9} " + "  ".join(f"{n:^{width}}" for n in sets)
    head2 = f"{'topic':<28} {'matcher':<9} " + "  ".join(group for _ in sets)
    lines += [head1, head2, "-" * len(head2)]

    def row(label: str, m: str, cell: Callable[[str], str]) -> str:
        return f"{label:<28} {m:<9} " + "  ".join(cell(n) for n in sets)

    for t in topics:
        for m in matchers:
            if m == "baseline" and t not in BASELINE:
                lines.append(f"{t:<28} {m:<9} (no baseline for this topic)")
                continue
            lines.append(row(t, m, lambda n, t=t, m=m: _cells(results[(n, m)][t])))  # type: ignore[misc]
    lines.append("-" * len(head2))
    for m in matchers:
        lines.append(
            row(
                "macro average",
                m,
                lambda n, m=m: _mcells(*_macro(results[(n, m)][t] for t in scored_topics(m))),  # type: ignore[misc]
            )
        )
    for m in matchers:
        lines.append(
            row(
                "micro (all topics)",
                m,
                lambda n, m=m: _cells(_micro(results[(n, m)][t] for t in scored_topics(m))),
            )  # type: ignore[misc]
        )
    lines.append("")
    lines.append("by language (micro over topics):")
    for lang in ("en", "ja"):
        for m, fn in matchers.items():
            by_lang = {
                n: _micro(evaluate([e for e in entries if e.lang == lang], scored_topics(m), fn).values())
                for n, entries in sets.items()
            }
            lines.append(row(f"  {lang}", m, lambda n, b=by_lang: _cells(b[n])))  # type: ignore[misc]
    lines.append("by topic and language (pressmon):")
    for t in topics:
        for lang in ("en", "ja"):
            per = {
                n: evaluate([e for e in entries if e.lang == lang], [t], matchers["pressmon"])[t]
                for n, entries in sets.items()
            }
            lines.append(row(f"  {t} {lang}", "pressmon", lambda n, p=per: _cells(p[n])))  # type: ignore[misc]

    if verbose:
        lines.append("")
        lines.append("misclassified (FP = fired but not labelled, FN = labelled but did not fire):")
        for set_name, entries in sets.items():
            if set_name == "blind" and not show_blind_items:
                lines.append("  blind: not listed (it scores, it never tunes; see --show-blind-items)")
                continue
            by_id = {e.id: e for e in entries}
            for t in topics:
                for m in matchers:
                    s = results[(set_name, m)][t]
                    if not (s.fp_ids or s.fn_ids):
                        continue
                    lines.append(f"{set_name} / {t} / {m}:")
                    for kind, ids in (("FP", s.fp_ids), ("FN", s.fn_ids)):
                        for i in ids:
                            lines.append(f"  {kind} {i:<44} {by_id[i].title[:70]}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus YAML file or directory of them"
    )
    parser.add_argument(
        "--blind",
        type=Path,
        default=DEFAULT_BLIND,
        help="the blind set (a YAML file or directory); '' for none",
    )
    parser.add_argument("--feeds", type=Path, default=DEFAULT_FEEDS, help="feeds.yaml with the topics")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="list misclassified ids per topic (tuning set only)"
    )
    parser.add_argument(
        "--show-blind-items",
        action="store_true",
        help="with --verbose, list the blind set's misclassified items too (never tune on them)",
    )
    args = parser.parse_args(argv)

    sets: dict[str, list[Entry]] = {}
    try:
        # a directory's held-out files (held_out: true) are left out; a file named with --corpus is read
        tuning = read_corpus(args.corpus, skip_held_out=True)
        sets["tuning"] = tuning.entries
        if tuning.skipped:
            names = ", ".join(tuning.skipped)
            print(f"skipped held-out corpus files (held_out: true; score one with --corpus FILE): {names}")
        if str(args.blind) not in ("", ".") and Path(args.blind).exists():
            sets["blind"] = load_corpus(args.blind)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"relevance: cannot load corpus: {e}", file=sys.stderr)
        return 2
    try:
        topics = topic_ids(args.feeds)
    except ConfigError as e:
        print("relevance: cannot load topics:", *e.problems, sep="\n  ", file=sys.stderr)
        return 2

    def pressmon(title: str, text: str, source: str, lang: str) -> set[str]:
        return pressmon_matches(title, text, source, lang, feeds=args.feeds)

    matchers: dict[str, Matcher] = {"pressmon": pressmon, "baseline": baseline_matches}
    lines = report(sets, topics, matchers, verbose=args.verbose, show_blind_items=args.show_blind_items)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Near-duplicate benchmark (the text path of story clustering): recall and precision of joins on planted
edits of one text, against baselines, same run. ``bench/stories.py`` measures stories as a whole (labelled
independent and cross-language reports, templated negatives); this one only the MinHash text rule, whose
duplicates are edits of one text by construction.

Run ``.venv/bin/python bench/stories_planted.py [--bases N] [--seed S] [--days D]``. It generates press-style
entries (:func:`make_corpus`): ~80-150-word base texts from a press vocabulary with stock phrases and
per-source boilerplate, and planted near-duplicates of them from other sources (10-20% word edits:
substitutions, insertions, deletions; half with two sentences swapped; half with the new source's
boilerplate appended; most with a rewritten headline), a few same-source re-posts (0-2 words
corrected), and traps: template siblings (a different story from the same source's template, ~45% of
words changed, like two DSCA notices) and generic headlines shared by unrelated items ("Press
Statement").

Every entry is fed in first-seen order to each method's ``assign`` over the earlier entries within
72 h, through ``monitor.stories.decide_story`` (text only: no signatures). A join is correct when it
joins the story the entry was planted in; recall = correct joins / planted duplicates, precision =
correct joins / all joins. Methods:

  baseline   exact normalised-title equality (the earliest story with the same title)
  simhash    64-bit SimHash of the same 3-shingles, same rules (same source <= 3 bits)
  pressmon   ``monitor.stories``: bottom-128 MinHash sketch, estimated Jaccard, same rules

It prints the table, a threshold sweep for the two fingerprints, and ratios against the baseline.
Timings are CPU time per entry (fingerprint, and assignment against the window's candidates); the
machine is shared, so read the ratios. Nothing asserts a timing; the exit status is always 0.
``tests/test_stories.py`` uses :func:`make_corpus`, :func:`evaluate` and :func:`pressmon_method` for its
quality bounds.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import shingles, story_text
from monitor.stories import StoryCandidate, StoryProbe, StoryRules, decide_story
from monitor.story_text import fingerprint, title_similarity
from monitor.text import normalise_for_hash

__all__ = [
    "Corpus",
    "Entry",
    "Method",
    "Score",
    "evaluate",
    "main",
    "make_corpus",
    "methods",
    "pressmon_method",
    "simhash64",
    "simhash_method",
]

WINDOW = timedelta(hours=72)
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)

_FUNCTION_TEXT = (
    "the a an of to and in for on with by at from as that this is was will be has have are its their "
    "our it which who not also more than"
)
_PRESS_TEXT = """
department secretary minister ministry government administration office president statement press
release today announced said week month year meeting talks discussion officials representatives
bilateral multilateral cooperation partnership framework dialogue economic security policy support
development growth program initiative strategy region regional international global national public
private sector industry workers jobs communities families future opportunity priority commitment
infrastructure energy climate health education innovation technology research science markets trade
investment agreement review report budget congress committee hearing legislation law rule notice
federal register comment period application approval decision process agency council board staff
tariff tariffs duties imports exports goods autos parts steel aluminum semiconductors chips shipbuilding
minerals pharmaceuticals gas liquefied natural purchases contracts utilities supply chain resilience
defense military sale sales missiles aircraft equipment services logistics training certification
notification transmittal purchaser estimated cost value ally alliance stability deterrence readiness
allies partners summit leaders visit call readout joint fact sheet implementation schedule effective
reciprocal rate percent billion million trillion dollars yen fiscal quarter spending capital
committee chaired selected projects profits recovered pledge doubles nearly expand maintain ceiling
inclusive existing favored nation reaffirm announce era progress spring review
important critical significant new additional further key strong shared mutual common long term
"""
FUNCTION = _FUNCTION_TEXT.split()
PRESS = _PRESS_TEXT.split()
ENTITIES = [
    "Japan", "the United States", "Tokyo", "Washington", "the Secretary of Commerce", "the Trade "
    "Representative", "Prime Minister", "the White House", "Toyota", "Honda", "Alaska", "the Gulf Coast",
    "Congress", "the Pentagon", "Korea", "the Philippines", "Australia", "the European Union", "China",
]  # fmt: skip
STOCK = [
    "according to the statement", "officials said on Tuesday", "the two governments agreed that",
    "in a joint statement", "the Department said", "under the agreement", "the United States and Japan",
    "the Government of Japan has requested to buy", "the estimated total cost is",
    "effective for goods entered on or after", "the proposed sale will support the foreign policy goals",
    "the President said in a statement", "people familiar with the matter said",
]  # fmt: skip
SOURCES = [
    "whitehouse", "state", "ustr", "commerce", "dsca", "federal-register", "nikkei", "kyodo", "reuters",
    "mofa",
]  # fmt: skip
BOILERPLATE = {
    "whitehouse": "The White House. 1600 Pennsylvania Ave NW, Washington, DC 20500. Stay connected with "
    "the latest news and statements from the President and the administration.",
    "state": "For further information, please contact the Office of the Spokesperson. This is a press "
    "statement of the Department of State; media inquiries should be directed to the press desk.",
    "ustr": "The Office of the United States Trade Representative is responsible for developing and "
    "coordinating U.S. international trade, commodity, and direct investment policy.",
    "commerce": "The Department of Commerce promotes job creation and economic growth by ensuring fair "
    "and reciprocal trade. Media contact: Office of Public Affairs.",
    "dsca": "This notice of a potential sale is required by law and does not mean the sale has been "
    "concluded. All questions regarding this proposed Foreign Military Sale should be directed to the "
    "State Department.",
    "federal-register": "For further information contact the office listed above. Authority: this "
    "notice is published under the relevant statute. Filed in the Federal Register; billing code.",
    "nikkei": "Copyright Nikkei Inc. All rights reserved. Subscribe to read more analysis of Asia's "
    "economy, business and politics.",
    "kyodo": "Copyright Kyodo News. All rights reserved. This material may not be published, "
    "broadcast, rewritten or redistributed without permission.",
    "reuters": "Reporting by the Tokyo and Washington bureaus; editing by the Asia desk. Our Standards: "
    "The Thomson Reuters Trust Principles.",
    "mofa": "Ministry of Foreign Affairs of Japan. This is a provisional translation; the Japanese text "
    "is authoritative. Press releases are available on the ministry website.",
}
GENERIC_TITLES = [
    "Press Statement", "Readout of the Secretary's Meeting", "Statement by the Press Secretary",
    "Daily Press Briefing", "Arms Sales Notification", "Fact Sheet",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    story: int  # ground truth: the story the entry was planted in
    planted: bool  # a near-duplicate (or re-post) of an earlier entry of the same story
    source_id: str
    seen_at: datetime
    title: str
    text: str


Corpus = list[Entry]


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        # Zipf-like: a few press words are common, most are rare.
        self.weights = [1.0 / (i + 1) for i in range(len(PRESS))]
        self.rng.shuffle(self.weights)

    def word(self) -> str:
        r = self.rng.random()
        if r < 0.36:
            return self.rng.choice(FUNCTION)
        if r < 0.44:
            return self.rng.choice(ENTITIES)
        if r < 0.49:
            return str(self.rng.choice([15, 25, 90, 550, 2026, 2027, 2029, self.rng.randint(1, 999)]))
        return self.rng.choices(PRESS, self.weights)[0]

    def sentence(self) -> list[str]:
        words = [self.word() for _ in range(self.rng.randint(8, 22))]
        if self.rng.random() < 0.3:
            words[:0] = self.rng.choice(STOCK).split()
        return words

    def sentences(self) -> list[list[str]]:
        target = self.rng.randint(80, 150)
        out: list[list[str]] = []
        while sum(map(len, out)) < target:
            out.append(self.sentence())
        return out

    def title(self) -> str:
        if self.rng.random() < 0.08:
            return self.rng.choice(GENERIC_TITLES)
        return " ".join(self.rng.choice(PRESS + ENTITIES) for _ in range(self.rng.randint(5, 11))).title()

    def rewrite_title(self, title: str) -> str:
        words = title.split()
        keep = [w for w in words if self.rng.random() < 0.5]
        extra = [self.rng.choice(PRESS + ENTITIES) for _ in range(self.rng.randint(2, 5))]
        new = keep + extra
        self.rng.shuffle(new)
        return " ".join(new).title()

    def edit(self, sentences: Sequence[Sequence[str]], rate: float) -> list[list[str]]:
        """Word edits at ``rate``: a third each substitutions, deletions, insertions."""
        out: list[list[str]] = []
        for s in sentences:
            t: list[str] = []
            for w in s:
                r = self.rng.random()
                if r < rate / 3:
                    t.append(self.word())
                elif r < 2 * rate / 3:
                    continue
                elif r < rate:
                    t += [w, self.word()]
                else:
                    t.append(w)
            out.append(t or list(s[:1]))
        return out

    def fix(self, sentences: Sequence[Sequence[str]], n: int) -> list[list[str]]:
        """``n`` words replaced (a corrected typo, figure or name)."""
        out = [list(s) for s in sentences]
        for _ in range(n):
            s = self.rng.choice(out)
            s[self.rng.randrange(len(s))] = self.word()
        return out


def _render(sentences: Sequence[Sequence[str]]) -> str:
    return " ".join(" ".join(s).capitalize() + "." for s in sentences)


def make_corpus(bases: int, *, seed: int = 7, days: float = 30.0) -> Corpus:
    """``bases`` base stories over ``days`` days with planted near-duplicates and traps, in seen order.

    Per base: 0 (40%), 1 (40%) or 2 (20%) planted duplicates within 48 h, 90% of them near-duplicates
    from another source, 10% re-posts by the same source; and 10% of bases are template siblings of an
    earlier base of the same source (a different story).
    """
    g = _Gen(seed)
    rng = g.rng
    entries: list[Entry] = []
    made: list[tuple[str, list[list[str]]]] = []  # (source, sentences) of each base
    for story in range(bases):
        at = EPOCH + timedelta(days=rng.uniform(0, days))
        source = rng.choice(SOURCES)
        same_source = [i for i, (s, _) in enumerate(made) if s == source]
        if same_source and rng.random() < 0.1:  # a template sibling: another story, same skeleton
            sentences = g.edit(made[rng.choice(same_source)][1], 0.45)
        else:
            sentences = g.sentences()
        made.append((source, sentences))
        suffix = " " + BOILERPLATE[source] if rng.random() < 0.3 else ""
        text = _render(sentences) + suffix
        title = g.title()
        entries.append(Entry(story, False, source, at, title, text))
        for _ in range(rng.choices([0, 1, 2], [0.4, 0.4, 0.2])[0]):
            later = at + timedelta(hours=rng.uniform(0.1, 48))
            if rng.random() < 0.1:  # the same source posts it again, 0-2 words corrected
                dup = g.fix(sentences, rng.choice([0, 1, 1, 2]))
                entries.append(Entry(story, True, source, later, title, _render(dup) + suffix))
                continue
            other = rng.choice([s for s in SOURCES if s != source])
            dup = g.edit(sentences, rng.uniform(0.10, 0.20))
            if rng.random() < 0.5 and len(dup) > 1:
                i, j = rng.sample(range(len(dup)), 2)
                dup[i], dup[j] = dup[j], dup[i]
            dup_text = _render(dup)
            if rng.random() < 0.5:
                dup_text += " " + BOILERPLATE[other]
            dup_title = g.rewrite_title(title) if rng.random() < 0.7 else title
            entries.append(Entry(story, True, other, later, dup_title, dup_text))
    entries.sort(key=lambda e: e.seen_at)
    return entries


# --------------------------------------------------------------------------------------------------
# methods: fingerprint an entry; decide which earlier entry's story it joins


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    fingerprint: Callable[[Entry], object]
    # (entry, its fingerprint, earlier entries in the window with fingerprints and system story ids)
    # -> the system story id to join, or None
    assign: Callable[[Entry, object, Sequence[tuple[Entry, object, int]]], int | None]


def pressmon_method(min_similarity: float) -> Method:
    def assign(e: Entry, fp: object, window: Sequence[tuple[Entry, object, int]]) -> int | None:
        assert isinstance(fp, bytes)
        candidates = []
        for c, cfp, sid in window:
            assert isinstance(cfp, bytes)
            candidates.append(StoryCandidate(sid, cfp, c.seen_at, c.source_id, c.title))
        decision = decide_story(
            StoryProbe(fp, e.title, e.source_id), candidates, seen_at=e.seen_at,
            rules=StoryRules(window=WINDOW, min_similarity=min_similarity, min_stub_title=0.8),
        )  # fmt: skip
        return decision.story_id

    return Method(
        f"pressmon MinHash bottom-{story_text.SKETCH_SIZE}, J>={min_similarity:.2f}",
        lambda e: fingerprint(e.title, e.text),
        assign,
    )


# 64-bit SimHash over the same shingles. Per-bit counts are summed in 32-bit lanes of one big integer
# (8 table look-ups per shingle instead of 64 bit tests), which is about as fast as pure Python gets.
_LANE = 32
_LANE_MASK = (1 << _LANE) - 1
_SPREAD = [
    [sum(1 << ((8 * i + j) * _LANE) for j in range(8) if b >> j & 1) for b in range(256)] for i in range(8)
]


def _shingles(tokens: Sequence[str]) -> set[str]:
    if len(tokens) < shingles.SHINGLE:
        return {"\x1f".join(tokens)} if tokens else set()
    return {"\x1f".join(tokens[i : i + shingles.SHINGLE]) for i in range(len(tokens) - shingles.SHINGLE + 1)}


def simhash64(title: str, text: str) -> tuple[int, bool]:
    """(64-bit SimHash of the text's 3-shingles, short); title + text when short, as in pressmon."""
    shingles = _shingles(story_text._tokens(text))
    short = len(shingles) < story_text.MIN_SHINGLES
    if short:
        shingles = _shingles(story_text._tokens(title) + story_text._tokens(text))
    total = 0
    for s in shingles:
        digest = hashlib.blake2b(s.encode("utf-8"), digest_size=8, person=b"bench-simhash").digest()
        for i, byte in enumerate(digest):
            total += _SPREAD[i][byte]
    out = 0
    for bit in range(64):
        if 2 * ((total >> (bit * _LANE)) & _LANE_MASK) > len(shingles):
            out |= 1 << bit
    return out, short


def simhash_method(max_bits: int, same_source_bits: int = 3) -> Method:
    def assign(e: Entry, fp: object, window: Sequence[tuple[Entry, object, int]]) -> int | None:
        assert isinstance(fp, tuple)
        h, short = fp
        best: tuple[bool, float, datetime, int] | None = None
        for c, cfp, sid in window:
            assert isinstance(cfp, tuple)
            ch, cshort = cfp
            distance = (h ^ ch).bit_count()
            if c.source_id == e.source_id:
                ok, key = distance <= same_source_bits, (False, float(distance))
            elif short or cshort:
                sim = title_similarity(e.title, c.title)
                ok, key = sim >= 0.8, (True, -sim)
            else:
                ok, key = distance <= max_bits, (False, float(distance))
            if ok and (best is None or (*key, c.seen_at, sid) < best):
                best = (*key, c.seen_at, sid)
        return None if best is None else best[3]

    return Method(f"SimHash-64, 3-shingles, <={max_bits} bits", lambda e: simhash64(e.title, e.text), assign)


def _title_key(e: Entry) -> object:
    return normalise_for_hash(e.title)


def _title_assign(e: Entry, fp: object, window: Sequence[tuple[Entry, object, int]]) -> int | None:
    return next((sid for _c, cfp, sid in window if cfp == fp), None)  # window is in seen order


BASELINE = Method("baseline: exact normalised title", _title_key, _title_assign)


def methods(*, min_similarity: float = 0.20, simhash_bits: int = 10) -> list[Method]:
    return [BASELINE, simhash_method(simhash_bits), pressmon_method(min_similarity)]


@dataclass(frozen=True, slots=True)
class Score:
    method: str
    planted: int
    joins: int
    correct: int  # joins to the planted story
    missed: int  # planted duplicates not joined to their story
    fingerprint_us: float  # CPU µs per entry
    assign_us: float

    @property
    def recall(self) -> float:
        return self.correct / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.joins if self.joins else 1.0

    @property
    def cpu_us(self) -> float:
        return self.fingerprint_us + self.assign_us


def evaluate(corpus: Sequence[Entry], method: Method) -> Score:
    """Feed ``corpus`` (in seen order) through ``method``; see the module docstring for the scores."""
    t0 = time.process_time()
    fps = [method.fingerprint(e) for e in corpus]
    t_fp = time.process_time() - t0
    times = [e.seen_at for e in corpus]
    story_truth: list[int] = []  # system story id -> the ground-truth story of its first entry
    system: list[int] = []  # entry index -> system story id
    joins = correct = planted = 0
    t0 = time.process_time()
    for i, e in enumerate(corpus):
        lo = bisect.bisect_left(times, e.seen_at - WINDOW, 0, i)
        window = [(corpus[j], fps[j], system[j]) for j in range(lo, i)]
        sid = method.assign(e, fps[i], window)
        if sid is None:
            sid = len(story_truth)
            story_truth.append(e.story)
        else:
            joins += 1
            correct += story_truth[sid] == e.story
        system.append(sid)
        planted += e.planted
    t_assign = time.process_time() - t0
    n = max(1, len(corpus))
    return Score(method.name, planted, joins, correct, planted - correct, t_fp / n * 1e6, t_assign / n * 1e6)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bases", type=int, default=1100, help="base stories (~1.8 entries each)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--days", type=float, default=30.0, help="time span; the window is 72 h")
    args = ap.parse_args(argv)

    corpus = make_corpus(args.bases, seed=args.seed, days=args.days)
    planted = sum(e.planted for e in corpus)
    words = sum(len(e.text.split()) for e in corpus) / max(1, len(corpus))
    print(
        f"python {platform.python_version()} on {platform.machine()}; {len(corpus)} entries "
        f"({args.bases} stories, {planted} planted duplicates), {words:.0f} words on average, "
        f"{args.days:g} days, 72 h window"
    )
    print()
    header = (
        f"{'method':<44}{'recall':>8}{'precision':>11}{'joins':>7}{'wrong':>7}{'fp µs':>8}{'assign µs':>11}"
    )
    print(header)
    scores = [evaluate(corpus, m) for m in methods()]
    for s in scores:
        print(
            f"{s.method:<44}{s.recall:>8.3f}{s.precision:>11.3f}{s.joins:>7}{s.joins - s.correct:>7}"
            f"{s.fingerprint_us:>8.0f}{s.assign_us:>11.0f}"
        )
    base, simhash, ours = scores
    print()
    for other in (base, simhash):
        print(
            f"pressmon vs {other.method.split(',')[0]}: recall {ours.recall:.3f} vs {other.recall:.3f} "
            f"({ours.recall / max(other.recall, 1e-9):.1f}x), precision {ours.precision:.3f} vs "
            f"{other.precision:.3f}, CPU per entry {ours.cpu_us / other.cpu_us:.1f}x"
        )
    print()
    print("threshold sweep (recall / precision):")
    sweep_j = [evaluate(corpus, pressmon_method(t)) for t in (0.10, 0.15, 0.20, 0.25, 0.30, 0.40)]
    sweep_b = [evaluate(corpus, simhash_method(b)) for b in (3, 10, 14, 18, 22)]
    for s in sweep_j + sweep_b:
        print(f"  {s.method:<44}{s.recall:>8.3f}{s.precision:>11.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

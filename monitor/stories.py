"""Story clustering: near-duplicate fingerprints, event signatures and the join decision. Pure: no I/O,
no clock.

Text similarity (fingerprints, headlines) is ``monitor.story_text``; event signatures
``monitor.story_signature``; the facts that veto a join ``monitor.story_veto``.

A *story* is one statement or event as several sources carry it. When an item is first seen, it is
compared with the recent items that share something with it (found through the story index: see
``monitor.story_index``); it joins the best story it may join (the first item alerts, later ones update
it: "also reported by"), otherwise it starts one.

``decide_story(probe, candidates, *, seen_at, rarity, led) -> StoryDecision``
    Rules, in order (``StoryRules`` holds the thresholds, tuned on ``tests/corpus/stories/tuning.yaml``):

    1. Only candidates first seen within ``window`` (72 h) of ``seen_at``, either side, count; and, when
       both sources give a publication time, published within it too.
    2. **Veto**: a story any of whose candidates reports a differing fact (``story_veto.veto``: FMS
       purchaser, transmittal, system or value; a document, docket or case number; a quantity of one
       system; a share of GDP; amount in the same currency; tariff rate; effective date; another weapon
       designator; a supply deal's volume or term; another partner country or company in the headlines;
       between templated texts, a disjoint set of products, countries or places, or another company; two
       headlines at different stages of one matter: talks opened / concluded, heads of agreement / SPA,
       draft / cabinet decision / lower house / enactment, a warning / the reply, a tariff proclaimed / in
       force) is never joined; except that amounts are compared with the story's, not one item's: a probe
       stating an amount some item of the story states is not vetoed by another item stating another (one
       flash gives a budget's total, another only its defence share); and so are the companies headlines
       name: a probe headlined with one company is not vetoed by an item headlined with another when an
       item of that story names both (U.S. Steel's flash, Nippon Steel's, a report naming the two). Nor
       is a story holding another text of the probe's own source (neither headline-only, similarity <
       0.90): a source reports one event once (a company's two releases of one morning, a ministry's two
       press conferences). A write-through
       (its headline marked UPDATE 1-, UPDATE:, REFILE-, CORRECTED-, Bloomberg's (2), 【更新】, 【続報】,
       【詳報】: ``story_text.is_write_through``) is the source's own report rewritten: neither vetoed so
       nor held to the re-post threshold, it joins as another source's item would (rules 3 and 4).
    3. **Text**: same source, estimated Jaccard >= 0.90 (a re-post); another source, >= 0.20 (a copy or a
       wire quoting it). A roundup (its headline says so: a week's or a market's wrap, an explainer, a
       digest, 解説, 今週の, 大引け) names several events and is none of them: it joins, and is joined by,
       only a word-for-word copy (>= 0.90), never by the rules below.
       A short text (a headline-only item) joins on its headline (title similarity
       >= 0.5, or 70% of the shorter headline's content words in the other with an event part shared; CJK
       compared as bigrams of kanji and katakana) only when the signatures share a topic and agree on at
       least one informative part.
    4. **Signature** (another source, a topic or subject shared): the shared parts' weight, each part
       weighted by its kind and by how rare it is among the window's stories (``rarity``: stories in the
       window carrying it; IDF-like, ``log(1 + C / df)``), must reach ``min_weight`` and
       ``min_coverage`` of the lighter side's total, with at least ``min_parts`` distinct kinds shared,
       one of them saying which event rather than which topic (not a country, product, rate or a
       programme's background figure such as Japan's $550 billion: ``_specific``; but a tariff rate, even
       the background one, on a product both headlines lead with, within ``near``, says which action
       between two texts). Beyond ``near`` a join needs ``late_coverage``, but a primary source's
       statement sharing ``primary_late_parts`` (3) event parts needs only ``min_coverage`` (the official
       release a day after the news lists more than the news had).
       An amount in yen counts as shared with the same amount in dollars at 100 to 180 yen to the dollar
       (a Japanese report giving only yen; as loose as the band, it says which event only beside another
       event part both state alike), and a nearby amount in the same currency (``about $35 billion`` in
       the first report, ``$36 billion`` announced: ``story_veto.near_amounts``). Several rare event
       facts in common (``strong_weight`` in ``strong_parts`` event parts) need only
       ``strong_coverage``: each side's other detail does not outweigh them. A report within ``near``
       stating an arms-sale notice's total value in dollars and naming its purchaser is that sale
       (``min_weight`` shared), however much else the notice lists. Between two texts within ``near``,
       one amount stated alike suffices as the one part shared when it is rare in the window
       (``min_weight``) and of two significant figures ($1.1 billion, not $1 billion).
       A headline-only item within ``stub_near`` (6 h) every part of which the story has, at least
       ``stub_generic_parts`` (3) of three kinds with a product among them (a rate, a country and a
       product, all of the story's: 米、日本製半導体の関税上限15％に; or of two kinds when one is a
       partner country other than Japan: JAPAN, QATAR SIGN LNG DEALS), joins even when all are generic;
       so does one whose parts the story all has, an amount of its own among them (住友電工 米に送電
       ケーブル工場 約930億円: an amount rare in the window weighs ``min_weight`` on its own); and so does one
       naming a single identifying fact the story has (a weapon, an amount, a volume, a percentage:
       トマホーク追加納入開始), nothing else it names missing, rare enough to weigh ``min_stub_weight``; or
       one leading with a company both headlines name when that story is the window's only one naming it
       (日立 米に変圧器工場 beside Hitachi Energy's plant of the morning); or one naming facts of two kinds
       or more (not a background figure) when that story is the window's only one an item of which has
       them all (JAPAN, US SIGN LNG DEAL beside the window's one LNG deal: with two such stories, which
       one would be a guess).
    5. Text evidence ranks before signature evidence; then the higher score; then the earliest story.

    ``official`` is set when the probe comes from a primary source (a government's own statement) and
    joins a story no primary item leads yet (``led``): the thread then says "official statement
    published" and the alert links it first.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.story_signature import BACKGROUND, EMPTY, Signature
from monitor.story_terms import FIRMS
from monitor.story_text import (
    headline_containment,
    is_roundup,
    is_short,
    is_write_through,
    similarity,
    title_similarity,
)
from monitor.story_veto import YEN_PER_DOLLAR, near_amounts, veto

__all__ = ["StoryCandidate", "StoryDecision", "StoryProbe", "StoryRules", "decide_story"]


@dataclass(frozen=True, slots=True)
class StoryProbe:
    """A new item looking for its story."""

    fingerprint: bytes
    title: str
    source_id: str
    signature: Signature = EMPTY
    primary: bool = False  # a government's own statement (source tagged us-gov/jp-gov, or primary: true)
    published_at: datetime | None = None  # the source's claim, when it makes one


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """One recently seen item, as a possible story to join (``first_seen_at`` measures the window)."""

    story_id: int
    fingerprint: bytes
    first_seen_at: datetime
    source_id: str
    title: str
    signature: Signature = EMPTY
    primary: bool = False
    item_id: int = 0
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoryDecision:
    story_id: int | None  # None: a new story
    reason: str
    official: bool = False  # a primary source's statement joins a story news reports started


@dataclass(frozen=True, slots=True)
class StoryRules:
    window: timedelta = timedelta(hours=72)
    min_similarity: float = 0.20
    same_source_similarity: float = 0.90
    min_stub_title: float = 0.5
    min_stub_containment: float = 0.7  # ... or this share of the shorter headline, with an event part shared
    rarity_c: float = 8.0
    min_weight: float = 3.5
    min_stub_weight: float = 2.5  # a headline-only probe: its parts, all found in the candidate
    min_coverage: float = 0.6  # shared weight / geometric mean of both sides' weights (a cosine)
    min_parts: int = 2
    templated_similarity: float = 0.10  # texts this similar share a template: products/countries veto
    near: timedelta = timedelta(hours=24)  # beyond this, a signature join needs late_coverage
    late_coverage: float = 0.85
    primary_late_parts: int = 3  # a primary's statement sharing this many event parts: min_coverage, late too
    strong_weight: float = 7.0  # this much shared weight, in strong_parts event parts (not background):
    strong_parts: int = 3
    strong_coverage: float = 0.45  # ... needs only this coverage
    stub_near: timedelta = timedelta(hours=6)  # a headline-only item this close, every part of which ...
    stub_generic_parts: int = 3  # ... (this many, of three kinds, a product one of them) the story has


# Weight of one shared part by kind, before rarity. "subject", "rate" and "fms_value" only veto or gate.
KIND_WEIGHT: Mapping[str, float] = {
    "purchaser": 1.5, "transmittal": 3.0, "doc": 3.0, "designator": 2.0, "qty": 1.5, "system": 0.7,
    "money": 2.0, "tariff": 1.2, "gdp": 1.5, "pct": 1.5, "date": 1.5, "country": 0.6, "product": 1.0,
    "actor": 1.0, "action": 1.0, "place": 1.0, "volume": 1.5, "term": 1.0, "month": 1.5,
    "fy": 1.0, "round": 1.5,
}  # fmt: skip


# Kinds that say which topic rather than which event (Japan, autos, a 15% tariff): sharing only these never
# joins by signature, however rare they are in the window (a Japan tariff notice and Japan LNG news of
# the same day share all three) -- except a tariff rate together with a country other than Japan (a deal
# with Vietnam at 20%): Japan is in nearly everything pressmon watches, and its rates recur all year.
GENERIC_KINDS = frozenset({"country", "product", "tariff", "rate", "subject", "gdp"})


# Kinds of part that alone say which event a headline-only item reports (see _score).
_IDENTIFYING = frozenset({"designator", "money", "volume", "pct", "qty", "doc", "transmittal"})


# Japan is in nearly everything pressmon watches: as a fact a headline names, it says nothing of which event.
_JAPAN = frozenset({"country:japan"})


def _identifies(part: str) -> bool:
    return part.split(":", 1)[0] in _IDENTIFYING and part not in BACKGROUND


def _specific(shared: Sequence[str]) -> bool:
    """Whether shared parts say which event: a part of a specific kind that is not a programme's background
    figure (``story_signature.BACKGROUND``), or a tariff rate other than the background one together with
    a product or a country other than Japan (a 25% duty on chips; a deal with Vietnam at 20%)."""
    kinds = {x.split(":", 1)[0] for x in shared if x not in BACKGROUND}
    if kinds - GENERIC_KINDS:
        return True
    if any(x.startswith("tariff:") for x in shared):
        if any(x.startswith("country:") and x != "country:japan" for x in shared):
            return True
        return "tariff" in kinds and any(x.startswith("product:") for x in shared)
    return False


def _event_parts(shared: Sequence[str]) -> int:
    """How many shared parts say which event (not of a generic kind, not a background figure)."""
    return sum(1 for x in shared if x not in BACKGROUND and x.split(":", 1)[0] not in GENERIC_KINDS)


def _weight(part: str, rarity: Mapping[str, int], rules: StoryRules) -> float:
    base = KIND_WEIGHT.get(part.split(":", 1)[0], 0.0)
    if not base:
        return 0.0
    return base * math.log1p(rules.rarity_c / max(1, rarity.get(part, 1)))


def _subjects(sig: Signature) -> frozenset[str]:
    return sig.topics | sig.kind("subject")


@dataclass(frozen=True, slots=True)
class _Scored:
    candidate: StoryCandidate
    by_text: bool
    score: float
    describe: str
    how: str = "same text as"

    def rank(self) -> tuple[bool, float, datetime, int]:
        c = self.candidate
        return (not self.by_text, -self.score, c.first_seen_at, c.story_id)


def _same_amount_in_yen_and_dollars(p: Signature, c: Signature) -> frozenset[str]:
    """The probe's amounts that the candidate states in the other of yen and dollars (a Japanese report
    giving only 3,300億円 for a $2.2 billion sale)."""

    def amounts(sig: Signature) -> list[tuple[str, str, float]]:
        out = []
        for x in sig.kind("money"):
            _, cur, amount = x.split(":", 2)
            if cur in ("JPY", "USD"):
                out.append((x, cur, float(amount)))
        return out

    theirs = amounts(c)
    found = set()
    for part, cur, amount in amounts(p):
        for _, cur2, amount2 in theirs:
            if cur2 == cur or part in c.parts:
                continue
            yen, usd = (amount, amount2) if cur == "JPY" else (amount2, amount)
            if usd > 0 and YEN_PER_DOLLAR[0] <= yen / usd <= YEN_PER_DOLLAR[1]:
                found.add(part)
    return frozenset(found)


def _near_amounts(p: Signature, c: Signature) -> frozenset[str]:
    """The probe's amounts that the candidate states in the same currency as a nearby figure (``about $35
    billion`` in the first report, ``$36 billion`` in the announcement; ``1兆円超`` and ``1兆1200億円``:
    ``story_veto.near_amounts``), not a programme's background figure."""
    theirs: dict[str, list[float]] = {}
    for x in c.kind("money") - BACKGROUND:
        _, cur, amount = x.split(":", 2)
        theirs.setdefault(cur, []).append(float(amount))
    found = set()
    for x in p.kind("money") - BACKGROUND - c.parts:
        _, cur, amount = x.split(":", 2)
        if any(near_amounts(float(amount), y) for y in theirs.get(cur, ())):
            found.add(x)
    return frozenset(found)


def _states_the_sale(p: Signature, c: Signature) -> bool:
    """Whether one side is an arms-sale notice (purchaser and total value) and the other states that value
    in dollars and names the purchaser: a report of that sale, however much else the notice lists (its
    system's tokens, quantities and designators dilute the coverage of a short report)."""
    for notice, report in ((c, p), (p, c)):
        values = {x.split(":", 1)[1] for x in notice.kind("fms_value")}
        buyers = {"country:" + x.split(":", 1)[1] for x in notice.kind("purchaser")}
        if not values or not buyers or report.kind("fms_value"):
            continue
        if buyers & report.parts and any(f"money:USD:{v}" in report.parts for v in values):
            return True
    return False


def _signature_score(
    p: Signature, c: Signature, rarity: Mapping[str, int], rules: StoryRules, *, short: bool = False
) -> tuple[float, float, int, list[str], frozenset[str]]:
    """(shared weight, coverage, parts shared, shared parts by weight, those of them shared only as one
    amount in yen and the other in dollars).

    Coverage is the shared weight's cosine against both sides, each side counting only the kinds of part
    the other side has too (a notice's transmittal or system tokens, which a news report never carries,
    do not dilute it); when either text is short (a headline-only item, whose signature is thin), it is
    the share of the probe's own weight that the candidate explains, a programme's background figure the
    candidate does not state left out (a flash recalling the $550 billion names no fact of the event)."""

    near = _near_amounts(p, c)
    converted = _same_amount_in_yen_and_dollars(p, c) - near
    # Each part's weight once (it was asked up to five times a part: sort key, sums, coverage).
    weights = {x: _weight(x, rarity, rules) for x in p.parts | c.parts | converted | near}
    w_of = weights.__getitem__
    both = p.parts & c.parts | converted | near
    shared = sorted((x for x in both if w_of(x) > 0), key=lambda x: (-w_of(x), x))
    w = sum(w_of(x) for x in shared)
    kinds_p = {x.split(":", 1)[0] for x in p.parts}
    kinds_c = {x.split(":", 1)[0] for x in c.parts}
    wp = sum(w_of(x) for x in p.parts if x.split(":", 1)[0] in kinds_c)
    wc = sum(w_of(x) for x in c.parts if x.split(":", 1)[0] in kinds_p)
    if short:
        # A programme's background figure (the $550 billion a flash recalls) is no fact the story must have.
        whole = sum(w_of(x) for x in p.parts if x not in BACKGROUND or x in c.parts)
        cover = w / whole if whole > 0 else 0.0
    else:
        cover = min(1.0, w / math.sqrt(wp * wc)) if wp > 0 and wc > 0 else 0.0
    return w, cover, len(shared), shared, converted


def _score(
    probe: StoryProbe,
    c: StoryCandidate,
    rarity: Mapping[str, int],
    rules: StoryRules,
    *,
    seen_at: datetime,
    text: float,
    alone: bool = False,
) -> tuple[_Scored | None, str]:
    """The candidate's evidence for a join (None: none), and the closest miss in words. ``text``: the
    sketches' similarity (``story_text.similarity``, computed once a pair). ``alone``: the candidate's story
    is the window's only one an item of which has every part the (headline-only) probe names."""
    same = c.source_id == probe.source_id
    short = is_short(probe.fingerprint) or is_short(c.fingerprint)
    text = 1.0 if probe.fingerprint == c.fingerprint else text
    if same:
        if text >= rules.same_source_similarity:
            return _Scored(c, True, text, f"similarity {text:.2f}; same source"), ""
        # A write-through (UPDATE 1-, REFILE-, (2), 【続報】) is the source's own story rewritten: it joins as
        # another source's report would, on its text or its signature.
        if not is_write_through(probe.title):
            return None, f"similarity {text:.2f}; same source, needs {rules.same_source_similarity:.2f}"
    # A roundup (a week's wrap, a market report, an explainer) names several events and is none of them:
    # it joins, and is joined by, only a word-for-word copy (a repost of the roundup).
    if is_roundup(probe.title) or is_roundup(c.title):
        if text >= rules.same_source_similarity:
            return _Scored(c, True, text, f"similarity {text:.2f}; a roundup's copy"), ""
        needs = rules.same_source_similarity
        return None, f"similarity {text:.2f}; a roundup joins only its copy ({needs:.2f})"
    if not short and text >= rules.min_similarity:
        # A copy reads as one ("same text as"); a wire quoting a sentence or two shares its wording.
        how = "same text as" if text >= rules.same_source_similarity else "shares wording with"
        return _Scored(c, True, text, f"similarity {text:.2f}", how), ""
    ps, cs = probe.signature, c.signature
    sp, sc = _subjects(ps), _subjects(cs)
    if sp and sc and not sp & sc:
        return None, f"similarity {text:.2f}; no topic in common"
    w, cover, kinds, shared, converted = _signature_score(ps, cs, rarity, rules, short=short)
    what = ", ".join(x.split(":", 1)[1] if x.startswith("money") else x for x in shared[:4]) or "nothing"
    if short:
        title = title_similarity(probe.title, c.title)
        inside = headline_containment(probe.title, c.title)
        contained = inside >= rules.min_stub_containment and _event_parts(shared) >= 1
        if (title >= rules.min_stub_title or contained) and shared and not veto(ps, cs, templated=True):
            how = (
                f"headline similarity {title:.2f}"
                if title >= rules.min_stub_title
                else f"headline in {inside:.2f}"
            )
            why = f"{how}; signature agrees: {what}"
            return _Scored(c, True, title, why, "same headline as"), ""
    near = _gap(probe, c, seen_at) <= rules.near
    needed = rules.min_coverage if near else rules.late_coverage
    # An official statement a day or more after the news lists more than the news had (the unit's size and
    # equipment beside its base and month): three event facts in common, it needs only min_coverage.
    if probe.primary and not near and _event_parts(shared) >= rules.primary_late_parts:
        needed = rules.min_coverage
    if near and w >= rules.strong_weight and _event_parts(shared) >= rules.strong_parts:
        needed = rules.strong_coverage  # several rare event facts in common: the rest is each side's detail
    floor = rules.min_stub_weight if is_short(probe.fingerprint) else rules.min_weight
    # An amount met only through the exchange rate (a 100-180 yen band) is as loose as a round figure: the
    # same day's dollar contract and another company's yen investment fall within it. It says which event
    # only beside another event part stated alike.
    direct = [x for x in shared if x not in converted]
    # A tariff rate on a product both headlines lead with (US to cut tariff on Japanese chip tools to
    # 15%), within a day: which action, not only which programme, even at the deal's background rate.
    # Between reports with a text (a headline-only item has the stricter stub rule below).
    headlined = (
        near
        and not short
        and bool(ps.kind("hproduct") & cs.kind("hproduct"))
        and any(x.startswith("tariff:") for x in shared)
    )
    # One amount stated alike, of two significant figures ($1.1 billion, not $1 billion), rare in the
    # window, within a day: what the company's release and a report of it share when the report names the
    # plant's state and the release does not. Between texts: a headline-only item has the stub rules.
    one_amount = (
        near
        and not short
        and kinds == 1
        and w >= rules.min_weight
        and shared[0].startswith("money:")
        and shared[0] in cs.parts
        and shared[0] not in BACKGROUND
        and not shared[0].split(":")[2].startswith(tuple(f"{d}.0e" for d in range(1, 10)))
    )
    if (
        w >= floor
        and cover >= needed
        and (kinds >= rules.min_parts or one_amount)
        and (_specific(shared) or headlined)
        and (not converted or _event_parts(direct) >= 1)
    ):
        why = f"shares {what}; weight {w:.1f}, coverage {cover:.2f}"
        return _Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near, everything it names in the candidate: the four rules below.
    inside = is_short(probe.fingerprint) and _gap(probe, c, seen_at) <= rules.stub_near and cover >= 0.999
    if (
        inside
        and len(shared) >= rules.stub_generic_parts
        and (
            len({x.split(":", 1)[0] for x in shared}) >= 3
            or any(x.startswith("country:") and x != "country:japan" for x in shared)
        )
        and any(x.startswith("product:") for x in shared)
    ):
        why = f"all it names is in it: {what}; weight {w:.1f}"
        return _Scored(c, False, w, why, "same event as"), ""
    if near and w >= rules.min_weight and _states_the_sale(ps, cs):
        why = f"states the notice's value and purchaser: {what}; weight {w:.1f}"
        return _Scored(c, False, w, why, "same event as"), ""
    if (
        inside
        and w >= rules.min_weight
        and any(x.startswith("money:") and x in cs.parts and x not in BACKGROUND for x in shared)
    ):
        why = f"all it names is in it, its amount too: {what}; weight {w:.1f}"
        return _Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near naming one identifying fact (a weapon, an amount, a volume, a
    # percentage), the story has it too, and nothing else it names is missing: トマホーク追加納入開始;
    # 東ガス、米コーパスクリスティから年50万トン. Rare in the window (min_stub_weight), it says which event.
    if inside and w >= rules.min_stub_weight and any(_identifies(x) and x not in converted for x in shared):
        why = f"all it names is in it: {what}; weight {w:.1f}"
        return _Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near naming two kinds of fact (not a programme's background figure),
    # all of them the story's, when no other story of the window has them all: JAPAN, US SIGN LNG DEAL
    # minutes after the window's one LNG deal (with a second story having them all, which would be a guess).
    if inside and alone and len({x.split(":", 1)[0] for x in shared if x not in BACKGROUND}) >= 2:
        why = f"all it names is in it, the window's one story with all of it: {what}; weight {w:.1f}"
        return _Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near leading with a company both headlines name, the one story in
    # the window that names it, and nothing else it names missing: 日立 米に変圧器工場 900人雇用 beside
    # Hitachi Energy's Virginia plant of the same morning.
    if inside and any(
        "actor:" + x.split(":", 1)[1] in FIRMS and rarity.get("actor:" + x.split(":", 1)[1], 1) <= 1
        for x in ps.kind("hactor") & cs.kind("hactor")
    ):
        why = f"all it names is in it, its company the window's one story of it: {what}; weight {w:.1f}"
        return _Scored(c, False, w, why, "same event as"), ""
    return (
        None,
        f"similarity {text:.2f}; shares {what} (weight {w:.1f}, coverage {cover:.2f}, needs {needed:.2f})",
    )


def _named_together(probe: StoryProbe, c: StoryCandidate, near: Sequence[StoryCandidate]) -> bool:
    """Whether an item of ``c``'s story names every company the probe's headline and ``c``'s headline name:
    two flashes each headlined with one side of a matter (U.S. STEEL SAYS BIG RIVER EXPANSION ABOUT $4 BLN;
    日本製鉄、米アーカンソーに電炉) are one story's when a report of it names both companies, as the
    amounts of a story are compared with all of its items'."""
    firms = {
        "actor:" + x.split(":", 1)[1] for x in probe.signature.kind("hactor") | c.signature.kind("hactor")
    }
    return bool(firms) and any(d.story_id == c.story_id and firms <= d.signature.parts for d in near)


def _gap(probe: StoryProbe, c: StoryCandidate, seen_at: datetime) -> timedelta:
    """How far apart two items are: by first seen, or by publication when both sources say (a backlog
    first seen today, published last week, is not today's news)."""
    seen = abs(seen_at - c.first_seen_at)
    if probe.published_at is not None and c.published_at is not None:
        return max(seen, abs(probe.published_at - c.published_at))
    return seen


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds}s"


def decide_story(
    probe: StoryProbe,
    candidates: Sequence[StoryCandidate],
    *,
    seen_at: datetime,
    rarity: Mapping[str, int] | None = None,
    led: Collection[int] = (),
    rules: StoryRules | None = None,
) -> StoryDecision:
    """The story ``probe`` joins (``None``: a new one), why, and whether it is the official statement.

    ``rarity``: for each signature part, how many stories in the window carry it (missing: 1).
    ``led``: ids of stories that already have an item from a primary source. See the module docstring.
    """
    rules = rules or StoryRules()
    rarity = rarity or {}
    near = [c for c in candidates if _gap(probe, c, seen_at) <= rules.window]
    if not near:
        return StoryDecision(None, f"no candidate within {_span(rules.window)}")
    # The amounts each story's items state between them: a probe stating one of them is not vetoed by an
    # item of that story stating another (a flash with the budget's total, another with its defence share).
    amounts: dict[int, set[str]] = {}
    for c in near:
        amounts.setdefault(c.story_id, set()).update(c.signature.kind("money") - BACKGROUND)
    own = probe.signature.kind("money") - BACKGROUND
    # Once a pair: the veto's template check, the score and the closest miss all read it.
    text = {id(c): similarity(probe.fingerprint, c.fingerprint) for c in near}
    vetoed: dict[int, str] = {}
    full = not is_short(probe.fingerprint)
    rewrite = is_write_through(probe.title)
    for c in near:
        # A source reports one event once: a story holding another text of the probe's own source (not a
        # headline-only flash; not a re-post) is another event (a company's two releases of one morning, a
        # ministry's two press conferences); but not for a write-through, the source's own report rewritten.
        if (
            full
            and not rewrite
            and c.source_id == probe.source_id
            and text[id(c)] < rules.same_source_similarity
            and not is_short(c.fingerprint)
        ):
            again = f"story {c.story_id} from {c.source_id}: another text of its source"
            vetoed.setdefault(c.story_id, again)
            continue
        # Two texts of one source share its template, but a write-through shares its earlier version's
        # wording because it rewrites it: against its own source it is compared as a report.
        if c.source_id == probe.source_id:
            templated = not rewrite
        else:
            templated = text[id(c)] >= rules.templated_similarity
        why = veto(probe.signature, c.signature, templated=templated)
        if why and why.startswith("amounts differ") and own & amounts[c.story_id]:
            why = None
        if why and why.startswith("company differs") and _named_together(probe, c, near):
            why = None
        if why and c.story_id not in vetoed:
            vetoed[c.story_id] = f"story {c.story_id} from {c.source_id}: {why}"
    # A headline-only probe: the stories an item of which has every part it names (vetoed ones too).
    names = {x for x in probe.signature.parts if KIND_WEIGHT.get(x.split(":", 1)[0])}
    having = {c.story_id for c in near if names and names <= c.signature.parts} if not full else set()
    scored: list[_Scored] = []
    misses: list[tuple[StoryCandidate, str, float]] = []
    for c in near:
        if c.story_id in vetoed:
            continue
        alone = having == {c.story_id}
        s, miss = _score(probe, c, rarity, rules, seen_at=seen_at, text=text[id(c)], alone=alone)
        if s is not None:
            scored.append(s)
        else:
            closeness = text[id(c)] * 10 + len(probe.signature.parts & c.signature.parts)
            misses.append((c, miss, closeness))
    if scored:
        best = min(scored, key=_Scored.rank)
        c = best.candidate
        official = probe.primary and c.story_id not in led
        what = best.how
        if c.source_id == probe.source_id:
            what = "re-post of" if best.describe.endswith("same source") else "write-through of"
        lead = "official statement published; " if official else ""
        return StoryDecision(
            c.story_id, f"{lead}{what} story {c.story_id} ({best.describe}) from {c.source_id}", official
        )
    if vetoed and not misses:
        return StoryDecision(None, "facts differ: " + "; ".join(sorted(vetoed.values())[:2]))
    c, miss, _ = min(misses, key=lambda m: (-m[2], m[0].first_seen_at, m[0].story_id))
    extra = f"; vetoed {len(vetoed)}" if vetoed else ""
    return StoryDecision(None, f"closest is story {c.story_id} from {c.source_id} ({miss}){extra}")

"""How strongly a new item and one candidate agree: the text and signature evidence of rules 3 and 4 in
``monitor.stories`` (part weights by kind and rarity, the amounts read alike across currencies and
roundings, the headline-only rules), as a score with its reason or the closest miss. Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.story_model import StoryCandidate, StoryProbe, StoryRules
from monitor.story_signature import BACKGROUND, Signature
from monitor.story_terms import FIRMS
from monitor.story_text import (
    headline_containment,
    is_roundup,
    is_short,
    is_write_through,
    title_similarity,
)
from monitor.story_veto import YEN_PER_DOLLAR, near_amounts, veto

__all__ = ["GENERIC_KINDS", "KIND_WEIGHT", "Scored", "gap", "score_pair"]


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


# Kinds of part that alone say which event a headline-only item reports (see score_pair).
_IDENTIFYING = frozenset({"designator", "money", "volume", "pct", "qty", "doc", "transmittal"})


# Kinds of part that, carried by one story only in the window, say which event with one part less.
_ONE_PART = frozenset({"action", "place"})


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
class Scored:
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


def _rate_as_tariff(p: Signature, c: Signature) -> frozenset[str]:
    """The probe's tariff rates that the candidate states without a tariff word beside it (a 15% tariff
    cap; Japan capped at 15%): one figure, as the veto reads it, so shared."""
    return frozenset(x for x in p.kind("tariff") - c.parts if "rate:" + x.split(":", 1)[1] in c.parts)


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

    near = _near_amounts(p, c) | _rate_as_tariff(p, c)
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


def _names_more(p: Signature, c: Signature, *, short_probe: bool) -> bool:
    """Whether the headline-only side names an event fact (not of a generic kind, not a background
    figure) the other side does not state: two look-alike headlines each naming their own project, place
    or company (DOE extends Delfin LNG's deadline; DOE extends Texas LNG's) are templated twins, not one
    event. Amounts count as stated when met in the other currency or as a nearby figure."""
    short, other = (p, c) if short_probe else (c, p)
    alike = _near_amounts(short, other) | _same_amount_in_yen_and_dollars(short, other)
    kinds = KIND_WEIGHT.keys() - GENERIC_KINDS
    return any(
        x.split(":", 1)[0] in kinds and x not in BACKGROUND and x not in other.parts and x not in alike
        for x in short.parts
    )


def gap(probe: StoryProbe, c: StoryCandidate, seen_at: datetime) -> timedelta:
    """How far apart two items are: by first seen, or by publication when both sources say (a backlog
    first seen today, published last week, is not today's news)."""
    seen = abs(seen_at - c.first_seen_at)
    if probe.published_at is not None and c.published_at is not None:
        return max(seen, abs(probe.published_at - c.published_at))
    return seen


def score_pair(
    probe: StoryProbe,
    c: StoryCandidate,
    rarity: Mapping[str, int],
    rules: StoryRules,
    *,
    seen_at: datetime,
    text: float,
    alone: bool = False,
    crowded: bool = False,
) -> tuple[Scored | None, str]:
    """The candidate's evidence for a join (None: none), and the closest miss in words. ``text``: the
    sketches' similarity (``story_text.similarity``, computed once a pair). ``alone``: the candidate's story
    is the only one within ``near`` an item of which has every part the (headline-only) probe names.
    ``crowded``: another story within ``stub_near`` has an item with every part the probe names."""
    same = c.source_id == probe.source_id
    short = is_short(probe.fingerprint) or is_short(c.fingerprint)
    text = 1.0 if probe.fingerprint == c.fingerprint else text
    if same:
        if text >= rules.same_source_similarity:
            return Scored(c, True, text, f"similarity {text:.2f}; same source"), ""
        # A write-through (UPDATE 1-, REFILE-, (2), 【続報】) is the source's own story rewritten: it joins as
        # another source's report would, on its text or its signature.
        if not is_write_through(probe.title):
            return None, f"similarity {text:.2f}; same source, needs {rules.same_source_similarity:.2f}"
    # A roundup (a week's wrap, a market report, an explainer) names several events and is none of them:
    # it joins, and is joined by, only a word-for-word copy (a repost of the roundup).
    if is_roundup(probe.title) or is_roundup(c.title):
        if text >= rules.same_source_similarity:
            return Scored(c, True, text, f"similarity {text:.2f}; a roundup's copy"), ""
        needs = rules.same_source_similarity
        return None, f"similarity {text:.2f}; a roundup joins only its copy ({needs:.2f})"
    if not short and text >= rules.min_similarity:
        # A copy reads as one ("same text as"); a wire quoting a sentence or two shares its wording.
        how = "same text as" if text >= rules.same_source_similarity else "shares wording with"
        return Scored(c, True, text, f"similarity {text:.2f}", how), ""
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
        if (
            (title >= rules.min_stub_title or contained)
            and shared
            and not veto(ps, cs, templated=True)
            and not _names_more(ps, cs, short_probe=is_short(probe.fingerprint))
        ):
            how = (
                f"headline similarity {title:.2f}"
                if title >= rules.min_stub_title
                else f"headline in {inside:.2f}"
            )
            why = f"{how}; signature agrees: {what}"
            return Scored(c, True, title, why, "same headline as"), ""
    near = gap(probe, c, seen_at) <= rules.near
    needed = rules.min_coverage if near else rules.late_coverage
    # An official statement a day or more after the news lists more than the news had (the unit's size and
    # equipment beside its base and month): three event facts in common, it needs only min_coverage.
    if probe.primary and not near and _event_parts(shared) >= rules.primary_late_parts:
        needed = rules.min_coverage
    if near and w >= rules.strong_weight and _event_parts(shared) >= rules.strong_parts:
        needed = rules.strong_coverage  # several rare event facts in common: the rest is each side's detail
    floor = rules.min_stub_weight if is_short(probe.fingerprint) else rules.min_weight
    # Within a day, an action or a place only this story carries in the window (extended deterrence talks,
    # host-nation support, Kumamoto) says which event with one part less: min_stub_weight. Not an actor: a
    # minister or a company is in the day's other matters too. A primary source's statement, anywhere in the
    # window: the ministry announces the 2+2 two days after the news that it will be held.
    if (near or probe.primary) and any(
        x.split(":", 1)[0] in _ONE_PART and x not in BACKGROUND and rarity.get(x, 1) <= 1 for x in shared
    ):
        floor = rules.min_stub_weight
    # A tariff the other side states as a plain rate (Japan capped at 15%) is that figure, but it does not
    # make a tariff and a product say which action (a court's ruling on the 25% duty the order imposed).
    as_rate = _rate_as_tariff(ps, cs)
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
        and any(x.startswith("tariff:") and x not in as_rate for x in shared)
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
        and (_specific([x for x in shared if x not in as_rate]) or headlined)
        and (not converted or _event_parts(direct) >= 1)
    ):
        why = f"shares {what}; weight {w:.1f}, coverage {cover:.2f}"
        return Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near, everything it names in the candidate: the four rules below.
    inside = is_short(probe.fingerprint) and gap(probe, c, seen_at) <= rules.stub_near and cover >= 0.999
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
        return Scored(c, False, w, why, "same event as"), ""
    if near and w >= rules.min_weight and _states_the_sale(ps, cs):
        why = f"states the notice's value and purchaser: {what}; weight {w:.1f}"
        return Scored(c, False, w, why, "same event as"), ""
    if (
        inside
        and w >= rules.min_weight
        and any(x.startswith("money:") and x in cs.parts and x not in BACKGROUND for x in shared)
    ):
        why = f"all it names is in it, its amount too: {what}; weight {w:.1f}"
        return Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near naming one identifying fact (a weapon, an amount, a volume, a
    # percentage), the story has it too, and nothing else it names is missing: トマホーク追加納入開始;
    # 東ガス、米コーパスクリスティから年50万トン. Rare in the window (min_stub_weight), it says which event;
    # unless another story of those hours has all it names too (two notices of one missile minutes apart,
    # each for its own buyer: US APPROVES AIM-9X SALE is either's, so neither's).
    if (
        inside
        and not crowded
        and w >= rules.min_stub_weight
        and any(_identifies(x) and x not in converted for x in shared)
    ):
        why = f"all it names is in it: {what}; weight {w:.1f}"
        return Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near naming two kinds of fact (not a programme's background figure),
    # all of them the story's, when no other story of the last day has them all: JAPAN, US SIGN LNG DEAL
    # minutes after the day's one LNG deal (with a second story having them all, which would be a guess).
    # So does one naming a single event fact (an actor, an action: 赤沢経産相、来週訪米で調整), alike.
    kinds_named = len({x.split(":", 1)[0] for x in shared if x not in BACKGROUND})
    single = _event_parts(shared) >= 1
    if inside and alone and (kinds_named >= 2 or single):
        why = f"all it names is in it, the day's one story with all of it: {what}; weight {w:.1f}"
        return Scored(c, False, w, why, "same event as"), ""
    # A company's own release (its newsroom: ``StoryProbe.firm``) within a day of a story headlined with
    # that company, the window's one story naming it: 米海軍艦艇の修理役務契約の締結について from MHI's
    # newsroom beside MITSUBISHI HEAVY WINS US NAVY OILER OVERHAUL (the release says only 当社).
    own = probe.firm
    if own and not short and near and "h" + own in cs.kind("hactor") and rarity.get(own, 1) <= 1:
        why = f"its company's own release, the window's one story of it: {what}; weight {w:.1f}"
        return Scored(c, False, w, why, "same event as"), ""
    # A headline-only item within stub_near leading with a company both headlines name, the one story in
    # the window that names it, and nothing else it names missing: 日立 米に変圧器工場 900人雇用 beside
    # Hitachi Energy's Virginia plant of the same morning.
    if inside and any(
        "actor:" + x.split(":", 1)[1] in FIRMS and rarity.get("actor:" + x.split(":", 1)[1], 1) <= 1
        for x in ps.kind("hactor") & cs.kind("hactor")
    ):
        why = f"all it names is in it, its company the window's one story of it: {what}; weight {w:.1f}"
        return Scored(c, False, w, why, "same event as"), ""
    return (
        None,
        f"similarity {text:.2f}; shares {what} (weight {w:.1f}, coverage {cover:.2f}, needs {needed:.2f})",
    )

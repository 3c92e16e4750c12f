"""Story clustering: near-duplicate fingerprints, event signatures and the join decision. Pure: no I/O,
no clock.

Text similarity (fingerprints, headlines) is ``monitor.story_text``; event signatures
``monitor.story_signature``; the facts that veto a join ``monitor.story_veto``; how strongly one pair
agrees (rules 3 and 4) ``monitor.story_score``; the decision's data types ``monitor.story_model``.

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
       force, a plant down / restarted) is never joined; except that amounts are compared with the story's,
       not one item's: a probe
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
       least one informative part, and the headline-only side names no event fact the other lacks (DOE
       extends Texas LNG's deadline; DOE extends Delfin LNG's: each its own project).
    4. **Signature** (another source, a topic or subject shared): the shared parts' weight, each part
       weighted by its kind and by how rare it is among the window's stories (``rarity``: stories in the
       window carrying it; IDF-like, ``log(1 + C / df)``), must reach ``min_weight`` and
       ``min_coverage`` of the lighter side's total (``min_stub_weight`` within ``near`` when an action or a
       place shared is carried by no other story of the window: extended deterrence talks, Kumamoto; and so
       for a primary source's statement anywhere in the window: the ministry's notice of a 2+2 two days
       after the news of its date), with
       at least ``min_parts`` distinct kinds shared,
       one of them saying which event rather than which topic (not a country, product, rate or a
       programme's background figure such as Japan's $550 billion: ``story_score._specific``; but a
       tariff rate, even the background one, on a product both headlines lead with, within ``near``, says
       which action between two texts). Beyond ``near`` a join needs ``late_coverage``, but a primary source's
       statement sharing ``primary_late_parts`` (3) event parts needs only ``min_coverage`` (the official
       release a day after the news lists more than the news had).
       A tariff rate one side states as a tariff and the other plainly (15% tariff cap; capped at 15
       percent) counts as shared, as the veto reads it, but does not by itself make a tariff and a product
       say which action. An amount in yen counts as shared with the same amount in dollars at 100 to 180
       yen to the dollar
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
       トマホーク追加納入開始), nothing else it names missing, rare enough to weigh ``min_stub_weight``,
       unless another story within ``stub_near`` has all it names too (two notices of one missile minutes
       apart, each for its own buyer: US APPROVES AIM-9X SALE is either's, so neither's); or
       one leading with a company both headlines name when that story is the window's only one naming it
       (日立 米に変圧器工場 beside Hitachi Energy's plant of the morning); or a company's own release (its
       newsroom: ``StoryProbe.firm``) within ``near`` of a story headlined with that company, the window's
       only one naming it (MHI's 修理役務契約の締結, saying only 当社); or one naming facts of two kinds
       or more (not a background figure), or a single event fact (an actor, an action: 赤沢経産相、来週訪米で
       調整), when that story is the only one within ``near`` (a day) an item of which has them all (JAPAN,
       US SIGN LNG DEAL beside the day's one LNG deal: with two such stories, which one would be a guess;
       a flash is about the day's news, not about a story of two days ago). A headline-only item naming
       facts of two kinds or more, one an event's, that no one item of a story states but its items of the
       last day state between them, one of them within ``stub_near``, joins that story when no other story
       of the day has them all (米、232条で追加関税 4月1日発動: the proclamation gives the date, the
       flash the section): a story's facts are its items', as its amounts are. A headline-only item
       giving an arms sale's value only in yen and naming its purchaser (日本に320億円) joins the one
       notice within ``stub_near`` for that purchaser whose dollar value it is at 100 to 180 yen to the
       dollar; with two such notices, neither.
       A text whose headline names a weapon or system (SPY-7) no item of a story names is not joined to it
       on its signature unless they state one amount or count alike: Lockheed's release on the first
       SPY-7 array shipped is not the Pentagon's $92.6 million contract for the same ship's combat system.
    5. Text evidence ranks before signature evidence; then the higher score; then the earliest story.

    ``official`` is set when the probe comes from a primary source (a government's own statement) and
    joins a story no primary item leads yet (``led``): the thread then says "official statement
    published" and the alert links it first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from monitor.story_model import StoryCandidate, StoryDecision, StoryProbe, StoryRules
from monitor.story_score import GENERIC_KINDS, KIND_WEIGHT, Scored, gap, score_pair
from monitor.story_signature import BACKGROUND, Signature, signature
from monitor.story_terms import CIVIL_MODELS
from monitor.story_text import (
    is_short,
    is_write_through,
    similarity,
)
from monitor.story_veto import YEN_PER_DOLLAR, veto

__all__ = ["KIND_WEIGHT", "StoryCandidate", "StoryDecision", "StoryProbe", "StoryRules", "decide_story"]


def _named_together(probe: StoryProbe, c: StoryCandidate, near: Sequence[StoryCandidate]) -> bool:
    """Whether an item of ``c``'s story names every company the probe's headline and ``c``'s headline name:
    two flashes each headlined with one side of a matter (U.S. STEEL SAYS BIG RIVER EXPANSION ABOUT $4 BLN;
    日本製鉄、米アーカンソーに電炉) are one story's when a report of it names both companies, as the
    amounts of a story are compared with all of its items'."""
    firms = {
        "actor:" + x.split(":", 1)[1] for x in probe.signature.kind("hactor") | c.signature.kind("hactor")
    }
    return bool(firms) and any(d.story_id == c.story_id and firms <= d.signature.parts for d in near)


def _headline_weapons(probe: StoryProbe) -> frozenset[str]:
    """The weapon or system designators the probe's headline names (not a car model): read only when its
    signature has one, so a decision reads a second signature rarely."""
    if not probe.signature.kind("designator"):
        return frozenset()
    return signature(probe.title, "").kind("designator") - CIVIL_MODELS


def _same_figure(p: Signature, q: Signature) -> bool:
    """Whether two signatures state one amount or one count of a system alike."""
    return any(x.startswith(("money:", "qty:")) for x in p.parts & q.parts)


def _pieced_together(
    probe: StoryProbe,
    fresh: Sequence[StoryCandidate],
    names: set[str],
    vetoed: Mapping[int, str],
    seen_at: datetime,
    rules: StoryRules,
) -> Scored | None:
    """A headline-only probe naming facts of two kinds or more, one of them an event's (not a generic kind,
    not a background figure), that no one item of a story states but the story's items of the last day do
    between them (米、232条で追加関税 4月1日発動: the proclamation gives the date, the flash the section),
    one item within ``stub_near``: it joins that story when no other story of the day has them all, as
    the amounts of a story are compared with all of its items'."""
    kinds = {x.split(":", 1)[0] for x in names}
    if len(kinds) < 2 or not any(
        x not in BACKGROUND and x.split(":", 1)[0] not in GENERIC_KINDS for x in names
    ):
        return None
    told: dict[int, set[str]] = {}
    for c in fresh:
        told.setdefault(c.story_id, set()).update(c.signature.parts)
    whole = [sid for sid, parts in told.items() if names <= parts]
    if len(whole) != 1 or whole[0] in vetoed:
        return None
    close = [c for c in fresh if c.story_id == whole[0] and gap(probe, c, seen_at) <= rules.stub_near]
    if not close:
        return None
    c = max(close, key=lambda d: len(names & d.signature.parts))
    what = ", ".join(sorted(names))
    return Scored(c, False, 0.0, f"all it names is in the story's items: {what}", "same event as")


def _sale_in_yen(
    probe: StoryProbe,
    fresh: Sequence[StoryCandidate],
    vetoed: Mapping[int, str],
    seen_at: datetime,
    rules: StoryRules,
) -> Scored | None:
    """A headline-only probe giving an arms sale's value only in yen and naming its purchaser (米、空対空
    ミサイル売却承認 日本に320億円) joins the one notice within ``stub_near`` for that purchaser whose dollar
    value the yen amount is at 100 to 180 yen to the dollar; with two such notices, neither."""
    yen = [float(x.split(":", 2)[2]) for x in probe.signature.kind("money") if x.startswith("money:JPY:")]
    if not yen or len(yen) != len(probe.signature.kind("money")):
        return None
    found: dict[int, StoryCandidate] = {}
    for c in fresh:
        buyers = {"country:" + x.split(":", 1)[1] for x in c.signature.kind("purchaser")}
        if not buyers & probe.signature.parts or gap(probe, c, seen_at) > rules.stub_near:
            continue
        for v in c.signature.kind("fms_value"):
            usd = float(v.split(":", 1)[1])
            if usd > 0 and any(YEN_PER_DOLLAR[0] <= y / usd <= YEN_PER_DOLLAR[1] for y in yen):
                found.setdefault(c.story_id, c)
    if len(found) != 1:
        return None
    ((sid, c),) = found.items()
    if sid in vetoed:
        return None
    return Scored(c, False, 0.0, "states the notice's value in yen and its purchaser", "same event as")


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
    near = [c for c in candidates if gap(probe, c, seen_at) <= rules.window]
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
    # A headline-only probe: the stories an item of which within ``near`` has every part it names (vetoed ones
    # too): a flash is about the day's news.
    names = {x for x in probe.signature.parts if KIND_WEIGHT.get(x.split(":", 1)[0])}
    fresh = [c for c in near if gap(probe, c, seen_at) <= rules.near]
    having = {c.story_id for c in fresh if names and names <= c.signature.parts} if not full else set()
    # ... and those within stub_near: with two, a flash naming only what both have is either's.
    close = {c.story_id for c in fresh if c.story_id in having and gap(probe, c, seen_at) <= rules.stub_near}
    # The weapons the probe's headline names (a text's, not a write-through's), and those each story names.
    weapons = _headline_weapons(probe) if full and not rewrite else frozenset()
    told: dict[int, set[str]] = {}
    for c in near:
        told.setdefault(c.story_id, set()).update(c.signature.kind("designator"))
    scored: list[Scored] = []
    misses: list[tuple[StoryCandidate, str, float]] = []
    for c in near:
        if c.story_id in vetoed:
            continue
        alone = having == {c.story_id}
        crowded = bool(close - {c.story_id})
        s, miss = score_pair(
            probe, c, rarity, rules, seen_at=seen_at, text=text[id(c)], alone=alone, crowded=crowded
        )
        other = weapons - told[c.story_id]
        if s is not None and not s.by_text and other and not _same_figure(probe.signature, c.signature):
            s, miss = None, "its headline names a weapon its story does not: " + ", ".join(sorted(other))
        if s is not None:
            scored.append(s)
        else:
            closeness = text[id(c)] * 10 + len(probe.signature.parts & c.signature.parts)
            misses.append((c, miss, closeness))
    if not scored and not full:
        pieced = _pieced_together(probe, fresh, names, vetoed, seen_at, rules) or _sale_in_yen(
            probe, fresh, vetoed, seen_at, rules
        )
        if pieced is not None:
            scored.append(pieced)
    if scored:
        best = min(scored, key=Scored.rank)
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

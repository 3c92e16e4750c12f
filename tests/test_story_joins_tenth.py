"""Structural join rules of the ninth story-tuning session (tuned on tests/corpus/stories/tenth.yaml):
what the signature reads (series rounds by ordinal, a date a tariff takes effect, which committee meets,
where a unit is based, a plant down or back up) and how a decision uses it. For each, a case that must
join or carry the part and one that must not. Texts are written for the test in the style of the sets (a
release, a wire flash, a report), never copied from them.
"""

from __future__ import annotations

from datetime import date

import pytest

from monitor.story_signature import signature
from tests.support.story_decisions import New, Seen, decide


def _parts(title: str, text: str = "", published: date | None = None) -> frozenset[str]:
    return signature(title, text, published=published).parts


# 1. A series' round written as an English ordinal past the tenth, or with a word between the ordinal and
# the series' noun, is the round 第13弾 names.
@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Japan, US pick thirteenth investment batch: refinery and grid plants", "round:13"),
        ("Commerce unveils 12th round of Japan-funded projects", "round:12"),
        ("Tokyo and Washington agree eleventh set of projects", "round:11"),
        ("対米投資第13弾、300億ドル", "round:13"),
        ("Japan's exports to US fall for the twelfth straight month", None),
        ("Toyota's first investment in Kentucky plant in a decade", None),
    ],
)
def test_a_round_by_ordinal(title: str, expected: str | None) -> None:
    rounds = {x for x in _parts(title) if x.startswith("round:")}
    assert rounds == ({expected} if expected else set())


# 2. The Japan-US Security Consultative Committee (安全保障協議委員会, the 2+2) is not the investment
# consultation committee (協議委員会) its name contains.
@pytest.mark.parametrize(
    ("title", "has", "lacks"),
    [
        (
            "日米安全保障協議委員会（「2+2」）の開催について",
            "action:two-plus-two",
            "action:investment-committee",
        ),
        (
            "日米間の投資に関する協議委員会の開催について",
            "action:investment-committee",
            "action:two-plus-two",
        ),
    ],
)
def test_which_consultation_committee(title: str, has: str, lacks: str) -> None:
    parts = _parts(title)
    assert has in parts and lacks not in parts


# 3. A day a tariff takes effect written 4月1日発動 is a date, as 4月1日から is; 発動 without a day is none.
@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("米、232条で追加関税　4月1日発動", {"date:2027-04-01"}),
        ("米、232条で追加関税　4月1日に発動", {"date:2027-04-01"}),
        ("米、232条で追加関税を発動", set()),
    ],
)
def test_a_japanese_day_of_effect(title: str, expected: set[str]) -> None:
    dates = {x for x in _parts(title, published=date(2027, 3, 4)) if x.startswith("date:")}
    assert dates == expected


# 4. Where a unit is based, what a yard does, which terminal, which command: a base's name, a shipyard, a
# ship repair, an LNG operator and its outage, the joint commands and their liaison officers are parts in
# both languages.
@pytest.mark.parametrize(
    ("title", "part"),
    [
        ("F35B、新田原基地への配備を延期", "place:nyutabaru"),
        ("Japan delays F-35B deployment to Nyutabaru", "place:nyutabaru"),
        ("Tennessee transformer plant and Mississippi shipyard get funds", "product:shipbuilding"),
        ("米艦の修理、国内造船所で拡大", "action:repair"),
        ("Japanese yards to repair US Navy destroyers", "action:repair"),
        ("フリーポートLNG、1系列停止", "actor:freeportlng"),
        ("Terminal restarts train after two-day outage", "action:suspend"),
        ("統合作戦司令部、在日米軍と連絡要員を相互派遣", "actor:jjoc"),
        ("USFJ and Japan Joint Operations Command swap liaison officers", "actor:usfj"),
        ("USFJ and Japan Joint Operations Command swap liaison officers", "action:liaison"),
    ],
)
def test_bases_yards_operators_and_commands_are_parts(title: str, part: str) -> None:
    assert part in _parts(title)


# 5. A plant or a train down, then back: a headline naming the restart reports the restart, whatever it
# recalls of the outage; the restart's flash is not the outage's story.
OUTAGE: Seen = (
    1,
    "reuters",
    "Gulf LNG terminal train shuts after compressor fault, Japanese buyers face delays",
    "A liquefaction train at the Gulf coast terminal shut on Monday after a compressor fault, the operator "
    "said, and cargoes to Japanese utilities may slip by several days.",
    0.0,
    False,
)


@pytest.mark.parametrize(
    ("flash", "expected"),
    [
        ("GULF LNG TERMINAL TRAIN SHUT AFTER COMPRESSOR FAULT - SOURCES", 1),
        ("GULF LNG TERMINAL TRAIN RESTARTS AFTER COMPRESSOR FAULT - SOURCES", None),
    ],
    ids=["the outage's flash: joins", "the restart's flash, recalling the outage: another event"],
)
def test_a_restart_is_not_the_outage(flash: str, expected: int | None) -> None:
    story, reason = decide(("wire-flash", flash, "", 2.0, False), [OUTAGE])
    assert story == expected, reason
    assert "hstage:plant:restart" in _parts("Terminal restarts train after two-day outage")
    assert "hstage:plant:down" not in _parts("Terminal restarts train after two-day outage")


# 6. A headline-only flash naming one identifying fact (a missile) joins the story having it, unless
# another story of the same hours has it too: two notices of one missile minutes apart, each for its own
# buyer, and US APPROVES ... SALE is either's.
def _notice(story: int, buyer: str, value: str, hours: float) -> Seen:
    return (
        story,
        "dsca",
        f"{buyer} - RIM-116C Rolling Airframe Missiles",
        f"The State Department has made a determination approving a possible Foreign Military Sale to {buyer} "
        f"of RIM-116C Rolling Airframe Missiles. The estimated total cost is {value}.",
        hours,
        True,
    )


FLASH: New = ("wire-flash", "US APPROVES RIM-116C MISSILE SALE", "", 0.3, False)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ([_notice(1, "Japan", "$180 million", 0.0)], 1),
        ([_notice(1, "Japan", "$180 million", 0.0), _notice(2, "Norway", "$95 million", 0.1)], None),
    ],
    ids=["one notice of the missile: joins it", "two notices of it minutes apart: neither"],
)
def test_a_flash_naming_what_two_stories_have_joins_neither(window: list[Seen], expected: int | None) -> None:
    story, reason = decide(FLASH, window)
    assert story == expected, reason


# 7. A primary source's statement anywhere in the window (not only within a day) joins with one part less
# when it shares an action only that story carries: the ministry announces the 2+2 two days after the
# news of its date. A news report so late does not, nor does the statement when two stories carry it.
TWO_PLUS_TWO_NEWS: Seen = (
    1,
    "kyodo",
    "日米2プラス2、来月下旬にワシントンで開催へ",
    "日米両政府は外務・防衛担当閣僚による安全保障協議委員会（2プラス2）を来月下旬にワシントンで開く方向で調整に入った。",
    0.0,
    False,
)
TWO_PLUS_TWO_OTHER: Seen = (
    2,
    "reuters",
    "Australia, Japan hold 2+2 talks on defence industry",
    "Australian and Japanese foreign and defence ministers met for 2+2 talks on submarine cooperation.",
    1.0,
    False,
)
MINISTRY = "日米安全保障協議委員会（「2+2」）の開催について"
MINISTRY_TEXT = "日米安全保障協議委員会（「2+2」）を開催することとなりましたのでお知らせします。"


@pytest.mark.parametrize(
    ("source", "primary", "window", "expected"),
    [
        ("mofa", True, [TWO_PLUS_TWO_NEWS], 1),
        ("sankei", False, [TWO_PLUS_TWO_NEWS], None),
        ("mofa", True, [TWO_PLUS_TWO_NEWS, TWO_PLUS_TWO_OTHER], None),
    ],
    ids=[
        "the ministry's notice two days on: joins the one story of its 2+2",
        "a news report two days on: needs late coverage",
        "two stories of a 2+2 in the window: which one is unknown",
    ],
)
def test_a_primary_statement_late_joins_on_an_action_only_its_story_has(
    source: str, primary: bool, window: list[Seen], expected: int | None
) -> None:
    # Japan is in most stories of a window: ten of them carry it.
    rarity = {"country:japan": 10, "action:two-plus-two": len(window), "hcountry:japan": 10}
    story, reason = decide((source, MINISTRY, MINISTRY_TEXT, 45.0, primary), window, rarity)
    assert story == expected, reason


# 8. A headline-only item naming facts that no one item of a story states but its items of the day state
# between them (the proclamation gives the day of effect, the flash the section) joins that story, when no
# other story of the day has them all; naming facts of one kind, it is no such join.
PROCLAMATION: Seen = (
    1,
    "white-house",
    "Adjusting Imports of Forklifts and Cranes into the United States",
    "The duties apply to forklifts and cranes entered for consumption on or after April 1, 2027, at 25 "
    "percent ad valorem.",
    0.0,
    True,
)
SECTION_FLASH: Seen = (
    1,
    "wire-flash",
    "TRUMP SIGNS SECTION 232 TARIFFS ON FORKLIFTS, CRANES",
    "",
    0.2,
    False,
)
OTHER_PROCLAMATION: Seen = (
    2,
    "white-house",
    "Adjusting Imports of Drones into the United States",
    "The duties apply to drones entered for consumption on or after April 1, 2027, at 30 percent.",
    1.0,
    True,
)
OTHER_FLASH: Seen = (2, "wire-flash", "TRUMP SIGNS SECTION 232 TARIFFS ON DRONES", "", 1.2, False)


@pytest.mark.parametrize(
    ("window", "flash", "expected"),
    [
        ([PROCLAMATION, SECTION_FLASH], "米、232条で追加関税　4月1日発動", 1),
        (
            [PROCLAMATION, SECTION_FLASH, OTHER_PROCLAMATION, OTHER_FLASH],
            "米、232条で追加関税　4月1日発動",
            None,
        ),
        ([PROCLAMATION, SECTION_FLASH], "米、232条で追加関税", None),
    ],
    ids=[
        "section from the flash, day from the proclamation: joins",
        "another 232 proclamation and its flash of the day have both too: neither",
        "one fact only: no such join",
    ],
)
def test_a_flash_pieced_together_from_a_story_items(
    window: list[Seen], flash: str, expected: int | None
) -> None:
    story, reason = decide(("nikkan-kogyo", flash, "", 5.0, False), window)
    assert story == expected, reason


# 9. A headline-only flash giving a sale's value only in yen and naming its purchaser joins the one notice of
# the last hours for that purchaser whose dollar value the yen is (at 100 to 180 yen to the dollar); with two
# such notices, neither; another purchaser's notice, never.
YEN_FLASH: New = ("jiji", "米、艦対空ミサイル売却承認　日本に320億円", "", 4.0, False)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ([_notice(1, "Japan", "$210 million", 0.0)], 1),
        ([_notice(1, "Japan", "$210 million", 0.0), _notice(2, "Japan", "$240 million", 0.1)], None),
        ([_notice(1, "Australia", "$210 million", 0.0)], None),
        ([_notice(1, "Japan", "$2.1 billion", 0.0)], None),
    ],
    ids=[
        "one Japan notice of that value: joins it",
        "two Japan notices within the band: neither",
        "another purchaser's notice: no",
        "ten times the value: no",
    ],
)
def test_a_yen_flash_joins_the_one_notice_of_its_value(window: list[Seen], expected: int | None) -> None:
    story, reason = decide(YEN_FLASH, window)
    assert story == expected, reason

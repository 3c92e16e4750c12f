"""Structural join rules of the eighth story-tuning session (``monitor.story_score``, ``monitor.stories``):
for each, a pair or a small window that must join and one that must not, and why. Texts are written for
the test in the style of the sets (a release, a wire flash, a report), never copied from them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.story_signature import signature
from tests.support.story_decisions import New, Seen, decide

# 1. A headline join (a headline-only item and a text with a look-alike headline) needs the headline-only
# side to name nothing of an event kind the other lacks: DOE's deadline extensions for two LNG projects
# read alike, each naming its own project.
DOE_TEXAS_FLASH: Seen = (
    1,
    "wire-flash",
    "US DOE EXTENDS TEXAS LNG EXPORT START DEADLINE TO 2029",
    "",
    0.0,
    False,
)
DOE_DELFIN_REPORT: New = (
    "reuters",
    "US DOE extends Delfin LNG export deadline to 2030",
    "The U.S. Department of Energy extended the deadline for Delfin LNG to begin exports to non-FTA "
    "countries until June 2030, the developer said, citing financing and offtake talks.",
    1.0,
    False,
)
DOE_TEXAS_REPORT: New = (
    "reuters",
    "US DOE extends Texas LNG export start deadline to 2029",
    "The U.S. Department of Energy extended the deadline for the Texas LNG project in Brownsville to begin "
    "exports until December 2029.",
    1.0,
    False,
)


@pytest.mark.parametrize(
    ("new", "expected", "reason_has"),
    [
        (DOE_DELFIN_REPORT, None, "closest is story 1"),
        (DOE_TEXAS_REPORT, 1, "same headline as story 1"),
    ],
    ids=["another project's look-alike headline: no join", "the flash's own project: joins on its headline"],
)
def test_a_headline_join_needs_every_event_fact_the_flash_names(
    new: New, expected: int | None, reason_has: str
) -> None:
    story, reason = decide(new, [DOE_TEXAS_FLASH])
    assert story == expected, reason
    assert reason_has in reason, reason


# 2. A Japanese month written bare (3月の, 6月末まで, 12月の) is the month nearest the publication: a stub
# extending a desk "to the end of June" is the ministry's release extending it to 令和9年6月末.
@pytest.mark.parametrize(
    ("title", "published", "month"),
    [
        (
            "経産省、米関税の中小企業相談窓口を6月末まで延長",
            datetime(2027, 1, 16, tzinfo=UTC),
            "month:2027-06",
        ),
        ("東北電、3月の電気料金42円値下げ", datetime(2027, 1, 19, tzinfo=UTC), "month:2027-03"),
        ("12月の北米向け車輸出9.4％減", datetime(2027, 1, 28, tzinfo=UTC), "month:2026-12"),
        ("11月の輸入車登録、米国車4割増", datetime(2026, 12, 7, tzinfo=UTC), "month:2026-11"),
        ("1～3月期の設備投資", datetime(2027, 1, 16, tzinfo=UTC), None),
        ("3カ月連続で増加", datetime(2027, 1, 16, tzinfo=UTC), None),
        ("3月18日から適用", datetime(2027, 1, 16, tzinfo=UTC), None),
        ("来年4月から新制度", datetime(2026, 12, 16, tzinfo=UTC), "month:2027-04"),
    ],
)
def test_a_bare_japanese_month_is_the_nearest_one(title: str, published: datetime, month: str | None) -> None:
    months = {x for x in signature(title, "", published=published.date()).parts if x.startswith("month:")}
    assert months == ({month} if month else set())


SME_DESK_RELEASE: Seen = (
    1,
    "meti",
    "中小企業の米国関税対策に関する特別相談窓口の設置期間延長について",
    "経済産業省は、米国の関税措置に関する中小企業向け特別相談窓口の設置期間を令和9年6月末まで延長します。",
    0.0,
    True,
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("経産省、米関税の中小企業相談窓口を6月末まで延長", 1),
        ("経産省、米関税の中小企業相談窓口を拡充", None),
    ],
    ids=["the month the release gives: joins", "the ministry alone: too little"],
)
def test_a_flash_naming_the_release_month_joins_it(title: str, expected: int | None) -> None:
    # a second METI story in the window: the ministry alone does not say which
    other: Seen = (
        2,
        "meti",
        "対米投資に関する相談会の開催について",
        "経済産業省は対米投資に関する相談会を開催します。",
        0.2,
        True,
    )
    story, reason = decide(("nikkan-kogyo", title, "", 0.5, False), [SME_DESK_RELEASE, other])
    assert story == expected, reason


# 3. A company's own release (its newsroom: ``StoryProbe.firm``) within a day of a story headlined with that
# company joins it when that story is the window's one naming the company: the release says only 当社.
MHI_REPAIR_REPORT: Seen = (
    1,
    "nikkei-ja",
    "三菱重工、米海軍補給艦の修理を横浜で受注",
    "三菱重工業は米海軍の補給艦の定期修理を横浜製作所で請け負う。受注額は約50億円とみられる。",
    0.0,
    False,
)
MHI_OTHER: Seen = (
    2,
    "nikkan-kogyo",
    "三菱重工、高砂でガスタービン増産",
    "三菱重工業は高砂製作所でガスタービンの生産能力を2倍に引き上げる。",
    1.0,
    False,
)
# (整備役務, not 修理: a repair is an action part both would share, and the rule is about the company alone)
MHI_RELEASE: New = (
    "mhi-pr",
    "米海軍艦艇の整備役務契約の締結について",
    "当社は、米国海軍との間で、補給艦の整備役務に関する契約を締結しましたのでお知らせします。"
    "作業は横浜製作所で実施します。",
    8.0,
    False,
)


@pytest.mark.parametrize(
    ("window", "firm", "expected"),
    [
        ([MHI_REPAIR_REPORT], "actor:mhi", 1),
        ([MHI_REPAIR_REPORT, MHI_OTHER], "actor:mhi", None),
        ([MHI_REPAIR_REPORT], None, None),
    ],
    ids=[
        "its newsroom, the window's one MHI story: joins",
        "two MHI stories in the window: which one is unknown",
        "no newsroom (a trade paper's text): the company alone says too little",
    ],
)
def test_a_company_release_joins_the_one_story_headlined_with_it(
    window: list[Seen], firm: str | None, expected: int | None
) -> None:
    source, title, text, hours, primary = MHI_RELEASE
    story, reason = decide(
        (source if firm else "trade-paper", title, text, hours, primary), window, firm=firm
    )
    assert story == expected, reason
    if expected:
        assert "its company's own release" in reason


# 4. A company's legal form (Inc., Corp., Co., Ltd.) is no content word of a headline: the release and the
# flash name one firm.
@pytest.mark.parametrize(
    ("release", "flash", "expected"),
    [
        (
            "Cheniere Energy, Inc. Declares Quarterly Dividend",
            "CHENIERE DECLARES QUARTERLY DIVIDEND OF $0.555/SHR",
            1,
        ),
        (
            "Cheniere Energy, Inc. Declares Quarterly Dividend",
            "CHENIERE SIGNS LNG SUPPLY DEAL WITH OSAKA GAS",
            None,
        ),
    ],
    ids=["the release's flash: joins on its headline", "the same company's other news: no join"],
)
def test_a_legal_form_is_no_headline_word(release: str, flash: str, expected: int | None) -> None:
    text = "The board of directors declared a quarterly cash dividend, payable to shareholders of record."
    story, reason = decide(
        ("wire-flash", flash, "", 0.1, False), [(1, "cheniere", release, text, 0.0, False)]
    )
    assert story == expected, reason


# 5. A headline-only item within 6 h naming a single event fact (a minister, an action), every part of it
# the story's, joins when that story is the only one of the last day an item of which has it all.
AKAZAWA_VISIT: Seen = (
    1,
    "nhk",
    "赤沢大臣 来週ワシントン訪問へ 対米投資の協議",
    "赤沢経済産業大臣は来週ワシントンを訪れ、ラトニック商務長官と対米投資の案件について協議する方向で調整している。",
    0.0,
    False,
)
AKAZAWA_OTHER: Seen = (
    2,
    "jiji",
    "赤沢経産相、GX投資で経団連と意見交換",
    "赤沢経済産業大臣は経団連の幹部と脱炭素投資について意見を交わした。",
    1.0,
    False,
)


@pytest.mark.parametrize(
    ("window", "hours", "expected"),
    [
        ([AKAZAWA_VISIT], 0.5, 1),
        ([AKAZAWA_VISIT, AKAZAWA_OTHER], 1.5, None),
        ([AKAZAWA_VISIT], 8.0, None),
        ([AKAZAWA_VISIT, (2, *AKAZAWA_OTHER[1:4], -30.0, False)], 0.5, 1),
    ],
    ids=[
        "the window's one story naming him: joins",
        "two stories naming him: which one is unknown",
        "beyond 6 h: the minister alone says too little",
        "the other story is more than a day old: this one",
    ],
)
def test_a_flash_naming_one_event_fact_joins_the_one_story_having_it(
    window: list[Seen], hours: float, expected: int | None
) -> None:
    story, reason = decide(("jiji", "赤沢経産相、来週訪米で調整", "", hours, False), window)
    assert story == expected, reason


# 6. A tariff rate one side states as a tariff and the other plainly (capped at 15 percent) is one figure,
# shared as the veto already reads it; but such a figure does not make a tariff and a product say which
# action (a court's ruling on the duty an order imposed is another event).
TALKS_CLOSED: Seen = (
    1,
    "ustr",
    "Joint Statement on the Conclusion of U.S.-Japan Consultations",
    "The United States and Japan concluded consultations on semiconductor manufacturing equipment. Imports "
    "from Japan will be capped at 15 percent under Section 232.",
    0.0,
    True,
)
MACHINE_TOOLS_ORDER: Seen = (
    1,
    "whitehouse",
    "Adjusting Imports of Machine Tools into the United States",
    "Machine tools from Japan shall be subject to an additional ad valorem rate of 25 percent, effective on "
    "the date of this proclamation.",
    0.0,
    True,
)


@pytest.mark.parametrize(
    ("new", "seen", "expected"),
    [
        (("wire-flash", "JAPAN, US AGREE 15% CAP ON CHIPMAKING EQUIPMENT TARIFFS AS TALKS END", "", 0.1, False),
         TALKS_CLOSED, 1),
        (("law-wire", "Trade court upholds tariff on Japanese machine tools",
          "The Court of International Trade upheld the 25% tariff on Japanese machine tools and denied an "
          "importer's refund claim.", 2.0, False), MACHINE_TOOLS_ORDER, None),
    ],
    ids=["the flash's 15% tariff cap is the statement's 15 percent: joins", "a court's ruling on the order's duty"],
)  # fmt: skip
def test_a_tariff_stated_plainly_on_the_other_side_is_shared(
    new: New, seen: Seen, expected: int | None
) -> None:
    story, reason = decide(new, [seen])
    assert story == expected, reason


# 7. Within a day, an action or a place only one story of the window carries says which event with one part
# less (min_stub_weight): the State Department's joint statement on the extended deterrence talks beside
# the morning's report of them. Not when a second story carries it, nor two days on.
EDD_REPORT: Seen = (
    1,
    "kyodo-en",
    "Japan, U.S. hold extended deterrence talks in Tokyo",
    "Japanese and U.S. officials met in Tokyo for extended deterrence talks, the Foreign Ministry said.",
    0.0,
    False,
)
EDD_STATEMENT: New = (
    "state",
    "Joint Statement on the U.S.-Japan Extended Deterrence Dialogue",
    "The United States and Japan held the Extended Deterrence Dialogue in Tokyo, reaffirming that U.S. nuclear "
    "forces underpin deterrence in the region.",
    4.0,
    True,
)


@pytest.mark.parametrize(
    ("stories_with_it", "hours", "expected"),
    [(1, 4.0, 1), (2, 4.0, None), (1, 30.0, None)],
    ids=[
        "the window's one story of the talks: joins",
        "two stories carry the action",
        "a day and more later",
    ],
)
def test_a_rare_action_within_a_day_joins_with_one_part_less(
    stories_with_it: int, hours: float, expected: int | None
) -> None:
    source, title, text, _, primary = EDD_STATEMENT
    rarity = {"action:extended-deterrence": stories_with_it, "country:japan": 5}
    story, reason = decide((source, title, text, hours, primary), [EDD_REPORT], rarity=rarity)
    assert story == expected, reason


# 8. A text whose headline names a weapon or system no item of the story names is not that story on its
# signature, unless they state one amount or count alike: the radar shipped is not the combat-system contract.
AEGIS_CONTRACT: Seen = (
    1,
    "naval-news",
    "Lockheed gets $92.6M for Japan's Aegis vessel combat system work",
    "Lockheed Martin of Moorestown, New Jersey, received a $92.6 million contract modification for combat "
    "system engineering for Japan's Aegis System Equipped Vessel (ASEV).",
    0.0,
    False,
)
SPY7_RELEASE_TEXT = (
    "Lockheed Martin has shipped the first SPY-7 radar array for Japan's Aegis System Equipped Vessel (ASEV) "
    "from its Moorestown, New Jersey, facility."
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Lockheed Martin Ships First SPY-7 Radar Array for Japan's ASEV", SPY7_RELEASE_TEXT, None),
        (
            "Lockheed Martin wins $92.6 million SPY-7 integration work for Japan's ASEV",
            SPY7_RELEASE_TEXT + " The work is funded by a $92.6 million contract modification.",
            1,
        ),
        ("Lockheed Martin books Aegis vessel engineering work for Japan", SPY7_RELEASE_TEXT, 1),
    ],
    ids=[
        "another system in the headline: no join",
        "... the same amount stated: joins",
        "no weapon headlined",
    ],
)
def test_a_headline_weapon_the_story_never_names_is_another_event(
    title: str, text: str, expected: int | None
) -> None:
    story, reason = decide(("lockheed", title, text, 14.0, True), [AEGIS_CONTRACT], firm="actor:lockheed")
    assert story == expected, reason

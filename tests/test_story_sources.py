"""Story rules that read who published an item and how a story's items agree between them
(``monitor.story_signature.source_firm``, ``Source.firm``, the ``firm`` part of ``story_signature.signature``
and the story-wide rules of ``monitor.stories.decide_story``), table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from monitor.config.schema import Source
from monitor.stories import StoryCandidate, StoryProbe, decide_story
from monitor.story_index import MemoryIndex
from monitor.story_signature import signature, source_firm
from monitor.story_text import fingerprint
from monitor.story_veto import veto

T0 = datetime(2026, 12, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source_id", "title", "firm"),
    [
        ("mhi-pr", None, "actor:mhi"),  # a spelling of the firm
        ("tokyo-gas-pr", None, "actor:tokyogas"),  # a spelling of two words, from the id's words
        ("ussteel-ir", None, "actor:ussteel"),  # the firm's key
        ("tokyoelectron-news", None, "actor:tokyoelectron"),
        ("tel-ir", "東京エレクトロン ニュースリリース", "actor:tokyoelectron"),  # from the title
        ("toyota-ir", "Toyota Global Newsroom", "actor:toyota"),
        ("reuters", None, None),  # a news outlet is no company's newsroom
        ("nikkei-en", "Nikkei Asia", None),
        ("toyo-keizai", None, None),  # Toyo is not Toyota
        ("autos-toyota-honda", None, None),  # two firms: a trade paper, not a newsroom
        ("meti", "経済産業省", None),
    ],
)
def test_source_firm(source_id: str, title: str | None, firm: str | None) -> None:
    assert source_firm(source_id, title) == firm


def test_a_source_names_its_company_or_says_which() -> None:
    assert Source(id="mhi-pr", url="https://x.example/").firm == "actor:mhi"
    assert Source(id="tel-ir", url="https://x.example/").firm is None
    assert (
        Source(id="tel-ir", url="https://x.example/", company="tokyoelectron").firm == "actor:tokyoelectron"
    )
    with pytest.raises(
        ValidationError,
        match=r"unknown company 'tel': the companies pressmon knows are aisin, .*tokyoelectron",
    ):
        Source(id="tel-ir", url="https://x.example/", company="tel")
    with pytest.raises(ValidationError, match="did you mean tokyoelectron"):
        Source(id="tel-ir", url="https://x.example/", company="Tokyo Electron")


@pytest.mark.parametrize(
    ("title", "text", "firm", "has", "has_not"),
    [
        ("米海軍艦艇の修理役務契約の締結について", "当社は、米海軍との間で役務契約を締結しました。", "actor:mhi",
         {"actor:mhi"}, {"hactor:mhi"}),  # the release's company, not its headline's
        ("米海軍艦艇の修理役務契約の締結について", "当社は、米海軍との間で役務契約を締結しました。", None,
         set(), {"actor:mhi"}),
    ],
)  # fmt: skip
def test_a_newsroom_release_is_about_its_company(
    title: str, text: str, firm: str | None, has: set[str], has_not: set[str]
) -> None:
    parts = signature(title, text, firm=firm).parts
    assert has <= parts
    assert not has_not & parts


def _item(
    n: int, source: str, title: str, text: str, hours: float, story: int | None = None
) -> StoryCandidate:
    sig = signature(title, text)
    at = T0 + timedelta(hours=hours)
    return StoryCandidate(story or n, fingerprint(title, text), at, source, title, sig, item_id=n)


def _decide(  # type: ignore[no-untyped-def]
    source: str,
    title: str,
    text: str,
    hours: float,
    seen: list[StoryCandidate],
    firm: str | None = None,
    rarity: dict[str, int] | None = None,
):
    """The decision for a new item against ``seen``; ``rarity``: how many of the window's stories carry a
    part, where it is not what the index counts among ``seen``."""
    index = MemoryIndex()
    for c in seen:
        index.add(c)
    at = T0 + timedelta(hours=hours)
    probe = StoryProbe(fingerprint(title, text), title, source, signature(title, text, firm=firm))
    found = index.lookup(probe, since=at - timedelta(hours=72))
    counts = {**found.rarity, **(rarity or {})}
    return decide_story(probe, found.candidates, seen_at=at, rarity=counts, led=found.led)


JBIC = (
    "Japan's JBIC lends $1.2 billion for Mitsui-backed Texas ammonia plant",
    "Japan Bank for International Cooperation said it signed a $1.2 billion loan for a blue ammonia plant in "
    "Baytown, Texas, in which Mitsui & Co holds a stake.",
)
MITSUI = (
    "米国テキサス州ブルーアンモニア事業の最終投資決定について",
    "当社は、米国テキサス州ベイタウンで参画するブルーアンモニア製造事業について最終投資決定を行いました。"
    "国際協力銀行等から融資を受けます。",
)


# JBIC and Texas are each in three of the window's stories: those two alone say little.
BUSY = {"actor:jbic": 3, "place:texas": 3}


@pytest.mark.parametrize(
    ("firm", "expected"),
    [
        pytest.param("actor:mitsui", 1, id="the company's own release (当社) joins the news naming it"),
        pytest.param(None, None, id="... which it does not without knowing whose release it is"),
        pytest.param("actor:hitachi", None, id="... nor as another company's release"),
    ],
)
def test_a_company_release_joins_the_news_about_that_company(firm: str | None, expected: int | None) -> None:
    d = _decide("newsroom", *MITSUI, 1, [_item(1, "reuters", *JBIC, 0)], firm=firm, rarity=BUSY)
    assert d.story_id == expected, d.reason


LNG = (
    "Wright, Japan trade minister ink Alaska energy memorandum",
    "Energy Secretary Chris Wright and Japan's trade minister signed a memorandum on LNG supply from Alaska.",
)
LNG_OTHER = (
    "JERA agrees to buy more US LNG from Venture Global",
    "JERA will buy 1 million tonnes a year of LNG from Venture Global for 20 years, Japan's largest utility said.",
)
CHIPS = ("Japan chip-tool tariff capped", "Semiconductor tools from Japan face a 15 percent tariff cap.")


@pytest.mark.parametrize(
    ("new", "seen", "expected"),
    [
        pytest.param(("wire", "JAPAN, US SIGN LNG DEAL", "", 0.1), [_item(1, "energy", *LNG, 0),
                     _item(2, "reuters", *CHIPS, -2)], 1,
                     id="a stub whose two kinds of fact only one story of the window has joins it"),
        pytest.param(("wire", "JAPAN, US SIGN LNG DEAL", "", 0.1), [_item(1, "energy", *LNG, 0),
                     _item(2, "reuters", *LNG_OTHER, -2)], None,
                     id="... not when another story has them all too (which one would be a guess)"),
        pytest.param(("wire", "JAPAN, US SIGN LNG DEAL", "", 8), [_item(1, "energy", *LNG, 0)], None,
                     id="... not 8 hours later"),
        pytest.param(("wire", "TEXAS LNG DEAL FOR JAPAN", "", 0.1), [_item(1, "energy", *LNG, 0)], None,
                     id="... not naming something the story does not have (Texas)"),
        pytest.param(("wire", "JAPAN SIGNS DEAL", "", 0.1), [_item(1, "energy", *LNG, 0)], None,
                     id="... not naming one kind of fact only (Japan)"),
    ],
)  # fmt: skip
def test_a_stub_the_window_has_one_story_for(
    new: tuple[str, str, str, float], seen: list[StoryCandidate], expected: int | None
) -> None:
    d = _decide(*new, seen)
    assert d.story_id == expected, d.reason
    if expected is not None:
        assert "the day's one story with all of it" in d.reason


NSC_STUB = ("日本製鉄、米アーカンソーに電炉　40億ドル", "")
NSC_BOTH = (
    "Nippon Steel to add $4 billion electric furnace at U.S. Steel's Arkansas site",
    "Nippon Steel will spend $4 billion on an electric arc furnace at U.S. Steel's Big River Steel works in "
    "Arkansas, part of the $11 billion it pledged when it bought the company.",
)
USS_FLASH = ("U.S. STEEL SAYS BIG RIVER EXPANSION ABOUT $4 BLN", "")
BRIDGESTONE = ("Bridgestone to invest $4 billion in Arkansas tire plant", "")


@pytest.mark.parametrize(
    ("seen", "expected", "reason_has"),
    [
        pytest.param([_item(1, "jiji", *NSC_STUB, 0), _item(2, "nikkei", *NSC_BOTH, -0.5, story=1)], 1,
                     "same event as story 1", id="a report of the story names both headlines' companies: joins"),
        pytest.param([_item(1, "jiji", *NSC_STUB, 0)], None, "company differs",
                     id="... without it, one flash headlined with each company stays apart"),
        pytest.param([_item(1, "jiji", *BRIDGESTONE, 0), _item(2, "nikkei", *NSC_BOTH, -0.5, story=1)], None,
                     "company differs", id="... and a third company's headline still vetoes"),
    ],
)  # fmt: skip
def test_companies_are_compared_with_the_story(
    seen: list[StoryCandidate], expected: int | None, reason_has: str
) -> None:
    d = _decide("wire", *USS_FLASH, 1, seen)
    assert d.story_id == expected, d.reason
    assert reason_has in d.reason


ROUND8 = (
    "対米投資第8弾、3件450億ドル",
    "日米両政府は第8弾として、オハイオ州の発電所など3件、総額450億ドルの案件を選定した。",
)


@pytest.mark.parametrize(
    ("stub", "expected"),
    [
        pytest.param("JAPAN, US NAME $45 BLN IN NEW PROJECTS UNDER $550 BLN PLEDGE", 1,
                     id="a flash recalling the programme's $550 billion the story does not state joins on its $45 billion"),
        pytest.param("JAPAN, US NAME $45 BLN IN NEW PROJECTS UNDER $120 BLN FUND", None,
                     id="... not with another figure of its own the story does not state"),
    ],
)  # fmt: skip
def test_a_background_figure_is_no_fact_the_story_must_have(stub: str, expected: int | None) -> None:
    d = _decide("wire", stub, "", 0.3, [_item(1, "jiji", *ROUND8, 0)])
    assert d.story_id == expected, d.reason


@pytest.mark.parametrize(
    ("title", "moves"),
    [
        ("Tokyo Electron shares jump 6% after US caps Japan chip-tool tariff", True),
        ("TOKYO ELECTRON SHARES UP 6% ON US TARIFF CAP", True),
        ("東エレクが一時6％高　米の半導体関税で日本に上限", True),
        ("トヨタ株が3％安", True),
        ("Panasonic Restarts Kansas Battery Ramp-Up, Shares Rise 4%", False),  # the company's news leads
        ("Trump imposes 25% tariff on chips, caps Japan and EU at 15%", False),
        ("関税率は6%高い水準に", False),
    ],
)
def test_a_headline_leading_with_a_share_price_move(title: str, moves: bool) -> None:
    assert ("hmove:shares" in signature(title, "").parts) is moves


TARIFF_CAP = (
    "米、半導体に25%関税　日本は15%上限　東京エレクトロンなど装置各社に影響",
    "トランプ米大統領は半導体と製造装置に25%の関税を課す布告に署名した。日本製は15%が上限となる。東京エレクトロンなどに影響する。",
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        pytest.param("東エレクが一時6％高　米の半導体関税で日本に上限", None,
                     id="the market's reaction is another story than the tariff it reacts to"),
        pytest.param("東京エレクトロン、米関税の影響は軽微", 1, id="... a report of the tariff's effect is not"),
    ],
)  # fmt: skip
def test_a_share_price_move_is_another_story(title: str, expected: int | None) -> None:
    text = "東京エレクトロンは米国の半導体関税で日本製が15%上限となったことを受け、影響は軽微とした。"
    d = _decide("minkabu", title, text, 1, [_item(1, "nikkei", *TARIFF_CAP, 0)])
    assert d.story_id == expected, d.reason


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        pytest.param("米、半導体に25%関税　日本とEUは15%上限", "半導体関税 日本は15％が上限に", None,
                     id="two partners beside the one both headlines name: one action"),
        pytest.param("Insurance for investment in India", "Insurance for investment expanded", "partner differs",
                     id="a partner the other text, naming countries, never names still differs"),
    ],
)  # fmt: skip
def test_a_second_partner_beside_one_both_headlines_name(a: str, b: str, why: str | None) -> None:
    found = veto(signature(a, "日本の関税。"), signature(b, "日本の関税。"), templated=True)
    assert (found is None) if why is None else (found is not None and why in found), found


@pytest.mark.parametrize(
    ("title", "country"),
    [
        ("日本貿易保険、インド向け投資保険を拡充", False),  # NEXI: a company's name, not the country
        ("Bank of Japan holds rates", False),
        ("Tokyo Gas signs US LNG deal", False),
        ("日本、インドと投資保険で合意", True),
        ("Japan and Bank of Japan officials meet", True),  # the country named beside the bank
    ],
)
def test_a_company_name_holding_japan_is_no_country_in_a_headline(title: str, country: bool) -> None:
    assert ("hcountry:japan" in signature(title, "").parts) is country

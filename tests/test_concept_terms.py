"""The shipped concepts term by term (feeds.yaml `concepts:`): for each term added for recall, a text in
which it counts and, next to it, a text in which its other sense must not count (a mask). The texts are
written here, not taken from any corpus. Whole-topic behaviour is tests/test_default_topics.py's."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.loader import load_config
from monitor.config.schema import Topic
from monitor.match.topics import TopicMatcher

SHIPPED = Path(__file__).resolve().parent.parent / "feeds.yaml"
CONFIG = load_config(SHIPPED)


def holds(concept: str, text: str, title: str = "", implies: tuple[str, ...] = ()) -> bool:
    topic = Topic(id="probe", title="probe", query=f"@{concept}", facts=())
    return bool(TopicMatcher([topic], CONFIG.concepts).match(title=title, text=text, implies=implies))


# (concept, text, expected): True rows are the term counting, False rows its other sense (masked) or a
# near neighbour that must stay out.
CASES = [
    # @tariff: bare "duties", ad valorem, import taxes, "reciprocal", a percent rate
    ("tariff", "Carmakers said the new duties would cost them billions.", True),
    ("tariff", "The additional ad valorem duty applies to goods entered after the date.", True),
    ("tariff", "Import taxes on vehicles will wipe out a year of profit.", True),
    ("tariff", "Stocks fell after a 24% reciprocal charge was announced.", True),
    ("tariff", "Officials confirmed the 15 percent rate for Japanese goods.", True),
    ("tariff", "The minister resumed his official duties after the trip.", False),
    ("tariff", "Destroyers took on escort duties in the strait.", False),
    ("tariff", "Both governments signed a Reciprocal Access Agreement for joint drills.", False),
    ("tariff", "The Self-Defense Forces will carry out duties of surveillance.", False),
    ("tariff", "The policy rate stays at 0.5 percent.", False),
    # @tariff: Section 232 wording (proclamation titles, derivative lists), a US rate with a percentage
    ("tariff", "Adjusting Imports of Medium and Heavy-Duty Trucks Into the United States", True),
    ("tariff", "The U.S. added 407 steel derivative products to the list.", True),
    ("tariff", "Seoul wins the same 15% U.S. rate for its cars.", True),
    ("tariff", "The ministry is adjusting its import forecasts.", False),
    ("tariff", "Markets expect a U.S. rate cut in March.", False),
    # @trade_deal: market access concessions (rice within the minimum access quota)
    ("trade_deal", "Japan will buy more U.S. rice within its minimum access quota.", True),
    ("trade_deal", "ミニマムアクセス米の入札で米国産が増えた。", True),
    ("trade_deal", "The deal widens market access for American beef.", True),
    ("trade_deal", "The site gives access to market data.", False),
    ("trade_deal", "Both trade frameworks cap the rate at 15 percent.", True),
    # @investment: acquisitions, stakes, the $550bn package; masked senses
    ("investment", "The group agreed to acquire an Ohio maker of industrial drives.", True),
    ("investment", "The trading house buys into a Louisiana export project.", True),
    ("investment", "It will hold a 16 percent interest in the fourth train.", True),
    ("investment", "Most of the $550bn package will be loans.", True),
    ("investment", "Developers aim for a final investment decision next year.", False),
    ("investment", "The Government Pension Investment Fund kept its allocation.", False),
    ("investment", "The ministers welcomed the plan to acquire counterstrike capabilities.", False),
    ("investment", "They discussed the Agreement on Trade and Investment.", False),
    ("investment", "The two firms formed a joint venture to make batteries.", True),
    ("investment", "It picked South Carolina for a greenfield plant.", True),
    ("investment", "The ministers settled the profit split for the projects.", True),
    ("investment", "同社は米国市場に進出する。", True),
    ("investment", "米社と合弁会社を設立する。", True),
    ("investment", "5500億ドルの利益配分を説明した。", True),
    ("investment", "The fund extends financing for small and medium-sized enterprises.", False),
    ("investment", "県は緊急融資の枠を設けた。", False),
    ("investment", "The Pentagon seeks a $1 trillion defense budget.", False),
    ("investment", "関税が国内企業の輸出や設備投資に与える影響を調べた。", False),
    ("investment", "A Japan-backed fund will bankroll the reactor fleet.", True),
    ("investment", "The bank received a capital injection from its parent.", True),
    ("investment", "Finance ministry data showed exports fell.", False),
    # @plant / @build: where and how an investment is made
    ("plant", "The group will build a copper smelter in Arizona.", True),
    ("plant", "米国の造船所に出資する。", True),
    ("plant", "The company opened a new store.", False),
    ("build", "Honda broke ground on the Ohio plant.", True),
    ("build", "工場の着工は来年になる。", True),
    ("build", "The plant stayed idle all year.", False),
    # @us_weapons: more US-made systems; @spending: shares of GDP
    ("us_weapons", "Japan will buy more Patriot interceptors.", True),
    ("us_weapons", "パトリオットの追加取得を決めた。", True),
    ("us_weapons", "The patriotic song opened the ceremony.", False),
    ("spending", "Outlays will reach 2% of gross domestic product.", True),
    ("spending", "防衛関係の歳出が増える。", True),
    ("spending", "The gross margin rose.", False),
    # @tariff / @trade_deal: trade measures, quotas, trade wars and talks
    ("tariff", "Firms hit by U.S. trade measures can apply for support.", True),
    ("tariff", "Japan agreed to raise its import quotas for rice.", True),
    ("tariff", "上乗せ分の適用停止を延長した。", True),
    ("tariff", "The airline raised fuel surcharges.", False),
    ("trade_deal", "Carmakers braced for a trade war.", True),
    ("trade_deal", "日米の貿易交渉が始まった。", True),
    ("trade_deal", "The war ended in 1945.", False),
    # @japan / @us: companies and places name the country (Japanese firms, US states, cities and firms)
    ("japan", "Aisin will ship more parts to the plant.", True),
    ("japan", "豊田自動織機は新工場を計画している。", True),
    ("japan", "The carmaker will recruit 500 workers.", False),
    ("japan", "リチウムイオン電池の需要が伸びる。", False),
    ("japan", "東京に新工場を建設する。", True),
    ("japan", "東京・ソウル・シドニーの株式市場が下落した。", False),
    ("us", "The plant will be built in Florida.", True),
    ("us", "ニューヨークで記者会見した。", True),
    ("us", "Honeywell will supply the controls.", True),
    ("us", "The plant will be built in Monterrey, Mexico.", False),
    # @lng: liquefaction, LNG terminals, gas supply deals
    ("lng", "A Texas liquefaction project will supply the utility.", True),
    ("lng", "The utility signed a gas supply deal with a Louisiana developer.", True),
    ("lng", "The company holds a stake in the LNG terminal.", True),
    ("lng", "A deepwater crude export terminal will be built off Texas.", False),
    ("lng", "Osaka Gas will lift more cargoes from the Texas export terminal.", True),
    ("lng", "JERA raised purchases from a Texas export plant.", True),
    ("lng", "The ammonia export plant in Louisiana will start in 2028.", False),
    # @lng_supplier / @lng_volume: other suppliers named in an LNG headline, and volumes bought
    ("lng_supplier", "JERA renews Qatar contract", True),
    ("lng_supplier", "サハリン2のLNG、調達継続へ", True),
    ("lng_supplier", "JERA doubles American volumes", False),
    ("lng_volume", "JERA doubles American volumes", True),
    ("lng_volume", "JERA shares rose", False),
    # @fms: arms packages, purchases from the US government; company asset sales are not arms sales
    ("fms", "Washington approved an arms package for the destroyers.", True),
    ("fms", "The missiles bought from the U.S. government arrived at the base.", True),
    ("fms", "The ministry signed a sustainment package for the aircraft.", True),
    ("fms", "韓国の裁判所は日本企業の資産売却を命じた。", False),
    ("fms", "A quarter of the budget goes to U.S.-made weapons purchases.", True),
    ("fms", "米国からの装備品購入が1兆円を超えた。", True),
    ("fms", "The carmaker's U.S. sales rose 5 percent.", False),
    ("fms", "同社は事業売却を発表した。", False),
    # @japan: places in Japan; comparisons with Japan do not count
    ("japan", "Google will build a data center in Chiba.", True),
    ("japan", "米グーグルは千葉県にデータセンターを建設する。", True),
    ("japan", "The plant in Hiroshima will make memory chips.", True),
    ("japan", "Korea's buyers are following Japanese peers into U.S. deals.", False),
    ("japan", "韓国は日本型の枠組みを採用した。", False),
    ("japan", "Seoul's carmakers regain parity with rival Japan.", False),
    # @japan_state: a defense ministry named with Japan; a place is not the state
    ("japan_state", "The Japan Ministry of Defense signed the letter.", True),
    ("japan_state", "The Pentagon will fund construction in Okinawa.", False),
    # @japan_state: Japan named by its institutions and office holders; other states' are masked
    ("japan_state", "The Nikkei average fell 4 percent after the announcement.", True),
    ("japan_state", "The Kospi fell 2 percent after the announcement.", False),
    ("japan_state", "The Defense Ministry signed a letter of offer with the U.S. government.", True),
    ("japan_state", "South Korea's Defense Ministry signed a letter of offer.", False),
    ("japan_state", "The prime minister told parliament the deal protects jobs.", True),
    ("japan_state", "The prime minister of Australia toured the plant.", False),
    ("japan_state", "The Diet passed the supplementary budget.", True),
    ("japan_state", "農林水産省は入札結果を発表した。", True),
    ("japan_state", "政府は米国との関税協議で輸入拡大を提案した。", True),
    ("japan_state", "韓国政府は対米投資の運用方法を決めた。", False),
    ("japan_state", "関税を受けて国内の部品メーカーで受注が減っている。", True),
    ("japan_state", "米国の部品メーカーの国内回帰が進む。", False),
    ("japan_state", "国防費を国内総生産の3.5%に引き上げる。", False),
    ("japan_state", "Shares fell in Tokyo, Seoul and Sydney.", False),
    ("japan_state", "China raises its budget 7%; Tokyo voices concern.", False),
    ("japan_state", "EU・日本・韓国などが対象となる。", False),
    ("japan_state", "全日本空輸は新型機を導入する。", False),
    ("japan_state", "豪州への売却を承認した。日本とも相互運用性が高まる。", False),
    ("japan_state", "日米豪の相互運用性が高まるとしている。", False),
    # @other_country: buyers and suppliers beyond the usual neighbours
    ("other_country", "U.S. approves Tomahawk missile sale to the Netherlands", True),
    ("other_country", "米、オランダにトマホーク売却を承認", True),
    ("other_country", "U.S. approves Tomahawk missile sale to Japan", False),
    # @us: the president and executive orders; a company's president is not the US
    ("us", "The president announced a 24 percent charge on goods from the ally.", True),
    ("us", "President signs order lowering auto tariffs.", True),
    ("us", "Carmakers paid more while the presidential order was pending.", True),
    ("us", "大統領令の発出時期を確認する。", True),
    ("us", "The president of the carmakers' association welcomed the cut.", False),
    # @history (used on titles only): the 1930s are history
    ("history", "Tariffs and the road to war: trade in the 1930s", True),
    ("history", "Record defense budget approved for 2026", False),
    # @us_other_pair: the US and another country as a pair
    ("us_other_pair", "Exporters cheer U.S.-China tariff truce", True),
    ("us_other_pair", "U.S.-Japan tariff deal signed", False),
    # fifth-set tuning: tender offers, capex, takeovers of a business; investment trusts are portfolio money
    ("investment", "The fund launched a tender offer for the chemicals maker.", True),
    ("investment", "Nearly a third plan new capital spending next year.", True),
    ("investment", "米ファンドが化学メーカーにTOBを実施する。", True),
    ("investment", "米国の医療機器メーカーから事業譲受を決めた。", True),
    ("investment", "家計は米国株の投資信託を買い越した。", False),
    ("investment", "Households bought foreign equity investment trusts.", False),
    ("investment", "Defense outlays will rise again.", False),
    # @build: the money put into a plant, not what it ships
    ("build", "A $450 million coatings plant will rise near the port.", True),
    ("build", "The export plant ships 2 million tonnes a year.", False),
    # @japan: the prefectures and more Japanese companies; @japan_copy: Japanese copy's own marks
    ("japan", "Amgen will build a plant in Shizuoka prefecture.", True),
    ("japan", "米アムジェンは静岡に工場を建設する。", True),
    ("japan", "ヤマハ発動機はボート工場を増強する。", True),
    ("japan", "UBE will build a resin plant near the port.", True),
    ("japan", "Seoul seeks a rate in line with Japan's.", False),
    ("japan", "台湾の対米投資は日本と韓国を上回る。", False),
    ("japan_copy", "投資額は約420億円を見込む。", True),
    ("japan_copy", "当社は米国子会社を通じて新工場を建設する。", True),
    ("japan_copy", "投資額は約4億ドルを見込む。", False),
    # @us: more cities and regions and US companies; North America is not the US alone
    ("us", "The plant will be built near San Diego.", True),
    ("us", "Equinix will open two data centers.", True),
    ("us", "北米向けの部品をメキシコで増産する。", False),
    # @other_country: Thailand in Japanese without the tyres; peoples of other countries
    ("other_country", "村田製作所、タイに新工場", True),
    ("other_country", "タイヤの生産を増やす", False),
    ("other_country", "TDK commits 150 billion yen to Malaysian battery cell plant", True),
    # @history: the bubble era, anniversaries
    ("history", "バブル期の米国不動産買い", True),
    ("history", "日米自動車摩擦から40年", True),
    # @tariff: a percent duty or ceiling, in-quota rates
    ("tariff", "Imports fell in the first full year under the 15 percent duty.", True),
    ("tariff", "Drugs qualify for the 15% ceiling.", True),
    ("tariff", "Japan buys the grain at the reduced in-quota rate.", True),
    ("tariff", "The debt ceiling vote was delayed.", False),
    # @us: a bare Commerce is the department; other commerces are not
    ("us", "Commerce sets a quota for specialty steel.", True),
    ("us", "The Chamber of Commerce welcomed the plan.", False),
    ("us", "China's commerce ministry opened a probe.", False),
    # @japan_state: the Diet's houses and the Cabinet Office; @japan: comparisons with Tokyo
    ("japan_state", "The Lower House agriculture committee questioned the minister.", True),
    ("japan_state", "Cabinet Office data showed exports fell.", True),
    ("japan", "Seoul seeks a chip tariff ceiling like Tokyo's", False),
    # @other_country: other peoples
    ("other_country", "U.S. cuts tariff on Brazilian coffee", True),
    ("other_country", "Manila raises military modernization budget", True),
    # fifth-set tuning: defense words for what the money buys, Japan's defense surtax, Congress notified,
    # DOE's non-FTA licences; comparisons and reactions are not Japan acting
    ("defense", "Tokyo adds 170 billion yen for drone swarms.", True),
    ("defense", "The budget funds munitions and two destroyers.", True),
    ("defense", "Audit finds 180 billion yen of arms undelivered.", False),
    ("defense_budget", "The opposition vows to scrap the defense income surtax.", True),
    ("defense_budget", "The outline keeps the corporate surtax for defense.", True),
    ("fms", "The package was notified to Congress on Nov. 20.", True),
    ("fms", "Congress was notified of the sale of radar parts.", True),
    ("lng", "DOE grants non-FTA export authorization to the Louisiana project.", True),
    ("japan", "米、韓国へのパトリオット部品売却を承認　日本と同型", False),
    ("japan", "韓国ガス公社、米国産LNGを追加購入　日本勢に続く", False),
    ("japan_state", "China signals a 7% military budget rise; Tokyo urges transparency", False),
    # tenth-set tuning: the last of a longer list, a range of countries, US money at Japanese yards are
    # not Japan acting; the finance ministry's fiscal panel is; "the ruling parties" is Japanese copy
    ("japan_state", "Top spenders were the US, China, Germany, France and Japan.", False),
    ("japan_state", "Allies from Canada to Japan face the same question.", False),
    ("japan_state", "The Navy pays for hull work at yards in Japan.", False),
    ("japan_state", "Navy funds destroyer repairs in Japanese yards", False),
    ("japan_state", "The Fiscal System Council asked for tighter audits.", True),
    ("japan_state", "財政審は歳出の効率化を求めた。", True),
    ("japan_copy", "The ruling parties agreed on the tax plan.", True),
    ("japan_copy", "The ruling coalition split over bonds.", True),
    ("japan_state", "Qatar pledges $700 billion for US projects, topping Japan's package.", False),
    ("investment", "Allies agreed to lift defence investment to 3.5% of GDP.", False),
    ("investment", "He urged Tokyo toward investment levels commensurate with the threat.", False),
]


@pytest.mark.parametrize(("concept", "text", "expected"), CASES)
def test_concept_term(concept: str, text: str, expected: bool) -> None:
    assert holds(concept, text) is expected


def test_a_japanese_ministry_implies_the_state_and_so_japan() -> None:
    """Sources imply @japan_state: that satisfies @japan_state, and @japan, which includes it."""
    text = "The ministry signed the letter with the U.S. Government."
    assert not holds("japan_state", text)
    assert holds("japan_state", text, implies=("japan_state",))
    assert holds("japan", text, implies=("japan_state",))

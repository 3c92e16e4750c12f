"""Whether two event signatures can report one event: the facts that veto a join. Pure.

:func:`veto` says why two signatures cannot be one event however similar their texts: a different
purchaser, transmittal, FR document, docket, CBP message, order or case number, quantity of one system,
share of GDP, system, FMS value, amount in the same currency, tariff rate (not one the other side states
without a tariff word beside it: Japan capped at 15%), effective date or weapon
(unless both state one amount: a report naming the platform of the notice's missile), supply volume or
contract term, the partner named in the headlines of two reports (the buyer of an arms sale, the country
of a deal or order; not a country a call discussed, such as North Korea), the companies two headlines
name when neither text names the other's (Bridgestone's plant, Yokohama Rubber's); and between
templated texts, a disjoint set of products, countries or places, or each naming a company the other
does not, or a partner one headline names (not Japan) that the other text, naming countries, never
does (unless both headlines name one country: Japan and the EU capped, Japan capped). Templated
notices share most of their words and differ in exactly these. Also two headlines at
different stages of one matter (``hstage``: talks opened and concluded, heads of agreement and the SPA, a
budget's draft and the cabinet's decision, a warning and the reply to it, a tariff proclaimed and in
force, a plant or an LNG train down and restarted): the later development of one matter, a day or two on,
shares nearly every fact with the earlier.
Also an earnings forecast and an investment (a company announces both on one day), a month's trade or
current-account statistics and a budget (the same amount in both by chance), and a headline leading with
a share price's move and one that does not (the market's reaction is another story than the policy or
deal it reacts to). A release's own figure
(``pct``) in common, like an amount in common, leaves the other amounts as each report's choice of figures.

Amounts: two reports sharing one amount (in one currency, or in yen and dollars at 100-180 yen) are not
vetoed by their other amounts (background); otherwise amounts of one currency must be near (5%, 10% for a
round figure of one digit: ``1兆円超`` and 1.12 trillion yen), and a programme's background figure is
compared only when a side states no amount of its own, and then is compatible with a project under a
third of it.
"""

from __future__ import annotations

from collections.abc import Mapping

from monitor.story_signature import BACKGROUND, NO_PARTS, Signature
from monitor.story_terms import FIRMS

__all__ = ["YEN_PER_DOLLAR", "near_amounts", "veto"]

# Exclusive kinds: a different value is a different event (see veto()).
_EXCLUSIVE = ("purchaser", "transmittal", "fms_value", "gdp")
# Set kinds whose disjointness (both sides non-empty) is a different event; the second group only between
# templated texts (text similar enough to share a template: a news report naming one more country is not
# another event, a notice for another country is).
_DISJOINT = ("tariff", "date", "designator", "volume", "term")
_DISJOINT_TEMPLATED = ("product", "country", "place", "hproduct", "hcountry")
# Countries a headline names as what talks are about rather than as a party to a sale, deal or order.
_DISCUSSED = frozenset(
    {"hcountry:northkorea", "hcountry:china", "hcountry:russia", "hcountry:iran", "hcountry:ukraine",
     "hcountry:israel"}
)  # fmt: skip
_FORECAST, _INVESTMENT = "action:earnings-forecast", "subject:investment"
_STATISTICS = frozenset({"action:trade-data", "action:current-account"})
_BUDGET = frozenset({"action:defense-spending", "action:budget-request", "action:supplementary-budget"})


def _money_by_currency(sig: Signature) -> dict[str, set[float]]:
    out: dict[str, set[float]] = {}
    for p in sig.kinds.get("money", NO_PARTS):
        _, cur, amount = p.split(":", 2)
        out.setdefault(cur, set()).add(float(amount))
    return out


def near_amounts(x: float, y: float) -> bool:
    """Whether two amounts of one currency may be one figure: within 5% (``about $35 billion`` and ``$36
    billion``), or 10% when either is a round figure of one significant digit (``1兆円超``, over 1 trillion
    yen, and 1兆1200億円)."""
    round_ = any(v > 0 and float(f"{v:.0e}") == v for v in (x, y))
    return abs(x - y) <= (0.10 if round_ else 0.05) * max(x, y)


YEN_PER_DOLLAR = (100.0, 180.0)  # a band wide enough for years of exchange rates, narrow enough to mean it


def _yen_and_dollars(ma: Mapping[str, set[float]], mb: Mapping[str, set[float]]) -> bool:
    """Whether one side states in yen an amount the other states in dollars (3,500億円 and $2.3 billion)."""
    for yen, usd in ((ma.get("JPY", ()), mb.get("USD", ())), (mb.get("JPY", ()), ma.get("USD", ()))):
        if any(d > 0 and YEN_PER_DOLLAR[0] <= y / d <= YEN_PER_DOLLAR[1] for y in yen for d in usd):
            return True
    return False


def _event_amounts(by_currency: Mapping[str, set[float]]) -> dict[str, set[float]]:
    """The amounts by currency without a programme's background figure (Japan's $550 billion, 80 trillion
    yen): a report of one project that recalls the programme is not another amount."""
    out = {}
    for cur, amounts in by_currency.items():
        kept = {x for x in amounts if f"money:{cur}:{x:.1e}" not in BACKGROUND}
        if kept:
            out[cur] = kept
    return out


def _compatible(cur: str, x: float, y: float) -> bool:
    """Whether two amounts of one currency may stand in reports of one event: near each other, or one a
    programme's background figure and the other under a third of it (a project under Japan's $550
    billion; not another pledge of $1 trillion)."""
    if near_amounts(x, y):
        return True
    big, small = max(x, y), min(x, y)
    return f"money:{cur}:{big:.1e}" in BACKGROUND and small < big / 3


def _money_conflict(a: Signature, b: Signature) -> str | None:
    # One amount (not a programme's background figure) stated by both, in one currency or in yen and
    # dollars: the same event; the other amounts are each report's background (an article on the sale
    # that recalls Japan's yearly arms purchases in yen).
    ka, kb = a.kinds, b.kinds
    if (ka.get("money", NO_PARTS) & kb.get("money", NO_PARTS)) - BACKGROUND or (
        ka.get("pct", NO_PARTS) & kb.get("pct", NO_PARTS)
    ):
        return None
    ma, mb = _money_by_currency(a), _money_by_currency(b)
    fa, fb = _event_amounts(ma), _event_amounts(mb)
    if _yen_and_dollars(fa, fb):
        return None
    for cur in ma.keys() & mb.keys():
        # Both state an amount of their own: those are compared (two projects under one programme, each
        # report recalling the $550 billion, differ); otherwise all of them.
        xs, ys = (fa[cur], fb[cur]) if cur in fa and cur in fb else (ma[cur], mb[cur])
        if not any(_compatible(cur, x, y) for x in xs for y in ys):
            return f"amounts differ ({cur} {sorted(ma[cur])[-1]:.3g} vs {sorted(mb[cur])[-1]:.3g})"
    return None


def _differs(what: str, a: frozenset[str], b: frozenset[str]) -> str:
    return (
        f"{what} differs ({', '.join(sorted(x.split(':', 1)[1] for x in a))} vs "
        f"{', '.join(sorted(x.split(':', 1)[1] for x in b))})"
    )


def _values(parts: frozenset[str]) -> set[str]:
    """``{"rate:15", "rate:25"}`` -> ``{"15", "25"}``."""
    return {p.split(":", 1)[1] for p in parts}


def _by_family(sig: Signature, kind: str) -> dict[str, set[str]]:
    """``doc:frdoc:X`` -> {"frdoc": {X}}; ``qty:BGM-109:200`` -> {"BGM-109": {"200"}}."""
    out: dict[str, set[str]] = {}
    for p in sig.kinds.get(kind, NO_PARTS):
        _, family, value = p.split(":", 2)
        out.setdefault(family, set()).add(value)
    return out


def _numbers_conflict(a: Signature, b: Signature) -> str | None:
    """Documents of one family, or counts of one system, stated by both and all different. A count is
    not compared when both state one transmittal, document or amount: a report of the second sale that
    recalls the first one's count is still that sale."""
    same = bool(
        a.parts & b.parts & {p for p in a.parts if p.split(":", 1)[0] in ("transmittal", "doc", "money")}
    )
    for kind, what in (("doc", "document"), ("qty", "quantity")):
        if (kind == "qty" and same) or kind not in a.kinds or kind not in b.kinds:
            continue
        fa, fb = _by_family(a, kind), _by_family(b, kind)
        for family in sorted(fa.keys() & fb.keys()):
            if not fa[family] & fb[family]:
                x, y = ", ".join(sorted(fa[family])), ", ".join(sorted(fb[family]))
                return f"{what} differs ({family} {x} vs {y})"
    return None


def _stage_conflict(a: Signature, b: Signature) -> str | None:
    """Two headlines at different stages of one matter (``hstage:<matter>:<stage>``), none in common."""
    sa, sb = _by_family(a, "hstage"), _by_family(b, "hstage")
    for matter in sorted(sa.keys() & sb.keys()):
        if not sa[matter] & sb[matter]:
            x, y = ", ".join(sorted(sa[matter])), ", ".join(sorted(sb[matter]))
            return f"stage differs ({matter}: {x} vs {y})"
    return None


def veto(a: Signature, b: Signature, *, templated: bool = True) -> str | None:
    """Why ``a`` and ``b`` cannot report one event (a differing fact), or ``None``. ``templated``: the
    texts share a template (similar wording), so a different product, country, place or company is a
    different notice."""
    # The parts by kind, read from each side's mapping (``kind(k)`` is a call; a veto asks ~50 times).
    ka, kb = a.kinds, b.kinds
    for kind in _EXCLUSIVE:
        va, vb = ka.get(kind, NO_PARTS), kb.get(kind, NO_PARTS)
        if va and vb and not va & vb:
            return _differs(kind.replace("_", " "), va, vb)
    why = _numbers_conflict(a, b)
    if why:
        return why
    same_amount = bool(ka.get("money", NO_PARTS) & kb.get("money", NO_PARTS))
    for kind in _DISJOINT + (_DISJOINT_TEMPLATED if templated else ()):
        va, vb = ka.get(kind, NO_PARTS), kb.get(kind, NO_PARTS)
        if not va or not vb:
            continue
        # One amount stated by both: a report naming the platform (F-35) of the notice's missile is the
        # same sale.
        if kind == "designator" and same_amount:
            continue
        # A rate one side states as a tariff and the other without a tariff word beside it (Japan capped
        # at 15%; the new 25% rate) is the same figure: the rates are compared with all the other's.
        if kind == "tariff" and (
            _values(va) & _values(kb.get("rate", NO_PARTS)) or _values(vb) & _values(ka.get("rate", NO_PARTS))
        ):
            continue
        if not va & vb:
            return _differs(kind, va, vb)
    # Two reports headlined with different countries: the headline names the buyer of an arms sale, the
    # partner of a deal or order (the same chip terms for Japan, then for Korea). Countries a call or a
    # meeting discusses (North Korea's missiles) are not a partner: they are left out.
    ha, hb = ka.get("hcountry", NO_PARTS) - _DISCUSSED, kb.get("hcountry", NO_PARTS) - _DISCUSSED
    if ha and hb and not ha & hb:
        return _differs("partner" if "subject:fms" not in a.parts else "buyer", ha, hb)
    # Two headlines at different stages of one matter (talks opened, then concluded; heads of agreement, then
    # the SPA; the budget's draft, then the cabinet's decision; a proclamation, then the tariff in force):
    # two events a day or two apart, however much else they share.
    why = _stage_conflict(a, b)
    if why:
        return why
    # A company's earnings forecast and its investment, often announced the same day, are two events.
    fa_, fb_ = _FORECAST in a.parts, _FORECAST in b.parts
    if fa_ != fb_ and _INVESTMENT in (b.parts if fa_ else a.parts):
        return "kind differs (an earnings forecast vs an investment)"
    # A headline leading with a share price's move and one that does not: the market's reaction is another
    # story than the policy or deal it reacts to (Tokyo Electron shares jump 6% after the chip tariff cap).
    if ("hmove:shares" in a.parts) != ("hmove:shares" in b.parts):
        return "kind differs (a share price's move vs the event it reacts to)"
    # A month's trade or current-account statistics and a budget's defence figure: two releases, whatever
    # amount they happen to share (exports of 9.4 trillion yen, a defence budget of 9.4 trillion yen).
    sa_stats, sb_stats = bool(a.parts & _STATISTICS), bool(b.parts & _STATISTICS)
    sa_budget, sb_budget = bool(a.parts & _BUDGET), bool(b.parts & _BUDGET)
    if (sa_stats and not sa_budget and sb_budget and not sb_stats) or (
        sb_stats and not sb_budget and sa_budget and not sa_stats
    ):
        return "kind differs (trade statistics vs a budget)"
    # Two headlines naming companies, none of them named anywhere in the other text: two companies' events
    # (Bridgestone's plant and Yokohama Rubber's, the same afternoon and nearly the same amount), whatever
    # the wording. Not a deal's two sides (the seller's release headlined with the buyer, the buyer's with
    # the seller: each text names both), nor one buyer's deal recalled beside the next (東京ガスも, JERAに
    # 続き: Tokyo Gas in both headlines); companies in a text only are not compared (an arms-sale notice
    # names its contractor, a report the licensee).
    ca, cb = {x[1:] for x in ka.get("hactor", NO_PARTS)}, {x[1:] for x in kb.get("hactor", NO_PARTS)}
    if ca and cb and not ca & b.parts and not cb & a.parts:
        return _differs("company", frozenset(ca), frozenset(cb))
    if templated:
        # Each names a company the other does not (Glenfarne's letter with JERA, then with Tokyo Gas).
        fa, fb = a.parts & FIRMS, b.parts & FIRMS
        if fa - fb and fb - fa:
            return _differs("company", frozenset(fa - fb), frozenset(fb - fa))
        # A partner one headline names (other than Japan) that the other text never mentions: the same
        # programme's notice for another country (insurance for investment in India, then in the US).
        # Not when both headlines name one country (Japan and the EU capped at 15%; Japan capped at 15%): a
        # report naming two partners of one action, not the notice for another.
        shared_head = bool(ka.get("hcountry", NO_PARTS) & kb.get("hcountry", NO_PARTS))
        for x, y in ((a, b), (b, a)):
            partners = {p[1:] for p in x.kind("hcountry") - _DISCUSSED} - {"country:japan"}
            if partners and not shared_head and y.kind("country") and not partners & y.parts:
                return _differs("partner", frozenset(partners), y.kind("country"))
    # A system named differently by two full notices (both with purchaser and transmittal) is another sale;
    # a news report's wording of the system ("AMRAAM") is not compared with the notice's.
    sa_, sb_ = ka.get("system", NO_PARTS), kb.get("system", NO_PARTS)
    full = all("purchaser" in k and "transmittal" in k for k in (ka, kb))
    if full and sa_ and sb_ and not sa_ & sb_:
        return _differs("system", sa_, sb_)
    return _money_conflict(a, b)

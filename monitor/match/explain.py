"""Evidence and explanations for compiled queries (pure).

- :func:`matched_terms`: the term occurrences that make a query true (spans into the original fields).
- :func:`why` / :func:`why_not`: the full account, clause by clause (``topics test --verbose``).
- :func:`closest`: for a query that failed, the one alternative that came closest and what it lacked,
  in a line or two ("'Japan' and 'levy' are 43 tokens apart (NEAR/10)", "no @japan").
- :func:`loosely`: does the query hold when every NEAR/SENT only asks for both sides somewhere? (the
  "too far apart" kind of near miss).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.match.evaluate import BOTH, CAnd, CConcept, CMeta, CNear, CNode, CNot, COr, CTerm, Occ, State
from monitor.match.query import TEXT_FIELDS, Ref, Term, show_term, unparse
from monitor.model import MatchedTerm

__all__ = ["Explanation", "closest", "loosely", "matched_terms", "why", "why_not"]

_FIELD_NAMES = TEXT_FIELDS


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a topic matched a document, or why not.

    ``reasons``: for a match, the evidence clause by clause; for a miss, every clause that failed
    ("missing: tariff*", "NOT vetoed by 'Japan Airlines'", "NEAR/20: 'Japan' and 'investment' are 43
    tokens apart"). ``closest``: for a miss, the alternative that came closest and what it lacked (a
    line or two). ``terms``: the positive terms found in the document, matched or not.
    """

    topic_id: str
    matched: bool
    reasons: tuple[str, ...]
    terms: tuple[MatchedTerm, ...]
    closest: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = f"{self.topic_id}: {'matched' if self.matched else 'no match'}"
        return "\n  ".join([head, *self.reasons])


_Hit = tuple[Term, int, Occ]


def _evidence(cn: CNode, st: State, out: list[_Hit], *, everywhere: bool) -> None:
    """Positive term occurrences that make ``cn`` true (``everywhere``: all positive ones present)."""
    if isinstance(cn, CTerm):
        for f in cn.fields:
            out.extend((cn.node, f, o) for o in st.occ(cn.spec, f))
    elif isinstance(cn, CAnd):
        for c in cn.children:
            _evidence(c, st, out, everywhere=everywhere)
    elif isinstance(cn, COr):
        for c in cn.children:
            if everywhere or c.ev(st):
                _evidence(c, st, out, everywhere=everywhere)
    elif isinstance(cn, CConcept):
        _evidence(cn.body, st, out, everywhere=everywhere)
    elif isinstance(cn, CNear):
        if everywhere:
            for t in (*cn.left, *cn.right):
                _evidence(t, st, out, everywhere=True)
            return
        li, ri = cn.implied(st)
        pairs = [(f, p) for f in cn.fields for p in st.near_pairs(cn, f)]
        if li or ri or not pairs:  # an implied side, or headline + text: every occurrence counts
            for t in (*(() if li else cn.left), *(() if ri else cn.right)):
                _evidence(t, st, out, everywhere=True)
            return
        for f, (lt, lo, rt, ro) in pairs:
            out.append((lt.node, f, lo))
            out.append((rt.node, f, ro))


def matched_terms(root: CNode, st: State, *, everywhere: bool = False) -> tuple[MatchedTerm, ...]:
    hits: list[_Hit] = []
    _evidence(root, st, hits, everywhere=everywhere)
    seen: dict[tuple[str, int, int, int], MatchedTerm] = {}
    for term, f, occ in hits:
        s, e, text = st.original(f, occ)
        k = (term.text, f, s, e)
        if k not in seen:
            seen[k] = MatchedTerm(term=term.text, field=_FIELD_NAMES[f], start=s, end=e, matched=text)
    return tuple(sorted(seen.values(), key=lambda t: (t.field != "title", t.start, t.end, t.term)))


def _quote(st: State, f: int, occ: Occ) -> str:
    return repr(st.original(f, occ)[2])


def label(cn: CNode) -> str:
    if isinstance(cn, CTerm | CMeta):
        return show_term(cn.node)
    assert isinstance(cn, CAnd | COr | CNot | CNear | CConcept)
    return unparse(cn.node)


def _unit(cn: CNear, d: int) -> str:
    word = "token" if cn.node.unit == "tokens" else "sentence"
    return f"{d} {word}{'s' if d != 1 else ''}"


def why(cn: CNode, st: State) -> list[str]:
    """For a true node: the evidence, clause by clause."""
    if isinstance(cn, CTerm):
        f, occ = next((f, o) for f in cn.fields for o in st.occ(cn.spec, f))
        return [f"found {label(cn)}: {_quote(st, f, occ)} in {_FIELD_NAMES[f]}"]
    if isinstance(cn, CMeta):
        return [f"{label(cn)}: yes"]
    if isinstance(cn, CNot):
        return [f"absent: {label(cn.child)}"]
    if isinstance(cn, CConcept):
        if cn.node.name in st.doc.implies:
            return [f"@{cn.node.name}: implied by the source"]
        return why(cn.body, st)
    if isinstance(cn, CNear):
        return _why_near(cn, st)
    if isinstance(cn, CAnd):
        return [r for c in cn.children for r in why(c, st)]
    assert isinstance(cn, COr)
    return why(next(c for c in cn.children if c.ev(st)), st)


def _why_near(cn: CNear, st: State) -> list[str]:
    op = cn.node.operator
    li, ri = cn.implied(st)
    if li or ri:
        names = ", ".join(f"@{c}" for c in (cn.node.left_implied if li else cn.node.right_implied))
        return [f"{op}: {names} implied by the source"]
    for f in cn.fields:
        best = st.closest(cn, f)
        if best is not None and best[0] <= cn.node.distance:
            d, lo, ro = best
            pair = f"{_quote(st, f, lo)} and {_quote(st, f, ro)}"
            return [f"{op}: {pair} are {_unit(cn, d)} apart in {_FIELD_NAMES[f]}"]
    t_occ = [o for t in cn.left if 0 in t.fields for o in st.occ(t.spec, 0)]
    x_occ = [o for t in cn.right if 1 in t.fields for o in st.occ(t.spec, 1)]
    if not (t_occ and x_occ):
        raise AssertionError("why on a false NEAR")  # pragma: no cover
    return [f"{op}: {_quote(st, 0, t_occ[0])} in the title, {_quote(st, 1, x_occ[0])} in the text"]


def why_not(cn: CNode, st: State) -> list[str]:
    """For a false node: every clause that failed, in words."""
    if isinstance(cn, CTerm):
        return [f"missing: {label(cn)}"]
    if isinstance(cn, CMeta):
        m = cn.node
        have = {"source": [st.doc.source] if st.doc.source else [], "tag": list(st.doc.tags)}.get(
            m.field, [st.doc.lang] if st.doc.lang else []
        )
        return [f"missing: {label(cn)} ({m.field}: {', '.join(have) if have else 'none'})"]
    if isinstance(cn, CNot):
        found: list[_Hit] = []
        _evidence(cn.child, st, found, everywhere=False)
        quoted = sorted({repr(st.original(f, o)[2]) for _, f, o in found})
        return [f"NOT vetoed by {', '.join(quoted) if quoted else label(cn.child)}"]
    if isinstance(cn, CConcept):
        return [f"no @{cn.node.name}: " + "; ".join(why_not(cn.body, st))]
    if isinstance(cn, CNear):
        return _why_not_near(cn, st)
    if isinstance(cn, CAnd):
        return [r for c in cn.children if not c.ev(st) for r in why_not(c, st)]
    assert isinstance(cn, COr)
    if all(isinstance(c, CTerm) for c in cn.children):
        return [f"missing: any of {', '.join(label(c) for c in cn.children)}"]
    parts = [" and ".join(why_not(c, st)) for c in cn.children]
    return ["none of: " + " | ".join(f"({p})" for p in parts)]


def _why_not_near(cn: CNear, st: State) -> list[str]:
    n = cn.node
    sides = ((cn.left, n.left_refs), (cn.right, n.right_refs))
    missing = [
        "missing: " + _alts_label(side, refs)
        for side, refs in sides
        if not any(st.occ(t.spec, f) for t in side for f in t.fields)
    ]
    if missing:
        return missing
    best: tuple[int, Occ, Occ] | None = None
    best_f = 0
    for f in cn.fields:
        c = st.closest(cn, f)
        if c is not None and (best is None or c[0] < best[0]):
            best, best_f = c, f
    if best is None:
        return [f"{n.operator}: {_alts_label(*sides[0])} and {_alts_label(*sides[1])} never occur together"]
    d, lo, ro = best
    return [f"{n.operator}: {_quote(st, best_f, lo)} and {_quote(st, best_f, ro)} are {_unit(cn, d)} apart"]


def _alts_label(side: tuple[CTerm, ...], refs: tuple[Ref, ...]) -> str:
    names = [f"@{r.name}" for r in refs]
    own = [label(t) for t in side if t.node.concept is None]
    shown = own + names
    return shown[0] if len(shown) == 1 else "any of " + ", ".join(shown)


# --- the closest alternative ------------------------------------------------------------------------


def closest(cn: CNode, st: State) -> list[str]:
    """For a false node: what the closest way to satisfy it lacked (fewest failing parts)."""
    if isinstance(cn, CTerm):
        return [f"missing {label(cn)}"]
    if isinstance(cn, CMeta):
        return why_not(cn, st)
    if isinstance(cn, CNot):
        return why_not(cn, st)
    if isinstance(cn, CConcept):
        return [f"no @{cn.node.name}"]
    if isinstance(cn, CNear):
        return [r.replace("missing: ", "missing ", 1) for r in _why_not_near(cn, st)]
    if isinstance(cn, CAnd):
        return list(dict.fromkeys(r for c in cn.children if not c.ev(st) for r in closest(c, st)))
    assert isinstance(cn, COr)
    if all(isinstance(c, CTerm) for c in cn.children):
        shown = [label(c) for c in cn.children[:3]]
        more = ", …" if len(cn.children) > 3 else ""
        return [f"missing any of {', '.join(shown)}{more}"]
    options = [closest(c, st) for c in cn.children]
    return min(options, key=len)


def loosely(cn: CNode, st: State) -> bool:
    """``cn`` with every positive NEAR/SENT loosened to "both sides occur somewhere"."""
    return _loose(cn, st, positive=True)


def _loose(cn: CNode, st: State, *, positive: bool) -> bool:
    if isinstance(cn, CNear):
        if not positive:
            return cn.ev(st)
        li, ri = cn.implied(st)
        return (li or any(st.side(cn, f, 0) for f in BOTH)) and (ri or any(st.side(cn, f, 1) for f in BOTH))
    if isinstance(cn, CNot):
        return not _loose(cn.child, st, positive=not positive)
    if isinstance(cn, CConcept):
        return cn.node.name in st.doc.implies or _loose(cn.body, st, positive=positive)
    if isinstance(cn, CAnd):
        return all(_loose(c, st, positive=positive) for c in cn.children)
    if isinstance(cn, COr):
        return any(_loose(c, st, positive=positive) for c in cn.children)
    return cn.ev(st)

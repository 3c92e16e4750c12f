"""NEAR evidence and explanations are linear in the occurrences (issue 9 item 3, RELIABILITY 36): the
pairs a match reports cover exactly the occurrences that some brute-force pair within the distance covers,
and the closest distance is the brute-force minimum; a text dense in both sides' terms stays cheap."""

from __future__ import annotations

import random

import pytest

from monitor.match.evaluate import CNear, State
from monitor.match.matcher import Doc, Matcher, TopicQuery
from monitor.match.query import parse_query

WORDS = ["japan", "tokyo", "tariff", "duty", "the", "of", "and", "trade", "talks", "東京", "関税"]


def _near(query: str, text: str) -> tuple[CNear, State]:
    m = Matcher([TopicQuery("t", "t", parse_query(query))])
    root = m._by_id["t"].root
    assert isinstance(root, CNear)
    return root, m._state(Doc("", text, "src", (), None, frozenset()))


def _brute(cn: CNear, st: State, f: int) -> tuple[set[tuple[int, int, int, int]], int | None]:
    left = [o for t in cn.left if f in t.fields for o in st.occ(t.spec, f)]
    right = [o for t in cn.right if f in t.fields for o in st.occ(t.spec, f)]
    covered: set[tuple[int, int, int, int]] = set()
    best = None
    for lo in left:
        for ro in right:
            d = st.apart(cn, f, lo, ro)
            best = d if best is None else min(best, d)
            if st.close(cn, f, lo, ro):
                covered |= {(0, *lo, 0), (1, *ro, 0)}
    return covered, best


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize(
    "query", ["(japan OR tokyo OR 東京) NEAR/3 (tariff OR duty OR 関税)", "japan SENT/1 tariff"]
)
def test_near_pairs_cover_what_all_pairs_cover(seed: int, query: str) -> None:
    rng = random.Random(seed)
    text = " ".join(rng.choice(WORDS) + rng.choice(["", "", ".", ","]) for _ in range(rng.randint(0, 60)))
    cn, st = _near(query, text)
    want, best = _brute(cn, st, 1)
    got = {(0, *p[1], 0) for p in st.near_pairs(cn, 1)} | {(1, *p[3], 0) for p in st.near_pairs(cn, 1)}
    assert got == want
    closest = st.closest(cn, 1)
    assert (closest[0] if closest else None) == best


def test_dense_text_is_linear() -> None:
    """~60,000 occurrences on each side: all pairs would be 3.6e9 (the 6 GB of the issue)."""
    text = "Japan tariff " * 60_000
    cn, st = _near("japan NEAR/2 tariff", text)
    pairs = st.near_pairs(cn, 1)
    assert len(pairs) <= 4 * 60_000
    assert st.closest(cn, 1) is not None

"""monitor.diff: NEW/REVISED/UNCHANGED, word diffs, readable summaries, materiality."""

from __future__ import annotations

import pytest

from monitor.diff import DiffOp, StoredRevision, classify, diff_summary, is_material, word_diff
from monitor.identity import assign_identity, content_hash
from monitor.model import ChangeKind, Entry, Item


def item(key: str, title: str = "Japan tariff statement", text: str = "Body.") -> Item:
    [it] = assign_identity([Entry(title=title, text=text, link=None, guid=key, published_at=None)])
    return it


def stored(key: str, title: str = "Japan tariff statement", text: str = "Body.") -> StoredRevision:
    return StoredRevision(key=f"g:{key}", content_hash=content_hash(title, text), title=title, text=text)


@pytest.mark.parametrize(
    ("fetched", "known", "kind"),
    [
        pytest.param(item("a"), {}, ChangeKind.NEW, id="unknown key is NEW"),
        pytest.param(item("a"), {"g:a": stored("a")}, ChangeKind.UNCHANGED, id="same hash is UNCHANGED"),
        pytest.param(
            item("a", text="Body  edited."),
            {"g:a": stored("a", text="Body edited.")},
            ChangeKind.UNCHANGED,
            id="whitespace-only edit is UNCHANGED",
        ),
        pytest.param(
            item("a", text="Body, edited."),
            {"g:a": stored("a")},
            ChangeKind.REVISED,
            id="edited text is REVISED",
        ),
        pytest.param(
            item("a", title="Japan tariffs raised"),
            {"g:a": stored("a")},
            ChangeKind.REVISED,
            id="edited title with a stable GUID is REVISED",
        ),
        pytest.param(item("b"), {"g:a": stored("a")}, ChangeKind.NEW, id="other keys do not matter"),
    ],
)
def test_classify(fetched: Item, known: dict[str, StoredRevision], kind: ChangeKind) -> None:
    [change] = classify([fetched], known)
    assert change.kind is kind
    assert change.item is fetched
    if kind is ChangeKind.REVISED:
        previous = known[fetched.key]
        assert (change.previous_title, change.previous_text) == (previous.title, previous.text)
    else:
        assert change.previous_title is None and change.previous_text is None


def test_classify_keeps_input_order() -> None:
    items = [item("c"), item("a", text="new"), item("b")]
    changes = classify(items, {"g:a": stored("a"), "g:b": stored("b")})
    assert [(c.item.key, c.kind) for c in changes] == [
        ("g:c", ChangeKind.NEW),
        ("g:a", ChangeKind.REVISED),
        ("g:b", ChangeKind.UNCHANGED),
    ]
    assert classify([], {"g:a": stored("a")}) == []


# --- word_diff -------------------------------------------------------------------------------------

LONG = " ".join(f"w{i}" for i in range(30))


@pytest.mark.parametrize(
    ("old", "new", "context", "expected"),
    [
        pytest.param("a b c", "a b c", 6, [], id="identical: no ops"),
        pytest.param("a b c", " a  b\n c ", 6, [], id="whitespace-only: no ops"),
        pytest.param(
            "cost of $1 billion",
            "cost of $1.2 billion",
            6,
            [
                DiffOp("equal", "cost of", "cost of"),
                DiffOp("replace", "$1", "$1.2"),
                DiffOp("equal", "billion", "billion"),
            ],
            id="replace one word",
        ),
        pytest.param(
            "a b c", "a b c d", 6, [DiffOp("equal", "a b c", "a b c"), DiffOp("insert", "", "d")], id="insert"
        ),
        pytest.param(
            "a b c d",
            "a c d",
            6,
            [DiffOp("equal", "a", "a"), DiffOp("delete", "b", ""), DiffOp("equal", "c d", "c d")],
            id="delete",
        ),
        pytest.param("", "new text", 6, [DiffOp("insert", "", "new text")], id="from empty"),
        pytest.param("old text", "", 6, [DiffOp("delete", "old text", "")], id="to empty"),
        pytest.param(
            LONG,
            LONG.replace("w15", "X"),
            2,
            [
                DiffOp("equal", "… w13 w14", "… w13 w14"),
                DiffOp("replace", "w15", "X"),
                DiffOp("equal", "w16 w17 …", "w16 w17 …"),
            ],
            id="long equal runs elided to context words",
        ),
        pytest.param(
            LONG,
            LONG.replace("w5", "X").replace("w25", "Y"),
            2,
            [
                DiffOp("equal", "… w3 w4", "… w3 w4"),
                DiffOp("replace", "w5", "X"),
                DiffOp("equal", "w6 w7 … w23 w24", "w6 w7 … w23 w24"),
                DiffOp("replace", "w25", "Y"),
                DiffOp("equal", "w26 w27 …", "w26 w27 …"),
            ],
            id="middle run keeps context on both sides",
        ),
        pytest.param(
            "a b c d e",
            "a b X d e",
            2,
            [DiffOp("equal", "a b", "a b"), DiffOp("replace", "c", "X"), DiffOp("equal", "d e", "d e")],
            id="short runs are not elided",
        ),
        pytest.param(
            "日米首脳会談を開催した",
            "日米外相会談を開催した",
            6,
            [
                DiffOp("equal", "日米", "日米"),
                DiffOp("replace", "首脳", "外相"),
                DiffOp("equal", "会談を開催した", "会談を開催した"),
            ],
            id="Japanese is diffed per character",
        ),
    ],
)
def test_word_diff(old: str, new: str, context: int, expected: list[DiffOp]) -> None:
    assert word_diff(old, new, context=context) == expected


def test_word_diff_of_long_texts_is_fast_and_exact() -> None:
    words = [f"word{i}" for i in range(20_000)]
    new = list(words)
    new[10_000] = "CHANGED"
    ops = word_diff(" ".join(words), " ".join(new))
    assert [op.op for op in ops] == ["equal", "replace", "equal"]
    assert ops[1] == DiffOp("replace", "word10000", "CHANGED")


# --- diff_summary ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "Japan will invest $550 billion.",
            "Japan will invest $600 billion.",
            "Japan will invest [-$550-]{+$600+} billion.",
            id="replacement",
        ),
        pytest.param("Tariffs rise", "Tariffs rise sharply", "Tariffs rise {+sharply+}", id="insertion"),
        pytest.param(
            "Tariffs rise sharply today", "Tariffs today", "Tariffs [-rise sharply-] today", id="deletion"
        ),
        pytest.param("a b c", "a  b\nc", "", id="whitespace only: empty"),
        pytest.param("same", "same", "", id="identical: empty"),
        pytest.param(
            LONG,
            LONG.replace("w15", "X"),
            "… w9 w10 w11 w12 w13 w14 [-w15-]{+X+} w16 w17 w18 w19 w20 w21 …",
            id="context elided",
        ),
        pytest.param(
            "日米首脳会談", "日米外相会談", "日米[-首脳-]{+外相+}会談", id="Japanese without spaces"
        ),
    ],
)
def test_diff_summary(old: str, new: str, expected: str) -> None:
    assert diff_summary(old, new) == expected


@pytest.mark.parametrize("max_chars", [40, 100, 600])
def test_diff_summary_respects_max_chars(max_chars: int) -> None:
    old = " ".join(f"old{i}" for i in range(400))
    new = " ".join(f"new{i}" if i % 7 == 0 else f"old{i}" for i in range(400))
    summary = diff_summary(old, new, max_chars=max_chars)
    assert 0 < len(summary) <= max_chars
    assert summary.endswith("…")


# --- is_material -----------------------------------------------------------------------------------

SALE = (
    "The State Department has made a determination approving a possible Foreign Military Sale to the "
    "Government of Japan of F-35 sustainment for an estimated cost of $1 billion."
)


@pytest.mark.parametrize(
    ("old", "new", "material", "reason"),
    [
        pytest.param(("T", SALE), ("T", SALE), False, "no change", id="identical"),
        pytest.param(
            ("T", SALE), ("T", SALE.replace(" ", "  ")), False, "whitespace or case only", id="whitespace"
        ),
        pytest.param(("T", SALE), ("t", SALE.upper()), False, "whitespace or case only", id="case"),
        pytest.param(("T", SALE), ("T", SALE[:-1] + "!"), False, "punctuation only", id="punctuation"),
        pytest.param(
            ("T", SALE), ("T", SALE.replace("F-35", "F35")), False, "punctuation only", id="hyphen dropped"
        ),
        pytest.param(
            ("T", SALE),
            ("T", SALE.replace("$1 billion", "$1.2 billion")),
            True,
            "amounts changed: $1 billion -> $1.2 billion",
            id="amount changed",
        ),
        pytest.param(
            ("T", "Tariffs of 25% apply."),
            ("T", "Tariffs of 15 percent apply."),
            True,
            "rates changed: 25% -> 15 percent",
            id="percentage changed",
        ),
        pytest.param(
            ("T", "総額1億2000万円の契約"),
            ("T", "総額1億5000万円の契約"),
            True,
            "amounts changed: 1億2000万円 -> 1億5000万円",
            id="yen amount changed",
        ),
        pytest.param(
            ("T", "Signed on June 26, 2026."),
            ("T", "Signed on June 27, 2026."),
            True,
            "dates changed: June 26, 2026 -> June 27, 2026",
            id="date changed",
        ),
        pytest.param(
            ("T", "令和7年4月1日に発表"),
            ("T", "令和7年4月2日に発表"),
            True,
            "dates changed: 令和7年4月1日 -> 令和7年4月2日",
            id="Japanese era date changed",
        ),
        pytest.param(
            ("T", "Effective 2025-04-01."),
            ("T", "Effective 2025-04-02."),
            True,
            "dates changed: 2025-04-01 -> 2025-04-02",
            id="ISO date changed",
        ),
        pytest.param(
            ("T", "Japan will invest $550 billion, with tariffs of 25% on autos."),
            ("T", "Japan will invest $1 trillion by January 19, 2029, with tariffs of 15% on autos."),
            True,
            "amounts changed: $550 billion -> $1 trillion; rates changed: 25% -> 15%; "
            "dates added: January 19, 2029",
            id="amount, rate and date changed: all named, the date's digits only as a date",
        ),
        pytest.param(
            ("T", SALE),
            ("T", SALE + " It includes 12 engines."),
            True,
            "numbers added: 12",
            id="number added",
        ),
        pytest.param(
            ("T", SALE),
            ("T", SALE.replace("Japan", "Korea")),
            True,
            "names changed: Japan -> Korea",
            id="named entity changed",
        ),
        pytest.param(
            ("Japan sale", "x"),
            ("Korea sale", "x"),
            True,
            "names changed: Japan -> Korea",
            id="title entity",
        ),
        pytest.param(
            ("T", "The sale was approved."),
            ("T", "The sale was not approved."),
            True,
            "negation added: not",
            id="negation added",
        ),
        pytest.param(
            ("T", "本日、会談を行いました。"),
            ("T", "本日、会談を行いませんでした。"),
            True,
            "negation added: ません",
            id="Japanese negation added",
        ),
        pytest.param(
            ("T", SALE),
            ("T", SALE.replace("has made a determination approving", "today approved")),
            True,
            "5 words changed",
            id="more than a few words",
        ),
        pytest.param(
            ("T", SALE),
            ("T", SALE.replace("possible", "proposed")),
            False,
            "minor wording (1 word changed)",
            id="one ordinary word",
        ),
        pytest.param(
            ("T", SALE),
            ("T", SALE.replace("The State", "the State")),
            False,
            "whitespace or case only",
            id="sentence-initial case",
        ),
    ],
)
def test_is_material(old: tuple[str, str], new: tuple[str, str], material: bool, reason: str) -> None:
    assert is_material(*old, *new) == (material, reason)

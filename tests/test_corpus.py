"""The labelled relevance corpus (tests/corpus/) is well-formed, and its traps stay quiet.

The corpus feeds bench/relevance.py; its labelling guidelines are the comment block at the top of
tests/corpus/relevance.yaml. These tests check its shape (ids, fields, known topic ids, size, coverage
per topic and language, the required traps), not the matcher's scores: the two matcher tests assert
only what the shipped topics achieve today (traps quiet for fms-japan; the tenth file's defense figures).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bench.relevance import DEFAULT_CORPUS, DEFAULT_FEEDS, Entry, load_corpus, pressmon_matches, topic_ids

ENTRIES: list[Entry] = load_corpus(DEFAULT_CORPUS)
TOPICS: list[str] = topic_ids(DEFAULT_FEEDS)
BY_ID = {e.id: e for e in ENTRIES}

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_JA_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")  # kana and kanji
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_TRAP_RE = re.compile(r"^trap \(([a-z-]+)\): \S")
TRAP_KINDS = {
    "imperial-japan",
    "japan-airlines",
    "other-country-fms",
    "listed-among-many",
    "boj",
    "other-country-tariff",
    "other-country-lng",
    "other-country-investment",
    "other-country-defense",
    "incidental-japan",
    "other-acronym",
    "domestic",
}
MIN_ENTRIES = 240
MIN_POSITIVES = 20  # per topic
MIN_POSITIVES_PER_LANG = 8  # per topic and language


def _trap_kind(e: Entry) -> str | None:
    m = _TRAP_RE.match(e.note)
    return m.group(1) if m else None


def _traps(kind: str) -> list[Entry]:
    return [e for e in ENTRIES if _trap_kind(e) == kind]


def _raw_entries() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    path = Path(DEFAULT_CORPUS)
    for file in sorted(path.glob("*.y*ml")) if path.is_dir() else [path]:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        out.extend(data["entries"] if isinstance(data, dict) else data)
    return out


# --------------------------------------------------------------------------------------------------
# shape


def test_size() -> None:
    assert len(ENTRIES) >= MIN_ENTRIES


def test_ids_are_unique_slugs() -> None:
    dupes = [i for i, n in Counter(e.id for e in ENTRIES).items() if n > 1]
    assert dupes == []
    assert [e.id for e in ENTRIES if not _SLUG_RE.match(e.id)] == []


def test_fields_are_known_and_complete() -> None:
    allowed = {"id", "source", "lang", "title", "text", "labels", "note"}
    for raw in _raw_entries():
        assert set(raw) <= allowed, f"{raw.get('id')}: unknown keys {set(raw) - allowed}"
        assert {"id", "source", "lang", "title", "text", "labels"} <= set(raw), raw.get("id")


def test_file_level_keys_are_entries_and_held_out() -> None:
    # a file may carry `held_out: true` (bench/relevance.py's directory load then skips it); the flag is a
    # boolean, and a misspelt flag (heldout, held-out) would silently make a held-out set tuning material
    path = Path(DEFAULT_CORPUS)
    for file in sorted(path.glob("*.y*ml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        assert isinstance(data.get("held_out", False), bool), f"{file.name}: held_out must be true or false"
        spelt = {
            k for k in data if isinstance(k, str) and k.replace("-", "_").lower() in ("heldout", "held_out")
        }
        assert spelt <= {"held_out"}, f"{file.name}: write the flag as held_out, not {spelt - {'held_out'}}"


def test_sources_are_slugs_and_texts_are_short() -> None:
    for e in ENTRIES:
        assert _SLUG_RE.match(e.source), e.id
        assert e.title.strip(), e.id
        assert e.text.strip(), e.id
        assert len(e.text) <= 600, f"{e.id}: text should be 1-4 sentences"


def test_lang_is_en_or_ja_and_fits_the_text() -> None:
    for e in ENTRIES:
        assert e.lang in ("en", "ja"), e.id
        if e.lang == "ja":
            assert _JA_RE.search(e.title + e.text), f"{e.id}: lang ja without Japanese text"
        else:
            assert not _KANA_RE.search(e.title + e.text), f"{e.id}: lang en with kana"


def test_labels_are_shipped_topic_ids_without_repeats() -> None:
    raw_labels = {str(r["id"]): r["labels"] for r in _raw_entries()}
    for e in ENTRIES:
        assert set(e.labels) <= set(TOPICS), f"{e.id}: unknown topics {set(e.labels) - set(TOPICS)}"
        labels = raw_labels[e.id]
        assert isinstance(labels, list)
        assert len(labels) == len(set(labels)), f"{e.id}: repeated label"


def test_text_is_nfkc_stable_enough_to_read() -> None:
    # Full-width Latin letters belong in matcher tests, not in the corpus: they would hide what is tested.
    for e in ENTRIES:
        latin = re.findall(r"[Ａ-Ｚａ-ｚ]", e.title + e.text)
        assert latin == [], f"{e.id}: full-width Latin {latin}"
        assert unicodedata.is_normalized("NFC", e.title + e.text), e.id


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_enough_positives_in_both_languages(topic: str) -> None:
    positives = [e for e in ENTRIES if topic in e.labels]
    assert len(positives) >= MIN_POSITIVES
    langs = Counter(e.lang for e in positives)
    assert langs["en"] >= MIN_POSITIVES_PER_LANG, langs
    assert langs["ja"] >= MIN_POSITIVES_PER_LANG, langs


def test_plenty_of_negatives() -> None:
    negatives = [e for e in ENTRIES if not e.labels]
    assert len(negatives) >= len(ENTRIES) // 3
    assert Counter(e.lang for e in negatives)["ja"] >= 25


def test_every_tuning_file_is_loaded_and_holds_both_languages_positives_and_negatives() -> None:
    # Each file is a separate writer's set (relevance.yaml, relevance_more.yaml, relevance_hard.yaml,
    # relevance_third.yaml, relevance_fourth.yaml, relevance_fifth.yaml, relevance_sixth.yaml,
    # relevance_seventh.yaml, relevance_eighth.yaml, relevance_ninth.yaml, relevance_tenth.yaml): each must load
    # through the bench's loader and be a balanced set on its own.
    files = {p.name for p in Path(DEFAULT_CORPUS).glob("*.y*ml")}
    assert {
        "relevance.yaml",
        "relevance_hard.yaml",
        "relevance_third.yaml",
        "relevance_fourth.yaml",
        "relevance_fifth.yaml",
        "relevance_sixth.yaml",
        "relevance_seventh.yaml",
        "relevance_eighth.yaml",
        "relevance_ninth.yaml",
        "relevance_tenth.yaml",
    } <= files
    by_file: dict[str, list[Entry]] = {}
    for e in ENTRIES:
        by_file.setdefault(e.file, []).append(e)
    assert set(by_file) == files
    for name, entries in by_file.items():
        assert {e.lang for e in entries} == {"en", "ja"}, name
        assert any(e.labels for e in entries), f"{name}: no positives"
        assert any(not e.labels for e in entries), f"{name}: no negatives"


def test_third_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    third = [e for e in ENTRIES if e.file == "relevance_third.yaml"]
    assert len(third) >= 200
    assert [e.id for e in third if not e.id.startswith("t3-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t3-") and e.file != "relevance_third.yaml"] == []
    for topic in TOPICS:
        langs = Counter(e.lang for e in third if topic in e.labels)
        assert langs["en"] >= 5 and langs["ja"] >= 5, (topic, langs)


def test_fourth_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_fourth.yaml: written from the guidelines alone (no queries read, the matcher not run on it
    # while writing), so its figures tell how the rules do on new text.
    fourth = [e for e in ENTRIES if e.file == "relevance_fourth.yaml"]
    assert len(fourth) >= 300
    assert [e.id for e in fourth if not e.id.startswith("t4-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t4-") and e.file != "relevance_fourth.yaml"] == []
    for topic in TOPICS:
        langs = Counter(e.lang for e in fourth if topic in e.labels)
        assert langs["en"] >= 5 and langs["ja"] >= 5, (topic, langs)
    negatives = [e for e in fourth if not e.labels]
    assert len(negatives) >= len(fourth) // 3
    assert {e.lang for e in negatives} == {"en", "ja"}


def test_fifth_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_fifth.yaml: like the fourth, written from the guidelines alone (no queries or monitor/ code
    # read, the matcher not run on it while writing), weighted toward new voices for investment and tariffs.
    fifth = [e for e in ENTRIES if e.file == "relevance_fifth.yaml"]
    assert len(fifth) >= 320
    assert [e.id for e in fifth if not e.id.startswith("t5-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t5-") and e.file != "relevance_fifth.yaml"] == []
    for topic in TOPICS:
        langs = Counter(e.lang for e in fifth if topic in e.labels)
        assert langs["en"] >= 5 and langs["ja"] >= 5, (topic, langs)
    negatives = [e for e in fifth if not e.labels]
    assert len(negatives) >= len(fifth) * 35 // 100
    assert {e.lang for e in negatives} == {"en", "ja"}


def test_sixth_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_sixth.yaml: written blind to the queries like the fourth and fifth, weighted toward defense
    # spending (English, Japan named indirectly), investment in both directions, and tariff, FMS and LNG traps.
    sixth = [e for e in ENTRIES if e.file == "relevance_sixth.yaml"]
    assert len(sixth) >= 340
    assert [e.id for e in sixth if not e.id.startswith("t6-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t6-") and e.file != "relevance_sixth.yaml"] == []
    for topic in TOPICS:
        langs = Counter(e.lang for e in sixth if topic in e.labels)
        assert langs["en"] >= 5 and langs["ja"] >= 5, (topic, langs)
    negatives = [e for e in sixth if not e.labels]
    assert len(negatives) >= len(sixth) * 40 // 100
    assert {e.lang for e in negatives} == {"en", "ja"}


def test_seventh_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_seventh.yaml: written blind to the queries like the fourth to sixth, weighted toward
    # investment recall (US sites and Japanese firms named indirectly), tariff precision (duties without
    # the word, "tariffs" that are not Japan-US) and defense spending both ways.
    seventh = [e for e in ENTRIES if e.file == "relevance_seventh.yaml"]
    assert len(seventh) >= 340
    assert [e.id for e in seventh if not e.id.startswith("t7-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t7-") and e.file != "relevance_seventh.yaml"] == []
    for topic in TOPICS:
        langs = Counter(e.lang for e in seventh if topic in e.labels)
        assert langs["en"] >= 5 and langs["ja"] >= 5, (topic, langs)
    negatives = [e for e in seventh if not e.labels]
    assert len(negatives) >= len(seventh) * 40 // 100
    assert {e.lang for e in negatives} == {"en", "ja"}


def test_eighth_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_eighth.yaml: written blind to the queries like the fourth to seventh, weighted toward
    # English investment recall (plants, campuses, stakes and jobs releases with Japan named only by the
    # company), English defense spending both ways (outlays without "defense budget"; other countries'
    # budgets, contractor earnings) and English tariff precision (feed-in, utility, hotel, telecom, port
    # "tariffs", HS codes, other countries' duties).
    eighth = [e for e in ENTRIES if e.file == "relevance_eighth.yaml"]
    assert len(eighth) >= 340
    assert [e.id for e in eighth if not e.id.startswith("t8-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t8-") and e.file != "relevance_eighth.yaml"] == []
    for topic in TOPICS:
        langs = Counter(e.lang for e in eighth if topic in e.labels)
        assert langs["en"] >= 5 and langs["ja"] >= 5, (topic, langs)
    negatives = [e for e in eighth if not e.labels]
    assert len(negatives) >= len(eighth) * 40 // 100
    assert {e.lang for e in negatives} == {"en", "ja"}
    assert Counter(e.lang for e in eighth)["en"] >= len(eighth) // 2


def test_ninth_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_ninth.yaml: written blind to the queries like the fourth to eighth, a smaller set weighted
    # toward japan-defense-spending both ways (GDP targets, the buildup plan, funding sources, munitions,
    # ships, counterstrike, pay, host-nation support; other countries' budgets, contractor earnings, drills,
    # "defend" in sport and currency, Japan's non-defense budgets) with a normal mix of the other topics.
    ninth = [e for e in ENTRIES if e.file == "relevance_ninth.yaml"]
    assert len(ninth) >= 170
    assert [e.id for e in ninth if not e.id.startswith("t9-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t9-") and e.file != "relevance_ninth.yaml"] == []
    defense = [e for e in ninth if e.id.startswith("t9-def-")]
    assert len(defense) >= len(ninth) // 2, "defense-weighted"
    for lang in ("en", "ja"):
        assert sum(1 for e in defense if e.lang == lang and e.labels) >= 20, lang
        assert sum(1 for e in defense if e.lang == lang and not e.labels) >= 15, lang
    for topic in TOPICS:
        langs = Counter(e.lang for e in ninth if topic in e.labels)
        assert langs["en"] >= 2 and langs["ja"] >= 2, (topic, langs)
    negatives = [e for e in ninth if not e.labels]
    assert len(negatives) >= len(ninth) * 40 // 100
    assert {e.lang for e in negatives} == {"en", "ja"}
    assert Counter(e.lang for e in ninth)["en"] >= len(ninth) // 2


def test_tenth_set_ids_carry_its_prefix_and_no_other_file_uses_it() -> None:
    # relevance_tenth.yaml: written blind to the queries like the fourth to ninth, weighted toward English
    # japan-defense-spending both ways (wire, US-official and think-tank copy: outlays, funding sources, the
    # GDP ratio, what the money buys; other countries' budgets naming Japan, Pentagon money for bases and yards
    # in Japan, NATO lists, contractor sales, drills, non-defense budgets, sport and currency "defense").
    tenth = [e for e in ENTRIES if e.file == "relevance_tenth.yaml"]
    assert len(tenth) >= 220
    assert [e.id for e in tenth if not e.id.startswith("t10-")] == []
    assert [e.id for e in ENTRIES if e.id.startswith("t10-") and e.file != "relevance_tenth.yaml"] == []
    defense = Counter(e.lang for e in tenth if "japan-defense-spending" in e.labels)
    assert defense["en"] >= 70 and defense["ja"] >= 20, defense
    assert sum(1 for e in tenth if _trap_kind(e) == "other-country-defense") >= 15
    for topic in TOPICS:
        langs = Counter(e.lang for e in tenth if topic in e.labels)
        assert langs["en"] >= 2 and langs["ja"] >= 2, (topic, langs)
    negatives = [e for e in tenth if not e.labels]
    assert len(negatives) >= len(tenth) * 35 // 100
    assert {e.lang for e in negatives} == {"en", "ja"}
    assert Counter(e.lang for e in tenth)["en"] >= len(tenth) * 2 // 3


# --------------------------------------------------------------------------------------------------
# notes and traps


def test_notes_say_trap_or_borderline_in_the_documented_form() -> None:
    for e in ENTRIES:
        if e.note.startswith("trap"):
            kind = _trap_kind(e)
            assert kind in TRAP_KINDS, f"{e.id}: write 'trap (KIND): why', KIND one of {sorted(TRAP_KINDS)}"


def test_traps_are_labelled_with_no_topic_or_explain_themselves() -> None:
    # A trap is written to catch a false alarm: for the topic it baits, it must be a negative. Every trap
    # in this corpus baits all five topics' vocabulary at once, so none carries a label.
    assert [e.id for e in ENTRIES if _trap_kind(e) and e.labels] == []


def test_required_traps_are_present() -> None:
    guam = [e for e in _traps("imperial-japan") if "Guam" in e.title and "Imperial Japan" in e.text]
    assert guam, "a Guam liberation message mentioning 'Imperial Japan'"

    jal = [e for e in _traps("japan-airlines") if "Japan Airlines" in e.title + e.text]
    assert len(jal) >= 2, "'Japan Airlines' items"

    other_fms = [e for e in _traps("other-country-fms") if "Foreign Military Sale" in e.text]
    assert len(other_fms) >= 8, "DSCA-style FMS notices for other countries"
    incidental = [e for e in other_fms if "Japan" in e.text]
    assert len(incidental) >= 3, "other-country FMS notices that mention Japan in passing"

    listed = [e for e in _traps("listed-among-many") if re.search(r"tariff|関税", e.title + e.text, re.I)]
    assert len(listed) >= 3, "tariffs that list Japan among many"
    assert {e.lang for e in listed} == {"en", "ja"}

    for kind in ("boj", "other-country-tariff", "other-country-lng", "other-country-investment"):
        assert _traps(kind), kind
    assert [e for e in _traps("other-country-defense")], "defense spending of other countries"


def test_borderline_positives_named_in_the_issue_are_present() -> None:
    def positive(topic: str, *needles: str) -> bool:
        return any(topic in e.labels and all(n in e.title + e.text for n in needles) for e in ENTRIES)

    assert positive("japan-us-investment", "Nippon Steel", "U.S. Steel")
    assert positive("japan-us-investment", "日本製鉄", "USスチール")
    assert any(
        "japan-us-investment" in e.labels
        and "$550 billion" in e.title + e.text
        and "investment" not in (e.title + e.text).lower()
        for e in ENTRIES
    ), "'$550 billion' without the word 'investment'"
    assert positive("japan-us-investment", "対米投資")
    assert positive("japan-defense-spending", "防衛費", "GDP比2%")
    assert positive("us-lng-japan", "米国産LNG")
    assert positive("tariffs-japan", "自動車関税", "15%")


# --------------------------------------------------------------------------------------------------
# the shipped topics against the traps (what holds today; the lead's query matcher should keep it)


# Traps that the shipped topics fire fms-japan on today (the fifth file's US sale to Korea "日本と同型" left
# when 日本と同型 was masked as a comparison; the seventh file's US military construction for F-35 hangars at
# a base in Japan and US sale to the Philippines "日本との連携も視野" left when a US base "in northern Japan"
# and Japan as another buyer's partner were masked). Strict xfail: each fails this file the day the topics
# stop firing on it, and must then leave this list. The twelfth file's Philippine budget for coastal radars
# "supplied under Japan's official security assistance program" (t12-042) left when the ninth tuning session
# masked Japan's Official Security Assistance out of @fms. The thirteenth (held-out) file's two commercial
# purchases from non-US suppliers that say they do not go through the US government (an Israeli drone "rather
# than through the U.S. government", a British radar "米政府を通す有償援助は使わない") fire today; written
# blind to the rules and recorded as found, not reworded to pass.
KNOWN_FMS_TRAP_MISSES: set[str] = {"t13-081", "t13-091"}


def _trap_params() -> list[object]:
    out: list[object] = []
    for e in ENTRIES:
        if _trap_kind(e) is None or e.labels:
            continue
        marks = []
        if e.id in KNOWN_FMS_TRAP_MISSES:
            marks.append(pytest.mark.xfail(strict=True, reason="fires fms-japan today"))
        out.append(pytest.param(e.id, id=e.id, marks=marks))
    return out


def test_known_fms_trap_misses_are_traps() -> None:
    assert {e.id for e in ENTRIES if e.id in KNOWN_FMS_TRAP_MISSES and _trap_kind(e)} == KNOWN_FMS_TRAP_MISSES


@pytest.mark.parametrize("entry_id", _trap_params())
def test_traps_do_not_fire_fms_japan(entry_id: str) -> None:
    e = BY_ID[entry_id]
    assert "fms-japan" not in pressmon_matches(e.title, e.text, e.source, e.lang)


# The tenth file's japan-defense-spending figures with the shipped topics, at what they reach today (TP 94,
# FP 1, FN 2 of 96 positives): a change that loses one of its items fails here. Raise the floor with the
# topics, never lower it to pass.
TENTH_DEFENSE_FLOOR = {"precision": 94 / 95, "recall": 94 / 96}


def test_tenth_file_defense_spending_holds_its_tuned_precision_and_recall() -> None:
    topic = "japan-defense-spending"
    tp = fp = fn = 0
    for e in ENTRIES:
        if e.file != "relevance_tenth.yaml":
            continue
        fired = topic in pressmon_matches(e.title, e.text, e.source, e.lang)
        tp += fired and topic in e.labels
        fp += fired and topic not in e.labels
        fn += not fired and topic in e.labels
    assert tp / (tp + fp) >= TENTH_DEFENSE_FLOOR["precision"], (tp, fp, fn)
    assert tp / (tp + fn) >= TENTH_DEFENSE_FLOOR["recall"], (tp, fp, fn)

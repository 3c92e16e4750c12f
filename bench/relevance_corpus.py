"""The labelled relevance corpus as bench/relevance.py reads it: entries, files, held-out sets, sources.

A corpus is a YAML file (a mapping with an ``entries`` list, or a bare list) or a directory of them.
A file whose top level carries ``held_out: true`` is a held-out set being written or scored blind to the
rules: a directory load with ``skip_held_out`` leaves it out (and says so), while the file named on its
own is always loaded (``bench/relevance.py --corpus tests/corpus/relevance_twelfth.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "corpus"

# The corpus ``source`` field names the kind of source an entry imitates; the daemon knows the concepts
# a configured source implies (``implies:`` in feeds.yaml). This table is the bench's stand-in: the
# voices of the Japanese government imply @japan_state (so @japan too), those of the US government
# imply @us; Japan's own news outlets imply only the weaker @japan_press (README "Topic queries").
# Foreign outlets and agencies that report on other countries (JETRO, JBIC) imply nothing.
SOURCE_IMPLIES: dict[str, tuple[str, ...]] = {
    "kantei": ("japan_state",),
    "mofa": ("japan_state",),
    "meti": ("japan_state",),
    "mod": ("japan_state",),
    "mof": ("japan_state",),
    "whitehouse": ("us",),
    "ustr": ("us",),
    "dsca": ("us",),
    "state": ("us",),
    "commerce": ("us",),
    "doe": ("us",),
    "cbp": ("us",),
    "usitc": ("us",),
    "federal-register": ("us",),
    # Japan's own outlets (English and Japanese editions, national and regional papers, broadcasters)
    # imply @japan_press, as nikkei-asia, japan-times and kyodo-en do in feeds.yaml. Generic voices
    # ("newspaper", "wire") and foreign outlets' Japanese editions (bloomberg-ja) imply nothing.
    "nikkei": ("japan_press",),
    "nikkei-asia": ("japan_press",),
    "nhk": ("japan_press",),
    "nhk-world": ("japan_press",),
    "kyodo": ("japan_press",),
    "kyodo-en": ("japan_press",),
    "kyodo-ja": ("japan_press",),
    "jiji": ("japan_press",),
    "japan-times": ("japan_press",),
    "asahi": ("japan_press",),
    "asahi-en": ("japan_press",),
    "yomiuri": ("japan_press",),
    "yomiuri-en": ("japan_press",),
    "mainichi": ("japan_press",),
    "mainichi-en": ("japan_press",),
    "sankei": ("japan_press",),
    "chunichi": ("japan_press",),
    "tokyo-np": ("japan_press",),
    "nikkan-kogyo": ("japan_press",),
    "denki-shimbun": ("japan_press",),
    "okinawa-times": ("japan_press",),
    "ryukyu-shimpo": ("japan_press",),
    "hokkaido-np": ("japan_press",),
    "nishinippon": ("japan_press",),
    "chugoku-shimbun": ("japan_press",),
    "chugoku-np": ("japan_press",),
    "kahoku": ("japan_press",),
    "kanagawa-shimbun": ("japan_press",),
    "shizuoka-shimbun": ("japan_press",),
    "shimotsuke": ("japan_press",),
    "sanyo-shimbun": ("japan_press",),
    "sakigake": ("japan_press",),
    "miyazaki-nichinichi": ("japan_press",),
    "minami-nippon": ("japan_press",),
    "kumamoto-nichinichi": ("japan_press",),
    "nihon-nogyo": ("japan_press",),
    "nikkan-jidosha": ("japan_press",),
    "chubu-keizai": ("japan_press",),
    "toyo-keizai": ("japan_press",),
    "tbs": ("japan_press",),
    "local-news-ja": ("japan_press",),
    "japan-forward": ("japan_press",),
}

__all__ = [
    "DEFAULT_CORPUS",
    "SOURCE_IMPLIES",
    "Corpus",
    "Entry",
    "is_held_out",
    "load_corpus",
    "read_corpus",
]


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    source: str
    lang: str
    title: str
    text: str
    labels: frozenset[str]
    note: str
    file: str


@dataclass(frozen=True, slots=True)
class Corpus:
    entries: list[Entry]
    skipped: list[str]  # names of the held-out files a directory load left out


def _corpus_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def is_held_out(data: object) -> bool:
    """True for a corpus file's parsed YAML whose top level says ``held_out: true``."""
    return isinstance(data, dict) and data.get("held_out") is True


def read_corpus(path: str | Path = DEFAULT_CORPUS, *, skip_held_out: bool = False) -> Corpus:
    """Every entry of a corpus file, or of all ``*.yaml`` files in a corpus directory, in file order.

    With ``skip_held_out``, a directory's files marked ``held_out: true`` are left out and named in
    ``skipped``; a single file is read whatever it says. Raises ValueError naming the file and entry for
    a missing or mistyped field; the finer checks live in tests/test_corpus.py.
    """
    path = Path(path)
    entries: list[Entry] = []
    skipped: list[str] = []
    files = _corpus_files(path)
    if not files:
        raise ValueError(f"{path}: no corpus files (*.yaml)")
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if skip_held_out and path.is_dir() and is_held_out(data):
            skipped.append(file.name)
            continue
        items = data.get("entries") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ValueError(f"{file}: expected a list of entries (or a mapping with 'entries')")
        for i, item in enumerate(items):
            where = f"{file}: entries[{i}]"
            if not isinstance(item, dict):
                raise ValueError(f"{where}: expected a mapping")
            for key in ("id", "source", "lang", "title", "text"):
                if not isinstance(item.get(key), str):
                    raise ValueError(f"{where}: '{key}' must be text")
            labels = item.get("labels")
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise ValueError(f"{where} ({item['id']}): 'labels' must be a list of topic ids")
            note = item.get("note", "")
            entries.append(
                Entry(
                    id=item["id"],
                    source=item["source"],
                    lang=item["lang"],
                    title=item["title"],
                    text=item["text"],
                    labels=frozenset(labels),
                    note=note if isinstance(note, str) else str(note),
                    file=file.name,
                )
            )
    return Corpus(entries, skipped)


def load_corpus(path: str | Path = DEFAULT_CORPUS, *, skip_held_out: bool = False) -> list[Entry]:
    """The entries of :func:`read_corpus` (all files unless ``skip_held_out``)."""
    return read_corpus(path, skip_held_out=skip_held_out).entries

"""bench/relevance.py leaves held-out corpus files (`held_out: true`) out of a directory load, and says so.

A file named on its own with --corpus is scored whatever it says; tests/test_corpus.py still checks every
file's shape (it loads the directory without skipping).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.relevance import main
from bench.relevance_corpus import load_corpus, read_corpus


def _write(path: Path, ids: list[str], *, held_out: bool | None) -> None:
    head = "" if held_out is None else f"held_out: {'true' if held_out else 'false'}\n"
    body = "".join(
        f'  - id: {i}\n    source: reuters\n    lang: en\n    title: "t {i}"\n    text: "x {i}"\n    labels: []\n'
        for i in ids
    )
    path.write_text(f"{head}entries:\n{body}", encoding="utf-8")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    _write(tmp_path / "a.yaml", ["a-1", "a-2"], held_out=None)
    _write(tmp_path / "b.yaml", ["b-1"], held_out=True)
    _write(tmp_path / "c.yaml", ["c-1"], held_out=False)
    return tmp_path


def test_directory_load_skips_held_out_files_and_names_them(corpus: Path) -> None:
    got = read_corpus(corpus, skip_held_out=True)
    assert [e.id for e in got.entries] == ["a-1", "a-2", "c-1"]
    assert got.skipped == ["b.yaml"]


def test_without_skipping_every_file_is_read(corpus: Path) -> None:
    assert [e.id for e in load_corpus(corpus)] == ["a-1", "a-2", "b-1", "c-1"]


def test_a_held_out_file_named_alone_is_read(corpus: Path) -> None:
    got = read_corpus(corpus / "b.yaml", skip_held_out=True)
    assert [e.id for e in got.entries] == ["b-1"]
    assert got.skipped == []


def test_main_prints_the_skipped_files(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--blind", "", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("skipped held-out corpus files")
    assert "b.yaml" in out.splitlines()[0]
    assert "tuning: 3 items" in out


def test_main_scores_a_held_out_file_passed_explicitly(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--blind", "", "--corpus", str(corpus / "b.yaml")]) == 0
    out = capsys.readouterr().out
    assert "skipped" not in out
    assert "tuning: 1 items" in out

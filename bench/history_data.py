"""A deterministic stored history for bench/replay.py: N revisions over 90 days from 30 sources.

Press-release-like texts from bench/match.py's generators (English ~80%, Japanese ~20%, a minority with
topic sentences and traps); one poll stores 1-4 revisions; ~8% of revisions edit an earlier item of the
same source; ~3% of new items are near-copies of another source's recent item (stories). Written with
bulk inserts and the real index writer (``monitor.store.search_index.index_revisions``); the database is
cached by (n, seed) so a rerun measures without regenerating.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.match import JA_HOT, english_text
from monitor.store.engine import make_engine
from monitor.store.migrate import upgrade
from monitor.store.models import ItemRow, RevisionRow, SourceRow
from monitor.store.search_index import index_revisions
from monitor.story_text import fingerprint
from monitor.text import normalise_for_hash

END = datetime(2026, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=90)
SOURCES = [(f"src{i:02d}", "ja" if i % 5 == 0 else "en") for i in range(30)]


_KANJI = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
_KANA = [chr(c) for c in range(0x3042, 0x3093)]
_PARTICLES = ["は", "が", "を", "に", "で", "と", "の", "について", "により", "から"]


def _ja_vocab(rng: random.Random) -> list[str]:
    return ["".join(rng.choice(_KANJI) for _ in range(rng.randint(1, 3))) for _ in range(6000)]


def japanese_text(rng: random.Random, vocab: list[str], size: int) -> tuple[str, str]:
    """Japanese-looking text from a 6,000-word vocabulary (bench/match.py's 35 words would make every
    Japanese text a near-duplicate of every other)."""
    parts: list[str] = []
    while sum(len(p) for p in parts) < size:
        if rng.random() < 0.03:
            parts.append(rng.choice(JA_HOT))
            continue
        words = [rng.choice(vocab) + rng.choice(_PARTICLES) for _ in range(rng.randint(4, 9))]
        parts.append("".join(words) + rng.choice(_KANA) + "。")
    title = "".join(rng.choice(vocab) for _ in range(4))
    return title, "".join(parts)[:size]


def _hash(title: str, text: str) -> str:
    return hashlib.sha256(normalise_for_hash(title + "\n" + text).encode()).hexdigest()


def generate(url: str, n: int, seed: int, *, log: bool = True) -> None:
    rng = random.Random(seed)
    vocab = _ja_vocab(rng)
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(SourceRow),
            [
                {"id": s, "kind": "feed", "url": f"https://example.org/{s}.xml", "next_due": END}
                for s, _ in SOURCES
            ],
        )
    step = SPAN / n
    at = END - SPAN
    done = 0
    next_item = 1
    next_rev = 1
    # per source: (item id, key, title, text, seq) of its recent items, for edits
    items_of: dict[str, list[tuple[int, str, str, str, int]]] = {s: [] for s, _ in SOURCES}
    recent: list[tuple[str, str, str]] = []  # (source, title, text) of recent new items, for copies
    t0 = time.perf_counter()
    while done < n:
        item_rows, rev_rows, updates = [], [], []
        batch_end = min(n, done + 20_000)
        while done < batch_end:
            sid, lang = SOURCES[rng.randrange(len(SOURCES))]
            at += step * rng.randint(1, 4)
            k = min(rng.randint(1, 4), batch_end - done)
            for _ in range(k):
                mine = items_of[sid]
                if mine and rng.random() < 0.08:  # an edit of an earlier item
                    j = rng.randrange(max(0, len(mine) - 50), len(mine))
                    item_id, key, title, text, seq = mine[j]
                    words = text.split(" ")
                    words[rng.randrange(len(words))] = rng.choice(["$1.2 billion", "2027", "not", "Tokyo"])
                    text = " ".join(words)
                    seq += 1
                    mine[j] = (item_id, key, title, text, seq)
                    updates.append({"id": item_id, "revision_count": seq, "content_hash": _hash(title, text)})
                else:
                    if recent and rng.random() < 0.03:  # a near-copy of another source's statement
                        _, title, text = recent[rng.randrange(len(recent))]
                        text = "Reported: " + text[: int(len(text) * 0.8)]
                    elif lang == "ja":
                        title, text = japanese_text(rng, vocab, rng.randint(150, 400))
                    else:
                        title, text = english_text(rng, rng.randint(300, 1000))
                    item_id, key, seq = next_item, f"g:{next_item}", 1
                    next_item += 1
                    mine.append((item_id, key, title, text, seq))
                    if len(mine) > 200:
                        del mine[:100]
                    recent.append((sid, title, text))
                    if len(recent) > 200:
                        del recent[:100]
                    item_rows.append(
                        {
                            "id": item_id, "source_id": sid, "item_key": key, "key_kind": "guid", "guid": key,
                            "canonical_url": f"https://example.org/{sid}/{item_id}", "title": title,
                            "published_at": at, "first_seen_at": at, "last_seen_at": at, "revision_count": 1,
                            "content_hash": _hash(title, text), "story_id": item_id, "lang": lang,
                            "fingerprint": fingerprint(title, text),
                        }
                    )  # fmt: skip
                rev_rows.append(
                    {
                        "id": next_rev, "item_id": item_id, "seq": seq, "fetched_at": at, "title": title,
                        "text": text, "content_hash": _hash(title, text),
                    }
                )  # fmt: skip
                next_rev += 1
                done += 1
        with engine.begin() as conn:
            if item_rows:
                conn.execute(sa.insert(ItemRow), item_rows)
            conn.execute(sa.insert(RevisionRow), rev_rows)
            for u in updates:
                conn.execute(
                    sa.update(ItemRow)
                    .where(ItemRow.id == u["id"])
                    .values(  # type: ignore[arg-type]
                        revision_count=u["revision_count"], content_hash=u["content_hash"]
                    )
                )
            index_revisions(conn, [(r["id"], r["title"], r["text"]) for r in rev_rows])
        if log:
            print(f"  generated {done:,}/{n:,} revisions ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO revision_fts(revision_fts) VALUES ('optimize')")
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()

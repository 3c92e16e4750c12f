"""History benchmark: replay, search and export over a generated archive, against baselines in the same run.

Run ``.venv/bin/python bench/replay.py [--n 1000000] [--seed 7] [--replay-n 50000] [--jobs 2]``. The
archive (bench/history_data.py: N revisions over 90 days, 30 sources, ~20% Japanese) is generated once
per (n, seed) into ``--db`` (a SQLite file; ``--db postgresql+psycopg://...`` works too) and reused.

Measured (wall time; the machine is shared, so read the ratios):

- **replay**: ``monitor.replay.replay`` with the shipped feeds.yaml topics over the first ``--replay-n``
  revisions (rev/s), in one process and as ``pressmon replay --jobs`` runs it (``monitor.replay_jobs``:
  windows of about as many revisions, each from the story candidates stored before it, as a replay
  starting mid-history does, redone from the first boundary where those differ from what the window
  before decided: on this generated archive they always do), and as one process deciding stories with
  ``--jobs - 1`` processes matching and preparing revisions ahead of it (``monitor.replay_prepare``:
  what ``--jobs`` runs below the windows' size and when it replays windows again). Baselines: reading the
  same rows with plain SQL; the compiled matcher alone; the naive per-pattern matcher
  (``monitor.match.reference``), timed on as many documents as 20 s allow.
- **search**: ``monitor.search.search`` (limit 20) for English and Japanese queries, cold (a new
  process-level engine, first run of each query) and warm (repeats); p50/p95 in ms. Baseline: the
  same phrase found with ``LIKE '%...%'`` over the revisions (a full scan).
- **export**: ``pressmon export --what items --format jsonl``'s path (each row serialised by the
  database) to /dev/null in a child process (rows/s, peak RSS), over all items and over a tenth of them
  (flat memory: the same peak); the same rows through Python dicts (CSV's path). Baseline: plain SQL
  iteration of the same rows.

Targets (issue 7): replay >= 50,000 rev/s; search p95 <= 200 ms cold and warm over 1M revisions;
export >= 100,000 rows/s with flat memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
import yaml

from bench.history_data import END, SPAN, generate
from monitor.config.loader import load_config_text
from monitor.config.schema import Config
from monitor.resources import bundled_path
from monitor.store.engine import make_engine

EN_QUERIES = [
    '"Foreign Military Sale" Japan',
    "tariff* AND Japan",
    "Japan NEAR/10 investment",
    '"Section 232"',
]
JA_QUERIES = ["関税", "対米投資", "日米 AND 関税", "液化天然ガス"]


def _stored(url: str) -> int:
    """Revisions already in a (PostgreSQL) database: a generated archive of this size is reused."""
    e = make_engine(url)
    try:
        with e.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM revision")).scalar() or 0)
    except sa.exc.SQLAlchemyError:
        return 0
    finally:
        e.dispose()


def bench_config() -> Config:
    cfg: dict[str, Any] = yaml.safe_load(bundled_path("feeds.yaml").read_text(encoding="utf-8"))
    cfg["sources"] = [{"id": f"src{i:02d}", "url": f"https://example.org/src{i:02d}.xml"} for i in range(30)]
    cfg["receivers"] = {"console": {"kind": "console"}}
    cfg["routes"] = [{"to": ["console"]}]
    cfg.pop("digests", None)
    return load_config_text(yaml.safe_dump(cfg, allow_unicode=True), filename="feeds.yaml (bench)")


def _cut(url: str, n: int) -> datetime:
    """The fetched_at of revision n (in stored order): the end of a replay slice of n revisions."""
    e = make_engine(url)
    with e.connect() as conn:
        row = conn.execute(
            sa.text("SELECT fetched_at FROM revision ORDER BY fetched_at, id LIMIT 1 OFFSET :n"), {"n": n}
        ).first()
    e.dispose()
    from monitor.store.models import UTCDateTime

    if row is None:
        return END + timedelta(days=1)
    value = row[0]
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value.replace(tzinfo=None), None)  # type: ignore[arg-type]


def _replay_slice(url: str, since: datetime, until: datetime) -> tuple[int, int, float, float]:
    from monitor.replay import replay

    e = make_engine(url)
    seen = 0

    def count(_rev: Any, _w: Any) -> None:
        nonlocal seen
        seen += 1

    t0, c0 = time.perf_counter(), time.process_time()
    alerts = sum(1 for _ in replay(e, bench_config(), since=since, until=until, on_write=count))
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    e.dispose()
    return seen, alerts, took, cpu


def bench_replay(url: str, n: int, jobs: int) -> list[tuple[str, str]]:
    from monitor.match.matcher import Doc, Matcher, TopicQuery
    from monitor.match.reference import ReferenceMatcher
    from monitor.match.topics import concept_defs, topic_query

    start, until = END - SPAN - timedelta(days=1), _cut(url, n)
    e = make_engine(url)
    t0 = time.perf_counter()
    with e.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT r.id, r.title, r.text, i.source_id, i.lang FROM revision r "
                "JOIN item i ON i.id = r.item_id ORDER BY r.fetched_at, r.id LIMIT :n"
            ),
            {"n": n},
        ).all()
    plain = len(rows) / (time.perf_counter() - t0)
    e.dispose()
    config = bench_config()
    defs = concept_defs(config.concepts)
    topics = [TopicQuery(t.id, t.title or t.id, topic_query(t, defs)) for t in config.topics]
    docs = [Doc(title=r[1], text=r[2], source=r[3], lang=r[4]) for r in rows[:5000]]
    m = Matcher(topics)
    t0 = time.perf_counter()
    for d in docs:
        m.match(d)
    compiled = len(docs) / (time.perf_counter() - t0)
    ref = ReferenceMatcher(topics)
    # The naive matcher scans every pattern (and every mask of a concept's terms) per document: tens of
    # milliseconds to seconds a document on the shipped topics. Timed on as many as 20 s allow (10 at least).
    t0 = time.perf_counter()
    sampled = 0
    for d in docs[:1000]:
        ref.match_ids(d)
        sampled += 1
        if sampled >= 10 and time.perf_counter() - t0 > 20:
            break
    naive = sampled / (time.perf_counter() - t0)

    seen, alerts, took, cpu = _replay_slice(url, start, until)
    one = seen / took
    # Several processes, as `pressmon replay --jobs` runs them (monitor.replay_jobs: windows of about as
    # many revisions, each from the stories stored before it).
    from monitor.replay import replay
    from monitor.replay_jobs import replay_jobs

    e = make_engine(url)
    t0 = time.perf_counter()
    redone: list[str] = []
    many_alerts = replay_jobs(
        e,
        bench_config(),
        since=start,
        until=until,
        jobs=jobs,
        total=seen,
        min_per_job=1,
        notice=redone.append,
    )
    wall = time.perf_counter() - t0
    many = seen / wall
    # One process deciding, jobs - 1 preparing ahead of it (monitor.replay_prepare: what `--jobs` does
    # below the windows' size and when it replays windows again).
    t0 = time.perf_counter()
    prepared_alerts = sum(1 for _ in replay(e, bench_config(), since=start, until=until, workers=jobs - 1))
    ahead = seen / (time.perf_counter() - t0)
    e.dispose()
    return [
        (
            "replay, 1 process",
            f"{one:,.0f} rev/s wall, {seen / cpu:,.0f} per CPU second "
            f"({seen:,} revisions, {alerts:,} alerts)",
        ),
        (
            f"replay, {jobs} processes",
            f"{many:,.0f} rev/s ({len(many_alerts):,} alerts; "
            + (
                "windows redone: the archive's stored stories are not this version's)"
                if redone
                else "windows stood)"
            ),
        ),
        (
            f"replay, 1 deciding + {jobs - 1} preparing",
            f"{ahead:,.0f} rev/s ({prepared_alerts:,} alerts; exact on any history)",
        ),
        (
            "  baseline: plain SQL read of the same rows",
            f"{plain:,.0f} rows/s  (replay = {one / plain:.3f}x)",
        ),
        ("  baseline: compiled matcher alone", f"{compiled:,.0f} docs/s  (replay = {one / compiled:.2f}x)"),
        (
            "  baseline: naive per-pattern matcher",
            f"{naive:,.1f} docs/s on {sampled:,}  (replay = {one / naive:.1f}x)",
        ),
        ("  target >= 50,000 rev/s", "met" if max(one, many) >= 50_000 else "NOT met"),
    ]


def _search_times(url: str, queries: list[str], repeat: int) -> tuple[list[float], list[float], int]:
    from monitor.search import search

    e = make_engine(url)
    cold, warm, hits = [], [], 0
    for q in queries:
        t0 = time.perf_counter()
        hits += len(search(e, q, limit=20).hits)
        cold.append((time.perf_counter() - t0) * 1000)
        for _ in range(repeat):
            t0 = time.perf_counter()
            search(e, q, limit=20)
            warm.append((time.perf_counter() - t0) * 1000)
    e.dispose()
    return cold, warm, hits


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def bench_search(url: str) -> list[tuple[str, str]]:
    out = []
    with ProcessPoolExecutor(1) as pool:  # a fresh process: a cold engine and SQLite page cache
        results = {
            lang: pool.submit(_search_times, url, qs, 10).result()
            for lang, qs in (("English", EN_QUERIES), ("Japanese", JA_QUERIES))
        }
    worst = 0.0
    for lang, (cold, warm, hits) in results.items():
        worst = max(worst, _p95(cold), _p95(warm))
        out.append(
            (
                f"search {lang} ({len(cold)} queries, {hits} hits)",
                f"cold p95 {_p95(cold):.0f} ms (max {max(cold):.0f}); "
                f"warm p50 {statistics.median(warm):.0f} ms, p95 {_p95(warm):.0f} ms",
            )
        )
    e = make_engine(url)
    t0 = time.perf_counter()
    with e.connect() as conn:
        n = conn.execute(
            sa.text("SELECT COUNT(*) FROM revision WHERE text LIKE '%Foreign Military Sale%'")
        ).scalar()
    like = (time.perf_counter() - t0) * 1000
    e.dispose()
    out.append(("  baseline: LIKE '%Foreign Military Sale%' (full scan)", f"{like:.0f} ms ({n:,} rows)"))
    out.append(
        (
            "  target p95 <= 200 ms cold and warm",
            "met" if worst <= 200 else f"NOT met (worst p95 {worst:.0f} ms)",
        )
    )
    return out


def _export_child(url: str, since: str | None, rows: bool = False) -> dict[str, float]:
    """``pressmon export --format jsonl``'s path (the database serialises each row), or with ``rows`` the
    Python one (a dict per row, as CSV uses)."""
    write = (
        "write_jsonl(export_rows(e,'items',since=since),f)"
        if rows
        else "write_json_lines(json_lines(e,'items',since=since),f)"
    )
    code = (
        "import sys,time,resource,json;sys.path.insert(0,'.');"
        "from datetime import datetime;from monitor.store.engine import make_engine;"
        "from monitor.export import export_rows, json_lines, write_json_lines, write_jsonl;"
        f"e=make_engine({url!r});s={since!r};t=time.perf_counter();c=time.process_time();"
        "since=datetime.fromisoformat(s) if s else None;f=open('/dev/null','w');"
        f"n={write};"
        "d=time.perf_counter()-t;cpu=time.process_time()-c;"
        # VmHWM: this process's own peak (ru_maxrss would include the parent's, inherited at fork)
        "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
        "print(json.dumps({'rows':n,'s':d,'cpu':cpu,'rss_mb':int(hwm)/1024}))"
    )
    root = Path(__file__).resolve().parent.parent
    res = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def bench_export(url: str) -> list[tuple[str, str]]:
    # The plain read first: it also brings the file into the page cache, so the first export timed does
    # not pay for reading it from disk and the others not (the order once decided the ratio).
    e = make_engine(url)
    t0, c0 = time.perf_counter(), time.process_time()
    with e.connect() as conn:
        n = sum(1 for _ in conn.execute(sa.text("SELECT * FROM item")))
    plain, plain_cpu = n / (time.perf_counter() - t0), n / (time.process_time() - c0)
    e.dispose()
    full = _export_child(url, None)
    tenth = _export_child(url, (END - SPAN / 10).isoformat())
    dicts = _export_child(url, None, rows=True)
    rate, cpu_rate = full["rows"] / full["s"], full["rows"] / full["cpu"]
    return [
        (
            "export items as JSON Lines",
            f"{rate:,.0f} rows/s wall, {cpu_rate:,.0f} rows/s per CPU second ({full['rows']:,} rows), "
            f"peak RSS {full['rss_mb']:.0f} MB",
        ),
        (
            "  same, a tenth of the rows",
            f"{tenth['rows']:,} rows, peak RSS {tenth['rss_mb']:.0f} MB (flat: same peak)",
        ),
        (
            "  same rows through Python dicts (CSV's path)",
            f"{dicts['rows'] / dicts['s']:,.0f} rows/s wall, "
            f"{dicts['rows'] / dicts['cpu']:,.0f} per CPU second",
        ),
        (
            "  baseline: plain SQL read of the same rows",
            f"{plain:,.0f} rows/s wall, {plain_cpu:,.0f} per CPU second "
            f"(export = {cpu_rate / plain_cpu:.2f}x)",
        ),
        (
            "  target >= 100,000 rows/s, flat memory",
            ("met" if rate >= 100_000 else "NOT met in wall time")
            + (", met per CPU second" if cpu_rate >= 100_000 else ""),
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="revisions in the archive")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--replay-n", type=int, default=50_000, help="revisions replayed (the first ones)")
    ap.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1))
    ap.add_argument("--db", default=None, help="database URL (default: a SQLite file in /tmp, kept)")
    ap.add_argument("--only", choices=["replay", "search", "export"], action="append")
    args = ap.parse_args()
    url = args.db or f"sqlite:////tmp/pressmon-bench-history-{args.n}-{args.seed}.db"
    marker = Path(url.removeprefix("sqlite:///") + ".done") if url.startswith("sqlite") else None
    if (marker is not None and marker.exists()) or (marker is None and _stored(url) == args.n):
        print(f"reusing the {args.n:,} revisions in {url}", file=sys.stderr)
    else:
        t0 = time.perf_counter()
        generate(url, args.n, args.seed)
        print(f"generated {args.n:,} revisions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if marker is not None:
            marker.write_text("ok")
    rows: list[tuple[str, str]] = []
    only = set(args.only or ["replay", "search", "export"])
    if "replay" in only:
        rows += bench_replay(url, min(args.replay_n, args.n), args.jobs)
    if "search" in only:
        rows += bench_search(url)
    if "export" in only:
        rows += bench_export(url)
    width = max(len(a) for a, _ in rows)
    kind = url.split("://")[0]
    print(f"history bench: {args.n:,} revisions (seed {args.seed}), {kind}, {os.cpu_count()} cores")
    for a, b in rows:
        print(f"{a.ljust(width)}  {b}")
    print(f"(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()

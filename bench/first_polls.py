"""First polls in a row: ``pressmon poll --once`` on a fresh SQLite file, N times over the same corpus, and
whether any of them hit ``database is locked`` or lost a lease (the pipeline issue's "Done when": ten
first polls of the 1,000-source corpus in a row without either).

Run ``.venv/bin/python bench/first_polls.py [--quick] [--sources 1000] [--items 10] [--runs 10]``. Each run
starts from an empty database (migrations included) and must store every source's first poll: the table
counts the runs that exited 0 with an ``ok`` poll_log row for every source and no "locked" or "lease"
line in their output; the notes give each run's time and anything else it logged as an error. The
baseline is the same fetch and parse without pressmon's bookkeeping (httpx + feedparser in one process),
for scale. Read the counts, not the seconds: the machine is shared. See bench/README.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser
import httpx

from bench.feeds import (
    FeedServer,
    Row,
    parse_args,
    poll_log_counts,
    poll_log_errors,
    pressmon_argv,
    pressmon_env,
    print_table,
    run_measured,
    write_config,
)

TROUBLE = re.compile(r"database is locked|lease (?:lost|expired)", re.IGNORECASE)


def baseline_seconds(urls: list[str]) -> float:
    """Fetch and parse every feed once with httpx + feedparser, sequentially: seconds."""
    started = time.perf_counter()
    with httpx.Client(trust_env=False) as client:
        for url in urls:
            feedparser.parse(client.get(url).content)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--runs", type=int, default=10)
    args = parse_args(ap, argv, {"sources": 50, "items": 5, "runs": 2})
    notes: list[str] = []
    clean = 0
    seconds: list[float] = []
    with FeedServer(args.sources, args.items) as feeds, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cfg = write_config(work / "feeds.yaml", feeds.urls)
        base = baseline_seconds(feeds.urls)
        for run in range(1, args.runs + 1):
            db = work / f"run{run}.db"
            log = work / f"run{run}.log"
            took, _, rc = run_measured(pressmon_argv("poll", "--once", "-c", str(cfg)), pressmon_env(db), log)
            seconds.append(took)
            text = log.read_text(errors="replace")
            trouble = sorted({m.group(0).lower() for m in TROUBLE.finditer(text)})
            status = poll_log_counts(db)
            ok = rc == 0 and not trouble and status.get("ok", 0) == args.sources and len(status) == 1
            clean += ok
            line = f"run {run}: {took:.1f} s, exit {rc}, poll_log {status}"
            if trouble:
                line += f", logged: {', '.join(trouble)}"
            errors = poll_log_errors(db)
            if errors:
                line += f", errors: {'; '.join(errors)}"
            notes.append(line)
            db.unlink(missing_ok=True)
    rows = [
        Row(
            f"first polls with no lock error or lease loss, of {args.runs}",
            clean,
            args.runs,
            "runs",
            "all",
            clean == args.runs,
            "runs made",
        ),
        Row(
            "first poll, median wall time",
            sorted(seconds)[len(seconds) // 2],
            base,
            "s",
            "",
            None,
            "httpx + feedparser, one process, sequential",
        ),
    ]
    print_table(
        f"first polls: {args.runs} x `pressmon poll --once` on a fresh database, {args.sources} sources x "
        f"{args.items} items",
        rows,
        notes,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Memory benchmark: peak RSS of pressmon with 1,000 sources (first poll, and the daemon over a run in which
news keeps arriving), its flatness, against a bare fetch-and-parse process on the same feeds, same run.

Run ``.venv/bin/python bench/memory.py [--quick] [--sources 1000] [--items 10] [--minutes 2]``;
``--minutes 60`` is the hour-long flatness run (by hand). Everything measured is a real process:

- first poll: ``pressmon poll --once`` on a fresh SQLite file; peak RSS from ``wait4`` (ru_maxrss);
- baseline: a Python process that fetches every feed with httpx (same concurrency) and parses it with
  feedparser, keeping nothing; peak RSS the same way;
- with the CPU stages in worker processes (``PRESSMON_PARSE_WORKERS``), the memory that counts is the
  whole process tree's: the tree's proportional set size (PSS: a page shared by n processes counts
  1/n in each, so the forkserver and its forked workers are not counted twice) is sampled from
  ``/proc/PID/smaps_rollup`` of pressmon and all its descendants, every 0.25 s during the first poll and
  every second during the run;
- the run: ``pressmon run`` on that database, accelerated (every source ``every: 10s``, tick 1 s), while
  every 5 s a tenth of the feeds publish 2 new entries; RSS sampled each second from /proc. Flatness is
  the median RSS of the run's last quarter against its second quarter (the first is warm-up).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.feeds import (
    Daemon,
    FeedServer,
    Row,
    median,
    parse_args,
    poll_log_counts,
    poll_log_errors,
    pressmon_argv,
    pressmon_env,
    print_table,
    run_measured,
    write_config,
)


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree_pss_mib(pid: int) -> float:
    """PSS of ``pid`` and all its descendants (workers, the forkserver), in MiB."""
    kids, todo, total = _children(), [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run_sampled(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float, int]:
    """Run ``argv`` to the end: (wall seconds, peak RSS of the process, peak PSS of its tree, exit code)."""
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak_tree = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_tree = max(peak_tree, tree_pss_mib(proc.pid))
            time.sleep(0.25)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, peak_tree, proc.returncode


async def _baseline(urls: list[str], concurrency: int) -> None:
    import feedparser
    import httpx

    sem = asyncio.Semaphore(concurrency)

    async def one(url: str) -> None:
        async with sem:
            body = (await client.get(url)).content
        feedparser.parse(body)

    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(trust_env=False, limits=limits) as client:
        await asyncio.gather(*(one(u) for u in urls))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=10, help="max_concurrent_fetches (and the baseline's)")
    ap.add_argument("--minutes", type=float, default=2.0, help="length of the daemon run")
    ap.add_argument("--baseline-child", metavar="URLS", help=argparse.SUPPRESS)
    args = parse_args(ap, argv, {"sources": 30, "items": 5, "minutes": 0.33})
    if args.baseline_child:
        asyncio.run(_baseline(Path(args.baseline_child).read_text().split(), args.concurrency))
        return 0

    with FeedServer(args.sources, args.items) as feeds, tempfile.TemporaryDirectory() as tmp:
        work, db = Path(tmp), Path(tmp) / "bench.db"
        cfg = write_config(work / "feeds.yaml", feeds.urls, every="10s")
        env = pressmon_env(db, max_concurrent_fetches=str(args.concurrency))
        url_file = work / "urls.txt"
        url_file.write_text("\n".join(feeds.urls))

        base_s, base_peak, rc = run_measured(
            [
                sys.executable,
                __file__,
                "--baseline-child",
                str(url_file),
                "--concurrency",
                str(args.concurrency),
            ],
            env,
            work / "baseline.log",
        )
        if rc:
            raise RuntimeError(f"baseline failed: {(work / 'baseline.log').read_text()[-800:]}")
        first_s, first_peak, first_tree, rc = run_sampled(
            pressmon_argv("poll", "--once", "-c", str(cfg)), dict(env), work / "poll.log"
        )
        first_status = poll_log_counts(db)

        samples: list[tuple[float, float]] = []
        tree_peak = 0.0
        run_s = args.minutes * 60
        with Daemon(cfg, pressmon_env(db, tick_seconds="1"), work) as daemon:
            started = next_news = time.monotonic()
            step, slice_ = 0, max(1, args.sources // 10)
            while (now := time.monotonic()) - started < run_s:
                daemon.check_alive()
                if now >= next_news:
                    feeds.advance(2, first=(step * slice_) % args.sources, count=slice_)
                    step, next_news = step + 1, now + 5
                samples.append((now - started, daemon.memory_mib()[0]))
                tree_peak = max(tree_peak, tree_pss_mib(daemon.proc.pid))
                time.sleep(1)
            daemon_peak = daemon.memory_mib()[1]
        run_status = poll_log_counts(db)
        errors = poll_log_errors(db)

    q = run_s / 4
    second = median([rss for t, rss in samples if q <= t < 2 * q])
    last = median([rss for t, rss in samples if t >= 3 * q])
    growth = 100 * (last - second) / second
    rows = [
        Row("peak RSS, first poll (pressmon poll --once)", first_peak, base_peak, "MiB", "<= 150 MiB",
            first_peak <= 150, "httpx + feedparser process, same feeds"),
        Row("peak PSS of the process tree, first poll", first_tree, base_peak, "MiB", "<= 150 MiB",
            first_tree <= 150, "httpx + feedparser process, same feeds"),
        Row(f"peak RSS, daemon over a {run_s:.0f} s run", daemon_peak, base_peak, "MiB", "<= 150 MiB",
            daemon_peak <= 150, "httpx + feedparser process, same feeds"),
        Row(f"peak PSS of the process tree, daemon over {run_s:.0f} s", tree_peak, base_peak, "MiB",
            "<= 150 MiB", tree_peak <= 150, "httpx + feedparser process, same feeds"),
        Row("RSS growth, last quarter vs second quarter", growth, None, "%", "within +-10%",
            abs(growth) <= 10),
    ]  # fmt: skip
    print_table(
        f"memory: {args.sources} sources x {args.items} items, {args.concurrency} in flight",
        rows,
        [
            f"first poll took {first_s:.1f} s (exit {rc}); baseline process {base_s:.1f} s",
            f"daemon RSS median {second:.0f} MiB (2nd quarter) -> {last:.0f} MiB (last quarter), "
            f"{len(samples)} samples; poll_log after the run: {run_status}",
            f"poll_log after the first poll: {first_status}",
            *(f"pressmon poll error: {e}" for e in errors),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

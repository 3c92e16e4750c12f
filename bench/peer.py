"""Peer benchmark: pressmon against rss2email (from the package index) on the same local feeds, side by
side: first run and unchanged run, each a real CLI process, rss2email's mail going to a loopback SMTP sink.

Run ``.venv/bin/python bench/peer.py [--quick] [--sources 1000] [--items 10] [--venv DIR]``. rss2email
(``--rss2email-version``, default 3.14) is installed into a temporary virtualenv by this script (or into
``--venv DIR``, kept and reused). Runs, in order, on the same feed server (bench/feeds.py):

- ``r2e run`` on a fresh data file: rss2email fetches every feed and mails every entry (its first run);
- ``r2e run --no-send`` on another fresh data file: the same without mail (the closest to what pressmon's
  first poll does: store, alert nothing);
- ``pressmon poll --once`` on a fresh SQLite file (first poll: baseline, stored, not alerted);
- ``r2e run`` again on the first data file, then ``pressmon poll --once`` again: the unchanged runs
  (every feed answers 304 to both).

Rates are feeds/s over the process's whole life (start-up included, for both).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
)
from bench.feeds import write_config as write_pressmon_config
from tests.support.smtpserver import SmtpServer


def ensure_rss2email(venv: Path, version: str) -> Path:
    """``venv/bin/r2e``, installing rss2email there first if needed (one line and exit 2 if it cannot)."""
    r2e = venv / "bin" / "r2e"
    if r2e.exists():
        return r2e
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"rss2email=={version}"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            sys.exit(f"peer: cannot install rss2email {version} ({tail[0]}); is the package index reachable?")
    return r2e


def write_r2e_config(path: Path, urls: list[str], smtp_port: int) -> Path:
    lines = [
        "[DEFAULT]",
        "to = bench@example.org",
        "from = r2e@example.org",
        "email-protocol = smtp",
        "smtp-server = 127.0.0.1",
        f"smtp-port = {smtp_port}",
        "smtp-ssl = False",
        "smtp-auth = False",
        "",
    ]
    for i, url in enumerate(urls):
        lines += [f"[feed.press-{i:04d}]", f"url = {url}", ""]
    path.write_text("\n".join(lines))
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=1000)
    ap.add_argument("--items", type=int, default=10)
    ap.add_argument("--venv", type=Path, help="where rss2email is installed (kept); default a temporary one")
    ap.add_argument("--rss2email-version", default="3.14")
    args = parse_args(ap, argv, {"sources": 30, "items": 5})
    n = args.sources

    with (
        tempfile.TemporaryDirectory() as tmp,
        FeedServer(n, args.items) as feeds,
        SmtpServer() as smtp,
    ):
        work = Path(tmp)
        r2e = ensure_rss2email(args.venv or work / "venv", args.rss2email_version)
        r2e_cfg = write_r2e_config(work / "rss2email.cfg", feeds.urls, smtp.port)
        cfg = write_pressmon_config(work / "feeds.yaml", feeds.urls)
        db = work / "pressmon.db"
        env = pressmon_env(db)

        def r2e_run(data: str, *extra: str) -> tuple[float, float, int]:
            argv = [str(r2e), "-c", str(r2e_cfg), "-d", str(work / data), "run", *extra]
            return run_measured(argv, env, work / f"{data}.log")

        r_first, r_first_rss, r_rc = r2e_run("sent.json")
        mails = len(smtp.envelopes)
        r_nosend, _, _ = r2e_run("nosend.json", "--no-send")
        p_first, p_first_rss, p_rc = run_measured(
            pressmon_argv("poll", "--once", "-c", str(cfg)), env, work / "p1"
        )
        first_status = poll_log_counts(db)
        r_same, _, r_rc2 = r2e_run("sent.json")
        p_same, _, p_rc2 = run_measured(pressmon_argv("poll", "--once", "-c", str(cfg)), env, work / "p2")
        same_status = {k: v - first_status.get(k, 0) for k, v in poll_log_counts(db).items()}
        # rss2email asks each host as fast as it can; pressmon's default politeness spaces one host's
        # requests 0.5 s apart, which bounds a run over 20 feeds per host. The same run without it:
        open_env = {**env, "PRESSMON_PER_HOST_SPACING_SECONDS": "0"}
        p_open, _, p_rc3 = run_measured(
            pressmon_argv("poll", "--once", "-c", str(cfg)), open_env, work / "p3"
        )
        errors = poll_log_errors(db)

    rows = [
        Row("first run", n / p_first, n / r_first, "feeds/s", ">= 20x", p_first * 20 <= r_first,
            "r2e run (mails every entry)"),
        Row("first run", n / p_first, n / r_nosend, "feeds/s", "", None, "r2e run --no-send"),
        Row("unchanged run", n / p_same, n / r_same, "feeds/s", ">= 10x", p_same * 10 <= r_same, "r2e run"),
        Row("unchanged run, per-host spacing off", n / p_open, n / r_same, "feeds/s", "", None, "r2e run"),
        Row("peak RSS, first run", p_first_rss, r_first_rss, "MiB", "", None, "r2e run (mails every entry)"),
    ]  # fmt: skip
    print_table(
        f"peer: pressmon vs rss2email {args.rss2email_version}, {n} feeds x {args.items} items",
        rows,
        [
            f"seconds: pressmon first {p_first:.1f}, unchanged {p_same:.1f} ({p_open:.1f} with no per-host "
            f"spacing); rss2email first {r_first:.1f} "
            f"({mails} mails), --no-send {r_nosend:.1f}, unchanged {r_same:.1f}",
            f"exit codes: pressmon {p_rc}, {p_rc2}, {p_rc3}; rss2email {r_rc}, {r_rc2}; "
            "pressmon poll_log: first "
            f"{first_status}, unchanged {same_status}",
            *(f"pressmon poll error: {e}" for e in errors),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

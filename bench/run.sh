#!/usr/bin/env bash
# One command from a fresh clone:  bash bench/run.sh NAME [options]   e.g.  bash bench/run.sh ingest --quick
# Makes .venv (with the dev extras the benches use) when it is missing, then runs bench/NAME.py.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?"usage: bash bench/run.sh NAME [options]  (NAME: poll_cycle ingest first_polls memory latency peer stories match relevance)"}
shift
if ! .venv/bin/python -c 'import monitor, aiosmtpd' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q -e '.[dev]'
fi
exec .venv/bin/python "bench/${name%.py}.py" "$@"

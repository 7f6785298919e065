#!/usr/bin/env bash
# Start what the tests need (each step idempotent), then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
PREFECT_HOME="$(mktemp -d -t parallelner-prefect-XXXXXX)"
export PREFECT_HOME
trap 'rm -rf "$PREFECT_HOME"' EXIT

# Lint first (seconds): a lint error fails the run before any service starts.
.venv/bin/ruff check parallelner flows annotation benchmarks tests scripts

# Human review tests: Debian redis-server + chromium, and the local Argilla stack (annotation/).
annotation/setup.sh .venv/bin/parallelner

# The embedded local model for the tests marked `llm` (idempotent: a stamp check when ready).
.venv/bin/python -m parallelner llm setup

set +e
# Two workers (pytest-xdist): most integration tests wait on a server, so two keep both cores
# busy; tests sharing a service stay together (tests/conftest.py).
.venv/bin/python -m pytest -n 2 --durations=15 "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$rc"

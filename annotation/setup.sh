#!/usr/bin/env bash
# Install (if missing) and start what the review tests need; idempotent, safe to run every time.
#   - Debian packages: redis-server (the stack), chromium + a CJK font (the real-browser test;
#     playwright drives /usr/bin/chromium and never downloads a browser)
#   - the local Argilla stack: `parallelner review up` (server venv, credentials, services)
# Usage: annotation/setup.sh [path/to/parallelner]   (default: .venv/bin/parallelner)
set -euo pipefail
cd "$(dirname "$0")/.."
PARALLELNER="${1:-.venv/bin/parallelner}"

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} (install them as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

"$PARALLELNER" review up

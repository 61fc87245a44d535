#!/usr/bin/env bash
# Takes the README's screenshots (docs/screenshots/*.png) on demand:
#   bash console/scripts/screenshots.sh <path-to-roster-local-binary>     (or: npm run screenshots -- <binary>)
# Starts the given roster-local on a free port with a fresh data dir and the test clock,
# serves console/dist in front of it with `vite preview` (CONSOLE_SERVED_BY_ROSTER=1: the
# pages the binary embeds instead), and runs e2e/screenshots.ts in Debian's Chromium, which
# seeds an org and saves the PNGs. Build console/dist first (`npm run build`) so the pictures
# show the current sources. Not part of scripts/console-test.sh.
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 <path-to-roster-local-binary>" >&2
  exit 2
fi
ROSTER_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CONSOLE=$(cd "$(dirname "$0")/.." && pwd)
cd "$CONSOLE"
[[ -f dist/index.html ]] || { echo "console/dist is missing: run \`npm run build\` first" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() {
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answered at $1" >&2
  return 1
}

DATA_DIR=$(mktemp -d)
LOGS=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

ROSTER_PORT=$(free_port)
ROSTER_URL="http://127.0.0.1:$ROSTER_PORT"
ROSTER_ADDR="127.0.0.1:$ROSTER_PORT" ROSTER_DATA_DIR="$DATA_DIR" ROSTER_TEST_CLOCK=1 "$ROSTER_BIN" >"$LOGS/roster.log" 2>&1 &
PIDS+=($!)
wait_for "$ROSTER_URL/.well-known/jwks.json"

if [[ ${CONSOLE_SERVED_BY_ROSTER:-0} == 1 ]]; then
  BASE_URL=$ROSTER_URL
else
  PREVIEW_PORT=$(free_port)
  BASE_URL="http://127.0.0.1:$PREVIEW_PORT"
  ROSTER_API_URL=$ROSTER_URL node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$PREVIEW_PORT" --strictPort >"$LOGS/preview.log" 2>&1 &
  PIDS+=($!)
  wait_for "$BASE_URL/"
fi

echo "== screenshots of $BASE_URL (logs in $LOGS)"
BASE_URL=$BASE_URL ROSTER_DATA_DIR=$DATA_DIR CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  npx --no-install playwright test -c playwright.screenshots.config.ts
echo "== saved in $(cd .. && pwd)/docs/screenshots/"
ls -1 ../docs/screenshots/*.png

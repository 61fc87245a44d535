#!/usr/bin/env bash
# Builds and tests the web console (console/) on a fresh machine:
#   bash scripts/console-test.sh <path-to-roster-local-binary>
# Installs Debian's Chromium when missing (Playwright's browser download is never used),
# installs the npm packages from the lockfile, checks the generated API types against
# shared/http/openapi.json, runs the unit tests, builds console/dist and checks the
# committed copy is not stale, then starts the given roster-local on a free port with a
# fresh data dir and the test clock, serves the built console in front of it, and runs
# the Playwright suite in headless Chromium. The single sign-on tests sign in through the
# test OpenID provider at ROSTER_OIDC_ISSUER (scripts/oidc.sh; started here, and stopped
# at the end, when it is not set), and roster-local's public URL is where the pages are
# served, so its single sign-on callback sends the browser back to them. They prove email
# domains with TXT records in the test DNS server oidc.sh starts beside the provider:
# roster-local resolves through it (ROSTER_DNS_SERVER), and the tests publish records in
# its zone directory (ROSTER_TEST_DNS_ZONE). Both come with ROSTER_OIDC_ISSUER.
#
# CONSOLE_SERVED_BY_ROSTER=1: the server serves the console itself; test it there
# instead of through `vite preview`.
# CONSOLE_DIST_CHECK=0: skip the staleness check of console/dist (a working tree whose
# build output is not committed yet).
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 <path-to-roster-local-binary>" >&2
  exit 2
fi
ROSTER_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONSOLE="$ROOT/console"
CHROMIUM=/usr/bin/chromium

if [[ ! -x $CHROMIUM ]]; then
  echo "== installing Debian's chromium"
  SUDO=$([[ $(id -u) -eq 0 ]] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

cd "$CONSOLE"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "== npm ci"
npm ci --no-audit --no-fund
echo "== generated API types match the OpenAPI document"
npm run --silent check:api
echo "== unit tests"
npx --no-install vitest run
echo "== build"
npm run --silent build
if [[ ${CONSOLE_DIST_CHECK:-1} == 0 ]]; then
  echo "== console/dist staleness check skipped (CONSOLE_DIST_CHECK=0)"
elif ! git -C "$ROOT" diff --exit-code --stat -- console/dist || [[ -n $(git -C "$ROOT" status --porcelain -- console/dist) ]]; then
  echo "console/dist is stale or not committed: commit the output of \`npm run build\` in console/" >&2
  exit 1
else
  echo "== console/dist is what the sources build"
fi

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
OWN_OIDC=0
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $OWN_OIDC == 1 ]]; then bash "$ROOT/scripts/oidc.sh" stop || true; fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

if [[ -z ${ROSTER_OIDC_ISSUER:-} ]]; then
  echo "== OpenID provider for the single sign-on tests (scripts/oidc.sh)"
  OWN_OIDC=1
  eval "$(bash "$ROOT/scripts/oidc.sh")"
fi
if [[ -z ${ROSTER_DNS_SERVER:-} || -z ${ROSTER_TEST_DNS_ZONE:-} ]]; then
  echo "ROSTER_DNS_SERVER and ROSTER_TEST_DNS_ZONE must be set with ROSTER_OIDC_ISSUER: eval \"\$(bash scripts/oidc.sh)\"" >&2
  exit 2
fi
export ROSTER_OIDC_ISSUER ROSTER_DNS_SERVER ROSTER_TEST_DNS_ZONE
echo "== OpenID provider at $ROSTER_OIDC_ISSUER, DNS server at $ROSTER_DNS_SERVER (zone $ROSTER_TEST_DNS_ZONE)"

ROSTER_PORT=$(free_port)
ROSTER_URL="http://127.0.0.1:$ROSTER_PORT"
if [[ ${CONSOLE_SERVED_BY_ROSTER:-0} == 1 ]]; then
  BASE_URL=$ROSTER_URL
else
  PREVIEW_PORT=$(free_port)
  while [[ $PREVIEW_PORT == "$ROSTER_PORT" ]]; do PREVIEW_PORT=$(free_port); done
  BASE_URL="http://127.0.0.1:$PREVIEW_PORT"
fi
echo "== roster-local on $ROSTER_URL, public URL $BASE_URL (data in $DATA_DIR, log in $LOGS/roster.log)"
ROSTER_ADDR="127.0.0.1:$ROSTER_PORT" ROSTER_PUBLIC_URL="$BASE_URL" ROSTER_DATA_DIR="$DATA_DIR" ROSTER_TEST_CLOCK=1 \
  ROSTER_DNS_SERVER="$ROSTER_DNS_SERVER" "$ROSTER_BIN" >"$LOGS/roster.log" 2>&1 &
PIDS+=($!)
wait_for "$ROSTER_URL/.well-known/jwks.json"

if [[ ${CONSOLE_SERVED_BY_ROSTER:-0} != 1 ]]; then
  echo "== console on $BASE_URL (vite preview of console/dist, /v1 forwarded to roster-local)"
  ROSTER_API_URL=$ROSTER_URL node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$PREVIEW_PORT" --strictPort >"$LOGS/preview.log" 2>&1 &
  PIDS+=($!)
  wait_for "$BASE_URL/"
fi

echo "== browser tests against $BASE_URL"
BASE_URL=$BASE_URL ROSTER_DATA_DIR=$DATA_DIR ROSTER_OIDC_ISSUER=$ROSTER_OIDC_ISSUER ROSTER_TEST_DNS_ZONE=$ROSTER_TEST_DNS_ZONE CHROMIUM_PATH=$CHROMIUM \
  npx --no-install playwright test
echo "== screenshots in console/e2e-artifacts/screens"

#!/usr/bin/env bash
# Installs the test OpenID provider (tests/oidc: oauth2-mock-server, pinned in its
# package-lock.json; `npm ci` runs again only when the lock changes) and starts it on
# 127.0.0.1 in the background, with its DNS server for domain ownership proofs. Prints
# `export ROSTER_DNS_SERVER=... ROSTER_TEST_DNS_ZONE=... ROSTER_OIDC_ISSUER=...` lines; the
# provider's PID is in $ROSTER_CACHE/oidc.pid, its log in $ROSTER_CACHE/oidc.log.
# Use: eval "$(bash scripts/oidc.sh)". Stop it with: bash scripts/oidc.sh stop
# How a test controls the ID token of a login: see the top of tests/oidc/provider.mjs.
set -euo pipefail
ROSTER_CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
PIDFILE="$ROSTER_CACHE/oidc.pid"
stop() {
    # SIGTERM, then SIGKILL if it is still running after 5 s. Only a PID that still runs
    # our provider is signalled (a stale file may name a reused PID).
    local pid
    pid="$(cat "$PIDFILE" 2>/dev/null)" || return 0
    rm -f "$PIDFILE"
    { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -q 'tests/oidc/provider.mjs' || return 0
    running() { ps -o stat= -p "$pid" 2>/dev/null | grep -qv '^Z'; }
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do running || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}
if [ "${1:-}" = stop ]; then
    stop
    exit 0
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/tests/oidc"
mkdir -p "$ROSTER_CACHE"
command -v node >/dev/null || { echo "scripts/oidc.sh: node (20.19 or later) is needed" >&2; exit 1; }
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || { echo "scripts/oidc.sh: node $(node --version) is too old; 20.19 or later is needed" >&2; exit 1; }
# node_modules stays in the clone (git-ignored); the stamp says which lock it was made from.
LOCK_SUM="$(sha256sum "$DIR/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$DIR/node_modules/.roster-lock-sha256" 2>/dev/null)" != "$LOCK_SUM" ]; then
    (cd "$DIR" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >&2
    echo "$LOCK_SUM" > "$DIR/node_modules/.roster-lock-sha256"
fi
# A provider left over from an earlier run of this script is stopped first.
stop
LOG="$ROSTER_CACHE/oidc.log"
(cd "$ROOT" && exec node tests/oidc/provider.mjs) < /dev/null > "$LOG" 2>&1 &
pid=$!
echo "$pid" > "$PIDFILE"
for _ in $(seq 1 100); do
    issuer="$(sed -n 's/^ROSTER_OIDC_ISSUER=//p' "$LOG" | head -n 1)"
    if [ -n "$issuer" ]; then
        # The DNS server beside it (tests/oidc/dns.mjs), printed before the issuer.
        sed -n 's/^\(ROSTER_DNS_SERVER\|ROSTER_TEST_DNS_ZONE\)=/export &/p' "$LOG"
        echo "export ROSTER_OIDC_ISSUER=$issuer"
        exit 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
echo "scripts/oidc.sh: the OpenID provider did not start; its log ($LOG):" >&2
cat "$LOG" >&2
stop
exit 1

#!/usr/bin/env bash
# Installs moto (pinned, in a virtualenv outside the clone) and starts its server on
# 127.0.0.1 in the background. Prints `export` lines for the AWS SDK to use it; the
# server's PID is in $ROSTER_CACHE/moto.pid. Stop it with: bash scripts/moto.sh stop
set -euo pipefail
ROSTER_CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
if [ "${1:-}" = stop ]; then
    # `bash scripts/moto.sh stop`: SIGTERM, then SIGKILL if it is still running after 5 s.
    pid="$(cat "$ROSTER_CACHE/moto.pid" 2>/dev/null)" || exit 0
    running() { ps -o stat= -p "$pid" 2>/dev/null | grep -qv '^Z'; }
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 50); do running || exit 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    exit 0
fi
VENV="$ROSTER_CACHE/venv"
MOTO_VERSION=5.2.5
CFN_LINT_VERSION=1.58.0
mkdir -p "$ROSTER_CACHE"
if ! "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null \
   || ! "$VENV/bin/cfn-lint" --version 2>/dev/null | grep -q "$CFN_LINT_VERSION"; then
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" >&2
fi
# moto_server with its DynamoDB backend made linearizable (see scripts/moto_server.py).
LAUNCHER="$VENV/bin/roster-moto-server"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$VENV/bin/python" "$(cd "$(dirname "$0")" && pwd)/moto_server.py" > "$LAUNCHER"
chmod +x "$LAUNCHER"
PORT="${MOTO_PORT:-$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
"$LAUNCHER" -H 127.0.0.1 -p "$PORT" > "$ROSTER_CACHE/moto.log" 2>&1 &
echo $! > "$ROSTER_CACHE/moto.pid"
for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/')" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"

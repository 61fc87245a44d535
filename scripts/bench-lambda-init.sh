#!/usr/bin/env bash
# Cold start of Roster's Lambda functions and a hello-world one on this machine (see
# scripts/bench_lambda_init.py): builds them with the release profile for the host, starts
# moto on 127.0.0.1 (stopped by PID at exit) and prints a Markdown table for BENCHMARKS.md.
#
#   bash scripts/bench-lambda-init.sh                 # hello-world, jwks, get-invitation, login, invite-member
#   ALL=1 RUNS=20 bash scripts/bench-lambda-init.sh   # hello-world and every function of the template
#   FUNCTIONS="login jwks" bash scripts/bench-lambda-init.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export ROSTER_CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
RUNS="${RUNS:-40}"
if [ -n "${ALL:-}" ]; then
    FUNCTIONS=$(for dir in functions/* workers/*; do basename "$dir"; done)
elif [ -z "${FUNCTIONS:-}" ]; then
    FUNCTIONS="jwks get-invitation login invite-member"
fi
cargo build --release --locked -p hello-lambda $(for name in $FUNCTIONS; do printf -- '-p %s ' "$name"; done)
TARGET="${CARGO_TARGET_DIR:-target}/release"
eval "$(bash scripts/moto.sh)"
trap 'bash scripts/moto.sh stop' EXIT
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
# As the template sets it on Lambda (there /etc/pki/tls/certs/ca-bundle.crt): the one CA bundle.
export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
"$ROSTER_CACHE/venv/bin/python" scripts/bench_lambda_init.py --moto "$AWS_ENDPOINT_URL" --runs "$RUNS" \
    "$TARGET/hello-lambda" $(for name in $FUNCTIONS; do printf '%s ' "$TARGET/$name"; done)

#!/usr/bin/env bash
# Cold start of four Lambda functions and a hello-world one on this machine (see scripts/bench_lambda_init.py):
# builds them with the release profile for the host, starts moto on 127.0.0.1 (stopped by
# PID at exit) and prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export ROSTER_CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
RUNS="${RUNS:-40}"
cargo build --release --locked -p hello-lambda -p jwks -p get-invitation -p login -p invite-member
TARGET="${CARGO_TARGET_DIR:-target}/release"
eval "$(bash scripts/moto.sh)"
trap 'bash scripts/moto.sh stop' EXIT
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
# As the template sets it on Lambda (there /etc/pki/tls/certs/ca-bundle.crt): the one CA bundle.
export SSL_CERT_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
"$ROSTER_CACHE/venv/bin/python" scripts/bench_lambda_init.py --moto "$AWS_ENDPOINT_URL" --runs "$RUNS" \
    "$TARGET/hello-lambda" "$TARGET/jwks" "$TARGET/get-invitation" "$TARGET/login" "$TARGET/invite-member"

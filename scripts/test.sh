#!/usr/bin/env bash
# Runs Roster's whole test suite on a fresh machine: builds the workspace (the black-box
# test runs the built roster-local binary), then every test with cargo-nextest (or cargo
# test where nextest is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== build"
cargo build --workspace --bins --locked

echo "== test"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    cargo test --workspace --locked --no-fail-fast
fi

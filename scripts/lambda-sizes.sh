#!/usr/bin/env bash
# Builds every Lambda function for arm64 with the release profile (cargo-lambda and zig from
# PyPI), and the hello-world one they are compared with, and prints their sizes as a Markdown
# table for BENCHMARKS.md. `--disable-optimizations`
# keeps the workspace's release profile; cargo-lambda's own would switch to panic = "abort".
set -euo pipefail
cd "$(dirname "$0")/.."
ROSTER_CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
if ! command -v cargo-lambda >/dev/null; then
    python3 -m venv "$ROSTER_CACHE/lambda-venv" >&2
    "$ROSTER_CACHE/lambda-venv/bin/pip" install --quiet cargo-lambda ziglang >&2
    export PATH="$ROSTER_CACHE/lambda-venv/bin:$PATH"
fi
rustup target add aarch64-unknown-linux-gnu >&2
packages=(-p hello-lambda)
for dir in functions/* workers/*; do packages+=(-p "$(basename "$dir")"); done
cargo lambda build --release --arm64 --disable-optimizations --locked "${packages[@]}" >&2
# cargo-lambda leaves each function as target/lambda/<name>/bootstrap, as Lambda runs it.
out="${CARGO_TARGET_DIR:-target}/lambda"
echo "| function | kind | size (bytes) |"
echo "|---|---|---:|"
for dir in tests/hello-lambda functions/* workers/*; do
    name="$(basename "$dir")"
    printf '| %s | %s | %s |\n' "$name" "${dir%%/*}" "$(stat -c %s "$out/$name/bootstrap" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')"
done

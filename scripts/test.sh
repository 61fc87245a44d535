#!/usr/bin/env bash
# Runs Roster's whole test suite on a fresh machine: installs and starts moto's server
# (the AWS adapters are tested against it; those tests never skip) and a real OpenID
# provider from npm (the single sign-on tests run against it), lints the SAM template
# with cfn-lint, builds the workspace (the black-box tests run the built roster-local
# binary), then runs every test with cargo-nextest (or cargo test where nextest is missing),
# the console's tests in a browser, scim2-tester's SCIM checks, and a schemathesis run from
# the OpenAPI document.
set -euo pipefail
cd "$(dirname "$0")/.."
export ROSTER_CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"

echo "== moto"
eval "$(bash scripts/moto.sh)"
trap 'bash scripts/moto.sh stop' EXIT
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
echo "moto server at $AWS_ENDPOINT_URL (pid $(cat "$ROSTER_CACHE/moto.pid"))"
# The AWS black-box test starts a moto server of its own with this.
export ROSTER_MOTO_SERVER="$ROSTER_CACHE/venv/bin/roster-moto-server"

echo "== OpenID provider (single sign-on tests: oauth2-mock-server from npm)"
eval "$(bash scripts/oidc.sh)"
trap 'bash scripts/oidc.sh stop; bash scripts/moto.sh stop' EXIT
echo "OpenID provider at $ROSTER_OIDC_ISSUER (pid $(cat "$ROSTER_CACHE/oidc.pid"))"

echo "== SAM template (cfn-lint)"
python3 scripts/gen_entry_points.py
git diff --exit-code -- functions workers infra/template.yaml || { echo "functions/, workers/ or infra/template.yaml are stale: run scripts/gen_entry_points.py and commit" >&2; exit 1; }
"$ROSTER_CACHE/venv/bin/cfn-lint" infra/template.yaml

echo "== build"
# Every binary: roster-local (the black-box tests run it) and each Lambda. The compiled
# dependencies are shared with the test build below.
cargo build --locked --workspace --bins

echo "== test"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    cargo test --workspace --locked --no-fail-fast
fi

echo "== console (the pages, in a browser, served by the roster-local just built)"
CONSOLE_SERVED_BY_ROSTER=1 bash scripts/console-test.sh "${CARGO_TARGET_DIR:-target}/debug/roster-local"

echo "== SCIM 2.0 against the server (scim2-tester from PyPI, a client no one here wrote)"
bash scripts/scim-conformance.sh "${CARGO_TARGET_DIR:-target}/debug/roster-local"

echo "== OpenAPI document against the server (schemathesis, a property-based run)"
bash scripts/schemathesis.sh "${CARGO_TARGET_DIR:-target}/debug/roster-local" 15

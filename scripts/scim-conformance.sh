#!/usr/bin/env bash
# Runs scim2-tester (PyPI, pinned, in its own virtualenv outside the clone) against a fresh
# roster-local through `scim2 --url … test`:
#   bash scripts/scim-conformance.sh <path-to-roster-local-binary>
set -euo pipefail
if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 <path-to-roster-local-binary>" >&2
  exit 2
fi
CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
VENV="$CACHE/scim-venv"
if ! "$VENV/bin/pip" show scim2-tester 2>/dev/null | grep -q "^Version: 0.5.2$" \
  || ! "$VENV/bin/pip" show scim2-cli 2>/dev/null | grep -q "^Version: 0.6.0$"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "scim2-cli==0.6.0" "scim2-tester==0.5.2" "scim2-client==0.13.2" "scim2-models==0.12.3"
fi
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
python3 "$(dirname "$0")/scim_conformance.py" "$1" "$VENV/bin/scim2"

#!/usr/bin/env bash
# Checks the OpenAPI document is valid OpenAPI 3.1, then makes a property-based run from it
# against a fresh roster-local:
#   bash scripts/schemathesis.sh <path-to-roster-local-binary> [max-examples]
# Installs schemathesis (pinned, in its own virtualenv outside the clone), starts the
# binary on 127.0.0.1 with a fresh data dir and the test clock, signs in an org admin of a
# new org (with a department and a member, so the path parameters name real things), and
# runs schemathesis with that admin's token: every response must be a documented status
# with a body matching its documented schema, and nothing may answer 5xx. The seed is
# fixed (SCHEMATHESIS_SEED, default 1) so a run repeats; change it to explore further.
set -euo pipefail
if [[ $# -lt 1 || ! -x "$1" ]]; then
  echo "usage: $0 <path-to-roster-local-binary> [max-examples]" >&2
  exit 2
fi
ROSTER_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
EXAMPLES=${2:-25}
CACHE="${ROSTER_CACHE:-$HOME/.cache/roster}"
VENV="$CACHE/schemathesis-venv"
VERSION=4.32.5
VALIDATOR_VERSION=0.9.0
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION" \
  || ! "$VENV/bin/pip" show openapi-spec-validator 2>/dev/null | grep -q "^Version: $VALIDATOR_VERSION$"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi
# The document itself first: valid OpenAPI 3.1 (openapi-spec-validator).
"$VENV/bin/openapi-spec-validator" --schema 3.1 "$(cd "$(dirname "$0")/.." && pwd)/shared/http/openapi.json"
DATA=$(mktemp -d)
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
ROSTER_ADDR="127.0.0.1:$PORT" ROSTER_DATA_DIR="$DATA" ROSTER_TEST_CLOCK=1 "$ROSTER_BIN" >"$DATA/roster.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
export NO_PROXY=127.0.0.1
for _ in $(seq 1 100); do
  curl -sf "$URL/.well-known/jwks.json" >/dev/null && break
  sleep 0.1
done

# An org, its admin signed in, a department and a member: their ids fill the paths.
eval "$("$VENV/bin/python" - "$URL" "$DATA" <<'PY'
import email, glob, json, sys, urllib.request
url, data = sys.argv[1], sys.argv[2]
operator = open(f"{data}/operator-token").read().strip()
def call(method, path, body=None, token=None):
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")
def link_token(to):
    for path in sorted(glob.glob(f"{data}/outbox/*.eml")):
        message = email.message_from_bytes(open(path, "rb").read())
        if message["To"] == to:
            text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
            body = text.get_payload(decode=True).decode()
            return next(line for line in body.splitlines() if "/invite/" in line).rsplit("/", 1)[1].strip()
    sys.exit(f"no invitation email to {to}")
def settle():
    import time
    time.sleep(1.5)  # the local workers send the queued emails
created = call("POST", "/v1/orgs", {"name": "Fuzzed Clinic", "plan": "paid", "admin": {"email": "admin@fuzz.test", "first_name": "Ada", "last_name": "Admin"}}, operator)
org = created["org"]["id"]
settle()
password = "a long enough passphrase"
call("POST", f"/v1/invitations/{link_token('admin@fuzz.test')}/accept", {"first_name": "Ada", "last_name": "Admin", "phone": "5550100100", "password": password, "eula_accepted": True})
admin = call("POST", "/v1/auth/login", {"email": "admin@fuzz.test", "password": password})["access_token"]
dept = call("POST", f"/v1/orgs/{org}/departments", {"name": "Ward"}, admin)["id"]
member = call("POST", f"/v1/orgs/{org}/invitations", {"email": "member@fuzz.test", "role": "member", "department_id": dept}, admin)["id"]
print(f"ORG={org} DEPT={dept} MEMBER={member} ADMIN_TOKEN={admin}")
PY
)"

cat >"$DATA/schemathesis.toml" <<TOML
[parameters]
org = "$ORG"
dept = "$DEPT"
member = "$MEMBER"
TOML
# From the data dir: schemathesis keeps a cache in its working directory, not in the clone.
cd "$DATA"
"$VENV/bin/schemathesis" --config-file "$DATA/schemathesis.toml" run "$URL/v1/openapi.json" -u "$URL" \
  -H "Authorization: Bearer $ADMIN_TOKEN" -n "$EXAMPLES" --seed "${SCHEMATHESIS_SEED:-1}" --phases examples,coverage,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

"""Cold start of Roster's Lambda binaries on this machine.

Plays the Lambda service: a local Runtime API (the same HTTP interface Lambda's sandbox
offers) hands each freshly started process one API Gateway HTTP API (v2) event. The
function's init runs for real: it reads its settings and builds the SDK clients; a function
that signs or derives starts reading the token keys from a Secrets Manager secret on moto. Per run this measures

  init        process start -> the function's first `GET /runtime/invocation/next`
  invocation  that request -> the function's response
  whole       the two together: what the first caller of a new instance waits for

Usage (scripts/bench-lambda-init.sh builds the binaries and starts moto):
  python scripts/bench_lambda_init.py --moto http://127.0.0.1:PORT --runs 40 BINARY...
"""

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parent.parent
API = "/2018-06-01/runtime"

# The request each function is given: one that touches nothing (the JWKS) and one that reads
# the table once (an unknown invitation link: 404).
REQUESTS = {
    "jwks": ("GET", "/.well-known/jwks.json", "/.well-known/jwks.json", {}),
    "get-invitation": ("GET", "/v1/invitations/{token}", "/v1/invitations/not-a-real-token", {"token": "not-a-real-token"}),
    # Signs tokens: reads the keys secret in the background from init on (a wrong password,
    # 401, so this request never waits for it).
    "login": ("POST", "/v1/auth/login", "/v1/auth/login", {}),
    # Derives invitation links: reads the keys secret in the background too, and sends to
    # the email queue (no signed-in caller: 401, before anything is read or derived).
    "invite-member": ("POST", "/v1/orgs/{org}/invitations", "/v1/orgs/o1/invitations", {"org": "o1"}),
    # The yardstick: a hello-world Rust Lambda built the same way (tests/hello-lambda).
    "hello-lambda": ("GET", "/hello", "/hello", {}),
}
# A new address and client each run: failed logins are limited per email and per IP.
BODIES = {"login": lambda: json.dumps({"email": f"nobody-{uuid.uuid4().hex[:8]}@roster.test", "password": "not the password"})}
EXPECTED = {"jwks": 200, "get-invitation": 404, "login": 401, "invite-member": 401, "hello-lambda": 200}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def api_gateway_event(function):
    method, route, path, parameters = REQUESTS[function]
    event = json.loads((REPO / "tests/fixtures/apigw-v2-invite.json").read_text())
    event.update(routeKey=f"{method} {route}", rawPath=path, pathParameters=parameters, body=BODIES[function]() if function in BODIES else None)
    event["headers"].pop("authorization")
    event["headers"].pop("content-length")
    if function not in BODIES:
        event["headers"].pop("content-type")
    event["requestContext"].pop("authorizer")
    event["requestContext"].update(routeKey=f"{method} {route}")
    event["requestContext"]["http"].update(method=method, path=path, sourceIp=f"198.51.100.{random.randint(1, 254)}")
    return json.dumps(event).encode()


class Invocation:
    """What one process did, with the times it did it."""

    def __init__(self, event):
        self.event = event
        self.request_id = str(uuid.uuid4())
        self.first_next = None
        self.response_at = None
        self.response = None
        self.error = None
        self.done = threading.Event()


class RuntimeApi(BaseHTTPRequestHandler):
    """Serves `self.server.invocation`. Each run gets a server of its own, so a request the
    previous (killed) process had in flight cannot be mistaken for this run's."""

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        invocation = self.server.invocation
        if self.path != f"{API}/invocation/next":
            return self.reply(404)
        if invocation.first_next is not None:
            # The function waits for its next event; the run is over, and it gets killed.
            invocation.done.wait(30)
            time.sleep(5)
            return
        invocation.first_next = time.perf_counter()
        deadline = int(time.time() * 1000) + 10_000
        self.reply(
            200,
            invocation.event,
            [
                ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
                ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench"),
                ("Lambda-Runtime-Trace-Id", "Root=1-65f1d8a1-0a1b2c3d4e5f60718293a4b5"),
                ("Content-Type", "application/json"),
            ],
        )

    def do_POST(self):
        invocation = self.server.invocation
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == f"{API}/invocation/{invocation.request_id}/response":
            invocation.response_at = time.perf_counter()
            invocation.response = json.loads(body)
        else:
            invocation.error = f"{self.path}: {body[:500]!r}"
        self.reply(202)
        invocation.done.set()


def keys_secret(moto):
    """The keys secret (for the functions that sign or derive) and the public key `<n>.<e>`
    (the template's `ROSTER_PUBLIC_KEY`, for the functions that only check tokens)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    material = {"signing_key_pkcs8": b64url(pkcs8), "token_secret": b64url(os.urandom(32))}
    name = f"bench-keys-{uuid.uuid4().hex[:8]}"
    aws(moto, "secretsmanager").create_secret(Name=name, SecretString=json.dumps(material))
    numbers = key.public_key().public_numbers()
    as_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")
    return name, f"{b64url(as_bytes(numbers.n))}.{b64url(as_bytes(numbers.e))}"


def aws(moto, service):
    return boto3.client(service, endpoint_url=moto, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def table(moto):
    name = f"bench-{uuid.uuid4().hex[:8]}"
    # The template's table: its key and its three indexes (roster_aws::resources).
    key = lambda hash_key, range_key: [{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": range_key, "KeyType": "RANGE"}]
    attributes = ["PK", "SK"] + [f"GSI{i}{part}" for i in (1, 2, 3) for part in ("PK", "SK")]
    aws(moto, "dynamodb").create_table(
        TableName=name,
        KeySchema=key("PK", "SK"),
        AttributeDefinitions=[{"AttributeName": attribute, "AttributeType": "S"} for attribute in attributes],
        GlobalSecondaryIndexes=[
            {"IndexName": f"GSI{i}", "KeySchema": key(f"GSI{i}PK", f"GSI{i}SK"), "Projection": {"ProjectionType": "ALL"}} for i in (1, 2, 3)
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def run_once(binary, env):
    function = Path(binary).name
    invocation = Invocation(api_gateway_event(function))
    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    server.invocation = invocation
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime_api = f"127.0.0.1:{server.server_address[1]}"
    start = time.perf_counter()
    process = subprocess.Popen([binary], env={**env, "AWS_LAMBDA_RUNTIME_API": runtime_api, "AWS_LAMBDA_FUNCTION_NAME": function})
    try:
        if not invocation.done.wait(30):
            raise SystemExit(f"{function}: no response within 30 s")
    finally:
        process.kill()
        process.wait()
        server.shutdown()
        server.server_close()
    if invocation.error:
        raise SystemExit(f"{function} reported an error: {invocation.error}")
    status = invocation.response.get("statusCode")
    expected = EXPECTED[function]
    if status != expected:
        raise SystemExit(f"{function} answered {status}, expected {expected}: {invocation.response}")
    return (invocation.first_next - start) * 1000, (invocation.response_at - invocation.first_next) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()

    queue = "http://127.0.0.1:1/000000000000/unused"
    secret_id, public_key = keys_secret(args.moto)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": args.moto,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "NO_PROXY": "127.0.0.1,localhost",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "ROSTER_TABLE_NAME": table(args.moto),
        "ROSTER_EMAIL_QUEUE_URL": queue,
        "ROSTER_EMAIL_DLQ_URL": queue,
        "ROSTER_IMPORT_QUEUE_URL": queue,
        "ROSTER_IMPORT_DLQ_URL": queue,
        "ROSTER_EXPIRY_QUEUE_URL": queue,
        "ROSTER_EXPIRY_DLQ_URL": queue,
        "ROSTER_MAIL_FROM": "Roster <no-reply@roster.test>",
        "ROSTER_PUBLIC_URL": "https://roster.test",
        "ROSTER_KEYS_SECRET_ID": secret_id,
        "ROSTER_PUBLIC_KEY": public_key,
        "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
        **({"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]} if "SSL_CERT_FILE" in os.environ else {}),
    }
    secrets = aws(args.moto, "secretsmanager")
    calls = []
    for _ in range(20):
        begin = time.perf_counter()
        secrets.get_secret_value(SecretId=env["ROSTER_KEYS_SECRET_ID"])
        calls.append((time.perf_counter() - begin) * 1000)
    print(f"moto answers GetSecretValue (boto3, warm connection) in {statistics.median(calls):.1f} ms (median of 20)\n")
    for binary in args.binaries:
        run_once(binary, env)  # warm the page cache: every run then starts from the same state
    # The functions take turns, run by run, so a quieter or busier moment of the machine
    # falls on each of them alike (the ratios compare like with like).
    timings = {binary: [] for binary in args.binaries}
    for _ in range(args.runs):
        for binary in args.binaries:
            timings[binary].append(run_once(binary, env))
    results = [(binary, *zip(*timings[binary])) for binary in args.binaries]
    # Each function's init against the hello-world Lambda's, when it was measured too.
    hello = next((statistics.median(inits) for binary, inits, _ in results if Path(binary).name == "hello-lambda"), None)
    print(
        "| function | binary bytes | init median (ms) | init p90 | × hello-world init | first invocation median (ms) "
        "| init + first invocation median (ms) | runs |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for binary, inits, invocations in results:
        p90 = statistics.quantiles(inits, n=10)[-1]
        ratio = f"{statistics.median(inits) / hello:.2f}" if hello else "—"
        whole = statistics.median(i + v for i, v in zip(inits, invocations))
        print(
            f"| {Path(binary).name} | {os.path.getsize(binary):,} | {statistics.median(inits):.1f} | {p90:.1f} "
            f"| {ratio} | {statistics.median(invocations):.1f} | {whole:.1f} | {args.runs} |"
        )

if __name__ == "__main__":
    main()

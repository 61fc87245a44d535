"""Cold start of Roster's Lambda binaries on this machine.

Plays the Lambda service: a local Runtime API (the same HTTP interface Lambda's sandbox
offers) hands each freshly started process one event of the kind its trigger in
infra/template.yaml sends (an API Gateway HTTP API (v2) request without a caller, an empty
SQS batch, a scheduled event), with the environment the template gives it. The function's
init runs for real: it reads its settings and builds the SDK clients; a function that signs
or derives starts reading the token keys from a Secrets Manager secret on moto. Per run this
measures

  init        process start -> the function's first `GET /runtime/invocation/next`
  invocation  that request -> the function's response
  whole       the two together: what the first caller of a new instance waits for

Usage (scripts/bench-lambda-init.sh builds the binaries and starts moto):
  python scripts/bench_lambda_init.py --moto http://127.0.0.1:PORT --runs 40 BINARY...
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parent.parent
API = "/2018-06-01/runtime"

# The requests the first runs named (each with the status it must get); every other function
# is given what the template routes to it (`template_functions`): an HTTP API request without
# a caller, an empty SQS batch or a scheduled event.
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
# Between runs: what a run started in the background (a secret read, moto's answer) ends.
PAUSE = 0.1


def template_functions():
    """Every function of the SAM template (infra/template.yaml): its binary, the names of the
    variables it sets beside the globals, and the one event source that triggers it."""

    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short forms (!Ref, !GetAtt, …): only plain values are read here.
    yaml.add_multi_constructor("!", lambda loader, suffix, node: None, Loader=Loader)
    template = yaml.load((REPO / "infra/template.yaml").read_text(), Loader=Loader)
    functions = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        variables = set((properties.get("Environment") or {}).get("Variables") or {})
        (source,) = properties["Events"].values()
        functions[resource["Metadata"]["BuildProperties"]["Binary"]] = (variables, source)
    return functions


def request_of(function, source):
    """(method, route, path, path parameters) of a function the template routes HTTP to."""
    if function in REQUESTS:
        return REQUESTS[function]
    method, route = source["Properties"]["Method"], source["Properties"]["Path"]
    parameters = {name: f"{name[0]}1" for name in re.findall(r"{(\w+)}", route)}
    return method, route, re.sub(r"{(\w+)}", lambda m: parameters[m.group(1)], route), parameters


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def event_of(function, source):
    """The one event a run hands the function: what its trigger in the template sends."""
    if source is None or source["Type"] == "HttpApi":
        return api_gateway_event(function, request_of(function, source))
    if source["Type"] == "SQS":
        return json.dumps({"Records": []}).encode()
    if source["Type"] == "Schedule":
        return (REPO / "tests/fixtures/eventbridge-scheduled.json").read_bytes()
    raise SystemExit(f"{function}: no event for a {source['Type']} source")


def api_gateway_event(function, request):
    method, route, path, parameters = request
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


def run_once(binary, env, source):
    function = Path(binary).name
    invocation = Invocation(event_of(function, source))
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
        # The server notices a shutdown within its 0.5 s poll: not waited for here.
        threading.Thread(target=lambda: (server.shutdown(), server.server_close()), daemon=True).start()
    time.sleep(PAUSE)
    if invocation.error:
        raise SystemExit(f"{function} reported an error: {invocation.error}")
    status = invocation.response.get("statusCode") if isinstance(invocation.response, dict) else None
    if function in EXPECTED and status != EXPECTED[function]:
        raise SystemExit(f"{function} answered {status}, expected {EXPECTED[function]}: {invocation.response}")
    # Any other function: an answer, and for an HTTP route not a server error.
    if status is not None and status >= 500:
        raise SystemExit(f"{function} answered {status}: {invocation.response}")
    return (invocation.first_next - start) * 1000, (invocation.response_at - invocation.first_next) * 1000, status


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()

    queue = "http://127.0.0.1:1/000000000000/unused"
    secret_id, public_key = keys_secret(args.moto)
    # What the template's Globals give every function.
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
        "ROSTER_SES_CONFIGURATION_SET": "roster-bench",
        "ROSTER_PUBLIC_URL": "https://roster.test",
        "ROSTER_OPERATOR_TOKEN_SHA256": hashlib.sha256(b"bench operator").hexdigest(),
        "ROSTER_PUBLIC_KEY": public_key,
        "ROSTER_ORIGIN_VERIFY_SECRET": os.urandom(32).hex(),
        "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
        **({"SSL_CERT_FILE": os.environ["SSL_CERT_FILE"]} if "SSL_CERT_FILE" in os.environ else {}),
    }
    # And what it gives some functions only.
    per_function = {
        "ROSTER_KEYS_SECRET_ID": secret_id,
        "ROSTER_SEALING_KEY_ID": aws(args.moto, "kms").create_key(Description="bench sealing key")["KeyMetadata"]["Arn"],
    }
    template = template_functions()
    known = {binary: template.get(Path(binary).name) for binary in args.binaries}
    for binary, found in known.items():
        if found is None and Path(binary).name != "hello-lambda":
            raise SystemExit(f"{binary}: no function of infra/template.yaml builds it")
        if found and (missing := found[0] - set(env) - set(per_function)):
            raise SystemExit(f"{binary}: the template sets {sorted(missing)}, which this harness does not give")
    setting = {
        binary: ({**env, **{name: per_function[name] for name in found[0] if name in per_function}} if found else env, found and found[1])
        for binary, found in known.items()
    }
    secrets = aws(args.moto, "secretsmanager")
    calls = []
    for _ in range(20):
        begin = time.perf_counter()
        secrets.get_secret_value(SecretId=secret_id)
        calls.append((time.perf_counter() - begin) * 1000)
    print(f"moto answers GetSecretValue (boto3, warm connection) in {statistics.median(calls):.1f} ms (median of 20)\n")
    hello_binary = next((binary for binary in args.binaries if Path(binary).name == "hello-lambda"), None)
    functions = [binary for binary in args.binaries if binary != hello_binary]
    for binary in args.binaries:
        run_once(binary, *setting[binary])  # warm the page cache: every run then starts from the same state
    # Each function's runs take turns with runs of the hello-world Lambda (when it is
    # measured), its yardstick taken at the same moment and in the same state: a function's
    # ratio is its init median over the median of the hello-world runs paired with it. A
    # function's runs are one block: with 80 functions in turn, each binary would fall out
    # of the CPU's caches between its runs while the hello-world one, run every other time,
    # stayed in them (2026-12-07: that made every function look 0.2-0.4x slower).
    timings = {binary: [] for binary in functions}
    paired = {binary: [] for binary in functions}
    for binary in functions:
        for _ in range(args.runs):
            if hello_binary:
                paired[binary].append(run_once(hello_binary, *setting[hello_binary]))
            timings[binary].append(run_once(binary, *setting[binary]))
    hello_runs = [run for runs in paired.values() for run in runs]
    rows = ([(hello_binary, hello_runs, hello_runs)] if hello_binary else []) + [(binary, timings[binary], paired[binary]) for binary in functions]
    print(
        "| function | trigger, answer | reads the keys secret | binary bytes | init median (ms) | init p90 | × hello-world init "
        "| first invocation median (ms) | init + first invocation median (ms) | runs |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for binary, runs, yardstick in rows:
        inits, invocations, statuses = zip(*runs)
        p90 = statistics.quantiles(inits, n=10)[-1]
        ratio = f"{statistics.median(inits) / statistics.median(run[0] for run in yardstick):.2f}" if yardstick else "—"
        whole = statistics.median(i + v for i, v in zip(inits, invocations))
        source = setting[binary][1]
        trigger = "HTTP" if not source or source["Type"] == "HttpApi" else source["Type"]
        answer = f"{trigger} {statuses[0]}" if statuses[0] is not None else trigger
        reads_keys = "yes" if "ROSTER_KEYS_SECRET_ID" in setting[binary][0] else ""
        print(
            f"| {Path(binary).name} | {answer} | {reads_keys} | {os.path.getsize(binary):,} | {statistics.median(inits):.1f} | {p90:.1f} "
            f"| {ratio} | {statistics.median(invocations):.1f} | {whole:.1f} | {len(runs)} |"
        )

if __name__ == "__main__":
    main()

"""Imports into a large org while a client reads, against a running `roster-local`.

Usage: python3 scripts/bench_import_load.py BINARY [MEMBERS] [ROWS]

Starts BINARY (a `roster-local` build) on 127.0.0.1 with a fresh data directory, makes an
org with a signed-in org admin, fills it with MEMBERS invited members by CSV imports of
10,000 rows, then submits one more ROWS-row CSV import and, until every row is invited and
every invitation's email is in the outbox, asks `GET /v1/me` and the member list's first page
in turn from another thread. Prints one Markdown table row: the import's rate (submit to the
last email in the outbox), the readers' latencies, the seeding time, the import's own rate
(submit to its status `completed`, emails still going out), and the database's size per
member after seeding. Stops the server by its PID.
"""

import email
import json
import os
import quopri
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, token=None, body=None, content_type="application/json"):
        data = None
        headers = {}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read()
                return response.status, (json.loads(text) if text[:1] in (b"{", b"[") else text)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def outbox_count(outbox):
    try:
        return sum(1 for name in os.listdir(outbox) if name.endswith(".eml"))
    except FileNotFoundError:
        return 0


def invitation_token(outbox, to):
    for _ in range(200):
        for name in os.listdir(outbox) if os.path.isdir(outbox) else []:
            with open(os.path.join(outbox, name), "rb") as f:
                message = email.message_from_binary_file(f)
            if message["To"] == to:
                for part in message.walk():
                    if part.get_content_type() == "text/plain":
                        text = part.get_payload(decode=True).decode()
                        return re.search(r"/invite/([A-Za-z0-9_-]+)", text).group(1)
        time.sleep(0.1)
    raise SystemExit(f"no invitation email to {to}")


def csv_rows(prefix, start, count):
    lines = ["email,first_name,last_name,phone,department,position,role"]
    lines += [f"{prefix}{i}@load.test,Ann,Last{i},,,,member" for i in range(start, start + count)]
    return ("\n".join(lines) + "\n").encode()


def run_import(client, token, org, body):
    status, queued = client.call("POST", f"/v1/orgs/{org}/imports", token, body, "text/csv")
    assert status == 202, (status, queued)
    while True:
        status, job = client.call("GET", f"/v1/orgs/{org}/imports/{queued['id']}", token)
        if job["status"] in ("completed", "failed"):
            return job
        time.sleep(0.05)


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0


def main():
    binary = sys.argv[1]
    members = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    data_dir = tempfile.mkdtemp(prefix="roster-bench-load-")
    port = free_port()
    env = dict(os.environ, ROSTER_ADDR=f"127.0.0.1:{port}", ROSTER_DATA_DIR=data_dir, RUST_LOG="warn")
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(data_dir, "server.log"), "w"))
    try:
        client = Client(f"http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                client.call("GET", "/.well-known/jwks.json")
                break
            except OSError:
                time.sleep(0.1)
        operator = open(os.path.join(data_dir, "operator-token")).read().strip()
        status, created = client.call(
            "POST",
            "/v1/orgs",
            operator,
            {"name": "Load Clinic", "plan": "paid", "admin": {"email": "boss@load.test", "first_name": "Bo", "last_name": "Ss"}},
        )
        assert status == 201, created
        org = created["org"]["id"]
        outbox = os.path.join(data_dir, "outbox")
        token = invitation_token(outbox, "boss@load.test")
        status, _ = client.call(
            "POST",
            f"/v1/invitations/{token}/accept",
            None,
            {"first_name": "Bo", "last_name": "Ss", "phone": "+1 555 010 0100", "password": PASSWORD, "eula_accepted": True},
        )
        assert status == 200
        status, session = client.call("POST", "/v1/auth/login", None, {"email": "boss@load.test", "password": PASSWORD})
        admin = session["access_token"]
        seeding = time.monotonic()
        for start in range(0, members, 10_000):
            job = run_import(client, admin, org, csv_rows("seed", start, min(10_000, members - start)))
            assert job["status"] == "completed", job
            # The access token lasts 15 minutes: seeding a large org takes longer.
            status, session = client.call("POST", "/v1/auth/login", None, {"email": "boss@load.test", "password": PASSWORD})
            admin = session["access_token"]
        seeding = time.monotonic() - seeding
        # Storage: the database file and its write-ahead log, per member, after seeding.
        db_bytes = os.path.getsize(os.path.join(data_dir, "roster.db"))
        wal = os.path.join(data_dir, "roster.db-wal")
        wal_bytes = os.path.getsize(wal) if os.path.exists(wal) else 0
        expected = outbox_count(outbox) + rows
        while outbox_count(outbox) < expected - rows:
            time.sleep(0.1)

        done = threading.Event()
        me, listing = [], []

        def read():
            reader = Client(client.base)
            while not done.is_set():
                for samples, path in ((me, "/v1/me"), (listing, f"/v1/orgs/{org}/members?tab=unlicensed&limit=50")):
                    asked = time.monotonic()
                    status, _ = reader.call("GET", path, admin)
                    assert status == 200, status
                    samples.append(time.monotonic() - asked)

        readers = threading.Thread(target=read)
        started = time.monotonic()
        status, queued = client.call("POST", f"/v1/orgs/{org}/imports", admin, csv_rows("new", 0, rows), "text/csv")
        assert status == 202, (status, queued)
        readers.start()
        # The import's own end (its status, a cheap read), then the last email: listing an
        # outbox of 100,000 files costs a core for a while, so it is asked every 0.1 s only.
        while True:
            status, job = client.call("GET", f"/v1/orgs/{org}/imports/{queued['id']}", admin)
            if job["status"] in ("completed", "failed"):
                break
            time.sleep(0.02)
        imported = time.monotonic() - started
        while outbox_count(outbox) < expected:
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        done.set()
        readers.join()
        status, job = client.call("GET", f"/v1/orgs/{org}/imports/{queued['id']}", admin)
        assert job["invited"] == rows, job
        ms = lambda s: f"{s * 1000:.1f} ms"
        print(
            f"| {members} | {rows} | {elapsed:.2f} s | {rows / elapsed:.0f} rows/s | {len(me) + len(listing)} | "
            f"{ms(percentile(me, 0.5))} / {ms(percentile(me, 0.99))} / {ms(max(me))} | "
            f"{ms(percentile(listing, 0.5))} / {ms(percentile(listing, 0.99))} / {ms(max(listing))} | "
            f"{seeding:.0f} s | {rows / imported:.0f} rows/s | "
            f"{(db_bytes + wal_bytes) / (members + 1) / 1024:.2f} KB ({db_bytes / 1e6:.0f} MB + WAL {wal_bytes / 1e6:.0f} MB) |"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

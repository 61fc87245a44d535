"""What the benchmark scripts share: a JSON client for a running roster-local, a fresh
server on a free port, an org with a signed-in admin, CSV rows and imports."""

import base64
import json
import os
import quopri
import email
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PASSWORD = "correct horse battery"


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "embedded", "src", "item_dictionary.txt"), "rb") as f:
    ITEM_DICTIONARY = f.read()


def lz4_length(nibble, stored, at):
    """An LZ4 sequence's literal or match length: its token's nibble, and when that is 15,
    the bytes that follow added up to the first one under 255. Answers it and where the
    block goes on."""
    length = nibble
    if nibble == 15:
        while True:
            length += stored[at]
            at += 1
            if stored[at - 1] != 255:
                break
    return length, at


def item_text(stored):
    """An item's JSON text from its `data` column (shared/embedded/src/item_data.rs): TEXT
    as it is, or a BLOB of format 1, an LZ4 block compressed with the item dictionary."""
    if stored is None or isinstance(stored, str):
        return stored
    if stored[0] != 1:
        raise ValueError(f"unknown item data format {stored[0]}")
    length, shift, at = 0, 0, 1
    while True:
        byte = stored[at]
        at += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    dictionary = ITEM_DICTIONARY
    out = bytearray(dictionary)
    while at < len(stored):
        token = stored[at]
        at += 1
        literals, at = lz4_length(token >> 4, stored, at)
        out += stored[at : at + literals]
        at += literals
        if at >= len(stored):
            break
        offset = stored[at] | stored[at + 1] << 8
        at += 2
        match, at = lz4_length(token & 15, stored, at)
        if not 0 < offset <= len(out):
            raise ValueError(f"an LZ4 match {offset} bytes back, before the dictionary's start")
        start = len(out) - offset
        for i in range(match + 4):
            out.append(out[start + i])
    text = bytes(out[len(dictionary) :])
    if len(text) != length:
        raise ValueError(f"item data of {len(text)} bytes where its header says {length}")
    return text.decode()


ORG_CODE = re.compile("\x02([0-9]+)\x03")
KEY_TAIL = re.compile("\x04([0-7])")
HASH = re.compile("\x05([A-Za-z0-9_-]{43})")


LEADING = {
    "\x10": "MEMBER#",
    "\x11": "AUDIT#",
    "\x12": "EMAIL#",
    "\x13": "ACCOUNTS#",
    "\x14": "INVITE#",
    "\x15": "OUTBOX#",
    "\x16": "DEPTMEMBER#",
    "\x17": "DUE#invitation_expiry#",
    "\x18": "DUE#license_expiry#",
    "\x19": "DUE#delivery#",
}
AFTER_ORG = {"\x1b": "#TAB#", "\x1c": "#FIND#", "\x1d": "#AUDIT#"}


def item_key(stored, orgs):
    """A key as the app made it, from its stored form (shared/embedded/src/stored_forms.rs): its
    structural start written out, an invitation hash back in hex, each org code its id."""
    if not stored:
        return stored
    first = stored[0]
    if first == "\x1e":
        stored = "INVITE#" + base64.urlsafe_b64decode(stored[1:] + "=").hex()
    elif first in LEADING:
        stored = LEADING[first] + stored[1:]
    elif first == "\x02" and "\x03" in stored:
        end = stored.index("\x03") + 1
        if stored[end : end + 1] in AFTER_ORG:
            stored = stored[:end] + AFTER_ORG[stored[end]] + stored[end + 1 :]
    return ORG_CODE.sub(lambda m: "ORG#" + orgs[int(m.group(1))], stored)


def item_json(stored, keys, orgs):
    """An item's JSON text as the app wrote it, from its `data` column and its stored keys
    (pk, sk, then each index's two): the text (`item_text`) with each org's code replaced by
    its id, and each reference to a key's last 26 characters by them
    (shared/embedded/src/stored_forms.rs); `orgs` maps codes to org ids."""
    keys = [item_key(key, orgs) for key in keys]
    text = ORG_CODE.sub(lambda m: orgs[int(m.group(1))], item_text(stored))
    text = HASH.sub(lambda m: base64.urlsafe_b64decode(m.group(1) + "=").hex(), text)
    return KEY_TAIL.sub(lambda m: keys[int(m.group(1))][-26:], text)


def open_items(path):
    """The data directory's SQLite database, read-only, with `item_key(key)` and
    `item_json(data, pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk)` in its SQL."""
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    has_codes = db.execute("SELECT 1 FROM sqlite_schema WHERE name = 'org_codes'").fetchone()
    orgs = dict(db.execute("SELECT code, org FROM org_codes").fetchall()) if has_codes else {}
    db.create_function("item_key", 1, lambda key: item_key(key, orgs), deterministic=True)
    db.create_function("item_json", 9, lambda data, *keys: item_json(data, keys, orgs), deterministic=True)
    return db


ITEM_JSON = "item_json(data, pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk)"


def stored_org_pk(db, org):
    """An org's partition key as the database keeps it: `ORG#` and the id become the org's
    code between U+0002 and U+0003 (shared/embedded/src/stored_forms.rs)."""
    has_codes = db.execute("SELECT 1 FROM sqlite_schema WHERE name = 'org_codes'").fetchone()
    row = has_codes and db.execute("SELECT code FROM org_codes WHERE org = ?", (org,)).fetchone()
    return f"\x02{row[0]}\x03" if row else f"ORG#{org}"


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




class RosterServer:
    """`binary` started on 127.0.0.1 with a fresh data directory; stopped by its PID."""

    def __init__(self, binary, **env):
        self.binary = binary
        self.data_dir = tempfile.mkdtemp(prefix="roster-bench-")
        port = free_port()
        self.environment = dict(os.environ, ROSTER_ADDR=f"127.0.0.1:{port}", ROSTER_DATA_DIR=self.data_dir, RUST_LOG="warn", **env)
        self.client = Client(f"http://127.0.0.1:{port}")
        self.start_again()

    def start_again(self):
        """Starts the server (again, on the same address and data)."""
        log = open(os.path.join(self.data_dir, "server.log"), "a")
        self.process = subprocess.Popen([self.binary], env=self.environment, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(100):
            try:
                self.client.call("GET", "/.well-known/jwks.json")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("roster-local did not start")

    def org_with_admin(self):
        """A paid org and its signed-in org admin: (org id, access token)."""
        operator = open(os.path.join(self.data_dir, "operator-token")).read().strip()
        status, created = self.client.call(
            "POST",
            "/v1/orgs",
            operator,
            {"name": "Load Clinic", "plan": "paid", "admin": {"email": "boss@load.test", "first_name": "Bo", "last_name": "Ss"}},
        )
        assert status == 201, created
        token = invitation_token(os.path.join(self.data_dir, "outbox"), "boss@load.test")
        status, _ = self.client.call(
            "POST",
            f"/v1/invitations/{token}/accept",
            None,
            {"first_name": "Bo", "last_name": "Ss", "phone": "+1 555 010 0100", "password": PASSWORD, "eula_accepted": True},
        )
        assert status == 200
        return created["org"]["id"], self.login()

    def login(self):
        status, session = self.client.call("POST", "/v1/auth/login", None, {"email": "boss@load.test", "password": PASSWORD})
        assert status == 200, session
        return session["access_token"]

    def seed(self, org, members, prefix="seed"):
        """`members` invited members through 10,000-row CSV imports; answers the seconds it took."""
        started = time.monotonic()
        for start in range(0, members, 10_000):
            job = run_import(self.client, self.login(), org, csv_rows(prefix, start, min(10_000, members - start)))
            assert job["status"] == "completed", job
        return time.monotonic() - started

    def stop(self):
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

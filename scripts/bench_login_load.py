"""Sign-ins beside other requests, against a running `roster-local`.

Usage: python3 scripts/bench_login_load.py BINARY [SECONDS] [SIGNING_IN]

Starts BINARY (a `roster-local` build) on 127.0.0.1 with a fresh data directory, makes an
org with a signed-in org admin, then for SECONDS (10) has SIGNING_IN threads (4) sign the
admin in again and again with the right password (each an Argon2id check), while one more
thread asks `GET /v1/me` in turn. Prints one Markdown table row: the sign-ins a second and
their statuses, then `GET /v1/me`'s answers a second and its p50 / p99 / worst latency.
Stops the server by its PID.
"""

import shutil
import sys
import threading
import time
from collections import Counter

from benchlib import PASSWORD, Client, RosterServer, percentile


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    signing_in = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    server = RosterServer(binary)
    try:
        base = server.client.base
        _, admin = server.org_with_admin()
        done = threading.Event()
        statuses = Counter()
        me = []

        def sign_in():
            client = Client(base)
            while not done.is_set():
                status, _ = client.call("POST", "/v1/auth/login", None, {"email": "boss@load.test", "password": PASSWORD})
                statuses[status] += 1

        def read():
            client = Client(base)
            while not done.is_set():
                asked = time.monotonic()
                status, _ = client.call("GET", "/v1/me", admin)
                assert status == 200, status
                me.append(time.monotonic() - asked)

        threads = [threading.Thread(target=sign_in) for _ in range(signing_in)] + [threading.Thread(target=read)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        done.set()
        for thread in threads:
            thread.join()
        ms = lambda s: f"{s * 1000:.1f} ms"
        print(
            f"| {signing_in} | {sum(statuses.values()) / seconds:.1f} | {dict(sorted(statuses.items()))} | "
            f"{len(me) / seconds:.0f} | {ms(percentile(me, 0.5))} / {ms(percentile(me, 0.99))} / {ms(max(me))} |"
        )
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Imports into a large org while a client reads, against a running `roster-local`.

Usage: python3 scripts/bench_import_load.py BINARY [MEMBERS] [ROWS]

Starts BINARY (a `roster-local` build) on 127.0.0.1 with a fresh data directory, makes an
org with a signed-in org admin, fills it with MEMBERS invited members by CSV imports of
10,000 rows, then submits one more ROWS-row CSV import and, until every row is invited and
every invitation's email is in the outbox, asks `GET /v1/me` and the member list's first page
in turn from another thread. Prints one Markdown table row: the import's rate (submit to the
last email in the outbox), the readers' latencies, the seeding time, the import's own rate
(submit to its status `completed`, emails still going out), and the database's size per
member after seeding, and then where the bytes go at the end (each table and index, each
kind of item). Stops the server by its PID.
"""

import os
import shutil
import sys
import threading
import time

from benchlib import Client, RosterServer, csv_rows, open_items, outbox_count, percentile


def main():
    binary = sys.argv[1]
    members = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    server = RosterServer(binary)
    data_dir = server.data_dir
    try:
        client = server.client
        org, admin = server.org_with_admin()
        outbox = os.path.join(data_dir, "outbox")
        seeding = server.seed(org, members)
        admin = server.login()
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
        server.stop()
        print()
        print(f"At the end, every email sent: {pages_in_use(os.path.join(data_dir, 'roster.db')) / (members + rows + 1) / 1024:.2f} KB a member in pages in use")
        print()
        print(storage_breakdown(os.path.join(data_dir, "roster.db"), members + rows + 1))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def pages_in_use(path):
    """The bytes of the database's pages that hold something, once its write-ahead log is
    copied in: what its file would be after a VACUUM (free pages are reused by later writes)."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size, pages, free = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_size", "page_count", "freelist_count"))
    db.close()
    return page_size * (pages - free)


def storage_breakdown(path, members):
    """Where the database's bytes go, per member: each table and index's pages (SQLite's
    dbstat), and the items of each kind (their count and stored bytes: keys, and the data
    as kept, compressed or not) a member."""

    db = open_items(path)
    lines = ["| table or index | pages' bytes a member | used |", "|---|---|---|"]
    for name, size, unused in db.execute(
        "SELECT name, SUM(pgsize), SUM(unused) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC"
    ):
        lines.append(f"| {name} | {size / members:.0f} B | {100 * (size - unused) / size:.0f} % |")
    lines += ["", "| item kind | items a member | stored bytes a member (keys and data) |", "|---|---|---|"]
    # Keys as the app made them (item_key): the stored ones are shortened (stored_forms.rs).
    kind = """CASE WHEN item_key(pk) LIKE 'ORG#%#FIND#%' THEN 'member search entry'
                   WHEN item_key(pk) LIKE 'ORG#%' THEN 'ORG ' || substr(item_key(sk), 1, instr(item_key(sk) || '#', '#') - 1)
                   ELSE substr(item_key(pk), 1, instr(item_key(pk) || '#', '#') - 1) END"""
    text = "length(pk) + length(sk) + length(CAST(data AS BLOB)) + " + " + ".join(
        f"coalesce(length(gsi{n}pk) + length(gsi{n}sk), 0)" for n in (1, 2, 3)
    )
    for name, count, size in db.execute(
        f"SELECT {kind} AS k, COUNT(*), SUM({text}) FROM items GROUP BY k ORDER BY SUM({text}) DESC"
    ):
        lines.append(f"| {name} | {count / members:.2f} | {size / members:.0f} B |")
    db.close()
    return "\n".join(lines)


if __name__ == "__main__":
    main()

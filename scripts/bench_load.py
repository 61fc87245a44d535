"""Load against a running `roster-local`: 32 connections of mixed work on a large org.

Usage: python3 scripts/bench_load.py BINARY [MEMBERS] [SECONDS]

Starts BINARY (a `roster-local` build) with a fresh data directory, fills an org with
MEMBERS invited members (CSV imports of 10,000 rows), then drives it with autocannon (npm,
pinned in scripts/load/package.json; installed here on first use), 32 connections each:
20 s against the trivial route (`GET /.well-known/jwks.json`), 20 s of member lists, 20 s
of searches, then SECONDS of mixed work (70 % reads: `GET /v1/me`, member lists, searches,
one member; 20 % invitations; 10 % member updates). Afterwards it stops the server and
counts in its database that the members, the invitations and the audit events are exactly
what the requests made (one member, invited, and one audit event an invitation; one audit
event an update; within the requests still in flight when the run ended). Prints
Markdown table rows. Stops the server by its PID.
"""

import json
import os
import shutil
import subprocess
import sys

from benchlib import ITEM_JSON, RosterServer, open_items, stored_org_pk

LOAD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "load")


def autocannon(config):
    if not os.path.isdir(os.path.join(LOAD, "node_modules", "autocannon")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LOAD, check=True)
    out = subprocess.run(["node", os.path.join(LOAD, "run.mjs"), json.dumps(config)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def counts(data_dir, org):
    """What `org` holds, read from the stopped server's database: members, invited members,
    audit events, and audit events by action."""
    db = open_items(os.path.join(data_dir, "roster.db"))
    pk = stored_org_pk(db, org)
    count = lambda where: db.execute(f"SELECT COUNT(*) FROM items WHERE pk = ? AND {where}", (pk,)).fetchone()[0]
    held = {
        "members": count("item_key(sk) LIKE 'MEMBER#%'"),
        "invited": count(f"item_key(sk) LIKE 'MEMBER#%' AND json_extract({ITEM_JSON}, '$.status') = 'invited'"),
        "audit events": count("item_key(sk) LIKE 'AUDIT#%'"),
    }
    for action, n in db.execute(
        f"SELECT json_extract({ITEM_JSON}, '$.action'), COUNT(*) FROM items WHERE pk = ? AND item_key(sk) LIKE 'AUDIT#%' GROUP BY 1", (pk,)
    ):
        held[f"audit {action}"] = n
    db.close()
    return held


def main():
    binary = sys.argv[1]
    members = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    server = RosterServer(binary)
    try:
        org, admin = server.org_with_admin()
        server.seed(org, members)
        admin = server.login()
        status, page = server.client.call("GET", f"/v1/orgs/{org}/members?tab=unlicensed&limit=200", admin)
        assert status == 200, page
        member_ids = [m["id"] for m in page["items"]]
        base = {"base": server.client.base, "token": admin, "org": org, "connections": 32, "seeded": members, "member_ids": member_ids}
        server.stop()
        before = counts(server.data_dir, org)
        server.start_again()
        runs = [autocannon(dict(base, mode=mode, seconds=20)) for mode in ("trivial", "list", "search")]
        runs.append(autocannon(dict(base, mode="mixed", seconds=seconds)))
        server.stop()
        after = counts(server.data_dir, org)
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)

    # Every request answered: no connection error and no timeout in any run.
    for run in runs:
        assert run["errors"] == 0 and run["timeouts"] == 0, (run["mode"], run["errors"], run["timeouts"])
    trivial = runs[0]["rps"]
    print("| run | requests/s | share of the trivial route | p50 | p99 | requests | 5xx | other statuses |")
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        fivexx = sum(n for code, n in run["status"].items() if code.startswith("5"))
        others = {code: n for code, n in run["status"].items() if not code.startswith(("2", "5"))}
        print(
            f"| {run['mode']} | {run['rps']:.0f} | {100 * run['rps'] / trivial:.1f} % | {run['p50_ms']} ms | {run['p99_ms']} ms | "
            f"{run['total']} | {fivexx} | {others or '—'} |"
        )
    mixed = runs[-1]["counts"]
    added = {key: after.get(key, 0) - before.get(key, 0) for key in after}
    print()
    print(f"mixed, answers by request and status: {dict(sorted(mixed.items()))}")
    print(f"added to the store: {added}")
    # Every invitation is one member, invited, with its one audit event; every update one
    # audit event; nothing else was written. autocannon stops counting at the end of the
    # run with up to one request a connection in flight: those were done but not counted.
    invites, updates = added["members"], added.get("audit member_updated", 0)
    assert added["invited"] == invites == added.get("audit member_invited", 0), added
    assert added["audit events"] == invites + updates, added
    in_flight = 32
    assert mixed.get("invite 201", 0) <= invites <= mixed.get("invite 201", 0) + in_flight, (mixed, added)
    assert mixed.get("update 200", 0) <= updates <= mixed.get("update 200", 0) + in_flight, (mixed, added)
    assert all(not key.split()[1].startswith("5") for key in mixed), "a 5xx answer"
    print("the counts add up")


if __name__ == "__main__":
    main()

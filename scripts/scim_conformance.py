"""Runs scim2-tester, a SCIM 2.0 client no one here wrote, against a fresh roster-local:
    python3 scripts/scim_conformance.py <path-to-roster-local-binary> <path-to-scim2>

Starts the binary on 127.0.0.1 with a fresh data dir, makes a paid org whose admin issues a
directory-sync token, then runs `scim2 --url <base> test` with that token (passed in
SCIM_CLI_HEADERS, not on the command line). Every check must succeed: none may fail or be
skipped."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import RosterServer  # noqa: E402


def main():
    binary, scim2 = sys.argv[1], sys.argv[2]
    server = RosterServer(binary)
    try:
        org, admin = server.org_with_admin()
        status, issued = server.client.call("POST", f"/v1/orgs/{org}/scim/token", admin)
        assert status == 201, (status, issued)
        environment = dict(os.environ, SCIM_CLI_HEADERS=f"Authorization: Bearer {issued['token']}")
        run = subprocess.run(
            [scim2, "--url", issued["base_url"], "test", "--verbose"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # Each check's status and name, then (on the next line, indented) why.
        results = re.findall(r"^(SUCCESS|ERROR|CRITICAL|SKIPPED) (\S+)[^\n]*(?:\n  ([^\n]*))?", run.stdout, re.MULTILINE)
        bad = [(s, name, why) for s, name, why in results if s != "SUCCESS"]
        for status, name, why in results:
            print(f"{status:8} {name}: {why.strip()}")
        passed = sum(1 for s, _, _ in results if s == "SUCCESS")
        print(f"scim2-tester: {passed} of {len(results)} checks succeeded")
        if bad or not results:
            if not results:
                print(run.stdout, run.stderr, file=sys.stderr)
            sys.exit(f"scim2-tester: {len(bad)} checks failed")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

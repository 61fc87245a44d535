"""moto's server (`moto_server`, same arguments) with its DynamoDB backend made linearizable.

moto serves requests on many threads, but its DynamoDB backend takes no lock. In moto 5.2.5
`transact_write_items` checks conditions and writes item by item, and on a failed condition
restores a copy of the whole table taken before it started, which erases writes that other
requests committed meanwhile. Two racing "create if absent" transactions can then both
succeed. Real DynamoDB serializes transactions with each other and with single-item
operations, so here every call into the DynamoDB backend holds one lock: the emulator keeps
the guarantees Roster's conditional writes rely on, and the concurrency tests test Roster.
"""

import functools
import inspect
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_lock = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    return locked


for name, member in inspect.getmembers(DynamoDBBackend, inspect.isfunction):
    if not name.startswith("_"):
        setattr(DynamoDBBackend, name, _serialized(member))

if __name__ == "__main__":
    sys.exit(main())

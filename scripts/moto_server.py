"""moto's server (`moto_server`, same arguments) with its DynamoDB backend made linearizable.

moto serves requests on many threads, but its DynamoDB backend takes no lock. In moto 5.2.5
`transact_write_items` checks conditions and writes item by item, and on a failed condition
restores a copy of the whole table taken before it started, which erases writes that other
requests committed meanwhile. Two racing "create if absent" transactions can then both
succeed. Real DynamoDB serializes transactions with each other and with single-item
operations, so here every call into the DynamoDB backend holds one lock: the emulator keeps
the guarantees Roster's conditional writes rely on, and the concurrency tests test Roster.

moto also snapshots a table for a transaction's rollback with `copy.deepcopy`, once per item
of the transaction, and keeps every copy: a 25-item transaction on a table of 5,000 items
took 2 s and grew the server by 115 MB (measured), so a large test ran it out of memory. A
transaction of puts, deletes and condition checks (all Roster sends) only ever replaces or
removes whole items, so one copy of the table's item dicts, taken once per transaction,
restores the same state on a failure; a transaction with an update keeps moto's own way.
"""

import copy
import functools
import inspect
import sys
import threading
import types
from collections import defaultdict

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_lock = threading.RLock()


def _items_of(table):
    """A copy of a table's item dicts (hash key -> item, or -> range key -> item)."""
    return {key: dict(entry) if isinstance(entry, dict) else entry for key, entry in table.items.items()}


_transact_write_items = DynamoDBBackend.transact_write_items


def transact_write_items(self, transact_items):
    if any("Update" in item for item in transact_items):
        return _transact_write_items(self, transact_items)
    names = {op.get("TableName") for item in transact_items for op in item.values()}
    snapshots = {name: _items_of(self.tables[name]) for name in names if name in self.tables}
    # moto's own rollback puts back what copy.deepcopy gave it: here the table itself, whose
    # items are restored below (moto kept every copied Table: memory grew with every
    # transaction). Runs under the backend lock (below), so no other DynamoDB call sees the
    # swap.
    dynamodb_models.copy = types.SimpleNamespace(deepcopy=lambda value, memo=None: value)
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for name, items in snapshots.items():
            self.tables[name].items = defaultdict(dict, items)
        raise
    finally:
        dynamodb_models.copy = copy


DynamoDBBackend.transact_write_items = transact_write_items


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

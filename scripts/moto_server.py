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
removes whole items, so the items it names, as they were before it, restore the same state
on a failure: a transaction's cost follows its own size, not the table's. A transaction
with an update keeps moto's own way.

moto's queries sort the whole table before keeping the queried partition; `query` below gives
them only what they keep (see its note), so a query's cost no longer grows with the table.
moto's SQS counts a queue's messages at every send; `send_message` below skips that.
"""

import copy
import functools
import inspect
import sys
import threading
import types

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.server import main
from moto.sqs.models import Queue, SQSBackend

_lock = threading.RLock()


def _named_items(backend, transact_items):
    """Each item a transaction writes, as it is before it: (table, hash key, range key, item or None)."""
    named = []
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None or op_type not in ("Put", "Delete"):
            continue
        attrs = op.get("Item" if op_type == "Put" else "Key") or {}
        try:
            hash_key = DynamoType(attrs[table.hash_key_attr])
            range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError):
            continue  # moto refuses the malformed write itself, before writing it
        named.append((table, hash_key, range_key, table.get_item(hash_key, range_key)))
    return named


def _restore(named):
    for table, hash_key, range_key, item in reversed(named):
        if item is None:
            table.delete_item(hash_key, range_key)
        elif range_key is None:
            table.items[hash_key] = item
        else:
            table.items[hash_key][range_key] = item


_transact_write_items = DynamoDBBackend.transact_write_items


def transact_write_items(self, transact_items):
    if any("Update" in item for item in transact_items):
        return _transact_write_items(self, transact_items)
    named = _named_items(self, transact_items)
    # moto's own rollback puts back what copy.deepcopy gave it: here the table itself, whose
    # items are restored below. Runs under the backend lock (below), so no other DynamoDB
    # call sees the swap.
    dynamodb_models.copy = types.SimpleNamespace(deepcopy=lambda value, memo=None: value)
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        _restore(named)
        raise
    finally:
        dynamodb_models.copy = copy


DynamoDBBackend.transact_write_items = transact_write_items

_query = Table.query
_QUERY_SIGNATURE = inspect.signature(_query)


def query(self, hash_key, *args, **kwargs):
    """moto's query starts from every item of the table, sorted (`all_items`), then keeps the
    query's partition and sorts those again: each query costs a sort of the whole table. The
    candidates it needs are, for a table query, its partition's items (those whose sort key
    meets the query's `begins_with`, `BETWEEN` or `<=`), and for an index query every item in any
    order; both are given here, so a query costs its partition (a table's)
    or one pass over the table (an index's), as the results are sorted afterwards either way.
    Runs under the backend lock (below), so no other call sees the swap."""
    bound = _QUERY_SIGNATURE.bind(self, hash_key, *args, **kwargs).arguments
    index_name = bound.get("index_name")
    if not self.range_key_attr or (hash_key is None and not index_name):
        return _query(self, hash_key, *args, **kwargs)
    if index_name:
        self.all_items = lambda: [item for partition in self.items.values() for item in partition.values()]
    else:
        partition = list(self.items.get(hash_key, {}).values())
        comparison, values = bound.get("range_comparison"), bound.get("range_objs") or []
        # The sort key condition kept with plain string compares (code point order is UTF-8's
        # byte order, DynamoDB's), before moto's typed ones sort what is left.
        keep = None
        if values and all(value.type == "S" for value in values):
            bounds = [value.value for value in values]
            if comparison == "BEGINS_WITH" and len(bounds) == 1:
                keep = lambda key: key.startswith(bounds[0])
            elif comparison == "BETWEEN" and len(bounds) == 2:
                keep = lambda key: bounds[0] <= key <= bounds[1]
            elif comparison in ("<=", "LE") and len(bounds) == 1:
                keep = lambda key: key <= bounds[0]
        if keep is not None:
            partition = [item for item in partition if isinstance(item.range_key.value, str) and keep(item.range_key.value)]
        self.all_items = lambda: partition
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


Table.query = query

_queue_attributes = Queue.attributes
_sending = threading.local()


def _attributes(self):
    # While a message is sent to a standard queue: what sending reads of its attributes
    # (none of the FIFO ones apply), without counting the queue's messages three times.
    if getattr(_sending, "active", False) and not self.fifo_queue:
        return {}
    return _queue_attributes.fget(self)


Queue.attributes = property(_attributes)
_send_message = SQSBackend.send_message


def send_message(self, *args, **kwargs):
    """moto's send reads the queue's attributes, which counts every message it holds: a
    send cost the queue's length. Here it reads none for a standard queue."""
    _sending.active = True
    try:
        return _send_message(self, *args, **kwargs)
    finally:
        _sending.active = False


SQSBackend.send_message = send_message


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

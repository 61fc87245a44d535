//! The store port: items with a partition and sort key, four secondary indexes, and
//! all-or-nothing conditional writes. Shaped after DynamoDB so both the embedded database
//! and DynamoDB implement it directly; the app maps entities onto it in `table.rs`.

use async_trait::async_trait;

/// One stored item. `version` is the optimistic-concurrency counter every write checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    pub version: u64,
    /// The entity, as JSON text: records are decoded straight from it (`table::decode`),
    /// with no tree of values built in between.
    pub data: String,
    /// Secondary index keys (partition, sort); an item without them is not in that index.
    pub gsi1: Option<(String, String)>,
    pub gsi3: Option<(String, String)>,
    /// A member's names, "first last" (GSI4) and "last first" (GSI5): partitioned as its
    /// GSI1 entry is (the member's tab), so their partition is always GSI1's.
    pub gsi4: Option<(String, String)>,
    pub gsi5: Option<(String, String)>,
    /// When the item is of no more use (unix seconds): the store may delete it after then
    /// (DynamoDB's TTL; SQLite's purge). Readers still check their own expiry, since a
    /// deletion may come late.
    pub expires_at: Option<i64>,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, version: u64, data: serde_json::Value) -> Self {
        Item {
            pk: pk.into(),
            sk: sk.into(),
            version,
            data: data.to_string(),
            gsi1: None,
            gsi3: None,
            gsi4: None,
            gsi5: None,
            expires_at: None,
        }
    }

    /// The item, deletable by the store after `at`.
    pub fn expiring_at(mut self, at: time::OffsetDateTime) -> Item {
        self.expires_at = Some(at.unix_timestamp());
        self
    }

    /// The entity as a JSON value (`Null` if its text is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null)
    }

    /// The item's key in `index` (partition, sort), if it is in it.
    pub fn index_key(&self, index: IndexName) -> Option<&(String, String)> {
        match index {
            IndexName::Gsi1 => self.gsi1.as_ref(),
            IndexName::Gsi3 => self.gsi3.as_ref(),
            IndexName::Gsi4 => self.gsi4.as_ref(),
            IndexName::Gsi5 => self.gsi5.as_ref(),
        }
    }

    /// Refuses an item whose name index keys (GSI4, GSI5) are in another partition than its
    /// GSI1 entry, or that has them without one: the stores keep only their sort keys.
    pub fn check_index_partitions(&self) -> Result<(), StoreError> {
        let tab = self.gsi1.as_ref().map(|(partition, _)| partition);
        for key in [&self.gsi4, &self.gsi5].into_iter().flatten() {
            if Some(&key.0) != tab {
                return Err(StoreError::Refused(format!(
                    "{}/{}: a name index key outside its GSI1 partition",
                    self.pk, self.sk
                )));
            }
        }
        Ok(())
    }

    /// The same index entries as `other`: a rewrite that keeps the item where it was in
    /// every index.
    pub fn with_index_of(mut self, other: &Item) -> Item {
        self.gsi1 = other.gsi1.clone();
        self.gsi3 = other.gsi3.clone();
        self.gsi4 = other.gsi4.clone();
        self.gsi5 = other.gsi5.clone();
        self
    }
}

/// The secondary indexes: GSI1 (member tabs, audit by member), GSI3 (sparse: what sweeps
/// must look at, by due time), and GSI4 and GSI5 (sparse: members by name, "first last"
/// and "last first", in the partition of their tab). There is no GSI2 any more: it held
/// the accounts of an email across orgs, which the account directory's entries now are
/// (`table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexName {
    Gsi1,
    Gsi3,
    Gsi4,
    Gsi5,
}

impl IndexName {
    /// Every index, in the order of their names.
    pub const ALL: [IndexName; 4] = [IndexName::Gsi1, IndexName::Gsi3, IndexName::Gsi4, IndexName::Gsi5];

    pub fn as_str(self) -> &'static str {
        match self {
            IndexName::Gsi1 => "GSI1",
            IndexName::Gsi3 => "GSI3",
            IndexName::Gsi4 => "GSI4",
            IndexName::Gsi5 => "GSI5",
        }
    }
}

/// What must hold for a write to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Write whatever is there.
    None,
    /// No item with this key exists (uniqueness).
    NotExists,
    /// The item exists with exactly this version.
    Version(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// Writes nothing: the transaction happens only if `condition` holds for this key
    /// (DynamoDB's `ConditionCheck`). `Condition::None` is not a check.
    Check {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// Adds `delta` to a counter (an item whose `version` is the count, created at 0 when
    /// absent), only if the count stays at 0 or more and, for a rise, at most `at_most`
    /// (when given); otherwise the transaction fails at this write (`ConditionFailed`). Concurrent additions need
    /// no version: DynamoDB checks and adds in one step (an `Update` with `ADD`).
    Add {
        pk: String,
        sk: String,
        delta: i64,
        at_most: Option<u64>,
    },
}

impl Write {
    /// The key this write is about.
    pub fn key(&self) -> (&str, &str) {
        match self {
            Write::Put { item, .. } => (&item.pk, &item.sk),
            Write::Delete { pk, sk, .. } | Write::Check { pk, sk, .. } | Write::Add { pk, sk, .. } => (pk, sk),
        }
    }

    pub fn condition(&self) -> Condition {
        match self {
            Write::Put { condition, .. } | Write::Delete { condition, .. } | Write::Check { condition, .. } => *condition,
            // Its bounds are its condition.
            Write::Add { .. } => Condition::None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkCondition {
    Any,
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
    AtMost(String),
}

impl SkCondition {
    /// Whether the sort key `key` meets the condition.
    pub fn matches(&self, key: &str) -> bool {
        match self {
            SkCondition::Any => true,
            SkCondition::BeginsWith(prefix) => key.starts_with(prefix.as_str()),
            SkCondition::Between(low, high) => (low.as_str()..=high.as_str()).contains(&key),
            SkCondition::AtMost(high) => key <= high.as_str(),
        }
    }
}

/// A query of one partition of the table or of an index, in ascending sort-key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub index: Option<IndexName>,
    pub partition: String,
    pub sort: SkCondition,
    pub limit: usize,
    /// Opaque cursor from an earlier page of the same query.
    pub cursor: Option<String>,
}

impl Query {
    /// Whether `item` is where this query reads: in its partition of the table or index,
    /// with a sort key in its range.
    pub fn reaches(&self, item: &Item) -> bool {
        let key = match self.index {
            Some(index) => item.index_key(index).map(|(pk, sk)| (pk.as_str(), sk.as_str())),
            None => Some((item.pk.as_str(), item.sk.as_str())),
        };
        key.is_some_and(|(pk, sk)| pk == self.partition && self.sort.matches(sk))
    }

    pub fn table(partition: impl Into<String>, sort: SkCondition) -> Self {
        Query {
            index: None,
            partition: partition.into(),
            sort,
            limit: 100,
            cursor: None,
        }
    }
    pub fn index(index: IndexName, partition: impl Into<String>, sort: SkCondition) -> Self {
        Query {
            index: Some(index),
            partition: partition.into(),
            sort,
            limit: 100,
            cursor: None,
        }
    }
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A condition did not hold; nothing was written. `index` is the failing write.
    #[error("condition failed on write {index}")]
    ConditionFailed { index: usize },
    /// Another transaction touched the same items at the same moment; nothing was written.
    #[error("transaction conflict")]
    TransactionConflict,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// An item no caller should make (a name index key outside its GSI1 partition): a
    /// programming error, not a passing failure; nothing was written.
    #[error("item refused: {0}")]
    Refused(String),
    /// The queried index answers nothing yet: DynamoDB is still filling an index just added
    /// to the table (or it is not there at all).
    #[error("index not ready: {0}")]
    IndexNotReady(String),
}

#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError>;
    async fn query(&self, query: Query) -> Result<Page, StoreError>;
    /// The items with these keys that exist (in no particular order), read consistently:
    /// one call per 100 keys on DynamoDB (`BatchGetItem`), instead of one per key.
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError>;
    /// Applies every write or none. At most `transaction_limit()` writes, each on a
    /// distinct key.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError>;
    /// The most writes one `transact` call takes: DynamoDB's 100 unless the store says
    /// otherwise. Long work (an import) puts as much in one transaction as this allows.
    fn transaction_limit(&self) -> usize {
        MAX_TRANSACTION_WRITES
    }
    /// Adds `delta` to the counter at `pk`/`sk` (an item whose `version` is the count,
    /// created at 0 when absent) in one atomic operation, only while the count is below
    /// `below` when that is given: answers the count after, or `None` when it had reached
    /// `below` (nothing changes). Concurrent calls never lose a count nor pass the limit
    /// (DynamoDB: `UpdateItem` with `ADD` and a condition; SQLite: an upsert with a
    /// `WHERE`). The store may delete the item after `expires_at` (unix seconds).
    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError>;
    /// Deletes items whose `expires_at` is before `now`; answers how many. DynamoDB does
    /// this by itself (TTL), so there it deletes nothing.
    async fn purge_expired(&self, _now: time::OffsetDateTime) -> Result<usize, StoreError> {
        Ok(0)
    }
}

/// The most writes one `transact` call takes on DynamoDB (its limit), and on any store
/// that does not say otherwise.
pub const MAX_TRANSACTION_WRITES: usize = 100;

/// The store of a function that uses no table (its route's facts say so): it builds no
/// database client, and any call is refused as unavailable.
pub struct NoStore;

fn no_table() -> StoreError {
    StoreError::Unavailable("this function uses no table".into())
}

#[async_trait]
impl Store for NoStore {
    async fn get(&self, _: &str, _: &str) -> Result<Option<Item>, StoreError> {
        Err(no_table())
    }
    async fn query(&self, _: Query) -> Result<Page, StoreError> {
        Err(no_table())
    }
    async fn batch_get(&self, _: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        Err(no_table())
    }
    async fn transact(&self, _: Vec<Write>) -> Result<(), StoreError> {
        Err(no_table())
    }
    async fn add_to_counter(&self, _: &str, _: &str, _: i64, _: Option<u64>, _: i64) -> Result<Option<u64>, StoreError> {
        Err(no_table())
    }
    async fn purge_expired(&self, _: time::OffsetDateTime) -> Result<usize, StoreError> {
        Err(no_table())
    }
}

//! Store wrappers that make the real world's timing visible to tests: secondary indexes
//! that lag behind the table (as DynamoDB's global secondary indexes do), and store calls
//! that take a varying time (so concurrent requests interleave).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use roster_app::ports::{Item, Page, Query, Store, StoreError, Write};

/// Answers index queries from a copy of the table that takes each committed write only
/// `lag` after it committed: a decision taken on an index read sees the past, as it can on
/// DynamoDB (whose index reads are eventually consistent). Gets and table queries read the
/// table itself, consistently.
pub struct StaleIndexStore {
    inner: Arc<dyn Store>,
    lag: Duration,
    state: Mutex<Replica>,
}

#[derive(Default)]
struct Replica {
    items: BTreeMap<(String, String), Item>,
    /// Committed writes not yet in `items`, oldest first.
    pending: VecDeque<(Instant, Vec<Write>)>,
}

impl Replica {
    fn catch_up(&mut self, lag: Duration) {
        while self.pending.front().is_some_and(|(at, _)| at.elapsed() >= lag) {
            let (_, writes) = self.pending.pop_front().expect("checked");
            for write in writes {
                match write {
                    Write::Put { item, .. } => {
                        self.items.insert((item.pk.clone(), item.sk.clone()), item);
                    }
                    Write::Delete { pk, sk, .. } => {
                        self.items.remove(&(pk, sk));
                    }
                    // Counters are in no index.
                    Write::Check { .. } | Write::Add { .. } => {}
                }
            }
        }
    }
}

impl StaleIndexStore {
    pub fn new(inner: Arc<dyn Store>, lag: Duration) -> StaleIndexStore {
        StaleIndexStore {
            inner,
            lag,
            state: Mutex::new(Replica::default()),
        }
    }

    /// Lets the indexes catch up with every committed write now.
    pub fn settle(&self) {
        self.state.lock().expect("replica lock").catch_up(Duration::ZERO);
    }
}

#[async_trait]
impl Store for StaleIndexStore {
    fn transaction_limit(&self) -> usize {
        self.inner.transaction_limit()
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }

    /// Gets read the table, consistently, like `get`.
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        self.inner.batch_get(keys).await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let Some(index) = query.index else {
            return self.inner.query(query).await;
        };
        let (items, next_cursor) = {
            let mut state = self.state.lock().expect("replica lock");
            state.catch_up(self.lag);
            // Index order: the index sort key, then the item's key; the cursor is that position.
            let mut found: Vec<((String, String, String), &Item)> = state
                .items
                .values()
                .filter(|item| query.reaches(item))
                .filter_map(|item| {
                    let (_, sort) = item.index_key(index)?;
                    Some(((sort.clone(), item.pk.clone(), item.sk.clone()), item))
                })
                .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            let start = match &query.cursor {
                Some(cursor) => {
                    // The cursor names its index, as DynamoDB's names the index's attributes.
                    let (named, sort, pk, sk): (String, String, String, String) =
                        serde_json::from_str(cursor).map_err(|_| StoreError::InvalidCursor)?;
                    if named != index.as_str() {
                        return Err(StoreError::InvalidCursor);
                    }
                    let position = (sort, pk, sk);
                    found.partition_point(|(key, _)| *key <= position)
                }
                None => 0,
            };
            let page: Vec<_> = found.into_iter().skip(start).take(query.limit + 1).collect();
            let next_cursor = (page.len() > query.limit).then(|| {
                let ((sort, pk, sk), _) = &page[query.limit - 1];
                serde_json::to_string(&(index.as_str(), sort, pk, sk)).expect("strings serialize")
            });
            let items: Vec<Item> = page.into_iter().take(query.limit).map(|(_, item)| item.clone()).collect();
            (items, next_cursor)
        };
        if !roster_aws::dynamo_store::projects_keys_only(index) {
            return Ok(Page { items, next_cursor });
        }
        // A keys-only index names its items, which the DynamoDB adapter then reads from the
        // table, keeping those still where the query asked (`DynamoStore::items_named_by`).
        let keys: Vec<(String, String)> = items.iter().map(|item| (item.pk.clone(), item.sk.clone())).collect();
        let mut found: BTreeMap<(String, String), Item> = self
            .inner
            .batch_get(keys.clone())
            .await?
            .into_iter()
            .map(|item| ((item.pk.clone(), item.sk.clone()), item))
            .collect();
        Ok(Page {
            items: keys
                .iter()
                .filter_map(|key| found.remove(key))
                .filter(|item| query.reaches(item))
                .collect(),
            next_cursor,
        })
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.inner.transact(writes.clone()).await?;
        // Committed writes reach the index later, in commit order.
        self.state.lock().expect("replica lock").pending.push_back((Instant::now(), writes));
        Ok(())
    }

    /// Counters are in no index: they go straight to the table.
    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        self.inner.add_to_counter(pk, sk, delta, below, expires_at).await
    }

    /// Only items outside the indexes expire, so the lagging replica has nothing to drop.
    async fn purge_expired(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        self.inner.purge_expired(now).await
    }
}

/// Waits a varying fraction of `max` before each store call, so that requests run side by
/// side interleave their reads and writes in ever different orders.
pub struct JitterStore {
    inner: Arc<dyn Store>,
    max: Duration,
    seed: AtomicU64,
}

impl JitterStore {
    pub fn new(inner: Arc<dyn Store>, max: Duration) -> JitterStore {
        JitterStore {
            inner,
            max,
            seed: AtomicU64::new(0x2545_f491_4f6c_dd1d),
        }
    }

    async fn pause(&self) {
        // xorshift: cheap, and enough to vary the interleaving.
        let mut x = self.seed.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::Relaxed);
        let nanos = self.max.as_nanos() as u64;
        tokio::time::sleep(Duration::from_nanos(x % nanos.max(1))).await;
    }
}

#[async_trait]
impl Store for JitterStore {
    fn transaction_limit(&self) -> usize {
        self.inner.transaction_limit()
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.pause().await;
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.pause().await;
        self.inner.query(query).await
    }
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        self.pause().await;
        self.inner.batch_get(keys).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.pause().await;
        self.inner.transact(writes).await
    }
    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        self.pause().await;
        self.inner.add_to_counter(pk, sk, delta, below, expires_at).await
    }
    async fn purge_expired(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        self.inner.purge_expired(now).await
    }
}

/// Answers every query of `index` as DynamoDB does while it fills an index just added to the
/// table (`StoreError::IndexNotReady`); everything else goes to `inner`.
pub struct UnreadyIndexStore {
    pub inner: Arc<dyn Store>,
    pub index: roster_app::ports::IndexName,
}

#[async_trait]
impl Store for UnreadyIndexStore {
    fn transaction_limit(&self) -> usize {
        self.inner.transaction_limit()
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        if query.index == Some(self.index) {
            return Err(StoreError::IndexNotReady(format!(
                "Cannot read from backfilling global secondary index: {}",
                self.index.as_str()
            )));
        }
        self.inner.query(query).await
    }
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        self.inner.batch_get(keys).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.inner.transact(writes).await
    }
    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        self.inner.add_to_counter(pk, sk, delta, below, expires_at).await
    }
    async fn purge_expired(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        self.inner.purge_expired(now).await
    }
}

//! The store port on SQLite: one `items` table with partial indexes for the four GSIs;
//! `transact` checks every condition and applies every write in one SQLite transaction.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use roster_app::ports::{Condition, IndexName, Item, Page, Query, SkCondition, Store, StoreError, Write};

use crate::sqlite::{blocking, Database};
use crate::stored_forms::{Codes, ItemKeys};

#[derive(Clone)]
pub struct SqliteStore {
    db: Database,
}

impl SqliteStore {
    pub fn new(db: Database) -> Self {
        SqliteStore { db }
    }
}

fn unavailable(error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

/// An item as the app knows it, from one as stored (`stored_forms`): its keys, then its data.
fn app_item(codes: &Codes, item: Item) -> Result<Item, StoreError> {
    let keys = |pair: Option<(String, String)>| pair.map(|(p, s)| (codes.key(p), codes.key(s)));
    let mut item = Item {
        pk: codes.key(item.pk),
        sk: codes.key(item.sk),
        gsi1: keys(item.gsi1),
        gsi3: keys(item.gsi3),
        gsi4: keys(item.gsi4),
        gsi5: keys(item.gsi5),
        ..item
    };
    let data = std::mem::take(&mut item.data);
    item.data = codes
        .data(data, &item_keys(&item))
        .ok_or_else(|| StoreError::Unavailable(format!("the data of {}/{} names an id it has no code for", item.pk, item.sk)))?;
    Ok(item)
}

/// An item's keys, in the order its stored data refers to them by. Slots 4 and 5 were the
/// keys of GSI2, which is gone; they stay empty so the other slots keep their numbers.
fn item_keys(item: &Item) -> ItemKeys<'_> {
    fn index(pair: &Option<(String, String)>) -> (Option<&str>, Option<&str>) {
        pair.as_ref().map(|(p, s)| (p.as_str(), s.as_str())).unzip()
    }
    let ((g1p, g1s), (g3p, g3s)) = (index(&item.gsi1), index(&item.gsi3));
    [Some(&item.pk), Some(&item.sk), g1p, g1s, None, None, g3p, g3s]
}

/// `key` as stored, for a write: every org in it has a code by now (`OrgCodes::register`).
fn stored_for_write<'a>(codes: &Codes, key: &'a str) -> Result<std::borrow::Cow<'a, str>, StoreError> {
    codes
        .stored(key)
        .ok_or_else(|| StoreError::Unavailable("a key holds a character from U+0002 to U+001F, which keys never do".into()))
}

/// An item's index keys as stored, for a write.
type StoredPair<'a> = (Option<std::borrow::Cow<'a, str>>, Option<std::borrow::Cow<'a, str>>);
fn stored_index_keys<'a>(codes: &Codes, pair: &'a Option<(String, String)>) -> Result<StoredPair<'a>, StoreError> {
    Ok(match pair {
        Some((p, s)) => (Some(stored_for_write(codes, p)?), Some(stored_for_write(codes, s)?)),
        None => (None, None),
    })
}

/// A sort-key condition on stored keys; `None` when no stored key can meet it. A prefix that
/// ends inside a structural start is refused (`stored_forms::prefix_keeps_meaning`).
fn stored_condition(codes: &Codes, sort: &SkCondition) -> Result<Option<SkCondition>, StoreError> {
    if let SkCondition::BeginsWith(prefix) = sort {
        if !crate::stored_forms::prefix_keeps_meaning(prefix) {
            return Err(StoreError::Unavailable(format!(
                "the prefix {prefix:?} ends inside a key's structural start, which this store keeps short"
            )));
        }
    }
    let stored = |key: &String| codes.stored(key).map(std::borrow::Cow::into_owned);
    let stored_sort = || {
        Some(match sort {
            SkCondition::Any => SkCondition::Any,
            SkCondition::BeginsWith(prefix) => SkCondition::BeginsWith(stored(prefix)?),
            SkCondition::Between(low, high) => SkCondition::Between(stored(low)?, stored(high)?),
            SkCondition::AtMost(high) => SkCondition::AtMost(stored(high)?),
        })
    };
    Ok(stored_sort())
}

/// The columns an item is kept in (`gsi2pk` and `gsi2sk` are left out: always empty, see
/// `sqlite::SCHEMA`). GSI4 and GSI5 (a member's names) are partitioned by `gsi1pk`: only
/// their sort keys have columns of their own.
const COLUMNS: &str = "pk, sk, version, data, gsi1pk, gsi1sk, gsi3pk, gsi3sk, expires_at, gsi4sk, gsi5sk";

fn read_item(row: &Row<'_>) -> rusqlite::Result<Item> {
    let pair = |a: Option<String>, b: Option<String>| a.zip(b);
    Ok(Item {
        pk: row.get(0)?,
        sk: row.get(1)?,
        version: row.get::<_, i64>(2)? as u64,
        data: crate::item_data::text(row.get_ref(3)?)
            .map_err(|error| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Blob, error.into()))?,
        gsi1: pair(row.get(4)?, row.get(5)?),
        gsi3: pair(row.get(6)?, row.get(7)?),
        gsi4: pair(row.get(4)?, row.get(9)?),
        gsi5: pair(row.get(4)?, row.get(10)?),
        expires_at: row.get(8)?,
    })
}

/// The cursor is the position of the last item returned (in an index, after the index's
/// name), hex-encoded JSON: opaque to clients.
fn encode_cursor(position: &[&str]) -> String {
    let mut cursor = String::new();
    crate::stored_forms::push_hex(&mut cursor, serde_json::to_string(position).expect("strings serialize").as_bytes());
    cursor
}

fn decode_cursor(cursor: &str) -> Result<Vec<String>, StoreError> {
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| cursor.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    bytes.and_then(|b| serde_json::from_slice(&b).ok()).ok_or(StoreError::InvalidCursor)
}

/// The store's calls: SQLite blocks while it reads or writes (and a write waits for the
/// writer's lock), so the `Store` methods run these through `blocking` (all but small
/// reads), and the async runtime's few workers stay free for other requests.
impl SqliteStore {
    pub(crate) fn get_in(connection: &Connection, codes: &Codes, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        Ok(Self::batch_get_in(connection, codes, vec![(pk.to_string(), sk.to_string())])?.pop())
    }

    fn batch_get_in(connection: &Connection, codes: &Codes, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        let mut statement = connection
            .prepare_cached(&format!("SELECT {COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2"))
            .map_err(unavailable)?;
        let mut items = Vec::with_capacity(keys.len());
        for (pk, sk) in &keys {
            let (Some(pk), Some(sk)) = (codes.stored(pk), codes.stored(sk)) else {
                continue;
            };
            if let Some(item) = statement.query_row(params![pk, sk], read_item).optional().map_err(unavailable)? {
                items.push(app_item(codes, item)?);
            }
        }
        Ok(items)
    }

    fn query_in(connection: &Connection, codes: &Codes, query: Query) -> Result<Page, StoreError> {
        let (pk_column, sk_column, order) = match query.index {
            None => ("pk", "sk", "sk"),
            Some(IndexName::Gsi1) => ("gsi1pk", "gsi1sk", "gsi1sk, pk, sk"),
            Some(IndexName::Gsi3) => ("gsi3pk", "gsi3sk", "gsi3sk, pk, sk"),
            Some(IndexName::Gsi4) => ("gsi1pk", "gsi4sk", "gsi4sk, pk, sk"),
            Some(IndexName::Gsi5) => ("gsi1pk", "gsi5sk", "gsi5sk, pk, sk"),
        };
        let (Some(partition), Some(sort)) = (codes.stored(&query.partition), stored_condition(codes, &query.sort)?) else {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        };
        // The cursor in stored form. Only a position this query could have given out (as
        // DynamoDB checks), in both forms: a forged one outside the query's range would
        // otherwise read rows outside it.
        let cursor = query
            .cursor
            .as_deref()
            .map(decode_cursor)
            .transpose()?
            .map(|mut position| {
                // An index's position starts with the index's name: GSI1, GSI4 and GSI5
                // share a partition, and a position in one is none in another.
                let index_named = match query.index {
                    Some(index) if position.first().map(String::as_str) == Some(index.as_str()) => {
                        position.remove(0);
                        true
                    }
                    // As GSI1 and GSI3 positions were before the name indexes: still good.
                    Some(IndexName::Gsi1 | IndexName::Gsi3) => position.len() == 3,
                    Some(_) => false,
                    None => true,
                };
                let stored = position
                    .iter()
                    .map(|key| codes.stored(key).map(std::borrow::Cow::into_owned))
                    .collect::<Option<Vec<String>>>();
                let in_range = match (query.index.is_some(), position.as_slice(), stored.as_deref()) {
                    (false, [sk], Some([stored_sk])) | (true, [sk, _, _], Some([stored_sk, _, _])) => {
                        query.sort.matches(sk) && sort.matches(stored_sk)
                    }
                    _ => false,
                };
                stored.filter(|_| in_range && index_named).ok_or(StoreError::InvalidCursor)
            })
            .transpose()?;
        let mut sql = format!("SELECT {COLUMNS} FROM items WHERE {pk_column} = ?");
        if query.index.is_some() {
            // An item is in an index only with its sort key there (GSI4 and GSI5 share
            // GSI1's partition column), as the index's partial condition says.
            sql.push_str(&format!(" AND {sk_column} IS NOT NULL"));
        }
        let mut values: Vec<rusqlite::types::Value> = vec![partition.into_owned().into()];
        // A table page after a cursor starts strictly after it: with two lower bounds on the
        // sort key SQLite seeks by the prefix and reads every row before the cursor again,
        // so a page deep into a partition would cost what came before it.
        let seeks_by_cursor = query.index.is_none() && cursor.is_some();
        match &sort {
            SkCondition::Any => {}
            SkCondition::BeginsWith(prefix) if seeks_by_cursor => {
                sql.push_str(&format!(" AND {sk_column} < ?"));
                values.push(format!("{prefix}\u{10FFFF}").into());
            }
            SkCondition::BeginsWith(prefix) => {
                sql.push_str(&format!(" AND {sk_column} >= ? AND {sk_column} < ?"));
                values.push(prefix.clone().into());
                values.push(format!("{prefix}\u{10FFFF}").into());
            }
            SkCondition::Between(low, high) => {
                sql.push_str(&format!(" AND {sk_column} BETWEEN ? AND ?"));
                values.push(low.clone().into());
                values.push(high.clone().into());
            }
            SkCondition::AtMost(high) => {
                sql.push_str(&format!(" AND {sk_column} <= ?"));
                values.push(high.clone().into());
            }
        }
        if let Some(position) = &cursor {
            match (query.index.is_some(), position.as_slice()) {
                (false, [sk]) => {
                    sql.push_str(" AND sk > ?");
                    values.push(sk.clone().into());
                }
                (true, [index_sk, pk, sk]) => {
                    sql.push_str(&format!(" AND ({sk_column}, pk, sk) > (?, ?, ?)"));
                    values.extend([index_sk.clone().into(), pk.clone().into(), sk.clone().into()]);
                }
                _ => return Err(StoreError::InvalidCursor),
            }
        }
        let limit = query.limit.max(1);
        // The limit bound, not written in: one prepared statement serves every page size.
        sql.push_str(&format!(" ORDER BY {order} LIMIT ?"));
        values.push(rusqlite::types::Value::Integer((limit + 1) as i64));
        let mut statement = connection.prepare_cached(&sql).map_err(unavailable)?;
        let mut items = statement
            .query_map(rusqlite::params_from_iter(values.iter()), read_item)
            .map_err(unavailable)?
            .map(|item| item.map_err(unavailable).and_then(|item| app_item(codes, item)))
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            let last = items.last().expect("limit is at least 1");
            Some(match query.index {
                None => encode_cursor(&[&last.sk]),
                Some(index) => match last.index_key(index) {
                    Some((_, s)) => encode_cursor(&[index.as_str(), s, &last.pk, &last.sk]),
                    None => return Err(StoreError::Unavailable("index item without index key".into())),
                },
            })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    fn add_to_counter_now(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        if below == Some(0) {
            return Ok(None);
        }
        let below = below.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        let connection = self.db.lock();
        self.db.org_codes.register(&connection, [pk, sk]).map_err(unavailable)?;
        let codes = self.db.org_codes.read();
        let (pk, sk) = (stored_for_write(&codes, pk)?, stored_for_write(&codes, sk)?);
        // One statement under the connection's lock: the check and the addition are one step.
        connection
            .prepare_cached(
                "INSERT INTO items (pk, sk, version, data, expires_at) VALUES (?1, ?2, MAX(?3, 0), 'null', ?5)
                 ON CONFLICT (pk, sk) DO UPDATE SET version = MAX(version + ?3, 0), expires_at = ?5
                 WHERE ?4 IS NULL OR version < ?4
                 RETURNING version",
            )
            .and_then(|mut s| {
                s.query_row(params![pk, sk, delta, below, expires_at], |row| row.get::<_, i64>(0))
                    .optional()
            })
            .map(|count| count.map(|c| c.max(0) as u64))
            .map_err(unavailable)
    }

    fn purge_expired_now(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        let connection = self.db.lock();
        connection
            .execute(
                "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at < ?1",
                params![now.unix_timestamp()],
            )
            .map_err(unavailable)
    }

    fn transact_now(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut connection = self.db.lock();
        self.db
            .org_codes
            .register(&connection, writes.iter().flat_map(written_keys))
            .map_err(unavailable)?;
        let codes = &*self.db.org_codes.read();
        let tx = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(unavailable)?;
        let mut keys = std::collections::HashSet::new();
        for (index, write) in writes.iter().enumerate() {
            let (pk, sk) = write.key();
            if !keys.insert((pk.to_string(), sk.to_string())) {
                return Err(StoreError::Unavailable(format!("two writes to {pk}/{sk} in one transaction")));
            }
            let (pk, sk) = (stored_for_write(codes, pk)?, stored_for_write(codes, sk)?);
            let current: Option<i64> = tx
                .prepare_cached("SELECT version FROM items WHERE pk = ?1 AND sk = ?2")
                .and_then(|mut s| s.query_row(params![pk, sk], |r| r.get(0)).optional())
                .map_err(unavailable)?;
            let holds = match write.condition() {
                Condition::None => true,
                Condition::NotExists => current.is_none(),
                Condition::Version(expected) => current == Some(expected as i64),
            };
            if !holds {
                return Err(StoreError::ConditionFailed { index });
            }
            match write {
                Write::Put { item, .. } => {
                    item.check_index_partitions()?;
                    let (g1p, g1s) = stored_index_keys(codes, &item.gsi1)?;
                    let (g3p, g3s) = stored_index_keys(codes, &item.gsi3)?;
                    let (_, g4s) = stored_index_keys(codes, &item.gsi4)?;
                    let (_, g5s) = stored_index_keys(codes, &item.gsi5)?;
                    let data = codes.stored_data(&item.data, &item_keys(item)).ok_or_else(|| {
                        StoreError::Unavailable("item data holds a character from U+0002 to U+0005, which JSON text never does".into())
                    })?;
                    tx.prepare_cached(&format!(
                        "INSERT OR REPLACE INTO items ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                    ))
                    .and_then(|mut s| {
                        s.execute(params![
                            pk,
                            sk,
                            item.version as i64,
                            crate::item_data::stored(&data),
                            g1p,
                            g1s,
                            g3p,
                            g3s,
                            item.expires_at,
                            g4s,
                            g5s
                        ])
                    })
                    .map_err(unavailable)?;
                }
                Write::Delete { .. } => {
                    tx.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
                        .and_then(|mut s| s.execute(params![pk, sk]))
                        .map_err(unavailable)?;
                }
                Write::Check { .. } => {}
                Write::Add { delta, at_most, .. } => {
                    let next = current.unwrap_or(0) + delta;
                    if next < 0 || (*delta > 0 && at_most.is_some_and(|most| next > most as i64)) {
                        return Err(StoreError::ConditionFailed { index });
                    }
                    tx.prepare_cached(
                        "INSERT INTO items (pk, sk, version, data) VALUES (?1, ?2, ?3, 'null')
                         ON CONFLICT (pk, sk) DO UPDATE SET version = ?3",
                    )
                    .and_then(|mut s| s.execute(params![pk, sk, next]))
                    .map_err(unavailable)?;
                }
            }
        }
        tx.commit().map_err(unavailable)
    }
}

/// The keys a write stores: a put item's own and its index keys, a counter's. A delete or a
/// check stores none, so it gives no org a code (`OrgCodes::register`).
fn written_keys(write: &Write) -> Vec<&str> {
    match write {
        Write::Put { item, .. } => [&item.pk, &item.sk]
            .into_iter()
            .map(String::as_str)
            .chain(
                IndexName::ALL
                    .into_iter()
                    .filter_map(|index| item.index_key(index))
                    .flat_map(|(p, s)| [p.as_str(), s.as_str()]),
            )
            .collect(),
        Write::Add { pk, sk, .. } => vec![pk, sk],
        Write::Delete { .. } | Write::Check { .. } => Vec::new(),
    }
}

/// Reads of at most this many items run on the async worker they are called on, when a read
/// connection is free at once (`SqliteStore::read`).
const INLINE_READ_ITEMS: usize = 100;

impl SqliteStore {
    /// Runs a read of up to `items` items. A small one runs on the async worker it is called
    /// on when a read connection is free at once: a read connection never waits for the
    /// writer (WAL), and such a read takes less time than handing the worker's other tasks
    /// to another thread for it (`blocking`), which was a tenth of a list page's time.
    /// Longer reads (an export page), and any read while every connection is busy, are
    /// handed over. Each read counts against the task's cooperative budget, so a task that
    /// reads page after page still lets the worker's other tasks run.
    async fn read<T>(&self, items: usize, call: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let result = {
            let free = (items <= INLINE_READ_ITEMS).then(|| self.db.try_read()).flatten();
            match free {
                Some(connection) => call(&connection),
                None => blocking(|| call(&self.db.read())),
            }
        };
        tokio::task::coop::consume_budget().await;
        result
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.read(1, |connection| Self::get_in(connection, &self.db.org_codes.read(), pk, sk))
            .await
    }

    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        self.read(keys.len(), |connection| {
            Self::batch_get_in(connection, &self.db.org_codes.read(), keys)
        })
        .await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.read(query.limit, |connection| {
            Self::query_in(connection, &self.db.org_codes.read(), query)
        })
        .await
    }

    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        blocking(|| self.add_to_counter_now(pk, sk, delta, below, expires_at))
    }

    async fn purge_expired(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        blocking(|| self.purge_expired_now(now))
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        blocking(|| self.transact_now(writes))
    }

    /// More than DynamoDB's 100: a commit writes every page its writes touched to the log,
    /// so an import's rows in fewer, larger transactions write each shared page once for
    /// more rows.
    fn transaction_limit(&self) -> usize {
        TRANSACTION_LIMIT
    }
}

/// The most writes one SQLite transaction takes (`Store::transaction_limit`): an import
/// chunk's rows at their most writes each, with the job's own.
const TRANSACTION_LIMIT: usize = 1_250;

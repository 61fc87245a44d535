//! The SQLite database the embedded store and queue share: opening, schema, locking.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::stored_forms::{self, OrgCodes};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    gsi1pk TEXT, gsi1sk TEXT,
    -- Always empty since layout 3 (`layout`): GSI2 is gone; kept so a file from before
    -- needs no rebuild of its table.
    gsi2pk TEXT, gsi2sk TEXT,
    gsi3pk TEXT, gsi3sk TEXT,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_gsi3 ON items (gsi3pk, gsi3sk, pk, sk) WHERE gsi3pk IS NOT NULL;
CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    visible_at_ms INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT,
    dead INTEGER NOT NULL DEFAULT 0
);
-- Receiving walks a queue's live messages in order and stops at the batch size; an ack
-- finds its message by receipt. Both stay cheap with a backlog of any size.
DROP INDEX IF EXISTS queue_ready;
CREATE INDEX IF NOT EXISTS queue_order ON queue_messages (queue, dead, seq);
CREATE INDEX IF NOT EXISTS queue_receipts ON queue_messages (receipt) WHERE receipt IS NOT NULL;
";

/// One SQLite connection for writes, behind a lock: writes are serialized, which is what
/// makes each transaction's condition checks and writes atomic. A database in a file also
/// has a few read-only connections (WAL lets them read while a write goes on), so a long
/// write (an import's chunk) never makes a read wait; an in-memory one reads through the
/// writer (its connections could not share it).
#[derive(Clone)]
pub struct Database {
    connection: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: Arc<std::sync::atomic::AtomicUsize>,
    /// The short codes org ids are kept as in keys and data (`stored_forms`).
    pub(crate) org_codes: Arc<OrgCodes>,
}

/// Read-only connections of a database in a file.
const READERS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the database file: {0}")]
    File(#[from] std::io::Error),
}

impl Database {
    /// Opens (creating if needed) the database file at `path`, in WAL mode.
    pub fn open(path: &Path) -> Result<Database, OpenError> {
        crate::private_files::ensure_private_file(path)?;
        let connection = Connection::open(path)?;
        // 8 KiB pages hold a member's row (about 1.2 KB) in its leaf: with 4 KiB ones each
        // spilled into an overflow page of its own, most of it empty. Takes effect when the
        // file is new (before WAL, which fixes the page size); an older file keeps its own.
        connection.pragma_update(None, "page_size", 8192)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        tune(&connection)?;
        let mut database = Self::with_schema(connection)?;
        let readers = (0..READERS)
            .map(|_| {
                // No SQLite mutex (as rusqlite's default flags for the writer): each
                // connection is used by one thread at a time, behind its own lock, and a
                // serialized one locked a mutex for every column read.
                let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let reader = Connection::open_with_flags(path, flags)?;
                reader.busy_timeout(std::time::Duration::from_secs(5))?;
                tune(&reader)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, rusqlite::Error>>()?;
        database.readers = Arc::new(readers);
        Ok(database)
    }

    /// A private in-memory database (tests).
    pub fn in_memory() -> Result<Database, OpenError> {
        let connection = Connection::open_in_memory()?;
        tune(&connection)?;
        Self::with_schema(connection)
    }

    fn with_schema(mut connection: Connection) -> Result<Database, OpenError> {
        connection.execute_batch(SCHEMA)?;
        connection.execute_batch(stored_forms::SCHEMA)?;
        // Added after the first release of the schema: a data dir from before gets them here.
        // The expiry; a member's names (GSI4, GSI5, since layout 5: partitioned by its tab,
        // `gsi1pk`).
        for (column, kind) in [("expires_at", "INTEGER"), ("gsi4sk", "TEXT"), ("gsi5sk", "TEXT")] {
            let has_column: bool = connection
                .prepare("SELECT 1 FROM pragma_table_info('items') WHERE name = ?1")?
                .exists([column])?;
            if !has_column {
                connection.execute_batch(&format!("ALTER TABLE items ADD COLUMN {column} {kind}"))?;
            }
        }
        connection.execute_batch("CREATE INDEX IF NOT EXISTS items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL")?;
        connection.execute_batch(
            "CREATE INDEX IF NOT EXISTS items_gsi4 ON items (gsi1pk, gsi4sk, pk, sk) WHERE gsi4sk IS NOT NULL;
             CREATE INDEX IF NOT EXISTS items_gsi5 ON items (gsi1pk, gsi5sk, pk, sk) WHERE gsi5sk IS NOT NULL;",
        )?;
        let org_codes = OrgCodes::load(&connection)?;
        stored_forms::convert_keys(&mut connection, &org_codes)?;
        crate::layout::upgrade(&mut connection, &org_codes)?;
        Ok(Database {
            connection: Arc::new(Mutex::new(connection)),
            readers: Arc::new(Vec::new()),
            next_reader: Arc::default(),
            org_codes: Arc::new(org_codes),
        })
    }

    /// A connection to read with: a free read-only one (or the next, to wait for), else
    /// the writer's. Reads through it see every write committed before they start.
    pub fn read(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.lock();
        }
        if let Some(reader) = self.try_read() {
            return reader;
        }
        let start = self.next_reader.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.readers[start % self.readers.len()]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connection to read with that is free now (the writer's for an in-memory
    /// database), or `None` when each is in use.
    pub fn try_read(&self) -> Option<MutexGuard<'_, Connection>> {
        if self.readers.is_empty() {
            return self.connection.try_lock().ok();
        }
        let start = self.next_reader.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let count = self.readers.len();
        (0..count).find_map(|offset| self.readers[(start + offset) % count].try_lock().ok())
    }

    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half-done transaction behind (SQLite rolls
        // back), so the connection is still usable.
        self.connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Runs `change` once on a database whose `user_version` is below `version`, in one
/// transaction that then sets it to `version` (a conversion of an older file when opened).
pub(crate) fn upgrade_once(
    connection: &mut Connection,
    version: i64,
    change: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let current = |connection: &Connection| connection.query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0));
    if current(connection)? >= version {
        return Ok(());
    }
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Again under the write lock: another process may have just done it.
    if current(&tx)? >= version {
        return Ok(());
    }
    change(&tx)?;
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()
}

/// What every connection is opened with:
/// - its statements kept prepared (a store and its queue make a few dozen shapes of
///   statement; rusqlite keeps 16 by default, and preparing one again costs about what a
///   small read does);
/// - plans that do not depend on the values bound (the query planner stability guarantee):
///   otherwise SQLite looks at a bound value when it checks a partial index or a `LIMIT`,
///   and a statement so planned is prepared again each time a new value is bound, which is
///   every time. Every statement here has one plan whatever its values.
///
/// Not a memory map of the file: each commit of the writer makes every reader unmap and map
/// it again, which measured costlier than the `pread` calls it saves.
fn tune(connection: &Connection) -> rusqlite::Result<()> {
    connection.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    connection.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

const STATEMENTS_KEPT: usize = 128;

/// Runs `call`, which blocks (SQLite, files), without holding up other tasks: on a
/// multi-threaded runtime the worker thread it runs on hands its other tasks to the other
/// workers for the call's length (`block_in_place`: no hand-over to another thread, which
/// measured cost an import a third of its rate); on a current-thread runtime (unit tests) it
/// just runs.
pub(crate) fn blocking<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        _ => call(),
    }
}

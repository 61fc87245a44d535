//! The conformance suite on the embedded adapters (SQLite store and queue, .eml mailer).

use std::sync::Arc;
use std::time::Duration;

use roster_app::ports::{Mailer, OutgoingEmail};
use roster_embedded::{Database, EmlOutboxMailer, SqliteQueue, SqliteStore};
use roster_tests::conformance::{queue_conformance, store_conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store_conforms() {
    store_conformance(Arc::new(SqliteStore::new(Database::in_memory().unwrap())), "sqlite").await;
}

/// The same on a database in a file, which reads through read-only connections of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_file_store_conforms() {
    let dir = std::env::temp_dir().join(format!("roster-file-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = SqliteStore::new(Database::open(&dir.join("roster.db")).unwrap());
    store_conformance(Arc::new(store), "sqlite-file").await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_queue_conforms() {
    let queue = SqliteQueue::new(Database::in_memory().unwrap()).with_redrive(Duration::from_millis(50), 3);
    queue_conformance(Arc::new(queue), Duration::from_millis(60), 3).await;
}

#[tokio::test]
async fn the_store_keeps_data_across_reopening() {
    let dir = std::env::temp_dir().join(format!("roster-reopen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("roster.db");
    {
        let store = SqliteStore::new(Database::open(&path).unwrap());
        roster_app::ports::Store::transact(
            &store,
            vec![roster_app::ports::Write::Put {
                item: roster_app::ports::Item::new("P", "S", 1, serde_json::json!({"kept": true})),
                condition: roster_app::ports::Condition::NotExists,
            }],
        )
        .await
        .unwrap();
    }
    let reopened = SqliteStore::new(Database::open(&path).unwrap());
    assert_eq!(
        roster_app::ports::Store::get(&reopened, "P", "S").await.unwrap().unwrap().json()["kept"],
        true
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_eml_mailer_writes_rfc5322_files_once_per_entry() {
    let dir = std::env::temp_dir().join(format!("roster-outbox-{}", std::process::id()));
    let mailer = EmlOutboxMailer::new(&dir).unwrap();
    let email = OutgoingEmail {
        id: "m1-invitation-1".into(),
        from: "Roster <r@x.test>".into(),
        to: "a@x.test".into(),
        subject: "Bienvenue à Roster".into(),
        text_body: "Line one\nhttp://x.test/invite/abc\n".into(),
        html_body: "<p>Line one</p>\n<a href=\"http://x.test/invite/abc\">Accept</a>\n".into(),
    };
    mailer.send(&email).await.unwrap();
    mailer.send(&email).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "a resend of the same entry rewrites the same file");
    let text = std::fs::read_to_string(dir.join("m1-invitation-1.eml")).unwrap();
    assert!(text.contains("To: a@x.test\r\n"));
    assert!(
        text.to_lowercase().contains("subject: bienvenue =?utf-8?b?w6a=?= roster\r\n"),
        "non-ASCII subjects are encoded: {text}"
    );
    assert!(text.contains("Content-Type: multipart/alternative;"), "{text}");
    assert!(
        text.contains(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nLine one\r\nhttp://x.test/invite/abc\r\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n<p>Line one</p>\r\n"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The lagging-index wrapper the `stale_index` runs use: a write shows in an index only
/// after the lag (or `settle`), while gets and table queries see it at once.
#[tokio::test]
async fn a_stale_index_store_shows_writes_in_indexes_only_later() {
    use roster_app::ports::{Condition, IndexName, Item, Query, SkCondition, Store, Write};
    let store = roster_tests::stores::StaleIndexStore::new(
        Arc::new(SqliteStore::new(Database::in_memory().unwrap())),
        Duration::from_secs(3600),
    );
    let mut item = Item::new("P", "S", 1, serde_json::json!({}));
    item.gsi1 = Some(("I".into(), "1".into()));
    store
        .transact(vec![Write::Put {
            item,
            condition: Condition::NotExists,
        }])
        .await
        .unwrap();
    let index = || store.query(Query::index(IndexName::Gsi1, "I", SkCondition::Any));
    assert!(store.get("P", "S").await.unwrap().is_some());
    assert_eq!(store.query(Query::table("P", SkCondition::Any)).await.unwrap().items.len(), 1);
    assert!(index().await.unwrap().items.is_empty(), "not in the index yet");
    store.settle();
    assert_eq!(index().await.unwrap().items.len(), 1);
}

/// The embedded store deletes what expired when the sweeps ask (DynamoDB's TTL does it on
/// AWS), and nothing else.
#[tokio::test]
async fn the_sqlite_store_purges_only_expired_items() {
    use roster_app::ports::{Condition, Item, Store, Write};
    let store = SqliteStore::new(Database::in_memory().unwrap());
    let at = |unix: i64| time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
    let put = |sk: &str, expires: Option<i64>| Write::Put {
        item: Item {
            expires_at: expires,
            ..Item::new("P", sk, 1, serde_json::json!({}))
        },
        condition: Condition::NotExists,
    };
    store
        .transact(vec![put("a", Some(100)), put("b", Some(300)), put("c", None)])
        .await
        .unwrap();
    assert_eq!(store.purge_expired(at(200)).await.unwrap(), 1);
    assert!(store.get("P", "a").await.unwrap().is_none());
    assert!(store.get("P", "b").await.unwrap().is_some() && store.get("P", "c").await.unwrap().is_some());
    assert_eq!(store.purge_expired(at(200)).await.unwrap(), 0);
}

/// A database in a file reads through connections of its own: a read never waits for a
/// write in progress (WAL), and sees every write committed before it starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_do_not_wait_for_a_write_in_progress() {
    use roster_app::ports::{Condition, Item, Store, Write};
    let dir = std::env::temp_dir().join(format!("roster-readers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = Database::open(&dir.join("roster.db")).unwrap();
    let store = SqliteStore::new(database.clone());
    let put = |sk: &str| Write::Put {
        item: Item::new("P", sk, 1, serde_json::json!({"sk": sk})),
        condition: Condition::NotExists,
    };
    store.transact(vec![put("A")]).await.unwrap();
    // A write holds the writer (as an import's chunk does) for a while.
    let writer = database.clone();
    let (holding, held) = std::sync::mpsc::channel();
    let long_write = std::thread::spawn(move || {
        let mut connection = writer.lock();
        let tx = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        tx.execute("INSERT INTO items (pk, sk, version, data) VALUES ('P', 'B', 1, 'null')", [])
            .unwrap();
        holding.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(1_500));
        tx.commit().unwrap();
    });
    held.recv().unwrap();
    let started = std::time::Instant::now();
    assert!(store.get("P", "A").await.unwrap().is_some());
    assert!(store.get("P", "B").await.unwrap().is_none(), "not committed yet");
    assert!(started.elapsed() < Duration::from_millis(500), "the read waited for the write");
    long_write.join().unwrap();
    assert!(store.get("P", "B").await.unwrap().is_some(), "committed: seen");
    std::fs::remove_dir_all(&dir).unwrap();
}

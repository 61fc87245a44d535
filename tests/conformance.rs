//! One conformance suite for the store and queue ports: every adapter must pass it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use roster_app::ports::{Condition, IndexName, Item, Query, Queue, QueueName, SkCondition, Store, StoreError, Write};

fn item(pk: &str, sk: &str, version: u64) -> Item {
    Item::new(pk, sk, version, json!({"sk": sk, "version": version}))
}

fn put(item: Item, condition: Condition) -> Write {
    Write::Put { item, condition }
}

/// The partition the cursor check writes: `A#1`, `A#2` and `B#1`.
fn pk_for_cursor_check(ns: &str) -> String {
    format!("{ns}#CURSORS")
}

/// Runs every store check; `ns` keeps runs on a shared backend apart.
pub async fn store_conformance(store: Arc<dyn Store>, ns: &str) {
    conditional_writes(&*store, ns).await;
    checks_guard_a_transaction_without_writing(&*store, ns).await;
    transactions_are_all_or_nothing(&*store, ns).await;
    two_writers_one_wins(store.clone(), ns).await;
    pagination_across_pages(&*store, ns).await;
    index_queries_and_sparse_entries(&*store, ns).await;
    name_indexes_share_the_tab_partition(&*store, ns).await;
    expiring_items(&*store, ns).await;
    counters_count_atomically_up_to_their_limit(store.clone(), ns).await;
    batch_gets_answer_what_exists(&*store, ns).await;
    additions_in_transactions_stay_within_bounds(store.clone(), ns).await;
}

/// `Write::Add` in transactions: the count is the item's version, created at 0; an
/// addition past `at_most` or below 0 fails the whole transaction; fifty concurrent ones
/// with room for thirty leave exactly thirty counted.
async fn additions_in_transactions_stay_within_bounds(store: Arc<dyn Store>, ns: &str) {
    let pk = format!("{ns}#ADD");
    let add = |delta: i64, at_most: Option<u64>| Write::Add {
        pk: pk.clone(),
        sk: "SEATS".into(),
        delta,
        at_most,
    };
    let count = |store: Arc<dyn Store>| {
        let pk = pk.clone();
        async move { store.get(&pk, "SEATS").await.unwrap().map(|i| i.version) }
    };
    store
        .transact(vec![add(2, Some(3)), put(item(&pk, "A", 1), Condition::NotExists)])
        .await
        .unwrap();
    assert_eq!(count(store.clone()).await, Some(2));
    let past = store
        .transact(vec![put(item(&pk, "B", 1), Condition::NotExists), add(2, Some(3))])
        .await;
    assert_eq!(past, Err(StoreError::ConditionFailed { index: 1 }));
    assert!(
        store.get(&pk, "B").await.unwrap().is_none(),
        "nothing of a failed transaction is written"
    );
    assert_eq!(
        store.transact(vec![add(-3, None)]).await,
        Err(StoreError::ConditionFailed { index: 0 })
    );
    // A fall is never bounded by `at_most` (a limit lowered below the count still frees).
    store.transact(vec![add(-1, Some(1))]).await.unwrap();
    store.transact(vec![add(-1, None)]).await.unwrap();
    assert_eq!(count(store.clone()).await, Some(0));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, write) = (store.clone(), add(1, Some(30)));
            tokio::spawn(async move { store.transact(vec![write]).await })
        })
        .collect();
    let mut added = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => added += 1,
            Err(StoreError::ConditionFailed { .. } | StoreError::TransactionConflict) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(count(store.clone()).await, Some(added));
    assert!(added <= 30, "{added}");
}

/// A batch get of 150 keys (more than one DynamoDB call takes), 120 of them stored, answers
/// those 120; none asked, none answered.
async fn batch_gets_answer_what_exists(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#BATCH");
    for chunk in (0..120).collect::<Vec<_>>().chunks(60) {
        let writes = chunk
            .iter()
            .map(|i| put(item(&pk, &format!("S{i:03}"), 1), Condition::NotExists))
            .collect();
        store.transact(writes).await.unwrap();
    }
    let keys = (0..150).map(|i| (pk.clone(), format!("S{i:03}"))).collect();
    let mut found: Vec<String> = store.batch_get(keys).await.unwrap().into_iter().map(|i| i.sk).collect();
    found.sort();
    assert_eq!(found, (0..120).map(|i| format!("S{i:03}")).collect::<Vec<_>>());
    assert!(store.batch_get(Vec::new()).await.unwrap().is_empty());
}

/// Fifty concurrent additions to a counter with a limit of five: exactly five count, the
/// rest are refused, none is lost; a negative delta gives one back; the expiry is kept.
async fn counters_count_atomically_up_to_their_limit(store: Arc<dyn Store>, ns: &str) {
    let pk = format!("{ns}#COUNTER");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, pk) = (store.clone(), pk.clone());
            tokio::spawn(async move { store.add_to_counter(&pk, "W", 1, Some(5), 4_000).await })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.unwrap().unwrap());
    }
    let mut counted: Vec<u64> = counts.iter().flatten().copied().collect();
    counted.sort();
    assert_eq!(counted, [1, 2, 3, 4, 5], "{counts:?}");
    assert_eq!(store.add_to_counter(&pk, "W", -1, None, 4_000).await.unwrap(), Some(4));
    assert_eq!(store.add_to_counter(&pk, "W", 1, Some(5), 4_000).await.unwrap(), Some(5));
    assert_eq!(store.add_to_counter(&pk, "W", 1, Some(5), 4_000).await.unwrap(), None);
    assert_eq!(store.add_to_counter(&pk, "W", 1, None, 4_000).await.unwrap(), Some(6), "no limit");
    assert_eq!(store.add_to_counter(&pk, "OTHER", 1, Some(0), 4_000).await.unwrap(), None);
    let item = store.get(&pk, "W").await.unwrap().unwrap();
    assert_eq!((item.version, item.expires_at), (6, Some(4_000)));
}

/// An item's expiry round-trips; a purge deletes only what expired (on a store that purges:
/// DynamoDB deletes by TTL on its own, so its purge deletes nothing).
async fn expiring_items(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#EXPIRY");
    let at = |unix: i64| time::OffsetDateTime::from_unix_timestamp(unix).unwrap();
    store
        .transact(vec![
            put(item(&pk, "OLD", 1).expiring_at(at(1_000)), Condition::NotExists),
            put(item(&pk, "NEW", 1).expiring_at(at(3_000)), Condition::NotExists),
            put(item(&pk, "KEPT", 1), Condition::NotExists),
        ])
        .await
        .unwrap();
    assert_eq!(store.get(&pk, "OLD").await.unwrap().unwrap().expires_at, Some(1_000));
    assert_eq!(store.get(&pk, "KEPT").await.unwrap().unwrap().expires_at, None);
    let purged = store.purge_expired(at(2_000)).await.unwrap();
    let left: Vec<String> = store
        .query(Query::table(pk.clone(), SkCondition::Any))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.sk)
        .collect();
    match purged {
        0 => assert_eq!(left, ["KEPT", "NEW", "OLD"], "a store that does not purge keeps all"),
        _ => assert_eq!((purged, left), (1, vec!["KEPT".to_string(), "NEW".to_string()])),
    }
}

/// A `Check` lets the transaction happen only while its condition holds, and writes nothing.
async fn checks_guard_a_transaction_without_writing(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#CHECK");
    let check = |sk: &str, condition| Write::Check {
        pk: pk.clone(),
        sk: sk.into(),
        condition,
    };
    store
        .transact(vec![put(item(&pk, "GUARD", 1), Condition::NotExists)])
        .await
        .unwrap();
    store
        .transact(vec![
            check("GUARD", Condition::Version(1)),
            check("ABSENT", Condition::NotExists),
            put(item(&pk, "A", 1), Condition::NotExists),
        ])
        .await
        .unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap().unwrap().version, 1);
    assert_eq!(store.get(&pk, "ABSENT").await.unwrap(), None, "a check writes nothing");
    assert_eq!(
        store.get(&pk, "GUARD").await.unwrap().unwrap().version,
        1,
        "a check changes nothing"
    );
    assert_eq!(
        store
            .transact(vec![
                put(item(&pk, "B", 1), Condition::NotExists),
                check("GUARD", Condition::NotExists)
            ])
            .await,
        Err(StoreError::ConditionFailed { index: 1 })
    );
    assert_eq!(
        store
            .transact(vec![
                put(item(&pk, "B", 1), Condition::NotExists),
                check("GUARD", Condition::Version(2))
            ])
            .await,
        Err(StoreError::ConditionFailed { index: 1 })
    );
    assert_eq!(
        store.get(&pk, "B").await.unwrap(),
        None,
        "nothing of a failed transaction is written"
    );
}

async fn conditional_writes(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#COND");
    store.transact(vec![put(item(&pk, "A", 1), Condition::NotExists)]).await.unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap().unwrap().version, 1);
    assert_eq!(
        store.transact(vec![put(item(&pk, "A", 1), Condition::NotExists)]).await,
        Err(StoreError::ConditionFailed { index: 0 })
    );
    assert_eq!(
        store.transact(vec![put(item(&pk, "A", 2), Condition::Version(7))]).await,
        Err(StoreError::ConditionFailed { index: 0 })
    );
    store.transact(vec![put(item(&pk, "A", 2), Condition::Version(1))]).await.unwrap();
    assert_eq!(store.get(&pk, "A").await.unwrap().unwrap().json()["version"], 2);
    assert_eq!(
        store
            .transact(vec![Write::Delete {
                pk: pk.clone(),
                sk: "A".into(),
                condition: Condition::Version(1)
            }])
            .await,
        Err(StoreError::ConditionFailed { index: 0 })
    );
    store
        .transact(vec![Write::Delete {
            pk: pk.clone(),
            sk: "A".into(),
            condition: Condition::Version(2),
        }])
        .await
        .unwrap();
    assert!(store.get(&pk, "A").await.unwrap().is_none());
    assert_eq!(
        store.transact(vec![put(item(&pk, "B", 2), Condition::Version(1))]).await,
        Err(StoreError::ConditionFailed { index: 0 }),
        "a version condition needs the item"
    );
}

async fn transactions_are_all_or_nothing(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#TX");
    store
        .transact(vec![put(item(&pk, "EXISTS", 1), Condition::NotExists)])
        .await
        .unwrap();
    let result = store
        .transact(vec![
            put(item(&pk, "NEW", 1), Condition::NotExists),
            put(item(&pk, "EXISTS", 1), Condition::NotExists),
            put(item(&pk, "OTHER", 1), Condition::None),
        ])
        .await;
    assert_eq!(result, Err(StoreError::ConditionFailed { index: 1 }), "the failing write is named");
    assert!(
        store.get(&pk, "NEW").await.unwrap().is_none(),
        "nothing of a failed transaction is written"
    );
    assert!(store.get(&pk, "OTHER").await.unwrap().is_none());
}

async fn two_writers_one_wins(store: Arc<dyn Store>, ns: &str) {
    let pk = format!("{ns}#RACE");
    store
        .transact(vec![put(item(&pk, "COUNTER", 1), Condition::NotExists)])
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let (store, pk) = (store.clone(), pk.clone());
        tasks.push(tokio::spawn(async move {
            let unique = store.transact(vec![put(item(&pk, "UNIQUE", 1), Condition::NotExists)]).await;
            let next = Item::new(&pk, "COUNTER", 2, json!({"sk": "COUNTER", "version": 2, "writer": writer}));
            let versioned = store.transact(vec![put(next, Condition::Version(1))]).await;
            (unique.is_ok(), versioned.is_ok())
        }));
    }
    let mut unique_wins = 0;
    let mut versioned_wins = 0;
    for task in tasks {
        let (unique, versioned) = task.await.unwrap();
        unique_wins += usize::from(unique);
        versioned_wins += usize::from(versioned);
    }
    assert_eq!((unique_wins, versioned_wins), (1, 1), "exactly one writer wins each race");
}

async fn pagination_across_pages(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#PAGES");
    let writes = (0..7)
        .map(|i| put(item(&pk, &format!("ROW#{i:02}"), 1), Condition::NotExists))
        .chain([put(item(&pk, "OTHER#1", 1), Condition::NotExists)])
        .collect();
    store.transact(writes).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = store
            .query(
                Query::table(pk.clone(), SkCondition::BeginsWith("ROW#".into()))
                    .limit(3)
                    .after(cursor),
            )
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.into_iter().map(|i| i.sk));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..7).map(|i| format!("ROW#{i:02}")).collect::<Vec<_>>(),
        "in order, none twice, none lost"
    );
    assert!(pages >= 3);
    let between = store
        .query(Query::table(pk.clone(), SkCondition::Between("ROW#02".into(), "ROW#04".into())))
        .await
        .unwrap();
    assert_eq!(between.items.len(), 3);
    // A cursor is good only for the query that gave it out: one from a range that sorts
    // below this query's is refused, never read from.
    let checked = pk_for_cursor_check(ns);
    let writes = ["A#1", "A#2", "B#1"]
        .into_iter()
        .map(|sk| put(item(&checked, sk, 1), Condition::NotExists))
        .collect();
    store.transact(writes).await.unwrap();
    let other = store
        .query(Query::table(pk_for_cursor_check(ns), SkCondition::BeginsWith("A#".into())).limit(1))
        .await
        .unwrap();
    let forged = other.next_cursor.expect("a cursor");
    let refused = store
        .query(Query::table(pk_for_cursor_check(ns), SkCondition::BeginsWith("B#".into())).after(Some(forged)))
        .await;
    assert_eq!(refused.map(|page| page.items.len()), Err(StoreError::InvalidCursor));
}

async fn index_queries_and_sparse_entries(store: &dyn Store, ns: &str) {
    let pk = format!("{ns}#IDX");
    let mut writes = Vec::new();
    for i in 0..5 {
        let mut entry = item(&pk, &format!("M#{i}"), 1);
        entry.gsi1 = Some((format!("{ns}#TAB"), format!("e{i}")));
        entry.gsi3 = Some((format!("{ns}#DUE"), format!("{:012}", 100 + i)));
        writes.push(put(entry, Condition::NotExists));
    }
    store.transact(writes).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::index(IndexName::Gsi1, format!("{ns}#TAB"), SkCondition::Any)
                    .limit(2)
                    .after(cursor),
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|i| i.sk.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["M#0", "M#1", "M#2", "M#3", "M#4"]);
    let due_by_102 = || Query::index(IndexName::Gsi3, format!("{ns}#DUE"), SkCondition::AtMost(format!("{:012}", 102)));
    let due = store.query(due_by_102()).await.unwrap();
    assert_eq!(due.items.len(), 3, "the sweep query reads only what is due");
    // Written again without the index key, an item leaves the (sparse) index.
    store.transact(vec![put(item(&pk, "M#0", 2), Condition::Version(1))]).await.unwrap();
    let due = store.query(due_by_102()).await.unwrap();
    assert_eq!(due.items.iter().map(|i| i.sk.as_str()).collect::<Vec<_>>(), ["M#1", "M#2"]);
    assert!(matches!(
        store.query(Query::table(pk, SkCondition::Any).after(Some("garbage".into()))).await,
        Err(StoreError::InvalidCursor)
    ));
}

/// GSI4 and GSI5 (a member's names) are partitioned as its GSI1 entry: an item is in one
/// only with its sort key there, a query answers them in term order, each index's cursor
/// is its own (not another's of the same partition), a move to another GSI1 partition takes
/// them along, and a name key outside the item's GSI1 partition is refused.
async fn name_indexes_share_the_tab_partition(store: &dyn Store, ns: &str) {
    let (pk, tab, other_tab) = (format!("{ns}#NAMES"), format!("{ns}#NTAB"), format!("{ns}#NTAB2"));
    let named = |sk: &str, first_last: &str, last_first: Option<&str>, tab: &str| {
        let mut entry = item(&pk, sk, 1);
        entry.gsi1 = Some((tab.to_string(), format!("{sk}@x")));
        entry.gsi4 = Some((tab.to_string(), first_last.to_string()));
        entry.gsi5 = last_first.map(|term| (tab.to_string(), term.to_string()));
        entry
    };
    let mut unnamed = item(&pk, "M#none", 1);
    unnamed.gsi1 = Some((tab.clone(), "none@x".into()));
    store
        .transact(vec![
            put(named("M#b", "ann b", Some("b ann"), &tab), Condition::NotExists),
            put(named("M#a", "ann a", Some("a ann"), &tab), Condition::NotExists),
            put(named("M#c", "cher", None, &tab), Condition::NotExists),
            put(unnamed, Condition::NotExists),
        ])
        .await
        .unwrap();
    let names = |index: IndexName, sort: SkCondition, cursor: Option<String>| {
        store.query(Query::index(index, tab.clone(), sort).limit(1).after(cursor))
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut a_cursor = None;
    loop {
        let page = names(IndexName::Gsi4, SkCondition::Any, cursor).await.unwrap();
        seen.extend(page.items.iter().map(|i| i.sk.clone()));
        a_cursor = a_cursor.or(page.next_cursor.clone());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["M#a", "M#b", "M#c"], "in term order; the unnamed item is in no name index");
    let last_first = names(IndexName::Gsi5, SkCondition::BeginsWith("b".into()), None).await.unwrap();
    assert_eq!(last_first.items.iter().map(|i| i.sk.as_str()).collect::<Vec<_>>(), ["M#b"]);
    let all_last_first = store
        .query(Query::index(IndexName::Gsi5, tab.clone(), SkCondition::Any))
        .await
        .unwrap();
    assert_eq!(all_last_first.items.len(), 2, "one name: no second entry");
    // A GSI4 cursor is none of GSI5's or GSI1's, though they share the partition.
    for index in [IndexName::Gsi5, IndexName::Gsi1] {
        assert!(
            matches!(
                names(index, SkCondition::Any, a_cursor.clone()).await,
                Err(StoreError::InvalidCursor)
            ),
            "{index:?}"
        );
    }
    // Moved to another tab, its name entries go along.
    store
        .transact(vec![put(named("M#a", "ann a", Some("a ann"), &other_tab), Condition::Version(1))])
        .await
        .unwrap();
    let left = store
        .query(Query::index(IndexName::Gsi4, tab.clone(), SkCondition::Any))
        .await
        .unwrap();
    assert_eq!(left.items.iter().map(|i| i.sk.as_str()).collect::<Vec<_>>(), ["M#b", "M#c"]);
    let moved = store
        .query(Query::index(IndexName::Gsi5, other_tab.clone(), SkCondition::Any))
        .await
        .unwrap();
    assert_eq!(moved.items.iter().map(|i| i.sk.as_str()).collect::<Vec<_>>(), ["M#a"]);
    // A name key outside the item's GSI1 partition: refused, nothing written.
    let mut astray = named("M#d", "dee", None, &tab);
    astray.gsi4 = Some((other_tab.clone(), "dee".into()));
    assert!(matches!(
        store.transact(vec![put(astray, Condition::NotExists)]).await,
        Err(StoreError::Refused(_))
    ));
    assert!(store.get(&pk, "M#d").await.unwrap().is_none());
}

/// Runs every queue check. `visibility` is how long a received message stays hidden,
/// `max_receives` the receives before it moves to the dead-letter queue.
pub async fn queue_conformance(queue: Arc<dyn Queue>, visibility: Duration, max_receives: u32) {
    let name = QueueName::Import;
    let dead_before = queue.dead_letter_count(name).await.unwrap();
    queue.send(name, "{\"n\":1}").await.unwrap();
    let received = receive_eventually(&*queue, name).await;
    assert_eq!((received.body.as_str(), received.receive_count), ("{\"n\":1}", 1));
    queue.ack(name, &received.receipt).await.unwrap();
    tokio::time::sleep(visibility).await;
    assert!(queue.receive(name, 10).await.unwrap().is_empty(), "an acknowledged message is gone");
    // Never acknowledged: handed out again, then dead-lettered after bounded receives.
    queue.send(name, "{\"n\":2}").await.unwrap();
    for attempt in 1..=max_receives {
        let message = receive_eventually(&*queue, name).await;
        assert_eq!(message.receive_count, attempt);
        tokio::time::sleep(visibility).await;
    }
    for _ in 0..20 {
        if queue.dead_letter_count(name).await.unwrap() > dead_before {
            break;
        }
        assert!(queue.receive(name, 10).await.unwrap().is_empty(), "no receive past the limit");
        tokio::time::sleep(visibility.max(Duration::from_millis(100))).await;
    }
    assert_eq!(queue.dead_letter_count(name).await.unwrap(), dead_before + 1);
}

async fn receive_eventually(queue: &dyn Queue, name: QueueName) -> roster_app::ports::ReceivedMessage {
    for _ in 0..50 {
        if let Some(message) = queue.receive(name, 1).await.unwrap().into_iter().next() {
            return message;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message arrived");
}

//! Changes of the app's table layout that a database from before needs, made once when it
//! is opened (after its keys have their stored forms, `stored_forms::convert_keys`). On
//! DynamoDB the same change is `roster-local table upgrade` (`roster_aws::layout`).
//!
//! Version 3: an email's account directory entry (`ACCOUNTS#e` / `ORG#o`) is also the org's
//! guard of the email, and no member is in GSI2 (the accounts of an email, which the
//! directory answers). Each member that has no directory entry (an account from before the
//! directory) gets one, the email guards (`ORG#o` / `EMAIL#e`) go, and the members' GSI2
//! keys are cleared.
//!
//! Version 4: a search by email reads the member tabs' index, whose sort key is the email,
//! so a member had search entries for its names only (its email's went). Version 5's change
//! includes it.
//!
//! Version 5: a search by name reads two indexes of the member rows (GSI4 "first last" and
//! GSI5 "last first", in the partition of the member's tab), so every member gets its name
//! keys and every search entry goes.

use rusqlite::{params, Connection};

use roster_app::ports::Item;
use roster_app::table;

use crate::stored_forms::OrgCodes;

/// The layout this version of the app writes.
pub(crate) const LAYOUT_VERSION: i64 = 5;

/// Members are read and changed this many at a time.
const BATCH: usize = 5_000;

/// Brings a database at an earlier layout to `LAYOUT_VERSION`, a transaction a version
/// (version 4's change is part of version 5's).
pub(crate) fn upgrade(connection: &mut Connection, codes: &OrgCodes) -> rusqlite::Result<()> {
    crate::sqlite::upgrade_once(connection, 3, |tx| directory_entries_guard_emails(tx, codes))?;
    crate::sqlite::upgrade_once(connection, LAYOUT_VERSION, |tx| names_in_their_indexes(tx, codes))
}

/// Version 5 (module doc). The member rows are read in key order, a batch at a time;
/// search partitions are stored as an org's code and `#FIND#`'s mark (U+001C).
fn names_in_their_indexes(tx: &Connection, codes: &OrgCodes) -> rusqlite::Result<()> {
    let failed = |error: String| rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, error.into());
    // Members only (not the audit events, also in GSI1): their sort keys start with
    // `MEMBER#`'s mark.
    let member_mark = codes
        .read()
        .stored(table::MEMBER_PREFIX)
        .map(|mark| mark.into_owned())
        .unwrap_or_default();
    let mut after = (String::new(), String::new());
    loop {
        let rows: Vec<(String, String)> = tx
            .prepare_cached(&format!(
                "SELECT pk, sk FROM items WHERE (pk, sk) > (?1, ?2) AND gsi1pk IS NOT NULL \
                 AND substr(sk, 1, length(?3)) = ?3 ORDER BY pk, sk LIMIT {BATCH}"
            ))?
            .query_map(params![after.0, after.1, member_mark], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.clone();
        let current = codes.read();
        for (stored_pk, stored_sk) in rows {
            let (pk, sk) = (current.key(stored_pk.clone()), current.key(stored_sk.clone()));
            let item = crate::SqliteStore::get_in(tx, &current, &pk, &sk)
                .map_err(|e| failed(e.to_string()))?
                .ok_or_else(|| failed(format!("{pk}/{sk} is gone")))?;
            let member = table::decode_member(&item).map_err(|e| failed(format!("{pk}/{sk}: {e}")))?;
            let should = table::member_item(&member);
            let term = |key: &Option<(String, String)>| {
                key.as_ref()
                    .map(|(_, term)| {
                        current
                            .stored(term)
                            .map(std::borrow::Cow::into_owned)
                            .ok_or_else(|| failed(format!("{pk}/{sk}: {term:?}")))
                    })
                    .transpose()
            };
            tx.prepare_cached("UPDATE items SET gsi4sk = ?1, gsi5sk = ?2 WHERE pk = ?3 AND sk = ?4")?
                .execute(params![term(&should.gsi4)?, term(&should.gsi5)?, stored_pk, stored_sk])?;
        }
    }
    tx.execute(
        "DELETE FROM items WHERE substr(pk, 1, 1) = char(2) AND substr(pk, instr(pk, char(3)) + 1, 1) = char(28)",
        [],
    )?;
    Ok(())
}

/// Version 3 (module doc).
fn directory_entries_guard_emails(tx: &Connection, codes: &OrgCodes) -> rusqlite::Result<()> {
    let has_email_index: bool = tx
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'items_gsi2'")?
        .exists([])?;
    if has_email_index {
        loop {
            let members = members_in_email_index(tx, codes)?;
            if members.is_empty() {
                break;
            }
            for (pk, sk, member) in members {
                insert_if_absent(tx, codes, &table::directory_entry(&member))?;
                tx.prepare_cached("UPDATE items SET gsi2pk = NULL, gsi2sk = NULL WHERE pk = ?1 AND sk = ?2")?
                    .execute(params![pk, sk])?;
            }
        }
        tx.execute_batch("DROP INDEX items_gsi2")?;
    }
    // The email guards: an org's partition (its code alone) and `EMAIL#`'s mark.
    let guard_mark = codes.read().stored("EMAIL#").map(|key| key.into_owned()).unwrap_or_default();
    tx.execute(
        "DELETE FROM items WHERE substr(pk, 1, 1) = char(2) AND substr(pk, -1, 1) = char(3) AND substr(sk, 1, 1) = ?1",
        params![guard_mark],
    )?;
    Ok(())
}

/// The next members still in the email index, with their stored keys. A row there that does
/// not read as a member is an error: the database is left as it was.
fn members_in_email_index(tx: &Connection, codes: &OrgCodes) -> rusqlite::Result<Vec<(String, String, roster_domain::Member)>> {
    let rows: Vec<([Option<String>; 8], String)> = tx
        .prepare_cached(&format!(
            "SELECT pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, data FROM items WHERE gsi2pk IS NOT NULL LIMIT {BATCH}"
        ))?
        .query_map([], |row| {
            let data = crate::item_data::text(row.get_ref(8)?)
                .map_err(|error| rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Blob, error.into()))?;
            Ok((crate::stored_forms::row_keys(row)?, data))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let codes = codes.read();
    rows.into_iter()
        .map(|(stored, data)| {
            // The keys as the app made them, in the slots the stored data refers to.
            let keys = stored.clone().map(|key| key.map(|k| codes.key(k)));
            let [pk, sk, ..] = keys.clone().map(Option::unwrap_or_default);
            let member = codes.data(data, &keys.each_ref().map(|k| k.as_deref())).and_then(|data| {
                let mut item = Item::new(pk.clone(), sk.clone(), 1, serde_json::Value::Null);
                item.data = data;
                table::decode_member(&item).ok()
            });
            let member = member.ok_or_else(|| {
                let reason = format!("{pk}/{sk} is in the email index but does not read as a member");
                rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, reason.into())
            })?;
            let [pk, sk, ..] = stored;
            Ok((pk.unwrap_or_default(), sk.unwrap_or_default(), member))
        })
        .collect()
}

/// Writes `item` in its stored form unless an item is at its key.
fn insert_if_absent(tx: &Connection, codes: &OrgCodes, item: &Item) -> rusqlite::Result<()> {
    codes.register(tx, [item.pk.as_str(), item.sk.as_str()])?;
    let current = codes.read();
    let (Some(pk), Some(sk)) = (current.stored(&item.pk), current.stored(&item.sk)) else {
        return Ok(());
    };
    let keys = [Some(item.pk.as_str()), Some(item.sk.as_str()), None, None, None, None, None, None];
    let Some(data) = current.stored_data(&item.data, &keys) else {
        return Ok(());
    };
    tx.prepare_cached("INSERT OR IGNORE INTO items (pk, sk, version, data) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![pk, sk, item.version as i64, crate::item_data::stored(&data)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use roster_app::ports::{Store, Write};
    use roster_app::usecases::membership::{new_member, NewAccount};
    use roster_domain::{Email, Kind, MembershipStatus, Role};

    use super::*;

    const ORG_ID: &str = "01M96RS34YG1VC6DS4XKGK254C";

    fn member(email: &str) -> roster_domain::Member {
        let account = NewAccount {
            email: Email::parse(email).unwrap(),
            role: Role::Member,
            kind: Kind::Shell,
            status: MembershipStatus::Licensed,
            department_id: None,
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            phone: String::new(),
            position: None,
        };
        new_member(ORG_ID, account, time::OffsetDateTime::now_utc())
    }

    /// A database at layout 4: members without their name keys, with the search entries of
    /// their names (and an email's, from layout 3), and one entry whose member is gone.
    /// Opened, the named member is in both name indexes, the unnamed in neither, and no
    /// search entry is left.
    #[tokio::test]
    async fn a_database_at_layout_4_gets_its_name_index_and_loses_its_search_entries() {
        use roster_app::ports::{IndexName, Query, SkCondition};
        let dir = std::env::temp_dir().join(format!("roster-layout-5-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("roster.db");
        let (named, gone) = (member("named@x.test"), member("gone@x.test"));
        let unnamed = roster_domain::Member {
            first_name: String::new(),
            last_name: String::new(),
            ..member("unnamed@x.test")
        };
        // The keys of a search entry as versions before layout 5 wrote them.
        let search_partition = format!("{}{}licensed", table::org_pk(ORG_ID), table::SEARCH_PARTITION_MARK);
        let entry = |term: &str, m: &roster_domain::Member| (search_partition.clone(), format!("{term}\u{1}{}", m.id));
        {
            let store = crate::SqliteStore::new(crate::Database::open(&path).unwrap());
            let mut writes = Vec::new();
            for m in [&named, &unnamed] {
                writes.push(Write::Put {
                    item: table::member_item(m),
                    condition: roster_app::ports::Condition::NotExists,
                });
            }
            let entries = [
                entry("ann lee", &named),
                entry("lee ann", &named),
                entry("named@x.test", &named),
                entry("ann lee", &gone),
            ];
            for (pk, sk) in entries {
                writes.push(Write::Put {
                    item: Item::new(pk, sk, 1, serde_json::Value::Null),
                    condition: roster_app::ports::Condition::NotExists,
                });
            }
            store.transact(writes).await.unwrap();
        }
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch("UPDATE items SET gsi4sk = NULL, gsi5sk = NULL; PRAGMA user_version = 4;")
            .unwrap();
        drop(connection);

        let store = crate::SqliteStore::new(crate::Database::open(&path).unwrap());
        let left = store.query(Query::table(search_partition.clone(), SkCondition::Any)).await.unwrap();
        assert!(left.items.is_empty(), "no search entry is left: {:?}", left.items);
        let tab = table::tab_partition(ORG_ID, roster_domain::Tab::Licensed);
        for (index, term) in [(IndexName::Gsi4, "ann lee"), (IndexName::Gsi5, "lee ann")] {
            let found = store.query(Query::index(index, tab.clone(), SkCondition::Any)).await.unwrap().items;
            let found: Vec<_> = found.iter().map(|item| (item.sk.clone(), item.index_key(index).cloned())).collect();
            assert_eq!(
                found,
                [(table::member_sk(&named.id), Some((tab.clone(), term.to_string())))],
                "{}: the named member only",
                index.as_str()
            );
        }
        let item = store
            .get(&table::org_pk(ORG_ID), &table::member_sk(&named.id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(table::decode_member(&item).unwrap(), named, "the member reads as it was");
        drop(store);
        let connection = Connection::open(&path).unwrap();
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert_eq!(version, LAYOUT_VERSION);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A database at layout 2: two members in the email index, each with its email guard;
    /// one has its directory entry, the other is from before the directory. Opened, each
    /// has its entry, the guards and the index are gone, and the layout is 3.
    #[tokio::test]
    async fn a_database_at_layout_2_gets_its_directory_entries_and_loses_its_email_guards() {
        let dir = std::env::temp_dir().join(format!("roster-layout-3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("roster.db");
        let (old, new) = (member("old@x.test"), member("new@x.test"));
        {
            let store = crate::SqliteStore::new(crate::Database::open(&path).unwrap());
            let guard = |m: &roster_domain::Member| Write::Put {
                item: table::encode(
                    table::org_pk(ORG_ID),
                    format!("EMAIL#{}", m.email),
                    1,
                    &roster_app::records::MemberPointer { member_id: m.id.clone() },
                ),
                condition: roster_app::ports::Condition::NotExists,
            };
            let put = |item: Item| Write::Put {
                item,
                condition: roster_app::ports::Condition::NotExists,
            };
            store
                .transact(vec![
                    put(table::member_item(&old)),
                    guard(&old),
                    put(table::member_item(&new)),
                    guard(&new),
                    put(table::directory_entry(&new)),
                ])
                .await
                .unwrap();
        }
        let connection = Connection::open(&path).unwrap();
        for m in [&old, &new] {
            connection
                .execute(
                    "UPDATE items SET gsi2pk = ?1, gsi2sk = char(2) || '1' || char(3) WHERE sk = char(16) || ?2",
                    params![format!("\u{12}{}", m.email), m.id],
                )
                .unwrap();
        }
        connection
            .execute_batch("CREATE INDEX items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL; PRAGMA user_version = 2;")
            .unwrap();
        let count = |connection: &Connection, sql: &str| -> i64 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
        assert_eq!(count(&connection, "SELECT count(*) FROM items WHERE gsi2pk IS NOT NULL"), 2);
        assert_eq!(
            count(&connection, "SELECT count(*) FROM items WHERE substr(sk, 1, 1) = char(18)"),
            2,
            "two guards"
        );
        drop(connection);

        let store = crate::SqliteStore::new(crate::Database::open(&path).unwrap());
        for m in [&old, &new] {
            let entry = store
                .get(&table::directory_pk(&m.email), &table::directory_sk(ORG_ID))
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{} has its directory entry", m.email));
            let entry: roster_app::records::DirectoryEntry = table::decode(&entry).unwrap();
            assert_eq!((entry.org_id.as_str(), entry.member_id.as_str()), (ORG_ID, m.id.as_str()));
            assert!(store
                .get(&table::org_pk(ORG_ID), &format!("EMAIL#{}", m.email))
                .await
                .unwrap()
                .is_none());
            let item = store.get(&table::org_pk(ORG_ID), &table::member_sk(&m.id)).await.unwrap().unwrap();
            assert_eq!(&table::decode_member(&item).unwrap(), m, "the member reads as it was");
        }
        drop(store);
        let connection = Connection::open(&path).unwrap();
        assert_eq!(count(&connection, "SELECT count(*) FROM items WHERE gsi2pk IS NOT NULL"), 0);
        assert_eq!(
            count(&connection, "SELECT count(*) FROM items WHERE substr(sk, 1, 1) = char(18)"),
            0,
            "no guard"
        );
        assert_eq!(
            count(&connection, "SELECT count(*) FROM sqlite_master WHERE name = 'items_gsi2'"),
            0
        );
        assert_eq!(count(&connection, "PRAGMA user_version"), LAYOUT_VERSION);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

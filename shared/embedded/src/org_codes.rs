//! How org ids are kept in keys: each `ORG#` and the org's 26-character id becomes a short
//! code of the org, `U+0002`, its number, `U+0003` (about 4 bytes for 30). An org's id is in
//! most keys a member has, and in each index entry again (the member's partition, its tab's
//! and search partitions, its audit trail, its directory entry, its due entry): at 100,000
//! members the ids alone were about 0.6 KB a member, a fifth of the database.
//!
//! Only the stored form changes: the store turns every key it is given into it and every
//! key it answers back, so callers see the same keys as on DynamoDB. The mapping is
//! one-to-one: no key the app makes holds a control character (ids, emails, names and the
//! rest are refused with one), and a key that does is never stored (`stored` answers
//! `None`: a read finds nothing, a write is refused). Orders within a partition stay as
//! they were except among different orgs (an email's directory entries), which nothing reads
//! in order. Each org gets its number at its first write (`register`), kept in `org_codes`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::RwLock;

use rusqlite::{params, Connection, OptionalExtension};

const START: char = '\u{2}';
const END: char = '\u{3}';
const ORG: &str = "ORG#";
const ID_LENGTH: usize = 26;

pub(crate) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS org_codes (code INTEGER PRIMARY KEY, org TEXT NOT NULL UNIQUE);";

/// The codes of the orgs this database has keys of.
#[derive(Default)]
pub(crate) struct OrgCodes {
    codes: RwLock<Codes>,
}

#[derive(Default)]
struct Codes {
    by_org: HashMap<String, i64>,
    by_code: HashMap<i64, String>,
}

impl Codes {
    fn insert(&mut self, code: i64, org: String) {
        self.by_code.insert(code, org.clone());
        self.by_org.insert(org, code);
    }
}

/// A character of a Crockford base-32 id (what `roster_domain` makes org ids of).
fn is_id_byte(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'A'..=b'H' | b'J' | b'K' | b'M' | b'N' | b'P'..=b'T' | b'V'..=b'Z')
}

/// Each org id in `key`: where its `ORG#` starts, and the id.
fn org_ids(key: &str) -> impl Iterator<Item = (usize, &str)> {
    key.match_indices(ORG).filter_map(move |(at, _)| {
        let id = key.get(at + ORG.len()..at + ORG.len() + ID_LENGTH)?;
        id.bytes().all(is_id_byte).then_some((at, id))
    })
}

impl OrgCodes {
    /// The codes the database holds.
    pub(crate) fn load(connection: &Connection) -> rusqlite::Result<OrgCodes> {
        let codes = OrgCodes::default();
        {
            let mut held = codes.codes.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            let mut statement = connection.prepare("SELECT code, org FROM org_codes")?;
            for row in statement.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))? {
                let (code, org) = row?;
                held.insert(code, org);
            }
        }
        Ok(codes)
    }

    /// Gives every org id in `keys` that has none a code, kept in the database before any
    /// key uses it (committed on its own: a code nothing uses is harmless).
    pub(crate) fn register<'k>(&self, connection: &Connection, keys: impl IntoIterator<Item = &'k str>) -> rusqlite::Result<()> {
        let new: Vec<String> = {
            let held = self.codes.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            keys.into_iter()
                .flat_map(org_ids)
                .filter(|(_, id)| !held.by_org.contains_key(*id))
                .map(|(_, id)| id.to_string())
                .collect()
        };
        if new.is_empty() {
            return Ok(());
        }
        let mut held = self.codes.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for org in new {
            if held.by_org.contains_key(&org) {
                continue;
            }
            connection
                .prepare_cached("INSERT OR IGNORE INTO org_codes (org) VALUES (?1)")?
                .execute(params![org])?;
            let code: Option<i64> = connection
                .prepare_cached("SELECT code FROM org_codes WHERE org = ?1")?
                .query_row(params![org], |row| row.get(0))
                .optional()?;
            if let Some(code) = code {
                held.insert(code, org);
            }
        }
        Ok(())
    }

    /// `key` as stored: each org id with a code replaced by it. `None` for a key that holds
    /// the code marks itself, which no stored key can be.
    pub(crate) fn stored<'a>(&self, key: &'a str) -> Option<Cow<'a, str>> {
        if memchr::memchr2(START as u8, END as u8, key.as_bytes()).is_some() {
            return None;
        }
        if !key.contains(ORG) {
            return Some(Cow::Borrowed(key));
        }
        let held = self.codes.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut stored = String::with_capacity(key.len());
        let mut copied = 0;
        for (at, id) in org_ids(key) {
            if at < copied {
                continue;
            }
            if let Some(code) = held.by_org.get(id) {
                stored.push_str(&key[copied..at]);
                stored.push(START);
                stored.push_str(&code.to_string());
                stored.push(END);
                copied = at + ORG.len() + ID_LENGTH;
            }
        }
        if copied == 0 {
            return Some(Cow::Borrowed(key));
        }
        stored.push_str(&key[copied..]);
        Some(Cow::Owned(stored))
    }

    /// A stored key as the app knows it: each code replaced by `ORG#` and its org's id.
    pub(crate) fn key(&self, stored: String) -> String {
        if memchr::memchr(START as u8, stored.as_bytes()).is_none() {
            return stored;
        }
        let held = self.codes.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut key = String::with_capacity(stored.len() + 32);
        let mut rest = stored.as_str();
        while let Some(start) = memchr::memchr(START as u8, rest.as_bytes()) {
            key.push_str(&rest[..start]);
            let after = &rest[start + START.len_utf8()..];
            let Some(end) = after.find(END) else {
                break;
            };
            match after[..end].parse::<i64>().ok().and_then(|code| held.by_code.get(&code)) {
                Some(org) => {
                    key.push_str(ORG);
                    key.push_str(org);
                }
                // A code with no org: kept as it is (it cannot be: codes are never deleted).
                None => key.push_str(&rest[start..start + START.len_utf8() + end + END.len_utf8()]),
            }
            rest = &after[end + END.len_utf8()..];
        }
        key.push_str(rest);
        key
    }
}

/// Marks, in an item's data, that an id there is the last 26 characters of one of the
/// item's keys (the digit after it: pk, sk, then each index's partition and sort key).
const KEY_TAIL: char = '\u{4}';

/// An item's keys in the app's form, in the order `KEY_TAIL` numbers them.
pub(crate) type ItemKeys<'a> = [Option<&'a str>; 8];

impl OrgCodes {
    /// An item's data (its JSON text) as stored: each string in it that is an id (26
    /// Crockford characters) shortened, to its org's code when it is an org's id, else to a
    /// `KEY_TAIL` reference when one of the item's keys ends with it (a member's own id in
    /// its sort key, an audit event's member in its trail's partition). Ids are a tenth of a
    /// member's data and do not compress. `None` for text that holds a mark itself, which
    /// JSON text never does (it escapes every control character).
    pub(crate) fn stored_data<'a>(&self, text: &'a str, keys: &ItemKeys<'_>) -> Option<Cow<'a, str>> {
        if memchr::memchr3(START as u8, END as u8, KEY_TAIL as u8, text.as_bytes()).is_some() {
            return None;
        }
        let held = self.codes.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut stored = String::new();
        let mut copied = 0;
        for (at, _) in text.match_indices('"') {
            let Some(id) = text.get(at + 1..at + 1 + ID_LENGTH) else {
                break;
            };
            if at < copied || text.as_bytes().get(at + 1 + ID_LENGTH) != Some(&b'"') || !id.bytes().all(is_id_byte) {
                continue;
            }
            let short = match held.by_org.get(id) {
                Some(code) => format!("{START}{code}{END}"),
                None => match keys
                    .iter()
                    .position(|key| key.is_some_and(|k| k.len() > ID_LENGTH && k.ends_with(id)))
                {
                    Some(slot) => format!("{KEY_TAIL}{slot}"),
                    None => continue,
                },
            };
            stored.push_str(&text[copied..=at]);
            stored.push_str(&short);
            copied = at + 1 + ID_LENGTH;
        }
        if copied == 0 {
            return Some(Cow::Borrowed(text));
        }
        stored.push_str(&text[copied..]);
        Some(Cow::Owned(stored))
    }

    /// Stored data as the app wrote it: each code and key reference replaced by its id.
    /// `None` when one names no org or no key the item has (damage).
    pub(crate) fn data(&self, stored: String, keys: &ItemKeys<'_>) -> Option<String> {
        if memchr::memchr2(START as u8, KEY_TAIL as u8, stored.as_bytes()).is_none() {
            return Some(stored);
        }
        let held = self.codes.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = String::with_capacity(stored.len() + 64);
        let mut rest = stored.as_str();
        while let Some(mark) = memchr::memchr2(START as u8, KEY_TAIL as u8, rest.as_bytes()) {
            text.push_str(&rest[..mark]);
            let after = &rest[mark + 1..];
            if rest[mark..].starts_with(START) {
                let end = after.find(END)?;
                text.push_str(held.by_code.get(&after[..end].parse::<i64>().ok()?)?);
                rest = &after[end + 1..];
            } else {
                let slot = after.chars().next()?.to_digit(10)? as usize;
                let key = (*keys.get(slot)?)?;
                text.push_str(key.get(key.len().checked_sub(ID_LENGTH)?..)?);
                rest = &after[1..];
            }
        }
        text.push_str(rest);
        Some(text)
    }
}

/// Turns the keys of a database written before org codes into their stored form, once (the
/// database's `user_version` 0 → 1), in one transaction.
pub(crate) fn convert_keys(connection: &mut Connection, codes: &OrgCodes) -> rusqlite::Result<()> {
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version >= 1 {
        return Ok(());
    }
    let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let rows: Vec<[Option<String>; 8]> = tx
        .prepare("SELECT pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk FROM items WHERE instr(pk || sk || coalesce(gsi1pk, '') || coalesce(gsi1sk, '') || coalesce(gsi2pk, '') || coalesce(gsi2sk, '') || coalesce(gsi3pk, '') || coalesce(gsi3sk, ''), 'ORG#') > 0")?
        .query_map([], |row| {
            Ok([
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
            ])
        })?
        .collect::<rusqlite::Result<_>>()?;
    codes.register(&tx, rows.iter().flatten().flatten().map(String::as_str))?;
    for row in &rows {
        let stored: Vec<Option<String>> = row
            .iter()
            .map(|key| {
                key.as_deref()
                    .map(|k| codes.stored(k).map_or_else(|| k.to_string(), Cow::into_owned))
            })
            .collect();
        tx.prepare_cached(
            "UPDATE items SET pk = ?1, sk = ?2, gsi1pk = ?3, gsi1sk = ?4, gsi2pk = ?5, gsi2sk = ?6, gsi3pk = ?7, gsi3sk = ?8
             WHERE pk = ?9 AND sk = ?10",
        )?
        .execute(params![
            stored[0], stored[1], stored[2], stored[3], stored[4], stored[5], stored[6], stored[7], row[0], row[1]
        ])?;
    }
    tx.pragma_update(None, "user_version", 1)?;
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG_ID: &str = "01M96RS34YG1VC6DS4XKGK254C";

    fn codes() -> (Connection, OrgCodes) {
        let connection = Connection::open_in_memory().unwrap();
        connection.execute_batch(SCHEMA).unwrap();
        let codes = OrgCodes::load(&connection).unwrap();
        (connection, codes)
    }

    #[test]
    fn keys_with_org_ids_are_stored_short_and_read_back_whole() {
        let (connection, codes) = codes();
        let keys = [
            format!("ORG#{ORG_ID}"),
            format!("ORG#{ORG_ID}#FIND#licensed"),
            format!("001800000000#ORG#{ORG_ID}#"),
            format!("ORG#{ORG_ID}#AUDIT#ORG#{ORG_ID}"),
            "MEMBER#01M96RS34YKREEHBZ9Z2PN30TG".to_string(),
            "ORG#not-an-id".to_string(),
            format!("ORG#{}", &ORG_ID[..20]),
        ];
        // Unknown orgs are kept whole until their first write gives them a code.
        assert_eq!(codes.stored(&keys[0]).unwrap(), keys[0]);
        codes.register(&connection, keys.iter().map(String::as_str)).unwrap();
        assert_eq!(codes.stored(&keys[0]).unwrap(), "\u{2}1\u{3}");
        assert_eq!(codes.stored(&keys[2]).unwrap(), "001800000000#\u{2}1\u{3}#");
        assert_eq!(codes.stored(&keys[3]).unwrap(), "\u{2}1\u{3}#AUDIT#\u{2}1\u{3}");
        for key in &keys {
            let stored = codes.stored(key).unwrap().into_owned();
            assert_eq!(&codes.key(stored), key);
        }
        // Kept across opening again; a second org gets the next code.
        let again = OrgCodes::load(&connection).unwrap();
        assert_eq!(again.key("\u{2}1\u{3}#TAB#invited".into()), format!("ORG#{ORG_ID}#TAB#invited"));
        let other = "01M96RS34YG1VC6DS4XKGK254D";
        again.register(&connection, [format!("ORG#{other}").as_str()]).unwrap();
        assert_eq!(again.stored(&format!("ORG#{other}")).unwrap(), "\u{2}2\u{3}");
    }

    /// A database from before org codes: its keys are converted when it is opened, and the
    /// store answers them (and finds them by index and by cursor) as they were written.
    #[tokio::test]
    async fn a_database_from_before_is_converted_once_when_opened() {
        use roster_app::ports::{IndexName, Query, SkCondition, Store};
        let dir = std::env::temp_dir().join(format!("roster-org-codes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("roster.db");
        {
            let connection = Connection::open(&path).unwrap();
            connection.execute_batch(crate::sqlite::SCHEMA).unwrap();
            connection.execute_batch("ALTER TABLE items ADD COLUMN expires_at INTEGER").unwrap();
            for (member, email) in [("M1", "a@x.test"), ("M2", "b@x.test")] {
                connection
                    .execute(
                        "INSERT INTO items (pk, sk, version, data, gsi1pk, gsi1sk) VALUES (?1, ?2, 1, '{}', ?3, ?4)",
                        params![
                            format!("ORG#{ORG_ID}"),
                            format!("MEMBER#{member}"),
                            format!("ORG#{ORG_ID}#TAB#invited"),
                            format!("{email}#{member}")
                        ],
                    )
                    .unwrap();
            }
            connection
                .execute(
                    "INSERT INTO items (pk, sk, version, data) VALUES ('ACCOUNTS#a@x.test', ?1, 1, '{}')",
                    params![format!("ORG#{ORG_ID}")],
                )
                .unwrap();
        }
        let store = crate::SqliteStore::new(crate::Database::open(&path).unwrap());
        let org_pk = format!("ORG#{ORG_ID}");
        assert!(store.get(&org_pk, "MEMBER#M1").await.unwrap().is_some());
        let entries = store.query(Query::table("ACCOUNTS#a@x.test", SkCondition::Any)).await.unwrap();
        assert_eq!(entries.items[0].sk, org_pk);
        let tab = Query::index(IndexName::Gsi1, format!("ORG#{ORG_ID}#TAB#invited"), SkCondition::Any);
        let first = store.query(tab.clone().limit(1)).await.unwrap();
        assert_eq!(
            (first.items[0].pk.as_str(), first.items[0].sk.as_str()),
            (org_pk.as_str(), "MEMBER#M1")
        );
        let second = store.query(tab.limit(1).after(first.next_cursor)).await.unwrap();
        assert_eq!(second.items[0].sk, "MEMBER#M2");
        drop(store);
        let connection = Connection::open(&path).unwrap();
        let stored: Vec<String> = connection
            .prepare("SELECT pk || ' ' || coalesce(gsi1pk, '') || ' ' || sk FROM items ORDER BY 1")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            stored,
            [
                "\u{2}1\u{3} \u{2}1\u{3}#TAB#invited MEMBER#M1",
                "\u{2}1\u{3} \u{2}1\u{3}#TAB#invited MEMBER#M2",
                "ACCOUNTS#a@x.test  \u{2}1\u{3}"
            ]
        );
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert_eq!(version, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ids_in_data_are_stored_short_and_read_back_whole() {
        let (connection, codes) = codes();
        let member = "01M972G6N2S17KNE410EW0Y5PF";
        let (pk, sk, tab) = (format!("ORG#{ORG_ID}"), format!("MEMBER#{member}"), format!("x@y.test#{member}"));
        codes.register(&connection, [pk.as_str()]).unwrap();
        let keys: ItemKeys = [Some(&pk), Some(&sk), None, Some(&tab), None, None, None, None];
        let text = format!(
            r#"{{"id":"{member}","org_id":"{ORG_ID}","invited_by":"01M972G6ATQ690GN2GYAXM4QQG","note":"\"{member}\" {ORG_ID}","short":"{}"}}"#,
            &member[1..]
        );
        let stored = codes.stored_data(&text, &keys).unwrap();
        assert_eq!(
            stored,
            format!(
                r#"{{"id":"{KEY_TAIL}1","org_id":"{START}1{END}","invited_by":"01M972G6ATQ690GN2GYAXM4QQG","note":"\"{member}\" {ORG_ID}","short":"{}"}}"#,
                &member[1..]
            )
        );
        assert_eq!(codes.data(stored.into_owned(), &keys).unwrap(), text);
        // Without the keys it was stored with, a reference names nothing: damage, not a guess.
        assert!(codes.data(format!("\"{KEY_TAIL}2\""), &keys).is_none());
        assert!(codes.data(format!("\"{START}9{END}\""), &keys).is_none());
        // Text with a mark of its own is not JSON, and never stored.
        assert!(codes.stored_data("\u{4}1", &keys).is_none());
        assert_eq!(codes.stored_data("null", &keys).unwrap(), "null");
    }

    #[test]
    fn a_key_holding_a_code_mark_is_never_stored() {
        let (connection, codes) = codes();
        codes.register(&connection, [format!("ORG#{ORG_ID}").as_str()]).unwrap();
        assert!(codes.stored("\u{2}1\u{3}").is_none());
        assert!(codes.stored("JOINCODE#\u{3}").is_none());
    }
}

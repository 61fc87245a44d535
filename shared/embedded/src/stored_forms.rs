//! The shorter forms SQLite keeps keys and item data in. Keys are most of what a member
//! costs on disk: each key is in its row and again in every index entry of it, and the same
//! few things recur in them (an org's 26-character id, `MEMBER#`, `DUE#invitation_expiry#`).
//!
//! - An org's id: each `ORG#` and the org's id becomes `U+0002`, the org's number, `U+0003`
//!   (about 4 bytes for 30). Each org gets its number at its first write (`register`), kept
//!   in the `org_codes` table.
//! - A key's structural start (`LEADING`, and `AFTER_ORG` after an org's code) becomes one
//!   character; the SHA-256 in an `INVITE#` key (a revoked invitation's mark, or an old
//!   link's lookup) is kept as its bytes in base64url.
//! - In item data, a string that is an id becomes its org's code or a reference to the key
//!   of the item that ends with it (`KEY_TAIL`), and a SHA-256 in hex its bytes in base64url
//!   (`HASH`). Ids and hashes do not compress; the rest of the data is compressed after
//!   (`item_data`).
//!
//! Only the stored form changes: the store turns every key and item it is given into it and
//! every one it answers back, so callers see what DynamoDB holds. The mapping is one-to-one:
//! the marks are control characters, which no key the app makes holds (ids, emails, names
//! and the rest refuse them; U+0001, which search entries' keys held before layout 5, is not
//! a mark) and no
//! JSON text holds (it escapes them); a key or data that does is never stored (a read finds
//! nothing, a write is refused). A stored key sorts before the key, and prefix queries keep
//! their meaning: a prefix the app asks for is a whole structural start or none, and the
//! user's text in keys is lower case. Orders within a partition stay as they were except
//! across kinds of item and across orgs (an email's directory entries), which nothing reads
//! in order. A database from before is converted once when opened (`convert_keys`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{RwLock, RwLockReadGuard};

use rusqlite::{params, Connection};

const START: char = '\u{2}';
const END: char = '\u{3}';
const ORG: &str = "ORG#";
const ID_LENGTH: usize = 26;

pub(crate) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS org_codes (code INTEGER PRIMARY KEY, org TEXT NOT NULL UNIQUE);";

/// The codes of the orgs this database has keys of, shared by its connections.
#[derive(Default)]
pub(crate) struct OrgCodes {
    codes: RwLock<Codes>,
}

/// The codes as they are at one moment: what turns keys and data into their stored forms
/// and back. Read once for a call's items (`OrgCodes::read`).
#[derive(Default)]
pub(crate) struct Codes {
    by_org: HashMap<String, i64>,
    by_code: HashMap<i64, String>,
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

/// The org a key starts with (`ORG#` and an id): an org's partition, its tabs, search
/// partitions and audit trails, an email's directory entry for it. Only these give an org
/// its code, so text a client chose (a directory's `externalId`) never makes one.
fn leading_org_id(key: &str) -> Option<&str> {
    let id = key.strip_prefix(ORG)?.get(..ID_LENGTH)?;
    id.bytes().all(is_id_byte).then_some(id)
}

impl OrgCodes {
    /// The codes the database holds.
    pub(crate) fn load(connection: &Connection) -> rusqlite::Result<OrgCodes> {
        let mut codes = Codes::default();
        let mut statement = connection.prepare("SELECT code, org FROM org_codes")?;
        for row in statement.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)))? {
            let (code, org) = row?;
            codes.insert(code, org);
        }
        Ok(OrgCodes { codes: RwLock::new(codes) })
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Codes> {
        self.codes.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives each org that `keys` start with and that has no code yet one, kept in the
    /// database before any key uses it (a code nothing uses is harmless). Called by the
    /// writer, before its transaction.
    pub(crate) fn register<'k>(&self, connection: &Connection, keys: impl IntoIterator<Item = &'k str>) -> rusqlite::Result<()> {
        let new: Vec<String> = {
            let codes = self.read();
            keys.into_iter()
                .filter_map(leading_org_id)
                .filter(|id| !codes.by_org.contains_key(*id))
                .map(str::to_string)
                .collect()
        };
        let mut given = Vec::with_capacity(new.len());
        for org in new {
            connection
                .prepare_cached("INSERT OR IGNORE INTO org_codes (org) VALUES (?1)")?
                .execute(params![org])?;
            let code: i64 = connection
                .prepare_cached("SELECT code FROM org_codes WHERE org = ?1")?
                .query_row(params![org], |row| row.get(0))?;
            given.push((code, org));
        }
        if !given.is_empty() {
            let mut codes = self.codes.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (code, org) in given {
                codes.insert(code, org);
            }
        }
        Ok(())
    }
}

impl Codes {
    fn insert(&mut self, code: i64, org: String) {
        self.by_code.insert(code, org.clone());
        self.by_org.insert(org, code);
    }

    /// `key` as stored. `None` for a key that holds a mark itself, which no key the app
    /// makes does: it cannot be stored, so a read finds nothing and a write is refused.
    pub(crate) fn stored<'a>(&self, key: &'a str) -> Option<Cow<'a, str>> {
        if key.bytes().any(is_mark) {
            return None;
        }
        Some(with_prefix_mark(self.with_codes(key)))
    }

    /// `key` with each org id that has a code replaced by it.
    fn with_codes<'a>(&self, key: &'a str) -> Cow<'a, str> {
        if !key.contains(ORG) {
            return Cow::Borrowed(key);
        }
        let mut stored = String::with_capacity(key.len());
        let mut copied = 0;
        for (at, id) in org_ids(key) {
            if at < copied {
                continue;
            }
            if let Some(code) = self.by_org.get(id) {
                stored.push_str(&key[copied..at]);
                stored.push(START);
                let _ = write!(stored, "{code}");
                stored.push(END);
                copied = at + ORG.len() + ID_LENGTH;
            }
        }
        if copied == 0 {
            return Cow::Borrowed(key);
        }
        stored.push_str(&key[copied..]);
        Cow::Owned(stored)
    }

    /// A stored key as the app made it, in one pass: its structural start written out, each
    /// code replaced by `ORG#` and its org's id.
    pub(crate) fn key(&self, stored: String) -> String {
        let bytes = stored.as_bytes();
        let leading = bytes.first().map(|b| char::from(*b)).filter(|c| *c != START && is_mark(*c as u8));
        if leading.is_none() && memchr::memchr(START as u8, bytes).is_none() {
            return stored;
        }
        let mut key = String::with_capacity(stored.len() + 48);
        let mut rest = stored.as_str();
        if let Some(first) = leading {
            if first == INVITE_HASH {
                return match base64url_bytes(&rest[1..]) {
                    Some(hash) => {
                        key.push_str(INVITE);
                        push_hex(&mut key, &hash);
                        key
                    }
                    None => stored,
                };
            }
            if let Some((_, start)) = LEADING.iter().find(|(mark, _)| *mark == first) {
                key.push_str(start);
                rest = &rest[1..];
            }
        }
        let mut at_key_start = leading.is_none();
        while let Some(start) = memchr::memchr(START as u8, rest.as_bytes()) {
            key.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = memchr::memchr(END as u8, after.as_bytes()) else {
                // Not a code (no key stored holds one like it): kept as it is.
                key.push_str(&rest[start..]);
                rest = "";
                break;
            };
            match after[..end].parse::<i64>().ok().and_then(|code| self.by_code.get(&code)) {
                Some(org) => {
                    key.push_str(ORG);
                    key.push_str(org);
                }
                // A code with no org (it cannot be: codes are never deleted): kept as it is.
                None => key.push_str(&rest[start..start + end + 2]),
            }
            rest = &after[end + 1..];
            if at_key_start && start == 0 {
                if let Some((mark, part)) = rest.chars().next().and_then(|c| AFTER_ORG.iter().find(|(m, _)| *m == c)) {
                    key.push_str(part);
                    rest = &rest[mark.len_utf8()..];
                }
            }
            at_key_start = false;
        }
        key.push_str(rest);
        key
    }
}

/// What a key's structural start becomes (at the key's start), each a character below every
/// printable one. The user's text in keys (emails, search terms, names) is lower case, and a
/// prefix a query asks for is always a whole one of these or none, so prefix queries and
/// orders within a partition keep their meaning.
const LEADING: [(char, &str); 10] = [
    ('\u{10}', "MEMBER#"),
    ('\u{11}', "AUDIT#"),
    // Email guards, until layout 3 (`layout`) made the directory entry the guard: kept so
    // the other marks keep their characters.
    ('\u{12}', "EMAIL#"),
    ('\u{13}', "ACCOUNTS#"),
    ('\u{14}', "INVITE#"),
    ('\u{15}', "OUTBOX#"),
    ('\u{16}', "DEPTMEMBER#"),
    ('\u{17}', "DUE#invitation_expiry#"),
    ('\u{18}', "DUE#license_expiry#"),
    ('\u{19}', "DUE#delivery#"),
];
/// What follows an org's code at a key's start (its member tabs, the search entries of
/// databases before layout 5, and each member's audit trail).
const AFTER_ORG: [(char, &str); 3] = [
    ('\u{1b}', "#TAB#"),
    ('\u{1c}', roster_app::table::SEARCH_PARTITION_MARK),
    ('\u{1d}', "#AUDIT#"),
];
/// A revoked invitation's mark or an old link's lookup: `INVITE#` and the SHA-256 of its
/// secret in hex (64 characters), kept as this mark and the 32 bytes in base64url (43).
const INVITE_HASH: char = '\u{1e}';
const INVITE: &str = "INVITE#";

/// Whether a prefix the app asks for means the same on stored keys: it must not end inside a
/// structural start (`MEMB`, `DUE#inv`) or inside an org's `ORG#` and id, which are stored
/// as one mark or a code. The app's prefixes are whole starts or lower-case user text; a new
/// one that is not is refused loudly rather than matching nothing on SQLite only.
pub(crate) fn prefix_keeps_meaning(prefix: &str) -> bool {
    let cuts = |start: &str| start.len() > prefix.len() && start.starts_with(prefix);
    let cuts_org = prefix
        .strip_prefix(ORG)
        .is_some_and(|id| id.len() < ID_LENGTH && id.bytes().all(is_id_byte));
    prefix.is_empty() || !(LEADING.iter().any(|(_, start)| cuts(start)) || cuts(INVITE) || cuts(ORG) || cuts_org)
}

/// A character only stored keys and data hold (U+0001 was in search entries' keys as the app
/// made them before layout 5).
fn is_mark(b: u8) -> bool {
    (0x02..=0x1f).contains(&b)
}

fn hex_hash(text: &str) -> Option<Vec<u8>> {
    let hex = text.as_bytes();
    if hex.len() != HASH_HEX_LENGTH || !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let digit = |b: u8| if b <= b'9' { b - b'0' } else { b - b'a' + 10 };
    Some(hex.chunks(2).map(|pair| digit(pair[0]) << 4 | digit(pair[1])).collect())
}

/// A key (its orgs already coded) with its structural start replaced by its mark.
fn with_prefix_mark(key: Cow<'_, str>) -> Cow<'_, str> {
    if let Some(hash) = key.strip_prefix(INVITE).and_then(hex_hash) {
        return Cow::Owned(format!("{INVITE_HASH}{}", base64url(&hash)));
    }
    if let Some((mark, rest)) = LEADING
        .iter()
        .find_map(|(mark, start)| key.strip_prefix(start).map(|rest| (mark, rest)))
    {
        return Cow::Owned(format!("{mark}{rest}"));
    }
    if key.starts_with(START) {
        if let Some(end) = key.find(END) {
            let (code, rest) = key.split_at(end + END.len_utf8());
            if let Some((mark, tail)) = AFTER_ORG
                .iter()
                .find_map(|(mark, part)| rest.strip_prefix(part).map(|tail| (mark, tail)))
            {
                return Cow::Owned(format!("{code}{mark}{tail}"));
            }
        }
    }
    key
}

/// Marks, in an item's data, that an id there is the last 26 characters of one of the
/// item's keys (the digit after it: pk, sk, then each index's partition and sort key).
const KEY_TAIL: char = '\u{4}';

/// Marks, in an item's data, a SHA-256 kept as its 32 bytes in base64url (43 characters)
/// rather than in hex (64), as a member's invitation holds its link's.
const HASH: char = '\u{5}';
const HASH_HEX_LENGTH: usize = 64;
const HASH_BASE64_LENGTH: usize = 43;

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn base64url_bytes(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()
}

/// Appends `bytes` in lower-case hex.
pub(crate) fn push_hex(text: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    text.reserve(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
}

/// An item's keys in the app's form, in the order `KEY_TAIL` numbers them.
pub(crate) type ItemKeys<'a> = [Option<&'a str>; 8];

impl Codes {
    /// An item's data (its JSON text) as stored: each string in it that is an id (26
    /// Crockford characters) shortened, to its org's code when it is an org's id, else to a
    /// `KEY_TAIL` reference when one of the item's keys ends with it (a member's own id in
    /// its sort key, an audit event's member in its trail's partition). Ids are a tenth of a
    /// member's data and do not compress. `None` for text that holds a mark itself, which
    /// JSON text never does (it escapes every control character).
    pub(crate) fn stored_data<'a>(&self, text: &'a str, keys: &ItemKeys<'_>) -> Option<Cow<'a, str>> {
        let bytes = text.as_bytes();
        if memchr::memchr3(START as u8, END as u8, KEY_TAIL as u8, bytes).is_some() || memchr::memchr(HASH as u8, bytes).is_some() {
            return None;
        }
        let mut stored = String::with_capacity(text.len());
        let mut copied = 0;
        for (at, _) in text.match_indices('"') {
            if at < copied {
                continue;
            }
            // A whole string value: the quote after it is where an id or a hash ends.
            let value = &bytes[at + 1..];
            let ends_at = |length: usize| value.get(length) == Some(&b'"');
            let (length, short) = if ends_at(ID_LENGTH) && value[..ID_LENGTH].iter().all(|b| is_id_byte(*b)) {
                let id = &text[at + 1..at + 1 + ID_LENGTH];
                let short = match self.by_org.get(id) {
                    Some(code) => format!("{START}{code}{END}"),
                    None => match keys
                        .iter()
                        .position(|key| key.is_some_and(|k| k.len() > ID_LENGTH && k.ends_with(id)))
                    {
                        Some(slot) => format!("{KEY_TAIL}{slot}"),
                        None => continue,
                    },
                };
                (ID_LENGTH, short)
            } else if ends_at(HASH_HEX_LENGTH) {
                match text.get(at + 1..at + 1 + HASH_HEX_LENGTH).and_then(hex_hash) {
                    Some(hash) => (HASH_HEX_LENGTH, format!("{HASH}{}", base64url(&hash))),
                    None => continue,
                }
            } else {
                continue;
            };
            stored.push_str(&text[copied..=at]);
            stored.push_str(&short);
            copied = at + 1 + length;
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
        if memchr::memchr3(START as u8, KEY_TAIL as u8, HASH as u8, stored.as_bytes()).is_none() {
            return Some(stored);
        }
        let mut text = String::with_capacity(stored.len() + 64);
        let mut rest = stored.as_str();
        while let Some(mark) = memchr::memchr3(START as u8, KEY_TAIL as u8, HASH as u8, rest.as_bytes()) {
            text.push_str(&rest[..mark]);
            let after = &rest[mark + 1..];
            if rest[mark..].starts_with(HASH) {
                push_hex(&mut text, &base64url_bytes(after.get(..HASH_BASE64_LENGTH)?)?);
                rest = &after[HASH_BASE64_LENGTH..];
            } else if rest[mark..].starts_with(START) {
                let end = after.find(END)?;
                text.push_str(self.by_code.get(&after[..end].parse::<i64>().ok()?)?);
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

/// The database's keys as this version stores them: 2 (org codes and prefix marks).
const KEYS_VERSION: i64 = 2;

/// Turns the keys of a database written by an earlier version into their stored form, once
/// (its `user_version` below `KEYS_VERSION`), in one transaction: in key order, a few
/// thousand rows at a time, the orgs their keys start with getting their codes first. A
/// key's stored form sorts before the key (marks are below every printable character), so a
/// rewritten row never comes up again. A row whose key holds a mark (none the app makes) is
/// left as it is.
pub(crate) fn convert_keys(connection: &mut Connection, codes: &OrgCodes) -> rusqlite::Result<()> {
    crate::sqlite::upgrade_once(connection, KEYS_VERSION, |tx| convert_keys_in(tx, codes))
}

fn convert_keys_in(tx: &Connection, codes: &OrgCodes) -> rusqlite::Result<()> {
    let mut after: Option<(String, String)> = None;
    loop {
        let rows: Vec<[Option<String>; 8]> = tx
            .prepare_cached(
                "SELECT pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk FROM items
                 WHERE ?1 IS NULL OR (pk, sk) > (?1, ?2) ORDER BY pk, sk LIMIT 5000",
            )?
            .query_map(params![after.as_ref().map(|k| &k.0), after.as_ref().map(|k| &k.1)], row_keys)?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some((last[0].clone().unwrap_or_default(), last[1].clone().unwrap_or_default()));
        // Keys as the app made them (a database at version 1 has org codes already).
        let keys: Vec<[Option<String>; 8]> = {
            let current = codes.read();
            rows.iter().map(|row| row.clone().map(|key| key.map(|k| current.key(k)))).collect()
        };
        codes.register(tx, keys.iter().flatten().flatten().map(String::as_str))?;
        let current = codes.read();
        for (row, keys) in rows.iter().zip(&keys) {
            let stored: Option<Vec<Option<String>>> = keys
                .iter()
                .map(|key| match key {
                    Some(key) => current.stored(key).map(|s| Some(s.into_owned())),
                    None => Some(None),
                })
                .collect();
            // A key no app makes (it holds a mark) is left as it is.
            let Some(stored) = stored.filter(|stored| stored.as_slice() != row.as_slice()) else {
                continue;
            };
            tx.prepare_cached(
                "UPDATE items SET pk = ?1, sk = ?2, gsi1pk = ?3, gsi1sk = ?4, gsi2pk = ?5, gsi2sk = ?6, gsi3pk = ?7, gsi3sk = ?8
                 WHERE pk = ?9 AND sk = ?10",
            )?
            .execute(params![
                stored[0], stored[1], stored[2], stored[3], stored[4], stored[5], stored[6], stored[7], row[0], row[1]
            ])?;
        }
    }
    Ok(())
}

/// A row's eight keys as stored (`pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk`
/// selected first, in that order): the slots `KEY_TAIL` numbers.
pub(crate) fn row_keys(row: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 8]> {
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
            "DEPTMEMBER#d1#m1".to_string(),
            "DEPT#d1".to_string(),
            "DUE#invitation_expiry#3".to_string(),
            "INVITE#0008752e94f995b8058ea4b21ce18aa6bdcfe2ff9d025fe0bd25c123254889b2".to_string(),
            "INVITE#0008752E94F995B8058EA4B21CE18AA6BDCFE2FF9D025FE0BD25C123254889B2".to_string(),
            "INVITE#abc".to_string(),
            "INVITE".to_string(),
            "ann smith\u{1}01M96RS34YKREEHBZ9Z2PN30TG".to_string(),
            "ORG#not-an-id".to_string(),
            format!("ORG#{}", &ORG_ID[..20]),
        ];
        // Unknown orgs are kept whole until their first write gives them a code.
        assert_eq!(codes.read().stored(&keys[0]).unwrap(), keys[0]);
        codes.register(&connection, keys.iter().map(String::as_str)).unwrap();
        assert_eq!(codes.read().stored(&keys[0]).unwrap(), "\u{2}1\u{3}");
        assert_eq!(codes.read().stored(&keys[2]).unwrap(), "001800000000#\u{2}1\u{3}#");
        assert_eq!(codes.read().stored(&keys[3]).unwrap(), "\u{2}1\u{3}\u{1d}\u{2}1\u{3}");
        assert_eq!(codes.read().stored(&keys[1]).unwrap(), "\u{2}1\u{3}\u{1c}licensed");
        assert_eq!(codes.read().stored(&keys[4]).unwrap(), "\u{10}01M96RS34YKREEHBZ9Z2PN30TG");
        for key in &keys {
            let stored = codes.read().stored(key).unwrap().into_owned();
            assert!(stored <= *key, "a stored key sorts before its key: {key:?}");
            assert_eq!(&codes.read().key(stored), key);
        }
        // A hash in hex is kept as its bytes in base64url; other keys keep what is not a start.
        assert_eq!(codes.read().stored(&keys[8]).unwrap().len(), 1 + 43);
        assert_eq!(codes.read().stored(&keys[6]).unwrap(), "DEPT#d1");
        // A prefix a query asks for is stored as the keys it should match are.
        for (prefix, key) in [
            ("MEMBER#", &keys[4]),
            ("DEPTMEMBER#d1#", &keys[5]),
            (&format!("ORG#{ORG_ID}#FIND#lic")[..], &keys[1]),
        ] {
            assert!(codes
                .read()
                .stored(key)
                .unwrap()
                .starts_with(&*codes.read().stored(prefix).unwrap()));
        }
        assert!(!codes
            .read()
            .stored(&keys[5])
            .unwrap()
            .starts_with(&*codes.read().stored("DEPT#").unwrap()));
        // Kept across opening again; a second org gets the next code.
        let again = OrgCodes::load(&connection).unwrap();
        assert_eq!(
            again.read().key("\u{2}1\u{3}#TAB#invited".into()),
            format!("ORG#{ORG_ID}#TAB#invited")
        );
        let other = "01M96RS34YG1VC6DS4XKGK254D";
        again.register(&connection, [format!("ORG#{other}").as_str()]).unwrap();
        assert_eq!(again.read().stored(&format!("ORG#{other}")).unwrap(), "\u{2}2\u{3}");
    }

    /// A member's stored data (what the layouts read of each member row when the database
    /// opens), with `email`.
    fn member_data(email: &str) -> String {
        let account = roster_app::usecases::membership::NewAccount {
            email: roster_domain::Email::parse(email).unwrap(),
            role: roster_domain::Role::Member,
            kind: roster_domain::Kind::Shell,
            status: roster_domain::MembershipStatus::Invited,
            department_id: None,
            first_name: "Ann".into(),
            last_name: "Lee".into(),
            phone: String::new(),
            position: None,
        };
        let member = roster_app::usecases::membership::new_member(ORG_ID, account, time::OffsetDateTime::now_utc());
        roster_app::table::member_item(&member).data
    }

    /// A database file as an earlier version left it: the items table (with its later
    /// `expires_at` column) and no rows, in a directory of its own named after `test`.
    fn database_from_before(test: &str) -> (std::path::PathBuf, std::path::PathBuf, Connection) {
        let dir = std::env::temp_dir().join(format!("roster-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("roster.db");
        let connection = Connection::open(&path).unwrap();
        connection.execute_batch(crate::sqlite::SCHEMA).unwrap();
        connection.execute_batch("ALTER TABLE items ADD COLUMN expires_at INTEGER").unwrap();
        (dir, path, connection)
    }

    /// A database from before org codes: its keys are converted when it is opened, and the
    /// store answers them (and finds them by index and by cursor) as they were written.
    #[tokio::test]
    async fn a_database_from_before_is_converted_once_when_opened() {
        use roster_app::ports::{IndexName, Query, SkCondition, Store};
        let (dir, path, connection) = database_from_before("org-codes");
        for (member, email) in [("M1", "a@x.test"), ("M2", "b@x.test")] {
            connection
                .execute(
                    "INSERT INTO items (pk, sk, version, data, gsi1pk, gsi1sk) VALUES (?1, ?2, 1, ?5, ?3, ?4)",
                    params![
                        format!("ORG#{ORG_ID}"),
                        format!("MEMBER#{member}"),
                        format!("ORG#{ORG_ID}#TAB#invited"),
                        format!("{email}#{member}"),
                        member_data(email)
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
        drop(connection);
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
                "\u{2}1\u{3} \u{2}1\u{3}\u{1b}invited \u{10}M1",
                "\u{2}1\u{3} \u{2}1\u{3}\u{1b}invited \u{10}M2",
                "\u{13}a@x.test  \u{2}1\u{3}"
            ]
        );
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert!(version >= KEYS_VERSION, "converted, then upgraded to the layout (`layout`)");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `scripts/benchlib.py` reads stored keys back with its own copy of the tables of
    /// structural starts: it must say what these do.
    #[test]
    fn the_bench_scripts_read_keys_with_these_marks() {
        let script = include_str!("../../../scripts/benchlib.py");
        for (mark, start) in LEADING.iter().chain(AFTER_ORG.iter()) {
            let entry = format!("\"\\x{:02x}\": \"{start}\"", *mark as u32);
            assert!(script.contains(&entry), "benchlib.py lacks {entry}");
        }
        let invite = format!("first == \"\\x{:02x}\"", INVITE_HASH as u32);
        assert!(script.contains(&invite), "benchlib.py lacks {invite}");
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
        let stored = codes.read().stored_data(&text, &keys).unwrap();
        assert_eq!(
            stored,
            format!(
                r#"{{"id":"{KEY_TAIL}1","org_id":"{START}1{END}","invited_by":"01M972G6ATQ690GN2GYAXM4QQG","note":"\"{member}\" {ORG_ID}","short":"{}"}}"#,
                &member[1..]
            )
        );
        assert_eq!(codes.read().data(stored.into_owned(), &keys).unwrap(), text);
        // A SHA-256 in hex is kept in base64url; upper-case hex, or a shorter one, as it is.
        let hashes = r#"{"token_hash":"56f224be2f124ae14a5fa10b8d44328592b54e233d2e8931355a640a691b6424","b":"56F224BE2F124AE14A5FA10B8D44328592B54E233D2E8931355A640A691B6424","c":"56f2","é":"é"}"#;
        let stored_hashes = codes.read().stored_data(hashes, &keys).unwrap();
        assert_eq!(stored_hashes.len(), hashes.len() - 64 + 1 + 43);
        assert_eq!(codes.read().data(stored_hashes.into_owned(), &keys).unwrap(), hashes);
        // Without the keys it was stored with, a reference names nothing: damage, not a guess.
        assert!(codes.read().data(format!("\"{KEY_TAIL}2\""), &keys).is_none());
        assert!(codes.read().data(format!("\"{START}9{END}\""), &keys).is_none());
        // Text with a mark of its own is not JSON, and never stored.
        assert!(codes.read().stored_data("\u{4}1", &keys).is_none());
        assert_eq!(codes.read().stored_data("null", &keys).unwrap(), "null");
    }

    #[test]
    fn a_prefix_that_ends_inside_a_structural_start_is_told_apart() {
        for whole in [
            "",
            "MEMBER#",
            "DEPTMEMBER#d1#",
            "DEPT#",
            "ann",
            "001800000000#",
            &format!("ORG#{ORG_ID}"),
        ] {
            assert!(prefix_keeps_meaning(whole), "{whole:?}");
        }
        for cut in ["MEMB", "M", "DUE#inv", "ACCOUNTS", "ORG", "ORG#", "ORG#01M9"] {
            assert!(!prefix_keeps_meaning(cut), "{cut:?}");
        }
    }

    /// A database at version 1 (org codes, no key starts) is converted to version 2.
    #[tokio::test]
    async fn a_database_at_version_1_gets_its_key_starts() {
        use roster_app::ports::Store;
        let (dir, path, connection) = database_from_before("org-codes-v1");
        connection.execute_batch(SCHEMA).unwrap();
        connection
            .execute("INSERT INTO org_codes (code, org) VALUES (1, ?1)", params![ORG_ID])
            .unwrap();
        connection
            .execute(
                "INSERT INTO items (pk, sk, version, data, gsi1pk, gsi1sk) VALUES (?1, 'MEMBER#M1', 1, ?3, ?2, 'a@x.test#M1')",
                params!["\u{2}1\u{3}", "\u{2}1\u{3}#TAB#invited", member_data("a@x.test")],
            )
            .unwrap();
        connection.pragma_update(None, "user_version", 1).unwrap();
        drop(connection);
        let store = crate::SqliteStore::new(crate::Database::open(&path).unwrap());
        let item = store.get(&format!("ORG#{ORG_ID}"), "MEMBER#M1").await.unwrap().unwrap();
        assert_eq!(item.gsi1.unwrap().0, format!("ORG#{ORG_ID}#TAB#invited"));
        drop(store);
        let connection = Connection::open(&path).unwrap();
        let stored: (String, String, String) = connection
            .query_row("SELECT pk, sk, gsi1pk FROM items", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .unwrap();
        assert_eq!(stored, ("\u{2}1\u{3}".into(), "\u{10}M1".into(), "\u{2}1\u{3}\u{1b}invited".into()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_stored_key_that_is_damaged_reads_back_as_it_is() {
        let (_, codes) = codes();
        for damaged in ["a\u{2}1", "\u{2}9\u{3}#TAB#x", "\u{1e}not base64!"] {
            assert_eq!(codes.read().key(damaged.to_string()), damaged);
        }
    }

    #[test]
    fn a_key_holding_a_code_mark_is_never_stored() {
        let (connection, codes) = codes();
        codes.register(&connection, [format!("ORG#{ORG_ID}").as_str()]).unwrap();
        assert!(codes.read().stored("\u{2}1\u{3}").is_none());
        assert!(codes.read().stored("JOINCODE#\u{3}").is_none());
    }
}

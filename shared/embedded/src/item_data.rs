//! How an item's data (its JSON text) is kept in the `data` column: compressed, with a
//! dictionary of what Roster's items look like.
//!
//! Most items are a few hundred bytes of JSON whose field names and common values repeat
//! from item to item, not within one, so a compressor that starts empty finds little to
//! share. LZ4 with a fixed dictionary (`item_dictionary.txt`: skeletons of a member, its
//! audit event, its lookups, its outbox entry, an import row) finds them: a member's 650
//! bytes keep about 260, every item of a member together about 45 % of its text.
//!
//! A stored value is either TEXT (the JSON as is: rows written before this format, and items
//! too small to gain) or a BLOB: a format byte, the text's length (LEB128) and the LZ4 block.
//! The dictionary is part of the format: data written with it is read with it, so it never
//! changes; a new dictionary would be a new format byte, the old one still read.

use rusqlite::types::{FromSqlError, ToSqlOutput, Value, ValueRef};

/// Format byte: LZ4 block, dictionary `item_dictionary.txt`.
const LZ4_DICTIONARY_1: u8 = 1;

static DICTIONARY_1: &[u8] = include_bytes!("item_dictionary.txt");

/// The longest text kept compressed: its length fits the four bytes a reader takes.
const LONGEST_PACKED: usize = (1 << 28) - 1;

/// The shortest text compressed: below it (a department membership's `null`, a directory entry) a few
/// bytes at most are saved, and each compression sets up its table and the dictionary's
/// hashes, which costs more than such an item's write.
const SHORTEST_PACKED: usize = 64;

/// What to store for `text`: compressed when that is smaller, else the text itself (bound
/// as it is, not copied).
pub fn stored(text: &str) -> ToSqlOutput<'_> {
    let as_it_is = ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes()));
    if !(SHORTEST_PACKED..=LONGEST_PACKED).contains(&text.len()) {
        return as_it_is;
    }
    let block = lz4_flex::block::compress_with_dict(text.as_bytes(), DICTIONARY_1);
    let mut packed = Vec::with_capacity(block.len() + 4);
    packed.push(LZ4_DICTIONARY_1);
    let mut length = text.len();
    loop {
        let low = (length & 0x7f) as u8;
        length >>= 7;
        if length == 0 {
            packed.push(low);
            break;
        }
        packed.push(low | 0x80);
    }
    packed.extend_from_slice(&block);
    if packed.len() < text.len() {
        ToSqlOutput::Owned(Value::Blob(packed))
    } else {
        as_it_is
    }
}

/// The JSON text of a stored value.
pub fn text(value: ValueRef<'_>) -> Result<String, FromSqlError> {
    match value {
        ValueRef::Text(text) => String::from_utf8(text.to_vec()).map_err(|error| FromSqlError::Other(error.into())),
        ValueRef::Blob([LZ4_DICTIONARY_1, rest @ ..]) => {
            let (length, block) = length_and_rest(rest).ok_or_else(|| corrupt("a length"))?;
            // An LZ4 block grows its input at most 255 times (and a little): a larger length
            // is damage, not something to allocate for.
            if length > block.len().saturating_mul(255).saturating_add(16) {
                return Err(corrupt("a length its block can hold"));
            }
            let bytes =
                lz4_flex::block::decompress_with_dict(block, length, DICTIONARY_1).map_err(|error| FromSqlError::Other(error.into()))?;
            if bytes.len() != length {
                return Err(corrupt("the length it names"));
            }
            String::from_utf8(bytes).map_err(|error| FromSqlError::Other(error.into()))
        }
        ValueRef::Blob(_) => Err(corrupt("a known format")),
        _ => Err(FromSqlError::InvalidType),
    }
}

fn length_and_rest(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let mut length = 0usize;
    for (index, byte) in bytes.iter().enumerate().take(4) {
        length |= usize::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((length, &bytes[index + 1..]));
        }
    }
    None
}

fn corrupt(missing: &str) -> FromSqlError {
    FromSqlError::Other(format!("stored item data without {missing}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Value {
        let value = match stored(text) {
            ToSqlOutput::Borrowed(ValueRef::Text(text)) => Value::Text(String::from_utf8(text.to_vec()).unwrap()),
            ToSqlOutput::Owned(value) => value,
            other => panic!("stored as {other:?}"),
        };
        let back = match &value {
            Value::Text(t) => text_of(ValueRef::Text(t.as_bytes())),
            Value::Blob(b) => text_of(ValueRef::Blob(b)),
            other => panic!("stored as {other:?}"),
        };
        assert_eq!(back, text);
        value
    }

    fn text_of(value: ValueRef<'_>) -> String {
        super::text(value).unwrap()
    }

    #[test]
    fn a_member_is_kept_in_under_half_its_text() {
        let member = r#"{"created_at":"2026-12-06T22:49:46.788195788Z","credential_version":0,"email":"seed5@load.test","email_changes_requested":0,"ever_licensed":false,"first_name":"Ann","id":"01M96RS3H4XC8MPQ3DW7H5AMYS","invitation":{"expires_at":"2026-12-13T22:49:46.788197851Z","invited_by":"01M96RS34YKREEHBZ9Z2PN30TG","needs_approval":false,"token_hash":"6bc1f0744da1dd193294c04f84a26fc9dfd72268dac04d33eb2272f60264131e","version":1},"invitations_sent":1,"kind":"shell","last_name":"Last5","org_id":"01M96RS34YG1VC6DS4XKGK254C","password_temporary":false,"phone":"","role":"member","status":"invited","updated_at":"2026-12-06T22:49:46.788195788Z","version":1}"#;
        let Value::Blob(packed) = round_trip(member) else {
            panic!("a member is compressed")
        };
        assert!(packed.len() * 2 < member.len(), "{} of {} bytes", packed.len(), member.len());
    }

    #[test]
    fn small_or_unusual_text_is_kept_as_it_is_or_read_back_the_same() {
        assert_eq!(round_trip("null"), Value::Text("null".into()));
        round_trip("");
        round_trip(&"é€😀".repeat(500));
        round_trip(&format!("{{\"x\":\"{}\"}}", "a".repeat(70_000)));
    }

    #[test]
    fn damaged_data_is_an_error_not_a_panic() {
        let ToSqlOutput::Owned(Value::Blob(mut packed)) = stored(&"{\"member_id\":\"x\"}".repeat(20)) else {
            panic!("compressed")
        };
        assert!(super::text(ValueRef::Blob(&[9, 1, 2])).is_err());
        assert!(super::text(ValueRef::Blob(&[LZ4_DICTIONARY_1, 0xff, 0xff, 0xff, 0xff, 0xff])).is_err());
        assert!(
            super::text(ValueRef::Blob(&[LZ4_DICTIONARY_1, 0xff, 0xff, 0xff, 0x7f, 0])).is_err(),
            "a length its block cannot hold is refused before anything is allocated"
        );
        packed[1] = packed[1].wrapping_add(1);
        assert!(super::text(ValueRef::Blob(&packed)).is_err());
        packed.truncate(packed.len() / 2);
        assert!(super::text(ValueRef::Blob(&packed)).is_err());
    }

    /// The dictionary is part of the stored format: changing it would make every item
    /// written with it unreadable. A new dictionary is a new format byte.
    #[test]
    fn the_dictionary_never_changes() {
        let sum = DICTIONARY_1
            .iter()
            .fold(0u64, |h, b| h.wrapping_mul(1_099_511_628_211).wrapping_add(u64::from(*b)));
        assert_eq!((DICTIONARY_1.len(), sum), (2435, DICTIONARY_SUM));
    }

    const DICTIONARY_SUM: u64 = 2_497_813_412_833_768_750;
}

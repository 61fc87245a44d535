//! What DynamoDB charges for the items this adapter writes and reads (on-demand list
//! prices bill the same units): an item's size as DynamoDB counts it (each attribute's
//! name and value, as `dynamo_store` writes them), write units (1 KB each, rounded up; a
//! transaction's writes and checks count twice), read units (4 KB each; a consistent read
//! one, an eventually consistent one half), and the index writes the table's global
//! secondary indexes add (GSI1 projects every attribute: an item in it costs its
//! whole size there again at each write; GSI3, GSI4 and GSI5 project keys only: an entry costs its keys,
//! and only when the item enters, leaves or moves in it; a change of an item's index keys
//! is a delete and a put). A change of one item alone is a plain write, not a transaction.
//! Computed, not measured: moto does not report consumed capacity. The tests meter the
//! operations with it (`tests/suite/capacity.rs`).

use aws_sdk_dynamodb::types::AttributeValue;

use roster_app::ports::{IndexName, Item};

use crate::dynamo_store::{index_attributes, projects_keys_only, to_attributes};

/// The bytes DynamoDB counts for `item`.
pub fn item_bytes(item: &Item) -> usize {
    to_attributes(item)
        .iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}

fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        // A number: about one byte per two significant digits, plus one.
        AttributeValue::N(number) => number.trim_start_matches('-').len().div_ceil(2) + 1,
        _ => 0,
    }
}

/// The bytes of `item`'s entry in `index` (it must be in it): the whole item, or for a
/// keys-only index the table's and the index's key attributes.
pub fn index_entry_bytes(item: &Item, index: IndexName) -> usize {
    if !projects_keys_only(index) {
        return item_bytes(item);
    }
    let (pk_name, sk_name) = index_attributes(index);
    let (pk, sk) = item.index_key(index).map_or(("", ""), |(pk, sk)| (pk.as_str(), sk.as_str()));
    "PK".len() + item.pk.len() + "SK".len() + item.sk.len() + pk_name.len() + pk.len() + sk_name.len() + sk.len()
}

/// Write units of one write of `bytes` (at least one).
pub fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

/// Read units of reading `bytes`: consistent reads one per 4 KB, others half.
pub fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

/// Write units the indexes take when an item goes from `before` to `after` (either may be
/// absent): per index, a put of the new entry where the item is in the index (in a
/// keys-only index only when it was not there under the same keys), and a delete of the
/// old one where it was under other keys (or is no longer).
pub fn index_write_units(before: Option<&Item>, after: Option<&Item>) -> f64 {
    let mut units = 0.0;
    for index in IndexName::ALL {
        let old_key = before.and_then(|item| item.index_key(index));
        let new_key = after.and_then(|item| item.index_key(index));
        if let (Some(new_key), Some(after)) = (new_key, after) {
            if !projects_keys_only(index) || old_key != Some(new_key) {
                units += write_units(index_entry_bytes(after, index));
            }
        }
        if let (Some(old_key), Some(before)) = (old_key, before) {
            if new_key != Some(old_key) {
                units += write_units(index_entry_bytes(before, index));
            }
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_units_follow_dynamodb_s_rules() {
        let mut item = Item::new("ORG#1", "MEMBER#2", 3, serde_json::json!({"a": "b"}));
        // PK(2)+5, SK(2)+8, version(7)+2, data(4)+9.
        assert_eq!(item_bytes(&item), 7 + 10 + 9 + 13);
        assert_eq!(write_units(1), 1.0);
        assert_eq!(write_units(1024), 1.0);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(10, false), 0.5);
        // In no index: no index writes.
        assert_eq!(index_write_units(None, Some(&item)), 0.0);
        item.gsi1 = Some(("G".into(), "1".into()));
        let mut moved = item.clone();
        moved.gsi1 = Some(("G".into(), "2".into()));
        assert_eq!(index_write_units(None, Some(&item)), 1.0);
        assert_eq!(index_write_units(Some(&item), Some(&item)), 1.0, "same keys: one put");
        assert_eq!(index_write_units(Some(&item), Some(&moved)), 2.0, "new keys: a put and a delete");
        assert_eq!(index_write_units(Some(&item), None), 1.0, "deleted: its index entry too");
        // GSI3 holds keys only: a rewrite under the same due keys writes nothing there.
        let mut due = Item::new("ORG#1", "OUTBOX#2", 1, serde_json::json!({"big": "x".repeat(3000)}));
        due.gsi3 = Some(("DUE#1".into(), "2026".into()));
        assert_eq!(index_write_units(None, Some(&due)), 1.0, "a keys-only entry is small");
        assert_eq!(index_write_units(Some(&due), Some(&due)), 0.0, "same keys: nothing");
        assert_eq!(index_write_units(Some(&due), None), 1.0, "leaving: a delete");
    }
}

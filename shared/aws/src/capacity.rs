//! What DynamoDB charges for the items this adapter writes and reads (on-demand list
//! prices bill the same units): an item's size as DynamoDB counts it (each attribute's
//! name and value, as `dynamo_store` writes them), write units (1 KB each, rounded up; a
//! transaction's writes and checks count twice), read units (4 KB each; a consistent read
//! one, an eventually consistent one half), and the index writes the table's global
//! secondary indexes add (all three project every attribute: an item in an index costs
//! its whole size there again; a change of its index keys is a delete and a put).
//! Computed, not measured: moto does not report consumed capacity. The tests meter the
//! operations with it (`tests/suite/capacity.rs`).

use aws_sdk_dynamodb::types::AttributeValue;

use roster_app::ports::Item;

use crate::dynamo_store::to_attributes;

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

/// The index keys of `item`, one per global secondary index (`None`: not in it).
fn index_keys(item: &Item) -> [Option<&(String, String)>; 3] {
    [item.gsi1.as_ref(), item.gsi2.as_ref(), item.gsi3.as_ref()]
}

/// Write units the indexes take when an item goes from `before` to `after` (either may be
/// absent): per index, a put of the new item where it is in the index, and a delete of the
/// old one where it was under other keys (or is no longer).
pub fn index_write_units(before: Option<&Item>, after: Option<&Item>) -> f64 {
    let old = before.map(index_keys).unwrap_or([None; 3]);
    let new = after.map(index_keys).unwrap_or([None; 3]);
    let mut units = 0.0;
    for (old_key, new_key) in old.into_iter().zip(new) {
        if let (Some(_), Some(after)) = (new_key, after) {
            units += write_units(item_bytes(after));
        }
        if let (Some(old_key), Some(before)) = (old_key, before) {
            if new_key != Some(old_key) {
                units += write_units(item_bytes(before));
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
    }
}

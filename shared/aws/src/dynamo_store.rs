//! The store port on DynamoDB: one table (`PK`, `SK`), indexes `GSI1` to `GSI5`, and every
//! change of several items one `TransactWriteItems` with conditions (a change of one item
//! is a plain conditional write: half the price). An entity is kept as JSON in `data`;
//! `version` is the optimistic-concurrency counter the conditions check.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, ReturnValue, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use roster_app::ports::{Condition, IndexName, Item, Page, Query, SkCondition, Store, StoreError, Write};

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
        }
    }
}

/// DynamoDB deletes an item some time after the unix time in this attribute.
pub const TTL_ATTRIBUTE: &str = "ttl";
/// Whether `index` holds only its items' keys (the template's `KEYS_ONLY` projection)
/// rather than every attribute. GSI3 (what sweeps must look at by due time) and the names
/// (GSI4, GSI5) do: a sweep or a search reads its items from the table after the index
/// names them, and an item's rewrite that keeps its keys there (an email's claim, a
/// member's edit) writes nothing there. GSI1 (member tabs, audit by member) projects every
/// attribute, so a list page is one query.
pub fn projects_keys_only(index: IndexName) -> bool {
    match index {
        IndexName::Gsi1 => false,
        IndexName::Gsi3 | IndexName::Gsi4 | IndexName::Gsi5 => true,
    }
}

/// The index attribute names of `index`.
///
/// A member's names (GSI4 and GSI5) are partitioned by its tab, as its GSI1 entry is: they
/// share GSI1's partition attribute, and a member item holds only their sort keys besides
/// (a member stays under 1 KB).
pub fn index_attributes(index: IndexName) -> (&'static str, &'static str) {
    match index {
        IndexName::Gsi1 => ("GSI1PK", "GSI1SK"),
        IndexName::Gsi3 => ("GSI3PK", "GSI3SK"),
        IndexName::Gsi4 => ("GSI1PK", "GSI4SK"),
        IndexName::Gsi5 => ("GSI1PK", "GSI5SK"),
    }
}

pub(crate) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

pub(crate) fn to_attributes(item: &Item) -> HashMap<String, AttributeValue> {
    let mut attributes = HashMap::from([
        ("PK".to_string(), s(&item.pk)),
        ("SK".to_string(), s(&item.sk)),
        ("version".to_string(), AttributeValue::N(item.version.to_string())),
        ("data".to_string(), s(&item.data)),
    ]);
    for index in IndexName::ALL {
        if let Some((pk, sk)) = item.index_key(index) {
            let (pk_name, sk_name) = index_attributes(index);
            // GSI4 and GSI5 are partitioned by GSI1's attribute: a write checks first that
            // an item has them only in its GSI1 entry's partition (`check_index_partitions`).
            attributes.insert(pk_name.to_string(), s(pk));
            attributes.insert(sk_name.to_string(), s(sk));
        }
    }
    if let Some(at) = item.expires_at {
        // The table's TTL attribute (see the template).
        attributes.insert(TTL_ATTRIBUTE.to_string(), AttributeValue::N(at.to_string()));
    }
    attributes
}

pub(crate) fn from_attributes(attributes: &HashMap<String, AttributeValue>) -> Result<Item, StoreError> {
    let text = |name: &str| attributes.get(name).and_then(|v| v.as_s().ok()).cloned();
    let required = |name: &str| text(name).ok_or_else(|| unavailable(format!("item without {name}")));
    let index = |(pk, sk): (&str, &str)| text(pk).zip(text(sk));
    Ok(Item {
        pk: required("PK")?,
        sk: required("SK")?,
        version: attributes
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| unavailable("item without version"))?,
        data: required("data")?,
        gsi1: index(index_attributes(IndexName::Gsi1)),
        gsi3: index(index_attributes(IndexName::Gsi3)),
        gsi4: index(index_attributes(IndexName::Gsi4)),
        gsi5: index(index_attributes(IndexName::Gsi5)),
        expires_at: attributes
            .get(TTL_ATTRIBUTE)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok()),
    })
}

/// The cursor is DynamoDB's `LastEvaluatedKey` (string attributes only), as base64url JSON.
fn encode_cursor(key: &HashMap<String, AttributeValue>) -> String {
    let map: HashMap<&str, &str> = key
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str())))
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).expect("strings serialize"))
}

/// Decodes a cursor of a query of the partition `partition_name = partition` whose sort
/// key meets `sort`: the table's key, and for an index query the index's key too, with the
/// query's partition and a sort key in its range. Anything else is not a cursor this query
/// gave out (DynamoDB would refuse it).
fn decode_cursor(
    cursor: &str,
    partition_name: &str,
    partition: &str,
    sort_name: &str,
    sort: &SkCondition,
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    let map: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
    let expected: std::collections::BTreeSet<&str> = ["PK", "SK", partition_name, sort_name].into();
    let names: std::collections::BTreeSet<&str> = map.keys().map(String::as_str).collect();
    let in_range = sort.matches(map.get(sort_name).map(String::as_str).unwrap_or_default());
    if names != expected || map[partition_name] != partition || !in_range {
        return Err(StoreError::InvalidCursor);
    }
    Ok(map.into_iter().map(|(k, v)| (k, AttributeValue::S(v))).collect())
}

/// DynamoDB's refusal of a query of an index it is still filling (just added to the table:
/// "Cannot read from backfilling global secondary index") or that the table does not have,
/// as `StoreError::IndexNotReady`.
fn index_not_ready(code: Option<&str>, message: Option<&str>) -> Option<StoreError> {
    let message = message.unwrap_or_default();
    let not_ready = message.contains("backfilling") || message.contains("does not have the specified index");
    (code == Some("ValidationException") && not_ready).then(|| StoreError::IndexNotReady(message.to_string()))
}

/// A condition expression with its attribute names and values.
type ConditionExpression = (String, HashMap<String, String>, HashMap<String, AttributeValue>);

/// The expression that checks a write's condition, if it has one.
fn condition_of(condition: Condition) -> Option<ConditionExpression> {
    match condition {
        Condition::None => None,
        Condition::NotExists => Some((
            "attribute_not_exists(#pk)".into(),
            HashMap::from([("#pk".into(), "PK".into())]),
            HashMap::new(),
        )),
        Condition::Version(version) => Some((
            "#version = :expected".into(),
            HashMap::from([("#version".into(), "version".into())]),
            HashMap::from([(":expected".into(), AttributeValue::N(version.to_string()))]),
        )),
    }
}

fn transact_item(table: &str, write: &Write) -> Result<TransactWriteItem, StoreError> {
    let item = match write {
        Write::Put { item, condition } => {
            item.check_index_partitions()?;
            let (expression, names, values) = condition_of(*condition).unzip3();
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(to_attributes(item)))
                .set_condition_expression(expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values);
            TransactWriteItem::builder().put(put.build().map_err(unavailable)?)
        }
        Write::Delete { pk, sk, condition } => {
            let (expression, names, values) = condition_of(*condition).unzip3();
            let delete = Delete::builder()
                .table_name(table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .set_condition_expression(expression)
                .set_expression_attribute_names(names)
                .set_expression_attribute_values(values);
            TransactWriteItem::builder().delete(delete.build().map_err(unavailable)?)
        }
        Write::Check { pk, sk, condition } => {
            let (expression, names, values) = condition_of(*condition).ok_or_else(|| unavailable("a check needs a condition"))?;
            let check = ConditionCheck::builder()
                .table_name(table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .condition_expression(expression)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values((!values.is_empty()).then_some(values));
            TransactWriteItem::builder().condition_check(check.build().map_err(unavailable)?)
        }
        Write::Add { pk, sk, delta, at_most } => {
            let (expression, condition, names, values) = counter_addition(*delta, *at_most);
            let update = Update::builder()
                .table_name(table)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression(expression)
                .set_condition_expression(condition.map(str::to_string))
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values));
            TransactWriteItem::builder().update(update.build().map_err(unavailable)?)
        }
    };
    Ok(item.build())
}

impl DynamoStore {
    /// The items a keys-only index's `entries` name, read from the table (in one
    /// `BatchGetItem` a hundred) in the entries' order. An item since moved out of the
    /// query's range (the index lags behind the table) or deleted is left out: what is
    /// answered is the item as it is, and only where the query asked.
    async fn items_named_by(&self, query: &Query, entries: &[HashMap<String, AttributeValue>]) -> Result<Vec<Item>, StoreError> {
        let text = |entry: &HashMap<String, AttributeValue>, name: &str| entry.get(name).and_then(|v| v.as_s().ok()).cloned();
        let keys: Vec<(String, String)> = entries
            .iter()
            .map(|entry| {
                text(entry, "PK")
                    .zip(text(entry, "SK"))
                    .ok_or_else(|| unavailable("an index entry without its table key"))
            })
            .collect::<Result<_, _>>()?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: HashMap<(String, String), Item> = self
            .batch_get(keys.clone())
            .await?
            .into_iter()
            .map(|item| ((item.pk.clone(), item.sk.clone()), item))
            .collect();
        Ok(keys
            .iter()
            .filter_map(|key| found.remove(key))
            .filter(|item| query.reaches(item))
            .collect())
    }

    /// A change of one item alone: a plain conditional `PutItem`, `DeleteItem` or
    /// `UpdateItem`, which DynamoDB serializes with transactions as it does them, at half a
    /// transaction's price. A check alone writes nothing and is done as a transaction.
    async fn write_alone(&self, write: &Write) -> Result<(), StoreError> {
        match write {
            Write::Put { item, condition } => {
                item.check_index_partitions()?;
                let (expression, names, values) = condition_of(*condition).unzip3();
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(to_attributes(item)))
                    .set_condition_expression(expression)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(single_write_error)
            }
            Write::Delete { pk, sk, condition } => {
                let (expression, names, values) = condition_of(*condition).unzip3();
                self.client
                    .delete_item()
                    .table_name(&self.table)
                    .key("PK", s(pk))
                    .key("SK", s(sk))
                    .set_condition_expression(expression)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(single_write_error)
            }
            Write::Add { pk, sk, delta, at_most } => {
                let (expression, condition, names, values) = counter_addition(*delta, *at_most);
                self.client
                    .update_item()
                    .table_name(&self.table)
                    .key("PK", s(pk))
                    .key("SK", s(sk))
                    .update_expression(expression)
                    .set_condition_expression(condition.map(str::to_string))
                    .set_expression_attribute_names(Some(names))
                    .set_expression_attribute_values(Some(values))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(single_write_error)
            }
            Write::Check { .. } => self.transact_all(std::slice::from_ref(write)).await,
        }
    }

    async fn transact_all(&self, writes: &[Write]) -> Result<(), StoreError> {
        let items = writes
            .iter()
            .map(|w| transact_item(&self.table, w))
            .collect::<Result<Vec<_>, _>>()?;
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(context)) => Err(match context.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    let reasons = cancelled.cancellation_reasons();
                    match reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                        Some(index) => StoreError::ConditionFailed { index },
                        None if reasons.iter().any(|r| r.code() == Some("TransactionConflict")) => StoreError::TransactionConflict,
                        None => unavailable(format!(
                            "transaction cancelled: {:?}",
                            reasons.iter().map(|r| r.code()).collect::<Vec<_>>()
                        )),
                    }
                }
                other => unavailable(other),
            }),
            Err(other) => Err(unavailable(other)),
        }
    }
}

/// A single write's failure: `ConditionFailed` when its condition did not hold,
/// `TransactionConflict` when a transaction had the item.
fn single_write_error<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match error {
        SdkError::ServiceError(context) => match context.err().code() {
            Some("ConditionalCheckFailedException") => StoreError::ConditionFailed { index: 0 },
            Some("TransactionConflictException") => StoreError::TransactionConflict,
            _ => unavailable(context.into_err()),
        },
        other => unavailable(other),
    }
}

/// An optional condition's parts, each optional, as the request builders take them.
trait Unzip3 {
    fn unzip3(
        self,
    ) -> (
        Option<String>,
        Option<HashMap<String, String>>,
        Option<HashMap<String, AttributeValue>>,
    );
}

impl Unzip3 for Option<ConditionExpression> {
    fn unzip3(
        self,
    ) -> (
        Option<String>,
        Option<HashMap<String, String>>,
        Option<HashMap<String, AttributeValue>>,
    ) {
        match self {
            None => (None, None, None),
            Some((expression, names, values)) => (Some(expression), Some(names), (!values.is_empty()).then_some(values)),
        }
    }
}

/// The update that adds `delta` to a counter, keeping it within 0..=`at_most`: its
/// expression, its condition, and their names and values.
fn counter_addition(
    delta: i64,
    at_most: Option<u64>,
) -> (
    &'static str,
    Option<&'static str>,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
) {
    let names = HashMap::from([
        ("#version".to_string(), "version".to_string()),
        ("#data".to_string(), "data".to_string()),
    ]);
    let mut values = HashMap::from([
        (":delta".to_string(), AttributeValue::N(delta.to_string())),
        (":null".to_string(), s("null")),
    ]);
    // The count stays within 0..=at_most: a rise checks the room left, a fall what there
    // is to take.
    let condition = match (delta >= 0, at_most) {
        (true, None) => None,
        // No room even from 0: a condition that never holds (the item has a key).
        (true, Some(most)) if (most as i64) < delta => Some("attribute_not_exists(#version) AND attribute_exists(#version)"),
        (true, Some(most)) => {
            values.insert(":room".into(), AttributeValue::N((most as i64 - delta).to_string()));
            Some("attribute_not_exists(#version) OR #version <= :room")
        }
        (false, _) => {
            values.insert(":need".into(), AttributeValue::N((-delta).to_string()));
            Some("#version >= :need")
        }
    };
    (
        "ADD #version :delta SET #data = if_not_exists(#data, :null)",
        condition,
        names,
        values,
    )
}

#[async_trait]
impl Store for DynamoStore {
    /// DynamoDB's own limit on `TransactWriteItems`.
    fn transaction_limit(&self) -> usize {
        roster_app::ports::store::MAX_TRANSACTION_WRITES
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        output.item().map(from_attributes).transpose()
    }

    async fn batch_get(&self, mut keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        // DynamoDB refuses a batch that names a key twice.
        keys.sort();
        keys.dedup();
        let mut items = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let mut pending: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|(pk, sk)| HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))]))
                .collect();
            // DynamoDB may leave keys unprocessed (under load, or past 16 MB an answer): ask
            // again for those, waiting a little longer each time nothing came back.
            let mut idle_rounds = 0u32;
            loop {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(unavailable)?;
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| unavailable(e.into_service_error()))?;
                let before = items.len();
                if let Some(found) = output.responses().and_then(|r| r.get(&self.table)) {
                    for attributes in found {
                        items.push(from_attributes(attributes)?);
                    }
                }
                pending = output
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.table))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if items.len() > before {
                    continue;
                }
                if idle_rounds >= 8 {
                    return Err(unavailable("keys left unprocessed after retries"));
                }
                tokio::time::sleep(std::time::Duration::from_millis(10 << idle_rounds)).await;
                idle_rounds += 1;
            }
        }
        Ok(items)
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let (pk_name, sk_name) = query.index.map_or(("PK", "SK"), index_attributes);
        let mut expression = "#pk = :pk".to_string();
        let mut values = HashMap::from([(":pk".to_string(), s(&query.partition))]);
        let mut names = HashMap::from([("#pk".to_string(), pk_name.to_string())]);
        match &query.sort {
            SkCondition::Any => {}
            SkCondition::BeginsWith(prefix) => {
                expression.push_str(" AND begins_with(#sk, :a)");
                values.insert(":a".into(), s(prefix));
            }
            SkCondition::Between(low, high) => {
                expression.push_str(" AND #sk BETWEEN :a AND :b");
                values.insert(":a".into(), s(low));
                values.insert(":b".into(), s(high));
            }
            SkCondition::AtMost(high) => {
                expression.push_str(" AND #sk <= :b");
                values.insert(":b".into(), s(high));
            }
        }
        if query.sort != SkCondition::Any {
            names.insert("#sk".into(), sk_name.into());
        }
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .limit(query.limit.clamp(1, 1000) as i32);
        request = match query.index {
            Some(index) => request.index_name(index.as_str()),
            None => request.consistent_read(true),
        };
        if let Some(cursor) = &query.cursor {
            request = request.set_exclusive_start_key(Some(decode_cursor(cursor, pk_name, &query.partition, sk_name, &query.sort)?));
        }
        let output = request.send().await.map_err(|e| {
            let error = e.into_service_error();
            index_not_ready(error.code(), error.message()).unwrap_or_else(|| unavailable(error))
        })?;
        let next_cursor = output.last_evaluated_key().map(encode_cursor);
        let items = match query.index {
            Some(index) if projects_keys_only(index) => self.items_named_by(&query, output.items()).await?,
            _ => output.items().iter().map(from_attributes).collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Page { items, next_cursor })
    }

    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        if below == Some(0) {
            return Ok(None);
        }
        // One UpdateItem: DynamoDB checks the condition and adds in one step.
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .update_expression("ADD #version :delta SET #ttl = :ttl, #data = if_not_exists(#data, :null)")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_names("#data", "data")
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .expression_attribute_values(":ttl", AttributeValue::N(expires_at.to_string()))
            .expression_attribute_values(":null", s("null"))
            .return_values(ReturnValue::UpdatedNew);
        if let Some(below) = below {
            request = request
                .condition_expression("attribute_not_exists(#version) OR #version < :below")
                .expression_attribute_values(":below", AttributeValue::N(below.to_string()));
        }
        match request.send().await {
            Ok(output) => output
                .attributes()
                .and_then(|a| a.get("version"))
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .map(|count| Some(count.max(0) as u64))
                .ok_or_else(|| unavailable("counter update without a count")),
            Err(SdkError::ServiceError(context)) => match context.into_err() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(None),
                other => Err(unavailable(other)),
            },
            Err(other) => Err(unavailable(other)),
        }
    }

    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        match writes.as_slice() {
            [write] => self.write_alone(write).await,
            writes => self.transact_all(writes).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(pairs: &[(&str, &str)]) -> String {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).unwrap())
    }

    #[test]
    fn an_index_being_filled_or_missing_is_not_ready_and_other_refusals_are_errors() {
        let backfilling = "Cannot read from backfilling global secondary index: GSI5";
        assert!(matches!(
            index_not_ready(Some("ValidationException"), Some(backfilling)),
            Some(StoreError::IndexNotReady(_))
        ));
        let missing = "The table does not have the specified index: GSI5";
        assert!(index_not_ready(Some("ValidationException"), Some(missing)).is_some());
        assert!(index_not_ready(Some("ValidationException"), Some("ExclusiveStartKey is invalid")).is_none());
        assert!(index_not_ready(Some("ThrottlingException"), Some(backfilling)).is_none());
    }

    #[test]
    fn a_cursor_is_refused_unless_it_is_the_querys_own_kind_of_key() {
        let table = cursor(&[("PK", "ORG#a"), ("SK", "M#1")]);
        assert!(decode_cursor(&table, "PK", "ORG#a", "SK", &SkCondition::Any).is_ok());
        assert_eq!(
            decode_cursor(&table, "PK", "ORG#b", "SK", &SkCondition::Any),
            Err(StoreError::InvalidCursor),
            "another partition"
        );
        assert_eq!(
            decode_cursor(&table, "GSI1PK", "TAB", "GSI1SK", &SkCondition::Any),
            Err(StoreError::InvalidCursor),
            "a table cursor on an index"
        );
        let index = cursor(&[("PK", "ORG#a"), ("SK", "M#1"), ("GSI1PK", "TAB"), ("GSI1SK", "x")]);
        assert!(decode_cursor(&index, "GSI1PK", "TAB", "GSI1SK", &SkCondition::Any).is_ok());
        assert_eq!(
            decode_cursor(&index, "PK", "ORG#a", "SK", &SkCondition::Any),
            Err(StoreError::InvalidCursor),
            "an index cursor on the table"
        );
        assert_eq!(
            decode_cursor("zz", "PK", "ORG#a", "SK", &SkCondition::Any),
            Err(StoreError::InvalidCursor)
        );
        let members = SkCondition::BeginsWith("M#".into());
        assert!(decode_cursor(&table, "PK", "ORG#a", "SK", &members).is_ok());
        let outside = cursor(&[("PK", "ORG#a"), ("SK", "AUDIT#1")]);
        assert_eq!(
            decode_cursor(&outside, "PK", "ORG#a", "SK", &members),
            Err(StoreError::InvalidCursor),
            "outside the range"
        );
        assert_eq!(
            decode_cursor(&outside, "PK", "ORG#a", "SK", &SkCondition::AtMost("A".into())),
            Err(StoreError::InvalidCursor)
        );
    }
}

//! Changes of the app's table layout that a table written by an earlier version needs, made
//! once after deploying the version that relies on them: `roster-local table upgrade` with
//! the stack's environment (README, "Upgrading a stack"). The embedded store makes the same
//! changes when it opens a database (`roster_embedded`'s `layout`). Safe to run again and
//! while the API serves: each step is conditional on what it read.
//!
//! Layout 3: an email's account directory entry (`ACCOUNTS#e` / `ORG#o`) is also the org's
//! guard of the email, and members are in no GSI2.
//! - Every member gets its directory entry if it has none (accounts from before the
//!   directory), written with a check that the member is still as read.
//! - The members' GSI2 keys are removed (the index is gone from the template).
//! - The email guards (`ORG#o` / `EMAIL#e`) are deleted.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;

use roster_app::table;

use crate::dynamo_store::{from_attributes, to_attributes};

/// What an upgrade changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Upgraded {
    pub members: usize,
    pub directory_entries_written: usize,
    pub email_index_keys_removed: usize,
    pub email_guards_deleted: usize,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

type Key = HashMap<String, AttributeValue>;

/// Every item whose keys match `filter` (a scan, page by page, consistent).
async fn scan(client: &Client, table: &str, filter: &str, values: &[(&str, &str)]) -> Result<Vec<Key>, String> {
    let mut items = Vec::new();
    let mut start: Option<Key> = None;
    loop {
        let mut request = client
            .scan()
            .table_name(table)
            .consistent_read(true)
            .filter_expression(filter)
            .set_exclusive_start_key(start.take());
        for (name, value) in values {
            request = request.expression_attribute_values(*name, s(value));
        }
        let page = request.send().await.map_err(|e| e.into_service_error().to_string())?;
        items.extend(page.items.unwrap_or_default());
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

/// Brings `table` to layout 3.
pub async fn upgrade(client: &Client, table_name: &str) -> Result<Upgraded, String> {
    let mut upgraded = Upgraded::default();
    let members = scan(client, table_name, "begins_with(SK, :member)", &[(":member", table::MEMBER_PREFIX)]).await?;
    for attributes in members {
        let item = from_attributes(&attributes).map_err(|e| e.to_string())?;
        upgraded.members += 1;
        if write_directory_entry(client, table_name, item.pk.clone(), item.sk.clone()).await? {
            upgraded.directory_entries_written += 1;
        }
        if attributes.contains_key("GSI2PK") {
            let removed = client
                .update_item()
                .table_name(table_name)
                .key("PK", s(&item.pk))
                .key("SK", s(&item.sk))
                .update_expression("REMOVE GSI2PK, GSI2SK")
                .condition_expression("attribute_exists(GSI2PK)")
                .send()
                .await;
            match removed {
                Ok(_) => upgraded.email_index_keys_removed += 1,
                Err(e) if e.code() == Some("ConditionalCheckFailedException") => {}
                Err(e) => return Err(e.into_service_error().to_string()),
            }
        }
    }
    let guards = scan(
        client,
        table_name,
        "begins_with(PK, :org) AND begins_with(SK, :guard)",
        &[(":org", "ORG#"), (":guard", "EMAIL#")],
    )
    .await?;
    for key in guards {
        client
            .delete_item()
            .table_name(table_name)
            .key("PK", key["PK"].clone())
            .key("SK", key["SK"].clone())
            .send()
            .await
            .map_err(|e| e.into_service_error().to_string())?;
        upgraded.email_guards_deleted += 1;
    }
    Ok(upgraded)
}

/// Writes the member's directory entry unless there is one, checking in the same
/// transaction that the member is as read (read again while it changes); `false` when there
/// was one or the member is gone.
async fn write_directory_entry(client: &Client, table_name: &str, pk: String, sk: String) -> Result<bool, String> {
    loop {
        let read = client
            .get_item()
            .table_name(table_name)
            .key("PK", s(&pk))
            .key("SK", s(&sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| e.into_service_error().to_string())?;
        let Some(attributes) = read.item else {
            return Ok(false);
        };
        let item = from_attributes(&attributes).map_err(|e| e.to_string())?;
        let member = table::decode_member(&item).map_err(|e| format!("{pk}/{sk}: {e}"))?;
        let entry = Put::builder()
            .table_name(table_name)
            .set_item(Some(to_attributes(&table::directory_entry(&member))))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(|e| e.to_string())?;
        let unchanged = ConditionCheck::builder()
            .table_name(table_name)
            .key("PK", s(&pk))
            .key("SK", s(&sk))
            .condition_expression("version = :version")
            .expression_attribute_values(":version", AttributeValue::N(item.version.to_string()))
            .build()
            .map_err(|e| e.to_string())?;
        let written = client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(entry).build())
            .transact_items(TransactWriteItem::builder().condition_check(unchanged).build())
            .send()
            .await;
        let error = match written {
            Ok(_) => return Ok(true),
            Err(error) => error.into_service_error(),
        };
        let reasons: Vec<Option<String>> = match &error {
            aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().map(str::to_string))
                    .collect()
            }
            _ => return Err(error.to_string()),
        };
        let failed = |at: usize| reasons.get(at).and_then(Option::as_deref) == Some("ConditionalCheckFailed");
        if failed(0) {
            return Ok(false);
        }
        if !failed(1) {
            // A conflict with a write in flight: try again.
            continue;
        }
        // The member changed since it was read: read it again.
    }
}

//! Changes of the app's table layout that a table written by an earlier version needs:
//! `roster-local table upgrade` with the stack's environment, before deploying the version
//! that relies on them, and `roster-local table upgrade --finish` after (README, "Upgrading
//! a stack"). The embedded store makes the same changes when it opens a database
//! (`roster_embedded`'s `layout`). Safe to run again and while the API serves: each entry is
//! written on a condition of what was read, and what `finish` removes this version no longer
//! reads.
//!
//! Layout 3: an email's account directory entry (`ACCOUNTS#e` / `ORG#o`) is also the org's
//! guard of the email, and members are in no GSI2.
//! - Before the deploy: every member gets its directory entry if it has none (accounts from
//!   before the directory), written with a check that the member is still as read. The
//!   version before keeps entries in step as this one does, so none goes missing after.
//! - After the deploy (`finish`): the same, then the members' GSI2 keys are removed (the
//!   index is gone from the template) and the email guards (`ORG#o` / `EMAIL#e`) deleted.
//!   Not while an email has two accounts in an org (`conflicts`): those are reported, to be
//!   resolved (one account removed) before running it again.
//!
//! Layout 4: an invitation link names its org, member and invitation, and no lookup item
//! (`INVITE#<sha256>`) is written for it. While a deploy runs both versions side by side,
//! the version before may email a link that is the secret alone for an invitation this
//! version made, without a lookup. After the deploy (`finish`): every pending invitation
//! gets the lookup such a link is found by, where it has none.
//!
//! Layout 5: a search by email reads the member tabs' index (GSI1), whose sort key is the
//! email, so a member had search entries for its names only. Since layout 7 it has none.
//!
//! Layout 7: a search by name reads two indexes of the member items (GSI4 "first last",
//! GSI5 "last first", keyed by the member's tab and the term), so no member has search
//! entries (`ORG#o#FIND#tab`). While a deploy runs both versions, the version before finds
//! the members this version writes by email only, and the members it writes lose their name
//! keys until `finish`. Before the deploy (once the template before has added GSI4) and
//! after it (`finish`): every member gets the name keys it should have (written on the
//! condition that it is at the version read); after it, every search entry is deleted too
//! (this version neither reads nor writes them).

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;

use roster_app::ports::Item;
use roster_app::table;
use roster_app::usecases::membership::bare_link_lookup;
use roster_domain::MembershipStatus;

use crate::dynamo_store::{from_attributes, s, to_attributes};

/// What an upgrade changed, and what it found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Upgraded {
    pub members: usize,
    pub directory_entries_written: usize,
    pub email_index_keys_removed: usize,
    pub email_guards_deleted: usize,
    /// Pending invitations given the lookup a link that is the secret alone needs (layout 4).
    pub invitation_lookups_written: usize,
    /// Members given their name index keys (layout 7).
    pub name_keys_written: usize,
    /// Search entries deleted (layout 7; those of emails, layout 5).
    pub search_entries_deleted: usize,
    /// Members whose email's directory entry in their org names another member: one email
    /// with two accounts in an org (org id, email, the member the entry does not name).
    pub conflicts: Vec<(String, String, String)>,
}

/// How many times a member's entry is tried while writes of it conflict.
const ATTEMPTS: u32 = 10;

/// Waits before attempt `attempt` (none before the first), longer each time.
async fn pause_before(attempt: u32) {
    if attempt > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20 << attempt.min(6))).await;
    }
}

type Key = HashMap<String, AttributeValue>;

/// Whether a conditional write was made: `false` when its condition did not hold (done
/// already, by another run or a change meanwhile). Any other error is returned.
fn made<O, E, R>(result: Result<O, aws_sdk_dynamodb::error::SdkError<E, R>>) -> Result<bool, String>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()),
    }
}

/// A scan of the items whose keys match `filter`, a page at a time (consistent reads), for
/// only the `attributes` the caller looks at, since each member is read again before it is
/// written.
struct Scan<'a> {
    client: &'a Client,
    table: &'a str,
    attributes: &'a str,
    filter: &'a str,
    values: &'a [(&'a str, &'a str)],
    /// Where the next page starts; `None` once the last was read.
    next: Option<Option<Key>>,
}

impl<'a> Scan<'a> {
    fn new(client: &'a Client, table: &'a str, attributes: &'a str, filter: &'a str, values: &'a [(&'a str, &'a str)]) -> Self {
        Scan {
            client,
            table,
            attributes,
            filter,
            values,
            next: Some(None),
        }
    }

    /// The next page's items; `None` after the last.
    async fn page(&mut self) -> Result<Option<Vec<Key>>, String> {
        let Some(start) = self.next.take() else {
            return Ok(None);
        };
        let mut request = self
            .client
            .scan()
            .table_name(self.table)
            .consistent_read(true)
            .projection_expression(self.attributes)
            .filter_expression(self.filter)
            .set_exclusive_start_key(start);
        for (name, value) in self.values {
            request = request.expression_attribute_values(*name, s(value));
        }
        let page = request.send().await.map_err(|e| e.into_service_error().to_string())?;
        self.next = page.last_evaluated_key.filter(|key| !key.is_empty()).map(Some);
        Ok(Some(page.items.unwrap_or_default()))
    }

    /// Every page's items.
    async fn all(mut self) -> Result<Vec<Key>, String> {
        let mut items = Vec::new();
        while let Some(page) = self.page().await? {
            items.extend(page);
        }
        Ok(items)
    }
}

/// An item's `PK` and `SK`.
fn key_of(attributes: &Key) -> Result<(&str, &str), String> {
    let text = |name: &str| {
        attributes
            .get(name)
            .and_then(|value| value.as_s().ok())
            .map(String::as_str)
            .ok_or_else(|| format!("an item without {name}"))
    };
    Ok((text("PK")?, text("SK")?))
}

/// Brings `table` to layout 7: its directory entries before the deploy, the rest with
/// `finish` after it (module doc).
pub async fn upgrade(client: &Client, table_name: &str, finish: bool) -> Result<Upgraded, String> {
    let mut upgraded = Upgraded::default();
    let members = Scan::new(
        client,
        table_name,
        "PK, SK, GSI2PK",
        "begins_with(SK, :member)",
        &[(":member", table::MEMBER_PREFIX)],
    )
    .all()
    .await?;
    for attributes in &members {
        let (pk, sk) = key_of(attributes)?;
        upgraded.members += 1;
        match write_directory_entry(client, table_name, pk, sk).await? {
            Entry::Written => upgraded.directory_entries_written += 1,
            Entry::There | Entry::MemberGone => {}
            Entry::OfAnother(conflict) => upgraded.conflicts.push(conflict),
        }
        // Before the deploy too (GSI4 is there since the template before, and DynamoDB
        // fills GSI5 from these keys when it adds it), so this version finds by name the
        // members written before it from its first request; `finish` mends those the
        // version before rewrote meanwhile.
        if write_name_keys(client, table_name, pk, sk).await? {
            upgraded.name_keys_written += 1;
        }
    }
    if !finish || !upgraded.conflicts.is_empty() {
        return Ok(upgraded);
    }
    for attributes in &members {
        let (pk, sk) = key_of(attributes)?;
        if attributes.contains_key("GSI2PK") {
            let removed = client
                .update_item()
                .table_name(table_name)
                .key("PK", s(pk))
                .key("SK", s(sk))
                .update_expression("REMOVE GSI2PK, GSI2SK")
                .condition_expression("attribute_exists(GSI2PK)")
                .send()
                .await;
            if made(removed)? {
                upgraded.email_index_keys_removed += 1;
            }
        }
    }
    let guards = Scan::new(
        client,
        table_name,
        "PK, SK",
        "begins_with(PK, :org) AND begins_with(SK, :guard)",
        &[(":org", "ORG#"), (":guard", "EMAIL#")],
    )
    .all()
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
    for attributes in &members {
        let (pk, sk) = key_of(attributes)?;
        if write_bare_link_lookup(client, table_name, pk, sk).await? {
            upgraded.invitation_lookups_written += 1;
        }
    }
    // A page at a time: a member had two or three entries, too many to hold at once.
    let mut entries = Scan::new(
        client,
        table_name,
        "PK, SK",
        "begins_with(PK, :org) AND contains(PK, :find)",
        &[(":org", table::ORG_PREFIX), (":find", table::SEARCH_PARTITION_MARK)],
    );
    while let Some(page) = entries.page().await? {
        for key in page {
            let deleted = client
                .delete_item()
                .table_name(table_name)
                .key("PK", key["PK"].clone())
                .key("SK", key["SK"].clone())
                .condition_expression("attribute_exists(PK)")
                .send()
                .await;
            // Deleted meanwhile, by another run: not counted twice.
            if made(deleted)? {
                upgraded.search_entries_deleted += 1;
            }
        }
    }
    Ok(upgraded)
}

/// Gives the member at `pk`/`sk` the name index keys (GSI4, GSI5) it should have as it is
/// now (layout 7, module doc), on the condition that it is still at the version read (read
/// again while it changes). Whether they were written.
async fn write_name_keys(client: &Client, table_name: &str, pk: &str, sk: &str) -> Result<bool, String> {
    for attempt in 0..ATTEMPTS {
        pause_before(attempt).await;
        let Some((item, member)) = read_member(client, table_name, pk, sk).await? else {
            return Ok(false);
        };
        let should = table::member_item(&member);
        if (&item.gsi4, &item.gsi5) == (&should.gsi4, &should.gsi5) || item.gsi1 != should.gsi1 {
            // As it should be; or in another tab than the member's data says, which no
            // version writes, and which only the member's own next write mends.
            return Ok(false);
        }
        let mut set = Vec::new();
        let mut remove = Vec::new();
        let mut request = client
            .update_item()
            .table_name(table_name)
            .key("PK", s(pk))
            .key("SK", s(sk))
            .condition_expression("version = :version")
            .expression_attribute_values(":version", AttributeValue::N(item.version.to_string()));
        for (name, key) in [("GSI4SK", &should.gsi4), ("GSI5SK", &should.gsi5)] {
            match key {
                Some((_, term)) => {
                    set.push(format!("{name} = :{name}"));
                    request = request.expression_attribute_values(format!(":{name}"), s(term));
                }
                None => remove.push(name),
            }
        }
        let update = [
            (!set.is_empty()).then(|| format!("SET {}", set.join(", "))),
            (!remove.is_empty()).then(|| format!("REMOVE {}", remove.join(", "))),
        ];
        let written = request
            .update_expression(update.into_iter().flatten().collect::<Vec<_>>().join(" "))
            .send()
            .await;
        match written {
            Ok(_) => return Ok(true),
            // The member changed since it was read, a transaction was writing it, or the
            // table is busy: again.
            Err(e)
                if matches!(
                    e.code(),
                    Some(
                        "ConditionalCheckFailedException"
                            | "TransactionConflictException"
                            | "ThrottlingException"
                            | "ProvisionedThroughputExceededException"
                    )
                ) => {}
            Err(e) => return Err(e.into_service_error().to_string()),
        }
    }
    Err(format!("{pk}/{sk}: its name keys could not be written in {ATTEMPTS} attempts"))
}

type TransactResult =
    Result<(), aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError>>;

/// Why a transaction was cancelled: each of its items' reason (`None` for an item whose
/// condition held); `None` when it went through. Any other error is returned as one.
fn cancellation_reasons(result: TransactResult) -> Result<Option<Vec<String>>, String> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match result.map_err(|e| e.into_service_error()) {
        Ok(()) => Ok(None),
        Err(TransactWriteItemsError::TransactionCanceledException(cancelled)) => Ok(Some(
            cancelled
                .cancellation_reasons()
                .iter()
                .map(|reason| reason.code().unwrap_or("None").to_string())
                .collect(),
        )),
        Err(error) => Err(error.to_string()),
    }
}

/// A transaction's check that the member at `pk`/`sk` is at `version`.
fn member_as_read(table_name: &str, pk: &str, sk: &str, version: u64) -> Result<TransactWriteItem, String> {
    let check = ConditionCheck::builder()
        .table_name(table_name)
        .key("PK", s(pk))
        .key("SK", s(sk))
        .condition_expression("version = :version")
        .expression_attribute_values(":version", AttributeValue::N(version.to_string()))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The item at `pk`/`sk` as it is now (a consistent read); none when there is none.
async fn read_item(client: &Client, table_name: &str, pk: &str, sk: &str) -> Result<Option<Item>, String> {
    let read = client
        .get_item()
        .table_name(table_name)
        .key("PK", s(pk))
        .key("SK", s(sk))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| e.into_service_error().to_string())?;
    read.item
        .map(|attributes| from_attributes(&attributes).map_err(|e| e.to_string()))
        .transpose()
}

/// The member at `pk`/`sk` as it is now, with its item; none when gone.
async fn read_member(client: &Client, table_name: &str, pk: &str, sk: &str) -> Result<Option<(Item, roster_domain::Member)>, String> {
    let Some(item) = read_item(client, table_name, pk, sk).await? else {
        return Ok(None);
    };
    let member = table::decode_member(&item).map_err(|e| format!("{pk}/{sk}: {e}"))?;
    Ok(Some((item, member)))
}

/// Writes the lookup by which a link that is the secret alone finds the member's pending
/// invitation, unless there is one (layout 4, module doc). Whether it was written.
async fn write_bare_link_lookup(client: &Client, table_name: &str, pk: &str, sk: &str) -> Result<bool, String> {
    let Some((_, member)) = read_member(client, table_name, pk, sk).await? else {
        return Ok(false);
    };
    let Some(invitation) = member.invitation.as_ref().filter(|_| member.status == MembershipStatus::Invited) else {
        return Ok(false);
    };
    let written = client
        .put_item()
        .table_name(table_name)
        .set_item(Some(to_attributes(&bare_link_lookup(&member, invitation))))
        .condition_expression("attribute_not_exists(PK)")
        .send()
        .await;
    made(written)
}

/// What became of a member's directory entry.
enum Entry {
    Written,
    There,
    MemberGone,
    /// The entry names another member: this one (as read) shares its email (a conflict:
    /// org id, email, this member's id).
    OfAnother((String, String, String)),
}

/// Writes the member's directory entry unless there is one, checking in the same
/// transaction that the member is as read (read again while it changes).
async fn write_directory_entry(client: &Client, table_name: &str, pk: &str, sk: &str) -> Result<Entry, String> {
    for attempt in 0..ATTEMPTS {
        pause_before(attempt).await;
        let Some((item, member)) = read_member(client, table_name, pk, sk).await? else {
            return Ok(Entry::MemberGone);
        };
        let entry = Put::builder()
            .table_name(table_name)
            .set_item(Some(to_attributes(&table::directory_entry(&member))))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(|e| e.to_string())?;
        let written = client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(entry).build())
            .transact_items(member_as_read(table_name, pk, sk, item.version)?)
            .send()
            .await;
        let Some(reasons) = cancellation_reasons(written.map(|_| ()))? else {
            return Ok(Entry::Written);
        };
        let again = |reason: &str| matches!(reason, "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded");
        match (reasons.first().map(String::as_str), reasons.get(1).map(String::as_str)) {
            // The member changed since it was read (whatever the entry's check found: it may
            // be gone and its email taken by another), or a write was in flight: again.
            (_, Some("ConditionalCheckFailed")) => {}
            (Some(first), Some(second)) if again(first) || again(second) => {}
            (Some("ConditionalCheckFailed"), _) => {
                // `None`: deleted since it was found there, so again.
                if let Some(found) = entry_found(client, table_name, member).await? {
                    return Ok(found);
                }
            }
            _ => return Err(format!("{pk}/{sk}: the transaction was cancelled ({reasons:?})")),
        }
    }
    Err(format!(
        "{pk}/{sk}: its directory entry could not be written in {ATTEMPTS} attempts"
    ))
}

/// Whether the directory entry that is there names `member`; `None` when it is gone.
async fn entry_found(client: &Client, table_name: &str, member: roster_domain::Member) -> Result<Option<Entry>, String> {
    let Some(item) = read_item(
        client,
        table_name,
        &table::directory_pk(&member.email),
        &table::directory_sk(&member.org_id),
    )
    .await?
    else {
        return Ok(None);
    };
    let entry: roster_app::records::DirectoryEntry = table::decode(&item).map_err(|e| e.to_string())?;
    Ok(Some(if entry.member_id == member.id {
        Entry::There
    } else {
        Entry::OfAnother((member.org_id, member.email.to_string(), member.id))
    }))
}

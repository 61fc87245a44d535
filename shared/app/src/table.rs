//! The single-table layout: every entity's keys and index entries, in one place.
//!
//! | entity | PK | SK | GSI1 | GSI3 (sparse, due work) |
//! |---|---|---|---|---|
//! | org | `ORG#o` | `ORG` | | |
//! | seat counter (its version is the count) | `ORG#o` | `SEATS` | | |
//! | lasting org admin counter | `ORG#o` | `ADMINS` | | |
//! | department | `ORG#o` | `DEPT#d` | | |
//! | department name guard | `ORG#o` | `DEPTNAME#name` | | |
//! | department membership | `ORG#o` | `DEPTMEMBER#d#m` | | |
//! | deleted-department tombstone | `ORG#o` | `DEPTCLOSED#d` | | |
//! | member | `ORG#o` | `MEMBER#m` | `ORG#o#TAB#tab` / `email#m` | invitation expiry, license end |
//! | (gone since layout 7: its names are in GSI4 and GSI5) member search entry | `ORG#o#FIND#tab` | `term` U+0001 `m` | | |
//! | audit event | `ORG#o` | `AUDIT#a` | `ORG#o#AUDIT#m` / `a` | |
//! | outbox entry | `ORG#o` | `OUTBOX#x` | | delivery repair while pending |
//! | join notice sent (expires) | `ORG#o` | `JOINNOTICE#m#hour` | | |
//! | import | `ORG#o` | `IMPORT#i` | | delivery repair while queued or running |
//! | import chunk | `ORG#o` | `IMPORT#i#CHUNK#n` | | |
//! | account directory entry (also the org's guard of the email) | `ACCOUNTS#e` | `ORG#o` | | |
//! | sign-in code (the current one) | `SIGNIN#e` | `CODE` | | |
//! | sign-in code email | `SIGNIN#e` | `OUTBOX#x` | | delivery repair while pending |
//! | trusted sign-in device | `DEVICE#sha256` | `DEVICE` | | |
//! | refresh token | `REFRESH#sha256` | `REFRESH` | | |
//! | ended session | `SESSION#id` | `ENDED` | | |
//! | revoked invitation's mark (and a link's lookup, for links from before links named their member) | `INVITE#sha256` | `INVITE` | | |
//! | email-change link | `EMAILCHANGE#sha256` | `EMAILCHANGE` | | |
//! | join code | `JOINCODE#c` | `JOINCODE` | | |
//! | rate window | `RATE#kind#subject` | `WINDOW#start` | | |
//! | SSO connection | `ORG#o` | `SSO` | | |
//! | SSO email-domain claim | `SSODOMAIN#domain` | `SSODOMAIN` | | |
//! | SSO attempt (state, expires) | `SSOSTATE#sha256` | `SSOSTATE` | | |
//! | SSO handoff (expires) | `SSOHANDOFF#sha256` | `SSOHANDOFF` | | |
//! | directory-sync (SCIM) token | `ORG#o` | `SCIMTOKEN` | | |
//! | directory listing head (the latest listing; expires) | `ORG#o` | `SCIMLIST` | | |
//! | directory listing mark (where the page at `start` begins; expires) | `ORG#o` | `SCIMLIST#start` | | |
//!
//! A member with a name is also in GSI4 ("first last") and GSI5 ("last first"), keys only,
//! partitioned as its GSI1 entry is (`ORG#o#TAB#tab`, the same attribute), with the term as
//! sort key: a search by name reads them in order (`roster_domain::search::name_orders`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

use roster_domain::{Email, Member, MembershipStatus, Tab};

use crate::error::{AppError, AppResult};
use crate::ports::{IndexName, Item, Query, SkCondition};

/// How long an item that is of no more use is kept before the store may delete it (a
/// margin: readers check their own times, and DynamoDB's TTL deletes late anyway).
pub const KEPT_AFTER_USE: time::Duration = time::Duration::days(1);

pub const ORG_SK: &str = "ORG";
pub const SEATS_SK: &str = "SEATS";
pub const ORG_ADMINS_SK: &str = "ADMINS";
pub const INVITE_SK: &str = "INVITE";
pub const EMAIL_CHANGE_SK: &str = "EMAILCHANGE";
pub const JOIN_CODE_SK: &str = "JOINCODE";
pub const SSO_SK: &str = "SSO";
/// The org's directory-sync (SCIM) token: its hash.
pub const SCIM_TOKEN_SK: &str = "SCIMTOKEN";
/// The marker that an org has directory changes a freeze held, in the due index at the
/// freeze's end.
pub const HELD_DIRECTORY_SK: &str = "DIRHOLDS";
/// Each held directory change, in arrival order.
pub const HELD_DIRECTORY_PREFIX: &str = "DIRHOLD#";
pub const SSO_DOMAIN_SK: &str = "SSODOMAIN";
pub const SSO_STATE_SK: &str = "SSOSTATE";
pub const SSO_HANDOFF_SK: &str = "SSOHANDOFF";
pub const MEMBER_PREFIX: &str = "MEMBER#";
pub const DEPT_PREFIX: &str = "DEPT#";
pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const OUTBOX_PREFIX: &str = "OUTBOX#";
pub const IMPORT_PREFIX: &str = "IMPORT#";

/// What an org's partition key starts with.
pub const ORG_PREFIX: &str = "ORG#";
pub fn org_pk(org_id: &str) -> String {
    format!("{ORG_PREFIX}{org_id}")
}
pub fn member_sk(member_id: &str) -> String {
    format!("{MEMBER_PREFIX}{member_id}")
}
/// A directory user's lookup by its `userName` (kept only when that is not the email).
pub fn scim_user_name_sk(user_name: &str) -> String {
    format!("SCIMNAME#{}", user_name.to_lowercase())
}
/// A directory user's lookup by its `externalId`.
pub fn scim_external_id_sk(external_id: &str) -> String {
    format!("SCIMEXT#{external_id}")
}
pub fn department_sk(department_id: &str) -> String {
    format!("{DEPT_PREFIX}{department_id}")
}
/// One per member of a department, written with the member: whether a department is
/// empty is a consistent read of the base table, at any org size.
pub fn department_member_sk(department_id: &str, member_id: &str) -> String {
    format!("DEPTMEMBER#{department_id}#{member_id}")
}
pub fn department_members_prefix(department_id: &str) -> String {
    format!("DEPTMEMBER#{department_id}#")
}
/// Written when a department's deletion starts and kept after it: a member write that
/// moves someone into the department checks it is absent.
pub fn department_closed_sk(department_id: &str) -> String {
    format!("DEPTCLOSED#{department_id}")
}
pub fn department_name_sk(name: &str) -> String {
    format!("DEPTNAME#{}", name.to_lowercase())
}
pub fn audit_sk(event_id: &str) -> String {
    format!("{AUDIT_PREFIX}{event_id}")
}
/// An outbox entry's id: one per member, kind of email and secret version, so a retried
/// write queues the same email.
pub fn outbox_id(member_id: &str, kind: crate::records::EmailKind, secret_version: u32) -> String {
    format!("{member_id}-{}-{secret_version}", kind.as_str())
}
pub fn outbox_sk(entry_id: &str) -> String {
    format!("{OUTBOX_PREFIX}{entry_id}")
}
/// The latest listing of every user a directory started: only its marks are used.
pub const LISTING_HEAD_SK: &str = "SCIMLIST";
/// Where a directory's listing of every user resumes at `start` (`startIndex`).
pub fn listing_mark_sk(start: usize) -> String {
    format!("SCIMLIST#{start}")
}
pub fn import_sk(import_id: &str) -> String {
    format!("{IMPORT_PREFIX}{import_id}")
}
pub fn import_chunk_sk(import_id: &str, chunk: usize) -> String {
    format!("{IMPORT_PREFIX}{import_id}#CHUNK#{chunk:06}")
}
/// The account directory: one partition per email, one entry per org it has an account
/// in, written with the member. The entry is also what keeps an email to one account in
/// an org: it is written only where none is (`Tx::member`).
pub fn directory_pk(email: &Email) -> String {
    format!("ACCOUNTS#{email}")
}
pub fn directory_sk(org_id: &str) -> String {
    format!("ORG#{org_id}")
}
pub fn directory_entry(member: &Member) -> Item {
    let entry = crate::records::DirectoryEntry {
        org_id: member.org_id.clone(),
        member_id: member.id.clone(),
    };
    encode(directory_pk(&member.email), directory_sk(&member.org_id), 1, &entry)
}
/// The partition of an email's one-time sign-in codes: the current code and its emails.
pub fn sign_in_pk(email: &Email) -> String {
    format!("SIGNIN#{email}")
}
pub const SIGN_IN_CODE_SK: &str = "CODE";
pub const DEVICE_SK: &str = "DEVICE";
pub const REFRESH_SK: &str = "REFRESH";
pub fn refresh_pk(token_hash: &str) -> String {
    format!("REFRESH#{token_hash}")
}
pub const ENDED_SK: &str = "ENDED";
pub fn session_pk(session_id: &str) -> String {
    format!("SESSION#{session_id}")
}
pub fn device_pk(token_hash: &str) -> String {
    format!("DEVICE#{token_hash}")
}
/// That `member_id` was sent a join notice in `hour` (unix hours): at most one an hour.
pub fn join_notice_sk(member_id: &str, hour: u32) -> String {
    format!("JOINNOTICE#{member_id}#{hour}")
}
/// An email change's confirmation link, by its secret's SHA-256.
pub fn email_change_pk(token_hash: &str) -> String {
    format!("EMAILCHANGE#{token_hash}")
}
pub fn invitation_pk(token_hash: &str) -> String {
    format!("INVITE#{token_hash}")
}
pub fn join_code_pk(code: &str) -> String {
    format!("JOINCODE#{code}")
}
pub fn sso_domain_pk(domain: &str) -> String {
    format!("SSODOMAIN#{domain}")
}
/// An SSO attempt is found by the SHA-256 of its `state`, which only the browser holds.
pub fn sso_state_pk(state_hash: &str) -> String {
    format!("SSOSTATE#{state_hash}")
}
pub fn sso_handoff_pk(code_hash: &str) -> String {
    format!("SSOHANDOFF#{code_hash}")
}
pub fn rate_pk(kind: &str, subject: &str) -> String {
    format!("RATE#{kind}#{subject}")
}
pub fn rate_window_sk(window_start: i64) -> String {
    format!("WINDOW#{window_start:012}")
}

/// What follows the org in the key of a search entry's partition (`ORG#o#FIND#tab`, one
/// entry a name term of a member): written before layout 7, which finds names in GSI4 and
/// GSI5; the table upgrade deletes them.
pub const SEARCH_PARTITION_MARK: &str = "#FIND#";

/// The index of a member's names in `order`: GSI4 "first last", GSI5 "last first", both
/// partitioned by the member's tab (`member_item`).
pub fn name_index(order: roster_domain::search::NameOrder) -> IndexName {
    match order {
        roster_domain::search::NameOrder::FirstLast => IndexName::Gsi4,
        roster_domain::search::NameOrder::LastFirst => IndexName::Gsi5,
    }
}

/// The member tabs index partition.
pub fn tab_partition(org_id: &str, tab: Tab) -> String {
    format!("ORG#{org_id}#TAB#{}", tab.as_str())
}
/// The audit-by-member index partition.
pub fn member_audit_partition(org_id: &str, member_id: &str) -> String {
    format!("ORG#{org_id}#AUDIT#{member_id}")
}

/// Kinds of due work the sweeps look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueKind {
    InvitationExpiry,
    LicenseExpiry,
    Delivery,
    /// An org's directory changes a freeze held (its `DIRHOLDS` marker), due at the end.
    HeldDirectoryChanges,
}

impl DueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::InvitationExpiry => "invitation_expiry",
            DueKind::LicenseExpiry => "license_expiry",
            DueKind::Delivery => "delivery",
            DueKind::HeldDirectoryChanges => "held_directory_changes",
        }
    }
}

/// The due index is spread over this many partitions per kind, so no one partition
/// is hot; a sweep reads each for the items due by now: cost follows the due items.
pub const DUE_SHARDS: u32 = 4;

/// An item's entry in the due index: its kind's shard, and the due time followed by the
/// item's partition, so a freeze's release finds one org's held items by prefix
/// (`held_queries`). The item's sort key is not repeated: entries with equal sort keys are
/// told apart by the item's key, which every index entry keeps (a page's cursor holds it), and
/// each copy was paid for twice, in the item and in the index. Entries written before end in
/// `#` + the sort key; they match and page the same.
pub fn due_entry(kind: DueKind, due_at: OffsetDateTime, pk: &str, sk: &str) -> (String, String) {
    let shard = pk
        .bytes()
        .chain(sk.bytes())
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % DUE_SHARDS;
    (
        format!("DUE#{}#{shard}", kind.as_str()),
        format!("{:012}#{pk}#", due_at.unix_timestamp().max(0)),
    )
}

/// The queries that find everything of `kind` due by `now`, one per shard.
pub fn due_queries(kind: DueKind, now: OffsetDateTime, limit: usize) -> Vec<Query> {
    due_index_queries(kind, SkCondition::AtMost(format!("{:012}#~", now.unix_timestamp().max(0))), limit)
}

/// The queries that find the items of `kind` an org's freeze held until `held_until`
/// (unix seconds), one per shard.
pub fn held_queries(kind: DueKind, held_until: i64, org_id: &str, limit: usize) -> Vec<Query> {
    due_index_queries(
        kind,
        SkCondition::BeginsWith(format!("{:012}#{}#", held_until.max(0), org_pk(org_id))),
        limit,
    )
}

/// One query of the due index per shard, each with `sort`.
fn due_index_queries(kind: DueKind, sort: SkCondition, limit: usize) -> Vec<Query> {
    (0..DUE_SHARDS)
        .map(|shard| Query::index(IndexName::Gsi3, format!("DUE#{}#{shard}", kind.as_str()), sort.clone()).limit(limit))
        .collect()
}

/// `entity` as an item. Its empty fields (`null`) are left out: a missing field reads back as
/// `None`, and every byte stored is paid for (on DynamoDB, write units by the KB).
pub fn encode<T: Serialize>(pk: String, sk: String, version: u64, entity: &T) -> Item {
    Item::new(pk, sk, version, stored_fields(entity, |_, _| true))
}

/// `entity` as stored data: its fields but those that are null, and those `keep` refuses.
fn stored_fields<T: Serialize>(entity: &T, keep: impl Fn(&str, &serde_json::Value) -> bool) -> serde_json::Value {
    let mut data = serde_json::to_value(entity).expect("entities serialize to JSON");
    if let serde_json::Value::Object(fields) = &mut data {
        fields.retain(|name, value| !value.is_null() && keep(name, value));
    }
    data
}

pub fn decode<T: DeserializeOwned>(item: &Item) -> AppResult<T> {
    Ok(serde_json::from_str(&item.data)?)
}

/// What a member's data leaves out: what its keys and version hold.
const MEMBER_FIELDS_IN_KEYS: [&str; 3] = ["id", "org_id", "version"];
/// The member fields its data leaves out while at their default (`false`, `0`, `""`), which
/// `Member` reads back as.
const MEMBER_FIELDS_LEFT_OUT_AT_DEFAULT: [&str; 8] = [
    "first_name",
    "last_name",
    "phone",
    "password_temporary",
    "credential_version",
    "ever_licensed",
    "invitations_sent",
    "email_changes_requested",
];

/// A member as an item, with its tab, name and due-work index entries. Its data leaves out what
/// its keys hold and its fields at their default (140–200 bytes of a new member's 900 on
/// DynamoDB), so a member with a full profile stays within one write unit (1 KB).
pub fn member_item(member: &Member) -> Item {
    let pk = org_pk(&member.org_id);
    let sk = member_sk(&member.id);
    let at_default = |value: &serde_json::Value| match value {
        serde_json::Value::Bool(b) => !b,
        serde_json::Value::Number(n) => n.as_u64() == Some(0),
        serde_json::Value::String(text) => text.is_empty(),
        _ => false,
    };
    let data = stored_fields(member, |name, value| {
        !MEMBER_FIELDS_IN_KEYS.contains(&name) && !(MEMBER_FIELDS_LEFT_OUT_AT_DEFAULT.contains(&name) && at_default(value))
    });
    let mut item = Item::new(pk.clone(), sk.clone(), member.version, data);
    let tab = tab_partition(&member.org_id, member.status.tab());
    let [first_last, last_first] = roster_domain::search::name_orders(member);
    item.gsi4 = first_last.map(|term| (tab.clone(), term));
    item.gsi5 = last_first.map(|term| (tab.clone(), term));
    item.gsi1 = Some((tab, format!("{}#{}", member.email, member.id)));
    item.gsi3 = match (member.status, &member.invitation, member.license_end) {
        (MembershipStatus::Invited, Some(invitation), _) => Some(due_entry(DueKind::InvitationExpiry, invitation.expires_at, &pk, &sk)),
        (MembershipStatus::Licensed, _, Some(end)) => Some(due_entry(DueKind::LicenseExpiry, end.get(), &pk, &sk)),
        _ => None,
    };
    item
}

/// A member from its item: its id, org and version from the item's keys and version
/// wherever its data leaves them out (`member_item`).
pub fn decode_member(item: &Item) -> AppResult<Member> {
    let mut member: Member = decode(item)?;
    let from_key = |key: &str, prefix: &str| {
        key.strip_prefix(prefix)
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .ok_or_else(|| AppError::Internal(format!("a member item at {}/{} without its id in its keys", item.pk, item.sk)))
    };
    if member.id.is_empty() {
        member.id = from_key(&item.sk, MEMBER_PREFIX)?;
    }
    if member.org_id.is_empty() {
        member.org_id = from_key(&item.pk, ORG_PREFIX)?;
    }
    member.version = item.version;
    Ok(member)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> Member {
        let account = crate::usecases::membership::NewAccount {
            email: Email::parse("ann@table.test").expect("an email"),
            role: roster_domain::Role::Member,
            kind: roster_domain::Kind::Shell,
            status: MembershipStatus::Licensed,
            department_id: None,
            first_name: String::new(),
            last_name: String::new(),
            phone: String::new(),
            position: None,
        };
        let mut member = crate::usecases::membership::new_member("01M96RS34YG1VC6DS4XKGK254C", account, OffsetDateTime::now_utc());
        member.version = 7;
        member
    }

    /// A member's data may leave out what its keys hold (id, org, version) and its fields at
    /// their default: it reads back as the member it was.
    #[test]
    fn a_member_reads_back_from_data_without_its_keys_or_defaults() {
        let member = member();
        let full = encode(org_pk(&member.org_id), member_sk(&member.id), member.version, &member);
        assert_eq!(decode_member(&full).expect("a member"), member, "as written before");
        let mut data: serde_json::Value = serde_json::from_str(&full.data).expect("JSON");
        let fields = data.as_object_mut().expect("an object");
        for name in [
            "id",
            "org_id",
            "version",
            "first_name",
            "last_name",
            "phone",
            "password_temporary",
            "credential_version",
            "invitations_sent",
            "email_changes_requested",
        ] {
            assert!(fields.remove(name).is_some(), "{name}");
        }
        assert_eq!(fields["ever_licensed"], true, "kept: not at its default");
        let trimmed = Item::new(full.pk.clone(), full.sk.clone(), member.version, data);
        assert_eq!(decode_member(&trimmed).expect("a member"), member);
        assert_eq!(trimmed.data, member_item(&member).data, "what member_item writes");
        assert_eq!(decode_member(&member_item(&member)).expect("a member"), member);

        // One never licensed: every field the data leaves out at its default is left out.
        let invitee = Member {
            status: MembershipStatus::Invited,
            ever_licensed: false,
            ..member
        };
        let item = member_item(&invitee);
        let data: serde_json::Value = serde_json::from_str(&item.data).expect("JSON");
        for name in MEMBER_FIELDS_IN_KEYS.iter().chain(&MEMBER_FIELDS_LEFT_OUT_AT_DEFAULT) {
            assert!(data.get(name).is_none(), "{name} left out");
        }
        assert_eq!(decode_member(&item).expect("a member"), invitee);
    }

    /// An entry as written now and one as written before (ending in the item's sort key)
    /// are both found by the due query once due, and by the release of their org's freeze.
    #[test]
    fn due_entries_old_and_new_are_found_alike() {
        let due_at = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("a time");
        let (pk, sk) = (org_pk("o1"), member_sk("m1"));
        let (partition, entry) = due_entry(DueKind::InvitationExpiry, due_at, &pk, &sk);
        assert_eq!(entry, "001800000000#ORG#o1#");
        let before = format!("{entry}{sk}");
        for sort in [&entry, &before] {
            let due = due_queries(DueKind::InvitationExpiry, due_at, 10);
            assert!(due.iter().any(|q| q.partition == partition && q.sort.matches(sort)));
            let not_yet = due_queries(DueKind::InvitationExpiry, due_at - time::Duration::seconds(1), 10);
            assert!(!not_yet.iter().any(|q| q.sort.matches(sort)));
            let held = held_queries(DueKind::InvitationExpiry, due_at.unix_timestamp(), "o1", 10);
            assert!(held.iter().any(|q| q.partition == partition && q.sort.matches(sort)));
            let other_org = held_queries(DueKind::InvitationExpiry, due_at.unix_timestamp(), "o", 10);
            assert!(!other_org.iter().any(|q| q.sort.matches(sort)));
        }
    }
}

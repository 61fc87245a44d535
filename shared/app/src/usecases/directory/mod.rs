//! Directory sync (SCIM 2.0, SPEC §6b): the org's identity provider provisions users and
//! groups. A user is a member and a group a department; every change goes through the
//! member changes an admin's go through (`commit_change`: the seat rules, the lasting
//! org admin, the audit trail, the invitation email), with `directory_sync` as the audit
//! events' reason. The caller is the org's directory (`Principal::Directory`, from its
//! token): it reaches its own org only.

use serde_json::{json, Value};

use roster_domain::lifecycle::{activate_by_directory, deactivate_by_directory};
use roster_domain::scim::{DirectoryUser, Filter, LIST_RESPONSE_SCHEMA};
use roster_domain::{DirectoryLink, DomainError, Email, ErrorCode, Kind, LoginMethod, Member, MembershipStatus, Org, Role};

use time::OffsetDateTime;

use crate::app::{retrying, App, Principal, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::Condition;
use crate::records::{EmailKind, HeldChange};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::departments;
use crate::usecases::membership::{attach_first_invitation, commit_change_in, issue_invitation, new_member, MemberChange, NewAccount};
use crate::views::rfc3339;

pub mod groups;
pub mod held;
mod listing;

pub use groups::{create_group, delete_group, get_group, list_groups, patch_group, replace_group};
pub use held::{apply_held_changes, list_held_changes, Applied};
use held::{Held, Seen};

/// The audit events' reason for every change a directory makes.
pub const REASON: &str = "directory_sync";
/// The most resources one list answers (`count` is capped here).
pub const MAX_PAGE: usize = 1000;
pub(crate) const DEFAULT_PAGE: usize = 100;

/// A resource as SCIM answers it, and its version (the `ETag`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScimResource {
    pub body: Value,
    /// The weak entity tag of `meta.version` and the `ETag` header.
    pub etag: String,
}

/// A user's entity tag: its member's version.
pub fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// A list request: `filter`, `startIndex` (1-based) and `count`.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub filter: Option<String>,
    pub start_index: Option<usize>,
    pub count: Option<usize>,
}

impl ListRequest {
    /// The page asked for: its first index (1-based) and its size.
    pub fn window(&self) -> (usize, usize) {
        (
            self.start_index.unwrap_or(1).max(1),
            self.count.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE),
        )
    }
}

/// The org the calling directory serves.
pub(crate) fn directory_org(ctx: &RequestContext) -> AppResult<&str> {
    match &ctx.principal {
        Principal::Directory { org_id } => Ok(org_id),
        _ => Err(AppError::Unauthorized(ErrorCode::InvalidToken)),
    }
}

pub(crate) fn origin(ctx: &RequestContext) -> Origin {
    ctx.origin(None)
}

/// `If-Match` (RFC 7644 §3.14): the change applies only to the resource whose entity tag
/// is `current` (or to any, with `*`); weak and strong forms compare alike.
pub(crate) fn check_if_match(if_match: Option<&str>, current: &str) -> AppResult<()> {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(tags) if tags.split(',').any(|tag| opaque(tag) == opaque(current)) => Ok(()),
        Some(_) => Err(AppError::Domain(DomainError::Conflict(ErrorCode::VersionMismatch))),
    }
}

/// A member as the directory's user, with its department's name.
fn directory_user(member: &Member, department: Option<String>) -> DirectoryUser {
    let link = member.directory.clone().unwrap_or_default();
    DirectoryUser {
        user_name: link.user_name,
        email: member.email.clone(),
        external_id: link.external_id,
        given_name: member.first_name.clone(),
        family_name: member.last_name.clone(),
        phone: member.phone.clone(),
        title: member.position.clone(),
        department,
        active: member.is_active_in_directory(),
    }
}

/// The member as SCIM answers it; with `active` as a held change will leave it, if one does.
fn user_resource(app: &App, member: &Member, department: Option<String>, active: Option<bool>) -> ScimResource {
    let mut user = directory_user(member, department);
    user.active = active.unwrap_or(user.active);
    resource(app, &member.id, &user, member.created_at, member.updated_at, member.version)
}

/// A user resource: its attributes, `id` and `meta`.
fn resource(app: &App, id: &str, user: &DirectoryUser, created: OffsetDateTime, modified: OffsetDateTime, version: u64) -> ScimResource {
    let mut body = user.to_resource();
    body.insert("id".into(), id.into());
    body.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": rfc3339(created),
            "lastModified": rfc3339(modified),
            "version": etag(version),
            "location": format!("{}/Users/{id}", crate::usecases::scim::base_url(&app.config)),
        }),
    );
    ScimResource {
        body: Value::Object(body),
        etag: etag(version),
    }
}

async fn department_name(app: &App, member: &Member) -> AppResult<Option<String>> {
    match &member.department_id {
        Some(id) => Ok(app.find_department(&member.org_id, id).await?.map(|d| d.name)),
        None => Ok(None),
    }
}

/// The member a directory's user id names, unless the directory deleted it; `None` for a
/// malformed id, another org's member or none.
async fn live_member(app: &App, org_id: &str, id: &str) -> AppResult<Option<Member>> {
    if roster_domain::MemberId::parse(id).is_err() {
        return Ok(None);
    }
    Ok(app.find_member(org_id, id).await?.filter(|member| !member.deleted_by_directory()))
}

/// How the directory sees user `id` now: the member, or the creation a freeze holds, as
/// the held changes will leave it. 404 when it sees none.
async fn seen_user(app: &App, org: &Org, holds: &[Held], id: &str) -> AppResult<Seen> {
    match held::seen(live_member(app, &org.id, id).await?, holds, id) {
        Seen::Gone => Err(AppError::not_found()),
        seen => Ok(seen),
    }
}

/// `GET /scim/v2/Users/{id}`: as it will be once what a freeze holds is applied.
pub async fn get_user(app: &App, ctx: &RequestContext, id: &str) -> AppResult<ScimResource> {
    let org = app.load_org(directory_org(ctx)?).await?;
    let holds = held::held_changes(app, &org.id).await?;
    match seen_user(app, &org, &holds, id).await? {
        Seen::Member { member, active } => Ok(user_resource(app, &member, department_name(app, &member).await?, active)),
        Seen::Held { user, received_at, .. } => Ok(held::held_resource(app, id, &user, received_at)),
        Seen::Gone => Err(AppError::not_found()),
    }
}

/// `POST /scim/v2/Users`: a new member, made the way an admin's invitation makes one (a
/// shell account and an invitation email), or, when the org signs in only by single
/// sign-on, a licensed account without an email (the seat rules apply). A user the
/// directory deleted earlier comes back as the same account. An email, `userName` or
/// `externalId` the org already has answers 409 (`uniqueness`). During a freeze window
/// the creation is held and made when the window ends; the answer is the user as it will
/// be then.
pub async fn create_user(app: &App, ctx: &RequestContext, body: &Value) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    let wanted = DirectoryUser::from_resource(body)?;
    let department_id = resolve_department(app, ctx, org_id, wanted.department.as_deref()).await?;
    retrying(|| async {
        let org = app.load_org(org_id).await?;
        if !org.is_frozen(app.now()) {
            apply_held_first(app, ctx, &org).await?;
            let member = provision(app, ctx, &org, &wanted, department_id.clone(), None, Tx::new()).await?;
            return Ok(user_resource(app, &member, wanted.department.clone(), None));
        }
        let holds = held::held_changes(app, org_id).await?;
        let existing = app.find_member_by_email(org_id, &wanted.email).await?;
        let id = match existing {
            Some(member) if member.deleted_by_directory() => member.id,
            // Its deletion is held: it is made again after it.
            Some(member) if matches!(held::seen(Some(member.clone()), &holds, &member.id), Seen::Gone) => member.id,
            Some(_) => return Err(AppError::conflict(ErrorCode::DirectoryUserExists)),
            None if held::creating(&holds, &wanted.email) => return Err(AppError::conflict(ErrorCode::DirectoryUserExists)),
            None => crate::secrets::new_id(app.now()),
        };
        if identifier_taken(app, org_id, &holds, &wanted, &id).await? {
            return Err(AppError::conflict(ErrorCode::DirectoryUserExists));
        }
        let mut tx = Tx::new();
        let change = HeldChange::Create {
            user: wanted.clone(),
            department_id: department_id.clone(),
        };
        held::hold(app, &mut tx, &org, &origin(ctx), None, &id, change).await?;
        tx.commit(app).await?;
        Ok(held::held_resource(app, &id, &wanted, app.now()))
    })
    .await
}

/// Whether another user (a member, or a creation a freeze holds) has the `userName` or
/// `externalId` `wanted` names: checked when a creation is held, so one the rules would
/// refuse when the window ends is refused now. (The write that applies it checks again.)
async fn identifier_taken(app: &App, org_id: &str, holds: &[Held], wanted: &DirectoryUser, id: &str) -> AppResult<bool> {
    if looked_up_elsewhere(app, org_id, wanted.user_name.as_deref(), wanted.external_id.as_deref(), id).await? {
        return Ok(true);
    }
    Ok(held::creations(holds).iter().any(|(other_id, user, _)| {
        other_id != id
            && ((wanted.user_name.is_some() && user.user_name().eq_ignore_ascii_case(wanted.user_name()))
                || (wanted.external_id.is_some() && user.external_id == wanted.external_id))
    }))
}

/// Makes the member a directory's user is (or makes a deleted one the directory's again),
/// with `id` when the creation was held, in one write with what `tx` holds.
async fn provision(
    app: &App,
    ctx: &RequestContext,
    org: &Org,
    wanted: &DirectoryUser,
    department_id: Option<String>,
    id: Option<&str>,
    tx: Tx,
) -> AppResult<Member> {
    let before = match app.find_member_by_email(&org.id, &wanted.email).await? {
        Some(member) if member.deleted_by_directory() => Some(member),
        Some(_) => return Err(AppError::conflict(ErrorCode::DirectoryUserExists)),
        None => None,
    };
    let after = match &before {
        Some(before) => next_member(app, org, before, wanted, department_id).await?,
        None => {
            let mut member = provisioned_member(app, org, wanted, department_id).await?;
            if let Some(id) = id {
                member.id = id.to_string();
            }
            member
        }
    };
    let action = if before.is_some() {
        "member_reprovisioned"
    } else {
        "member_provisioned"
    };
    write(app, ctx, org, before.as_ref(), &after, action, tx).await?;
    Ok(written(app, before.as_ref(), after))
}

/// `PUT /scim/v2/Users/{id}`: the user as the directory now has it (what it leaves out is
/// cleared, but for the department: a PUT without one keeps the member where its groups put
/// it).
pub async fn replace_user(app: &App, ctx: &RequestContext, id: &str, body: &Value, if_match: Option<&str>) -> AppResult<ScimResource> {
    let wanted = DirectoryUser::from_resource(body)?;
    change_user(app, ctx, id, if_match, |current| {
        let mut wanted = wanted.clone();
        wanted.department = wanted.department.or_else(|| current.department.clone());
        Ok(wanted)
    })
    .await
}

/// `PATCH /scim/v2/Users/{id}`: the operations applied to the user as it is, then read
/// again under the same rules as a `PUT`.
pub async fn patch_user(app: &App, ctx: &RequestContext, id: &str, body: &Value, if_match: Option<&str>) -> AppResult<ScimResource> {
    change_user(app, ctx, id, if_match, |user| {
        let mut resource = user.to_resource();
        roster_domain::scim::patch_user(&mut resource, body)?;
        Ok(DirectoryUser::from_resource(&Value::Object(resource))?)
    })
    .await
}

/// Reads the user, lets `decide` say what the directory wants of it, and writes the
/// difference; retried on lost races, each time from what is stored. During a freeze
/// window the profile changes at once and a change of `active` is held.
async fn change_user<F>(app: &App, ctx: &RequestContext, id: &str, if_match: Option<&str>, decide: F) -> AppResult<ScimResource>
where
    F: Fn(&DirectoryUser) -> AppResult<DirectoryUser>,
{
    let org_id = directory_org(ctx)?;
    retrying(|| async {
        let (org, frozen, holds) = directory_state(app, ctx, org_id).await?;
        let (before, held_active) = match seen_user(app, &org, &holds, id).await? {
            Seen::Member { member, active } => (member, active),
            Seen::Held { user, item, .. } => {
                // A creation still held takes the change into what it will make.
                let wanted = decide(&user)?;
                let department_id = resolve_department(app, ctx, org_id, wanted.department.as_deref()).await?;
                held::update_held_creation(app, &item, &wanted, department_id).await?;
                return Ok(held::held_resource(app, id, &wanted, app.now()));
            }
            Seen::Gone => return Err(AppError::not_found()),
        };
        check_if_match(if_match, &etag(before.version))?;
        let mut current = directory_user(&before, department_name(app, &before).await?);
        current.active = held_active.unwrap_or(current.active);
        let wanted = decide(&current)?;
        let department_id = resolve_department(app, ctx, org_id, wanted.department.as_deref()).await?;
        let mut tx = Tx::new();
        let mut profile = wanted.clone();
        if frozen {
            // Only the profile now; the license change when the window ends.
            profile.active = before.is_active_in_directory();
            if wanted.active != current.active {
                let change = HeldChange::SetActive { active: wanted.active };
                held::hold(app, &mut tx, &org, &origin(ctx), Some(&before), id, change).await?;
            }
        }
        let after = next_member(app, &org, &before, &profile, department_id).await?;
        let shown = |member: &Member| user_resource(app, member, wanted.department.clone(), frozen.then_some(wanted.active));
        if after == before {
            if frozen && wanted.active != current.active {
                tx.commit(app).await?;
            }
            return Ok(shown(&before));
        }
        write(app, ctx, &org, Some(&before), &after, action(&before, &after), tx).await?;
        Ok(shown(&written(app, Some(&before), after)))
    })
    .await
}

/// `DELETE /scim/v2/Users/{id}`: the member is unlicensed with its data kept, and is gone
/// from the directory's view (404 from now on; creating the user again brings the account
/// back). During a freeze window the deletion is held (a creation still held is simply
/// withdrawn).
pub async fn delete_user(app: &App, ctx: &RequestContext, id: &str, if_match: Option<&str>) -> AppResult<()> {
    let org_id = directory_org(ctx)?;
    retrying(|| async {
        let (org, frozen, holds) = directory_state(app, ctx, org_id).await?;
        match seen_user(app, &org, &holds, id).await? {
            Seen::Member { member, .. } => {
                check_if_match(if_match, &etag(member.version))?;
                if !frozen {
                    return delete_now(app, ctx, &org, &member, Tx::new()).await;
                }
                let mut tx = Tx::new();
                held::hold(app, &mut tx, &org, &origin(ctx), Some(&member), id, HeldChange::Delete).await?;
                tx.commit(app).await
            }
            Seen::Held { .. } => held::withdraw(app, &org, &holds, id).await,
            Seen::Gone => Err(AppError::not_found()),
        }
    })
    .await
}

/// Where a directory's change starts: the org, whether it is in a freeze window, and what
/// the window holds (once it is over, applied first: `apply_held_first`).
async fn directory_state(app: &App, ctx: &RequestContext, org_id: &str) -> AppResult<(Org, bool, Vec<Held>)> {
    let org = app.load_org(org_id).await?;
    if org.is_frozen(app.now()) {
        let holds = held::held_changes(app, org_id).await?;
        return Ok((org, true, holds));
    }
    // Outside a window, what was held is applied now: nothing is left to show.
    apply_held_first(app, ctx, &org).await?;
    Ok((org, false, Vec::new()))
}

/// Before a directory's change once a freeze window is over: what the window held, in
/// order, so the change lands after them. A window begun meanwhile makes the caller decide
/// again (as a lost race does); a backlog longer than the request's time answers 503, and
/// the directory sends the change again.
async fn apply_held_first(app: &App, ctx: &RequestContext, org: &Org) -> AppResult<()> {
    match held::apply_held_changes(app, org, ctx.deadline).await? {
        Applied::All => Ok(()),
        Applied::Frozen => Err(AppError::Contention),
        Applied::OutOfTime => Err(AppError::Unavailable(
            "the directory changes a freeze window held are still being applied".into(),
        )),
    }
}

/// Unlicenses `before` and marks it deleted by the directory, in one write with `tx`.
async fn delete_now(app: &App, ctx: &RequestContext, org: &Org, before: &Member, tx: Tx) -> AppResult<()> {
    let mut after = deactivate_by_directory(before).unwrap_or_else(|| before.clone());
    let link = after.directory.get_or_insert_with(DirectoryLink::default);
    link.deleted = true;
    write(app, ctx, org, Some(before), &after, "member_deprovisioned", tx).await
}

/// The audit trail's action for a directory's change of `before` into `after`.
fn action(before: &Member, after: &Member) -> &'static str {
    match (before.is_active_in_directory(), after.is_active_in_directory()) {
        (true, false) => "member_unlicensed",
        (false, true) if after.status == MembershipStatus::Invited => "member_reinvited",
        (false, true) => "member_relicensed",
        _ => "member_updated",
    }
}

/// Licenses or unlicenses `before` as a held `active` says, in one write with `tx`.
async fn set_active_now(app: &App, ctx: &RequestContext, org: &Org, before: &Member, active: bool, tx: Tx) -> AppResult<()> {
    let mut wanted = directory_user(before, None);
    if wanted.active == active {
        return tx.commit(app).await;
    }
    wanted.active = active;
    let after = next_member(app, org, before, &wanted, before.department_id.clone()).await?;
    write(app, ctx, org, Some(before), &after, action(before, &after), tx).await
}

/// `GET /scim/v2/Users`: the org's users, one page (`startIndex`, `count`), or those one
/// `eq` filter finds (`userName`, `emails.value`, `externalId`, `id`) through the lookups
/// each user keeps. Without a filter, in id order, a page reading its own members
/// (`listing`).
pub async fn list_users(app: &App, ctx: &RequestContext, request: &ListRequest) -> AppResult<Value> {
    let org_id = directory_org(ctx)?;
    let filter = request.filter.as_deref().map(Filter::parse).transpose()?;
    let users = users_page(app, org_id, filter.as_ref(), request).await?;
    groups::page_of(app, users, Vec::new(), request, false).await
}

/// The users on a list's page, and how many the list has.
pub(crate) struct UsersPage {
    pub resources: Vec<Value>,
    pub total: usize,
}

impl UsersPage {
    /// A list of groups only.
    pub fn none() -> UsersPage {
        UsersPage {
            resources: Vec::new(),
            total: 0,
        }
    }
}

/// The page of the users a filter finds (every user without one).
async fn users_page(app: &App, org_id: &str, filter: Option<&Filter>, request: &ListRequest) -> AppResult<UsersPage> {
    let Some(filter) = filter else {
        return listing::all_users_page(app, org_id, request).await;
    };
    let users = user_resources(app, org_id, filter).await?;
    let (start, count) = request.window();
    Ok(UsersPage {
        total: users.len(),
        resources: users.into_iter().skip(start - 1).take(count).collect(),
    })
}

/// The attributes users are found by: the arms of `filtered_users`.
const USER_FILTERS: [&str; 5] = ["username", "emails.value", "emails", "externalid", "id"];

/// `POST /scim/v2/.search` (RFC 7644 §3.4.3): the users and then the groups the filter
/// finds, one page of them. A filter on an attribute only one resource type has finds none
/// of the other; one that neither has is refused.
pub async fn search(app: &App, ctx: &RequestContext, request: &ListRequest, with_members: bool) -> AppResult<Value> {
    let org_id = directory_org(ctx)?;
    let filter = request.filter.as_deref().map(Filter::parse).transpose()?;
    let finds = |attributes: &[&str]| filter.as_ref().is_none_or(|f| attributes.contains(&f.attribute.as_str()));
    let (users_found, groups_found) = (finds(&USER_FILTERS), finds(&groups::GROUP_FILTERS));
    if !users_found && !groups_found {
        return Err(AppError::Domain(DomainError::invalid(
            "filter",
            ErrorCode::InvalidFilter,
            "users are found by userName, emails.value, externalId or id, groups by displayName, externalId or id",
        )));
    }
    let users = match users_found {
        true => users_page(app, org_id, filter.as_ref(), request).await?,
        false => UsersPage::none(),
    };
    let departments = match groups_found {
        true => groups::found_departments(app, org_id, filter.as_ref()).await?,
        false => Vec::new(),
    };
    groups::page_of(app, users, departments, request, with_members).await
}

/// Every user the filter finds, as a list answers them.
async fn user_resources(app: &App, org_id: &str, filter: &Filter) -> AppResult<Vec<Value>> {
    let members = filtered_users(app, org_id, filter).await?;
    // As what a freeze holds will leave them: deleted ones gone, `active` as held, and the
    // creations held that match.
    let holds = held::held_changes(app, org_id).await?;
    let mut users = resources_of(app, org_id, listed(members, &holds)).await?;
    for (id, user, received_at) in held::creations(&holds) {
        if matches(filter, &id, &user) {
            users.push(held::held_resource(app, &id, &user, received_at).body);
        }
    }
    Ok(users)
}

/// These members as a list shows them: those a held change deletes left out, `active` as
/// one sets it.
fn listed(members: Vec<Member>, holds: &[Held]) -> Vec<(Member, Option<bool>)> {
    members
        .into_iter()
        .filter_map(|member| {
            let id = member.id.clone();
            match held::seen(Some(member), holds, &id) {
                Seen::Member { member, active } => Some((member, active)),
                _ => None,
            }
        })
        .collect()
}

/// The users' resources, their departments' names read once.
async fn resources_of(app: &App, org_id: &str, listed: Vec<(Member, Option<bool>)>) -> AppResult<Vec<Value>> {
    let departments: std::collections::HashMap<String, String> = if listed.iter().any(|(m, _)| m.department_id.is_some()) {
        app.departments(org_id).await?.into_iter().map(|d| (d.id, d.name)).collect()
    } else {
        Default::default()
    };
    Ok(listed
        .into_iter()
        .map(|(member, active)| {
            let department = member.department_id.as_ref().and_then(|id| departments.get(id).cloned());
            user_resource(app, &member, department, active).body
        })
        .collect())
}

/// Whether a user (a held creation) matches a list filter.
fn matches(filter: &Filter, id: &str, user: &DirectoryUser) -> bool {
    let value = filter.value.as_str();
    match filter.attribute.as_str() {
        "username" => user.user_name().eq_ignore_ascii_case(value),
        "emails.value" | "emails" => user.email.as_str().eq_ignore_ascii_case(value),
        "externalid" => user.external_id.as_deref() == Some(value),
        "id" => id == value,
        _ => false,
    }
}

pub fn list_response(total: usize, start: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn filtered_users(app: &App, org_id: &str, filter: &Filter) -> AppResult<Vec<Member>> {
    let found = match filter.attribute.as_str() {
        "username" => {
            // The email's member, unless its userName is another; else the userName's lookup.
            let by_email = match Email::parse(&filter.value) {
                Ok(email) => app.find_member_by_email(org_id, &email).await?,
                Err(_) => None,
            };
            match by_email.filter(|m| m.directory.as_ref().and_then(|l| l.user_name.as_ref()).is_none()) {
                found @ Some(_) => found,
                None => lookup(app, org_id, &table::scim_user_name_sk(&filter.value)).await?,
            }
        }
        "emails.value" | "emails" => match Email::parse(&filter.value) {
            Ok(email) => app.find_member_by_email(org_id, &email).await?,
            Err(_) => None,
        },
        "externalid" => lookup(app, org_id, &table::scim_external_id_sk(&filter.value)).await?,
        "id" => match roster_domain::MemberId::parse(&filter.value) {
            Ok(_) => app.find_member(org_id, &filter.value).await?,
            Err(_) => None,
        },
        _ => {
            return Err(AppError::Domain(DomainError::invalid(
                "filter",
                ErrorCode::InvalidFilter,
                "users are found by userName, emails.value, externalId or id",
            )))
        }
    };
    Ok(found.into_iter().filter(|m| !m.deleted_by_directory()).collect())
}

/// The member a directory lookup item (`userName` or `externalId`) points to.
async fn lookup(app: &App, org_id: &str, sk: &str) -> AppResult<Option<Member>> {
    let Some(item) = app.store.get(&table::org_pk(org_id), sk).await? else {
        return Ok(None);
    };
    let pointer: crate::records::MemberPointer = table::decode(&item)?;
    app.find_member(org_id, &pointer.member_id).await
}

/// The department a directory names, made when the org has none of that name yet.
async fn resolve_department(app: &App, ctx: &RequestContext, org_id: &str, name: Option<&str>) -> AppResult<Option<String>> {
    match name {
        Some(name) => Ok(Some(
            departments::department_named_or_added(app, org_id, name, &origin(ctx)).await?.id,
        )),
        None => Ok(None),
    }
}

/// Whether the org's people sign in only by single sign-on: the directory's new members
/// then get no invitation (there is nothing to accept) and hold a license at once.
fn sso_only(org: &Org) -> bool {
    org.settings.login_methods == [LoginMethod::Sso]
}

/// A new member for a user the directory creates.
async fn provisioned_member(app: &App, org: &Org, wanted: &DirectoryUser, department_id: Option<String>) -> AppResult<Member> {
    let (kind, status) = match (wanted.active, sso_only(org)) {
        (false, _) => (Kind::Shell, MembershipStatus::Unlicensed),
        (true, true) => (Kind::Full, MembershipStatus::Licensed),
        (true, false) => (Kind::Shell, MembershipStatus::Invited),
    };
    let account = NewAccount {
        email: wanted.email.clone(),
        role: Role::Member,
        kind,
        status,
        department_id,
        first_name: wanted.given_name.clone(),
        last_name: wanted.family_name.clone(),
        phone: wanted.phone.clone(),
        position: wanted.title.clone(),
    };
    let mut member = new_member(&org.id, account, app.now());
    if status == MembershipStatus::Invited {
        attach_first_invitation(app, org, &mut member, false, None).await?;
    }
    member.directory = Some(link_of(wanted, true));
    Ok(member)
}

fn link_of(wanted: &DirectoryUser, provisioned: bool) -> DirectoryLink {
    DirectoryLink {
        user_name: wanted.user_name.clone(),
        external_id: wanted.external_id.clone(),
        deleted: false,
        provisioned,
    }
}

/// `before` as the directory wants it: its profile fields, and its license when `active`
/// changes.
async fn next_member(app: &App, org: &Org, before: &Member, wanted: &DirectoryUser, department_id: Option<String>) -> AppResult<Member> {
    let provisioned = before.directory.as_ref().is_some_and(|link| link.provisioned);
    // An email is how an account signs in: the directory moves only those of the members it
    // made, and never an admin's (else a directory token could take over an admin's account).
    if wanted.email != before.email && !(provisioned && before.role == Role::Member) {
        return Err(AppError::Domain(DomainError::invalid(
            "emails",
            ErrorCode::UserOwned,
            "the directory changes the email of the members it provisioned only, and never an admin's: this member changes its own",
        )));
    }
    let mut after = before.clone();
    after.email = wanted.email.clone();
    after.first_name = wanted.given_name.clone();
    after.last_name = wanted.family_name.clone();
    after.phone = wanted.phone.clone();
    after.position = wanted.title.clone();
    after.department_id = department_id;
    after.directory = Some(link_of(wanted, provisioned));
    if wanted.active && !after.is_active_in_directory() {
        let invitation = if sso_only(org) {
            None
        } else {
            Some(issue_invitation(app, org, &after, false, None).await?)
        };
        after = activate_by_directory(&after, invitation).unwrap_or(after);
    } else if !wanted.active {
        after = deactivate_by_directory(&after).unwrap_or(after);
    }
    Ok(after)
}

/// The member as written: the next version, changed now.
fn written(app: &App, before: Option<&Member>, mut after: Member) -> Member {
    after.version = before.map_or(1, |b| b.version + 1);
    after.updated_at = app.now();
    after
}

/// Writes one directory change as one member change (seats, lasting org admins, audit,
/// email), with the directory's lookups (`userName`, `externalId`) and the email's guard
/// kept in step, and what `tx` holds. Membership changes during a freeze window are held
/// before they get here (`held::hold`); one that gets here is refused like an admin's.
async fn write(
    app: &App,
    ctx: &RequestContext,
    org: &Org,
    before: Option<&Member>,
    after: &Member,
    action: &str,
    mut tx: Tx,
) -> AppResult<()> {
    let lifecycle_changes =
        before.map(Member::is_active_in_directory) != Some(after.is_active_in_directory()) || after.deleted_by_directory();
    if lifecycle_changes {
        org.ensure_not_frozen(app.now())?;
    }
    let pk = table::org_pk(&org.id);
    let keys = |m: Option<&Member>| -> Vec<String> {
        let Some(link) = m.and_then(Member::directory_link) else {
            return Vec::new();
        };
        let mut keys = Vec::new();
        keys.extend(link.user_name.as_deref().map(table::scim_user_name_sk));
        keys.extend(link.external_id.as_deref().map(table::scim_external_id_sk));
        keys
    };
    let (old, new) = (keys(before), keys(Some(after)));
    for sk in old.iter().filter(|k| !new.contains(k)) {
        tx.delete(pk.clone(), sk.clone(), Condition::None);
    }
    for sk in new.iter().filter(|k| !old.contains(k)) {
        // Conditional: two users never share a userName or an externalId.
        tx.put_new(table::encode(
            pk.clone(),
            sk.clone(),
            1,
            &crate::records::MemberPointer {
                member_id: after.id.clone(),
            },
        ));
    }
    let email = match (before.map(|b| b.status), after.status, &after.invitation) {
        (Some(MembershipStatus::Invited), MembershipStatus::Invited, _) => None,
        (_, MembershipStatus::Invited, Some(_)) => Some(EmailKind::Invitation),
        _ => None,
    };
    let origin = origin(ctx);
    let change = MemberChange {
        org,
        origin: &origin,
        before,
        after: Some(after),
        action,
        reason: Some(REASON),
        email,
    };
    match commit_change_in(app, change, tx).await {
        // A lookup or the email's guard was taken by another user meanwhile.
        Err(AppError::Contention) if taken(app, org, before, after).await? => Err(AppError::conflict(ErrorCode::DirectoryUserExists)),
        other => other,
    }
}

/// Whether another member now holds the email, `userName` or `externalId` `after` wants.
async fn taken(app: &App, org: &Org, before: Option<&Member>, after: &Member) -> AppResult<bool> {
    let other = |found: Option<Member>| found.is_some_and(|m| m.id != after.id);
    if before.map(|b| &b.email) != Some(&after.email) && other(app.find_member_by_email(&org.id, &after.email).await?) {
        return Ok(true);
    }
    match after.directory_link() {
        Some(link) => looked_up_elsewhere(app, &org.id, link.user_name.as_deref(), link.external_id.as_deref(), &after.id).await,
        None => Ok(false),
    }
}

/// Whether a member other than `id` holds the lookup of this `userName` or `externalId`
/// (only the directory's live users have lookups).
async fn looked_up_elsewhere(app: &App, org_id: &str, user_name: Option<&str>, external_id: Option<&str>, id: &str) -> AppResult<bool> {
    let keys = user_name
        .map(table::scim_user_name_sk)
        .into_iter()
        .chain(external_id.map(table::scim_external_id_sk));
    for sk in keys {
        if lookup(app, org_id, &sk).await?.is_some_and(|m| m.id != id) {
            return Ok(true);
        }
    }
    Ok(false)
}

//! Directory sync (SCIM 2.0, SPEC §6b): the org's identity provider provisions users and
//! groups. A user is a member and a group a department; every change goes through the
//! member changes an admin's go through (`commit_change`: the seat rules, the lasting
//! org admin, the audit trail, the invitation email), with `directory_sync` as the audit
//! events' reason. The caller is the org's directory (`Principal::Directory`, from its
//! token): it reaches its own org only.

use serde_json::{json, Value};

use roster_domain::lifecycle::{activate_by_directory, deactivate_by_directory};
use roster_domain::scim::{DirectoryGroup, DirectoryUser, Filter, GroupPatch, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA};
use roster_domain::{Department, DirectoryLink, DomainError, Email, ErrorCode, Kind, LoginMethod, Member, MembershipStatus, Org, Role};

use crate::app::{retrying, App, Principal, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, Query, SkCondition};
use crate::records::EmailKind;
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::departments;
use crate::usecases::membership::{attach_first_invitation, commit_change_in, issue_invitation, new_member, MemberChange, NewAccount};
use crate::views::rfc3339;

/// The audit events' reason for every change a directory makes.
pub const REASON: &str = "directory_sync";
/// The most resources one list answers (`count` is capped here).
pub const MAX_PAGE: usize = 1000;
const DEFAULT_PAGE: usize = 100;

/// A resource as SCIM answers it, and its version (the `ETag`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScimResource {
    pub body: Value,
    pub version: u64,
}

impl ScimResource {
    /// The weak entity tag of `meta.version` and the `ETag` header.
    pub fn etag(&self) -> String {
        etag(self.version)
    }
}

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

/// The org the calling directory serves.
fn directory_org(ctx: &RequestContext) -> AppResult<&str> {
    match &ctx.principal {
        Principal::Directory { org_id } => Ok(org_id),
        _ => Err(AppError::Unauthorized(ErrorCode::InvalidToken)),
    }
}

fn origin(ctx: &RequestContext) -> Origin {
    ctx.origin(None)
}

/// `If-Match` (RFC 7644 §3.14): the change applies only to the version it names (or `*`).
fn check_if_match(if_match: Option<&str>, version: u64) -> AppResult<()> {
    match if_match.map(str::trim) {
        None | Some("*") => Ok(()),
        Some(tags)
            if tags
                .split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == format!("\"{version}\"")) =>
        {
            Ok(())
        }
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

/// The member as SCIM answers it.
fn user_resource(app: &App, member: &Member, department: Option<String>) -> ScimResource {
    let mut body = directory_user(member, department).to_resource();
    body.insert("id".into(), member.id.clone().into());
    body.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": rfc3339(member.created_at),
            "lastModified": rfc3339(member.updated_at),
            "version": etag(member.version),
            "location": format!("{}/Users/{}", crate::usecases::scim::base_url(&app.config), member.id),
        }),
    );
    ScimResource {
        body: Value::Object(body),
        version: member.version,
    }
}

async fn department_name(app: &App, member: &Member) -> AppResult<Option<String>> {
    match &member.department_id {
        Some(id) => Ok(app.find_department(&member.org_id, id).await?.map(|d| d.name)),
        None => Ok(None),
    }
}

/// The member a directory's user id names: 404 for another org's, a deleted one, or none.
async fn directory_member(app: &App, org_id: &str, id: &str) -> AppResult<Member> {
    if roster_domain::MemberId::parse(id).is_err() {
        return Err(AppError::not_found());
    }
    match app.find_member(org_id, id).await? {
        Some(member) if !member.directory.as_ref().is_some_and(|link| link.deleted) => Ok(member),
        _ => Err(AppError::not_found()),
    }
}

/// `GET /scim/v2/Users/{id}`.
pub async fn get_user(app: &App, ctx: &RequestContext, id: &str) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    let member = directory_member(app, org_id, id).await?;
    let department = department_name(app, &member).await?;
    Ok(user_resource(app, &member, department))
}

/// `POST /scim/v2/Users`: a new member, made the way an admin's invitation makes one (a
/// shell account and an invitation email), or, when the org signs in only by single
/// sign-on, a licensed account without an email (the seat rules apply). A user the
/// directory deleted earlier comes back as the same account. An email, `userName` or
/// `externalId` the org already has answers 409 (`uniqueness`).
pub async fn create_user(app: &App, ctx: &RequestContext, body: &Value) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    let wanted = DirectoryUser::from_resource(body)?;
    let department_id = resolve_department(app, ctx, org_id, wanted.department.as_deref()).await?;
    retrying(|| async {
        let org = app.load_org(org_id).await?;
        let existing = app.find_member_by_email(org_id, &wanted.email).await?;
        let before = match existing {
            Some(member) if member.directory.as_ref().is_some_and(|link| link.deleted) => Some(member),
            Some(_) => return Err(AppError::conflict(ErrorCode::DirectoryUserExists)),
            None => None,
        };
        let after = match &before {
            Some(before) => next_member(app, &org, before, &wanted, department_id.clone())?,
            None => provisioned_member(app, &org, &wanted, department_id.clone())?,
        };
        let action = if before.is_some() {
            "member_reprovisioned"
        } else {
            "member_provisioned"
        };
        write(app, ctx, &org, before.as_ref(), &after, action).await?;
        Ok(user_resource(app, &written(app, before.as_ref(), after), wanted.department.clone()))
    })
    .await
}

/// `PUT /scim/v2/Users/{id}`: the user as the directory now has it (what it leaves out is
/// cleared).
pub async fn replace_user(app: &App, ctx: &RequestContext, id: &str, body: &Value, if_match: Option<&str>) -> AppResult<ScimResource> {
    let wanted = DirectoryUser::from_resource(body)?;
    change_user(app, ctx, id, if_match, wanted.department.clone(), |_| Ok(wanted.clone())).await
}

/// `PATCH /scim/v2/Users/{id}`: the operations applied to the user as it is, then read
/// again under the same rules as a `PUT`.
pub async fn patch_user(app: &App, ctx: &RequestContext, id: &str, body: &Value, if_match: Option<&str>) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    // The department a PATCH names is resolved (made if need be) before the member changes.
    let current = directory_member(app, org_id, id).await?;
    let mut resource = directory_user(&current, department_name(app, &current).await?).to_resource();
    roster_domain::scim::patch_user(&mut resource, body)?;
    let department = DirectoryUser::from_resource(&Value::Object(resource))?.department;
    change_user(app, ctx, id, if_match, department, |user| {
        let mut resource = user.to_resource();
        roster_domain::scim::patch_user(&mut resource, body)?;
        Ok(DirectoryUser::from_resource(&Value::Object(resource))?)
    })
    .await
}

/// Reads the member, lets `decide` say what the directory wants of it, and writes the
/// difference; retried on lost races, each time from what is stored.
async fn change_user<F>(
    app: &App,
    ctx: &RequestContext,
    id: &str,
    if_match: Option<&str>,
    department: Option<String>,
    decide: F,
) -> AppResult<ScimResource>
where
    F: Fn(&DirectoryUser) -> AppResult<DirectoryUser>,
{
    let org_id = directory_org(ctx)?;
    let department_id = resolve_department(app, ctx, org_id, department.as_deref()).await?;
    retrying(|| async {
        let org = app.load_org(org_id).await?;
        let before = directory_member(app, org_id, id).await?;
        check_if_match(if_match, before.version)?;
        let current = directory_user(&before, department_name(app, &before).await?);
        let wanted = decide(&current)?;
        let after = next_member(app, &org, &before, &wanted, department_id.clone())?;
        if after == before {
            return Ok(user_resource(app, &before, current.department.clone()));
        }
        let action = match (before.is_active_in_directory(), after.is_active_in_directory()) {
            (true, false) => "member_unlicensed",
            (false, true) if after.status == MembershipStatus::Invited => "member_reinvited",
            (false, true) => "member_relicensed",
            _ => "member_updated",
        };
        write(app, ctx, &org, Some(&before), &after, action).await?;
        Ok(user_resource(app, &written(app, Some(&before), after), wanted.department.clone()))
    })
    .await
}

/// `DELETE /scim/v2/Users/{id}`: the member is unlicensed with its data kept, and is gone
/// from the directory's view (404 from now on; creating the user again brings the account
/// back).
pub async fn delete_user(app: &App, ctx: &RequestContext, id: &str, if_match: Option<&str>) -> AppResult<()> {
    let org_id = directory_org(ctx)?;
    retrying(|| async {
        let org = app.load_org(org_id).await?;
        let before = directory_member(app, org_id, id).await?;
        check_if_match(if_match, before.version)?;
        let mut after = deactivate_by_directory(&before).unwrap_or_else(|| before.clone());
        let link = after.directory.get_or_insert_with(DirectoryLink::default);
        link.deleted = true;
        write(app, ctx, &org, Some(&before), &after, "member_deprovisioned").await
    })
    .await
}

/// `GET /scim/v2/Users`: the org's users, one page (`startIndex`, `count`), or those one
/// `eq` filter finds (`userName`, `emails.value`, `externalId`, `id`) through the lookups
/// each user keeps. Without a filter the org's members are read in id order up to the
/// page: a directory lists everything only on a first import.
pub async fn list_users(app: &App, ctx: &RequestContext, request: &ListRequest) -> AppResult<Value> {
    let org_id = directory_org(ctx)?;
    let start = request.start_index.unwrap_or(1).max(1);
    let count = request.count.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
    let members: Vec<Member> = match request.filter.as_deref() {
        Some(filter) => filtered_users(app, org_id, &Filter::parse(filter)?).await?,
        None => {
            let items = app
                .query_all(Query::table(
                    table::org_pk(org_id),
                    SkCondition::BeginsWith(table::MEMBER_PREFIX.into()),
                ))
                .await?;
            items
                .iter()
                .map(table::decode_member)
                .collect::<AppResult<Vec<_>>>()?
                .into_iter()
                .filter(|m| !m.directory.as_ref().is_some_and(|link| link.deleted))
                .collect()
        }
    };
    let departments: std::collections::HashMap<String, String> = if members.iter().any(|m| m.department_id.is_some()) {
        app.departments(org_id).await?.into_iter().map(|d| (d.id, d.name)).collect()
    } else {
        Default::default()
    };
    let total = members.len();
    let resources: Vec<Value> = members
        .iter()
        .skip(start - 1)
        .take(count)
        .map(|m| {
            let department = m.department_id.as_ref().and_then(|id| departments.get(id).cloned());
            user_resource(app, m, department).body
        })
        .collect();
    Ok(list_response(total, start, resources))
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
        "username" => match Email::parse(&filter.value) {
            Ok(email) => app.find_member_by_email(org_id, &email).await?,
            Err(_) => None,
        }
        .filter(|m| m.directory.as_ref().and_then(|l| l.user_name.as_ref()).is_none())
        .or(lookup(app, org_id, &table::scim_user_name_sk(&filter.value)).await?),
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
    Ok(found
        .into_iter()
        .filter(|m| !m.directory.as_ref().is_some_and(|link| link.deleted))
        .collect())
}

/// The member a directory lookup item (`userName` or `externalId`) points to.
async fn lookup(app: &App, org_id: &str, sk: &str) -> AppResult<Option<Member>> {
    let Some(item) = app.store.get(&table::org_pk(org_id), sk).await? else {
        return Ok(None);
    };
    let pointer: crate::records::EmailGuard = table::decode(&item)?;
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
fn provisioned_member(app: &App, org: &Org, wanted: &DirectoryUser, department_id: Option<String>) -> AppResult<Member> {
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
        attach_first_invitation(app, org, &mut member, false, None)?;
    }
    member.directory = Some(link_of(wanted));
    Ok(member)
}

fn link_of(wanted: &DirectoryUser) -> DirectoryLink {
    DirectoryLink {
        user_name: wanted.user_name.clone(),
        external_id: wanted.external_id.clone(),
        deleted: false,
    }
}

/// `before` as the directory wants it: its profile fields, and its license when `active`
/// changes.
fn next_member(app: &App, org: &Org, before: &Member, wanted: &DirectoryUser, department_id: Option<String>) -> AppResult<Member> {
    let mut after = before.clone();
    after.email = wanted.email.clone();
    after.first_name = wanted.given_name.clone();
    after.last_name = wanted.family_name.clone();
    after.phone = wanted.phone.clone();
    after.position = wanted.title.clone();
    after.department_id = department_id;
    after.directory = Some(link_of(wanted));
    if wanted.active && !after.is_active_in_directory() {
        let invitation = if sso_only(org) {
            None
        } else {
            Some(issue_invitation(app, org, &after, false, None)?)
        };
        after = activate_by_directory(&after, invitation).expect("an inactive member activates");
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
/// kept in step. Membership changes during a freeze window are refused like an admin's.
async fn write(app: &App, ctx: &RequestContext, org: &Org, before: Option<&Member>, after: &Member, action: &str) -> AppResult<()> {
    let lifecycle_changes = before.map(Member::is_active_in_directory) != Some(after.is_active_in_directory())
        || after.directory.as_ref().is_some_and(|l| l.deleted);
    if lifecycle_changes {
        org.ensure_not_frozen(app.now())?;
    }
    let mut tx = Tx::new();
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
            &crate::records::EmailGuard {
                member_id: after.id.clone(),
            },
        ));
    }
    if let Some(before) = before.filter(|b| b.email != after.email) {
        tx.move_email_guard(before, after);
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
    if let Some(link) = after.directory_link() {
        if let Some(name) = &link.user_name {
            if other(lookup(app, &org.id, &table::scim_user_name_sk(name)).await?) {
                return Ok(true);
            }
        }
        if let Some(id) = &link.external_id {
            if other(lookup(app, &org.id, &table::scim_external_id_sk(id)).await?) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

// Groups: the org's departments.

/// A department as SCIM answers it; its members only when `with_members`.
async fn group_resource(app: &App, department: &Department, with_members: bool) -> AppResult<ScimResource> {
    let base = crate::usecases::scim::base_url(&app.config);
    let mut body = json!({
        "schemas": [GROUP_SCHEMA],
        "id": department.id,
        "displayName": department.name,
        "meta": {
            "resourceType": "Group",
            "created": rfc3339(department.created_at),
            "lastModified": rfc3339(department.created_at),
            "version": etag(department.version),
            "location": format!("{base}/Groups/{}", department.id),
        },
    });
    if let Some(external_id) = &department.external_id {
        body["externalId"] = external_id.clone().into();
    }
    if with_members {
        let ids = department_member_ids(app, &department.org_id, &department.id).await?;
        let members = app.members_by_ids(&department.org_id, &ids).await?;
        let listed: Vec<Value> = ids
            .iter()
            .filter(|id| members.get(*id).is_some_and(|m| m.directory.as_ref().is_none_or(|l| !l.deleted)))
            .map(|id| json!({"value": id, "$ref": format!("{base}/Users/{id}")}))
            .collect();
        body["members"] = Value::Array(listed);
    }
    Ok(ScimResource {
        body,
        version: department.version,
    })
}

/// The ids of the members in a department, from its membership entries.
async fn department_member_ids(app: &App, org_id: &str, department_id: &str) -> AppResult<Vec<String>> {
    let prefix = table::department_members_prefix(department_id);
    let items = app
        .query_all(Query::table(table::org_pk(org_id), SkCondition::BeginsWith(prefix.clone())))
        .await?;
    Ok(items
        .iter()
        .filter_map(|item| item.sk.strip_prefix(&prefix).map(str::to_string))
        .collect())
}

/// The department a group id names in the directory's org, or 404.
async fn directory_department(app: &App, org_id: &str, id: &str) -> AppResult<Department> {
    if roster_domain::DepartmentId::parse(id).is_err() {
        return Err(AppError::not_found());
    }
    match app.find_department(org_id, id).await? {
        Some(department) if !department.closing => Ok(department),
        _ => Err(AppError::not_found()),
    }
}

/// `GET /scim/v2/Groups/{id}`.
pub async fn get_group(app: &App, ctx: &RequestContext, id: &str, with_members: bool) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    group_resource(app, &directory_department(app, org_id, id).await?, with_members).await
}

/// `GET /scim/v2/Groups`: the org's departments, or those a `displayName` or `id` filter
/// finds.
pub async fn list_groups(app: &App, ctx: &RequestContext, request: &ListRequest, with_members: bool) -> AppResult<Value> {
    let org_id = directory_org(ctx)?;
    let start = request.start_index.unwrap_or(1).max(1);
    let count = request.count.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
    let mut departments: Vec<Department> = app.departments(org_id).await?.into_iter().filter(|d| !d.closing).collect();
    if let Some(filter) = request.filter.as_deref().map(Filter::parse).transpose()? {
        match filter.attribute.as_str() {
            "displayname" => departments.retain(|d| d.name.eq_ignore_ascii_case(&filter.value)),
            "id" => departments.retain(|d| d.id == filter.value),
            _ => {
                return Err(AppError::Domain(DomainError::invalid(
                    "filter",
                    ErrorCode::InvalidFilter,
                    "groups are found by displayName or id",
                )))
            }
        }
    }
    let total = departments.len();
    let mut resources = Vec::new();
    for department in departments.iter().skip(start - 1).take(count) {
        resources.push(group_resource(app, department, with_members).await?.body);
    }
    Ok(list_response(total, start, resources))
}

/// `POST /scim/v2/Groups`: a new department, with the members the group names moved into it.
pub async fn create_group(app: &App, ctx: &RequestContext, body: &Value) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    let group = DirectoryGroup::from_resource(body)?;
    let members = existing_users(app, org_id, &group.members).await?;
    let mut department = departments::add_department(app, org_id, &group.display_name, &origin(ctx)).await?;
    if group.external_id.is_some() {
        department = departments::change(app, org_id, &department.id, None, Some(group.external_id.as_deref()), &origin(ctx)).await?;
    }
    move_members(app, ctx, org_id, &members, Some(&department.id)).await?;
    group_resource(app, &department, true).await
}

/// `PUT /scim/v2/Groups/{id}`: the name, and exactly these members.
pub async fn replace_group(app: &App, ctx: &RequestContext, id: &str, body: &Value, if_match: Option<&str>) -> AppResult<ScimResource> {
    let group = DirectoryGroup::from_resource(body)?;
    let patch = GroupPatch {
        display_name: Some(group.display_name),
        external_id: Some(group.external_id),
        replace_members: Some(group.members),
        ..GroupPatch::default()
    };
    change_group(app, ctx, id, if_match, patch).await
}

/// `PATCH /scim/v2/Groups/{id}`: a new name, members added or removed (Okta's and Entra
/// ID's shapes). Adding a member moves it from the department it was in (a member belongs
/// to at most one).
pub async fn patch_group(app: &App, ctx: &RequestContext, id: &str, body: &Value, if_match: Option<&str>) -> AppResult<ScimResource> {
    change_group(app, ctx, id, if_match, GroupPatch::from_request(body)?).await
}

async fn change_group(app: &App, ctx: &RequestContext, id: &str, if_match: Option<&str>, patch: GroupPatch) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    let mut department = directory_department(app, org_id, id).await?;
    check_if_match(if_match, department.version)?;
    let mut add = patch.add.clone();
    let mut remove = patch.remove.clone();
    if let Some(wanted) = &patch.replace_members {
        let current = department_member_ids(app, org_id, id).await?;
        remove.extend(current.iter().filter(|m| !wanted.contains(m)).cloned());
        add.extend(wanted.iter().filter(|m| !current.contains(m)).cloned());
    }
    let joining = existing_users(app, org_id, &add).await?;
    if patch.display_name.is_some() || patch.external_id.is_some() {
        let external_id = patch.external_id.as_ref().map(Option::as_deref);
        department = departments::change(app, org_id, id, patch.display_name.as_deref(), external_id, &origin(ctx)).await?;
    }
    move_members(app, ctx, org_id, &joining, Some(id)).await?;
    let leaving: Vec<Member> = app
        .members_by_ids(org_id, &remove)
        .await?
        .into_values()
        .filter(|m| m.department_id.as_deref() == Some(id))
        .collect();
    move_members(app, ctx, org_id, &leaving, None).await?;
    group_resource(app, &department, true).await
}

/// `DELETE /scim/v2/Groups/{id}`: its members leave the department (they stay in the org),
/// then the department is deleted.
pub async fn delete_group(app: &App, ctx: &RequestContext, id: &str, if_match: Option<&str>) -> AppResult<()> {
    let org_id = directory_org(ctx)?;
    let department = directory_department(app, org_id, id).await?;
    check_if_match(if_match, department.version)?;
    loop {
        let ids = department_member_ids(app, org_id, id).await?;
        let members: Vec<Member> = app.members_by_ids(org_id, &ids).await?.into_values().collect();
        move_members(app, ctx, org_id, &members, None).await?;
        match departments::remove(app, org_id, id, &origin(ctx)).await {
            // Someone moved in meanwhile: out again.
            Err(AppError::Domain(DomainError::Conflict(ErrorCode::DepartmentNotEmpty))) => continue,
            other => return other,
        }
    }
}

/// The directory's users these ids name, all of them, or a 400 naming one that is not.
async fn existing_users(app: &App, org_id: &str, ids: &[String]) -> AppResult<Vec<Member>> {
    let found = app.members_by_ids(org_id, ids).await?;
    let mut members = Vec::new();
    for id in ids {
        match found.get(id).filter(|m| !m.directory.as_ref().is_some_and(|l| l.deleted)) {
            Some(member) => members.push(member.clone()),
            None => {
                return Err(AppError::Domain(DomainError::invalid(
                    "members",
                    ErrorCode::NotFound,
                    format!("no user {id:?} in the org"),
                )))
            }
        }
    }
    Ok(members)
}

/// How many member moves run at once: a 1,000-member PATCH is about 60 rounds of writes.
const MOVES_AT_ONCE: usize = 16;

/// Moves each member into `department_id` (or out of any), one member change each (audited
/// as `member_updated`, reason `directory_sync`), several at once; stops with 503 when the
/// request's time is up (what was moved stays moved: the directory sends it again).
async fn move_members(app: &App, ctx: &RequestContext, org_id: &str, members: &[Member], department_id: Option<&str>) -> AppResult<()> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    let ids: Vec<String> = members.iter().map(|member| member.id.clone()).collect();
    stream::iter(ids)
        .map(|member_id| async move {
            if ctx.deadline.has_passed() {
                return Err(AppError::Unavailable("the request's time ran out moving group members".into()));
            }
            retrying(|| async {
                let org = app.load_org(org_id).await?;
                let Some(before) = app.find_member(org_id, &member_id).await? else {
                    return Ok(());
                };
                if before.department_id.as_deref() == department_id {
                    return Ok(());
                }
                let mut after = before.clone();
                after.department_id = department_id.map(str::to_string);
                let origin = origin(ctx);
                commit_change_in(
                    app,
                    MemberChange {
                        org: &org,
                        origin: &origin,
                        before: Some(&before),
                        after: Some(&after),
                        action: "member_updated",
                        reason: Some(REASON),
                        email: None,
                    },
                    Tx::new(),
                )
                .await
            })
            .await
        })
        .buffer_unordered(MOVES_AT_ONCE)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

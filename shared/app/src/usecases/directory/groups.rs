//! SCIM groups: the org's departments. Group membership is department membership; adding
//! a member to a group moves it from the department it was in.

use serde_json::{json, Value};

use roster_domain::scim::{DirectoryGroup, Filter, GroupPatch, GROUP_SCHEMA};
use roster_domain::{Department, DomainError, ErrorCode, Member, Org};

use super::held;
use super::{check_if_match, directory_org, list_response, origin, ListRequest, ScimResource, REASON};
use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Query, SkCondition};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::departments;
use crate::usecases::membership::{commit_changes_in, MemberChange};
use crate::views::rfc3339;

/// A group's entity tag: its department's version (name, `externalId`) and its membership,
/// so a change of either makes an `If-Match` of the tag before it fail.
fn group_etag(department: &Department, member_ids: &[String]) -> String {
    let mut ids: Vec<&str> = member_ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    let membership = crate::secrets::sha256_hex(&ids.join(","));
    format!("W/\"{}-{}\"", department.version, &membership[..12])
}

/// A department as SCIM answers it; its members only when `with_members` (their ids are
/// always read: the entity tag covers them).
async fn group_resource(app: &App, department: &Department, with_members: bool) -> AppResult<ScimResource> {
    let base = crate::usecases::scim::base_url(&app.config);
    let ids = department_member_ids(app, &department.org_id, &department.id).await?;
    let tag = group_etag(department, &ids);
    let mut body = json!({
        "schemas": [GROUP_SCHEMA],
        "id": department.id,
        "displayName": department.name,
        "meta": {
            "resourceType": "Group",
            "created": rfc3339(department.created_at),
            "lastModified": rfc3339(department.created_at),
            "version": tag,
            "location": format!("{base}/Groups/{}", department.id),
        },
    });
    if let Some(external_id) = &department.external_id {
        body["externalId"] = external_id.clone().into();
    }
    if with_members {
        let members = app.members_by_ids(&department.org_id, &ids).await?;
        let listed: Vec<Value> = ids
            .iter()
            .filter(|id| members.get(*id).is_some_and(|m| !m.deleted_by_directory()))
            .map(|id| json!({"value": id, "$ref": format!("{base}/Users/{id}")}))
            .collect();
        body["members"] = Value::Array(listed);
    }
    Ok(ScimResource { body, etag: tag })
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
    let filter = request.filter.as_deref().map(Filter::parse).transpose()?;
    let departments = found_departments(app, org_id, filter.as_ref()).await?;
    page_of(app, super::UsersPage::none(), departments, request, with_members).await
}

/// The attributes groups are found by: the arms of `found_departments`.
pub(super) const GROUP_FILTERS: [&str; 3] = ["displayname", "externalid", "id"];

/// The departments a group filter finds (all of them without one).
pub(super) async fn found_departments(app: &App, org_id: &str, filter: Option<&Filter>) -> AppResult<Vec<Department>> {
    let mut departments: Vec<Department> = app.departments(org_id).await?.into_iter().filter(|d| !d.closing).collect();
    if let Some(filter) = filter {
        match filter.attribute.as_str() {
            "displayname" => departments.retain(|d| d.name.eq_ignore_ascii_case(&filter.value)),
            "externalid" => departments.retain(|d| d.external_id.as_deref() == Some(filter.value.as_str())),
            "id" => departments.retain(|d| d.id == filter.value),
            _ => {
                return Err(AppError::Domain(DomainError::invalid(
                    "filter",
                    ErrorCode::InvalidFilter,
                    "groups are found by displayName, externalId or id",
                )))
            }
        }
    }
    Ok(departments)
}

/// One page (`startIndex`, `count`) of a list response of these users and then these
/// groups; only the groups on the page are read (their membership).
pub(super) async fn page_of(
    app: &App,
    users: super::UsersPage,
    departments: Vec<Department>,
    request: &ListRequest,
    with_members: bool,
) -> AppResult<Value> {
    let (start, count) = request.window();
    let total = users.total + departments.len();
    let skipped_groups = (start - 1).saturating_sub(users.total);
    let mut resources = users.resources;
    let room = count - resources.len();
    for department in departments.iter().skip(skipped_groups).take(room) {
        resources.push(group_resource(app, department, with_members).await?.body);
    }
    Ok(list_response(total, start, resources))
}

/// `POST /scim/v2/Groups`: a new department, with the members the group names moved into it.
pub async fn create_group(app: &App, ctx: &RequestContext, body: &Value) -> AppResult<ScimResource> {
    let org_id = directory_org(ctx)?;
    let group = DirectoryGroup::from_resource(body)?;
    let holds = held::held_changes(app, org_id).await?;
    let (members, held_ids) = existing_users(app, org_id, &holds, &group.members).await?;
    let mut department = departments::add_department(app, org_id, &group.display_name, &origin(ctx)).await?;
    if group.external_id.is_some() {
        department = departments::change(app, org_id, &department.id, None, Some(group.external_id.as_deref()), &origin(ctx)).await?;
    }
    held::place_held_creations(app, &holds, &held_ids, Move::Into(&department.id)).await?;
    move_members(app, ctx, org_id, &members, Move::Into(&department.id)).await?;
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
    let current = department_member_ids(app, org_id, id).await?;
    // Checked as the request starts: a change that lands while it runs is not seen.
    check_if_match(if_match, &group_etag(&department, &current))?;
    let mut add = patch.add.clone();
    let mut remove = patch.remove.clone();
    if let Some(wanted) = &patch.replace_members {
        remove.extend(current.iter().filter(|m| !wanted.contains(m)).cloned());
        add.extend(wanted.iter().filter(|m| !current.contains(m)).cloned());
    }
    let holds = held::held_changes(app, org_id).await?;
    let (joining, held_joining) = existing_users(app, org_id, &holds, &add).await?;
    if patch.display_name.is_some() || patch.external_id.is_some() {
        let external_id = patch.external_id.as_ref().map(Option::as_deref);
        department = departments::change(app, org_id, id, patch.display_name.as_deref(), external_id, &origin(ctx)).await?;
    }
    // Creations a freeze holds are made in the group when it ends.
    held::place_held_creations(app, &holds, &held_joining, Move::Into(id)).await?;
    held::place_held_creations(app, &holds, &remove, Move::OutOf(id)).await?;
    move_members(app, ctx, org_id, &joining, Move::Into(id)).await?;
    let leaving: Vec<Member> = app
        .members_by_ids(org_id, &remove)
        .await?
        .into_values()
        .filter(|m| m.department_id.as_deref() == Some(id))
        .collect();
    move_members(app, ctx, org_id, &leaving, Move::OutOf(id)).await?;
    group_resource(app, &department, true).await
}

/// `DELETE /scim/v2/Groups/{id}`: its members leave the department (they stay in the org),
/// then the department is deleted.
pub async fn delete_group(app: &App, ctx: &RequestContext, id: &str, if_match: Option<&str>) -> AppResult<()> {
    let org_id = directory_org(ctx)?;
    let department = directory_department(app, org_id, id).await?;
    check_if_match(if_match, &group_etag(&department, &department_member_ids(app, org_id, id).await?))?;
    loop {
        let ids = department_member_ids(app, org_id, id).await?;
        let members: Vec<Member> = app.members_by_ids(org_id, &ids).await?.into_values().collect();
        move_members(app, ctx, org_id, &members, Move::OutOf(id)).await?;
        match departments::remove(app, org_id, id, &origin(ctx)).await {
            // Someone moved in meanwhile: out again.
            Err(AppError::Domain(DomainError::Conflict(ErrorCode::DepartmentNotEmpty))) => continue,
            other => return other,
        }
    }
}

/// The directory's users these ids name: the members, and the ids of creations a freeze
/// holds; a 400 naming one that is neither.
async fn existing_users(app: &App, org_id: &str, holds: &[held::Held], ids: &[String]) -> AppResult<(Vec<Member>, Vec<String>)> {
    let found = app.members_by_ids(org_id, ids).await?;
    let mut members = Vec::new();
    let mut held_ids = Vec::new();
    for id in ids {
        match found.get(id).filter(|m| !m.deleted_by_directory()) {
            Some(member) => members.push(member.clone()),
            None if matches!(held::seen(None, holds, id), held::Seen::Held { .. }) => held_ids.push(id.clone()),
            None => {
                return Err(AppError::Domain(DomainError::invalid(
                    "members",
                    ErrorCode::NotFound,
                    format!("no user {id:?} in the org"),
                )))
            }
        }
    }
    Ok((members, held_ids))
}

/// How many members one atomic write moves (each move is its member, its department
/// entries and its audit event: four writes, and one department check a write), and how
/// many such writes run at once: a 1,000-member PATCH is 50 writes, about 13 rounds.
const MOVES_PER_WRITE: usize = 20;
const WRITES_AT_ONCE: usize = 4;

/// Where group members go.
#[derive(Clone, Copy)]
pub(crate) enum Move<'a> {
    /// Into this department, from wherever they are.
    Into(&'a str),
    /// Out of this department, if they are still in it when their change is decided (a
    /// member moved to another group meanwhile stays there).
    OutOf(&'a str),
}

impl Move<'_> {
    /// The department a member in `current` ends in; `None` when the move leaves it where
    /// it is.
    pub(crate) fn department_from(self, current: Option<&str>) -> Option<Option<String>> {
        let next = match self {
            Move::Into(id) => Some(id),
            Move::OutOf(id) if current == Some(id) => None,
            Move::OutOf(_) => return None,
        };
        (next != current).then(|| next.map(str::to_string))
    }
}

/// Moves each member as `to` says, one member change each (audited as `member_updated`,
/// reason `directory_sync`), `MOVES_PER_WRITE` members an atomic write, several writes at
/// once. A write is first decided from the members as the caller read them; when one of
/// them changed meanwhile, it is read again and decided afresh. Stops with 503 when the
/// request's time is up (what was moved stays moved: the directory sends it again).
async fn move_members(app: &App, ctx: &RequestContext, org_id: &str, members: &[Member], to: Move<'_>) -> AppResult<()> {
    use futures_util::stream::{self, StreamExt, TryStreamExt};
    // Read once: a department move neither takes a seat nor changes an org admin, so no
    // write decides from the org's version.
    let org = &app.load_org(org_id).await?;
    let origin = &origin(ctx);
    let chunks: Vec<Vec<Member>> = members.chunks(MOVES_PER_WRITE).map(<[Member]>::to_vec).collect();
    stream::iter(chunks)
        .map(|chunk| move_together(app, ctx, org, origin, chunk, to))
        .buffer_unordered(WRITES_AT_ONCE)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// One atomic write of `move_members`: decided first from the members as the caller read
/// them, and from the members read again when one of them changed meanwhile.
async fn move_together(app: &App, ctx: &RequestContext, org: &Org, origin: &Origin, chunk: Vec<Member>, to: Move<'_>) -> AppResult<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    if ctx.deadline.has_passed() {
        return Err(AppError::Unavailable("the request's time ran out moving group members".into()));
    }
    let read_again = AtomicBool::new(false);
    retrying(|| async {
        let members = match read_again.swap(true, Ordering::Relaxed) {
            false => chunk.clone(),
            true => {
                let ids: Vec<String> = chunk.iter().map(|member| member.id.clone()).collect();
                app.members_by_ids(&org.id, &ids).await?.into_values().collect()
            }
        };
        let mut moves = Vec::new();
        for before in members {
            if let Some(department_id) = to.department_from(before.department_id.as_deref()) {
                let mut after = before.clone();
                after.department_id = department_id;
                moves.push((before, after));
            }
        }
        let mut changes = Vec::new();
        for (before, after) in &moves {
            changes.push(MemberChange {
                org,
                origin,
                before: Some(before),
                after: Some(after),
                action: "member_updated",
                reason: Some(REASON),
                email: None,
            });
        }
        commit_changes_in(app, changes, Tx::new()).await
    })
    .await
}

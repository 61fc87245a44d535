//! Admin operations on members: the tabs, profiles, admin-editable fields, bulk edit,
//! remove, reinvite/resend, revoke, approve/reject, CSV export.

use futures_util::future::BoxFuture;
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use roster_domain::lifecycle::{self, Revocation};
use roster_domain::profile::parse_optional_text;
use roster_domain::{Action, Actor, DomainError, LoginMethod, Member, MembershipStatus, Org, Role, Tab, Timestamp};

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{IndexName, Query, SkCondition, StoreError};
use crate::records::EmailKind;
use crate::table;
use crate::tx::Tx;
use crate::usecases::membership::{commit_change, issue_invitation, issue_temporary_password, ChangeCounters, MemberChange};
use crate::usecases::PageRequest;
use crate::views;
use crate::views::{BulkEditFailure, BulkEditView, MemberView, Page};
use roster_domain::ids::{DepartmentId, MemberId, OrgId};
use roster_domain::search::{first_match, name_term, search_key, search_terms, NameOrder};
use roster_domain::ErrorCode;

/// Deserializes a field that may be absent (outer `None`), `null` (`Some(None)`) or set.
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// What one admin operation decided for one member.
struct Decision {
    after: Option<Member>,
    action: &'static str,
    reason: Option<&'static str>,
    email: Option<EmailKind>,
}

/// Loads the actor and the member, refuses during a freeze window (rule 13), lets
/// `decide` compute the change (from copies of the org, the actor and the member: it may
/// await, to derive a secret) and writes it atomically; retried on lost races.
async fn change_member<'s, F>(
    app: &'s App,
    ctx: &RequestContext,
    org_id: &OrgId,
    member_id: &MemberId,
    decide: F,
) -> AppResult<Option<MemberView>>
where
    F: Fn(Org, Actor, Member) -> BoxFuture<'s, AppResult<Decision>>,
{
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        let member = app.load_member(org_id, member_id).await?;
        // Another department's member is not there for a department admin (as on reads):
        // 404, not a 403 that would tell it exists.
        if actor.role == Role::DeptAdmin && !actor.may_read_member_in(member.department_id.as_deref()) {
            return Err(AppError::not_found());
        }
        let decision = decide(org.clone(), actor.clone(), member.clone()).await?;
        org.ensure_not_frozen(app.now())?;
        if decision.after.as_ref() == Some(&member) {
            // Nothing changes: nothing is written, no version bump, no audit event.
            return Ok(Some(views::member(&member)));
        }
        let origin = ctx.origin(Some(&actor.member_id));
        let change = MemberChange {
            org: &org,
            origin: &origin,
            before: Some(&member),
            after: decision.after.as_ref(),
            action: decision.action,
            reason: decision.reason,
            email: decision.email,
        };
        commit_change(app, change).await?;
        Ok(decision.after.map(|mut after| {
            after.version = member.version + 1;
            after.updated_at = app.now();
            views::member(&after)
        }))
    })
    .await
}

/// The member a change kept (every change but revoking a shell's invitation keeps it).
fn kept(view: Option<MemberView>) -> AppResult<MemberView> {
    view.ok_or_else(|| AppError::Internal("a change that keeps the member answered none".into()))
}

/// `POST …/members/{id}/remove`: licensed → unlicensed at once (rule 2).
pub async fn remove_member(app: &App, ctx: &RequestContext, org_id: &OrgId, member_id: &MemberId) -> AppResult<MemberView> {
    kept(
        change_member(app, ctx, org_id, member_id, |org, actor, member| {
            Box::pin(async move {
                let (org, actor, member) = (&org, &actor, &member);
                actor.authorize(Action::RemoveMember, &org.settings)?;
                if member.id == actor.member_id {
                    return Err(AppError::conflict(ErrorCode::CannotRemoveSelf));
                }
                Ok(Decision {
                    after: Some(lifecycle::remove(member)?),
                    action: "member_removed",
                    reason: None,
                    email: None,
                })
            })
        })
        .await?,
    )
}

/// `POST …/members/{id}/reinvite`: an org admin brings an unlicensed member back (rule 3);
/// for invited or expired members it is a resend, which department admins may do in their
/// own departments (rule 5).
pub async fn reinvite_member(app: &App, ctx: &RequestContext, org_id: &OrgId, member_id: &MemberId) -> AppResult<MemberView> {
    kept(
        change_member(app, ctx, org_id, member_id, |org, actor, member| {
            Box::pin(async move {
                let (org, actor, member) = (&org, &actor, &member);
                let resend = matches!(member.status, MembershipStatus::Invited | MembershipStatus::Expired);
                let action = if resend {
                    Action::ResendInvitation {
                        department: member.department_id.as_deref(),
                    }
                } else {
                    Action::Reinvite
                };
                actor.authorize(action, &org.settings)?;
                let needs_approval = member.invitation.as_ref().is_some_and(|i| i.needs_approval);
                let invitation = issue_invitation(app, org, member, needs_approval && resend, Some(&actor.member_id)).await?;
                let after = lifecycle::reinvite(member, invitation)?;
                Ok(if resend {
                    Decision {
                        after: Some(after),
                        action: "invitation_resent",
                        reason: None,
                        email: Some(EmailKind::Invitation),
                    }
                } else {
                    Decision {
                        after: Some(after),
                        action: "member_reinvited",
                        reason: None,
                        email: Some(EmailKind::Reinvitation),
                    }
                })
            })
        })
        .await?,
    )
}

/// `DELETE …/members/{id}/invitation` (rule 11): a never-used shell account goes, a
/// reinvited former member is unlicensed again. The route answers `204`, so nothing here.
pub async fn revoke_invitation(app: &App, ctx: &RequestContext, org_id: &OrgId, member_id: &MemberId) -> AppResult<()> {
    change_member(app, ctx, org_id, member_id, |org, actor, member| {
        Box::pin(async move {
            let (org, actor, member) = (&org, &actor, &member);
            actor.authorize(Action::RevokeInvitation, &org.settings)?;
            let after = match lifecycle::revoke(member)? {
                Revocation::DeleteAccount => None,
                Revocation::BackToUnlicensed(member) => Some(member),
            };
            Ok(Decision {
                after,
                action: "invitation_revoked",
                reason: None,
                email: None,
            })
        })
    })
    .await?;
    Ok(())
}

/// `POST …/members/{id}/approve`: a join request (or a rejected one) becomes licensed if a
/// seat is free (rules 7, 8). Someone who never chose a password gets a temporary one.
pub async fn approve_member(app: &App, ctx: &RequestContext, org_id: &OrgId, member_id: &MemberId) -> AppResult<MemberView> {
    kept(
        change_member(app, ctx, org_id, member_id, |org, actor, member| {
            Box::pin(async move {
                let (org, actor, member) = (&org, &actor, &member);
                actor.authorize(Action::DecideJoinRequest, &org.settings)?;
                let mut after = lifecycle::approve(member)?;
                let email = if after.password_hash.is_none() {
                    issue_temporary_password(app, &mut after).await?;
                    EmailKind::TemporaryPassword
                } else {
                    EmailKind::JoinApproved
                };
                Ok(Decision {
                    after: Some(after),
                    action: "member_approved",
                    reason: None,
                    email: Some(email),
                })
            })
        })
        .await?,
    )
}

/// `POST …/members/{id}/reject`.
pub async fn reject_member(app: &App, ctx: &RequestContext, org_id: &OrgId, member_id: &MemberId) -> AppResult<MemberView> {
    kept(
        change_member(app, ctx, org_id, member_id, |org, actor, member| {
            Box::pin(async move {
                let (org, actor, member) = (&org, &actor, &member);
                actor.authorize(Action::DecideJoinRequest, &org.settings)?;
                Ok(Decision {
                    after: Some(lifecycle::reject(member)?),
                    action: "member_rejected",
                    reason: None,
                    email: None,
                })
            })
        })
        .await?,
    )
}

/// The fields an admin may change on a member (rule 12): omit one to keep it, send null to
/// clear it. Name, phone and email are the member's own, refused here with `user_owned`.
#[derive(Debug, Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::DepartmentId>")]
    pub department_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::schema::FreeText>")]
    pub position: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::schema::FreeText>")]
    pub job_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::schema::FreeText>")]
    pub location: Option<Option<String>>,
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::Timestamp>")]
    pub license_end: Option<Option<Timestamp>>,
    /// How this member may sign in, overriding the org's `login_methods`; `null` follows
    /// the org again. `sso` needs the org's connection, signed in through once
    /// (`409 sso_not_ready`). The org must keep an org admin who can sign in
    /// (`409 no_org_admin_can_sign_in`).
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<Vec<roster_domain::LoginMethod>>", length(min = 1))]
    pub login_methods: Option<Option<Vec<LoginMethod>>>,
    /// The member's own fields: only whether they were sent matters (they are refused).
    #[schemars(skip)]
    pub first_name: Option<IgnoredAny>,
    #[schemars(skip)]
    pub last_name: Option<IgnoredAny>,
    #[schemars(skip)]
    pub phone: Option<IgnoredAny>,
    #[schemars(skip)]
    pub email: Option<IgnoredAny>,
}

fn refuse_user_owned(patch: &MemberPatch) -> Result<(), DomainError> {
    let mut errors = roster_domain::error::FieldErrors::default();
    for (field, value) in [
        ("first_name", &patch.first_name),
        ("last_name", &patch.last_name),
        ("phone", &patch.phone),
        ("email", &patch.email),
    ] {
        if value.is_some() {
            errors.push(field, ErrorCode::UserOwned, "only the member edits this, through /v1/me");
        }
    }
    errors.finish()
}

/// Checks the free-text fields of a patch (position, job ID, location).
fn check_patch_texts(patch: &MemberPatch) -> Result<(), DomainError> {
    let mut errors = roster_domain::error::FieldErrors::default();
    for (field, value) in [
        ("position", &patch.position),
        ("job_id", &patch.job_id),
        ("location", &patch.location),
    ] {
        if let Some(value) = value {
            errors.check(parse_optional_text(field, value.as_deref()));
        }
    }
    errors.finish()
}

/// Applies the admin-editable fields of `patch` to a copy of `member`.
fn apply_patch(member: &Member, patch: &MemberPatch) -> Result<Member, DomainError> {
    let mut errors = roster_domain::error::FieldErrors::default();
    let mut next = member.clone();
    if let Some(department) = &patch.department_id {
        next.department_id = department.clone();
    }
    for (field, value, target) in [
        ("position", &patch.position, &mut next.position),
        ("job_id", &patch.job_id, &mut next.job_id),
        ("location", &patch.location, &mut next.location),
    ] {
        if let Some(value) = value {
            if let Some(parsed) = errors.check(parse_optional_text(field, value.as_deref())) {
                *target = parsed;
            }
        }
    }
    if let Some(role) = patch.role {
        next.role = role;
    }
    if let Some(end) = patch.license_end {
        next.license_end = end;
    }
    match &patch.login_methods {
        Some(Some(methods)) => {
            if let Some(set) = errors.check(roster_domain::sign_in::login_method_set("login_methods", methods)) {
                next.login_methods = Some(set);
            }
        }
        Some(None) => next.login_methods = None,
        None => {}
    }
    errors.finish()?;
    Ok(next)
}

/// `PATCH …/members/{id}`: org admins change department, position, job ID, location,
/// role, license end date and the member's own sign-in methods.
pub async fn update_member(
    app: &App,
    ctx: &RequestContext,
    org_id: &OrgId,
    member_id: &MemberId,
    patch: MemberPatch,
) -> AppResult<MemberView> {
    refuse_user_owned(&patch)?;
    if let Some(Some(department)) = &patch.department_id {
        // Who may touch this org is settled before the department the caller named is
        // looked up (`change_member` checks again, with the member, before writing).
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::UpdateMember, &org.settings)?;
        app.ensure_department(org_id, Some(department)).await?;
    }
    let patch = &patch;
    kept(
        change_member(app, ctx, org_id, member_id, |org, actor, member| {
            Box::pin(async move {
                let (org, actor, member) = (&org, &actor, &member);
                actor.authorize(Action::UpdateMember, &org.settings)?;
                if patch.role.is_some_and(|role| role != member.role) && member.id == actor.member_id {
                    return Err(AppError::conflict(ErrorCode::CannotChangeOwnRole));
                }
                let after = apply_patch(member, &patch)?;
                let reason = if after.license_end != member.license_end {
                    Some(if after.license_end.is_some() {
                        "license_end_set"
                    } else {
                        "license_end_cleared"
                    })
                } else if after.role != member.role {
                    Some("role_changed")
                } else if after.login_methods != member.login_methods {
                    Some("login_methods_changed")
                } else {
                    None
                };
                Ok(Decision {
                    after: Some(after),
                    action: "member_updated",
                    reason,
                    email: None,
                })
            })
        })
        .await?,
    )
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "BulkEdit")]
// At least one of the fields it sets: `bulk_edit` refuses a body with none.
#[schemars(extend("anyOf" = [
    {"required": ["department_id"]},
    {"required": ["position"]},
    {"required": ["location"]},
]))]
pub struct BulkEditInput {
    /// Each id that names no member of the org is listed in `failures` as `not_found`.
    #[schemars(length(min = 1, max = BULK_EDIT_MAX))]
    pub member_ids: Vec<String>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::DepartmentId>")]
    pub department_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::schema::FreeText>")]
    pub position: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<roster_domain::schema::FreeText>")]
    pub location: Option<Option<String>>,
}

pub const BULK_EDIT_MAX: usize = 500;

/// `POST …/members/bulk-edit`: department, position and location for many members; each
/// member is its own atomic change with its own audit event.
pub async fn bulk_edit(app: &App, ctx: &RequestContext, org_id: &OrgId, input: BulkEditInput) -> AppResult<BulkEditView> {
    if input.member_ids.is_empty() || input.member_ids.len() > BULK_EDIT_MAX {
        return Err(AppError::invalid(
            "member_ids",
            ErrorCode::OutOfRange,
            format!("1 to {BULK_EDIT_MAX} member ids"),
        ));
    }
    if input.department_id.is_none() && input.position.is_none() && input.location.is_none() {
        return Err(AppError::invalid(
            "department_id",
            ErrorCode::Required,
            "set at least one of department_id, position, location",
        ));
    }
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::BulkEdit, &org.settings)?;
    org.ensure_not_frozen(app.now())?;
    if let Some(Some(department)) = &input.department_id {
        app.ensure_department(org_id, Some(department)).await?;
    }
    let patch = MemberPatch {
        department_id: input.department_id.clone(),
        position: input.position.clone(),
        location: input.location.clone(),
        ..MemberPatch::default()
    };
    check_patch_texts(&patch)?;
    // The members are read in batches and written a batch to a transaction (each member
    // its own audit event); a batch that loses a race is written member by member, each
    // retried. Work stops at the request's deadline: the members not reached are answered
    // as failures (`request_timeout`), unchanged.
    let mut ids = Vec::new();
    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Each member once, however often the list names it.
    for member_id in input.member_ids.iter().filter(|id| seen.insert(id.as_str())) {
        // A malformed id names no member: it fails like an unknown one, without a lookup.
        match MemberId::parse(member_id) {
            Ok(id) => ids.push(id),
            Err(_) => failures.push(bulk_failure(member_id, ErrorCode::NotFound)),
        }
    }
    let mut updated = 0;
    let origin = ctx.origin(Some(&actor.member_id));
    for (index, batch) in ids.chunks(BULK_EDIT_BATCH).enumerate() {
        // The first batch always goes: an answer says what was done.
        if index > 0 && ctx.deadline.has_passed() {
            failures.extend(batch.iter().map(|id| bulk_failure(id, ErrorCode::RequestTimeout)));
            continue;
        }
        let names: Vec<String> = batch.iter().map(|id| id.to_string()).collect();
        // What went wrong with one batch is that batch's answer; the others go on.
        let members = match app.members_by_ids(org_id, &names).await {
            Ok(members) => members,
            Err(error) => {
                failures.extend(batch.iter().map(|id| bulk_failure(id, error.specific_code())));
                continue;
            }
        };
        let mut tx = Tx::new();
        let mut in_tx = Vec::new();
        for id in batch {
            let Some(member) = members.get(id.as_str()) else {
                failures.push(bulk_failure(id, ErrorCode::NotFound));
                continue;
            };
            match apply_patch(member, &patch) {
                Ok(after) if after == *member => updated += 1,
                Ok(after) => {
                    let change = MemberChange {
                        org: &org,
                        origin: &origin,
                        before: Some(member),
                        after: Some(&after),
                        action: "member_updated",
                        reason: Some("bulk_edit"),
                        email: None,
                    };
                    match change.write(app, &mut tx, &ChangeCounters::default()) {
                        Ok(()) => in_tx.push(id),
                        Err(error) => failures.push(bulk_failure(id, error.specific_code())),
                    }
                }
                Err(error) => failures.push(bulk_failure(id, AppError::from(error).specific_code())),
            }
        }
        match tx.commit(app).await {
            Ok(()) => updated += in_tx.len(),
            // Someone changed one of them meanwhile (or the department closed): each on its own.
            Err(_) => {
                for id in in_tx {
                    if ctx.deadline.has_passed() {
                        failures.push(bulk_failure(id, ErrorCode::RequestTimeout));
                        continue;
                    }
                    let patch = &patch;
                    let result = change_member(app, ctx, org_id, id, |_, _, member| {
                        Box::pin(async move {
                            let member = &member;
                            Ok(Decision {
                                after: Some(apply_patch(member, &patch)?),
                                action: "member_updated",
                                reason: Some("bulk_edit"),
                                email: None,
                            })
                        })
                    })
                    .await;
                    match result {
                        Ok(_) => updated += 1,
                        Err(error) => failures.push(bulk_failure(id, error.specific_code())),
                    }
                }
            }
        }
    }
    Ok(BulkEditView { updated, failures })
}

/// Members a bulk edit writes in one transaction (each a handful of writes: the member,
/// its department entries, the audit event).
const BULK_EDIT_BATCH: usize = 10;

fn bulk_failure(member_id: &str, code: ErrorCode) -> BulkEditFailure {
    BulkEditFailure {
        member_id: member_id.to_string(),
        code,
    }
}

/// `GET …/members/{id}`. A department admin reads its own department's members only; any
/// other answers 404, as if it were not there.
pub async fn get_member(app: &App, ctx: &RequestContext, org_id: &OrgId, member_id: &MemberId) -> AppResult<MemberView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ReadMembers, &org.settings)?;
    let member = app.load_member(org_id, member_id).await?;
    if !actor.may_read_member_in(member.department_id.as_deref()) {
        return Err(AppError::not_found());
    }
    Ok(views::member(&member))
}

/// The department a member read is limited to: the one asked for, narrowed to what the
/// actor may read (a department admin: its own; rule 1).
fn readable_department(actor: &Actor, requested: Option<DepartmentId>) -> AppResult<Option<DepartmentId>> {
    actor
        .readable_department(requested.as_deref())?
        .map(|id| DepartmentId::parse(&id).map_err(|e| AppError::Internal(format!("stored department id: {e:?}"))))
        .transpose()
}

/// Longer than any search term (an email is at most 254 bytes; a name pair at most twice
/// a name's limit in characters of up to 4 bytes): a longer search text matches nothing,
/// and is never sent to the store, whose keys are bounded.
const MAX_SEARCH_TERM_BYTES: usize = 1_000;

#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub tab: Option<Tab>,
    pub department: Option<DepartmentId>,
    pub q: Option<String>,
}

impl MemberFilter {
    /// The search text as terms are compared, when there is one.
    fn search_key(&self) -> Option<String> {
        self.q.as_deref().map(search_key).filter(|key| !key.is_empty())
    }

    fn matches(&self, member: &Member) -> bool {
        let tab_ok = self.tab.is_none_or(|tab| member.status.tab() == tab);
        let department_ok = self
            .department
            .as_ref()
            .is_none_or(|d| member.department_id.as_deref() == Some(d.as_str()));
        let q_ok = self
            .search_key()
            .is_none_or(|key| first_match(&search_terms(member), &key).is_some());
        tab_ok && department_ok && q_ok
    }
}

/// Where a page of members comes from.
#[derive(Clone, Copy)]
enum MemberSource<'a> {
    /// One tab, from the status index, in email order.
    Tab(Tab),
    /// One department, from its membership entries (consistent reads), in id order. A
    /// cursor then names only that department's members, so a department admin's pages
    /// reveal no one else (a tab cursor carries the email of the last member read).
    Department(&'a DepartmentId),
    /// The members of a tab whose email starts with the key, named by the status index
    /// (whose sort key is the email) in email order and read from their items (consistent
    /// reads): a search's first phase.
    EmailSearch(Tab, &'a str),
    /// The members of a tab whose name in one order starts with the key, named by that
    /// order's index (GSI4 "first last", GSI5 "last first") in term order and read from
    /// their items (consistent reads); each listed in the first phase that matches it only:
    /// not where its email matches, nor in "last first" where its "first last" matches.
    NameSearch(Tab, &'a str, NameOrder),
    /// The whole org, from the member items.
    Org,
}

/// Up to `limit` entries of `source` from `cursor` on: the members they name (as they are
/// now), how many entries were read, and where the next page starts.
async fn member_page(
    app: &App,
    org_id: &str,
    source: MemberSource<'_>,
    cursor: Option<String>,
    limit: usize,
) -> AppResult<(Vec<Member>, usize, Option<String>)> {
    let query = match source {
        MemberSource::Tab(tab) => Query::index(IndexName::Gsi1, table::tab_partition(org_id, tab), SkCondition::Any),
        MemberSource::Department(department) => Query::table(
            table::org_pk(org_id),
            SkCondition::BeginsWith(table::department_members_prefix(department)),
        ),
        MemberSource::EmailSearch(tab, key) => Query::index(
            IndexName::Gsi1,
            table::tab_partition(org_id, tab),
            SkCondition::BeginsWith(key.to_string()),
        ),
        MemberSource::NameSearch(tab, key, order) => Query::index(
            table::name_index(order),
            table::tab_partition(org_id, tab),
            SkCondition::BeginsWith(key.to_string()),
        ),
        MemberSource::Org => Query::table(table::org_pk(org_id), SkCondition::BeginsWith(table::MEMBER_PREFIX.into())),
    };
    let page = match app.store.query(query.limit(limit).after(cursor)).await {
        // A name index just added to the table (layout 7's deploy) answers nothing until
        // DynamoDB has filled it: until then its phase finds no one, and the search goes
        // on, rather than failing every search that reaches it.
        Err(StoreError::IndexNotReady(reason)) if matches!(source, MemberSource::NameSearch(..)) => {
            tracing::warn!(%reason, "a name index is not ready: its search phase is skipped");
            return Ok((Vec::new(), 0, None));
        }
        page => page?,
    };
    let read = page.items.len();
    let members = match source {
        MemberSource::Tab(_) | MemberSource::Org => page.items.iter().map(table::decode_member).collect::<AppResult<Vec<_>>>()?,
        MemberSource::EmailSearch(tab, key) => {
            let ids = page
                .items
                .iter()
                .filter_map(|e| e.sk.strip_prefix(table::MEMBER_PREFIX).map(str::to_string));
            // The member item decides, as for the names: the index may lag behind a change
            // of email or tab (on DynamoDB), and its sort key runs past the email into `#`
            // and the id. So the two phases agree on whose email matches, and none is listed
            // twice or as it was.
            members_by_id(app, org_id, ids.collect())
                .await?
                .into_iter()
                .filter(|m| m.status.tab() == tab && m.email.as_str().starts_with(key))
                .collect()
        }
        MemberSource::Department(department) => {
            let prefix = table::department_members_prefix(department);
            let ids = page.items.iter().filter_map(|e| e.sk.strip_prefix(&prefix).map(str::to_string));
            // The member item decides: one that left the department meanwhile is not listed.
            members_by_id(app, org_id, ids.collect())
                .await?
                .into_iter()
                .filter(|m| m.department_id.as_deref() == Some(department.as_str()))
                .collect()
        }
        MemberSource::NameSearch(tab, key, order) => {
            // The items as they are now (the store reads a keys-only index's items from the
            // table), only while they still match where the query asked.
            let matches = |m: &Member, order: NameOrder| name_term(m, order).is_some_and(|term| term.starts_with(key));
            page.items
                .iter()
                .map(table::decode_member)
                .collect::<AppResult<Vec<_>>>()?
                .into_iter()
                .filter(|m| {
                    m.status.tab() == tab
                        && !m.email.as_str().starts_with(key)
                        && matches(m, order)
                        && (order == NameOrder::FirstLast || !matches(m, NameOrder::FirstLast))
                })
                .collect()
        }
    };
    Ok((members, read, page.next_cursor))
}

/// The members with these ids that still exist, in the order given (duplicates once).
async fn members_by_id(app: &App, org_id: &str, ids: Vec<String>) -> AppResult<Vec<Member>> {
    let mut found = app.members_by_ids(org_id, &ids).await?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Where a search (`q`) goes on: its emails first (from the status index), then its names
/// "first last" (GSI4), then "last first" (GSI5). Its cursor is the phase's mark and the
/// store's cursor there (none: the phase's start).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchPhase {
    Emails,
    Names(NameOrder),
}

impl SearchPhase {
    fn mark(self) -> &'static str {
        match self {
            SearchPhase::Emails => "e.",
            SearchPhase::Names(NameOrder::FirstLast) => "f.",
            SearchPhase::Names(NameOrder::LastFirst) => "l.",
        }
    }

    /// The phase after this one, if any.
    fn next(self) -> Option<SearchPhase> {
        match self {
            SearchPhase::Emails => Some(SearchPhase::Names(NameOrder::FirstLast)),
            SearchPhase::Names(NameOrder::FirstLast) => Some(SearchPhase::Names(NameOrder::LastFirst)),
            SearchPhase::Names(NameOrder::LastFirst) => None,
        }
    }

    /// Where a search for `key` goes on after `cursor` (none: the first page). A key with
    /// a space matches no email (an email holds none), so its search starts at the names.
    /// A cursor from before layout 7 (`n.`, or one without a mark) is refused: the search
    /// starts again.
    fn of(key: &str, cursor: Option<&str>) -> AppResult<(SearchPhase, Option<String>)> {
        let Some(cursor) = cursor else {
            let first = if key.contains(' ') {
                SearchPhase::Names(NameOrder::FirstLast)
            } else {
                SearchPhase::Emails
            };
            return Ok((first, None));
        };
        let phases = [SearchPhase::Emails].into_iter().chain(NameOrder::ALL.map(SearchPhase::Names));
        let (phase, from) = phases
            .into_iter()
            .find_map(|phase| cursor.strip_prefix(phase.mark()).map(|from| (phase, from)))
            .ok_or(StoreError::InvalidCursor)?;
        // The emails' start is never given out: a search starts there without a cursor.
        if from.is_empty() && phase == SearchPhase::Emails {
            return Err(StoreError::InvalidCursor.into());
        }
        Ok((phase, (!from.is_empty()).then(|| from.to_string())))
    }

    fn source(self, tab: Tab, key: &str) -> MemberSource<'_> {
        match self {
            SearchPhase::Emails => MemberSource::EmailSearch(tab, key),
            SearchPhase::Names(order) => MemberSource::NameSearch(tab, key, order),
        }
    }

    /// The list's cursor after a page of this phase that ended at the store's `next`: a
    /// phase, once read, goes on to the next phase's start.
    fn cursor_after(self, next: Option<String>) -> Option<String> {
        match next {
            Some(next) => Some(format!("{}{next}", self.mark())),
            None => self.next().map(|phase| phase.mark().to_string()),
        }
    }
}

/// How many entries one page of a filtered list reads at most. A filter that matches few
/// members answers a short (even empty) page with a cursor to go on from, so a request
/// costs the same at 100 members as at 100,000. A search of a tab reads its matches (the
/// emails from the status index, then the names from the name indexes), so its pages are
/// full but for the few a change in flight drops; one in a department reads that
/// department's members and keeps those that match.
pub const LIST_MAX_EXAMINED: usize = 1_000;

/// `GET /v1/orgs/{org}/members`: one tab, filtered by department and a search text (the
/// start of an email or of a name: `roster_domain::search`), paginated. A department
/// admin lists its own department only.
pub async fn list_members(
    app: &App,
    ctx: &RequestContext,
    org_id: &OrgId,
    mut filter: MemberFilter,
    page: PageRequest,
) -> AppResult<Page<MemberView>> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ReadMembers, &org.settings)?;
    filter.department = readable_department(&actor, filter.department)?;
    let tab = filter.tab.unwrap_or(Tab::Licensed);
    filter.tab = Some(tab);
    let search_key = filter.search_key();
    if search_key.as_ref().is_some_and(|key| key.len() > MAX_SEARCH_TERM_BYTES) {
        return Ok(views::page(Vec::new(), None));
    }
    let limit = page.limit();
    let mut items = Vec::new();
    let mut examined = 0;
    let mut cursor = page.cursor.clone();
    loop {
        // A department's own entries come first: its pages (and cursors) name none of
        // another department's members, which a department admin must not learn of.
        let (source, from, search_phase) = match (&filter.department, &search_key) {
            (Some(department), _) => (MemberSource::Department(department), cursor.clone(), None),
            (None, Some(key)) => {
                let (phase, from) = SearchPhase::of(key, cursor.as_deref())?;
                (phase.source(tab, key), from, Some(phase))
            }
            (None, None) => (MemberSource::Tab(tab), cursor.clone(), None),
        };
        let (members, read, next) = member_page(app, org_id, source, from, limit - items.len()).await?;
        examined += read;
        items.extend(members.iter().filter(|m| filter.matches(m)).map(views::member));
        cursor = match search_phase {
            Some(phase) => phase.cursor_after(next),
            None => next,
        };
        if items.len() >= limit || cursor.is_none() || examined >= LIST_MAX_EXAMINED {
            break;
        }
    }
    Ok(views::page(items, cursor))
}

pub const EXPORT_COLUMNS: [&str; 14] = [
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "role",
    "kind",
    "status",
    "department",
    "position",
    "job_id",
    "location",
    "license_end",
    "created_at",
];

/// How many members one export page reads at most (a page is well inside a Lambda's 6 MB
/// response and its timeout); the next page is a `Link: <…>; rel="next"` away.
pub const EXPORT_PAGE_MEMBERS: usize = 5_000;

/// One page of an export: a CSV with its header row, and where the next page starts.
#[derive(Debug)]
pub struct ExportPage {
    pub csv: String,
    pub next_cursor: Option<String>,
}

/// `GET …/members/export.csv`: the org's members (optionally of one department) from
/// `cursor` on, a page at a time, safe against spreadsheet formula injection. A department
/// admin exports its own department only.
pub async fn export_members(
    app: &App,
    ctx: &RequestContext,
    org_id: &OrgId,
    department: Option<DepartmentId>,
    cursor: Option<String>,
) -> AppResult<ExportPage> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ReadMembers, &org.settings)?;
    let departments: std::collections::HashMap<String, String> =
        app.departments(org_id).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let filter = MemberFilter {
        department: readable_department(&actor, department)?,
        ..MemberFilter::default()
    };
    let mut rows = Vec::new();
    let mut examined = 0;
    let mut cursor = cursor;
    loop {
        let source = match &filter.department {
            Some(department) => MemberSource::Department(department),
            None => MemberSource::Org,
        };
        let page_size = app.config.export_page_members;
        let (members, read, next) = member_page(app, org_id, source, cursor, 500.min(page_size - examined)).await?;
        examined += read;
        for member in members.iter().filter(|m| filter.matches(m)) {
            rows.push(export_row(member, &departments)?);
        }
        cursor = next;
        if cursor.is_none() || examined >= page_size {
            break;
        }
    }
    Ok(ExportPage {
        csv: roster_domain::export::write_csv(&EXPORT_COLUMNS, rows),
        next_cursor: cursor,
    })
}

fn export_row(member: &Member, departments: &std::collections::HashMap<String, String>) -> AppResult<Vec<String>> {
    let department_name = member
        .department_id
        .as_ref()
        .and_then(|id| departments.get(id))
        .cloned()
        .unwrap_or_default();
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    Ok(vec![
        member.id.clone(),
        member.email.to_string(),
        member.first_name.clone(),
        member.last_name.clone(),
        member.phone.clone(),
        text(serde_json::to_value(member.role)?),
        text(serde_json::to_value(member.kind)?),
        member.status.as_str().to_string(),
        department_name,
        member.position.clone().unwrap_or_default(),
        member.job_id.clone().unwrap_or_default(),
        member.location.clone().unwrap_or_default(),
        member.license_end.map(|end| end.to_string()).unwrap_or_default(),
        views::rfc3339(member.created_at),
    ])
}

//! What a freeze window holds of a directory's changes (SPEC §6b, issue 23 point 5). During
//! an org's freeze, a directory's creation, `active` change or deletion of a user is
//! recorded (`DIRHOLD#<id>`, in arrival order, with an audit event) and answered as the
//! user will be once applied; profile changes apply at once. A marker (`DIRHOLDS`) sits in
//! the due index at the window's end, re-keyed when the window moves, as the expiry sweeps'
//! items are: the expiry scheduler finds it due and the expiry worker applies the org's
//! held changes in order (so does lifting or moving the window, and so does the
//! directory's next change once the window is over, before its own). Each held change is
//! applied in one write with its own deletion, so none is applied twice or lost; one the
//! rules refuse then (no seat left, the email taken meanwhile) is dropped with an audit
//! event that says why.

use serde::Serialize;
use time::OffsetDateTime;

use roster_domain::scim::DirectoryUser;
use roster_domain::{Action, DomainError, Email, Member, Org, OrgId};

use super::{origin, provision, resource, ScimResource};
use crate::app::{retrying, App, Principal, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, Item, Query, SkCondition};
use crate::records::{HeldChange, HeldDirectoryChange};
use crate::table::{self, DueKind};
use crate::tx::{Origin, Tx};
use crate::views::rfc3339;

/// One held change and the item it is kept in.
pub(crate) struct Held {
    pub item: Item,
    pub change: HeldDirectoryChange,
}

/// The org's held directory changes, in arrival order: none (one read) unless its marker
/// is there.
pub(crate) async fn held_changes(app: &App, org_id: &str) -> AppResult<Vec<Held>> {
    let pk = table::org_pk(org_id);
    if app.store.get(&pk, table::HELD_DIRECTORY_SK).await?.is_none() {
        return Ok(Vec::new());
    }
    let items = app
        .query_all(Query::table(pk, SkCondition::BeginsWith(table::HELD_DIRECTORY_PREFIX.into())))
        .await?;
    items
        .into_iter()
        .map(|item| {
            let change = table::decode(&item)?;
            Ok(Held { item, change })
        })
        .collect()
}

/// How the directory sees one user, the held changes applied.
pub(crate) enum Seen {
    /// A member; `active` as a held change will set it, if one does.
    Member {
        member: Member,
        active: Option<bool>,
    },
    /// A creation still held (with the changes held after it).
    Held {
        user: DirectoryUser,
        received_at: OffsetDateTime,
        item: Item,
    },
    Gone,
}

/// User `id` as the held changes will leave it (`member`: as stored, unless deleted).
pub(crate) fn seen(member: Option<Member>, holds: &[Held], id: &str) -> Seen {
    let mut seen = match member {
        Some(member) => Seen::Member { member, active: None },
        None => Seen::Gone,
    };
    for held in holds.iter().filter(|h| h.change.member_id == id) {
        seen = match (seen, &held.change.change) {
            (Seen::Gone, HeldChange::Create { user, .. }) => Seen::Held {
                user: user.clone(),
                received_at: held.change.received_at,
                item: held.item.clone(),
            },
            (Seen::Member { member, .. }, HeldChange::SetActive { active }) => Seen::Member {
                member,
                active: Some(*active),
            },
            (_, HeldChange::Delete) => Seen::Gone,
            (seen, _) => seen,
        };
    }
    seen
}

/// The held creations the directory still sees, with their ids.
pub(crate) fn creations(holds: &[Held]) -> Vec<(String, DirectoryUser, OffsetDateTime)> {
    holds
        .iter()
        .filter(|h| matches!(h.change.change, HeldChange::Create { .. }))
        .filter_map(|h| match seen(None, holds, &h.change.member_id) {
            Seen::Held { user, received_at, .. } => Some((h.change.member_id.clone(), user, received_at)),
            _ => None,
        })
        .collect()
}

/// Whether a held creation already has this email.
pub(crate) fn creating(holds: &[Held], email: &Email) -> bool {
    creations(holds).iter().any(|(_, user, _)| &user.email == email)
}

/// A held creation as SCIM answers it: the user it will be.
pub(crate) fn held_resource(app: &App, id: &str, user: &DirectoryUser, received_at: OffsetDateTime) -> ScimResource {
    resource(app, id, user, received_at, received_at, 0)
}

/// Adds to `tx` a held change for user `member_id` (`member` when it exists): the change,
/// the org's marker keyed to the window's end, an audit event, and a check that the org is
/// still as read (a window lifted meanwhile makes the caller decide again, and apply).
pub(crate) async fn hold(
    app: &App,
    tx: &mut Tx,
    org: &Org,
    origin: &Origin,
    member: Option<&Member>,
    member_id: &str,
    change: HeldChange,
) -> AppResult<()> {
    let Some(window) = org.freeze.as_ref() else {
        return Err(AppError::Internal("a change held without a freeze window".into()));
    };
    let now = app.now();
    let pk = table::org_pk(&org.id);
    let kind = change.kind();
    let record = HeldDirectoryChange {
        member_id: member_id.to_string(),
        change,
        received_at: now,
    };
    if let HeldChange::Create { user, .. } = &record.change {
        // Conditional: two creations of one email are never held at once.
        tx.put_new(creation_reservation(&org.id, &user.email, member_id));
    }
    let id = crate::secrets::new_id(now);
    tx.put_new(table::encode(
        pk.clone(),
        format!("{}{id}", table::HELD_DIRECTORY_PREFIX),
        1,
        &record,
    ));
    let marker = app.store.get(&pk, table::HELD_DIRECTORY_SK).await?;
    let mut next = table::encode(
        pk.clone(),
        table::HELD_DIRECTORY_SK.into(),
        marker.as_ref().map_or(1, |m| m.version),
        &serde_json::json!({}),
    );
    next.gsi3 = Some(table::due_entry(
        DueKind::HeldDirectoryChanges,
        window.ends_at.get(),
        &pk,
        table::HELD_DIRECTORY_SK,
    ));
    match marker {
        Some(_) => tx.put_next(next),
        None => tx.put_new(next),
    }
    tx.check_org_version(&org.id, org.version);
    tx.audit(&org.id, now, origin, "directory_change_held", member, member, Some(kind));
    Ok(())
}

/// The item that reserves an email for a held creation (`DIRHOLDNEW#<email>`).
fn creation_reservation(org_id: &str, email: &Email, member_id: &str) -> Item {
    table::encode(
        table::org_pk(org_id),
        creation_reservation_sk(email),
        1,
        &crate::records::MemberPointer {
            member_id: member_id.to_string(),
        },
    )
}

fn creation_reservation_sk(email: &Email) -> String {
    format!("DIRHOLDNEW#{email}")
}

/// A later change to a creation still held: the creation makes the user as it is now.
pub(crate) async fn update_held_creation(app: &App, item: &Item, user: &DirectoryUser, department_id: Option<String>) -> AppResult<()> {
    let mut record: HeldDirectoryChange = table::decode(item)?;
    let mut tx = Tx::new();
    if let HeldChange::Create { user: before, .. } = &record.change {
        if before.email != user.email {
            tx.delete(item.pk.clone(), creation_reservation_sk(&before.email), Condition::None);
            tx.put_new(creation_reservation(
                item.pk.trim_start_matches("ORG#"),
                &user.email,
                &record.member_id,
            ));
        }
    }
    record.change = HeldChange::Create {
        user: user.clone(),
        department_id,
    };
    tx.put_next(table::encode(item.pk.clone(), item.sk.clone(), item.version, &record));
    tx.commit(app).await
}

/// Puts the creations still held among `ids` into a group's department (or takes them out
/// of it): they are made there when the window ends. Other ids are left alone.
pub(crate) async fn place_held_creations(app: &App, holds: &[Held], ids: &[String], to: super::groups::Move<'_>) -> AppResult<()> {
    for id in ids {
        let Some(held) = holds
            .iter()
            .find(|h| h.change.member_id == *id && matches!(h.change.change, HeldChange::Create { .. }))
        else {
            continue;
        };
        let Seen::Held { user, .. } = seen(None, holds, id) else {
            continue;
        };
        let HeldChange::Create { department_id, .. } = &held.change.change else {
            continue;
        };
        let Some(department_id) = to.department_from(department_id.as_deref()) else {
            continue;
        };
        update_held_creation(app, &held.item, &user, department_id).await?;
    }
    Ok(())
}

/// A deletion of a creation still held: the creation and what was held after it go.
pub(crate) async fn withdraw(app: &App, org: &Org, holds: &[Held], member_id: &str) -> AppResult<()> {
    let mut tx = Tx::new();
    for held in holds.iter().filter(|h| h.change.member_id == member_id) {
        tx.delete(held.item.pk.clone(), held.item.sk.clone(), Condition::Version(held.item.version));
        if let HeldChange::Create { user, .. } = &held.change.change {
            tx.delete(held.item.pk.clone(), creation_reservation_sk(&user.email), Condition::None);
        }
    }
    tx.audit(
        &org.id,
        app.now(),
        &Origin::default(),
        "directory_change_withdrawn",
        None,
        None,
        Some("create"),
    );
    tx.commit(app).await
}

/// How far applying an org's held changes got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Every held change is applied (or there was none).
    All,
    /// The org is (again) in a freeze window: the rest waits for its end, the marker keyed
    /// to it.
    Frozen,
    /// The deadline came first: the rest is for the next run.
    OutOfTime,
}

/// Applies the org's held directory changes in arrival order, while it is not frozen and
/// `deadline` has not passed. Each change is applied in one write with its own deletion (a
/// change applied meanwhile by another run is skipped); one the rules refuse now is dropped
/// with a `directory_change_refused` audit event naming why. Then the marker goes, unless a
/// change was held meanwhile. Frozen (a window set, moved or shortened), the marker is keyed
/// to the window's end, so the scheduler comes back then.
pub async fn apply_held_changes(app: &App, org: &Org, deadline: crate::Deadline) -> AppResult<Applied> {
    let pk = table::org_pk(&org.id);
    let Some(marker) = app.store.get(&pk, table::HELD_DIRECTORY_SK).await? else {
        return Ok(Applied::All);
    };
    if org.is_frozen(app.now()) {
        key_marker_to_window_end(app, org, marker).await?;
        return Ok(Applied::Frozen);
    }
    let ctx = RequestContext {
        principal: Principal::Directory { org_id: org.id.clone() },
        ip: None,
        deadline,
    };
    for held in &held_changes(app, &org.id).await? {
        if deadline.has_passed() {
            return Ok(Applied::OutOfTime);
        }
        if !apply_one(app, &ctx, &org.id, held).await? {
            // A window began meanwhile.
            let org = app.load_org(&org.id).await?;
            if let Some(marker) = app.store.get(&pk, table::HELD_DIRECTORY_SK).await? {
                key_marker_to_window_end(app, &org, marker).await?;
            }
            return Ok(Applied::Frozen);
        }
    }
    let mut tx = Tx::new();
    tx.delete(pk, table::HELD_DIRECTORY_SK.into(), Condition::Version(marker.version));
    match tx.commit(app).await {
        // Another run took it, or a change was held meanwhile (the next run applies it).
        Ok(()) | Err(AppError::Contention) => Ok(Applied::All),
        Err(error) => Err(error),
    }
}

/// Keys the org's marker to the end of its freeze window (while the org is as read).
async fn key_marker_to_window_end(app: &App, org: &Org, mut marker: Item) -> AppResult<()> {
    let Some(window) = org.freeze.as_ref() else {
        return Ok(());
    };
    let due = table::due_entry(DueKind::HeldDirectoryChanges, window.ends_at.get(), &marker.pk, &marker.sk);
    if marker.gsi3.as_ref() == Some(&due) {
        return Ok(());
    }
    marker.gsi3 = Some(due);
    let mut tx = Tx::new();
    tx.put_next(marker);
    tx.check_org_version(&org.id, org.version);
    match tx.commit(app).await {
        // Changed meanwhile: whoever changed it keyed it.
        Ok(()) | Err(AppError::Contention) => Ok(()),
        Err(error) => Err(error),
    }
}

/// Applies one held change with its deletion, again on lost races while it is there.
/// Answers false, applying nothing, when the org is in a freeze window.
async fn apply_one(app: &App, ctx: &RequestContext, org_id: &str, held: &Held) -> AppResult<bool> {
    retrying(|| async {
        // Applied meanwhile by another run: nothing more to do.
        let Some(item) = app.store.get(&held.item.pk, &held.item.sk).await? else {
            return Ok(true);
        };
        let org = app.load_org(org_id).await?;
        if org.is_frozen(app.now()) {
            return Ok(false);
        }
        let record: HeldDirectoryChange = table::decode(&item)?;
        let release = |tx: &mut Tx| {
            tx.delete(item.pk.clone(), item.sk.clone(), Condition::Version(item.version));
            if let HeldChange::Create { user, .. } = &record.change {
                tx.delete(item.pk.clone(), creation_reservation_sk(&user.email), Condition::None);
            }
        };
        let mut tx = Tx::new();
        release(&mut tx);
        let id = &record.member_id;
        let member = super::live_member(app, &org.id, id).await?;
        let applied = match (&record.change, member) {
            (HeldChange::Create { user, department_id }, _) => provision(app, ctx, &org, user, department_id.clone(), Some(id), tx)
                .await
                .map(|_| ()),
            (HeldChange::SetActive { active }, Some(member)) => super::set_active_now(app, ctx, &org, &member, *active, tx).await,
            (HeldChange::Delete, Some(member)) => super::delete_now(app, ctx, &org, &member, tx).await,
            // Its member is gone (deleted meanwhile): only the record goes.
            (_, None) => tx.commit(app).await,
        };
        match applied {
            // A window began between the check and the write: applied when it ends.
            Err(AppError::Domain(DomainError::Frozen { .. })) => Ok(false),
            Err(AppError::Domain(refusal)) => {
                let mut tx = Tx::new();
                release(&mut tx);
                tx.audit(
                    &org.id,
                    app.now(),
                    &origin(ctx),
                    "directory_change_refused",
                    None,
                    None,
                    Some(refusal.code().as_str()),
                );
                tx.commit(app).await.map(|()| true)
            }
            other => other.map(|()| true),
        }
    })
    .await
}

/// One held change, for the console.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "HeldDirectoryChange")]
pub struct HeldChangeView {
    /// The member it is for (for a creation, the id the member will have).
    pub member_id: String,
    pub email: String,
    /// `create`, `activate`, `deactivate` or `delete`.
    pub kind: String,
    #[schemars(with = "roster_domain::schema::DateTime")]
    pub received_at: String,
    /// When it applies: the freeze window's end.
    #[schemars(with = "Option<roster_domain::schema::DateTime>")]
    pub applies_at: Option<String>,
}

/// `GET /v1/orgs/{org}/scim/held`: the directory changes the org's freeze holds, in the
/// order they will apply. Org admins.
pub async fn list_held_changes(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<crate::views::Page<HeldChangeView>> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageDirectorySync, &org.settings)?;
    let holds = held_changes(app, &org.id).await?;
    let ids: Vec<String> = holds.iter().map(|h| h.change.member_id.clone()).collect();
    let members = app.members_by_ids(&org.id, &ids).await?;
    let applies_at = org.freeze.as_ref().map(|w| rfc3339(w.ends_at.get()));
    let items = holds
        .iter()
        .map(|held| {
            let email = match &held.change.change {
                HeldChange::Create { user, .. } => user.email.to_string(),
                _ => members.get(&held.change.member_id).map(|m| m.email.to_string()).unwrap_or_default(),
            };
            HeldChangeView {
                member_id: held.change.member_id.clone(),
                email,
                kind: held.change.change.kind().into(),
                received_at: rfc3339(held.change.received_at),
                applies_at: applies_at.clone(),
            }
        })
        .collect();
    Ok(crate::views::page(items, None))
}

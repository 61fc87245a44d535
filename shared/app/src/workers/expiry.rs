//! Expiry (SPEC §4): the scheduler pages through everything due in the due index and sends
//! expiry jobs in batches to the expiry queue; the expiry worker applies one job.
//!
//! The scheduler moves each item it schedules out of the due range (re-keyed a lease
//! ahead) in a conditional write before sending its job, so the next run doesn't read it
//! again, and a lost or dead-lettered job is scheduled again once the lease has passed.
//! An item of an org in a freeze window is re-keyed to the window's end instead: it is
//! not read on the way to others until then (rule 13). A window lifted or moved before its
//! end sends a release job: the items held for the old end come due at once (the
//! scheduler holds them again if a window still runs).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use roster_domain::{lifecycle, FreezeWindow, Member, Org};

use crate::app::App;
use crate::deadline::Deadline;
use crate::error::{AppError, AppResult};
use crate::ports::{Item, QueueName};
use crate::table::{self, DueKind};
use crate::tx::{Origin, Tx};
use crate::usecases::membership::{commit_change, MemberChange};
use crate::workers::pages::{Next, Pages};
use crate::workers::sweeps::SweepReport;

/// Due items read per index page.
const PAGE: usize = 500;
/// Re-keys committed per transaction (each item is re-checked by its version).
const REKEYS_PER_WRITE: usize = 25;

/// One expiry to apply: the member and what is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryJob {
    pub kind: ExpiryKind,
    pub org_id: String,
    pub member_id: String,
}

/// The items of an org held back for a freeze window that ended at `held_until`
/// (unix seconds) but was lifted or moved: they come due now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseJob {
    pub org_id: String,
    pub held_until: i64,
}

impl ReleaseJob {
    /// The release that changing `org`'s freeze window to `after` calls for: the active
    /// window is lifted or gets another end.
    pub fn for_change(org: &Org, after: Option<&FreezeWindow>, now: OffsetDateTime) -> Option<ReleaseJob> {
        let held_until = frozen_until(org, now)?;
        // The same end, and frozen now: the held items wait for that end still.
        let unchanged = after.is_some_and(|window| window.ends_at.get() == held_until && window.is_active(now));
        (!unchanged).then(|| ReleaseJob {
            org_id: org.id.clone(),
            held_until: held_until.unix_timestamp(),
        })
    }

    pub fn message(&self) -> String {
        serde_json::to_string(self).expect("a release job serializes")
    }
}

/// Apply the directory changes an org's ended freeze held (`usecases::directory::held`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldDirectoryJob {
    pub org_id: String,
    pub apply_held_directory_changes: bool,
}

/// What the expiry queue carries.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ExpiryMessage {
    Apply(ExpiryJob),
    Release(ReleaseJob),
    Directory(HeldDirectoryJob),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryKind {
    Invitation,
    License,
}

impl ExpiryKind {
    pub const ALL: [ExpiryKind; 2] = [ExpiryKind::Invitation, ExpiryKind::License];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryKind::Invitation => "invitation",
            ExpiryKind::License => "license",
        }
    }

    fn due_kind(self) -> DueKind {
        match self {
            ExpiryKind::Invitation => DueKind::InvitationExpiry,
            ExpiryKind::License => DueKind::LicenseExpiry,
        }
    }

    /// The member after the expiry, or `None` when nothing is due (any more).
    fn apply(self, member: &Member, now: OffsetDateTime) -> Option<Member> {
        match self {
            ExpiryKind::Invitation => lifecycle::expire_invitation(member, now),
            ExpiryKind::License => lifecycle::expire_license(member, now),
        }
    }

    /// The audit trail's action and reason (rules 5 and 9).
    fn audit(self) -> (&'static str, &'static str) {
        match self {
            ExpiryKind::Invitation => ("invitation_expired", "invitation_expired"),
            ExpiryKind::License => ("member_unlicensed", "license_expired"),
        }
    }
}

/// The member item with its due entry moved to `due_at` (a write of its next version).
fn rekeyed(member: &Member, kind: ExpiryKind, due_at: OffsetDateTime) -> Item {
    let mut item = table::member_item(member);
    item.gsi3 = Some(table::due_entry(kind.due_kind(), due_at, &item.pk, &item.sk));
    item
}

/// The end of the org's active freeze window, if it is in one.
fn frozen_until(org: &Org, now: OffsetDateTime) -> Option<OffsetDateTime> {
    org.freeze.as_ref().filter(|w| w.is_active(now)).map(|w| w.ends_at.get())
}

/// Orgs read once per run.
#[derive(Default)]
struct Orgs(HashMap<String, Option<Org>>);

impl Orgs {
    async fn get(&mut self, app: &App, org_id: &str) -> AppResult<Option<Org>> {
        if !self.0.contains_key(org_id) {
            let org = match app.load_org(org_id).await {
                Ok(org) => Some(org),
                Err(e) if e == AppError::not_found() => None,
                Err(e) => return Err(e),
            };
            self.0.insert(org_id.to_string(), org);
        }
        Ok(self.0[org_id].clone())
    }
}

/// Commits re-keys, many per write; a write that loses a race is retried item by item,
/// and an item that still loses was changed meanwhile (a later run sees it if still due).
/// With `org`, each write also checks the org is still at the version the re-keys were
/// decided from (a freeze lifted meanwhile fails them: the items stay due). Answers which
/// of `items` were re-keyed.
async fn commit_rekeys(app: &App, items: Vec<Item>, org: Option<&Org>) -> AppResult<Vec<bool>> {
    let write = |chunk: &[Item]| {
        let mut tx = Tx::new();
        chunk.iter().cloned().for_each(|item| tx.put_next(item));
        if let Some(org) = org {
            tx.check_org_version(&org.id, org.version);
        }
        tx
    };
    let mut done = Vec::with_capacity(items.len());
    for chunk in items.chunks(REKEYS_PER_WRITE) {
        match write(chunk).commit(app).await {
            Ok(()) => done.extend(std::iter::repeat_n(true, chunk.len())),
            Err(AppError::Contention) => {
                for item in chunk {
                    match write(std::slice::from_ref(item)).commit(app).await {
                        Ok(()) => done.push(true),
                        Err(AppError::Contention) => done.push(false),
                        Err(error) => return Err(error),
                    }
                }
            }
            Err(error) => return Err(error),
        }
    }
    Ok(done)
}

/// The expiry scheduler for one kind: pages through every item due by now, re-keys it and
/// sends its job; stops early (`handed_on`) when `deadline` passes, and the next run
/// takes the rest.
pub async fn schedule(app: &App, kind: ExpiryKind, deadline: Deadline) -> AppResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut orgs = Orgs::default();
    let now = app.now();
    let mut pages = Pages::new(table::due_queries(kind.due_kind(), now, PAGE), deadline);
    while let Some(items) = pages.next_for(app, &mut report).await? {
        let mut rekeys = Vec::new();
        let mut jobs = Vec::new();
        let mut holds: HashMap<String, (Org, Vec<Item>)> = HashMap::new();
        for item in &items {
            report.examined += 1;
            let member = table::decode_member(item)?;
            let Some(org) = orgs.get(app, &member.org_id).await? else {
                continue;
            };
            match frozen_until(&org, now) {
                Some(end) => {
                    let rekey = rekeyed(&member, kind, end);
                    holds.entry(org.id.clone()).or_insert_with(|| (org, Vec::new())).1.push(rekey);
                }
                None => {
                    rekeys.push(rekeyed(&member, kind, now + app.config.expiry_job_lease));
                    jobs.push(ExpiryJob {
                        kind,
                        org_id: member.org_id.clone(),
                        member_id: member.id.clone(),
                    });
                }
            }
        }
        for (org, items) in holds.values() {
            // Held only while the org is as read: a freeze lifted or moved since leaves
            // them due, for the next run to read with the org as it is then.
            report.held_back += commit_rekeys(app, items.clone(), Some(org))
                .await?
                .into_iter()
                .filter(|held| *held)
                .count();
        }
        let mut bodies = Vec::new();
        for (rekeyed, job) in commit_rekeys(app, rekeys, None).await?.into_iter().zip(jobs) {
            if rekeyed {
                bodies.push(serde_json::to_string(&job)?);
            }
        }
        if !bodies.is_empty() {
            // A failed send is harmless: the items come due again when their lease ends.
            if let Err(error) = app.queue.send_batch(QueueName::Expiry, &bodies).await {
                tracing::warn!(%error, jobs = bodies.len(), "expiry jobs not sent; they are scheduled again after the lease");
            } else {
                report.changed += bodies.len();
            }
        }
    }
    Ok(report)
}

/// The expiry worker: applies one job, or releases what a freeze held.
pub async fn handle(app: &App, body: &str, deadline: Deadline) -> AppResult<()> {
    match super::parse_message(body)? {
        ExpiryMessage::Apply(job) => apply(app, job).await,
        ExpiryMessage::Release(job) => release(app, &job, deadline).await,
        ExpiryMessage::Directory(job) => apply_held_directory_changes(app, &job.org_id, deadline).await,
    }
}

/// Applies the directory changes the org's ended freeze held (nothing while it is frozen,
/// or for an org that is gone); past `deadline` it sends itself again for the rest.
async fn apply_held_directory_changes(app: &App, org_id: &str, deadline: Deadline) -> AppResult<()> {
    use crate::usecases::directory::{apply_held_changes, Applied};
    let org = match app.load_org(org_id).await {
        Ok(org) => org,
        Err(e) if e == AppError::not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    if apply_held_changes(app, &org, deadline).await? == Applied::OutOfTime {
        let job = HeldDirectoryJob {
            org_id: org_id.to_string(),
            apply_held_directory_changes: true,
        };
        app.queue.send(QueueName::Expiry, &serde_json::to_string(&job)?).await?;
    }
    Ok(())
}

/// The scheduler's run for the directory changes freezes held: each org whose marker is
/// due gets a job that applies them, or, still frozen, its marker keyed to the window's
/// end. Leased like the expiry items: a lost job is sent again after the lease.
pub async fn schedule_held_directory_changes(app: &App, deadline: Deadline) -> AppResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut orgs = Orgs::default();
    let now = app.now();
    let mut pages = Pages::new(table::due_queries(DueKind::HeldDirectoryChanges, now, PAGE), deadline);
    while let Some(items) = pages.next_for(app, &mut report).await? {
        for item in items {
            report.examined += 1;
            let org_id = item.pk.strip_prefix("ORG#").unwrap_or_default().to_string();
            let Some(org) = orgs.get(app, &org_id).await? else {
                continue;
            };
            let (due_at, frozen) = match frozen_until(&org, now) {
                Some(end) => (end, true),
                None => (now + app.config.expiry_job_lease, false),
            };
            let mut rekeyed = item.clone();
            rekeyed.gsi3 = Some(table::due_entry(DueKind::HeldDirectoryChanges, due_at, &item.pk, &item.sk));
            let done = commit_rekeys(app, vec![rekeyed], frozen.then_some(&org)).await?;
            if !done.first().copied().unwrap_or(false) {
                continue;
            }
            if frozen {
                report.held_back += 1;
                continue;
            }
            let job = HeldDirectoryJob {
                org_id,
                apply_held_directory_changes: true,
            };
            // A failed send is harmless: the marker comes due again when its lease ends.
            match app.queue.send(QueueName::Expiry, &serde_json::to_string(&job)?).await {
                Ok(()) => report.changed += 1,
                Err(error) => tracing::warn!(%error, "held directory changes job not sent; scheduled again after the lease"),
            }
        }
    }
    Ok(report)
}

/// Re-keys the org's items held for `job.held_until` to their own due time (passed, for a
/// held item), so the next scheduler run takes them, and queues again the imports it held;
/// past `deadline` it sends itself again for the rest. Idempotent: a released item is no
/// longer keyed to the old end.
async fn release(app: &App, job: &ReleaseJob, deadline: Deadline) -> AppResult<()> {
    // The imports first (keyed to the window's end plus the delivery grace), then the
    // expiries.
    let imports_held_until = job.held_until + app.config.delivery_grace.whole_seconds();
    let mut queries = table::held_queries(DueKind::Delivery, imports_held_until, &job.org_id, PAGE);
    for kind in ExpiryKind::ALL {
        queries.extend(table::held_queries(kind.due_kind(), job.held_until, &job.org_id, PAGE));
    }
    let mut pages = Pages::new(queries, deadline);
    loop {
        let items = match pages.next(app).await? {
            Next::Page(items) => items,
            // Then the directory changes it held, in order.
            Next::Done => return apply_held_directory_changes(app, &job.org_id, deadline).await,
            Next::OutOfTime => return app.queue.send(QueueName::Expiry, &job.message()).await.map_err(Into::into),
        };
        let (imports, expiries): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|item| item.sk.starts_with(table::IMPORT_PREFIX));
        for import in &imports {
            release_import(app, import).await?;
        }
        // Back to its own due time (past for a held item, so due at once; an item that
        // merely falls due at the old end keeps it). Outbox entries in the delivery index
        // are no freeze's: left as they are.
        let members = expiries
            .iter()
            .filter(|item| item.sk.starts_with(table::MEMBER_PREFIX))
            .map(|item| Ok(table::member_item(&table::decode_member(item)?)))
            .collect::<AppResult<Vec<_>>>()?;
        // An item that lost a race was changed meanwhile and keyed anew.
        commit_rekeys(app, members, None).await?;
    }
}

/// Queues a held import again, at once.
async fn release_import(app: &App, item: &Item) -> AppResult<()> {
    let mut tx = Tx::new();
    if crate::workers::sweeps::requeue_import(app, item, &mut tx)? {
        match tx.commit(app).await {
            // Changed meanwhile: its processor or delivery repair has it.
            Ok(()) | Err(AppError::Contention) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Applies one expiry, again when a concurrent write got there first (as the API does).
/// Idempotent: a job whose expiry was already applied, or is no longer due (resent,
/// accepted, license end moved), changes nothing; a job of an org that froze meanwhile
/// re-keys the member to the window's end.
async fn apply(app: &App, job: ExpiryJob) -> AppResult<()> {
    crate::app::retrying(|| apply_once(app, &job)).await
}

async fn apply_once(app: &App, job: &ExpiryJob) -> AppResult<()> {
    let Some(member) = app.find_member(&job.org_id, &job.member_id).await? else {
        return Ok(());
    };
    let org = match app.load_org(&job.org_id).await {
        Ok(org) => org,
        Err(e) if e == AppError::not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    let now = app.now();
    if let Some(end) = frozen_until(&org, now) {
        // Held only while the org is as read (else the redelivered job decides again).
        let mut tx = Tx::new();
        tx.put_next(rekeyed(&member, job.kind, end));
        tx.check_org_version(&org.id, org.version);
        return tx.commit(app).await;
    }
    let Some(after) = job.kind.apply(&member, now) else {
        return Ok(());
    };
    let (action, reason) = job.kind.audit();
    commit_change(
        app,
        MemberChange {
            org: &org,
            origin: &Origin::default(),
            before: Some(&member),
            after: Some(&after),
            action,
            reason: Some(reason),
            email: None,
        },
    )
    .await
}

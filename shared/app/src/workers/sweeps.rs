//! The scheduled sweeps: invitation expiry, license expiry and delivery repair. Each reads
//! only the due index (what is due by now), so its cost follows the due items, not the
//! table. Orgs in a freeze window are held back and caught up after it (rule 13).

use std::collections::HashMap;

use roster_domain::{lifecycle, Member, Org};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::{Item, QueueName};
use crate::records::{DeliveryStatus, ImportJob, ImportStatus, OutboxEntry};
use crate::table::{self, DueKind};
use crate::tx::{email_message, import_message, Origin, Tx};
use crate::usecases::imports::import_item;
use crate::usecases::membership::{commit_change, MemberChange};

/// What one sweep run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Due items read from the index.
    pub examined: usize,
    pub changed: usize,
    /// Left for later: the org is frozen, or a concurrent write got there first.
    pub held_back: usize,
}

/// The most due items one run takes per index partition; the next run takes the rest.
const BATCH: usize = 500;

async fn due_items(app: &App, kind: DueKind) -> AppResult<Vec<Item>> {
    let mut items = Vec::new();
    for query in table::due_queries(kind, app.now(), BATCH) {
        items.extend(app.store.query(query).await?.items);
    }
    Ok(items)
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

/// Applies `transition` to each due member; `action` and `reason` go to the audit trail.
async fn sweep_members(
    app: &App,
    kind: DueKind,
    action: &str,
    reason: &str,
    transition: fn(&Member, time::OffsetDateTime) -> Option<Member>,
) -> AppResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut orgs = Orgs::default();
    let system = Origin::default();
    for item in due_items(app, kind).await? {
        report.examined += 1;
        let member = table::decode_member(&item)?;
        let Some(org) = orgs.get(app, &member.org_id).await? else {
            continue;
        };
        if org.is_frozen(app.now()) {
            report.held_back += 1;
            continue;
        }
        let Some(after) = transition(&member, app.now()) else {
            continue;
        };
        let change = MemberChange {
            org: &org,
            origin: &system,
            before: Some(&member),
            after: Some(&after),
            action,
            reason: Some(reason),
            email: None,
        };
        match commit_change(app, change).await {
            Ok(()) => report.changed += 1,
            Err(AppError::Contention) => report.held_back += 1,
            Err(error) => return Err(error),
        }
    }
    Ok(report)
}

/// Marks invitations past `expires_at` as `expired` (acceptance checks expiry itself too).
pub async fn expire_invitations(app: &App) -> AppResult<SweepReport> {
    sweep_members(
        app,
        DueKind::InvitationExpiry,
        "invitation_expired",
        "invitation_expired",
        lifecycle::expire_invitation,
    )
    .await
}

/// Unlicenses members whose license end date has passed (rule 9).
pub async fn expire_licenses(app: &App) -> AppResult<SweepReport> {
    sweep_members(
        app,
        DueKind::LicenseExpiry,
        "member_unlicensed",
        "license_expired",
        lifecycle::expire_license,
    )
    .await
}

/// Queues again the emails and imports still pending after the grace period, so a lost
/// queue send never loses an invitation.
pub async fn repair_deliveries(app: &App) -> AppResult<SweepReport> {
    let mut report = SweepReport::default();
    for item in due_items(app, DueKind::Delivery).await? {
        report.examined += 1;
        let now = app.now();
        let mut tx = Tx::new();
        if item.sk.starts_with(table::OUTBOX_PREFIX) {
            let mut entry: OutboxEntry = table::decode(&item)?;
            // A delivery holding a live claim is sending it now.
            if entry.status != DeliveryStatus::Pending || entry.is_claimed(now) {
                continue;
            }
            entry.attempts += 1;
            let mut next = table::encode(item.pk.clone(), item.sk.clone(), item.version, &entry);
            next.gsi3 = Some(table::due_entry(
                DueKind::Delivery,
                now + app.config.delivery_grace,
                &item.pk,
                &item.sk,
            ));
            tx.put_next(next);
            tx.send_after_commit(QueueName::Email, email_message(&entry.org_id, &entry.id));
        } else if item.sk.starts_with(table::IMPORT_PREFIX) {
            let mut job: ImportJob = table::decode(&item)?;
            if !matches!(job.status, ImportStatus::Queued | ImportStatus::Running) {
                continue;
            }
            job.updated_at = now;
            tx.put_next(import_item(app, &job, item.version));
            tx.send_after_commit(QueueName::Import, import_message(&job.org_id, &job.id));
        } else {
            continue;
        }
        match tx.commit(app).await {
            Ok(()) => report.changed += 1,
            Err(AppError::Contention) => report.held_back += 1,
            Err(error) => return Err(error),
        }
    }
    Ok(report)
}

/// Every sweep, in order; what a scheduler or the test clock runs.
pub async fn run_all(app: &App) -> AppResult<[SweepReport; 3]> {
    Ok([
        expire_invitations(app).await?,
        expire_licenses(app).await?,
        repair_deliveries(app).await?,
    ])
}

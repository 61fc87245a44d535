//! The scheduled runs: the expiry scheduler (see `expiry`) and delivery repair. Each reads
//! only the due index (what is due by now), so its cost follows the due items, not the
//! table.

use crate::app::App;
use crate::deadline::Deadline;
use crate::error::{AppError, AppResult};
use crate::ports::{Item, QueueName};
use crate::records::{DeliveryStatus, ImportJob, ImportStatus, OutboxEntry};
use crate::table::{self, DueKind};
use crate::tx::{email_message, import_message, Tx};
use crate::usecases::imports::import_item;
use crate::workers::expiry::{self, ExpiryKind};
use crate::workers::pages::Pages;

/// What one sweep run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Due items read from the index.
    pub examined: usize,
    /// Expiry jobs sent, or emails and imports queued again.
    pub changed: usize,
    /// Left for later: the org is frozen, or a concurrent write got there first.
    pub held_back: usize,
    /// The run stopped at its deadline; the next one takes the rest.
    pub handed_on: bool,
}

/// Due items read a page at a time.
const PAGE: usize = 500;

/// Queues again the emails and imports still pending after the grace period, so a lost
/// queue send never loses an invitation. One run takes the whole backlog, a page at a time;
/// one that reaches `deadline` stops there and the next run takes the rest.
pub async fn repair_deliveries(app: &App, deadline: Deadline) -> AppResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut pages = Pages::new(table::due_queries(DueKind::Delivery, app.now(), PAGE), deadline);
    while let Some(items) = pages.next_for(app, &mut report).await? {
        for item in items {
            repair_delivery(app, item, &mut report).await?;
        }
    }
    Ok(report)
}

/// Queues one due email or import again, unless it was sent, finished or claimed meanwhile.
async fn repair_delivery(app: &App, item: Item, report: &mut SweepReport) -> AppResult<()> {
    report.examined += 1;
    let now = app.now();
    let mut tx = Tx::new();
    if item.sk.starts_with(table::OUTBOX_PREFIX) {
        let mut entry: OutboxEntry = table::decode(&item)?;
        // A delivery holding a live claim is sending it now.
        if entry.status != DeliveryStatus::Pending || entry.is_claimed(now) {
            return Ok(());
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
        tx.send_after_commit(QueueName::Email, email_message(&item.pk, &entry.id));
    } else if item.sk.starts_with(table::IMPORT_PREFIX) {
        if !requeue_import(app, &item, &mut tx)? {
            return Ok(());
        }
    } else {
        return Ok(());
    }
    match tx.commit(app).await {
        Ok(()) => report.changed += 1,
        Err(AppError::Contention) => report.held_back += 1,
        Err(error) => return Err(error),
    }
    Ok(())
}

/// Queues an import again (its item and the message, in `tx`), unless it is over: answers
/// whether it did.
pub fn requeue_import(app: &App, item: &Item, tx: &mut Tx) -> AppResult<bool> {
    let mut job: ImportJob = table::decode(item)?;
    if !matches!(job.status, ImportStatus::Queued | ImportStatus::Running) {
        return Ok(false);
    }
    job.updated_at = app.now();
    tx.put_next(import_item(app, &job, item.version));
    tx.send_after_commit(QueueName::Import, import_message(&job.org_id, &job.id));
    Ok(true)
}

/// Every scheduled run, in order (invitation expiry, license expiry, delivery repair, the
/// directory changes freezes held);
/// what the local server's timer or the test clock runs. The expiry jobs it sends are
/// applied by the expiry queue's worker.
pub async fn run_all(app: &App, deadline: Deadline) -> AppResult<[SweepReport; 4]> {
    run_all_as(app, app, deadline).await
}

/// `run_all` with each run on the app its own function has: the expiry scheduler's and
/// delivery repair's (on AWS two functions, each with its own grants).
pub async fn run_all_as(scheduler: &App, repair: &App, deadline: Deadline) -> AppResult<[SweepReport; 4]> {
    let reports = [
        expiry::schedule(scheduler, ExpiryKind::Invitation, deadline).await?,
        expiry::schedule(scheduler, ExpiryKind::License, deadline).await?,
        repair_deliveries(repair, deadline).await?,
        expiry::schedule_held_directory_changes(scheduler, deadline).await?,
    ];
    // Items of no more use (sessions, rate windows, device and link records): DynamoDB's
    // TTL deletes them by itself; the embedded store here.
    let purged = repair.store.purge_expired(repair.now()).await?;
    if purged > 0 {
        tracing::info!(purged, "expired items deleted");
    }
    Ok(reports)
}

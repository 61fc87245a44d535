//! The import processor: works through an import's rows in order, a batch of rows (as many
//! as one transaction holds, at most `ROWS_PER_WRITE`) in one atomic write together with
//! the job's checkpoint (`processed`), so a retry resumes where the last one stopped and
//! never invites a row twice. A run that reaches its deadline queues
//! a message to continue from the checkpoint and stops; a second run of the same import
//! at the same time loses every version-checked write it races for and reloads.

use serde::Deserialize;

use roster_domain::{Action, Actor, Department, Email, Kind, MembershipStatus, Org, Plan, Role};

use crate::app::App;
use crate::deadline::Deadline;
use crate::error::{AppError, AppResult};
use crate::ports::{Item, QueueName};
use crate::rate_limits::{free_invitation_counters, RateCounter, FREE_INVITATION_WINDOWS_PER_DAY};
use crate::records::{
    EmailKind, ImportChunk, ImportFailure, ImportJob, ImportRow, ImportSource, ImportStatus, RateWindow, IMPORT_CHUNK_ROWS,
};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::imports::{import_item, parse_role};
use crate::usecases::membership::{attach_first_invitation, new_member, ChangeCounters, MemberChange, NewAccount};
use roster_domain::ErrorCode;

#[derive(Deserialize)]
struct ImportMessage {
    org_id: String,
    import_id: String,
}

const RATE_WINDOWS_PER_DAY: i64 = FREE_INVITATION_WINDOWS_PER_DAY;

pub async fn handle(app: &App, body: &str, deadline: Deadline) -> AppResult<()> {
    let message: ImportMessage = super::parse_message(body)?;
    match process(app, &message.org_id, &message.import_id, deadline).await? {
        Run::Finished => Ok(()),
        // Queued before this message is acknowledged: a crash in between runs the import
        // twice at once, which the checkpoint's version makes harmless.
        Run::OutOfTime => Ok(app.queue.send(QueueName::Import, body).await?),
    }
}

/// How a run of the processor ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Run {
    /// The import is done, held back by a freeze, or gone: nothing to continue.
    Finished,
    /// The deadline came with rows left; the checkpoint says where to go on.
    OutOfTime,
}

/// What stays the same for every row of one run.
struct RunContext {
    org: Org,
    actor: Option<Actor>,
    departments: Vec<Department>,
    origin: Origin,
    counters: Vec<RateCounter>,
}

/// One free-plan rate counter as this run knows it: the sum of the day's earlier windows
/// and the current window's item as last written (its version conditions the next write).
struct RateState {
    counter: RateCounter,
    window_start: i64,
    earlier: u64,
    current: Option<Item>,
}

impl RateState {
    async fn load(app: &App, counter: &RateCounter) -> AppResult<RateState> {
        let current = counter.current(app).await?;
        let current_count = current
            .as_ref()
            .map(table::decode::<RateWindow>)
            .transpose()?
            .map_or(0, |w| w.count);
        Ok(RateState {
            counter: counter.clone(),
            window_start: counter.window_start(app.now()),
            earlier: counter.recent_sum(app, RATE_WINDOWS_PER_DAY).await? - current_count,
            current,
        })
    }

    /// The current window's item with `invited` more, at the version it was read at (0 when
    /// there is none yet).
    fn next_window(&self, invited: u64) -> AppResult<Item> {
        let count = self
            .current
            .as_ref()
            .map(table::decode::<RateWindow>)
            .transpose()?
            .map_or(0, |w| w.count)
            + invited;
        let version = self.current.as_ref().map_or(0, |item| item.version);
        Ok(self.counter.window_item(self.window_start, version, count))
    }

    fn used(&self) -> AppResult<u64> {
        Ok(self.earlier
            + self
                .current
                .as_ref()
                .map(table::decode::<RateWindow>)
                .transpose()?
                .map_or(0, |w| w.count))
    }
}

/// The job, its current chunk and the rate counters as this run last wrote them, so a
/// row needs no reads of them; after a lost race everything is read again.
struct Progress {
    job_item: Item,
    job: ImportJob,
    chunk: Option<(usize, Item, ImportChunk)>,
    rates: Vec<RateState>,
}

impl Progress {
    async fn load(app: &App, run: &RunContext, org_id: &str, import_id: &str) -> AppResult<Option<Progress>> {
        let Some(job_item) = app.store.get(&table::org_pk(org_id), &table::import_sk(import_id)).await? else {
            return Ok(None);
        };
        let job: ImportJob = table::decode(&job_item)?;
        let mut rates = Vec::new();
        if run.org.settings.plan == Plan::Free {
            for counter in &run.counters {
                rates.push(RateState::load(app, counter).await?);
            }
        }
        Ok(Some(Progress {
            job_item,
            job,
            chunk: None,
            rates,
        }))
    }

    /// The chunk holding the next row, read when the run reaches it.
    async fn chunk(&mut self, app: &App) -> AppResult<(usize, &Item, &ImportChunk)> {
        let index = self.job.processed / IMPORT_CHUNK_ROWS;
        if self.chunk.as_ref().is_none_or(|(loaded, _, _)| *loaded != index) {
            let item = app
                .store
                .get(&table::org_pk(&self.job.org_id), &table::import_chunk_sk(&self.job.id, index))
                .await?
                .ok_or_else(|| AppError::Internal("import chunk missing".into()))?;
            let chunk = table::decode(&item)?;
            self.chunk = Some((index, item, chunk));
        }
        let (index, item, chunk) = self.chunk.as_ref().expect("just loaded");
        Ok((*index, item, chunk))
    }
}

/// Works on the import until it is done or `deadline` has passed (at least one row a
/// run, so every run makes progress).
pub async fn process(app: &App, org_id: &str, import_id: &str, deadline: Deadline) -> AppResult<Run> {
    let Some(first) = app.store.get(&table::org_pk(org_id), &table::import_sk(import_id)).await? else {
        return Ok(Run::Finished);
    };
    let job: ImportJob = table::decode(&first)?;
    let org = app.load_org(org_id).await?;
    let actor = app
        .find_member(org_id, &job.actor_id)
        .await?
        .filter(|m| m.status == MembershipStatus::Licensed)
        .map(|m| Actor {
            member_id: m.id,
            org_id: m.org_id,
            role: m.role,
            department_id: m.department_id,
        });
    let counters = free_invitation_counters(&job.actor_id, job.client_ip.as_deref());
    let run = RunContext {
        departments: app.departments(org_id).await?.into_iter().filter(|d| !d.closing).collect(),
        origin: Origin {
            actor_id: Some(job.actor_id.clone()),
            ip: job.client_ip.clone(),
        },
        counters,
        org,
        actor,
    };
    let Some(mut progress) = Progress::load(app, &run, org_id, import_id).await? else {
        return Ok(Run::Finished);
    };
    loop {
        if matches!(progress.job.status, ImportStatus::Completed | ImportStatus::Failed) {
            return Ok(Run::Finished);
        }
        if let Some(window) = run.org.freeze.as_ref().filter(|w| w.is_active(app.now())) {
            // Held back: delivery repair queues the job again once the window is over.
            let mut held = progress.job.clone();
            held.updated_at = window.ends_at.get();
            let mut tx = Tx::new();
            tx.put_next(import_item(app, &held, progress.job_item.version));
            return match tx.commit(app).await {
                Ok(()) | Err(AppError::Contention) => Ok(Run::Finished),
                Err(error) => Err(error),
            };
        }
        if progress
            .rates
            .iter()
            .any(|rate| rate.window_start != rate.counter.window_start(app.now()))
        {
            // A new hour: the day's window moved.
            for rate in &mut progress.rates {
                *rate = RateState::load(app, &rate.counter).await?;
            }
        }
        let stepped = match step(app, &run, &mut progress, ROWS_PER_WRITE, None).await {
            // A row's department was deleted since this run read the departments: the rows
            // one by one, so that row alone fails.
            Err(error) if error == crate::tx::unknown_department() => match step(app, &run, &mut progress, 1, None).await {
                Err(error) if error == crate::tx::unknown_department() => {
                    step(app, &run, &mut progress, 1, Some(ErrorCode::UnknownDepartment)).await
                }
                other => other,
            },
            other => other,
        };
        match stepped {
            Ok(true) if deadline.has_passed() => return Ok(Run::OutOfTime),
            Ok(true) => continue,
            Ok(false) => return Ok(Run::Finished),
            Err(AppError::Contention) => match Progress::load(app, &run, org_id, import_id).await? {
                Some(fresh) => progress = fresh,
                None => return Ok(Run::Finished),
            },
            Err(error) => return Err(error),
        }
    }
}

/// The most writes one row's invitation takes (the member, its directory entry, its
/// department entry, the department's check, the audit event and the outbox entry: six,
/// and three to spare), so a batch of rows stays within one transaction.
const ROW_WRITES_AT_MOST: usize = 9;
/// The most rows one write takes (a chunk's): fewer when their writes would not fit one
/// transaction of the store (`Store::transaction_limit`): about 18 on DynamoDB, a whole
/// chunk on SQLite, where fewer, larger commits write each shared page once for more rows
/// (an import into 100,000 members went from 3,036 to 4,738 rows/s; BENCHMARKS.md).
pub const ROWS_PER_WRITE: usize = IMPORT_CHUNK_ROWS;

/// Does the next rows, up to `max_rows` of one chunk (or completes the job), in one atomic
/// write with the checkpoint, the chunk's failures and the rate counters (each written once
/// a batch); with `failure`, records the next row as failed with that code instead of
/// inviting it. Answers whether rows remain.
async fn step(app: &App, run: &RunContext, progress: &mut Progress, max_rows: usize, failure: Option<ErrorCode>) -> AppResult<bool> {
    let now = app.now();
    let mut job = progress.job.clone();
    let mut tx = Tx::new();
    if job.processed >= job.total {
        job.status = ImportStatus::Completed;
        job.updated_at = now;
        tx.put_next(import_item(app, &job, progress.job_item.version));
        tx.commit(app).await?;
        progress.job = job;
        return Ok(false);
    }
    let (chunk_index, _, chunk) = progress.chunk(app).await?;
    let mut failed = chunk.clone();
    let mut invited = 0;
    // Room for the checkpoint, the chunk and the rate counters beside the rows' writes.
    let room = app.store.transaction_limit().saturating_sub(2 + progress.rates.len());
    debug_assert!(room >= ROW_WRITES_AT_MOST, "a transaction holds at least one row");
    let max_rows = if failure.is_some() { 1 } else { max_rows.max(1) };
    let mut rows = 0;
    while rows < max_rows
        && job.processed < job.total
        && job.processed / IMPORT_CHUNK_ROWS == chunk_index
        && tx.len() + ROW_WRITES_AT_MOST <= room
    {
        let row = failed
            .rows
            .get(job.processed % IMPORT_CHUNK_ROWS)
            .cloned()
            .ok_or_else(|| AppError::Internal("import row missing".into()))?;
        let outcome = match failure {
            Some(code) => Err(code),
            None => invite_row(app, run, &job, &row, &progress.rates, invited, &mut tx).await?,
        };
        match outcome {
            Ok(()) => {
                job.invited += 1;
                invited += 1;
            }
            Err(code) => failed.failures.push(ImportFailure {
                row: row.row.row,
                email: row.row.email.clone(),
                code,
            }),
        }
        job.processed += 1;
        rows += 1;
    }
    let mut next_chunk = None;
    if let Some((_, chunk_item, chunk)) = progress
        .chunk
        .as_ref()
        .filter(|(_, _, chunk)| chunk.failures.len() != failed.failures.len())
    {
        debug_assert_eq!(chunk.rows.len(), failed.rows.len());
        let item = table::encode(chunk_item.pk.clone(), chunk_item.sk.clone(), chunk_item.version, &failed);
        tx.put_next(item.clone());
        next_chunk = Some((item, failed));
        if let Some(failed_chunks) = job.failed_chunks.as_mut() {
            failed_chunks.insert(chunk_index);
        }
    }
    let mut next_rates = Vec::new();
    if invited > 0 {
        for rate in &progress.rates {
            let written = rate.next_window(invited)?;
            match &rate.current {
                Some(_) => tx.put_next(written.clone()),
                None => tx.put_new(Item {
                    version: 1,
                    ..written.clone()
                }),
            }
            // The version the store has once this commits (a new item's is 1).
            next_rates.push(Item {
                version: written.version + 1,
                ..written
            });
        }
    }
    job.status = ImportStatus::Running;
    job.updated_at = now;
    let job_item = import_item(app, &job, progress.job_item.version);
    tx.put_next(job_item.clone());
    tx.commit(app).await?;
    // Committed: carry what was written forward, at the versions the store now has.
    progress.job_item = Item {
        version: job_item.version + 1,
        ..job_item
    };
    progress.job = job;
    if let (Some((item, failed)), Some((_, chunk_item, chunk))) = (next_chunk, progress.chunk.as_mut()) {
        *chunk_item = Item {
            version: item.version + 1,
            ..item
        };
        *chunk = failed;
    }
    for (rate, written) in progress.rates.iter_mut().zip(next_rates) {
        rate.current = Some(written);
    }
    Ok(true)
}

/// Adds the invitation of one row to `tx`, or answers why the row is not invited.
/// `invited_before` rows of the same write were invited already (the rate counters are
/// written once, after the batch).
async fn invite_row(
    app: &App,
    run: &RunContext,
    job: &ImportJob,
    row: &ImportRow,
    rates: &[RateState],
    invited_before: u64,
    tx: &mut Tx,
) -> AppResult<Result<(), ErrorCode>> {
    if let Some(code) = row.precheck_failure {
        return Ok(Err(code));
    }
    let Some(actor) = &run.actor else {
        return Ok(Err(ErrorCode::ActorInactive));
    };
    let Ok(email) = Email::parse(&row.row.email) else {
        return Ok(Err(ErrorCode::InvalidEmail));
    };
    let (role, department) = match &job.source {
        ImportSource::PastedList { role, department_id } => (*role, department_id.clone()),
        ImportSource::Csv => {
            let role = parse_role(&row.row.role).unwrap_or(Role::Member);
            let name = row.row.department.trim();
            let department = if name.is_empty() {
                actor.department_for_new_member(None)
            } else {
                match run.departments.iter().find(|d| d.id == name || d.name.eq_ignore_ascii_case(name)) {
                    Some(department) => Some(department.id.clone()),
                    None => return Ok(Err(ErrorCode::UnknownDepartment)),
                }
            };
            (role, department)
        }
    };
    if actor
        .authorize(
            Action::Invite {
                role,
                department: department.as_deref(),
            },
            &run.org.settings,
        )
        .is_err()
    {
        return Ok(Err(ErrorCode::Forbidden));
    }
    if app
        .store
        .get(&table::directory_pk(&email), &table::directory_sk(&job.org_id))
        .await?
        .is_some()
    {
        return Ok(Err(ErrorCode::AlreadyMember));
    }
    for rate in rates {
        if rate.used()? + invited_before >= app.config.free_import_daily_limit {
            return Ok(Err(ErrorCode::RateLimited));
        }
    }
    let account = NewAccount {
        email,
        role,
        kind: Kind::Shell,
        status: MembershipStatus::Invited,
        department_id: department,
        first_name: row.row.first_name.trim().to_string(),
        last_name: row.row.last_name.trim().to_string(),
        phone: roster_domain::profile::parse_phone("phone", &row.row.phone).unwrap_or_default(),
        position: roster_domain::profile::parse_optional_text("position", Some(&row.row.position))
            .ok()
            .flatten(),
    };
    let mut member = new_member(&job.org_id, account, app.now());
    attach_first_invitation(
        app,
        &run.org,
        &mut member,
        actor.invitations_need_approval(&run.org.settings),
        Some(&actor.member_id),
    )
    .await?;
    let change = MemberChange {
        org: &run.org,
        origin: &run.origin,
        before: None,
        after: Some(&member),
        action: "member_invited",
        reason: Some("import"),
        email: Some(EmailKind::Invitation),
    };
    change.write(app, tx, &ChangeCounters::default())?;
    Ok(Ok(()))
}

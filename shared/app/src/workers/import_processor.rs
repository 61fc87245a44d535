//! The import processor: works through an import's rows in order. Each row is one atomic
//! write together with the job's checkpoint (`processed`), so a retry resumes where the
//! last one stopped and never invites a row twice.

use serde::Deserialize;

use roster_domain::{Action, Actor, Department, Email, Kind, MembershipStatus, Org, Plan, Role};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::Item;
use crate::rate_limits::RateCounter;
use crate::records::{EmailKind, ImportChunk, ImportFailure, ImportJob, ImportRow, ImportSource, ImportStatus, IMPORT_CHUNK_ROWS};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::imports::{import_item, parse_role};
use crate::usecases::membership::{attach_first_invitation, new_member, seats_if_needed, MemberChange, NewAccount};

#[derive(Deserialize)]
struct ImportMessage {
    org_id: String,
    import_id: String,
}

/// Rate windows for free-plan imports: hourly, summed over the last 24 hours.
const RATE_WINDOW_SECONDS: i64 = 3600;
const RATE_WINDOWS_PER_DAY: i64 = 24;

pub async fn handle(app: &App, body: &str) -> AppResult<()> {
    let message: ImportMessage = super::parse_message(body)?;
    process(app, &message.org_id, &message.import_id).await
}

/// What stays the same for every row of one run.
struct RunContext {
    org: Org,
    actor: Option<Actor>,
    departments: Vec<Department>,
    origin: Origin,
    by_admin: RateCounter,
    by_ip: Option<RateCounter>,
}

pub async fn process(app: &App, org_id: &str, import_id: &str) -> AppResult<()> {
    let Some(first) = app.store.get(&table::org_pk(org_id), &table::import_sk(import_id)).await? else {
        return Ok(());
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
    let run = RunContext {
        departments: app.departments(org_id).await?,
        origin: Origin {
            actor_id: Some(job.actor_id.clone()),
            ip: job.client_ip.clone(),
        },
        by_admin: RateCounter::new("import_admin", &job.actor_id, RATE_WINDOW_SECONDS),
        by_ip: job
            .client_ip
            .as_deref()
            .map(|ip| RateCounter::new("import_ip", ip, RATE_WINDOW_SECONDS)),
        org,
        actor,
    };
    loop {
        let Some(item) = app.store.get(&table::org_pk(org_id), &table::import_sk(import_id)).await? else {
            return Ok(());
        };
        let job: ImportJob = table::decode(&item)?;
        if matches!(job.status, ImportStatus::Completed | ImportStatus::Failed) {
            return Ok(());
        }
        if let Some(window) = run.org.freeze.as_ref().filter(|w| w.is_active(app.now())) {
            // Held back: delivery repair queues the job again once the window is over.
            let mut held = job.clone();
            held.updated_at = window.ends_at;
            let mut tx = Tx::new();
            tx.put_next(import_item(app, &held, item.version));
            return tx
                .commit(app)
                .await
                .or_else(|e| if e == AppError::Contention { Ok(()) } else { Err(e) });
        }
        match step(app, &run, item, job).await {
            Ok(true) => continue,
            Ok(false) => return Ok(()),
            Err(AppError::Contention) => continue,
            Err(error) => return Err(error),
        }
    }
}

/// Does the next row (or completes the job). Answers whether rows remain.
async fn step(app: &App, run: &RunContext, item: Item, mut job: ImportJob) -> AppResult<bool> {
    let now = app.now();
    let mut tx = Tx::new();
    if job.processed >= job.total {
        job.status = ImportStatus::Completed;
        job.updated_at = now;
        tx.put_next(import_item(app, &job, item.version));
        tx.commit(app).await?;
        return Ok(false);
    }
    let chunk_index = job.processed / IMPORT_CHUNK_ROWS;
    let chunk_item = app
        .store
        .get(&table::org_pk(&job.org_id), &table::import_chunk_sk(&job.id, chunk_index))
        .await?
        .ok_or_else(|| AppError::Internal("import chunk missing".into()))?;
    let mut chunk: ImportChunk = table::decode(&chunk_item)?;
    let row = chunk
        .rows
        .get(job.processed % IMPORT_CHUNK_ROWS)
        .cloned()
        .ok_or_else(|| AppError::Internal("import row missing".into()))?;

    match invite_row(app, run, &job, &row, &mut tx).await? {
        Ok(()) => job.invited += 1,
        Err(code) => {
            chunk.failures.push(ImportFailure {
                row: row.row.row,
                email: row.row.email.clone(),
                code: code.to_string(),
            });
            tx.put_next(table::encode(
                chunk_item.pk.clone(),
                chunk_item.sk.clone(),
                chunk_item.version,
                &chunk,
            ));
        }
    }
    job.processed += 1;
    job.status = ImportStatus::Running;
    job.updated_at = now;
    tx.put_next(import_item(app, &job, item.version));
    tx.commit(app).await?;
    Ok(true)
}

/// Adds the invitation of one row to `tx`, or answers why the row is not invited.
async fn invite_row(app: &App, run: &RunContext, job: &ImportJob, row: &ImportRow, tx: &mut Tx) -> AppResult<Result<(), &'static str>> {
    if let Some(code) = &row.precheck_failure {
        return Ok(Err(static_code(code)));
    }
    let Some(actor) = &run.actor else {
        return Ok(Err("actor_inactive"));
    };
    let Ok(email) = Email::parse(&row.row.email) else {
        return Ok(Err("invalid_email"));
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
                    None => return Ok(Err("unknown_department")),
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
        return Ok(Err("forbidden"));
    }
    if app.find_member_by_email(&job.org_id, &email).await?.is_some() {
        return Ok(Err("already_member"));
    }
    if run.org.settings.plan == Plan::Free {
        let limit = app.config.free_import_daily_limit;
        let mut counters = vec![&run.by_admin];
        counters.extend(run.by_ip.as_ref());
        for counter in &counters {
            if counter.recent_sum(app, RATE_WINDOWS_PER_DAY).await? >= limit {
                return Ok(Err("rate_limited"));
            }
        }
        for counter in counters {
            counter.add(tx, app.now(), counter.current(app).await?.as_ref(), 1)?;
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
    );
    let change = MemberChange {
        org: &run.org,
        origin: &run.origin,
        before: None,
        after: Some(&member),
        action: "member_invited",
        reason: Some("import"),
        email: Some(EmailKind::Invitation),
    };
    let seats = seats_if_needed(app, &job.org_id, None, Some(&member)).await?;
    change.write(app, tx, seats.as_ref())?;
    Ok(Ok(()))
}

fn static_code(code: &str) -> &'static str {
    match code {
        "invalid_email" => "invalid_email",
        "duplicate_in_file" => "duplicate_in_file",
        "invalid_role" => "invalid_role",
        "invalid_phone" => "invalid_phone",
        "invalid_name" => "invalid_name",
        _ => "invalid_row",
    }
}

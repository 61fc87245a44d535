//! Bulk onboarding (SPEC §3): submitting a CSV file or a pasted list creates an import
//! job answered at once; the import processor (workers::import_processor) does the rows.

use std::collections::HashSet;

use serde::Deserialize;

use roster_domain::org::validate_name;
use roster_domain::pasted_list::parse_pasted_list;
use roster_domain::profile::{parse_optional_text, parse_person_name, parse_phone};
use roster_domain::roster_csv::{read_rows, CsvRow};
use roster_domain::{Action, Email, Role};

use crate::app::{App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Item, QueueName};
use crate::records::{ImportChunk, ImportJob, ImportRow, ImportSource, ImportStatus, IMPORT_CHUNK_ROWS};
use crate::secrets::new_id;
use crate::table::{self, DueKind};
use crate::tx::{import_message, Tx};
use crate::views;
use crate::views::ImportQueuedView;
use crate::views::ImportView;
use roster_domain::ids::{ImportId, OrgId};
use roster_domain::ErrorCode;

/// The most rows one import takes.
pub const MAX_IMPORT_ROWS: usize = 10_000;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PastedImport")]
pub struct PastedImportInput {
    pub emails: String,
    pub role: Role,
    #[schemars(with = "Option<roster_domain::DepartmentId>")]
    pub department_id: Option<String>,
}

pub enum ImportSubmission {
    Csv(Vec<u8>),
    Pasted(PastedImportInput),
}

/// `GET …/imports/template.csv`.
pub fn template() -> String {
    roster_domain::roster_csv::template()
}

pub fn parse_role(raw: &str) -> Option<Role> {
    match raw.trim().to_lowercase().as_str() {
        "" | "member" => Some(Role::Member),
        "dept_admin" => Some(Role::DeptAdmin),
        "org_admin" => Some(Role::OrgAdmin),
        _ => None,
    }
}

/// The checks that need no lookups, in file order: a bad row never stops the others. Every
/// cell is held to the API's limits for its field, and a row that fails keeps only its
/// line and (the start of) its email for the report: what is stored of an import stays
/// within the store's item and transaction sizes, whatever the file holds.
fn precheck(rows: Vec<CsvRow>) -> Vec<ImportRow> {
    let mut seen = HashSet::new();
    rows.into_iter()
        .map(|row| {
            let department = row.department.trim();
            let cell_failure = if !department.is_empty() && validate_name("department", department).is_err() {
                Some(ErrorCode::InvalidName)
            } else if parse_optional_text("position", Some(&row.position)).is_err() {
                Some(ErrorCode::InvalidText)
            } else {
                None
            };
            let failure = match Email::parse(&row.email) {
                Err(_) => Some(ErrorCode::InvalidEmail),
                Ok(email) if !seen.insert(email.clone()) => Some(ErrorCode::DuplicateInFile),
                Ok(_) if parse_role(&row.role).is_none() => Some(ErrorCode::InvalidRole),
                Ok(_) if !row.phone.trim().is_empty() && parse_phone("phone", &row.phone).is_err() => Some(ErrorCode::InvalidPhone),
                Ok(_)
                    if [&row.first_name, &row.last_name]
                        .iter()
                        .any(|n| !n.trim().is_empty() && parse_person_name("name", n).is_err()) =>
                {
                    Some(ErrorCode::InvalidName)
                }
                Ok(_) => cell_failure,
            };
            ImportRow {
                row: match failure {
                    Some(_) => CsvRow {
                        row: row.row,
                        email: row.email.chars().take(roster_domain::email::MAX_EMAIL).collect(),
                        ..CsvRow::default()
                    },
                    // Stored as checked: a phone as its digits (its raw cell may be padded
                    // with any number of separators).
                    None => CsvRow {
                        phone: parse_phone("phone", &row.phone).unwrap_or_default(),
                        ..row
                    },
                },
                precheck_failure: failure,
            }
        })
        .collect()
}

/// DynamoDB takes at most 4 MB in one transaction: chunks are written 25 at a time, fewer
/// when they are large (a chunk of 100 rows of checked cells stays well under its 400 KB).
const MAX_TRANSACTION_BYTES: usize = 3_000_000;

/// The chunk items in groups that each fit one transaction.
fn transaction_groups(items: Vec<Item>) -> Vec<Vec<Item>> {
    let mut groups: Vec<Vec<Item>> = Vec::new();
    let mut bytes = 0;
    for item in items {
        let size = item.data.len();
        match groups.last_mut() {
            Some(group) if group.len() < 25 && bytes + size <= MAX_TRANSACTION_BYTES => {
                bytes += size;
                group.push(item);
            }
            _ => {
                bytes = size;
                groups.push(vec![item]);
            }
        }
    }
    groups
}

/// `POST /v1/orgs/{org}/imports`: `202 {id, status}`.
pub async fn submit_import(app: &App, ctx: &RequestContext, org_id: &OrgId, submission: ImportSubmission) -> AppResult<ImportQueuedView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::PreviewInvitations, &org.settings)?;
    org.ensure_not_frozen(app.now())?;
    let (rows, source) = match submission {
        ImportSubmission::Csv(bytes) => (read_rows(&bytes)?, ImportSource::Csv),
        ImportSubmission::Pasted(input) => {
            let department = actor.department_for_new_member(input.department_id.as_deref());
            actor.authorize(
                Action::Invite {
                    role: input.role,
                    department: department.as_deref(),
                },
                &org.settings,
            )?;
            app.ensure_department(org_id, department.as_deref()).await?;
            let rows = parse_pasted_list(&input.emails)
                .entries
                .into_iter()
                .enumerate()
                .map(|(i, email)| CsvRow {
                    row: i + 1,
                    email,
                    ..CsvRow::default()
                })
                .collect();
            (
                rows,
                ImportSource::PastedList {
                    role: input.role,
                    department_id: department,
                },
            )
        }
    };
    if rows.is_empty() {
        return Err(AppError::invalid("rows", ErrorCode::Empty, "nothing to import"));
    }
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(AppError::invalid(
            "rows",
            ErrorCode::TooManyRows,
            format!("at most {MAX_IMPORT_ROWS} rows per import"),
        ));
    }
    let rows = precheck(rows);
    let now = app.now();
    let job = ImportJob {
        id: new_id(now),
        org_id: org_id.to_string(),
        actor_id: actor.member_id.clone(),
        client_ip: ctx.ip.clone(),
        source,
        status: ImportStatus::Queued,
        total: rows.len(),
        processed: 0,
        invited: 0,
        chunks: rows.len().div_ceil(IMPORT_CHUNK_ROWS),
        failed_chunks: Some(Default::default()),
        created_at: now,
        updated_at: now,
    };
    // Chunks first (several transactions for big files), then the job that points at them.
    let chunks: Vec<ImportChunk> = rows
        .chunks(IMPORT_CHUNK_ROWS)
        .map(|rows| ImportChunk {
            rows: rows.to_vec(),
            failures: Vec::new(),
        })
        .collect();
    let items: Vec<Item> = chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| table::encode(table::org_pk(org_id), table::import_chunk_sk(&job.id, index), 1, chunk))
        .collect();
    for group in transaction_groups(items) {
        let mut tx = Tx::new();
        group.into_iter().for_each(|item| tx.put_new(item));
        tx.commit(app).await?;
    }
    let mut tx = Tx::new();
    tx.put_new(import_item(app, &job, 1));
    tx.send_after_commit(QueueName::Import, import_message(org_id, &job.id));
    tx.commit(app).await?;
    Ok(ImportQueuedView {
        id: job.id,
        status: job.status,
    })
}

/// The job as an item; while it is queued or running it waits in the due index, so
/// delivery repair queues it again if its message is lost.
pub fn import_item(app: &App, job: &ImportJob, version: u64) -> crate::ports::Item {
    let pk = table::org_pk(&job.org_id);
    let sk = table::import_sk(&job.id);
    let mut item = table::encode(pk.clone(), sk.clone(), version, job);
    if matches!(job.status, ImportStatus::Queued | ImportStatus::Running) {
        item.gsi3 = Some(table::due_entry(
            DueKind::Delivery,
            job.updated_at + app.config.delivery_grace,
            &pk,
            &sk,
        ));
    }
    item
}

/// `GET …/imports/{id}`: progress, and at the end every row that was not invited.
pub async fn get_import(app: &App, ctx: &RequestContext, org_id: &OrgId, import_id: &ImportId) -> AppResult<ImportView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::PreviewInvitations, &org.settings)?;
    let item = app
        .store
        .get(&table::org_pk(org_id), &table::import_sk(import_id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let job: ImportJob = table::decode(&item)?;
    // Only an org admin reads every import; anyone else only its own (its rows name people
    // of other departments).
    if actor.role != Role::OrgAdmin && job.actor_id != actor.member_id {
        return Err(AppError::not_found());
    }
    // Only the chunks that hold failed rows: a poll of a clean import reads the job alone.
    let mut chunks = Vec::new();
    for index in job.chunks_with_failures() {
        if let Some(item) = app
            .store
            .get(&table::org_pk(org_id), &table::import_chunk_sk(import_id, index))
            .await?
        {
            chunks.push(table::decode::<ImportChunk>(&item)?);
        }
    }
    Ok(views::import_job(&job, &chunks))
}

/// `GET …/imports/template.csv`, for admins.
pub async fn download_template(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<String> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::PreviewInvitations, &org.settings)?;
    Ok(template())
}

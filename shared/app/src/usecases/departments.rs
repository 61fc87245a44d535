//! Departments: org admins create, rename and delete them; admins list them.

use serde::Deserialize;

use roster_domain::org::validate_name;
use roster_domain::{Action, Department, DomainError};

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, Query, SkCondition};
use crate::secrets::new_id;
use crate::table;
use crate::tx::{Origin, Tx};
use crate::views;
use crate::views::{DepartmentView, Page};
use roster_domain::ids::{DepartmentId, OrgId};
use roster_domain::ErrorCode;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    #[schemars(with = "roster_domain::schema::OrgName")]
    pub name: String,
}

pub async fn list_departments(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<Page<DepartmentView>> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ReadMembers, &org.settings)?;
    let items = app.departments(org_id).await?.iter().map(views::department).collect();
    Ok(views::page(items, None))
}

fn name_guard(org_id: &str, name: &str, department_id: &str) -> crate::ports::Item {
    table::encode(
        table::org_pk(org_id),
        table::department_name_sk(name),
        1,
        &serde_json::json!({"department_id": department_id}),
    )
}

pub async fn create_department(app: &App, ctx: &RequestContext, org_id: &OrgId, input: DepartmentInput) -> AppResult<DepartmentView> {
    let name = validate_name("name", &input.name)?;
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageDepartments, &org.settings)?;
    let department = add_department(app, org_id, &name, &ctx.origin(Some(&actor.member_id))).await?;
    Ok(views::department(&department))
}

/// The id of the org's department named `name` (case-insensitively), if there is one.
pub async fn department_named(app: &App, org_id: &str, name: &str) -> AppResult<Option<String>> {
    let Some(item) = app.store.get(&table::org_pk(org_id), &table::department_name_sk(name)).await? else {
        return Ok(None);
    };
    let guard: serde_json::Value = table::decode(&item)?;
    Ok(guard.get("department_id").and_then(|id| id.as_str()).map(str::to_string))
}

/// The org's department named `name`, added when there is none (a directory naming a
/// department creates it; concurrent callers get the same one).
pub async fn department_named_or_added(app: &App, org_id: &str, name: &str, origin: &Origin) -> AppResult<Department> {
    let name = validate_name("department", name)?;
    loop {
        if let Some(id) = department_named(app, org_id, &name).await? {
            if let Some(department) = app.find_department(org_id, &id).await? {
                return Ok(department);
            }
        }
        match add_department(app, org_id, &name, origin).await {
            Err(AppError::Domain(DomainError::Conflict(ErrorCode::DepartmentExists))) => continue,
            other => return other,
        }
    }
}

/// Adds a department named `name` (validated), with its name guard and audit event.
pub async fn add_department(app: &App, org_id: &str, name: &str, origin: &Origin) -> AppResult<Department> {
    if department_named(app, org_id, name).await?.is_some() {
        return Err(AppError::conflict(ErrorCode::DepartmentExists));
    }
    let name = name.to_string();
    let now = app.now();
    let department = Department {
        id: new_id(now),
        org_id: org_id.to_string(),
        name: name.clone(),
        created_at: now,
        version: 1,
        closing: false,
        external_id: None,
    };
    let mut tx = Tx::new();
    tx.put_new(department_item(&department));
    tx.put_new(name_guard(org_id, &name, &department.id));
    tx.audit(org_id, now, origin, "department_created", None, None, Some(&name));
    tx.commit(app).await.map_err(|e| {
        if e == AppError::Contention {
            AppError::conflict(ErrorCode::DepartmentExists)
        } else {
            e
        }
    })?;
    Ok(department)
}

pub async fn rename_department(
    app: &App,
    ctx: &RequestContext,
    org_id: &OrgId,
    department_id: &DepartmentId,
    input: DepartmentInput,
) -> AppResult<DepartmentView> {
    let name = validate_name("name", &input.name)?;
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageDepartments, &org.settings)?;
    Ok(views::department(
        &change(app, org_id, department_id, Some(&name), None, &ctx.origin(Some(&actor.member_id))).await?,
    ))
}

/// Renames a department (`name` validated; its name guard moved and an audit event) and
/// sets its directory `external_id`, each when given; retried on lost races.
pub async fn change(
    app: &App,
    org_id: &str,
    department_id: &str,
    name: Option<&str>,
    external_id: Option<Option<&str>>,
    origin: &Origin,
) -> AppResult<Department> {
    retrying(|| async {
        let department = app.load_department(org_id, department_id).await?;
        let name = name.unwrap_or(&department.name).to_string();
        let mut next = department.clone();
        next.name = name.clone();
        if let Some(external_id) = external_id {
            next.external_id = external_id.map(str::to_string);
        }
        if next == department {
            return Ok(department);
        }
        let mut tx = Tx::new();
        if department.name.to_lowercase() != name.to_lowercase() {
            if app
                .store
                .get(&table::org_pk(org_id), &table::department_name_sk(&name))
                .await?
                .is_some()
            {
                return Err(AppError::conflict(ErrorCode::DepartmentExists));
            }
            tx.delete(table::org_pk(org_id), table::department_name_sk(&department.name), Condition::None);
            tx.put_new(name_guard(org_id, &name, department_id));
        }
        tx.put_next(department_item(&next));
        if next.name != department.name {
            tx.audit(org_id, app.now(), origin, "department_renamed", None, None, Some(&name));
        }
        tx.commit(app).await?;
        next.version += 1;
        Ok(next)
    })
    .await
}

/// Deleting a department that still has members is refused: move them first.
///
/// In two steps, so that no one is moved in while it is being checked: the department is
/// marked closing (and its tombstone written, which every move into it checks), then its
/// membership entries are read, consistently and at most one; an empty department is
/// deleted, one with members reopened. A deletion cut off between the steps leaves it
/// closing, and running it again finishes or reopens it.
pub async fn delete_department(app: &App, ctx: &RequestContext, org_id: &OrgId, department_id: &DepartmentId) -> AppResult<()> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageDepartments, &org.settings)?;
    remove(app, org_id, department_id, &ctx.origin(Some(&actor.member_id))).await
}

/// Deletes an empty department (the two steps above); `department_not_empty` otherwise.
pub async fn remove(app: &App, org_id: &str, department_id: &str, origin: &Origin) -> AppResult<()> {
    // Step 1: closing, with the tombstone every move into the department checks.
    retrying(|| async {
        let department = app.load_department(org_id, department_id).await?;
        if department.closing {
            return Ok(());
        }
        let mut tx = Tx::new();
        tx.put_next(department_item(&Department {
            closing: true,
            ..department
        }));
        tx.writes_tombstone(org_id, department_id);
        tx.commit(app).await
    })
    .await?;
    // Step 2, re-decided from what is stored until it lands (a rename meanwhile changes
    // the version): deleted when empty, else reopened.
    retrying(|| async {
        let Some(mut department) = app.find_department(org_id, department_id).await? else {
            return Ok(()); // A concurrent deletion finished it.
        };
        let members = app
            .store
            .query(
                Query::table(
                    table::org_pk(org_id),
                    SkCondition::BeginsWith(table::department_members_prefix(department_id)),
                )
                .limit(1),
            )
            .await?;
        let mut tx = Tx::new();
        if !members.items.is_empty() {
            department.closing = false;
            tx.put_next(department_item(&department));
            tx.delete(table::org_pk(org_id), table::department_closed_sk(department_id), Condition::None);
            tx.commit(app).await?;
            return Err(AppError::conflict(ErrorCode::DepartmentNotEmpty));
        }
        tx.delete(
            table::org_pk(org_id),
            table::department_sk(department_id),
            Condition::Version(department.version),
        );
        tx.delete(table::org_pk(org_id), table::department_name_sk(&department.name), Condition::None);
        tx.audit(org_id, app.now(), origin, "department_deleted", None, None, Some(&department.name));
        tx.commit(app).await
    })
    .await
}

fn department_item(department: &Department) -> crate::ports::Item {
    table::encode(
        table::org_pk(&department.org_id),
        table::department_sk(&department.id),
        department.version,
        department,
    )
}

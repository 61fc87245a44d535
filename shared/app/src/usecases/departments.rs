//! Departments: org admins create, rename and delete them; admins list them.

use serde::Deserialize;

use roster_domain::org::validate_name;
use roster_domain::{Action, Department};

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, Query, SkCondition};
use crate::secrets::new_id;
use crate::table;
use crate::tx::Tx;
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
    if app
        .store
        .get(&table::org_pk(org_id), &table::department_name_sk(&name))
        .await?
        .is_some()
    {
        return Err(AppError::conflict(ErrorCode::DepartmentExists));
    }
    let now = app.now();
    let department = Department {
        id: new_id(now),
        org_id: org_id.to_string(),
        name: name.clone(),
        created_at: now,
        version: 1,
        closing: false,
    };
    let mut tx = Tx::new();
    tx.put_new(department_item(&department));
    tx.put_new(name_guard(org_id, &name, &department.id));
    tx.audit(
        org_id,
        now,
        &ctx.origin(Some(&actor.member_id)),
        "department_created",
        None,
        None,
        Some(&name),
    );
    tx.commit(app).await.map_err(|e| {
        if e == AppError::Contention {
            AppError::conflict(ErrorCode::DepartmentExists)
        } else {
            e
        }
    })?;
    Ok(views::department(&department))
}

pub async fn rename_department(
    app: &App,
    ctx: &RequestContext,
    org_id: &OrgId,
    department_id: &DepartmentId,
    input: DepartmentInput,
) -> AppResult<DepartmentView> {
    let name = validate_name("name", &input.name)?;
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageDepartments, &org.settings)?;
        let department = app.load_department(org_id, department_id).await?;
        let mut next = department.clone();
        next.name = name.clone();
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
        tx.audit(
            org_id,
            app.now(),
            &ctx.origin(Some(&actor.member_id)),
            "department_renamed",
            None,
            None,
            Some(&name),
        );
        tx.commit(app).await?;
        next.version += 1;
        Ok(views::department(&next))
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
    let origin = ctx.origin(Some(&actor.member_id));
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
        tx.audit(org_id, app.now(), &origin, "department_deleted", None, None, Some(&department.name));
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

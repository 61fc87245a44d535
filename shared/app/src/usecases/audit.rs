//! The audit trail: org admins read it, for the whole org or one member.

use roster_domain::Action;

use crate::app::{App, RequestContext};
use crate::error::AppResult;
use crate::ports::{IndexName, Query, SkCondition};
use crate::records::AuditEvent;
use crate::table;
use crate::usecases::PageRequest;
use crate::views;
use crate::views::{AuditEventView, Page};
use roster_domain::ids::{MemberId, OrgId};

/// `GET /v1/orgs/{org}/audit?member=`, oldest first.
pub async fn list_audit(
    app: &App,
    ctx: &RequestContext,
    org_id: &OrgId,
    member_id: Option<MemberId>,
    page: PageRequest,
) -> AppResult<Page<AuditEventView>> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ReadAudit, &org.settings)?;
    let query = match &member_id {
        Some(member_id) => Query::index(IndexName::Gsi1, table::member_audit_partition(org_id, member_id), SkCondition::Any),
        None => Query::table(table::org_pk(org_id), SkCondition::BeginsWith(table::AUDIT_PREFIX.into())),
    };
    let result = app.store.query(query.limit(page.limit()).after(page.cursor)).await?;
    let items = result
        .items
        .iter()
        .map(|item| table::decode::<AuditEvent>(item).map(|e| views::audit_event(&e)))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(views::page(items, result.next_cursor))
}

//! The public JSON shapes of the API (SPEC §5 wire format). Secrets never appear here.

use serde_json::{json, Value};
use time::OffsetDateTime;

use roster_domain::{Department, Member, Org};

use crate::records::{AuditEvent, ImportChunk, ImportJob};

/// RFC 3339 in UTC; never fails.
pub fn rfc3339(at: OffsetDateTime) -> String {
    roster_domain::timestamp::format_rfc3339(at)
}

pub fn member(member: &Member) -> Value {
    let mut view = json!({
        "id": member.id,
        "org_id": member.org_id,
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "phone": member.phone,
        "role": member.role,
        "kind": member.kind,
        "status": member.status,
        "department_id": member.department_id,
        "position": member.position,
        "job_id": member.job_id,
        "location": member.location,
        "license_end": member.license_end,
        "created_at": rfc3339(member.created_at),
        "updated_at": rfc3339(member.updated_at),
        "version": member.version,
    });
    if let Some(invitation) = &member.invitation {
        view["invitation"] = json!({"expires_at": rfc3339(invitation.expires_at), "needs_approval": invitation.needs_approval});
    }
    if let Some(change) = &member.pending_email {
        view["pending_email"] = json!({"email": change.email, "expires_at": rfc3339(change.expires_at)});
    }
    view
}

pub fn org(org: &Org) -> Value {
    let settings = &org.settings;
    json!({
        "id": org.id,
        "name": org.name,
        "plan": settings.plan,
        "seat_limit": settings.seat_limit,
        "invite_ttl_days": settings.invite_ttl_days,
        "enrollment_approval": settings.enrollment_approval,
        "members_can_invite": settings.members_can_invite,
        "login_methods": settings.login_methods,
        "require_2fa": settings.require_2fa,
        "eula_version": settings.eula_version,
        "freeze": org.freeze.as_ref().map(|w| json!({"starts_at": w.starts_at, "ends_at": w.ends_at, "reason": w.reason})),
        "created_at": rfc3339(org.created_at),
        "updated_at": rfc3339(org.updated_at),
        "version": org.version,
    })
}

pub fn org_with_seats(org: &Org, seats_used: u64) -> Value {
    let mut view = self::org(org);
    view["seats_used"] = json!(seats_used);
    view
}

pub fn department(department: &Department) -> Value {
    json!({"id": department.id, "org_id": department.org_id, "name": department.name, "created_at": rfc3339(department.created_at), "version": department.version})
}

pub fn audit_event(event: &AuditEvent) -> Value {
    json!({
        "id": event.id,
        "at": rfc3339(event.at),
        "actor_id": event.actor_id,
        "action": event.action,
        "member_id": event.member_id,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "reason": event.reason,
        "ip": event.ip,
    })
}

pub fn import_job(job: &ImportJob, chunks: &[ImportChunk]) -> Value {
    let failures: Vec<&crate::records::ImportFailure> = chunks.iter().flat_map(|c| c.failures.iter()).collect();
    json!({
        "id": job.id,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "invited": job.invited,
        "failures": failures,
        "created_at": rfc3339(job.created_at),
        "updated_at": rfc3339(job.updated_at),
    })
}

/// A page of a list: `{items, next_cursor}`.
pub fn page(items: Vec<Value>, next_cursor: Option<String>) -> Value {
    json!({"items": items, "next_cursor": next_cursor})
}

//! Every endpoint of the API, each declared once: its method, path, Lambda name and facts
//! (`Endpoint::ROUTE`), what the OpenAPI document says of it (`Endpoint::operation`), and how
//! it answers — reading the request and calling one use case (`Endpoint::answer`). A new
//! endpoint is one such declaration and its name in `endpoints!` at the end.
//!
//! Each Lambda's `main` names its endpoint's type, so its binary links that endpoint's use
//! case and no other (`roster_lambda::run_endpoint::<GetMe>()`); the local server answers
//! every one through `dispatch`.

use http::StatusCode;
use schemars::json_schema;

use roster_app::usecases::directory::held::HeldChangeView;
use roster_app::usecases::me::EMAIL_CHANGES_PER_HOUR;
use roster_app::usecases::members::{EXPORT_PAGE_MEMBERS, LIST_MAX_EXAMINED};
use roster_app::usecases::{
    accounts, audit, auth, departments, directory, imports, invitations, me, members, orgs, scim, sign_in_codes, sso,
};
use roster_app::views::{
    AuditEventView, BulkEditView, ConfirmedEmailView, CreatedOrgView, DepartmentView, ImportQueuedView, ImportView, InvitationView,
    InviteLinkView, JoinLinkView, JoinRequestAnswer, MemberView, OrgView, Page, PasswordChangedView, PreviewView, ScimConnectionView,
    ScimTokenView, SignInView, SsoConnectionView, TokensView,
};
use roster_app::JwkSet;
use roster_domain::ErrorCode as E;

use crate::handlers::{Call, Endpoint, Reply};
use crate::openapi::Answer::{Csv, Json, NoContent, Redirect, RedirectOrJson};
use crate::openapi::{schema, Operation};
use crate::query::{AuditQuery, ExportQuery, MemberListQuery, SsoCallbackQuery, SsoStartQuery};
use crate::request::RequestError;
use crate::routes::{Route, READS, WRITES};
pub use crate::scim_endpoints::*;

pub struct CreateOrg;

impl Endpoint for CreateOrg {
    const ROUTE: Route = Route::new(
        RouteId::CreateOrg,
        "POST",
        "/v1/orgs",
        "create-org",
        WRITES.operator_too().sends_secrets_by_email(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Create an org with its first org admin (invited)",
            "Who: operator.",
            Json(201, schema::<CreatedOrgView>),
        )
        .json(schema::<orgs::CreateOrgInput>)
        .operator_only()
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::CREATED,
            &orgs::create_org(call.app, call.ctx, call.request.json()?).await?,
        ))
    }
}

pub struct GetOrg;

impl Endpoint for GetOrg {
    const ROUTE: Route = Route::new(RouteId::GetOrg, "GET", "/v1/orgs/{org}", "get-org", READS);

    fn operation() -> Operation {
        Operation::new(
            "Settings and seat use",
            "Who: org and department admins.",
            Json(200, schema::<OrgView>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(orgs::get_org(call.app, call.ctx, &call.org()?).await?.into())
    }
}

pub struct UpdateOrg;

impl Endpoint for UpdateOrg {
    const ROUTE: Route = Route::new(RouteId::UpdateOrg, "PATCH", "/v1/orgs/{org}", "update-org", WRITES.operator_too());

    fn operation() -> Operation {
        Operation::new(
            "Change settings",
            "Who: org admin or operator; only the operator changes `plan` (an org admin naming another plan gets 403). A patch that changes nothing answers the org as it is, without a new version or an audit event; a PATCH without a body is a 400.",
            Json(200, schema::<OrgView>),
        )
        .json(schema::<orgs::OrgPatch>)
        .errors(&[E::ConcurrentUpdate, E::NoOrgAdminCanSignIn, E::SsoNotReady])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(orgs::update_org(call.app, call.ctx, &call.org()?, call.request.json()?)
            .await?
            .into())
    }
}

pub struct SetFreeze;

impl Endpoint for SetFreeze {
    const ROUTE: Route = Route::new(
        RouteId::SetFreeze,
        "PUT",
        "/v1/orgs/{org}/freeze",
        "set-freeze",
        WRITES.operator_too().releases_held_expiries(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Set a freeze window",
            "Who: org admin or operator. Items it holds back come due when it ends, is lifted, or is moved to end sooner.",
            Json(200, schema::<OrgView>),
        )
        .json(schema::<orgs::FreezeInput>)
        .errors(&[E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(orgs::set_freeze(call.app, call.ctx, &call.org()?, call.request.json()?)
            .await?
            .into())
    }
}

pub struct LiftFreeze;

impl Endpoint for LiftFreeze {
    const ROUTE: Route = Route::new(
        RouteId::LiftFreeze,
        "DELETE",
        "/v1/orgs/{org}/freeze",
        "lift-freeze",
        WRITES.operator_too().releases_held_expiries(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Lift the freeze window",
            "Who: org admin or operator.",
            Json(200, schema::<OrgView>),
        )
        .errors(&[E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(orgs::lift_freeze(call.app, call.ctx, &call.org()?).await?.into())
    }
}

pub struct ListDepartments;

impl Endpoint for ListDepartments {
    const ROUTE: Route = Route::new(
        RouteId::ListDepartments,
        "GET",
        "/v1/orgs/{org}/departments",
        "list-departments",
        READS,
    );

    fn operation() -> Operation {
        Operation::new("Departments", "Who: admins.", Json(200, schema::<Page<DepartmentView>>))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(departments::list_departments(call.app, call.ctx, &call.org()?).await?.into())
    }
}

pub struct CreateDepartment;

impl Endpoint for CreateDepartment {
    const ROUTE: Route = Route::new(
        RouteId::CreateDepartment,
        "POST",
        "/v1/orgs/{org}/departments",
        "create-department",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new("Create a department", "Who: org admin.", Json(201, schema::<DepartmentView>))
            .json(schema::<departments::DepartmentInput>)
            .errors(&[E::DepartmentExists])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::CREATED,
            &departments::create_department(call.app, call.ctx, &call.org()?, call.request.json()?).await?,
        ))
    }
}

pub struct RenameDepartment;

impl Endpoint for RenameDepartment {
    const ROUTE: Route = Route::new(
        RouteId::RenameDepartment,
        "PATCH",
        "/v1/orgs/{org}/departments/{dept}",
        "rename-department",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new("Rename a department", "Who: org admin.", Json(200, schema::<DepartmentView>))
            .json(schema::<departments::DepartmentInput>)
            .errors(&[E::DepartmentExists, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(
            departments::rename_department(call.app, call.ctx, &call.org()?, &call.department()?, call.request.json()?)
                .await?
                .into(),
        )
    }
}

pub struct DeleteDepartment;

impl Endpoint for DeleteDepartment {
    const ROUTE: Route = Route::new(
        RouteId::DeleteDepartment,
        "DELETE",
        "/v1/orgs/{org}/departments/{dept}",
        "delete-department",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new("Delete an empty department", "Who: org admin.", NoContent).errors(&[E::DepartmentNotEmpty, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        departments::delete_department(call.app, call.ctx, &call.org()?, &call.department()?).await?;
        Ok(Reply::NoContent)
    }
}

pub struct ListMembers;

impl Endpoint for ListMembers {
    const ROUTE: Route = Route::new(RouteId::ListMembers, "GET", "/v1/orgs/{org}/members", "list-members", READS);

    fn operation() -> Operation {
        Operation::new(
            "One tab of members",
            format!("Who: admins (a department admin sees its own department). A page reads at most {LIST_MAX_EXAMINED} members of the tab: with `q` or `department`, it can hold fewer than `limit` items (even none) while `next_cursor` is set."),
            Json(200, schema::<Page<MemberView>>),
        )
        .query(MemberListQuery::params)
        .errors(&[E::ValidationFailed])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let org = call.org()?;
        let query = MemberListQuery::read(call.request)?;
        Ok(members::list_members(call.app, call.ctx, &org, query.filter, query.page)
            .await?
            .into())
    }
}

pub struct ExportMembers;

impl Endpoint for ExportMembers {
    const ROUTE: Route = Route::new(
        RouteId::ExportMembers,
        "GET",
        "/v1/orgs/{org}/members/export.csv",
        "export-members",
        READS,
    );

    fn operation() -> Operation {
        Operation::new(
            "Members as CSV, safe against formula injection",
            format!("Who: admins (a department admin exports its own department). At most {EXPORT_PAGE_MEMBERS} members a page, each page a CSV with its header row; while more remain, a `Link: <…>; rel=\"next\"` header gives the next page's URL."),
            Csv { paged: true },
        )
        .query(ExportQuery::params)
        .errors(&[E::ValidationFailed])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let org = call.org()?;
        let mut query = ExportQuery::read(call.request)?;
        let page = members::export_members(call.app, call.ctx, &org, query.department.clone(), query.cursor.take()).await?;
        Ok(Reply::Text {
            content_type: "text/csv; charset=utf-8",
            body: page.csv,
            filename: Some("members.csv"),
            next: page.next_cursor.map(|cursor| query.next_page_url(&org, &cursor)),
        })
    }
}

pub struct BulkEditMembers;

impl Endpoint for BulkEditMembers {
    const ROUTE: Route = Route::new(
        RouteId::BulkEditMembers,
        "POST",
        "/v1/orgs/{org}/members/bulk-edit",
        "bulk-edit-members",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "Set department, position and location for many members",
            "Who: org admin. Each member changes or is listed in `failures` with why.",
            Json(200, schema::<BulkEditView>),
        )
        .json(schema::<members::BulkEditInput>)
        // A member it can't change (a lost race too) is listed in `failures`.
        .errors(&[E::Frozen])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(members::bulk_edit(call.app, call.ctx, &call.org()?, call.request.json()?)
            .await?
            .into())
    }
}

pub struct GetMember;

impl Endpoint for GetMember {
    const ROUTE: Route = Route::new(RouteId::GetMember, "GET", "/v1/orgs/{org}/members/{member}", "get-member", READS);

    fn operation() -> Operation {
        Operation::new("A member's profile", "Who: admins.", Json(200, schema::<MemberView>))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(members::get_member(call.app, call.ctx, &call.org()?, &call.member()?).await?.into())
    }
}

pub struct UpdateMember;

impl Endpoint for UpdateMember {
    const ROUTE: Route = Route::new(
        RouteId::UpdateMember,
        "PATCH",
        "/v1/orgs/{org}/members/{member}",
        "update-member",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "Admin-editable fields",
            "Who: org admin. A patch that changes nothing answers the record as it is, without a new version or an audit event; a PATCH without a body is a 400. `login_methods` overrides the org's sign-in methods for this member (`null` follows the org again); no change may leave the org without an org admin who can sign in (409 `no_org_admin_can_sign_in`).",
            Json(200, schema::<MemberView>),
        )
        .json(schema::<members::MemberPatch>)
        .errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::CannotChangeOwnRole,
            E::LastOrgAdmin,
            E::NoOrgAdminCanSignIn,
            E::SsoNotReady,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(
            members::update_member(call.app, call.ctx, &call.org()?, &call.member()?, call.request.json()?)
                .await?
                .into(),
        )
    }
}

pub struct RemoveMember;

impl Endpoint for RemoveMember {
    const ROUTE: Route = Route::new(
        RouteId::RemoveMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/remove",
        "remove-member",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new("Licensed to unlicensed", "Who: org admin.", Json(200, schema::<MemberView>)).errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::NotLicensed,
            E::AlreadyUnlicensed,
            E::CannotRemoveSelf,
            E::LastOrgAdmin,
            E::NoOrgAdminCanSignIn,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(members::remove_member(call.app, call.ctx, &call.org()?, &call.member()?)
            .await?
            .into())
    }
}

pub struct ReinviteMember;

impl Endpoint for ReinviteMember {
    const ROUTE: Route = Route::new(
        RouteId::ReinviteMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/reinvite",
        "reinvite-member",
        WRITES.sends_secrets_by_email(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Unlicensed to invited, or resend a pending invitation",
            "Who: org admin (department admins resend in their departments).",
            Json(200, schema::<MemberView>),
        )
        .errors(&[E::Frozen, E::ConcurrentUpdate, E::AlreadyLicensed, E::PendingApproval, E::Rejected])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(members::reinvite_member(call.app, call.ctx, &call.org()?, &call.member()?)
            .await?
            .into())
    }
}

pub struct RevokeInvitation;

impl Endpoint for RevokeInvitation {
    const ROUTE: Route = Route::new(
        RouteId::RevokeInvitation,
        "DELETE",
        "/v1/orgs/{org}/members/{member}/invitation",
        "revoke-invitation",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new("Revoke a pending invitation", "Who: org admin.", NoContent).errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::NoPendingInvitation,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        members::revoke_invitation(call.app, call.ctx, &call.org()?, &call.member()?).await?;
        Ok(Reply::NoContent)
    }
}

pub struct ApproveMember;

impl Endpoint for ApproveMember {
    const ROUTE: Route = Route::new(
        RouteId::ApproveMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/approve",
        "approve-member",
        WRITES.sends_secrets_by_email(),
    );

    fn operation() -> Operation {
        Operation::new("Approve a join request", "Who: org admin.", Json(200, schema::<MemberView>)).errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::AlreadyLicensed,
            E::NotPendingApproval,
            E::SeatsExhausted,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(members::approve_member(call.app, call.ctx, &call.org()?, &call.member()?)
            .await?
            .into())
    }
}

pub struct RejectMember;

impl Endpoint for RejectMember {
    const ROUTE: Route = Route::new(
        RouteId::RejectMember,
        "POST",
        "/v1/orgs/{org}/members/{member}/reject",
        "reject-member",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new("Reject a join request", "Who: org admin.", Json(200, schema::<MemberView>)).errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::NotPendingApproval,
            E::AlreadyRejected,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(members::reject_member(call.app, call.ctx, &call.org()?, &call.member()?)
            .await?
            .into())
    }
}

pub struct Invite;

impl Endpoint for Invite {
    const ROUTE: Route = Route::new(
        RouteId::Invite,
        "POST",
        "/v1/orgs/{org}/invitations",
        "invite-member",
        WRITES.sends_secrets_by_email(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Invite one email",
            "Who: admins; members when the org allows. On a free plan, invitations count with imported rows toward 100 a day per admin and per client IP (429 with `Retry-After` past it).",
            Json(201, schema::<MemberView>),
        )
        .json(schema::<invitations::InviteInput>)
        .errors(&[
                E::Frozen,
                E::ConcurrentUpdate,
                E::AlreadyLicensed,
                E::AlreadyInvited,
                E::PendingApproval,
                E::Rejected,
                E::Unlicensed,
                E::RateLimited,
            ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::CREATED,
            &invitations::invite(call.app, call.ctx, &call.org()?, call.request.json()?).await?,
        ))
    }
}

pub struct PreviewInvitations;

impl Endpoint for PreviewInvitations {
    const ROUTE: Route = Route::new(
        RouteId::PreviewInvitations,
        "POST",
        "/v1/orgs/{org}/invitations/preview",
        "preview-invitations",
        READS,
    );

    fn operation() -> Operation {
        Operation::new("Count and check a pasted list", "Who: admins.", Json(200, schema::<PreviewView>))
            .json(schema::<invitations::PreviewInput>)
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(invitations::preview(call.app, call.ctx, &call.org()?, call.request.json()?)
            .await?
            .into())
    }
}

pub struct CreateAccount;

impl Endpoint for CreateAccount {
    const ROUTE: Route = Route::new(
        RouteId::CreateAccount,
        "POST",
        "/v1/orgs/{org}/accounts",
        "create-account",
        WRITES.sends_secrets_by_email(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Create a licensed (or shell) account directly",
            "Who: admins.",
            Json(201, schema::<MemberView>),
        )
        .json(schema::<accounts::CreateAccountInput>)
        .errors(&[
            E::Frozen,
            E::ConcurrentUpdate,
            E::AlreadyLicensed,
            E::AlreadyInvited,
            E::PendingApproval,
            E::Rejected,
            E::Unlicensed,
            E::SeatsExhausted,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::CREATED,
            &accounts::create_account(call.app, call.ctx, &call.org()?, call.request.json()?).await?,
        ))
    }
}

pub struct SubmitImport;

impl Endpoint for SubmitImport {
    const ROUTE: Route = Route::new(
        RouteId::SubmitImport,
        "POST",
        "/v1/orgs/{org}/imports",
        "submit-import",
        WRITES.sends_imports(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Start a bulk import (CSV file or pasted list)",
            "Who: admins. Rows are checked and invited in the background: `GET …/imports/{import}` shows the progress and each row that failed.",
            Json(202, schema::<ImportQueuedView>),
        )
        .csv_or_json(schema::<imports::PastedImportInput>)
        // The free plan's daily limit fails rows (`rate_limited` in `failures`), later.
        .errors(&[E::Frozen])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let org = call.org()?;
        let submission = if call.request.is_csv() {
            imports::ImportSubmission::Csv(call.request.csv()?)
        } else {
            imports::ImportSubmission::Pasted(call.request.json()?)
        };
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            &imports::submit_import(call.app, call.ctx, &org, submission).await?,
        ))
    }
}

pub struct ImportTemplate;

impl Endpoint for ImportTemplate {
    const ROUTE: Route = Route::new(
        RouteId::ImportTemplate,
        "GET",
        "/v1/orgs/{org}/imports/template.csv",
        "import-template",
        READS,
    );

    fn operation() -> Operation {
        Operation::new("The CSV template", "Who: admins.", Csv { paged: false })
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::Text {
            content_type: "text/csv; charset=utf-8",
            body: imports::download_template(call.app, call.ctx, &call.org()?).await?,
            filename: Some("roster-import-template.csv"),
            next: None,
        })
    }
}

pub struct GetImport;

impl Endpoint for GetImport {
    const ROUTE: Route = Route::new(RouteId::GetImport, "GET", "/v1/orgs/{org}/imports/{import}", "get-import", READS);

    fn operation() -> Operation {
        Operation::new(
            "Progress and failures of an import",
            "Who: admins (a department admin reads its own imports).",
            Json(200, schema::<ImportView>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(imports::get_import(call.app, call.ctx, &call.org()?, &call.id("import")?)
            .await?
            .into())
    }
}

pub struct ListAudit;

impl Endpoint for ListAudit {
    const ROUTE: Route = Route::new(RouteId::ListAudit, "GET", "/v1/orgs/{org}/audit", "list-audit", READS);

    fn operation() -> Operation {
        Operation::new("The audit trail", "Who: org admin.", Json(200, schema::<Page<AuditEventView>>))
            .query(AuditQuery::params)
            .errors(&[E::ValidationFailed])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let org = call.org()?;
        let query = AuditQuery::read(call.request)?;
        Ok(audit::list_audit(call.app, call.ctx, &org, query.member, query.page).await?.into())
    }
}

pub struct GetInviteLink;

impl Endpoint for GetInviteLink {
    const ROUTE: Route = Route::new(
        RouteId::GetInviteLink,
        "GET",
        "/v1/orgs/{org}/invite-link",
        "get-invite-link",
        READS,
    );

    fn operation() -> Operation {
        Operation::new(
            "Join code, link and QR code",
            "Who: org admin.",
            Json(200, schema::<InviteLinkView>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(orgs::get_invite_link(call.app, call.ctx, &call.org()?).await?.into())
    }
}

pub struct RotateInviteLink;

impl Endpoint for RotateInviteLink {
    const ROUTE: Route = Route::new(
        RouteId::RotateInviteLink,
        "POST",
        "/v1/orgs/{org}/invite-link/rotate",
        "rotate-invite-link",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "A new join code",
            "Who: org admin. The old code stops working.",
            Json(200, schema::<InviteLinkView>),
        )
        .errors(&[E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(orgs::rotate_invite_link(call.app, call.ctx, &call.org()?).await?.into())
    }
}

/// The client secret is sealed (on AWS by the KMS key) before it is stored.
pub struct PutSso;

impl Endpoint for PutSso {
    const ROUTE: Route = Route::new(RouteId::PutSso, "PUT", "/v1/orgs/{org}/sso", "put-sso", WRITES.seals_secrets());

    fn operation() -> Operation {
        Operation::new(
            "Set the org's single sign-on connection",
            "Who: org admin. An OpenID Connect provider (authorization code flow with PKCE). The client secret is sealed under the deployment's key and never answered. A new issuer or client must be signed in through once before `sso` can be a sign-in method; while the org signs in by `sso`, only the tested connection may stay (`409 sso_in_use`).",
            Json(200, schema::<SsoConnectionView>),
        )
        .json(schema::<sso::SsoConnectionInput>)
        .errors(&[E::SsoDomainClaimed, E::SsoInUse, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(sso::put_sso(call.app, call.ctx, &call.org()?, call.request.json()?).await?.into())
    }
}

pub struct GetSso;

impl Endpoint for GetSso {
    const ROUTE: Route = Route::new(RouteId::GetSso, "GET", "/v1/orgs/{org}/sso", "get-sso", READS);

    fn operation() -> Operation {
        Operation::new(
            "The org's single sign-on connection",
            "Who: org admin. Without the client secret. 404 when none is set.",
            Json(200, schema::<SsoConnectionView>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(sso::get_sso(call.app, call.ctx, &call.org()?).await?.into())
    }
}

pub struct DeleteSso;

impl Endpoint for DeleteSso {
    const ROUTE: Route = Route::new(RouteId::DeleteSso, "DELETE", "/v1/orgs/{org}/sso", "delete-sso", WRITES);

    fn operation() -> Operation {
        Operation::new(
            "Remove the org's single sign-on connection",
            "Who: org admin. Refused while the org signs in by `sso`.",
            NoContent,
        )
        .errors(&[E::SsoInUse, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        sso::delete_sso(call.app, call.ctx, &call.org()?).await?;
        Ok(Reply::NoContent)
    }
}

/// Looks the domain's TXT record up in DNS (no AWS service: the Lambda's own resolver).
pub struct VerifySsoDomain;

impl Endpoint for VerifySsoDomain {
    const ROUTE: Route = Route::new(
        RouteId::VerifySsoDomain,
        "POST",
        "/v1/orgs/{org}/sso/domains/{domain}/verify",
        "verify-sso-domain",
        WRITES.looks_up_dns(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Verify an email domain of the connection",
            "Who: org admin. Looks up the TXT record the connection names for the domain (`dns_record_name`, holding `dns_record_value`) and, when it is there, claims the domain for the org: `?email=` sign-ins for it start at the org's provider, and its people may get accounts just in time. The first org to verify a domain has it. Verifying a verified domain changes nothing.",
            Json(200, schema::<SsoConnectionView>),
        )
        .errors(&[E::SsoDomainUnverified, E::SsoDomainClaimed, E::ConcurrentUpdate, E::Unavailable])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        // Not a domain name: 404 before any store call (the use case parses it first).
        Ok(sso::verify_sso_domain(call.app, call.ctx, &call.org()?, call.params.get("domain"))
            .await?
            .into())
    }
}

pub struct IssueScimToken;

impl Endpoint for IssueScimToken {
    const ROUTE: Route = Route::new(
        RouteId::IssueScimToken,
        "POST",
        "/v1/orgs/{org}/scim/token",
        "issue-scim-token",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "Issue the directory-sync (SCIM) token",
            "Who: org admin. The token is in this answer only (Roster keeps its hash); a new one replaces the one before, which stops working at once. Give the identity provider `base_url` and the token.",
            Json(201, schema::<ScimTokenView>),
        )
        .errors(&[E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::CREATED,
            &scim::issue_scim_token(call.app, call.ctx, &call.org()?).await?,
        ))
    }
}

pub struct RevokeScimToken;

impl Endpoint for RevokeScimToken {
    const ROUTE: Route = Route::new(
        RouteId::RevokeScimToken,
        "DELETE",
        "/v1/orgs/{org}/scim/token",
        "revoke-scim-token",
        WRITES,
    );

    fn operation() -> Operation {
        Operation::new(
            "Revoke the directory-sync (SCIM) token",
            "Who: org admin. The directory's calls are refused from now on; 404 when the org has no token.",
            NoContent,
        )
        .errors(&[E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        scim::revoke_scim_token(call.app, call.ctx, &call.org()?).await?;
        Ok(Reply::NoContent)
    }
}

pub struct GetScimConnection;

impl Endpoint for GetScimConnection {
    const ROUTE: Route = Route::new(
        RouteId::GetScimConnection,
        "GET",
        "/v1/orgs/{org}/scim/token",
        "get-scim-connection",
        READS,
    );

    fn operation() -> Operation {
        Operation::new(
            "The directory-sync (SCIM) connection",
            "Who: org admin. When the current token was issued and by whom, and the SCIM base URL; never the token. 404 when the org has none.",
            Json(200, schema::<ScimConnectionView>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::OK,
            &scim::get_scim_connection(call.app, call.ctx, &call.org()?).await?,
        ))
    }
}

pub struct ListHeldDirectoryChanges;

impl Endpoint for ListHeldDirectoryChanges {
    const ROUTE: Route = Route::new(
        RouteId::ListHeldDirectoryChanges,
        "GET",
        "/v1/orgs/{org}/scim/held",
        "list-held-directory-changes",
        READS,
    );

    fn operation() -> Operation {
        Operation::new(
            "The directory's changes a freeze window holds",
            "Who: org admin. Creations, licence changes and deletions the directory sent during the org's freeze, in the order they apply when it ends (`applies_at`). Profile changes are not held: they applied at once.",
            Json(200, schema::<Page<HeldChangeView>>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::OK,
            &directory::list_held_changes(call.app, call.ctx, &call.org()?).await?,
        ))
    }
}

pub struct GetInvitation;

impl Endpoint for GetInvitation {
    const ROUTE: Route = Route::new(
        RouteId::GetInvitation,
        "GET",
        "/v1/invitations/{token}",
        "get-invitation",
        READS.public().derives_secrets(),
    );

    fn operation() -> Operation {
        Operation::new(
            "What accepting this invitation needs",
            "Who: anyone with the link.",
            Json(200, schema::<InvitationView>),
        )
        .errors(&[
            E::InvitationExpired,
            E::InvitationUsed,
            E::InvitationSuperseded,
            E::InvitationRevoked,
        ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(invitations::get_invitation(call.app, &call.id("token")?).await?.into())
    }
}

pub struct AcceptInvitation;

impl Endpoint for AcceptInvitation {
    const ROUTE: Route = Route::new(
        RouteId::AcceptInvitation,
        "POST",
        "/v1/invitations/{token}/accept",
        "accept-invitation",
        WRITES.public().derives_secrets(),
    );

    fn operation() -> Operation {
        Operation::new("Self-registration", "Who: anyone with the link.", Json(200, schema::<MemberView>))
            .json(schema::<invitations::AcceptInput>)
            .errors(&[
                E::InvitationExpired,
                E::InvitationUsed,
                E::InvitationSuperseded,
                E::InvitationRevoked,
                E::SeatsExhausted,
                E::ConcurrentUpdate,
            ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(invitations::accept(call.app, call.ctx, &call.id("token")?, call.request.json()?)
            .await?
            .into())
    }
}

pub struct GetJoinLink;

impl Endpoint for GetJoinLink {
    const ROUTE: Route = Route::new(RouteId::GetJoinLink, "GET", "/v1/join/{code}", "get-join-link", WRITES.public());

    fn operation() -> Operation {
        Operation::new(
            "The org a join link leads to",
            "Who: anyone. An unknown code counts toward the client IP's limit of code guesses (429 with `Retry-After`).",
            Json(200, schema::<JoinLinkView>),
        )
        // An unknown code's guess is counted in a write that may lose races.
        .errors(&[E::RateLimited, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(invitations::get_join_link(call.app, call.ctx, &call.id("code")?).await?.into())
    }
}

/// An address that already has an account in the org is told by email instead.
pub struct RequestToJoin;

impl Endpoint for RequestToJoin {
    const ROUTE: Route = Route::new(
        RouteId::RequestToJoin,
        "POST",
        "/v1/join/{code}",
        "request-to-join",
        WRITES.public().sends_email(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Request to join with the org's code",
            "Who: anyone. The answer is the same for every email, so the code tells no one who belongs: an address that already has an account in the org gets an email saying what to do instead (at most one an hour), and nothing changes for it. Limited per client IP and per join code, and unknown codes per client IP (429 with `Retry-After`). Received: a new join request waits for an admin's approval (or the address was told by email).",
            Json(202, schema::<JoinRequestAnswer>),
        )
        .json(schema::<invitations::JoinInput>)
        .errors(&[E::RateLimited, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            &invitations::request_to_join(call.app, call.ctx, &call.id("code")?, call.request.json()?).await?,
        ))
    }
}

pub struct GetMe;

impl Endpoint for GetMe {
    const ROUTE: Route = Route::new(RouteId::GetMe, "GET", "/v1/me", "get-me", READS);

    fn operation() -> Operation {
        Operation::new("Own profile", "Who: the member.", Json(200, schema::<MemberView>)).temporary_session_too()
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(me::get_me(call.app, call.ctx).await?.into())
    }
}

/// A new email's confirmation link carries a derived secret: this route derives it.
pub struct UpdateMe;

impl Endpoint for UpdateMe {
    const ROUTE: Route = Route::new(RouteId::UpdateMe, "PATCH", "/v1/me", "update-me", WRITES.sends_secrets_by_email());

    fn operation() -> Operation {
        Operation::new(
            "Own name and phone; a new email once confirmed",
            format!(
                "Who: the member. Name and phone change at once. A new `email` is only asked for: a confirmation link goes to the new address and a notice to the old one, the answer shows it under `pending_email`, and the account keeps (and signs in with) its email until the link is used (`POST /v1/email-confirmations`). The answer is the same whether or not the new address is taken in the org. At most {EMAIL_CHANGES_PER_HOUR} email changes an hour (429). A patch that changes nothing answers the record as it is, without a new version or an audit event; a PATCH without a body is a 400."
            ),
            Json(200, schema::<MemberView>),
        )
        .json(schema::<me::MePatch>)
        .errors(&[E::RateLimited, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(me::update_me(call.app, call.ctx, call.request.json()?).await?.into())
    }
}

pub struct ConfirmEmail;

impl Endpoint for ConfirmEmail {
    const ROUTE: Route = Route::new(
        RouteId::ConfirmEmail,
        "POST",
        "/v1/email-confirmations",
        "confirm-email",
        WRITES.public(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Confirm a new email from the link sent to it",
            "Who: anyone with the link (it was sent to the new address). Makes the new address the account's email and its sign-in. 404: no such link (used, replaced by a later change, or cancelled); 410 `confirmation_expired`: older than a day; 409 `email_taken`: another account in the org has the address.",
            Json(200, schema::<ConfirmedEmailView>),
        )
        .json(schema::<me::EmailConfirmation>)
        .errors(&[E::NotFound, E::ConfirmationExpired, E::EmailTaken, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(me::confirm_email(call.app, call.ctx, call.request.json()?).await?.into())
    }
}

pub struct ChangePassword;

impl Endpoint for ChangePassword {
    const ROUTE: Route = Route::new(RouteId::ChangePassword, "POST", "/v1/me/password", "change-password", WRITES);

    fn operation() -> Operation {
        Operation::new(
            "Change the password (the only call a temporary password allows)",
            "Who: the member. Ends every access token issued before it (they answer 401 `token_revoked`).",
            Json(200, schema::<PasswordChangedView>),
        )
        .json(schema::<me::PasswordChange>)
        .errors(&[E::ConcurrentUpdate])
        .temporary_session_too()
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(me::change_password(call.app, call.ctx, call.request.json()?).await?.into())
    }
}

pub struct Login;

impl Endpoint for Login {
    const ROUTE: Route = Route::new(RouteId::Login, "POST", "/v1/auth/login", "login", WRITES.public().signs_tokens());

    fn operation() -> Operation {
        Operation::new(
            "Email and password to an access token",
            "Who: anyone. The password is checked first: a wrong one answers `401 invalid_credentials` whether the email has no account, one or several. A right one for accounts in several orgs answers `400` with the field error `org_required` and `orgs` to choose from. Failed logins are limited per IP and per email; from a client with a device token of this email, per device instead (`429` with `Retry-After`). A temporary password signs in once (again: 401 `temporary_password_used`).",
            Json(200, schema::<TokensView>),
        )
        .json(schema::<auth::LoginInput>)
        .errors(&[
                E::InvalidCredentials,
                E::TemporaryPasswordUsed,
                E::LoginMethodNotAllowed,
                E::RateLimited,
                E::ConcurrentUpdate,
            ])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(auth::login(call.app, call.ctx.ip.as_deref(), call.request.json()?).await?.into())
    }
}

/// The code is derived by the email sender; this route only records a new challenge.
pub struct RequestSignInCode;

impl Endpoint for RequestSignInCode {
    const ROUTE: Route = Route::new(
        RouteId::RequestSignInCode,
        "POST",
        "/v1/auth/otp",
        "request-sign-in-code",
        WRITES.public().sends_email(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Email a one-time sign-in code",
            "Who: anyone. Answers `202` with the same body whether or not the email has accounts; the code (6 digits, 10 minutes, single use, 5 tries) is emailed only when the address has an account whose org (or own setting) allows `email_otp`. A new code replaces the one before. Limited per email and per client IP (`429` with `Retry-After`).",
            Json(202, schema::<roster_app::views::SignInCodeSentView>),
        )
        .json(schema::<sign_in_codes::CodeRequest>)
        .errors(&[E::RateLimited, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::json(
            StatusCode::ACCEPTED,
            &sign_in_codes::request_code(call.app, call.ctx.ip.as_deref(), call.request.json()?).await?,
        ))
    }
}

pub struct VerifySignInCode;

impl Endpoint for VerifySignInCode {
    const ROUTE: Route = Route::new(
        RouteId::VerifySignInCode,
        "POST",
        "/v1/auth/otp/verify",
        "verify-sign-in-code",
        WRITES.public().signs_tokens(),
    );

    fn operation() -> Operation {
        Operation::new(
            "A one-time code to a session in every account of the email that allows codes",
            "Who: anyone with the code. Answers a session (access and refresh token, org, role) for each account of the email whose effective sign-in methods include `email_otp`: the account switcher's list. A wrong code counts against the code's 5 tries; wrong, expired, used or out of tries answers 401 `invalid_code`. A right code for an address none of whose accounts allows codes answers 403 `login_method_not_allowed`.",
            Json(200, schema::<SignInView>),
        )
        .json(schema::<sign_in_codes::CodeVerification>)
        .errors(&[E::InvalidCode, E::LoginMethodNotAllowed, E::ConcurrentUpdate])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(sign_in_codes::verify_code(call.app, call.request.json()?).await?.into())
    }
}

pub struct RefreshSession;

impl Endpoint for RefreshSession {
    const ROUTE: Route = Route::new(
        RouteId::RefreshSession,
        "POST",
        "/v1/auth/refresh",
        "refresh-session",
        WRITES.public().signs_tokens(),
    );

    fn operation() -> Operation {
        Operation::new(
            "A refresh token for a new access token and the next refresh token",
            "Who: anyone holding a refresh token. Each refresh token works once; presenting a used one ends its session (both holders are signed out). A session ends a working day after its login, when the member is removed or unlicensed, and when the password changes (401 `invalid_refresh_token`).",
            Json(200, schema::<TokensView>),
        )
        .json(schema::<auth::RefreshInput>)
        .errors(&[E::InvalidRefreshToken, E::LoginMethodNotAllowed])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(auth::refresh(call.app, call.request.json()?).await?.into())
    }
}

/// Single sign-on: the start records the attempt; the provider's callback opens the org's
/// client secret to exchange the code, and may make an account just in time; the console
/// then collects the session.
pub struct StartSso;

impl Endpoint for StartSso {
    const ROUTE: Route = Route::new(
        RouteId::StartSso,
        "GET",
        "/v1/auth/sso/start",
        "start-sso",
        WRITES.public().calls_identity_providers(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Start a single sign-on",
            "Who: anyone (a browser). Sends the browser to the org's identity provider (authorization code flow, PKCE, `state` and `nonce` kept here for ten minutes). Name the org, or give the person's email: the org whose connection claims its domain. Sets the `roster_sso` cookie (HttpOnly, SameSite=Lax, ten minutes): only the browser that started a sign-in may finish it and collect its session.",
            RedirectOrJson("To the identity provider's authorization endpoint."),
        )
        .query(SsoStartQuery::params)
        .errors(&[E::ValidationFailed, E::MalformedId, E::NotFound, E::RateLimited, E::Unavailable])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        let query = SsoStartQuery::read(call.request)?;
        let started = sso::start_sso(call.app, call.ctx.ip.as_deref(), query.org.as_ref(), query.email.as_deref()).await?;
        Ok(Reply::Redirect {
            url: started.url,
            cookie: Some(sso::browser_cookie(call.app, &started.browser)),
            // The console's fetch reads where to go (one attempt), then navigates there.
            as_json: call.request.prefers_json(),
        })
    }
}

pub struct FinishSso;

impl Endpoint for FinishSso {
    const ROUTE: Route = Route::new(
        RouteId::FinishSso,
        "GET",
        "/v1/auth/sso/callback",
        "finish-sso",
        WRITES.public().opens_secrets().calls_identity_providers(),
    );

    fn operation() -> Operation {
        Operation::new(
            "The identity provider's answer",
            "Who: the identity provider, through the browser. Every outcome goes on to the console's `/sso` page, in the URL's fragment (never sent to a server): `#handoff=<one-time code>` (collect the session with `POST /v1/auth/sso/session`), `#pending_approval=1` (an account made just in time waits for an admin), or `#error=<code>`: `sso_state_invalid`, `sso_refused`, `sso_no_account`, `login_method_not_allowed`, `account_inactive`, `seats_exhausted`, `unavailable`.",
            Redirect("To the console's `/sso` page, the outcome in the fragment."),
        )
        .query(SsoCallbackQuery::params)
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        // The browser is here: every outcome, refusals too, goes on to the console.
        let query = SsoCallbackQuery::read(call.request);
        let callback = sso::Callback {
            code: query.code.as_deref(),
            state: query.state.as_deref(),
            provider_error: query.error.as_deref(),
            browser: call.request.cookie(sso::BROWSER_COOKIE),
        };
        let outcome = sso::finish_sso(call.app, callback).await;
        if let Err(error) = &outcome {
            tracing::info!(code = error.code().as_str(), "single sign-on did not sign in");
        }
        Ok(Reply::Redirect {
            url: sso::SsoOutcome::console_url(call.app, &outcome),
            cookie: None,
            as_json: false,
        })
    }
}

pub struct CollectSsoSession;

impl Endpoint for CollectSsoSession {
    const ROUTE: Route = Route::new(
        RouteId::CollectSsoSession,
        "POST",
        "/v1/auth/sso/session",
        "collect-sso-session",
        WRITES.public().signs_tokens(),
    );

    fn operation() -> Operation {
        Operation::new(
            "Collect the session a single sign-on opened",
            "Who: the browser that started the sign-in (its `roster_sso` cookie), with the one-time code of the callback's fragment. Once, within two minutes; the member's sign-in methods are checked again.",
            Json(200, schema::<SignInView>),
        )
        .json(schema::<sso::SsoSessionInput>)
        .errors(&[E::InvalidCode, E::LoginMethodNotAllowed])
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(
            sso::collect_sso_session(call.app, call.request.cookie(sso::BROWSER_COOKIE), call.request.json()?)
                .await?
                .into(),
        )
    }
}

pub struct Jwks;

impl Endpoint for Jwks {
    const ROUTE: Route = Route::new(RouteId::Jwks, "GET", "/.well-known/jwks.json", "jwks", READS.public().no_table());

    fn operation() -> Operation {
        Operation::new("Public keys of Roster's tokens", "Who: anyone.", Json(200, schema::<JwkSet>))
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(call.app.keys.jwks().into())
    }
}

pub struct OpenIdConfiguration;

impl Endpoint for OpenIdConfiguration {
    const ROUTE: Route = Route::new(
        RouteId::OpenIdConfiguration,
        "GET",
        "/.well-known/openid-configuration",
        "openid-configuration",
        READS.public().no_table(),
    );

    fn operation() -> Operation {
        Operation::new(
            "OpenID discovery: issuer and JWKS location (read by API Gateway's JWT authorizer)",
            "Who: anyone.",
            Json(200, schema::<roster_app::views::OpenIdConfiguration>),
        )
    }

    async fn answer(call: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(roster_app::usecases::auth::openid_configuration(call.app).into())
    }
}

pub struct OpenApi;

impl Endpoint for OpenApi {
    const ROUTE: Route = Route::new(RouteId::OpenApi, "GET", "/v1/openapi.json", "openapi", READS.public().no_table());

    fn operation() -> Operation {
        Operation::new("This document", "Who: anyone.", Json(200, |_| json_schema!({ "type": "object" })))
    }

    async fn answer(_: &Call<'_>) -> Result<Reply, RequestError> {
        Ok(Reply::Text {
            content_type: "application/json",
            body: crate::OPENAPI_JSON.to_string(),
            filename: None,
            next: None,
        })
    }
}

/// Names every endpoint, once and in matching order (literal segments before parameters
/// where both could match): the route ids, the route table, the local server's dispatch
/// and the document's operations follow from this list.
macro_rules! endpoints {
    ($($endpoint:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RouteId {
            $($endpoint),*
        }

        /// Every endpoint's route, in matching order.
        pub const ROUTES: &[Route] = &[$(<$endpoint as Endpoint>::ROUTE),*];

        /// Answers a request the local server matched to `route`.
        pub(crate) async fn dispatch(app: &roster_app::App, route: RouteId, params: &crate::routes::Params, request: crate::HttpRequest) -> crate::HttpResponse {
            match route {
                $(RouteId::$endpoint => crate::handlers::respond::<$endpoint>(app, params, request).await),*
            }
        }

        /// What the document says of `route`.
        pub(crate) fn operation(route: RouteId) -> Operation {
            match route {
                $(RouteId::$endpoint => <$endpoint as Endpoint>::operation()),*
            }
        }
    };
}

endpoints![
    CreateOrg,
    GetOrg,
    UpdateOrg,
    SetFreeze,
    LiftFreeze,
    ListDepartments,
    CreateDepartment,
    RenameDepartment,
    DeleteDepartment,
    ListMembers,
    ExportMembers,
    BulkEditMembers,
    GetMember,
    UpdateMember,
    RemoveMember,
    ReinviteMember,
    RevokeInvitation,
    ApproveMember,
    RejectMember,
    Invite,
    PreviewInvitations,
    CreateAccount,
    SubmitImport,
    ImportTemplate,
    GetImport,
    ListAudit,
    GetInviteLink,
    RotateInviteLink,
    PutSso,
    GetSso,
    DeleteSso,
    VerifySsoDomain,
    IssueScimToken,
    RevokeScimToken,
    GetScimConnection,
    ListHeldDirectoryChanges,
    GetInvitation,
    AcceptInvitation,
    GetJoinLink,
    RequestToJoin,
    GetMe,
    UpdateMe,
    ConfirmEmail,
    ChangePassword,
    Login,
    RequestSignInCode,
    VerifySignInCode,
    RefreshSession,
    StartSso,
    FinishSso,
    CollectSsoSession,
    Jwks,
    OpenIdConfiguration,
    OpenApi,
    ScimServiceProviderConfig,
    ScimListSchemas,
    ScimGetSchema,
    ScimListResourceTypes,
    ScimGetResourceType,
    ScimListUsers,
    ScimCreateUser,
    ScimGetUser,
    ScimReplaceUser,
    ScimPatchUser,
    ScimDeleteUser,
    ScimSearch,
    ScimListGroups,
    ScimCreateGroup,
    ScimGetGroup,
    ScimReplaceGroup,
    ScimPatchGroup,
    ScimDeleteGroup,
];

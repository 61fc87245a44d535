//! Dispatch: for each route, read the request, call one app function, shape the reply.

use bytes::Bytes;
use http::{header, Response, StatusCode};

use roster_app::usecases::{accounts, audit, auth, departments, imports, invitations, me, members, orgs, sign_in_codes, sso};
use roster_app::{App, AppError, RequestContext};
use std::str::FromStr;

use roster_domain::{DepartmentId, MemberId, OrgId};

use crate::problem;
use crate::query::{AuditQuery, ExportQuery, MemberListQuery, SsoCallbackQuery, SsoStartQuery};
use crate::request::{HttpRequest, RequestError};
use crate::routes::{Params, RouteId};
use crate::HttpResponse;
use roster_app::views::{
    AuditEventView, BulkEditView, ConfirmedEmailView, DepartmentView, ImportView, InvitationView, InviteLinkView, JoinLinkView, MemberView,
    OpenIdConfiguration, OrgView, Page, PasswordChangedView, PreviewView, SignInView, SsoConnectionView, TokensView,
};
use roster_app::JwkSet;
use roster_domain::ErrorCode;

/// What a handler answers before it becomes a response.
enum Reply {
    /// A view, serialized.
    Json(StatusCode, Vec<u8>),
    Text {
        content_type: &'static str,
        body: String,
        filename: Option<&'static str>,
        /// The next page, as an RFC 8288 `Link` header with `rel="next"`.
        next: Option<String>,
    },
    NoContent,
    /// `303 See Other` to a URL (single sign-on sends the browser on), setting a cookie; or,
    /// `as_json`, `200 {"redirect_to": url}` with the same cookie, for a script that
    /// navigates itself.
    Redirect {
        url: String,
        cookie: Option<String>,
        as_json: bool,
    },
}

/// The typed answers of the use cases, as `200` JSON.
macro_rules! json_replies {
    ($($view:ty),* $(,)?) => {
        $(impl From<$view> for Reply {
            fn from(view: $view) -> Self {
                Reply::json(StatusCode::OK, &view)
            }
        })*
    };
}

json_replies!(
    MemberView,
    OrgView,
    DepartmentView,
    ImportView,
    Page<MemberView>,
    Page<DepartmentView>,
    Page<AuditEventView>,
    BulkEditView,
    PreviewView,
    InviteLinkView,
    InvitationView,
    JoinLinkView,
    ConfirmedEmailView,
    PasswordChangedView,
    TokensView,
    SignInView,
    SsoConnectionView,
    OpenIdConfiguration,
    JwkSet,
);

impl Reply {
    fn json(status: StatusCode, view: &impl serde::Serialize) -> Reply {
        Reply::Json(status, serde_json::to_vec(view).expect("views serialize to JSON"))
    }

    fn into_response(self) -> HttpResponse {
        let builder = Response::builder();
        let response = match self {
            Reply::Json(status, body) => builder
                .status(status)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Bytes::from(body)),
            Reply::Text {
                content_type,
                body,
                filename,
                next,
            } => {
                let mut builder = builder.status(StatusCode::OK).header(header::CONTENT_TYPE, content_type);
                if let Some(name) = filename {
                    builder = builder.header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""));
                }
                if let Some(next) = next {
                    builder = builder.header(header::LINK, format!("<{next}>; rel=\"next\""));
                }
                builder.body(Bytes::from(body))
            }
            Reply::NoContent => builder.status(StatusCode::NO_CONTENT).body(Bytes::new()),
            Reply::Redirect { url, cookie, as_json } => {
                let mut builder = builder.header(header::CACHE_CONTROL, "no-store");
                if let Some(cookie) = cookie {
                    builder = builder.header(header::SET_COOKIE, cookie);
                }
                if as_json {
                    let body = serde_json::to_vec(&serde_json::json!({ "redirect_to": url })).expect("a JSON object");
                    builder
                        .status(StatusCode::OK)
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Bytes::from(body))
                } else {
                    builder
                        .status(StatusCode::SEE_OTHER)
                        .header(header::LOCATION, url)
                        .body(Bytes::new())
                }
            }
        };
        response.expect("a valid response")
    }
}

/// A path parameter as its id type. A malformed one names nothing that exists: 404, before
/// any store call.
fn path_id<T: FromStr>(params: &Params, name: &str) -> Result<T, RequestError> {
    params.get(name).parse().map_err(|_| AppError::not_found().into())
}

pub async fn dispatch(app: &App, route: RouteId, params: &Params, request: HttpRequest) -> HttpResponse {
    let principal = auth::authenticate(app, request.bearer_token());
    let needs_caller = !route.route().facts.anyone;
    let ctx = match principal {
        // Who is calling is settled before anything in the request is read.
        Ok(roster_app::Principal::Anonymous) if needs_caller => {
            return problem::from_app_error(&AppError::Unauthorized(ErrorCode::MissingToken));
        }
        Ok(principal) => RequestContext {
            principal,
            ip: request.client_ip.clone(),
            deadline: roster_app::Deadline::NONE,
        },
        Err(error) if needs_caller => return problem::from_app_error(&error),
        Err(_) => RequestContext::anonymous(request.client_ip.clone()),
    };
    let ctx = RequestContext {
        deadline: request
            .deadline
            .unwrap_or_else(|| roster_app::Deadline::after(app.config.request_time_budget)),
        ..ctx
    };
    match answer(app, route, params, &request, &ctx).await {
        Ok(reply) => reply.into_response(),
        Err(error) => problem::from_request_error(error),
    }
}

async fn answer(app: &App, route: RouteId, params: &Params, request: &HttpRequest, ctx: &RequestContext) -> Result<Reply, RequestError> {
    // Parsed where a route has them, so nothing unparsed reaches a use case.
    let org = || path_id::<OrgId>(params, "org");
    let member = || path_id::<MemberId>(params, "member");
    let department = || path_id::<DepartmentId>(params, "dept");
    Ok(match route {
        RouteId::CreateOrg => Reply::json(StatusCode::CREATED, &orgs::create_org(app, ctx, request.json()?).await?),
        RouteId::GetOrg => orgs::get_org(app, ctx, &org()?).await?.into(),
        RouteId::UpdateOrg => orgs::update_org(app, ctx, &org()?, request.json()?).await?.into(),
        RouteId::SetFreeze => orgs::set_freeze(app, ctx, &org()?, request.json()?).await?.into(),
        RouteId::LiftFreeze => orgs::lift_freeze(app, ctx, &org()?).await?.into(),
        RouteId::ListDepartments => departments::list_departments(app, ctx, &org()?).await?.into(),
        RouteId::CreateDepartment => Reply::json(
            StatusCode::CREATED,
            &departments::create_department(app, ctx, &org()?, request.json()?).await?,
        ),
        RouteId::RenameDepartment => departments::rename_department(app, ctx, &org()?, &department()?, request.json()?)
            .await?
            .into(),
        RouteId::DeleteDepartment => {
            departments::delete_department(app, ctx, &org()?, &department()?).await?;
            Reply::NoContent
        }
        RouteId::ListMembers => {
            let org = org()?;
            let query = MemberListQuery::read(request)?;
            members::list_members(app, ctx, &org, query.filter, query.page).await?.into()
        }
        RouteId::ExportMembers => {
            let org = org()?;
            let mut query = ExportQuery::read(request)?;
            let page = members::export_members(app, ctx, &org, query.department.clone(), query.cursor.take()).await?;
            Reply::Text {
                content_type: "text/csv; charset=utf-8",
                body: page.csv,
                filename: Some("members.csv"),
                next: page.next_cursor.map(|cursor| query.next_page_url(&org, &cursor)),
            }
        }
        RouteId::BulkEditMembers => members::bulk_edit(app, ctx, &org()?, request.json()?).await?.into(),
        RouteId::GetMember => members::get_member(app, ctx, &org()?, &member()?).await?.into(),
        RouteId::UpdateMember => members::update_member(app, ctx, &org()?, &member()?, request.json()?).await?.into(),
        RouteId::RemoveMember => members::remove_member(app, ctx, &org()?, &member()?).await?.into(),
        RouteId::ReinviteMember => members::reinvite_member(app, ctx, &org()?, &member()?).await?.into(),
        RouteId::RevokeInvitation => {
            members::revoke_invitation(app, ctx, &org()?, &member()?).await?;
            Reply::NoContent
        }
        RouteId::ApproveMember => members::approve_member(app, ctx, &org()?, &member()?).await?.into(),
        RouteId::RejectMember => members::reject_member(app, ctx, &org()?, &member()?).await?.into(),
        RouteId::Invite => Reply::json(StatusCode::CREATED, &invitations::invite(app, ctx, &org()?, request.json()?).await?),
        RouteId::PreviewInvitations => invitations::preview(app, ctx, &org()?, request.json()?).await?.into(),
        RouteId::CreateAccount => Reply::json(
            StatusCode::CREATED,
            &accounts::create_account(app, ctx, &org()?, request.json()?).await?,
        ),
        RouteId::SubmitImport => {
            let org = org()?;
            let submission = if request.is_csv() {
                imports::ImportSubmission::Csv(request.csv()?)
            } else {
                imports::ImportSubmission::Pasted(request.json()?)
            };
            Reply::json(StatusCode::ACCEPTED, &imports::submit_import(app, ctx, &org, submission).await?)
        }
        RouteId::ImportTemplate => Reply::Text {
            content_type: "text/csv; charset=utf-8",
            body: imports::download_template(app, ctx, &org()?).await?,
            filename: Some("roster-import-template.csv"),
            next: None,
        },
        RouteId::GetImport => imports::get_import(app, ctx, &org()?, &path_id(params, "import")?).await?.into(),
        RouteId::ListAudit => {
            let org = org()?;
            let query = AuditQuery::read(request)?;
            audit::list_audit(app, ctx, &org, query.member, query.page).await?.into()
        }
        RouteId::GetInviteLink => orgs::get_invite_link(app, ctx, &org()?).await?.into(),
        RouteId::RotateInviteLink => orgs::rotate_invite_link(app, ctx, &org()?).await?.into(),
        RouteId::PutSso => sso::put_sso(app, ctx, &org()?, request.json()?).await?.into(),
        RouteId::GetSso => sso::get_sso(app, ctx, &org()?).await?.into(),
        RouteId::DeleteSso => {
            sso::delete_sso(app, ctx, &org()?).await?;
            Reply::NoContent
        }
        // Not a domain name: 404 before any store call (the use case parses it first).
        RouteId::VerifySsoDomain => sso::verify_sso_domain(app, ctx, &org()?, params.get("domain")).await?.into(),
        RouteId::StartSso => {
            let query = SsoStartQuery::read(request)?;
            let started = sso::start_sso(app, ctx.ip.as_deref(), query.org.as_ref(), query.email.as_deref()).await?;
            Reply::Redirect {
                url: started.url,
                cookie: Some(sso::browser_cookie(app, &started.browser)),
                // The console's fetch reads where to go (one attempt), then navigates there.
                as_json: request.prefers_json(),
            }
        }
        RouteId::FinishSso => {
            // The browser is here: every outcome, refusals too, goes on to the console.
            let query = SsoCallbackQuery::read(request);
            let callback = sso::Callback {
                code: query.code.as_deref(),
                state: query.state.as_deref(),
                provider_error: query.error.as_deref(),
                browser: request.cookie(sso::BROWSER_COOKIE),
            };
            let outcome = sso::finish_sso(app, callback).await;
            if let Err(error) = &outcome {
                tracing::info!(code = error.code().as_str(), "single sign-on did not sign in");
            }
            Reply::Redirect {
                url: sso::SsoOutcome::console_url(app, &outcome),
                cookie: None,
                as_json: false,
            }
        }
        RouteId::CollectSsoSession => sso::collect_sso_session(app, request.cookie(sso::BROWSER_COOKIE), request.json()?)
            .await?
            .into(),
        RouteId::GetInvitation => invitations::get_invitation(app, &path_id(params, "token")?).await?.into(),
        RouteId::AcceptInvitation => invitations::accept(app, ctx, &path_id(params, "token")?, request.json()?)
            .await?
            .into(),
        RouteId::GetJoinLink => invitations::get_join_link(app, ctx, &path_id(params, "code")?).await?.into(),
        RouteId::RequestToJoin => Reply::json(
            StatusCode::ACCEPTED,
            &invitations::request_to_join(app, ctx, &path_id(params, "code")?, request.json()?).await?,
        ),
        RouteId::GetMe => me::get_me(app, ctx).await?.into(),
        RouteId::UpdateMe => me::update_me(app, ctx, request.json()?).await?.into(),
        RouteId::ConfirmEmail => me::confirm_email(app, ctx, request.json()?).await?.into(),
        RouteId::ChangePassword => me::change_password(app, ctx, request.json()?).await?.into(),
        RouteId::Login => auth::login(app, ctx.ip.as_deref(), request.json()?).await?.into(),
        RouteId::RequestSignInCode => Reply::json(
            StatusCode::ACCEPTED,
            &sign_in_codes::request_code(app, ctx.ip.as_deref(), request.json()?).await?,
        ),
        RouteId::VerifySignInCode => sign_in_codes::verify_code(app, request.json()?).await?.into(),
        RouteId::RefreshSession => auth::refresh(app, request.json()?).await?.into(),
        RouteId::Jwks => app.keys.jwks().into(),
        RouteId::OpenIdConfiguration => roster_app::usecases::auth::openid_configuration(app).into(),
        RouteId::OpenApi => Reply::Text {
            content_type: "application/json",
            body: crate::OPENAPI_JSON.to_string(),
            filename: None,
            next: None,
        },
    })
}

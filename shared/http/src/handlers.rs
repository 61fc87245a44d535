//! Answering one endpoint: settle who calls, hand the request to the endpoint, shape its reply.

use bytes::Bytes;
use http::{header, Response, StatusCode};

use roster_app::usecases::auth;
use roster_app::{App, AppError, RequestContext};
use std::str::FromStr;

use roster_domain::{DepartmentId, MemberId, OrgId};

use crate::openapi::Operation;
use crate::problem;
use crate::request::{HttpRequest, RequestError};
use crate::routes::{Params, Route};
use crate::HttpResponse;
use roster_app::views::{
    AuditEventView, BulkEditView, ConfirmedEmailView, DepartmentView, ImportView, InvitationView, InviteLinkView, JoinLinkView, MemberView,
    OpenIdConfiguration, OrgView, Page, PasswordChangedView, PreviewView, SignInView, SsoConnectionView, TokensView,
};
use roster_app::JwkSet;
use roster_domain::ErrorCode;

/// What an endpoint answers before it becomes a response.
pub enum Reply {
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
    /// A SCIM answer (`application/scim+json`), with the resource's `ETag` and, for a
    /// created one, its `Location`.
    Scim {
        status: StatusCode,
        body: serde_json::Value,
        etag: Option<String>,
        location: Option<String>,
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
    pub fn json(status: StatusCode, view: &impl serde::Serialize) -> Reply {
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
            Reply::Scim {
                status,
                body,
                etag,
                location,
            } => {
                let mut builder = builder.status(status).header(header::CONTENT_TYPE, crate::scim::CONTENT_TYPE);
                if let Some(etag) = etag {
                    builder = builder.header(header::ETAG, etag);
                }
                if let Some(location) = location {
                    builder = builder.header(header::LOCATION, location);
                }
                builder.body(Bytes::from(serde_json::to_vec(&body).expect("JSON values serialize")))
            }
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

/// One request on its way to its endpoint's use case: the caller is settled; path
/// parameters are parsed where a route has them, so nothing unparsed reaches a use case.
pub struct Call<'a> {
    pub app: &'a App,
    pub ctx: &'a RequestContext,
    pub request: &'a HttpRequest,
    pub params: &'a Params,
}

impl Call<'_> {
    /// The path parameter `name` as its id type. A malformed one names nothing that exists:
    /// 404, before any store call.
    pub fn id<T: FromStr>(&self, name: &str) -> Result<T, RequestError> {
        self.params.get(name).parse().map_err(|_| AppError::not_found().into())
    }
    pub fn org(&self) -> Result<OrgId, RequestError> {
        self.id("org")
    }
    pub fn member(&self) -> Result<MemberId, RequestError> {
        self.id("member")
    }
    pub fn department(&self) -> Result<DepartmentId, RequestError> {
        self.id("dept")
    }
}

/// One endpoint, declared once (`endpoints.rs`): its route and facts, its documentation, and
/// how it answers.
pub trait Endpoint {
    const ROUTE: Route;
    /// What the OpenAPI document says of it.
    fn operation() -> Operation;
    /// Reads the request and calls its use case.
    fn answer(call: &Call<'_>) -> impl std::future::Future<Output = Result<Reply, RequestError>> + Send;
}

/// Answers a request routed to `E`: who is calling is settled before anything in the
/// request is read.
pub async fn respond<E: Endpoint>(app: &App, params: &Params, request: HttpRequest) -> HttpResponse {
    if E::ROUTE.facts.directory {
        return crate::scim::respond::<E>(app, params, request).await;
    }
    let principal = auth::authenticate(app, request.bearer_token());
    let needs_caller = !E::ROUTE.facts.anyone;
    let ctx = match principal {
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
    match answer::<E>(app, params, &request, ctx).await {
        Ok(response) => response,
        Err(error) => problem::from_request_error(error),
    }
}

/// Calls `E` for a settled caller, within the request's deadline.
pub(crate) async fn answer<E: Endpoint>(
    app: &App,
    params: &Params,
    request: &HttpRequest,
    ctx: RequestContext,
) -> Result<HttpResponse, RequestError> {
    let ctx = RequestContext {
        deadline: request
            .deadline
            .unwrap_or_else(|| roster_app::Deadline::after(app.config.request_time_budget)),
        ..ctx
    };
    let call = Call {
        app,
        ctx: &ctx,
        request,
        params,
    };
    Ok(E::answer(&call).await?.into_response())
}

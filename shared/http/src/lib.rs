//! Roster's HTTP mapping, shared by the Lambdas and the local server: the route table,
//! authentication, JSON in and out, and `problem+json` errors. Handlers are thin: parse,
//! call one app function, map the result.

pub mod endpoints;
pub mod handlers;
pub mod openapi;
pub mod problem;
pub mod query;
pub mod request;
pub mod routes;
pub mod scim;
pub mod scim_endpoints;

pub use handlers::Endpoint;
pub use request::HttpRequest;
pub use routes::{route_template, Route, RouteId, ROUTES};

use bytes::Bytes;
use http::Response;

use roster_app::App;
use roster_domain::ErrorCode;

pub type HttpResponse = Response<Bytes>;

/// The OpenAPI 3.1 document of the whole API, as committed (`openapi::document` generates
/// it; a test keeps the two the same).
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Routes one request and answers it.
pub async fn handle(app: &App, request: HttpRequest) -> HttpResponse {
    match routes::match_route(&request.method, &request.path) {
        routes::RouteMatch::Found(route, params) => endpoints::dispatch(app, route.id, &params, request).await,
        routes::RouteMatch::MethodNotAllowed(allowed) => {
            let mut response = problem::response_at(&request.path, ErrorCode::MethodNotAllowed, "This path does not take that method.");
            let allow = allowed.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ");
            response
                .headers_mut()
                .insert(http::header::ALLOW, allow.parse().expect("methods are valid header text"));
            response
        }
        routes::RouteMatch::NotFound => problem::response_at(&request.path, ErrorCode::RouteNotFound, "No such route."),
    }
}

/// Answers one request that API Gateway already routed to `E` (one Lambda per endpoint):
/// a request for anything else is a 404. Only `E`'s use case is linked into the caller.
pub async fn handle_route<E: Endpoint>(app: &App, request: HttpRequest) -> HttpResponse {
    // Matched against the whole table (data only), so a literal route still wins over `E`'s
    // parameters (`…/members/export.csv` is not the `GetMember` function's).
    match routes::match_route(&request.method, &request.path) {
        routes::RouteMatch::Found(route, params) if route.id == E::ROUTE.id => handlers::respond::<E>(app, &params, request).await,
        _ => problem::response_at(&request.path, ErrorCode::RouteNotFound, "No such route."),
    }
}

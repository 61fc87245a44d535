//! The HTTP server: hyper on one address, every request through the shared route table,
//! plus the local-only test clock.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;

use roster_app::ports::QueueName;
use roster_app::workers::{self, sweeps};
use roster_app::Deadline;
use roster_http::request::MAX_CSV_BYTES;
use roster_http::{problem, HttpRequest};

use crate::config::LocalConfig;
use crate::services::{LocalServices, StartError};
use roster_domain::ErrorCode;

pub const TEST_CLOCK_PATH: &str = "/v1/_test/clock";

/// Starts everything and serves until the process is stopped.
pub async fn run(config: LocalConfig) -> Result<(), StartError> {
    let services = Arc::new(LocalServices::start(&config).await?);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.addr.to_string(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.addr.to_string(),
        source,
    })?;
    services.spawn_workers(Duration::from_secs(config.sweep_interval_seconds.max(1)));
    let client_timeout = Duration::from_secs(config.client_timeout_seconds);
    tracing::info!(%addr, data_dir = %config.data_dir.display(), test_clock = config.test_clock, backend = ?config.backend, "roster-local listening; operator token in {}", config.data_dir.join("operator-token").display());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => {
                tracing::info!("stopping");
                return Ok(());
            }
        };
        let services = services.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let services = services.clone();
                async move { Ok::<_, Infallible>(serve(&services, peer, request, client_timeout).await) }
            });
            // A client that stalls is cut off: its headers (also the next request's, on a
            // kept-alive connection) must arrive within the client timeout, as must its body.
            if let Err(error) = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(client_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
}

async fn serve(services: &LocalServices, peer: SocketAddr, request: Request<Incoming>, client_timeout: Duration) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match tokio::time::timeout(client_timeout, Limited::new(body, MAX_CSV_BYTES + 1).collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Err(_) => {
            let mut response = full(problem::response(ErrorCode::RequestTimeout, "The body did not arrive in time."));
            response
                .headers_mut()
                .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            return response;
        }
        Ok(Err(_)) => {
            return full(problem::response(
                ErrorCode::PayloadTooLarge,
                &format!("The body is larger than {MAX_CSV_BYTES} bytes."),
            ))
        }
    };
    let request = HttpRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        client_ip: Some(peer.ip().to_string()),
        deadline: None,
    };
    let started = std::time::Instant::now();
    let method = request.method.clone();
    // The log names the route's template, never the path itself: paths carry invitation
    // tokens and join codes.
    let (route, response) = if request.path == TEST_CLOCK_PATH && services.test_clock.is_some() {
        (TEST_CLOCK_PATH, advance_test_clock(services, &request).await)
    } else if let Some(page) = crate::console::page(&request.method, &request.path) {
        ("(console page)", page)
    } else {
        let route = roster_http::route_template(&request.method, &request.path);
        (route, roster_http::handle(&services.app, request).await)
    };
    tracing::info!(%method, route, status = response.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request");
    full(response)
}

fn full(response: Response<Bytes>) -> Response<Full<Bytes>> {
    response.map(Full::new)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceClock {
    advance_seconds: i64,
}

/// `POST /v1/_test/clock {"advance_seconds": N}`: moves the clock and runs the due sweeps.
async fn advance_test_clock(services: &LocalServices, request: &HttpRequest) -> Response<Bytes> {
    let clock = services.test_clock.as_ref().expect("checked by the caller");
    if request.method != http::Method::POST {
        return problem::response(ErrorCode::MethodNotAllowed, "POST only.");
    }
    let input: AdvanceClock = match request.json() {
        Ok(input) => input,
        Err(error) => return problem::from_request_error(error),
    };
    if !(0..=10 * 365 * 86_400).contains(&input.advance_seconds) {
        return problem::response(ErrorCode::ValidationFailed, "advance_seconds must be between 0 and ten years.");
    }
    clock.advance(input.advance_seconds);
    let app = &services.app;
    // Schedules what is due, then applies the expiry jobs, so the answer shows the result.
    let ran = match sweeps::run_all(app, Deadline::NONE).await {
        Ok(reports) => workers::drain_once(app, QueueName::Expiry).await.map(|_| reports),
        Err(error) => Err(error),
    };
    match ran {
        Ok([invitations, licenses, deliveries, directory]) => {
            let report =
                |r: sweeps::SweepReport| serde_json::json!({"examined": r.examined, "changed": r.changed, "held_back": r.held_back});
            let body = serde_json::json!({
                "now": roster_app::views::rfc3339(app.now()),
                "sweeps": {"invitation_expiry": report(invitations), "license_expiry": report(licenses), "delivery_repair": report(deliveries), "held_directory_changes": report(directory)},
            });
            Response::builder()
                .status(StatusCode::OK)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Bytes::from(body.to_string()))
                .expect("valid")
        }
        Err(error) => problem::from_app_error(&error),
    }
}

//! Roster's Lambda entry points. Each function's `main` is one call into this crate: the
//! app is built once at init from the environment, then every invocation goes through the
//! same HTTP mapping, queue handlers and sweeps as the local server.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use lambda_runtime::{service_fn, LambdaEvent};

use roster_app::functions::{self, KeyUse, Sealing, TableUse, Trigger, WorkerFacts};
pub use roster_app::ports::QueueName;
use roster_app::workers::expiry::{self, ExpiryKind};
use roster_app::workers::{self, sweeps, MessageOutcome};
use roster_app::{App, Deadline};
use roster_aws::Adapters;
use roster_http::{Endpoint, HttpRequest};
use tracing::Instrument;
use tracing_subscriber::filter::Targets;

pub type Error = lambda_runtime::Error;

/// JSON logs, as CloudWatch wants them. Tokens and links are never logged. `RUST_LOG` takes
/// `level` or `target=level,…` (a `Targets` filter: no regular expressions to link).
fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let logs = tracing_subscriber::fmt::layer().json().with_current_span(false).without_time();
    tracing_subscriber::registry().with(logs).with(filter).init();
}

/// What one function builds at init: the AWS adapters (`roster_aws::Adapters`), and whether
/// it calls identity providers or DNS. A binary links only the clients its function's
/// constants name.
pub trait Function: Adapters {
    const IDENTITY_PROVIDERS: bool = false;
    const DNS: bool = false;
}

/// An endpoint's function: what it builds follows from its route's facts.
pub struct EndpointFunction<E>(PhantomData<E>);

impl<E: Endpoint> Adapters for EndpointFunction<E> {
    const TABLE: bool = !matches!(E::ROUTE.facts.table, TableUse::None);
    const ENVIRONMENT_CREDENTIALS: bool = true;
    const QUEUE: bool = !E::ROUTE.facts.sends.is_empty();
    const SEALER: bool = !matches!(E::ROUTE.facts.sealing, Sealing::None);
    const KEYS_SECRET: bool = E::ROUTE.facts.keys.reads_keys_secret();
    const SIGNS_TOKENS: bool = matches!(E::ROUTE.facts.keys, KeyUse::SignsTokens);
    const KEYS_IN_BACKGROUND: bool = true;
}

impl<E: Endpoint> Function for EndpointFunction<E> {
    const IDENTITY_PROVIDERS: bool = E::ROUTE.facts.identity_providers;
    const DNS: bool = E::ROUTE.facts.dns;
}

/// A worker's function: its facts (`roster_app::functions`) say what it builds; a scheduled
/// one names its run.
pub trait Worker {
    const FACTS: WorkerFacts;
    const SWEEP: Option<Sweep> = None;
}

macro_rules! workers {
    ($($worker:ident = $facts:ident $(, $sweep:ident)?;)*) => {
        $(
            pub struct $worker;
            impl Worker for $worker {
                const FACTS: WorkerFacts = functions::$facts;
                $(const SWEEP: Option<Sweep> = Some(Sweep::$sweep);)?
            }
        )*
    };
}

workers! {
    EmailSender = EMAIL_SENDER;
    ImportProcessor = IMPORT_PROCESSOR;
    ExpiryWorker = EXPIRY_WORKER;
    ExpiryScheduler = EXPIRY_SCHEDULER, ExpiryScheduler;
    DeliveryRepair = DELIVERY_REPAIR, DeliveryRepair;
}

/// A worker's function: the queues, SES only for the one that mails, the keys secret only
/// for those that derive secrets.
pub struct WorkerFunction<W>(PhantomData<W>);

impl<W: Worker> Adapters for WorkerFunction<W> {
    const ENVIRONMENT_CREDENTIALS: bool = true;
    const QUEUE: bool = true;
    const MAILER: bool = W::FACTS.mails;
    const KEYS_SECRET: bool = W::FACTS.keys.reads_keys_secret();
    const SIGNS_TOKENS: bool = matches!(W::FACTS.keys, KeyUse::SignsTokens);
    const KEYS_IN_BACKGROUND: bool = true;
}

impl<W: Worker> Function for WorkerFunction<W> {}

/// The app on the AWS adapters `F` names, from the environment; a missing setting stops
/// the init with a clear error.
pub async fn app_from_env<F: Function>() -> Result<Arc<App>, Error> {
    init_tracing();
    let config = roster_aws::AwsConfig::from_env()?;
    let mut app = roster_aws::build_app_with::<F>(&config, None, None, 0, None).await?;
    if F::IDENTITY_PROVIDERS {
        // Identity providers are called over https only: on Lambda, loopback is the runtime's.
        app.identity = Arc::new(roster_oidc::OidcProviders::new(false));
    }
    if F::DNS {
        app.dns = roster_dns::HickoryDns::from_env()?;
    }
    Ok(Arc::new(app))
}

/// Called as each event arrives: the first starts reading the keys secret (in a function
/// that signs or derives), in the background while the request does its own reads. The
/// read is no part of the function's init, which then makes no network call at all.
fn start_reading_keys(app: &App) {
    roster_app::SigningKeys::prefetch(&app.keys);
}

/// The header CloudFront's viewer-request function names the viewer's IP address in.
pub const VIEWER_IP_HEADER: &str = "x-roster-viewer-ip";
/// The header CloudFront adds to every request to the API, with the origin-verify secret.
pub const ORIGIN_VERIFY_HEADER: &str = "x-roster-origin-verify";

/// `ROSTER_ORIGIN_VERIFY_SECRET`, read once: the secret CloudFront sends to the API.
fn origin_verify_secret() -> Option<&'static str> {
    static SECRET: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SECRET
        .get_or_init(|| std::env::var("ROSTER_ORIGIN_VERIFY_SECRET").ok().filter(|s| !s.is_empty()))
        .as_deref()
}

/// The client's IP address: the viewer's, as CloudFront names it, when the request carries
/// the origin-verify secret (it came through CloudFront); otherwise API Gateway's source IP
/// (a direct call, whose viewer-IP header anyone could have set).
pub fn client_ip(source_ip: Option<String>, headers: &http::HeaderMap, origin_secret: Option<&str>) -> Option<String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let through_cloudfront = match (origin_secret, text(ORIGIN_VERIFY_HEADER)) {
        (Some(secret), Some(sent)) => roster_app::secrets::constant_time_eq(secret.as_bytes(), sent.as_bytes()),
        _ => false,
    };
    let viewer = text(VIEWER_IP_HEADER).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    match viewer {
        Some(ip) if through_cloudfront => Some(ip.to_string()),
        _ => source_ip,
    }
}

/// Converts API Gateway's request to the shared HTTP request.
pub fn to_http_request(event: lambda_http::Request) -> HttpRequest {
    let source_ip = match event.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    let client_ip = client_ip(source_ip, event.headers(), origin_verify_secret());
    // The invocation's own deadline, less time to answer what was done.
    let deadline = event
        .lambda_context_ref()
        .map(|context| Deadline::from_epoch_millis(context.deadline, REQUEST_DEADLINE_MARGIN));
    let (parts, body) = event.into_parts();
    let body = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    HttpRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        client_ip,
        deadline,
    }
}

/// How long before an API function's timeout its long work stops, to answer in time.
const REQUEST_DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_millis(2_000);

/// Answers one API Gateway HTTP API (v2) request routed to `E`.
pub async fn handle_http<E: Endpoint>(app: &App, event: lambda_http::Request) -> lambda_http::Response<Body> {
    let response = roster_http::handle_route::<E>(app, to_http_request(event)).await;
    response.map(|bytes| match String::from_utf8(bytes.to_vec()) {
        Ok(text) if text.is_empty() => Body::Empty,
        Ok(text) => Body::Text(text),
        Err(error) => Body::Binary(error.into_bytes()),
    })
}

/// `main` of an endpoint's function: `run_endpoint::<roster_http::endpoints::GetMe>()`.
/// Dispatch is settled at compile time, so the binary holds that endpoint's use case and
/// the adapters its facts name, nothing of the others.
pub async fn run_endpoint<E: Endpoint>() -> Result<(), Error> {
    let app = app_from_env::<EndpointFunction<E>>().await?;
    lambda_http::run(lambda_http::service_fn(move |event: lambda_http::Request| {
        let app = app.clone();
        start_reading_keys(&app);
        async move { Ok::<_, Infallible>(handle_http::<E>(&app, event).await) }
    }))
    .await
}

/// Handles a batch of SQS messages; the ones that failed are reported so only they are
/// delivered again (partial batch failure), and after bounded receives go to the DLQ.
/// Long work stops before `deadline` and continues in a new message.
pub async fn handle_sqs(app: &App, queue: QueueName, event: SqsEvent, deadline: Deadline) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    // Records without a body have nothing to do.
    let records: Vec<_> = event.records.iter().filter(|r| r.body.is_some()).collect();
    let bodies: Vec<&str> = records.iter().filter_map(|r| r.body.as_deref()).collect();
    let span = tracing::info_span!("messages", queue = queue.as_str(), count = bodies.len());
    let outcomes = workers::handle_messages(app, queue, &bodies, deadline).instrument(span).await;
    for (record, outcome) in records.into_iter().zip(outcomes) {
        if let MessageOutcome::Retry(reason) = outcome {
            let message_id = record.message_id.clone().unwrap_or_default();
            tracing::warn!(%reason, message_id = %message_id, "message failed; reported for redelivery");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// `main` of a worker's function: `run_worker::<roster_lambda::EmailSender>()`.
pub async fn run_worker<W: Worker>() -> Result<(), Error> {
    let app = app_from_env::<WorkerFunction<W>>().await?;
    match (W::FACTS.trigger, W::SWEEP) {
        (Trigger::Queue { queue, .. }, _) => serve_queue(app, queue).await,
        (Trigger::Schedule(_), Some(sweep)) => serve_schedule(app, sweep).await,
        (Trigger::Schedule(_), None) => Err(Error::from(format!("the scheduled worker {} names no run", W::FACTS.name))),
    }
}

/// Serves a queue consumer's SQS events.
async fn serve_queue(app: Arc<App>, queue: QueueName) -> Result<(), Error> {
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let app = app.clone();
        start_reading_keys(&app);
        async move {
            let deadline = Deadline::from_epoch_millis(event.context.deadline, DEADLINE_MARGIN);
            Ok::<_, Infallible>(handle_sqs(&app, queue, event.payload, deadline).await)
        }
    }))
    .await
}

/// The scheduled runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Sends expiry jobs for invitations and licenses that are due.
    ExpiryScheduler,
    DeliveryRepair,
}

/// How long before its function's deadline a run stops starting new steps.
const DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);

fn report_json(report: &sweeps::SweepReport) -> serde_json::Value {
    serde_json::json!({"examined": report.examined, "changed": report.changed, "held_back": report.held_back, "handed_on": report.handed_on})
}

/// Runs one scheduled run for a schedule's event, stopping before `deadline`; the report
/// is the function's result.
pub async fn handle_schedule(app: &App, sweep: Sweep, deadline: Deadline) -> Result<serde_json::Value, Error> {
    let result = match sweep {
        Sweep::ExpiryScheduler => {
            let mut reports = serde_json::Map::new();
            for kind in ExpiryKind::ALL {
                let report = expiry::schedule(app, kind, deadline)
                    .await
                    .map_err(|e| Error::from(e.to_string()))?;
                reports.insert(kind.as_str().to_string(), report_json(&report));
            }
            let held = expiry::schedule_held_directory_changes(app, deadline)
                .await
                .map_err(|e| Error::from(e.to_string()))?;
            reports.insert("held_directory_changes".into(), report_json(&held));
            serde_json::Value::Object(reports)
        }
        Sweep::DeliveryRepair => report_json(
            &sweeps::repair_deliveries(app, deadline)
                .await
                .map_err(|e| Error::from(e.to_string()))?,
        ),
    };
    tracing::info!(?sweep, report = %result, "scheduled run done");
    Ok(result)
}

/// Handles one EventBridge schedule event: the run stops before the invocation's deadline.
pub async fn handle_scheduled_event(app: &App, sweep: Sweep, event: LambdaEvent<EventBridgeEvent>) -> Result<serde_json::Value, Error> {
    let deadline = Deadline::from_epoch_millis(event.context.deadline, DEADLINE_MARGIN);
    handle_schedule(app, sweep, deadline).await
}

/// Serves a scheduled run's EventBridge events.
async fn serve_schedule(app: Arc<App>, sweep: Sweep) -> Result<(), Error> {
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let app = app.clone();
        start_reading_keys(&app);
        async move { handle_scheduled_event(&app, sweep, event).await }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_http::endpoints;

    #[test]
    fn a_function_builds_the_adapters_its_facts_name_and_no_other() {
        // Reads with the public key only: the table, nothing else.
        type Jwks = EndpointFunction<endpoints::Jwks>;
        assert!(!Jwks::QUEUE && !Jwks::MAILER && !Jwks::SEALER && !Jwks::KEYS_SECRET);
        assert!(!Jwks::IDENTITY_PROVIDERS && !Jwks::DNS);
        // Derives an invitation link and queues its email.
        type Invite = EndpointFunction<endpoints::Invite>;
        assert!(Invite::QUEUE && Invite::KEYS_SECRET && !Invite::MAILER && !Invite::SEALER);
        // It only derives; the functions that sign tokens parse the signing key. Every
        // Lambda reads the keys secret in the background.
        assert!(!Invite::SIGNS_TOKENS && Invite::KEYS_IN_BACKGROUND);
        assert!(EndpointFunction::<endpoints::Login>::SIGNS_TOKENS && EndpointFunction::<endpoints::RefreshSession>::SIGNS_TOKENS);
        assert!(!WorkerFunction::<EmailSender>::SIGNS_TOKENS && WorkerFunction::<EmailSender>::KEYS_IN_BACKGROUND);
        // Opens the client secret and calls the provider; seals it when saved.
        type FinishSso = EndpointFunction<endpoints::FinishSso>;
        assert!(FinishSso::SEALER && FinishSso::IDENTITY_PROVIDERS && !FinishSso::DNS && !FinishSso::QUEUE);
        assert!(EndpointFunction::<endpoints::PutSso>::SEALER);
        assert!(EndpointFunction::<endpoints::VerifySsoDomain>::DNS);
        assert!(EndpointFunction::<endpoints::Login>::KEYS_SECRET);
        // Only the email sender sends email.
        assert!(WorkerFunction::<EmailSender>::MAILER && WorkerFunction::<EmailSender>::KEYS_SECRET);
        assert!(!WorkerFunction::<ImportProcessor>::MAILER && WorkerFunction::<ImportProcessor>::QUEUE);
        assert!(!WorkerFunction::<DeliveryRepair>::MAILER && !WorkerFunction::<DeliveryRepair>::KEYS_SECRET);
        assert!(Jwks::ENVIRONMENT_CREDENTIALS && WorkerFunction::<ExpiryWorker>::ENVIRONMENT_CREDENTIALS);
        assert_eq!(ExpiryScheduler::SWEEP, Some(Sweep::ExpiryScheduler));
        assert_eq!(EmailSender::SWEEP, None);
    }

    fn headers(pairs: &[(&'static str, &str)]) -> http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn the_viewer_ip_counts_only_beside_the_origin_verify_secret() {
        let source = || Some("130.176.0.1".to_string());
        let secret = Some("s3cret-of-32-characters-or-more-.");
        let through_cloudfront = headers(&[
            (VIEWER_IP_HEADER, "203.0.113.7"),
            (ORIGIN_VERIFY_HEADER, "s3cret-of-32-characters-or-more-."),
        ]);
        assert_eq!(client_ip(source(), &through_cloudfront, secret).as_deref(), Some("203.0.113.7"));
        let forged = headers(&[(VIEWER_IP_HEADER, "203.0.113.7"), (ORIGIN_VERIFY_HEADER, "a guess")]);
        assert_eq!(client_ip(source(), &forged, secret), source(), "a wrong secret");
        let direct = headers(&[(VIEWER_IP_HEADER, "203.0.113.7")]);
        assert_eq!(client_ip(source(), &direct, secret), source(), "a direct call");
        assert_eq!(client_ip(source(), &through_cloudfront, None), source(), "no secret configured");
        let not_an_ip = headers(&[
            (VIEWER_IP_HEADER, "me"),
            (ORIGIN_VERIFY_HEADER, "s3cret-of-32-characters-or-more-."),
        ]);
        assert_eq!(client_ip(source(), &not_an_ip, secret), source());
    }
}

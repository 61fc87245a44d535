//! The Lambda handlers fed real API Gateway HTTP API (v2), SQS and EventBridge event JSON.

use std::sync::atomic::Ordering;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::json;

use roster_app::ports::QueueName;
use roster_http::{endpoints, RouteId};
use roster_tests::TestApp;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The SQS event fixture with `body` as its first record's message.
fn sqs_event(body: &str) -> SqsEvent {
    serde_json::from_str(&fixture("sqs-email.json").replace("__BODY__", &body.replace('"', "\\\""))).unwrap()
}

#[tokio::test]
async fn an_api_gateway_v2_event_reaches_its_endpoint() {
    let t = TestApp::new();
    let org = t.create_org("Lambda", "free").await;
    let event = fixture("apigw-v2-invite.json")
        .replace("__ORG__", &org.org_id)
        .replace("__TOKEN__", &org.admin_token)
        .replace("__MEMBER__", &org.admin_id);
    let request = lambda_http::request::from_str(&event).expect("a valid API Gateway v2 event");
    let response = roster_lambda::handle_http::<endpoints::Invite>(&t.route_app(Some(RouteId::Invite.route())), request).await;
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = match response.body() {
        lambda_http::Body::Text(text) => serde_json::from_str(text).unwrap(),
        other => panic!("unexpected body {other:?}"),
    };
    assert_eq!(body["email"], "from-lambda@lambda.test");
    // The source IP from the request context lands in the audit trail.
    let trail = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/audit?member={}", org.org_id, body["id"].as_str().unwrap()),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(trail.body["items"][0]["ip"], "198.51.100.7");
    // Routed to another function, the same event is a 404: one Lambda, one endpoint.
    let request = lambda_http::request::from_str(&event).unwrap();
    assert_eq!(
        roster_lambda::handle_http::<endpoints::RemoveMember>(&t.route_app(Some(RouteId::RemoveMember.route())), request)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_sqs_batch_reports_only_the_failed_messages() {
    let t = TestApp::new();
    let org = t.create_org("Lambda Sqs", "free").await;
    t.invite(&org, &org.admin_token, json!({"email": "batch@lambda.test", "role": "member"}))
        .await;
    let message = t.app.queue.receive(QueueName::Email, 1).await.unwrap().remove(0);
    let event = sqs_event(&message.body);
    // The mailer fails once: the first record is reported for redelivery; the malformed
    // second one can never succeed and is dropped (logged), not retried forever.
    t.mailer.fail_next.store(1, Ordering::SeqCst);
    let response = roster_lambda::handle_sqs(
        &t.worker_app("email-sender"),
        QueueName::Email,
        event.clone(),
        roster_app::Deadline::NONE,
    )
    .await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["059f36b4-87a3-44ab-83d2-661975830a7d"]);
    assert!(t.emails_to("batch@lambda.test").is_empty());
    let response = roster_lambda::handle_sqs(&t.worker_app("email-sender"), QueueName::Email, event, roster_app::Deadline::NONE).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(t.emails_to("batch@lambda.test").len(), 1);
    let wire = serde_json::to_value(&response).unwrap();
    assert_eq!(wire, json!({"batchItemFailures": []}), "the shape Lambda's SQS integration reads");
}

#[tokio::test]
async fn a_scheduled_event_schedules_expiry_jobs_that_the_expiry_queue_applies() {
    let t = TestApp::new();
    let org = t.create_org("Lambda Cron", "free").await;
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "cron@lambda.test", "role": "member"}))
        .await;
    t.drain().await;
    t.clock.advance(8 * 86_400);
    let payload: EventBridgeEvent = serde_json::from_str(&fixture("eventbridge-scheduled.json")).expect("a valid scheduled event");
    let mut context = lambda_runtime::Context::default();
    let in_a_minute = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap() + std::time::Duration::from_secs(60);
    context.deadline = in_a_minute.as_millis() as u64;
    let event = lambda_runtime::LambdaEvent::new(payload, context);
    let report = roster_lambda::handle_scheduled_event(&t.worker_app("expiry-scheduler"), roster_lambda::Sweep::ExpiryScheduler, event)
        .await
        .unwrap();
    assert_eq!(
        report["invitation"],
        json!({"examined": 1, "changed": 1, "held_back": 0, "handed_on": false})
    );
    // The job is on the expiry queue; its worker's SQS batch applies it.
    let messages = t.app.queue.receive(QueueName::Expiry, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    let response = roster_lambda::handle_sqs(
        &t.worker_app("expiry-worker"),
        QueueName::Expiry,
        sqs_event(&messages[0].body),
        roster_app::Deadline::NONE,
    )
    .await;
    assert!(response.batch_item_failures.is_empty());
    let member = t
        .app
        .find_member(&org.org_id, invited.body["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.status, roster_domain::MembershipStatus::Expired);
    // A deadline already passed hands everything on: nothing is read.
    let mut late = lambda_runtime::Context::default();
    late.deadline = 1;
    let payload: EventBridgeEvent = serde_json::from_str(&fixture("eventbridge-scheduled.json")).unwrap();
    let report = roster_lambda::handle_scheduled_event(
        &t.app,
        roster_lambda::Sweep::ExpiryScheduler,
        lambda_runtime::LambdaEvent::new(payload, late),
    )
    .await
    .unwrap();
    assert_eq!(report["license"]["handed_on"], true);
}

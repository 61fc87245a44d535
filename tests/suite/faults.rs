//! Issue 22, point 7: a store that fails in the middle of an operation leaves no partial
//! state. Each operation runs once with its k-th transaction failing, for every k it makes,
//! then once more without faults: the members and what points at them stay consistent
//! after every attempt, and the work is done exactly once in the end.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde_json::json;

use roster_tests::{FaultyStore, OrgFixture, TestApp};

fn faulty(t: TestApp) -> (TestApp, Arc<AtomicI64>) {
    let let_through = Arc::new(AtomicI64::new(-1));
    let armed = let_through.clone();
    let t = t.wrap_store(move |inner| Arc::new(FaultyStore { inner, let_through: armed }));
    (t, let_through)
}

async fn member_count(t: &TestApp, org: &OrgFixture) -> usize {
    t.app
        .query_all(roster_app::ports::Query::table(
            roster_app::table::org_pk(&org.org_id),
            roster_app::ports::SkCondition::BeginsWith(roster_app::table::MEMBER_PREFIX.into()),
        ))
        .await
        .unwrap()
        .len()
}

async fn a_failed_write_leaves_no_half_done_change(t: TestApp) {
    let (t, fault) = faulty(t);
    let org = t.create_org("Faults", "paid").await;
    t.drain().await;

    // An invitation (one transaction): refused whole, then done once.
    fault.store(0, Ordering::SeqCst);
    let refused = t
        .invite(&org, &org.admin_token, json!({"email": "ann@faults.test", "role": "member"}))
        .await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    t.assert_members_consistent(&org).await;
    assert_eq!(member_count(&t, &org).await, 1, "only the admin");
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "ann@faults.test", "role": "member"}))
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    t.drain().await;
    assert_eq!(t.emails_to("ann@faults.test").len(), 1, "one email");

    // Imports: the worker's k-th transaction fails (its message is handed out again and the
    // run goes on from the checkpoint), for a k at the start, in the middle and near the
    // end; every row ends up invited once. Under DynamoDB's 100 writes a transaction holds
    // 22 rows (100 rows: 5 transactions); SQLite's hold a chunk of 100 (300 rows: 4).
    let (rows_each, faults) = match t.app.store.transaction_limit() {
        limit if limit >= 1_000 => (300, [0, 1, 3]),
        _ => (100, [0, 2, 4]),
    };
    for (n, let_through) in faults.into_iter().enumerate() {
        let rows: String = (0..rows_each)
            .map(|i| format!("imp{n}x{i}@faults.test,Ann,Row{i},,,,member\n"))
            .collect();
        let submitted = t
            .submit_import_csv(&org, format!("email,first_name,last_name,phone,department,position,role\n{rows}"))
            .await;
        fault.store(let_through, Ordering::SeqCst);
        let _ = roster_app::workers::drain_once(&t.app, roster_app::ports::QueueName::Import).await;
        assert_eq!(fault.load(Ordering::SeqCst), -1, "the fault was met");
        t.assert_members_consistent(&org).await;
        t.drain().await;
        let job = t.import_status(&org, &submitted).await;
        assert_eq!(job.body["status"], "completed", "{}", job.text);
        assert_eq!(job.body["invited"], rows_each, "{}", job.text);
        assert_eq!(member_count(&t, &org).await, 2 + rows_each * (n + 1));
        t.assert_members_consistent(&org).await;
        for i in [0, rows_each / 2, rows_each - 1] {
            assert_eq!(t.emails_to(&format!("imp{n}x{i}@faults.test")).len(), 1, "imp{n}x{i}");
        }
    }

    // Accepting an invitation: refused whole, then done once.
    let token = roster_tests::link_token(&t.emails_to("ann@faults.test")[0].text_body);
    let acceptance = json!({"first_name": "Ann", "last_name": "Faults", "phone": "+1 555 010 0101", "password": "correct horse battery", "eula_accepted": true});
    fault.store(0, Ordering::SeqCst);
    let refused = t
        .call("POST", &format!("/v1/invitations/{token}/accept"), None, Some(acceptance.clone()))
        .await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    t.assert_members_consistent(&org).await;
    let accepted = t
        .call("POST", &format!("/v1/invitations/{token}/accept"), None, Some(acceptance))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    t.assert_members_consistent(&org).await;
}

/// The email provider throttling in the middle of a batch: the emails it refused wait for
/// the message's next delivery, none is lost and none is sent twice.
async fn a_throttled_mailer_delays_emails_and_loses_none(t: TestApp) {
    let org = t.create_org("Throttle", "paid").await;
    t.drain().await;
    for i in 0..6 {
        let invited = t
            .invite(
                &org,
                &org.admin_token,
                json!({"email": format!("t{i}@throttle.test"), "role": "member"}),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.text);
    }
    t.mailer.send_delay_ms.store(0, Ordering::SeqCst);
    let messages = t.app.queue.receive(roster_app::ports::QueueName::Email, 10).await.unwrap();
    assert_eq!(messages.len(), 6);
    let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    let sender = t.worker_app("email-sender");
    let first = roster_app::workers::handle_messages(
        &sender,
        roster_app::ports::QueueName::Email,
        &bodies[..1],
        roster_app::Deadline::NONE,
    )
    .await;
    assert_eq!(first, vec![roster_app::workers::MessageOutcome::Done]);
    // The provider throttles the next send: the batch stops there, and the throttled
    // email and those after it wait for their messages' next delivery.
    t.mailer.fail_next.store(1, Ordering::SeqCst);
    let rest = roster_app::workers::handle_messages(
        &sender,
        roster_app::ports::QueueName::Email,
        &bodies[1..],
        roster_app::Deadline::NONE,
    )
    .await;
    let retried = rest
        .iter()
        .filter(|o| matches!(o, roster_app::workers::MessageOutcome::Retry(_)))
        .count();
    assert_eq!(retried, 5, "{rest:?}");
    // Out of time before a send: nothing is sent, everything waits.
    let late = roster_app::workers::handle_messages(
        &sender,
        roster_app::ports::QueueName::Email,
        &bodies[1..],
        roster_app::Deadline::after(std::time::Duration::ZERO),
    )
    .await;
    assert!(
        late.iter().all(|o| matches!(o, roster_app::workers::MessageOutcome::Retry(_))),
        "{late:?}"
    );
    assert_eq!(t.emails_to("t0@throttle.test").len(), 1);
    for i in 1..6 {
        assert!(t.emails_to(&format!("t{i}@throttle.test")).is_empty(), "t{i} waits");
    }
    // The refused ones are delivered again (the queue hands their messages out again).
    t.drain().await;
    for i in 0..6 {
        assert_eq!(t.emails_to(&format!("t{i}@throttle.test")).len(), 1, "t{i}");
    }
}

on_every_backend!(
    a_failed_write_leaves_no_half_done_change,
    a_throttled_mailer_delays_emails_and_loses_none
);

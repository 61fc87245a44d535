//! SPEC §4: idempotent email sending, delivery repair, sweeps that cost what is due,
//! dead-letter after bounded retries.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use roster_app::ports::QueueName;
use roster_app::workers::MessageOutcome;
use roster_tests::TestApp;

async fn a_lost_queue_send_never_loses_an_invitation(t: TestApp) {
    let org = t.create_org("Repair", "free").await;
    t.queue.drop_sends.store(true, Ordering::SeqCst);
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "lost@repair.test", "role": "member"}))
        .await;
    assert_eq!(invited.status, 201, "the invitation is committed even though the queue send failed");
    t.queue.drop_sends.store(false, Ordering::SeqCst);
    t.drain().await;
    assert!(t.emails_to("lost@repair.test").is_empty());
    let [_, _, early, _] = t.advance(60).await;
    assert_eq!(early.changed, 0, "within the grace period nothing is resent");
    let [_, _, repaired, _] = t.advance(10 * 60).await;
    assert_eq!(repaired.changed, 1);
    assert_eq!(t.emails_to("lost@repair.test").len(), 1);
    let [_, _, after, _] = t.advance(20 * 60).await;
    assert_eq!(after.examined, 0, "a sent email leaves the due index");
}

async fn a_redelivered_email_message_sends_once(t: TestApp) {
    let org = t.create_org("Once", "free").await;
    t.invite(&org, &org.admin_token, json!({"email": "once@once.test", "role": "member"}))
        .await;
    let messages = t.app.queue.receive(QueueName::Email, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    for _ in 0..3 {
        roster_app::workers::email_sender::handle(&t.worker_app("email-sender"), &messages[0].body)
            .await
            .unwrap();
    }
    assert_eq!(t.emails_to("once@once.test").len(), 1);
}

async fn two_concurrent_deliveries_of_one_email_message_send_it_once(t: TestApp) {
    let org = t.create_org("Twice", "free").await;
    t.invite(&org, &org.admin_token, json!({"email": "twice@twice.test", "role": "member"}))
        .await;
    let messages = t.app.queue.receive(QueueName::Email, 10).await.unwrap();
    assert_eq!(messages.len(), 1);
    // A slow send: the second delivery arrives while the first is still calling the mailer.
    t.mailer.send_delay_ms.store(300, Ordering::SeqCst);
    let body = &messages[0].body;
    let sender = t.worker_app("email-sender");
    let (first, second) = tokio::join!(
        roster_app::workers::handle_message(&sender, QueueName::Email, body, roster_app::Deadline::NONE),
        roster_app::workers::handle_message(&sender, QueueName::Email, body, roster_app::Deadline::NONE)
    );
    assert_eq!((&first, &second), (&MessageOutcome::Done, &MessageOutcome::Done));
    assert_eq!(t.emails_to("twice@twice.test").len(), 1);
    // Once the first has finished, the entry is sent: later deliveries and delivery repair
    // (after its claim would have lapsed) send nothing either.
    t.mailer.send_delay_ms.store(0, Ordering::SeqCst);
    roster_app::workers::email_sender::handle(&t.worker_app("email-sender"), body)
        .await
        .unwrap();
    t.advance(30 * 60).await;
    assert_eq!(t.emails_to("twice@twice.test").len(), 1);
}

/// Messages received together are sent as a batch: each email once, a message repeated in
/// the batch or one whose email another delivery is sending done without a second send,
/// a malformed one dropped, and two batches with the same messages at once send each once.
async fn a_batch_of_email_messages_sends_each_once(t: TestApp) {
    let org = t.create_org("Batch", "free").await;
    for i in 0..4 {
        t.invite(
            &org,
            &org.admin_token,
            json!({"email": format!("b{i}@batch.test"), "role": "member"}),
        )
        .await;
    }
    let messages = t.app.queue.receive(QueueName::Email, 10).await.unwrap();
    assert_eq!(messages.len(), 4);
    let mut bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
    bodies.push(bodies[0]);
    bodies.push("{not json");
    // One of them is being sent by another delivery (its claim is live).
    roster_app::workers::email_sender::handle(&t.worker_app("email-sender"), bodies[3])
        .await
        .unwrap();
    let sender = t.worker_app("email-sender");
    t.mailer.send_delay_ms.store(50, Ordering::SeqCst);
    let (first, second) = tokio::join!(
        roster_app::workers::handle_messages(&sender, QueueName::Email, &bodies, roster_app::Deadline::NONE),
        roster_app::workers::handle_messages(&sender, QueueName::Email, &bodies, roster_app::Deadline::NONE)
    );
    for outcomes in [&first, &second] {
        assert_eq!(outcomes.len(), bodies.len());
        assert!(outcomes.iter().all(|o| *o == MessageOutcome::Done), "{outcomes:?}");
    }
    for i in 0..4 {
        assert_eq!(t.emails_to(&format!("b{i}@batch.test")).len(), 1, "b{i}");
    }
    // Nothing is left due: delivery repair finds every entry sent.
    t.mailer.send_delay_ms.store(0, Ordering::SeqCst);
    t.advance(30 * 60).await;
    for i in 0..4 {
        assert_eq!(t.emails_to(&format!("b{i}@batch.test")).len(), 1, "b{i}");
    }
}

async fn a_failing_mailer_is_retried_then_dead_lettered(t: TestApp) {
    let org = t.create_org("Dlq", "free").await;
    t.mailer.fail_next.store(2, Ordering::SeqCst);
    t.invite(&org, &org.admin_token, json!({"email": "retry@dlq.test", "role": "member"}))
        .await;
    t.drain().await;
    assert_eq!(t.emails_to("retry@dlq.test").len(), 1, "sent on the third receive");
    t.mailer.fail_next.store(100, Ordering::SeqCst);
    t.invite(&org, &org.admin_token, json!({"email": "never@dlq.test", "role": "member"}))
        .await;
    t.drain().await;
    assert_eq!(
        t.app.queue.dead_letter_count(QueueName::Email).await.unwrap(),
        1,
        "after 5 receives"
    );
}

async fn a_superseded_invitation_email_is_not_sent(t: TestApp) {
    let org = t.create_org("Superseded", "free").await;
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "twice@sup.test", "role": "member"}))
        .await;
    t.call(
        "POST",
        &format!("/v1/orgs/{}/members/{}/reinvite", org.org_id, invited.body["id"].as_str().unwrap()),
        Some(&org.admin_token),
        None,
    )
    .await;
    t.drain().await;
    let emails = t.emails_to("twice@sup.test");
    assert_eq!(emails.len(), 1, "only the newest link goes out");
    assert_eq!(t.accept(&roster_tests::link_token(&emails[0].text_body), "Twice").await.status, 200);
}

async fn sweeps_cost_what_is_due_not_the_table(t: TestApp) {
    let org = t.create_org("Sweep Cost", "paid").await;
    let emails: Vec<String> = (0..60).map(|i| format!("s{i}@cost.test")).collect();
    t.call(
        "POST",
        &format!("/v1/orgs/{}/imports", org.org_id),
        Some(&org.admin_token),
        Some(json!({"emails": emails.join(" "), "role": "member"})),
    )
    .await;
    t.drain().await;
    let [invitations, licenses, deliveries, _] = t.advance(3600).await;
    assert_eq!(
        (invitations.examined, licenses.examined, deliveries.examined),
        (0, 0, 0),
        "nothing is due: nothing is read"
    );
    let [invitations, _, _, _] = t.advance(7 * 86_400).await;
    assert_eq!((invitations.examined, invitations.changed), (60, 60));
    let [again, _, _, _] = t.advance(3600).await;
    assert_eq!(again.examined, 0);
}

on_every_backend!(
    a_lost_queue_send_never_loses_an_invitation,
    a_batch_of_email_messages_sends_each_once,
    a_redelivered_email_message_sends_once,
    two_concurrent_deliveries_of_one_email_message_send_it_once,
    a_failing_mailer_is_retried_then_dead_lettered,
    a_superseded_invitation_email_is_not_sent,
    sweeps_cost_what_is_due_not_the_table
);

/// Delivery repair takes the whole backlog in one run (SPEC §4), past any one page of the
/// due index, and a run out of time stops and says so (the next run takes the rest).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delivery_repair_takes_the_whole_backlog() {
    use roster_app::records::{DeliveryStatus, EmailKind, OutboxEntry};
    use roster_app::table::{self, DueKind};

    let t = TestApp::new();
    let now = t.app.now();
    let entries: Vec<roster_app::ports::Item> = (0..2_300)
        .map(|i| {
            let entry = OutboxEntry {
                id: format!("m{i}-invitation-1"),
                org_id: Some("o-backlog".into()),
                member_id: Some(format!("m{i}")),
                kind: EmailKind::Invitation,
                secret_version: 1,
                status: DeliveryStatus::Pending,
                created_at: now,
                attempts: 0,
                message_id: None,
                claimed_until: None,
                to: None,
                challenge: None,
            };
            let (pk, sk) = (table::org_pk("o-backlog"), table::outbox_sk(&entry.id));
            let mut item = table::encode(pk.clone(), sk.clone(), 1, &entry);
            item.gsi3 = Some(table::due_entry(DueKind::Delivery, now, &pk, &sk));
            item
        })
        .collect();
    for chunk in entries.chunks(100) {
        let writes = chunk
            .iter()
            .map(|item| roster_app::ports::Write::Put {
                item: item.clone(),
                condition: roster_app::ports::Condition::NotExists,
            })
            .collect();
        t.app.store.transact(writes).await.unwrap();
    }
    t.clock.advance(60);
    let repair = t.worker_app("delivery-repair");
    let out_of_time = roster_app::workers::sweeps::repair_deliveries(&repair, roster_app::Deadline::after(Duration::ZERO))
        .await
        .unwrap();
    assert_eq!((out_of_time.examined, out_of_time.handed_on), (0, true));
    let report = roster_app::workers::sweeps::repair_deliveries(&repair, roster_app::Deadline::NONE)
        .await
        .unwrap();
    assert_eq!((report.examined, report.changed, report.handed_on), (2_300, 2_300, false));
    t.assert_within_grants();
}

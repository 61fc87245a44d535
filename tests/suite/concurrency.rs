//! Concurrent requests never duplicate or lose a record.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use roster_tests::stores::JitterStore;
use roster_tests::TestApp;

async fn fifty_simultaneous_invites_of_one_email_make_one_account(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Race", "free").await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (t, org) = (t.clone(), org.clone());
        tasks.push(tokio::spawn(async move {
            t.invite(&org, &org.admin_token, json!({"email": "same@race.test", "role": "member"}))
                .await
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        if answer.status == 409 {
            assert_eq!(answer.code(), "already_invited");
        }
        statuses.push(answer.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "{statuses:?}");
    let members = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=unlicensed", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(members.body["items"].as_array().unwrap().len(), 1);
    t.drain().await;
    assert_eq!(t.emails_to("same@race.test").len(), 1);
}

async fn accept_racing_remove_ends_consistent(t: TestApp) {
    let t = Arc::new(t);
    for round in 0..5 {
        let org = t.create_org(&format!("Accept Race {round}"), "free").await;
        let (member_id, _) = t.add_member(&org, &format!("old{round}@race.test"), "member", None).await;
        t.remove_member(&org, &member_id).await;
        t.call(
            "POST",
            &format!("/v1/orgs/{}/members/{member_id}/reinvite", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
        t.drain().await;
        let token = t.last_invitation_token(&format!("old{round}@race.test"));
        let accept = {
            let t = t.clone();
            tokio::spawn(async move { t.accept(&token, "Racer").await })
        };
        let revoke = {
            let (t, org, id) = (t.clone(), org.clone(), member_id.clone());
            tokio::spawn(async move {
                t.call(
                    "DELETE",
                    &format!("/v1/orgs/{}/members/{id}/invitation", org.org_id),
                    Some(&org.admin_token),
                    None,
                )
                .await
            })
        };
        let remove = {
            let (t, org, id) = (t.clone(), org.clone(), member_id.clone());
            tokio::spawn(async move { t.remove_member(&org, &id).await })
        };
        let (accept, revoke, remove) = (accept.await.unwrap(), revoke.await.unwrap(), remove.await.unwrap());
        let member = t.member(&org, &member_id).await;
        let trail = t.audit_of(&org, &member_id).await;
        let last = trail.last().unwrap();
        // The audit trail ends in the member's current state, and every event chains.
        assert_eq!(last.2, member["status"], "round {round}: {trail:?}");
        for pair in trail.windows(2) {
            assert_eq!(pair[0].2, pair[1].1, "round {round}: broken chain {trail:?}");
        }
        let successes = [accept.status == 200, revoke.status == 204, remove.status == 200];
        assert_eq!(
            trail.len(),
            4 + successes.iter().filter(|s| **s).count(),
            "round {round}: one event per success {trail:?}"
        );
        let seats = t
            .call("GET", &format!("/v1/orgs/{}", org.org_id), Some(&org.admin_token), None)
            .await;
        let licensed = t
            .call(
                "GET",
                &format!("/v1/orgs/{}/members?tab=licensed", org.org_id),
                Some(&org.admin_token),
                None,
            )
            .await;
        assert_eq!(
            seats.body["seats_used"].as_u64().unwrap() as usize,
            licensed.body["items"].as_array().unwrap().len(),
            "round {round}: seat counter in step"
        );
    }
}

/// Fifty wrong passwords at once for one email: the limit of five holds under the burst
/// (each attempt takes its slot atomically before its password is checked), every answer
/// is 401 or 429 (never 409), and no failure is lost: the right password then waits too.
async fn fifty_simultaneous_wrong_passwords_check_at_most_five(t: TestApp) {
    let t = Arc::new(t);
    t.create_org("Burst", "free").await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move { t.login("admin@burst.test", "not the password").await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        answers.push((answer.status, answer.code().to_string()));
    }
    let checked = answers.iter().filter(|(status, _)| *status == 401).count();
    assert_eq!(checked, 5, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|a| *a == (401, "invalid_credentials".into()) || *a == (429, "rate_limited".into())),
        "{answers:?}"
    );
    assert_eq!(t.login("admin@burst.test", roster_tests::PASSWORD).await.status, 429);
}

/// An org always keeps an org admin who can sign in for good: two org admins demoting each
/// other at the same moment leave one (the counter both changes write is version-checked),
/// and the last one can't set its own license end. An org from before the counter is
/// counted from its Licensed tab.
async fn an_org_always_keeps_an_org_admin(t: TestApp) {
    // Store calls take a few milliseconds: the two demotions' reads and writes interleave.
    let t = Arc::new(t.wrap_store(|store| Arc::new(JitterStore::new(store, Duration::from_millis(5)))));
    for round in 0..4 {
        let org = t.create_org(&format!("Keep Admin {round}"), "paid").await;
        let (second, second_token) = t.add_member(&org, &format!("second{round}@keep.test"), "org_admin", None).await;
        let demote = |member: String, token: String| {
            let (t, org) = (t.clone(), org.clone());
            tokio::spawn(async move {
                t.call(
                    "PATCH",
                    &format!("/v1/orgs/{}/members/{member}", org.org_id),
                    Some(&token),
                    Some(json!({"role": "member"})),
                )
                .await
            })
        };
        let first = demote(second.clone(), org.admin_token.clone());
        let other = demote(org.admin_id.clone(), second_token.clone());
        let mut answers = vec![first.await.unwrap(), other.await.unwrap()];
        answers.sort_by_key(|a| a.status);
        let outcome: Vec<(u16, &str)> = answers.iter().map(|a| (a.status, a.code())).collect();
        // The loser is refused: as the last org admin, or, once it re-reads itself, as a
        // member that may no longer change roles.
        assert!(
            outcome[0] == (200, "") && [(409, "last_org_admin"), (403, "forbidden")].contains(&outcome[1]),
            "round {round}: {outcome:?}"
        );
        let mut admins = 0;
        for id in [&org.admin_id, &second] {
            let member = t.app.load_member(&org.org_id, id).await.unwrap();
            admins += usize::from(member.role == roster_domain::Role::OrgAdmin);
        }
        assert_eq!(admins, 1, "round {round}: one org admin remains");
    }

    let org = t.create_org("Keep Admin End", "paid").await;
    let own = format!("/v1/orgs/{}/members/{}", org.org_id, org.admin_id);
    let end = json!({"license_end": "2030-01-01T00:00:00Z"});
    let refused = t.call("PATCH", &own, Some(&org.admin_token), Some(end.clone())).await;
    assert_eq!((refused.status, refused.code()), (409, "last_org_admin"), "{}", refused.text);
    // With another lasting org admin it may; then that one is the last.
    let (second, second_token) = t.add_member(&org, "second@keep-end.test", "org_admin", None).await;
    let ended = t.call("PATCH", &own, Some(&org.admin_token), Some(end.clone())).await;
    assert_eq!(ended.status, 200, "{}", ended.text);
    let last = format!("/v1/orgs/{}/members/{second}", org.org_id);
    let refused = t.call("PATCH", &last, Some(&second_token), Some(end)).await;
    assert_eq!(refused.code(), "last_org_admin");

    // An org from before the counter: counted from its Licensed tab when a change needs it.
    t.app
        .store
        .transact(vec![roster_app::ports::Write::Delete {
            pk: format!("ORG#{}", org.org_id),
            sk: "ADMINS".into(),
            condition: roster_app::ports::Condition::None,
        }])
        .await
        .unwrap();
    t.let_indexes_catch_up();
    let removed = t.remove_member(&org, &second).await;
    assert_eq!((removed.status, removed.code()), (409, "last_org_admin"), "{}", removed.text);
    let cleared = t
        .call("PATCH", &own, Some(&org.admin_token), Some(json!({"license_end": null})))
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert_eq!(t.remove_member(&org, &second).await.status, 200, "two lasting admins: one may go");
}

/// The morning after a big import: fifty invitees accept at once. Every acceptance writes
/// the org's one seat counter; each either succeeds or fails for a reason a person can act
/// on (`seats_exhausted` once the limit is reached), never `concurrent_update`, and the
/// counter ends equal to the licensed members.
async fn fifty_simultaneous_acceptances_never_answer_409_concurrent_update(t: TestApp) {
    // Each store call takes a few milliseconds, as DynamoDB's do: reads and writes of the
    // seat counter interleave.
    let t = Arc::new(t.wrap_store(|store| Arc::new(JitterStore::new(store, Duration::from_millis(5)))));
    let org = t.create_org("Morning", "paid").await;
    // The admin holds one seat: 30 more fit.
    let limited = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{}", org.org_id),
            Some(&org.admin_token),
            Some(json!({"seat_limit": 31})),
        )
        .await;
    assert_eq!(limited.status, 200, "{}", limited.text);
    let emails: Vec<String> = (0..50).map(|i| format!("early{i}@morning.test")).collect();
    let imported = t.import_pasted(&org, json!({"emails": emails.join(" "), "role": "member"})).await;
    assert_eq!(imported.body["invited"], 50, "{}", imported.text);
    let tokens: Vec<String> = emails.iter().map(|e| t.last_invitation_token(e)).collect();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let t = t.clone();
            tokio::spawn(async move { t.accept(&token, "Early").await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        outcomes.push((answer.status, answer.code().to_string()));
    }
    let accepted = outcomes.iter().filter(|o| o.0 == 200).count();
    let refused = outcomes.iter().filter(|o| **o == (409, "seats_exhausted".to_string())).count();
    assert_eq!((accepted, refused), (30, 20), "{outcomes:?}");
    let org_view = t
        .call("GET", &format!("/v1/orgs/{}", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(org_view.body["seats_used"], 31, "{}", org_view.text);

    // And the thirty removed at once (no password to hash: the writes meet head on).
    let licensed = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=licensed&limit=100", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    let ids: Vec<String> = licensed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["email"].as_str().unwrap().starts_with("early"))
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 30);
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (t, org) = (t.clone(), org.clone());
            tokio::spawn(async move { t.remove_member(&org, &id).await })
        })
        .collect();
    let mut removals = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        removals.push((answer.status, answer.code().to_string()));
    }
    assert!(removals.iter().all(|r| r.0 == 200), "{removals:?}");
    let org_view = t
        .call("GET", &format!("/v1/orgs/{}", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(org_view.body["seats_used"], 1, "{}", org_view.text);

    // An org from before the counter kept the count in the item's data: its next license
    // change converts it.
    let (pk, sk) = (format!("ORG#{}", org.org_id), "SEATS".to_string());
    let current = t.app.store.get(&pk, &sk).await.unwrap().unwrap();
    t.app
        .store
        .transact(vec![roster_app::ports::Write::Put {
            item: roster_app::ports::Item::new(pk.clone(), sk.clone(), 7, json!({"used": 1})),
            condition: roster_app::ports::Condition::Version(current.version),
        }])
        .await
        .unwrap();
    t.add_member(&org, "late@morning.test", "member", None).await;
    let converted = t.app.store.get(&pk, &sk).await.unwrap().unwrap();
    assert_eq!((converted.version, converted.json()), (2, serde_json::Value::Null));
}

on_every_backend!(
    fifty_simultaneous_acceptances_never_answer_409_concurrent_update,
    an_org_always_keeps_an_org_admin,
    fifty_simultaneous_invites_of_one_email_make_one_account,
    accept_racing_remove_ends_consistent,
    fifty_simultaneous_wrong_passwords_check_at_most_five,
);

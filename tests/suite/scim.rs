//! Issue 23, point 1: an org's directory-sync (SCIM) connection. An org admin issues a
//! token, shown once and kept only as its hash; it names the org it serves; a new one
//! replaces the old, also when two are issued at once; revoking it ends it.

use std::sync::Arc;

use roster_app::usecases::scim::org_of_token;
use roster_tests::{Answer, OrgFixture, TestApp};

async fn issue(t: &TestApp, org: &OrgFixture) -> Answer {
    t.call("POST", &format!("/v1/orgs/{}/scim/token", org.org_id), Some(&org.admin_token), None)
        .await
}

/// Everything the org's partition holds, as text.
async fn stored(t: &TestApp, org: &OrgFixture) -> String {
    t.app
        .query_all(roster_app::ports::Query::table(
            format!("ORG#{}", org.org_id),
            roster_app::ports::SkCondition::Any,
        ))
        .await
        .unwrap()
        .iter()
        .map(|item| item.data.to_string())
        .collect()
}

async fn a_directory_token_is_shown_once_names_its_org_and_is_replaced_by_the_next(t: TestApp) {
    let org = t.create_org("Directory", "paid").await;
    let other = t.create_org("Other Directory", "paid").await;
    let first = issue(&t, &org).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["base_url"], "http://roster.test/scim/v2");
    let first_token = first.body["token"].as_str().unwrap().to_string();
    assert!(first_token.starts_with(&format!("roster_scim_{}_", org.org_id)), "{first_token}");
    assert_eq!(org_of_token(&t.app, Some(&first_token)).await.unwrap(), Some(org.org_id.clone()));
    // Kept as its hash only: the token is nowhere in the store or the audit trail.
    let held = stored(&t, &org).await;
    assert!(!held.contains(&first_token["roster_scim_".len()..]), "the token is stored in clear");
    let trail = t
        .call("GET", &format!("/v1/orgs/{}/audit", org.org_id), Some(&org.admin_token), None)
        .await;
    let last = trail.body["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "scim_token_issued", "{}", trail.text);
    assert!(!trail.text.contains(&first_token));

    // A new token replaces it: the old one serves no org any more.
    let second = issue(&t, &org).await;
    assert_eq!(second.status, 201, "{}", second.text);
    let second_token = second.body["token"].as_str().unwrap().to_string();
    assert_ne!(second_token, first_token);
    assert_eq!(org_of_token(&t.app, Some(&first_token)).await.unwrap(), None);
    assert_eq!(org_of_token(&t.app, Some(&second_token)).await.unwrap(), Some(org.org_id.clone()));
    // A token names its org: the same secret under another org's id serves neither.
    let forged = second_token.replace(&org.org_id, &other.org_id);
    assert_eq!(org_of_token(&t.app, Some(&forged)).await.unwrap(), None);
    for garbage in [None, Some(""), Some("roster_scim_"), Some("roster_scim_nope_x"), Some("Bearer x")] {
        assert_eq!(org_of_token(&t.app, garbage).await.unwrap(), None, "{garbage:?}");
    }

    // Revoked, it serves no org; revoking again finds nothing.
    let path = format!("/v1/orgs/{}/scim/token", org.org_id);
    let revoked = t.call("DELETE", &path, Some(&org.admin_token), None).await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    assert_eq!(org_of_token(&t.app, Some(&second_token)).await.unwrap(), None);
    assert_eq!(t.call("DELETE", &path, Some(&org.admin_token), None).await.status, 404);
    let trail = t
        .call("GET", &format!("/v1/orgs/{}/audit", org.org_id), Some(&org.admin_token), None)
        .await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| event["action"].as_str().filter(|a| a.starts_with("scim_")))
        .collect();
    assert_eq!(actions, ["scim_token_issued", "scim_token_rotated", "scim_token_revoked"]);
}

async fn tokens_issued_at_once_leave_one_that_works(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Racing Directory", "paid").await;
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let (t, org) = (t.clone(), org.clone());
            tokio::spawn(async move { issue(&t, &org).await })
        })
        .collect();
    let mut answers = Vec::new();
    for racer in racers {
        answers.push(racer.await.unwrap());
    }
    let tokens: Vec<String> = answers
        .iter()
        .filter(|answer| answer.status == 201)
        .map(|answer| answer.body["token"].as_str().unwrap().to_string())
        .collect();
    // Each call either got a token or was told of the race; every token it answered is
    // one that was stored at some point, and exactly one of them works now.
    for answer in &answers {
        assert!(matches!(answer.status, 201 | 409), "{}", answer.text);
    }
    assert!(!tokens.is_empty());
    let mut working = 0;
    for token in &tokens {
        if org_of_token(&t.app, Some(token)).await.unwrap().is_some() {
            working += 1;
        }
    }
    assert_eq!(working, 1, "{} tokens answered", tokens.len());
    let trail = t
        .call("GET", &format!("/v1/orgs/{}/audit", org.org_id), Some(&org.admin_token), None)
        .await;
    let issued = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["action"].as_str().is_some_and(|a| a.starts_with("scim_token_")))
        .count();
    assert_eq!(issued, tokens.len(), "one audit event a token answered: {}", trail.text);
}

on_every_backend!(
    a_directory_token_is_shown_once_names_its_org_and_is_replaced_by_the_next,
    tokens_issued_at_once_leave_one_that_works,
);

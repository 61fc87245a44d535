//! Ids from paths are parsed, not passed on: a malformed id (here one that would reach
//! another kind of table key) answers 404 on every route, before any store call; and a
//! caller's org and role are checked before anything it named is looked up.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::json;

use roster_tests::{CountingStore, TestApp};

/// Text that, unchecked, would name an import chunk instead of an import.
const MALFORMED: &str = "X%23CHUNK%23000000";

async fn a_malformed_path_id_answers_404_before_any_store_call(t: TestApp) {
    let counting = Arc::new(CountingStore {
        inner: t.app.store.clone(),
        calls: Default::default(),
        transactions: Default::default(),
    });
    let store = counting.clone();
    let t = t.wrap_store(move |_| store);
    let org = t.create_org("Malformed Ids", "paid").await;
    let (member_id, _) = t.add_member(&org, "someone@ids.test", "member", None).await;
    let department = t.create_department(&org, "Wards").await;
    let valid = |name: &str| -> String {
        match name {
            "org" => org.org_id.clone(),
            "member" => member_id.clone(),
            "dept" => department.clone(),
            "import" => "01JD2XQ7V8E6S5R4P3N2M1K0HG".into(),
            "token" => "a".repeat(43),
            "code" => "ABCDEFGH12".into(),
            "domain" => "ids.test".into(),
            other => panic!("a route parameter this test does not know: {other}"),
        }
    };
    let mut checked = 0;
    // SCIM routes settle their caller by the directory's token first (a store read): their
    // ids are checked in tests/suite/scim.rs.
    for route in roster_http::ROUTES.iter().filter(|route| !route.facts.directory) {
        let names: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for malformed in &names {
            let path = names.iter().fold(route.path.to_string(), |path, name| {
                let value = if name == malformed { MALFORMED.to_string() } else { valid(name) };
                path.replace(&format!("{{{name}}}"), &value)
            });
            let calls_before = counting.calls.load(Ordering::SeqCst);
            let answer = t.call(route.method, &path, Some(&org.admin_token), Some(json!({}))).await;
            assert_eq!(
                (answer.status, answer.code()),
                (404, "not_found"),
                "{} {path}: {}",
                route.method,
                answer.text
            );
            assert_eq!(
                counting.calls.load(Ordering::SeqCst),
                calls_before,
                "{} {path} reached the store",
                route.method
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} route parameters checked");
    // Ids in the query string are checked too: a 400 that names the parameter.
    for query in ["members?department=", "members/export.csv?department=", "audit?member="] {
        let path = format!("/v1/orgs/{}/{query}{MALFORMED}", org.org_id);
        let answer = t.call("GET", &path, Some(&org.admin_token), None).await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.text);
    }
}

async fn a_department_of_another_org_is_not_looked_up_for_a_caller_outside_the_org(t: TestApp) {
    let home = t.create_org("Home Ids", "paid").await;
    let (member_id, _) = t.add_member(&home, "person@home-ids.test", "member", None).await;
    let home_department = t.create_department(&home, "Secret").await;
    let outsider = t.create_org("Other Ids", "paid").await;
    // Another org's admin names a department of `home` that exists and one that doesn't:
    // both answers are the same 404, since the caller may not touch `home` at all.
    let path = format!("/v1/orgs/{}/members/{member_id}", home.org_id);
    let mut answers = Vec::new();
    for department in [home_department.as_str(), "01JD2XQ7V8E6S5R4P3N2M1K0HG"] {
        let answer = t
            .call(
                "PATCH",
                &path,
                Some(&outsider.admin_token),
                Some(json!({"department_id": department})),
            )
            .await;
        answers.push((answer.status, answer.text));
    }
    assert_eq!(answers[0].0, 404, "{}", answers[0].1);
    assert_eq!(answers[0], answers[1]);
}

on_every_backend!(
    a_malformed_path_id_answers_404_before_any_store_call,
    a_department_of_another_org_is_not_looked_up_for_a_caller_outside_the_org
);

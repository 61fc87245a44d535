//! Bad input gets a clear problem+json error with a stable code and changes nothing.

use serde_json::json;

use roster_tests::TestApp;

async fn each_kind_of_bad_body_has_its_code_and_changes_nothing(t: TestApp) {
    let org = t.create_org("Bad Input", "free").await;
    let path = format!("/v1/orgs/{}/invitations", org.org_id);
    let before = t.snapshot(&org).await;
    let cases: Vec<(&str, Vec<u8>, u16, &str, &str)> = vec![
        ("malformed JSON", b"{\"email\": ".to_vec(), 400, "invalid_json", "invalid_json"),
        (
            "wrong type",
            br#"{"email": 42, "role": "member"}"#.to_vec(),
            400,
            "invalid_body",
            "invalid_type",
        ),
        (
            "unknown enum value",
            br#"{"email": "a@b.test", "role": "owner"}"#.to_vec(),
            400,
            "invalid_body",
            "unknown_value",
        ),
        (
            "missing field",
            br#"{"email": "a@b.test"}"#.to_vec(),
            400,
            "invalid_body",
            "required",
        ),
        (
            "unknown field",
            br#"{"email": "a@b.test", "role": "member", "admin": true}"#.to_vec(),
            400,
            "invalid_body",
            "unknown_field",
        ),
        (
            "invalid email",
            br#"{"email": "not-an-address", "role": "member"}"#.to_vec(),
            400,
            "validation_failed",
            "invalid_email",
        ),
    ];
    for (name, body, status, code, field_code) in cases {
        let answer = t
            .request("POST", &path, Some(&org.admin_token), Some("application/json"), body)
            .await;
        assert_eq!((answer.status, answer.code()), (status, code), "{name}: {}", answer.text);
        assert_eq!(answer.headers["content-type"], "application/problem+json", "{name}");
        assert_eq!(answer.body["errors"][0]["code"], field_code, "{name}: {}", answer.text);
        assert_eq!(answer.body["status"], status, "{name}");
        assert!(answer.body["type"].as_str().unwrap().ends_with(code), "{name}");
    }
    let oversized = t
        .request(
            "POST",
            &path,
            Some(&org.admin_token),
            Some("application/json"),
            format!("{{\"email\": \"{}\"}}", "a".repeat(65 * 1024)).into_bytes(),
        )
        .await;
    assert_eq!((oversized.status, oversized.code()), (413, "payload_too_large"));
    let not_json = t
        .request(
            "POST",
            &path,
            Some(&org.admin_token),
            Some("text/plain"),
            b"email=a@b.test".to_vec(),
        )
        .await;
    assert_eq!((not_json.status, not_json.code()), (415, "unsupported_media_type"));
    let bad_limit = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?limit=0", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(bad_limit.body["errors"][0]["field"], "limit");
    let bad_tab = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=everyone", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(bad_tab.body["errors"][0]["code"], "unknown_value");
    let bad_cursor = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?cursor=zz", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(bad_cursor.body["errors"][0]["code"], "invalid_cursor");
    let bad_freeze = t
        .call(
            "PUT",
            &format!("/v1/orgs/{}/freeze", org.org_id),
            Some(&org.admin_token),
            Some(json!({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(bad_freeze.body["errors"][0]["code"], "before_start");
    let bad_date = t
        .call(
            "PUT",
            &format!("/v1/orgs/{}/freeze", org.org_id),
            Some(&org.admin_token),
            Some(json!({"starts_at": "tomorrow", "ends_at": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(bad_date.code(), "invalid_body");
    let bad_ttl = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{}", org.org_id),
            Some(&org.admin_token),
            Some(json!({"invite_ttl_days": 0})),
        )
        .await;
    assert_eq!(bad_ttl.body["errors"][0]["field"], "invite_ttl_days");
    assert_eq!(t.snapshot(&org).await, before, "nothing changed");
}

async fn unknown_routes_and_methods_are_problems_too(t: TestApp) {
    let missing = t.call("GET", "/v1/nothing-here", None, None).await;
    assert_eq!((missing.status, missing.code()), (404, "route_not_found"));
    let wrong = t.call("PUT", "/v1/me", None, None).await;
    assert_eq!((wrong.status, wrong.code()), (405, "method_not_allowed"));
    assert!(wrong.headers["allow"].to_str().unwrap().contains("GET"));
    let unknown_invite = t.call("GET", "/v1/invitations/not-a-token", None, None).await;
    assert_eq!(unknown_invite.status, 404);
}

on_every_backend!(
    each_kind_of_bad_body_has_its_code_and_changes_nothing,
    unknown_routes_and_methods_are_problems_too
);

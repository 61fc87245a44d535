//! Issue 23: directory sync (SCIM 2.0). The connection (a token shown once, kept as its
//! hash, naming its org, replaced and revoked), users and groups in the shapes Okta and
//! Entra ID send, the seat rules, ETags, the audit trail, concurrent creations, a
//! department admin's view, and what a freeze window holds; on every backend.

use std::sync::Arc;

use roster_app::usecases::scim::org_of_token;
use serde_json::{json, Value};

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
        .map(|item| item.data.clone())
        .collect()
}

async fn a_directory_token_is_shown_once_names_its_org_and_is_replaced_by_the_next(t: TestApp) {
    let org = t.create_org("Directory", "paid").await;
    let other = t.create_org("Other Directory", "paid").await;
    let first = issue(&t, &org).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["base_url"], "http://roster.test/scim/v2");
    let connection = t
        .call("GET", &format!("/v1/orgs/{}/scim/token", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(
        (connection.status, connection.body["issued_by"].as_str()),
        (200, Some(org.admin_id.as_str())),
        "{}",
        connection.text
    );
    assert!(connection.body.get("token").is_none());
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

/// The org's directory-sync token.
async fn directory_token(t: &TestApp, org: &OrgFixture) -> String {
    let issued = issue(t, org).await;
    assert_eq!(issued.status, 201, "{}", issued.text);
    issued.body["token"].as_str().unwrap().to_string()
}

/// A SCIM request, as a directory sends it (`application/scim+json`).
async fn scim(t: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let content_type = (!body.is_empty()).then_some("application/scim+json");
    t.request(method, &format!("/scim/v2{path}"), Some(token), content_type, body).await
}

fn okta_user(email: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": "Grace", "familyName": "Hopper"},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": "Grace Hopper",
        "locale": "en-US",
        "externalId": format!("00u-{}", email.split('@').next().unwrap()),
        "groups": [],
        "password": "never-kept-1",
        "active": true,
    })
}

/// Users the directory creates in Okta's shape, one for each email; their ids.
async fn provisioned(t: &TestApp, token: &str, emails: impl Iterator<Item = String>) -> Vec<String> {
    let mut ids = Vec::new();
    for email in emails {
        let created = scim(t, token, "POST", "/Users", Some(okta_user(&email))).await;
        assert_eq!(created.status, 201, "{}", created.text);
        ids.push(created.body["id"].as_str().unwrap().to_string());
    }
    ids
}

fn patch(operations: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}

fn reasons(trail: &[(String, Value, Value, Value)]) -> Vec<(&str, &str)> {
    trail
        .iter()
        .map(|(action, _, _, reason)| (action.as_str(), reason.as_str().unwrap_or("")))
        .collect()
}

async fn scim_routes_take_the_directory_token_only_and_answer_in_scim_format(t: TestApp) {
    let org = t.create_org("Scim Auth", "paid").await;
    let other = t.create_org("Scim Elsewhere", "paid").await;
    let token = directory_token(&t, &org).await;
    let other_token = directory_token(&t, &other).await;
    // No token, a member's JWT, garbage: 401 as a SCIM error message.
    for bearer in [None, Some(org.admin_token.as_str()), Some("roster_scim_x_y")] {
        let answer = t.call("GET", "/scim/v2/Users", bearer, None).await;
        assert_eq!(answer.status, 401, "{}", answer.text);
        assert_eq!(answer.headers["content-type"], "application/scim+json");
        assert_eq!(answer.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
        assert_eq!(answer.body["status"], "401");
    }
    let created = scim(&t, &token, "POST", "/Users", Some(okta_user("grace@scim-auth.test"))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.headers["content-type"], "application/scim+json");
    let id = created.body["id"].as_str().unwrap();
    // Another org's directory finds nothing of this org, not even the admin by email.
    assert_eq!(scim(&t, &other_token, "GET", &format!("/Users/{id}"), None).await.status, 404);
    let found = scim(
        &t,
        &other_token,
        "GET",
        "/Users?filter=userName%20eq%20%22grace%40scim-auth.test%22",
        None,
    )
    .await;
    assert_eq!(found.body["totalResults"], 0, "{}", found.text);
    let listed = scim(&t, &other_token, "GET", "/Users", None).await;
    assert!(!listed.text.contains("scim-auth.test"), "{}", listed.text);
    let moved = scim(
        &t,
        &other_token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "replace", "value": {"active": false}}]))),
    )
    .await;
    assert_eq!(moved.status, 404, "{}", moved.text);
    // Malformed ids name nothing: 404.
    for path in ["/Users/not-an-id", "/Groups/not-an-id", "/Schemas/nope", "/ResourceTypes/Nope"] {
        let answer = scim(&t, &token, "GET", path, None).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
    }
    // Unknown paths under /scim answer in SCIM's format too.
    let unknown = scim(&t, &token, "GET", "/Nope", None).await;
    assert_eq!(
        (unknown.status, unknown.body["status"].as_str()),
        (404, Some("404")),
        "{}",
        unknown.text
    );
    // A revoked token opens nothing.
    t.call(
        "DELETE",
        &format!("/v1/orgs/{}/scim/token", org.org_id),
        Some(&org.admin_token),
        None,
    )
    .await;
    assert_eq!(scim(&t, &token, "GET", &format!("/Users/{id}"), None).await.status, 401);
}

async fn okta_provisions_deactivates_reactivates_and_deletes_a_user(t: TestApp) {
    let org = t.create_org("Scim Okta", "paid").await;
    let token = directory_token(&t, &org).await;
    let created = scim(&t, &token, "POST", "/Users", Some(okta_user("grace@okta.test"))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.headers["etag"], "W/\"1\"");
    assert!(created.headers["location"]
        .to_str()
        .unwrap()
        .ends_with(&format!("/scim/v2/Users/{id}")));
    assert_eq!(created.body["userName"], "grace@okta.test");
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["externalId"], "00u-grace");
    // A member, made the way an admin's invitation makes one: invited, with the email.
    let member = t.member(&org, &id).await;
    assert_eq!(
        (member["status"].as_str(), member["first_name"].as_str()),
        (Some("invited"), Some("Grace"))
    );
    assert_eq!(member["managed_by_directory"], true);
    t.drain().await;
    assert_eq!(t.emails_to("grace@okta.test").len(), 1);
    // Okta looks users up by userName before it creates them.
    let found = scim(&t, &token, "GET", "/Users?filter=userName%20eq%20%22Grace%40okta.test%22", None).await;
    assert_eq!(
        (found.body["totalResults"].as_u64(), found.body["Resources"][0]["id"].as_str()),
        (Some(1), Some(id.as_str()))
    );
    let by_external = scim(&t, &token, "GET", "/Users?filter=externalId%20eq%20%2200u-grace%22", None).await;
    assert_eq!(by_external.body["totalResults"], 1, "{}", by_external.text);
    // Creating it again is a uniqueness conflict.
    let again = scim(&t, &token, "POST", "/Users", Some(okta_user("grace@okta.test"))).await;
    assert_eq!(
        (again.status, again.body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{}",
        again.text
    );

    // She accepts; Okta deactivates her: unlicensed, reason directory_sync, data kept.
    let accepted = t.accept(&t.last_invitation_token("grace@okta.test"), "Grace").await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let off = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "replace", "value": {"active": false}}]))),
    )
    .await;
    assert_eq!((off.status, &off.body["active"]), (200, &json!(false)), "{}", off.text);
    let member = t.member(&org, &id).await;
    assert_eq!(
        (member["status"].as_str(), member["phone"].as_str()),
        (Some("unlicensed"), Some("+15550100100"))
    );
    // And on again: she held a license, so she holds one again at once (seats apply).
    let on = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "replace", "value": {"active": true}}]))),
    )
    .await;
    assert_eq!((on.status, &on.body["active"]), (200, &json!(true)), "{}", on.text);
    assert_eq!(t.member(&org, &id).await["status"], "licensed");
    // Deleted: unlicensed, kept for the admins, gone from the directory's view.
    let deleted = scim(&t, &token, "DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(scim(&t, &token, "GET", &format!("/Users/{id}"), None).await.status, 404);
    assert_eq!(t.member(&org, &id).await["status"], "unlicensed");
    let trail = t.audit_of(&org, &id).await;
    assert_eq!(
        reasons(&trail),
        [
            ("member_provisioned", "directory_sync"),
            ("invitation_accepted", ""),
            ("member_unlicensed", "directory_sync"),
            ("member_relicensed", "directory_sync"),
            ("member_deprovisioned", "directory_sync"),
        ],
        "{trail:?}"
    );
    // Pushed again, the same account comes back.
    let back = scim(&t, &token, "POST", "/Users", Some(okta_user("grace@okta.test"))).await;
    assert_eq!((back.status, back.body["id"].as_str()), (201, Some(id.as_str())), "{}", back.text);
    assert_eq!(t.member(&org, &id).await["status"], "licensed");
    t.assert_members_consistent(&org).await;
}

async fn entra_patches_profile_fields_and_the_department(t: TestApp) {
    let org = t.create_org("Scim Entra", "paid").await;
    let token = directory_token(&t, &org).await;
    let created = scim(
        &t,
        &token,
        "POST",
        "/Users",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "ada",
            "userName": "ada@entra.test",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "ada@entra.test"}],
            "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Analytics"},
        })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let changed = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([
            {"op": "Replace", "path": "title", "value": "Countess"},
            {"op": "Add", "path": "name.givenName", "value": "Augusta Ada"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+44 20 7946 0000"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Engines"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada@engines.entra.test"},
        ]))),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let member = t.member(&org, &id).await;
    assert_eq!(member["first_name"], "Augusta Ada");
    assert_eq!(member["position"], "Countess");
    assert_eq!(member["phone"], "+442079460000");
    assert_eq!(member["email"], "ada@engines.entra.test");
    // The department is found by name, made when the org had none of that name.
    let departments = t
        .call("GET", &format!("/v1/orgs/{}/departments", org.org_id), Some(&org.admin_token), None)
        .await;
    let engines = departments.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Engines")
        .unwrap();
    assert_eq!(member["department_id"], engines["id"]);
    // Entra sends booleans as strings.
    let off = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "Replace", "path": "active", "value": "False"}]))),
    )
    .await;
    assert_eq!(off.body["active"], false, "{}", off.text);
    assert_eq!(t.member(&org, &id).await["status"], "unlicensed");
    // A path Roster keeps nothing at is refused, and changes nothing.
    let before = t.snapshot(&org).await;
    let refused = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "replace", "path": "nickName", "value": "x"}]))),
    )
    .await;
    assert_eq!(
        (refused.status, refused.body["scimType"].as_str()),
        (400, Some("invalidPath")),
        "{}",
        refused.text
    );
    assert_eq!(t.snapshot(&org).await, before);
}

async fn if_match_refuses_a_stale_version(t: TestApp) {
    let org = t.create_org("Scim Etag", "paid").await;
    let token = directory_token(&t, &org).await;
    let created = scim(&t, &token, "POST", "/Users", Some(okta_user("etag@etag.test"))).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {token}");
    let body = Some(patch(json!([{"op": "replace", "path": "title", "value": "Nurse"}])));
    let path = format!("/scim/v2/Users/{id}");
    let fresh = t
        .call_with("PATCH", &path, &[("authorization", &bearer), ("if-match", "W/\"1\"")], body.clone())
        .await;
    assert_eq!(
        (fresh.status, fresh.headers["etag"].to_str().unwrap()),
        (200, "W/\"2\""),
        "{}",
        fresh.text
    );
    let before = t.snapshot(&org).await;
    let stale = t
        .call_with("PATCH", &path, &[("authorization", &bearer), ("if-match", "W/\"1\"")], body)
        .await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    let stale_delete = t
        .call_with("DELETE", &path, &[("authorization", &bearer), ("if-match", "W/\"1\"")], None)
        .await;
    assert_eq!(stale_delete.status, 412, "{}", stale_delete.text);
    assert_eq!(t.snapshot(&org).await, before);

    // A group's tag covers its members: a PUT from before a member joined is refused.
    let group = scim(&t, &token, "POST", "/Groups", Some(json!({"displayName": "Etags"}))).await;
    let gid = group.body["id"].as_str().unwrap().to_string();
    let tag = group.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(group.body["meta"]["version"], tag.as_str());
    let added = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]))),
    )
    .await;
    assert_ne!(added.headers["etag"].to_str().unwrap(), tag);
    let group_path = format!("/scim/v2/Groups/{gid}");
    let stale = t
        .call_with(
            "PUT",
            &group_path,
            &[("authorization", &bearer), ("if-match", &tag)],
            Some(json!({"displayName": "Etags", "members": []})),
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    assert_eq!(t.member(&org, &id).await["department_id"], gid.as_str());
    let fresh_tag = added.headers["etag"].to_str().unwrap().to_string();
    let fresh = t
        .call_with(
            "PUT",
            &group_path,
            &[("authorization", &bearer), ("if-match", &fresh_tag)],
            Some(json!({"displayName": "Etags", "members": []})),
        )
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    assert_eq!(t.member(&org, &id).await["department_id"], Value::Null);
}

async fn reactivation_obeys_the_seat_limit(t: TestApp) {
    let org = t.create_org("Scim Seats", "paid").await;
    let token = directory_token(&t, &org).await;
    let created = scim(&t, &token, "POST", "/Users", Some(okta_user("seat@seats.test"))).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    t.drain().await;
    assert_eq!(t.accept(&t.last_invitation_token("seat@seats.test"), "Seat").await.status, 200);
    let off = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "replace", "value": {"active": false}}]))),
    )
    .await;
    assert_eq!(off.status, 200, "{}", off.text);
    // One seat, the admin's: reactivating her would take a second.
    let limited = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{}", org.org_id),
            Some(&org.admin_token),
            Some(json!({"seat_limit": 1})),
        )
        .await;
    assert_eq!(limited.status, 200, "{}", limited.text);
    let before = t.snapshot(&org).await;
    let refused = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{"op": "replace", "value": {"active": true}}]))),
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.body["detail"].as_str().unwrap().starts_with("seats_exhausted"),
        "{}",
        refused.text
    );
    assert_eq!(t.snapshot(&org).await, before);
}

async fn users_created_at_once_make_one_member(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Scim Race", "paid").await;
    let token = directory_token(&t, &org).await;
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (t, token) = (t.clone(), token.clone());
            tokio::spawn(async move { scim(&t, &token, "POST", "/Users", Some(okta_user("race@race.test"))).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        let answer = racer.await.unwrap();
        assert!(matches!(answer.status, 201 | 409), "{}", answer.text);
        statuses.push(answer.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    let found = scim(&t, &token, "GET", "/Users?filter=userName%20eq%20%22race%40race.test%22", None).await;
    assert_eq!(found.body["totalResults"], 1);
    t.drain().await;
    assert_eq!(t.emails_to("race@race.test").len(), 1);
    t.assert_members_consistent(&org).await;
}

async fn groups_are_departments(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Scim Groups", "paid").await;
    let token = directory_token(&t, &org).await;
    let ids = provisioned(&t, &token, (0..30).map(|n| format!("u{n}@groups.test"))).await;
    let group = scim(
        &t,
        &token,
        "POST",
        "/Groups",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Night Shift",
            "externalId": "grp-1",
            "members": [{"value": ids[0]}],
        })),
    )
    .await;
    assert_eq!(group.status, 201, "{}", group.text);
    let gid = group.body["id"].as_str().unwrap().to_string();
    assert_eq!(t.member(&org, &ids[0]).await["department_id"], gid.as_str());
    // Okta adds members in one PATCH, and removes one by a value filter.
    let members: Vec<Value> = ids[1..].iter().map(|id| json!({"value": id})).collect();
    let added = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(patch(json!([{"op": "add", "path": "members", "value": members}]))),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.body["members"].as_array().unwrap().len(), 30);
    let removed = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(patch(
            json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[0])}]),
        )),
    )
    .await;
    assert_eq!(removed.body["members"].as_array().unwrap().len(), 29, "{}", removed.text);
    assert_eq!(t.member(&org, &ids[0]).await["department_id"], Value::Null);
    // Entra removes with the members in the value, and renames.
    let entra = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(patch(json!([
            {"op": "Remove", "path": "members", "value": [{"value": ids[1]}]},
            {"op": "Replace", "path": "displayName", "value": "Nights"},
        ]))),
    )
    .await;
    assert_eq!(
        (entra.status, entra.body["displayName"].as_str()),
        (200, Some("Nights")),
        "{}",
        entra.text
    );
    let listed = scim(
        &t,
        &token,
        "GET",
        "/Groups?filter=displayName%20eq%20%22nights%22&excludedAttributes=members",
        None,
    )
    .await;
    assert_eq!(listed.body["totalResults"], 1, "{}", listed.text);
    assert!(listed.body["Resources"][0].get("members").is_none());
    // Unknown members are refused before anything moves.
    let before = t.snapshot(&org).await;
    let unknown = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(patch(
            json!([{"op": "add", "path": "members", "value": [{"value": ids[0]}, {"value": "01JD2XQ7V8E6S5R4P3N2M1K0HG"}]}]),
        )),
    )
    .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(t.snapshot(&org).await, before);
    // Deleted: the department goes, its members stay in the org.
    assert_eq!(scim(&t, &token, "DELETE", &format!("/Groups/{gid}"), None).await.status, 204);
    assert_eq!(scim(&t, &token, "GET", &format!("/Groups/{gid}"), None).await.status, 404);
    assert_eq!(t.member(&org, &ids[2]).await["department_id"], Value::Null);
    let trail = t.audit_of(&org, &ids[2]).await;
    assert!(reasons(&trail).contains(&("member_updated", "directory_sync")), "{trail:?}");
    t.assert_members_consistent(&org).await;
}

/// A group PATCH moves its members twenty to an atomic write; admins editing those members
/// at the same moment make some of those writes meet a newer member, which is then read
/// again: every move and every edit lands, each once.
async fn group_moves_racing_member_edits_lose_neither(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Scim Racing Groups", "paid").await;
    let token = directory_token(&t, &org).await;
    let ids = provisioned(&t, &token, (0..60).map(|n| format!("r{n}@racing.test"))).await;
    let group = scim(&t, &token, "POST", "/Groups", Some(json!({"displayName": "Racing"}))).await;
    let gid = group.body["id"].as_str().unwrap().to_string();
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    let moved = {
        let (t, token, gid) = (t.clone(), token.clone(), gid.clone());
        tokio::spawn(async move {
            let body = patch(json!([{"op": "add", "path": "members", "value": members}]));
            scim(&t, &token, "PATCH", &format!("/Groups/{gid}"), Some(body)).await
        })
    };
    let edits: Vec<_> = ids
        .iter()
        .map(|id| {
            let (t, org, id) = (t.clone(), org.clone(), id.clone());
            tokio::spawn(async move { t.update_member(&org, &id, json!({"position": format!("Shift {id}")})).await })
        })
        .collect();
    let moved = moved.await.unwrap();
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["members"].as_array().unwrap().len(), 60, "{}", moved.text);
    for edit in edits {
        let edit = edit.await.unwrap();
        assert_eq!(edit.status, 200, "{}", edit.text);
    }
    for id in &ids {
        let member = t.member(&org, id).await;
        assert_eq!(member["department_id"], gid.as_str(), "{member}");
        assert_eq!(member["position"], format!("Shift {id}"), "{member}");
        let moves = reasons(&t.audit_of(&org, id).await)
            .into_iter()
            .filter(|r| *r == ("member_updated", "directory_sync"))
            .count();
        assert_eq!(moves, 1, "{id}");
    }
    t.assert_members_consistent(&org).await;
}

fn freeze_for(t: &TestApp, minutes: i64) -> Value {
    let now = t.app.now();
    json!({
        "starts_at": roster_app::views::rfc3339(now),
        "ends_at": roster_app::views::rfc3339(now + time::Duration::minutes(minutes)),
        "reason": "migration",
    })
}

fn deactivate() -> Value {
    patch(json!([{"op": "replace", "value": {"active": false}}]))
}

fn activate() -> Value {
    patch(json!([{"op": "replace", "value": {"active": true}}]))
}

async fn held_kinds(t: &TestApp, org: &OrgFixture) -> Vec<(String, String)> {
    let held = t
        .call("GET", &format!("/v1/orgs/{}/scim/held", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(held.status, 200, "{}", held.text);
    held.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap().to_string(), h["email"].as_str().unwrap().to_string()))
        .collect()
}

async fn a_freeze_holds_the_directorys_membership_changes_and_applies_them_in_order(t: TestApp) {
    let org = t.create_org("Scim Freeze", "paid").await;
    let token = directory_token(&t, &org).await;
    let mut ids = Vec::new();
    for email in ["ann@freeze.test", "cid@freeze.test"] {
        let created = scim(&t, &token, "POST", "/Users", Some(okta_user(email))).await;
        ids.push(created.body["id"].as_str().unwrap().to_string());
        t.drain().await;
        assert_eq!(t.accept(&t.last_invitation_token(email), "Ann").await.status, 200);
    }
    let (ann, cid) = (ids[0].clone(), ids[1].clone());
    let frozen = t
        .call(
            "PUT",
            &format!("/v1/orgs/{}/freeze", org.org_id),
            Some(&org.admin_token),
            Some(freeze_for(&t, 60)),
        )
        .await;
    assert_eq!(frozen.status, 200, "{}", frozen.text);

    // A new user: accepted and answered as it will be, made when the window ends.
    let bea = scim(&t, &token, "POST", "/Users", Some(okta_user("bea@freeze.test"))).await;
    assert_eq!((bea.status, &bea.body["active"]), (201, &json!(true)), "{}", bea.text);
    let bea_id = bea.body["id"].as_str().unwrap().to_string();
    assert_eq!(scim(&t, &token, "GET", &format!("/Users/{bea_id}"), None).await.status, 200);
    let found = scim(&t, &token, "GET", "/Users?filter=userName%20eq%20%22bea%40freeze.test%22", None).await;
    assert_eq!(found.body["Resources"][0]["id"], bea_id.as_str(), "{}", found.text);
    let twice = scim(&t, &token, "POST", "/Users", Some(okta_user("bea@freeze.test"))).await;
    assert_eq!(twice.status, 409, "{}", twice.text);
    let admin_view = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members/{bea_id}", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(admin_view.status, 404, "not a member before the window ends");
    // Ann: unlicensed, licensed, unlicensed: held, in order; her title changes at once.
    for body in [deactivate(), activate(), deactivate()] {
        let answer = scim(&t, &token, "PATCH", &format!("/Users/{ann}"), Some(body)).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    let titled = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Users/{ann}"),
        Some(patch(json!([{"op": "replace", "path": "title", "value": "Charge Nurse"}]))),
    )
    .await;
    assert_eq!(
        (titled.body["active"].as_bool(), titled.body["title"].as_str()),
        (Some(false), Some("Charge Nurse")),
        "{}",
        titled.text
    );
    let member = t.member(&org, &ann).await;
    assert_eq!(
        (member["status"].as_str(), member["position"].as_str()),
        (Some("licensed"), Some("Charge Nurse"))
    );
    // Cid deleted: gone from the directory's view, a licensed member until the window ends.
    assert_eq!(scim(&t, &token, "DELETE", &format!("/Users/{cid}"), None).await.status, 204);
    assert_eq!(scim(&t, &token, "GET", &format!("/Users/{cid}"), None).await.status, 404);
    assert_eq!(t.member(&org, &cid).await["status"], "licensed");
    t.drain().await;
    assert!(t.emails_to("bea@freeze.test").is_empty());
    assert_eq!(
        held_kinds(&t, &org).await,
        [
            ("create".into(), "bea@freeze.test".into()),
            ("deactivate".into(), "ann@freeze.test".into()),
            ("activate".into(), "ann@freeze.test".into()),
            ("deactivate".into(), "ann@freeze.test".into()),
            ("delete".into(), "cid@freeze.test".into()),
        ]
    );

    // The window ends: the sweep finds the held changes due, the worker applies them in order.
    t.advance(61 * 60).await;
    t.drain().await;
    let org = OrgFixture {
        admin_token: t.login_token("admin@scim-freeze.test").await,
        ..org
    };
    assert!(held_kinds(&t, &org).await.is_empty());
    assert_eq!(t.member(&org, &bea_id).await["status"], "invited");
    assert_eq!(t.emails_to("bea@freeze.test").len(), 1);
    assert_eq!(t.member(&org, &ann).await["status"], "unlicensed");
    assert_eq!(t.member(&org, &cid).await["status"], "unlicensed");
    assert_eq!(scim(&t, &token, "GET", &format!("/Users/{cid}"), None).await.status, 404);
    let trail = reasons(&t.audit_of(&org, &ann).await)
        .into_iter()
        .map(|(a, r)| format!("{a}:{r}"))
        .collect::<Vec<_>>();
    assert_eq!(
        trail[trail.len() - 7..],
        [
            "directory_change_held:deactivate",
            "directory_change_held:activate",
            "directory_change_held:deactivate",
            "member_updated:directory_sync",
            "member_unlicensed:directory_sync",
            "member_relicensed:directory_sync",
            "member_unlicensed:directory_sync",
        ],
        "{trail:?}"
    );
    t.assert_members_consistent(&org).await;
}

async fn a_lifted_freeze_applies_what_it_held_and_nothing_twice(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Scim Lift", "paid").await;
    let token = directory_token(&t, &org).await;
    let path = format!("/v1/orgs/{}/freeze", org.org_id);
    assert_eq!(
        t.call("PUT", &path, Some(&org.admin_token), Some(freeze_for(&t, 24 * 60)))
            .await
            .status,
        200
    );
    // Eight creations of one user at once during the window: one is held.
    let racers: Vec<_> = (0..8)
        .map(|_| {
            let (t, token) = (t.clone(), token.clone());
            tokio::spawn(async move { scim(&t, &token, "POST", "/Users", Some(okta_user("dee@lift.test"))).await })
        })
        .collect();
    let mut created = 0;
    for racer in racers {
        let answer = racer.await.unwrap();
        assert!(matches!(answer.status, 201 | 409), "{}", answer.text);
        created += usize::from(answer.status == 201);
    }
    assert_eq!(created, 1);
    assert_eq!(held_kinds(&t, &org).await.len(), 1);
    // Lifted: the release applies it, and the directory's next change finds nothing held.
    assert_eq!(t.call("DELETE", &path, Some(&org.admin_token), None).await.status, 200);
    t.drain().await;
    assert!(held_kinds(&t, &org).await.is_empty());
    let found = scim(&t, &token, "GET", "/Users?filter=userName%20eq%20%22dee%40lift.test%22", None).await;
    assert_eq!(found.body["totalResults"], 1, "{}", found.text);
    let id = found.body["Resources"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.member(&org, &id).await["status"], "invited");
    assert_eq!(t.emails_to("dee@lift.test").len(), 1);
    t.advance(60).await;
    t.drain().await;
    assert_eq!(t.emails_to("dee@lift.test").len(), 1, "applied once");
    t.assert_members_consistent(&org).await;
}

/// A department admin sees the directory's members in its own department, as any member
/// there, and loses sight of one the directory moves to another; the directory's connection
/// and what a freeze holds are the org admins' alone.
async fn a_department_admin_sees_the_directory_s_members_of_its_department_only(t: TestApp) {
    let org = t.create_org("Scim Scope", "paid").await;
    let token = directory_token(&t, &org).await;
    let wards = t.create_department(&org, "Wards").await;
    let (_, dept_admin) = t.add_member(&org, "lead@scope.test", "dept_admin", Some(&wards)).await;
    let mut user = okta_user("nia@scope.test");
    user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = json!({"department": "Wards"});
    let created = scim(&t, &token, "POST", "/Users", Some(user)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/orgs/{}/members/{id}", org.org_id);
    let seen = t.call("GET", &path, Some(&dept_admin), None).await;
    assert_eq!(
        (seen.status, &seen.body["managed_by_directory"]),
        (200, &json!(true)),
        "{}",
        seen.text
    );
    let listed = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=unlicensed", org.org_id),
            Some(&dept_admin),
            None,
        )
        .await;
    assert!(listed.text.contains("nia@scope.test"), "{}", listed.text);
    // The directory moves her to a group the department admin does not run.
    let group = scim(
        &t,
        &token,
        "POST",
        "/Groups",
        Some(json!({"displayName": "Theatres", "members": [{"value": id}]})),
    )
    .await;
    assert_eq!(group.status, 201, "{}", group.text);
    assert_eq!(t.call("GET", &path, Some(&dept_admin), None).await.status, 404);
    for org_admins_only in ["scim/token", "scim/held"] {
        let answer = t
            .call(
                "GET",
                &format!("/v1/orgs/{}/{org_admins_only}", org.org_id),
                Some(&dept_admin),
                None,
            )
            .await;
        assert_eq!(answer.status, 403, "{org_admins_only}: {}", answer.text);
    }
}

/// What a review found: a rejected join request made active by the directory is invited
/// (not a crash); a PUT without a department keeps the member where its groups put it; the
/// directory moves the email of the members it made only, never an admin's or an account
/// it found.
async fn the_directory_s_reach_over_members_it_did_not_make(t: TestApp) {
    let org = t.create_org("Scim Reach", "paid").await;
    let token = directory_token(&t, &org).await;
    let rejected = t.join(&org, "rex@reach.test").await;
    let refused = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/{rejected}/reject", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    let on = scim(&t, &token, "PATCH", &format!("/Users/{rejected}"), Some(activate())).await;
    assert_eq!((on.status, &on.body["active"]), (200, &json!(true)), "{}", on.text);
    assert_eq!(t.member(&org, &rejected).await["status"], "invited");

    // An org admin found by userName: its email stays its own.
    let admin = &org.admin_id;
    let before = t.snapshot(&org).await;
    let moved = scim(&t, &token, "PATCH", &format!("/Users/{admin}"), Some(patch(json!([{"op": "replace", "path": "userName", "value": "attacker@evil.test"}, {"op": "replace", "path": "emails", "value": [{"value": "attacker@evil.test"}]}])))).await;
    assert_eq!(moved.status, 400, "{}", moved.text);
    assert_eq!(t.snapshot(&org).await, before);

    // A PUT without the department keeps the group's; one with it moves.
    let mut user = okta_user("gus@reach.test");
    let created = scim(&t, &token, "POST", "/Users", Some(user.clone())).await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let group = scim(
        &t,
        &token,
        "POST",
        "/Groups",
        Some(json!({"displayName": "Nights", "members": [{"value": id}]})),
    )
    .await;
    let gid = group.body["id"].as_str().unwrap().to_string();
    user["title"] = json!("Porter");
    let put = scim(&t, &token, "PUT", &format!("/Users/{id}"), Some(user.clone())).await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(t.member(&org, &id).await["department_id"], gid.as_str());
    assert_eq!(t.member(&org, &id).await["position"], "Porter");
    // The directory made this one: it may move its email.
    user["userName"] = json!("gus@moved.reach.test");
    user["emails"] = json!([{"value": "gus@moved.reach.test"}]);
    let renamed = scim(&t, &token, "PUT", &format!("/Users/{id}"), Some(user)).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(t.member(&org, &id).await["email"], "gus@moved.reach.test");
    t.assert_members_consistent(&org).await;
}

/// What a review found of the freeze hold: a shortened window applies what it held at its
/// new end; a user whose deletion is held can be created again (after the deletion); a
/// creation still held can be put in a group, and is made in its department.
async fn a_shortened_window_and_held_users_in_groups(t: TestApp) {
    let org = t.create_org("Scim Shorten", "paid").await;
    let token = directory_token(&t, &org).await;
    let created = scim(&t, &token, "POST", "/Users", Some(okta_user("ida@shorten.test"))).await;
    let ida = created.body["id"].as_str().unwrap().to_string();
    let group = scim(&t, &token, "POST", "/Groups", Some(json!({"displayName": "Days"}))).await;
    let gid = group.body["id"].as_str().unwrap().to_string();
    let path = format!("/v1/orgs/{}/freeze", org.org_id);
    assert_eq!(
        t.call("PUT", &path, Some(&org.admin_token), Some(freeze_for(&t, 24 * 60)))
            .await
            .status,
        200
    );
    // Deleted, then created again, during the window.
    assert_eq!(scim(&t, &token, "DELETE", &format!("/Users/{ida}"), None).await.status, 204);
    let again = scim(&t, &token, "POST", "/Users", Some(okta_user("ida@shorten.test"))).await;
    assert_eq!(
        (again.status, again.body["id"].as_str()),
        (201, Some(ida.as_str())),
        "{}",
        again.text
    );
    // A new user, put in a group before it exists.
    let jon = scim(&t, &token, "POST", "/Users", Some(okta_user("jon@shorten.test"))).await;
    let jon = jon.body["id"].as_str().unwrap().to_string();
    let added = scim(
        &t,
        &token,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": jon}]}]))),
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.text);
    // The window is moved to end in ten minutes: nothing applies before then.
    assert_eq!(
        t.call("PUT", &path, Some(&org.admin_token), Some(freeze_for(&t, 10))).await.status,
        200
    );
    t.drain().await;
    assert_eq!(held_kinds(&t, &org).await.len(), 3);
    t.advance(11 * 60).await;
    t.drain().await;
    assert!(held_kinds(&t, &org).await.is_empty());
    let member = t.member(&org, &jon).await;
    assert_eq!(
        (member["status"].as_str(), member["department_id"].as_str()),
        (Some("invited"), Some(gid.as_str()))
    );
    assert_eq!(scim(&t, &token, "GET", &format!("/Users/{ida}"), None).await.status, 200);
    let trail = reasons(&t.audit_of(&org, &ida).await)
        .into_iter()
        .map(|(a, r)| format!("{a}:{r}"))
        .collect::<Vec<_>>();
    assert!(
        trail.ends_with(&[
            "member_deprovisioned:directory_sync".to_string(),
            "member_reprovisioned:directory_sync".to_string()
        ]),
        "{trail:?}"
    );
    t.assert_members_consistent(&org).await;
}

/// `POST /.search` (RFC 7644 §3.4.3): users and groups at once, one page of them, the
/// filter and the attribute lists in the body; another org's resources are never found.
async fn a_search_finds_users_and_groups_at_once(t: TestApp) {
    let org = t.create_org("Scim Search", "paid").await;
    let other = t.create_org("Scim Search Elsewhere", "paid").await;
    let token = directory_token(&t, &org).await;
    let other_token = directory_token(&t, &other).await;
    let users = provisioned(&t, &token, (0..3).map(|n| format!("s{n}@search.test"))).await;
    let group = scim(
        &t,
        &token,
        "POST",
        "/Groups",
        Some(json!({"displayName": "Searchers", "members": [{"value": users[0]}]})),
    )
    .await;
    assert_eq!(group.status, 201, "{}", group.text);
    let gid = group.body["id"].as_str().unwrap().to_string();
    let elsewhere = scim(&t, &other_token, "POST", "/Users", Some(okta_user("elsewhere@search.test"))).await;
    assert_eq!(elsewhere.status, 201, "{}", elsewhere.text);
    let search = |body: Value| scim(&t, &token, "POST", "/.search", Some(body));
    let request = |extra: Value| {
        let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    // Everything: the admin the org was made with, the three users, then the group.
    let all = search(request(json!({}))).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["totalResults"], 5, "{}", all.text);
    let kinds: Vec<&str> = all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["User", "User", "User", "User", "Group"]);
    assert!(!all.text.contains("elsewhere@search.test"));
    // A page across the two kinds, with only the attributes asked for.
    let page = search(request(
        json!({"startIndex": 4, "count": 2, "attributes": ["userName", "displayName"]}),
    ))
    .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        (page.body["startIndex"].clone(), page.body["itemsPerPage"].clone()),
        (json!(4), json!(2))
    );
    let resources = page.body["Resources"].as_array().unwrap();
    assert!(
        resources[0].get("userName").is_some() && resources[0].get("name").is_none(),
        "{}",
        page.text
    );
    assert_eq!(resources[1]["id"], gid.as_str());
    assert_eq!(resources[1]["displayName"], "Searchers");
    assert!(resources[1].get("members").is_none(), "{}", page.text);
    // A filter on an attribute only one kind has finds only that kind; `id` finds either.
    let by_name = search(request(json!({"filter": "userName eq \"s1@search.test\""}))).await;
    assert_eq!(by_name.body["totalResults"], 1, "{}", by_name.text);
    assert_eq!(by_name.body["Resources"][0]["id"], users[1].as_str());
    let by_group = search(request(
        json!({"filter": "displayName eq \"Searchers\"", "excludedAttributes": ["members"]}),
    ))
    .await;
    assert_eq!(by_group.body["totalResults"], 1, "{}", by_group.text);
    assert!(by_group.body["Resources"][0].get("members").is_none());
    let by_id = search(request(json!({"filter": format!("id eq \"{gid}\"")}))).await;
    assert_eq!(
        by_id.body["Resources"][0]["members"][0]["value"],
        users[0].as_str(),
        "{}",
        by_id.text
    );
    // Another org's user is not found by its directory's search here.
    let elsewhere = search(request(json!({"filter": "userName eq \"elsewhere@search.test\""}))).await;
    assert_eq!(elsewhere.body["totalResults"], 0, "{}", elsewhere.text);
    let theirs = scim(&t, &other_token, "POST", "/.search", Some(request(json!({})))).await;
    assert_eq!(
        theirs.body["totalResults"], 2,
        "the other org's admin and its user: {}",
        theirs.text
    );
    for id in users.iter().chain([&gid]) {
        assert!(!theirs.text.contains(id.as_str()), "{}", theirs.text);
    }
    // Bad input: a clear SCIM error.
    for (body, scim_type) in [
        (request(json!({"filter": "title eq \"x\""})), "invalidFilter"),
        (request(json!({"count": "ten"})), "invalidValue"),
        (request(json!({"attributes": "userName"})), "invalidValue"),
        (json!(["not", "an", "object"]), "invalidValue"),
    ] {
        let refused = search(body).await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(refused.body["scimType"], scim_type, "{}", refused.text);
    }
}

/// A directory paging through every user (Okta's import, Entra ID's first cycle) reads the
/// org once for the listing, not once a page: each page after the first reads its own
/// members, from where the page before ended. Every user is listed once, in id order; a
/// page asked out of order (no mark) is still right.
async fn a_full_listing_reads_the_org_once_not_once_a_page(t: TestApp) {
    let metered = std::sync::Arc::new(std::sync::Mutex::new(roster_tests::Units::default()));
    let units = metered.clone();
    let t = t.wrap_store(move |inner| std::sync::Arc::new(roster_tests::MeteredStore { inner, units }));
    let org = t.create_org("Scim Listing", "paid").await;
    let token = directory_token(&t, &org).await;
    const USERS: usize = 30;
    const PAGE: usize = 7;
    let mut expected = provisioned(&t, &token, (0..USERS).map(|i| format!("lister{i}@listing.test"))).await;
    let everyone = scim(&t, &token, "GET", "/Users?count=1000", None).await;
    assert_eq!(everyone.body["totalResults"], USERS + 1, "the admin too: {}", everyone.text);
    expected.insert(0, everyone.body["Resources"][0]["id"].as_str().unwrap().to_string());
    let members_read = || std::mem::take(&mut metered.lock().unwrap().items_read);

    members_read();
    let mut listed: Vec<String> = Vec::new();
    let mut start = 1;
    let mut pages = 0;
    loop {
        let page = scim(&t, &token, "GET", &format!("/Users?startIndex={start}&count={PAGE}"), None).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(page.body["totalResults"], USERS + 1, "{}", page.text);
        assert_eq!(page.body["startIndex"], start, "{}", page.text);
        let resources = page.body["Resources"].as_array().unwrap();
        listed.extend(resources.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        pages += 1;
        if resources.len() < PAGE {
            break;
        }
        start += PAGE;
    }
    assert_eq!(pages, (USERS + 1).div_ceil(PAGE) + usize::from((USERS + 1) % PAGE == 0));
    let read = members_read();
    let mut sorted = expected.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "every user once, in id order");
    // The first page reads the org; each later one its page, the one it resumes after and
    // its mark (a few lookups besides). Reading the org a page would be pages × users.
    assert!(
        read <= (USERS + 1) + pages * (PAGE + 6),
        "{read} items read for {pages} pages of {PAGE} of {} users",
        USERS + 1
    );

    // Out of order: no mark for this start, so the org is read for it; still the same users.
    let middle = scim(&t, &token, "GET", "/Users?startIndex=12&count=5", None).await;
    assert_eq!(ids_of(&middle), sorted[11..16], "{}", middle.text);
    // Nothing asked, or past the end: no users, the same total.
    for path in ["/Users?count=0", "/Users?startIndex=500&count=10"] {
        let empty = scim(&t, &token, "GET", path, None).await;
        assert_eq!(empty.status, 200, "{}", empty.text);
        assert_eq!(
            (empty.body["totalResults"].clone(), ids_of(&empty).len()),
            (json!(USERS + 1), 0),
            "{path}"
        );
    }

    // A listing lists what its first page counted: the member a mark resumes after deleted
    // meanwhile, a user made meanwhile waits for the next listing, the total holds.
    let first = scim(&t, &token, "GET", "/Users?startIndex=1&count=10", None).await;
    assert_eq!(ids_of(&first), sorted[..10]);
    let gone = sorted[9].clone();
    let deleted = scim(&t, &token, "DELETE", &format!("/Users/{gone}"), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let late = provisioned(&t, &token, std::iter::once("late@listing.test".to_string())).await;
    let older_listing = listed_from(&t, &token, 11, 10).await;
    assert_eq!(older_listing, sorted[10..], "the rest as counted, the late user not yet");
    // The next listing has the late user and not the deleted one. Its first page makes the
    // older listing's marks stale: a page that would resume at one reads the org instead.
    let mut now = sorted.iter().filter(|id| **id != gone).cloned().chain(late).collect::<Vec<_>>();
    now.sort();
    let again = listed_from(&t, &token, 1, 10).await;
    assert_eq!(again, now);
    let newest = scim(&t, &token, "GET", "/Users?startIndex=1&count=10", None).await;
    assert_eq!(ids_of(&newest), now[..10]);
    members_read();
    let stale = scim(&t, &token, "GET", "/Users?startIndex=21&count=10", None).await;
    assert_eq!(ids_of(&stale), now[20..30], "not where the older listing's mark points");
    assert!(members_read() > USERS, "the org is read again");
    // A mark past its ten minutes is not used either.
    let fresh = scim(&t, &token, "GET", "/Users?startIndex=1&count=10", None).await;
    assert_eq!(ids_of(&fresh), now[..10]);
    t.advance(11 * 60).await;
    members_read();
    let expired = scim(&t, &token, "GET", "/Users?startIndex=11&count=10", None).await;
    assert_eq!(ids_of(&expired), now[10..20]);
    assert!(members_read() > USERS, "the org is read again");

    // A search without a filter pages the same way, on from the users into the groups.
    let group = scim(&t, &token, "POST", "/Groups", Some(json!({"displayName": "Listed"}))).await;
    assert_eq!(group.status, 201, "{}", group.text);
    let search = |start: usize, count: usize| {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "startIndex": start, "count": count});
        scim(&t, &token, "POST", "/.search", Some(body))
    };
    let head = search(1, 28).await;
    assert_eq!(ids_of(&head), now[..28], "{}", head.text);
    members_read();
    let tail = search(29, 7).await;
    assert!(members_read() < 15, "resumed at the mark");
    let mut wanted: Vec<&str> = now[28..].iter().map(String::as_str).collect();
    wanted.push(group.body["id"].as_str().unwrap());
    assert_eq!(ids_of(&tail), wanted, "{}", tail.text);
    assert_eq!(tail.body["totalResults"], USERS + 2, "{}", tail.text);
}

fn ids_of(answer: &Answer) -> Vec<String> {
    answer.body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", answer.text))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The ids of a listing's pages from `start` on, each page's total the same.
async fn listed_from(t: &TestApp, token: &str, mut start: usize, count: usize) -> Vec<String> {
    let mut listed = Vec::new();
    let mut total = None;
    loop {
        let page = scim(t, token, "GET", &format!("/Users?startIndex={start}&count={count}"), None).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(
            *total.get_or_insert(page.body["totalResults"].clone()),
            page.body["totalResults"],
            "{}",
            page.text
        );
        let ids = ids_of(&page);
        listed.extend(ids.iter().cloned());
        if ids.len() < count {
            return listed;
        }
        start += count;
    }
}

on_every_backend!(
    the_directory_s_reach_over_members_it_did_not_make,
    a_shortened_window_and_held_users_in_groups,
    a_department_admin_sees_the_directory_s_members_of_its_department_only,
    a_freeze_holds_the_directorys_membership_changes_and_applies_them_in_order,
    a_lifted_freeze_applies_what_it_held_and_nothing_twice,
    a_directory_token_is_shown_once_names_its_org_and_is_replaced_by_the_next,
    tokens_issued_at_once_leave_one_that_works,
    scim_routes_take_the_directory_token_only_and_answer_in_scim_format,
    okta_provisions_deactivates_reactivates_and_deletes_a_user,
    entra_patches_profile_fields_and_the_department,
    if_match_refuses_a_stale_version,
    reactivation_obeys_the_seat_limit,
    users_created_at_once_make_one_member,
    groups_are_departments,
    group_moves_racing_member_edits_lose_neither,
    a_search_finds_users_and_groups_at_once,
    a_full_listing_reads_the_org_once_not_once_a_page,
);

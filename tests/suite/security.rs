//! Holes an outside attack found, closed: the plan is the operator's, writes that change
//! nothing write nothing, a temporary password signs in once and a password change ends
//! older sessions.

use serde_json::json;

use roster_app::{KeyError, KeyMaterialSource, SigningKeys};
use roster_tests::TestApp;
use std::sync::Arc;

/// Only the operator changes an org's plan: an org admin cannot lift its own free-plan
/// limits.
async fn only_the_operator_changes_the_plan(t: TestApp) {
    let org = t.create_org("Planned", "free").await;
    let path = format!("/v1/orgs/{}", org.org_id);
    let before = t.snapshot(&org).await;
    let lifted = t.call("PATCH", &path, Some(&org.admin_token), Some(json!({"plan": "paid"}))).await;
    assert_eq!((lifted.status, lifted.code()), (403, "forbidden"), "{}", lifted.text);
    assert_eq!(t.snapshot(&org).await, before, "a refused patch changes nothing");
    // Naming the plan it already has is no change of plan.
    let same = t
        .call(
            "PATCH",
            &path,
            Some(&org.admin_token),
            Some(json!({"plan": "free", "seat_limit": 40})),
        )
        .await;
    assert_eq!(
        (same.status, same.body["plan"].as_str(), same.body["seat_limit"].as_u64()),
        (200, Some("free"), Some(40))
    );
    let operator = t.call("PATCH", &path, Some(&t.operator_token), Some(json!({"plan": "paid"}))).await;
    assert_eq!(
        (operator.status, operator.body["plan"].as_str()),
        (200, Some("paid")),
        "{}",
        operator.text
    );
}

/// A `PATCH` that changes nothing answers the record as it is, without a new version or
/// an audit event; a `PATCH` without a body is a 400.
async fn a_patch_that_changes_nothing_writes_nothing(t: TestApp) {
    let org = t.create_org("Still", "paid").await;
    let (member, member_token) = t.add_member(&org, "still@still.test", "member", None).await;
    t.update_member(&org, &member, json!({"position": "Nurse"})).await;
    let org_path = format!("/v1/orgs/{}", org.org_id);
    let mut current = t.call("GET", &org_path, Some(&org.admin_token), None).await.body;
    // A PATCH answers the org's settings; only GET adds the seats in use.
    current.as_object_mut().unwrap().remove("seats_used");
    let before = t.snapshot(&org).await;
    let unchanged = [
        t.call("PATCH", &org_path, Some(&org.admin_token), Some(json!({}))).await,
        t.call("PATCH", &org_path, Some(&org.admin_token), Some(json!({"name": current["name"]})))
            .await,
        t.update_member(&org, &member, json!({})).await,
        t.update_member(&org, &member, json!({"position": "Nurse"})).await,
        t.call("PATCH", "/v1/me", Some(&member_token), Some(json!({}))).await,
        t.call("PATCH", "/v1/me", Some(&member_token), Some(json!({"first_name": "Member"})))
            .await,
    ];
    for answer in &unchanged {
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    assert_eq!(unchanged[0].body, current, "the org as it is");
    assert_eq!(unchanged[2].body["position"], "Nurse");
    assert_eq!(t.snapshot(&org).await, before, "no version bump, no audit event");
    for (path, token) in [(org_path.as_str(), &org.admin_token), ("/v1/me", &member_token)] {
        let empty = t.request("PATCH", path, Some(token), Some("application/json"), Vec::new()).await;
        assert_eq!(empty.status, 400, "{path}: {}", empty.text);
    }
    assert_eq!(t.snapshot(&org).await, before);
}

/// The keys secret out of reach, as a Lambda that signs may find it.
struct UnreachableKeys;

#[async_trait::async_trait]
impl KeyMaterialSource for UnreachableKeys {
    async fn load(&self) -> Result<roster_app::KeyMaterial, KeyError> {
        Err(KeyError::Unavailable("the secret's store is out of reach".into()))
    }
}

/// A temporary password signs in once, for changing it; a password change ends the
/// access tokens issued before it.
async fn a_temporary_password_signs_in_once_and_a_password_change_ends_older_tokens(mut t: TestApp) {
    let org = t.create_org("Once", "paid").await;
    let created = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/accounts", org.org_id),
            Some(&org.admin_token),
            Some(json!({"email": "temp@once.test", "first_name": "Tem", "last_name": "Porary", "role": "member"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    t.drain().await;
    let temporary = t.last_temporary_password("temp@once.test");
    // While `login` cannot read its keys, a sign-in fails (503) and uses nothing up.
    let signing_keys = t.signing_keys.clone();
    t.signing_keys = Arc::new(
        SigningKeys::later(
            &t.public_keys.public_key_text(),
            Arc::new(UnreachableKeys),
            true,
            "http://roster.test",
            "roster-api",
        )
        .unwrap(),
    );
    let unavailable = t.login("temp@once.test", &temporary).await;
    assert_eq!(
        (unavailable.status, unavailable.code()),
        (503, "unavailable"),
        "{}",
        unavailable.text
    );
    t.signing_keys = signing_keys;
    let first = t.login("temp@once.test", &temporary).await;
    assert_eq!(
        (first.status, first.body["password_change_required"].as_bool()),
        (200, Some(true)),
        "{}",
        first.text
    );
    assert!(
        first.body.get("refresh_token").is_none(),
        "a temporary password's session is not extended"
    );
    let again = t.login("temp@once.test", &temporary).await;
    assert_eq!((again.status, again.code()), (401, "temporary_password_used"), "{}", again.text);
    let first_token = first.body["access_token"].as_str().unwrap();
    let changed = t
        .call(
            "POST",
            "/v1/me/password",
            Some(first_token),
            Some(json!({"current_password": temporary, "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let ended = t
        .call(
            "POST",
            "/v1/me/password",
            Some(first_token),
            Some(json!({"current_password": "a brand new passphrase", "new_password": "yet another passphrase"})),
        )
        .await;
    assert_eq!((ended.status, ended.code()), (401, "token_revoked"), "{}", ended.text);

    // Two sessions of a member; a password change from one ends both.
    let (_, session_a) = t.add_member(&org, "two@once.test", "member", None).await;
    let session_b = t.login_token("two@once.test").await;
    let changed = t
        .call(
            "POST",
            "/v1/me/password",
            Some(&session_a),
            Some(json!({"current_password": roster_tests::PASSWORD, "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    for token in [&session_a, &session_b] {
        let me = t.call("GET", "/v1/me", Some(token), None).await;
        assert_eq!((me.status, me.code()), (401, "token_revoked"));
    }
    assert_eq!(t.login("two@once.test", "a brand new passphrase").await.status, 200);
}

/// The public join code tells no one who belongs: a join request answers the same for a
/// licensed, invited, pending, unlicensed or unknown email. An address with an account is
/// told by email instead (at most once an hour), and nothing in the org changes for it.
async fn a_join_request_answers_the_same_for_every_email(t: TestApp) {
    let org = t.create_org("Closed Doors", "paid").await;
    t.add_member(&org, "licensed@doors.test", "member", None).await;
    t.invite(&org, &org.admin_token, json!({"email": "invited@doors.test", "role": "member"}))
        .await;
    t.join(&org, "pending@doors.test").await;
    let (removed, _) = t.add_member(&org, "removed@doors.test", "member", None).await;
    t.remove_member(&org, &removed).await;
    t.drain().await;
    let code = t.join_code(&org).await;
    let ask = |email: &'static str| {
        let (t, code) = (&t, code.clone());
        async move {
            let body = json!({"email": email, "first_name": "Pat", "last_name": "Probe", "phone": "5550100100"});
            t.call_from("198.51.100.20", "POST", &format!("/v1/join/{code}"), body).await
        }
    };
    let existing = [
        "licensed@doors.test",
        "invited@doors.test",
        "pending@doors.test",
        "removed@doors.test",
    ];
    let before = t.snapshot(&org).await;
    let emails_before: Vec<usize> = existing.iter().map(|e| t.emails_to(e).len()).collect();
    let mut answers = Vec::new();
    for email in existing.into_iter().chain(["nobody@doors.test"]) {
        let answer = ask(email).await;
        let mut body = answer.body.clone();
        assert_eq!(body["email"], email);
        body["email"] = json!("…");
        answers.push((answer.status, body));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:#?}");
    assert_eq!(answers[0].0, 202);
    // Asked again within the hour: still the same answer, and no second email.
    for email in existing {
        assert_eq!(ask(email).await.status, 202);
    }
    t.drain().await;
    for (email, before) in existing.iter().zip(emails_before) {
        let emails = t.emails_to(email);
        assert_eq!(emails.len(), before + 1, "one notice to {email}");
        assert!(emails.last().unwrap().subject.starts_with("Your request to join Closed Doors"));
    }
    assert!(t
        .emails_to("licensed@doors.test")
        .last()
        .unwrap()
        .text_body
        .contains("You already have an account there"));
    assert!(t
        .emails_to("invited@doors.test")
        .last()
        .unwrap()
        .text_body
        .contains("You already have an invitation"));
    // The members are as they were (same versions); only the unknown email became one,
    // a join request.
    let after = t.snapshot(&org).await;
    let members =
        |items: &[(String, u64)]| -> Vec<(String, u64)> { items.iter().filter(|(sk, _)| sk.starts_with("MEMBER#")).cloned().collect() };
    let (members_before, members_after) = (members(&before), members(&after));
    assert!(
        members_before.iter().all(|m| members_after.contains(m)),
        "an existing member changed"
    );
    assert_eq!(members_after.len(), members_before.len() + 1);
    t.pending_member_id(&org, "nobody@doors.test").await;
}

/// A member's new email takes effect only once the new address confirms it: the link goes
/// to the new address and a notice to the old one, and until then the account keeps (and
/// signs in with) its email. The answer is the same for a taken address (rule 12; no
/// probing who belongs).
async fn an_email_change_takes_effect_once_the_new_address_confirms_it(t: TestApp) {
    let org = t.create_org("Confirmed Mail", "paid").await;
    let (_, member) = t.add_member(&org, "old@mail.test", "member", None).await;
    t.add_member(&org, "taken@mail.test", "member", None).await;
    t.drain().await;
    let change = |to: &'static str| {
        let (t, member) = (&t, member.clone());
        async move { t.call("PATCH", "/v1/me", Some(&member), Some(json!({"email": to}))).await }
    };
    let confirm = |token: String| {
        let t = &t;
        async move { t.call("POST", "/v1/email-confirmations", None, Some(json!({"token": token}))).await }
    };
    let link_to = |address: &str| {
        let email = t
            .emails_to(address)
            .into_iter()
            .rev()
            .find(|e| e.text_body.contains("/confirm-email/"))
            .expect("a confirmation link");
        // Its expiry in words, and one button for the link.
        assert!(
            email.text_body.contains("expires on ") && email.text_body.contains(" UTC. Until then"),
            "{}",
            email.text_body
        );
        assert_eq!(
            email.html_body.matches(">Confirm your new email</a>").count(),
            1,
            "{}",
            email.html_body
        );
        roster_tests::link_token(&email.text_body)
    };

    // A taken address answers like a free one; its link (only its owner gets it) fails.
    let taken = change("taken@mail.test").await;
    assert_eq!(
        (taken.status, taken.body["email"].as_str()),
        (200, Some("old@mail.test")),
        "{}",
        taken.text
    );
    assert_eq!(taken.body["pending_email"]["email"], "taken@mail.test");
    t.drain().await;
    let refused = confirm(link_to("taken@mail.test")).await;
    assert_eq!((refused.status, refused.code()), (409, "email_taken"));

    let asked = change("new@mail.test").await;
    assert_eq!((asked.status, asked.body["email"].as_str()), (200, Some("old@mail.test")));
    assert_eq!(asked.body["pending_email"]["email"], "new@mail.test");
    t.drain().await;
    let notice = t.emails_to("old@mail.test").pop().unwrap();
    assert!(notice.subject.contains("is being changed"), "{}", notice.subject);
    assert!(!notice.text_body.contains("/confirm-email/"), "the old address gets no link");
    // Not yet confirmed: the new address does not sign in, the old one does.
    assert_eq!(t.login("new@mail.test", roster_tests::PASSWORD).await.status, 401);
    assert_eq!(t.login("old@mail.test", roster_tests::PASSWORD).await.status, 200);
    // The taken address's link was replaced by the later change: it leads nowhere now.
    assert_eq!(confirm(link_to("taken@mail.test")).await.status, 404);

    let token = link_to("new@mail.test");
    let confirmed = confirm(token.clone()).await;
    assert_eq!(
        (confirmed.status, confirmed.body["email"].as_str()),
        (200, Some("new@mail.test")),
        "{}",
        confirmed.text
    );
    assert_eq!(t.login("new@mail.test", roster_tests::PASSWORD).await.status, 200);
    assert_eq!(t.login("old@mail.test", roster_tests::PASSWORD).await.status, 401);
    let me = t.call("GET", "/v1/me", Some(&member), None).await;
    assert_eq!(
        (me.body["email"].as_str(), me.body.get("pending_email")),
        (Some("new@mail.test"), None)
    );
    assert_eq!(confirm(token).await.status, 404, "a link works once");
    assert_eq!(confirm("not-a-token".into()).await.status, 400);

    // A link past its day is refused, and the change stays undone.
    change("later@mail.test").await;
    t.drain().await;
    t.clock.advance(25 * 3600);
    let late = confirm(link_to("later@mail.test")).await;
    assert_eq!((late.status, late.code()), (410, "confirmation_expired"));
    assert_eq!(t.login("new@mail.test", roster_tests::PASSWORD).await.status, 200);
    t.assert_name_index_in_step(&org).await;
}

/// A burst costs: join requests are limited per client IP and per join code, and guessing
/// codes per client IP (each unknown code counts); past a limit the answer is 429 with
/// `Retry-After`.
async fn join_requests_and_join_code_guesses_are_rate_limited(t: TestApp) {
    let t = t.configure(|config| {
        config.join_requests_per_ip = 3;
        config.join_requests_per_code = 5;
        config.join_code_guesses_per_ip = 3;
    });
    let org = t.create_org("Joiners", "paid").await;
    let code = t.join_code(&org).await;
    let mut n = 0;
    let mut join = |ip: &'static str, code: String| {
        n += 1;
        let body = json!({"email": format!("j{n}@joiners.test"), "first_name": "Jo", "last_name": "In", "phone": "5550100100"});
        let t = &t;
        async move { t.call_from(ip, "POST", &format!("/v1/join/{code}"), body).await }
    };
    let page = t.call_from("198.51.100.9", "GET", &format!("/v1/join/{code}"), json!(null)).await;
    assert_eq!(
        (page.status, page.body["org"]["name"].as_str()),
        (200, Some("Joiners")),
        "{}",
        page.text
    );
    for _ in 0..3 {
        let joined = join("198.51.100.1", code.clone()).await;
        assert_eq!(joined.status, 202, "{}", joined.text);
    }
    let limited = join("198.51.100.1", code.clone()).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"), "per IP");
    assert!(limited.headers.contains_key("retry-after"));
    // Five requests for the code in the hour, from anywhere.
    for _ in 0..2 {
        assert_eq!(join("198.51.100.2", code.clone()).await.status, 202);
    }
    assert_eq!(join("198.51.100.3", code.clone()).await.status, 429, "per code");
    // Guessing codes.
    for guess in ["AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC"] {
        assert_eq!(join("198.51.100.4", guess.into()).await.status, 404);
    }
    assert_eq!(join("198.51.100.4", "DDDDDDDDDD".into()).await.status, 429, "guesses per IP");
    let looked_up = t.call_from("198.51.100.4", "GET", &format!("/v1/join/{code}"), json!(null)).await;
    assert_eq!(looked_up.status, 429, "looking codes up is guessing too");
}

/// On a free plan, single invitations count toward the same daily limit as imported rows,
/// per admin and per client IP; a paid plan has none.
async fn free_plan_single_invitations_count_with_imports(t: TestApp) {
    let t = t.configure(|config| config.free_import_daily_limit = 3);
    let org = t.create_org("Free Single", "free").await;
    for n in 0..2 {
        let invited = t
            .invite(
                &org,
                &org.admin_token,
                json!({"email": format!("s{n}@free.test"), "role": "member"}),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.text);
    }
    // The third of the day through an import; its second row is over the limit.
    let imported = t
        .import_pasted(&org, json!({"emails": "i1@free.test i2@free.test", "role": "member"}))
        .await;
    assert_eq!(imported.body["invited"], 1, "{}", imported.text);
    assert_eq!(imported.body["failures"][0]["code"], "rate_limited");
    let refused = t
        .invite(&org, &org.admin_token, json!({"email": "s9@free.test", "role": "member"}))
        .await;
    assert_eq!((refused.status, refused.code()), (429, "rate_limited"), "{}", refused.text);
    assert!(refused.headers.contains_key("retry-after"));
    let paid = t.create_org("Paid Single", "paid").await;
    for n in 0..4 {
        let invited = t
            .invite(
                &paid,
                &paid.admin_token,
                json!({"email": format!("p{n}@paid.test"), "role": "member"}),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.text);
    }
}

on_every_backend!(
    only_the_operator_changes_the_plan,
    a_patch_that_changes_nothing_writes_nothing,
    a_temporary_password_signs_in_once_and_a_password_change_ends_older_tokens,
    join_requests_and_join_code_guesses_are_rate_limited,
    a_join_request_answers_the_same_for_every_email,
    an_email_change_takes_effect_once_the_new_address_confirms_it,
    free_plan_single_invitations_count_with_imports
);

//! SPEC §6: sign-in rules per org and per member, one-time codes by email, and an org that
//! always keeps an org admin who can sign in.

use std::sync::Arc;

use serde_json::json;

use roster_tests::{Answer, OrgFixture, TestApp, PASSWORD};

/// The code in the newest sign-in code email to `address`.
fn last_code(t: &TestApp, address: &str) -> String {
    let emails = t.emails_to(address);
    let email = emails
        .iter()
        .rev()
        .find(|e| e.subject.starts_with("Your Roster sign-in code"))
        .unwrap_or_else(|| panic!("no sign-in code email to {address}"));
    email
        .text_body
        .lines()
        .find_map(|l| l.strip_prefix("Sign-in code: "))
        .unwrap()
        .trim()
        .to_string()
}

async fn ask_code(t: &TestApp, address: &str) -> Answer {
    let answer = t.call("POST", "/v1/auth/otp", None, Some(json!({"email": address}))).await;
    t.drain().await;
    answer
}

async fn verify(t: &TestApp, address: &str, code: &str) -> Answer {
    t.call("POST", "/v1/auth/otp/verify", None, Some(json!({"email": address, "code": code})))
        .await
}

async fn set_org_methods(t: &TestApp, org: &OrgFixture, methods: serde_json::Value) -> Answer {
    t.call(
        "PATCH",
        &format!("/v1/orgs/{}", org.org_id),
        Some(&t.operator_token),
        Some(json!({"login_methods": methods})),
    )
    .await
}

async fn set_member_methods(t: &TestApp, org: &OrgFixture, member_id: &str, methods: serde_json::Value) -> Answer {
    t.update_member(org, member_id, json!({"login_methods": methods})).await
}

/// Invites `email` as `role` and accepts with a password (no sign-in: the address may have
/// accounts in several orgs). Answers the member's id.
async fn add_account(t: &TestApp, org: &OrgFixture, email: &str, role: &str) -> String {
    let invited = t.invite(org, &org.admin_token, json!({"email": email, "role": role})).await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    t.drain().await;
    let accepted = t.accept(&t.last_invitation_token(email), "Pat").await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    invited.body["id"].as_str().unwrap().to_string()
}

/// Invites `email` as `role`, and accepts without a password (the org or the member's own
/// methods must not include one). Answers the member's id.
async fn add_member_without_password(t: &TestApp, org: &OrgFixture, email: &str, role: &str) -> String {
    let invited = t.invite(org, &org.admin_token, json!({"email": email, "role": role})).await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    t.drain().await;
    let token = t.last_invitation_token(email);
    let invitation = t.call("GET", &format!("/v1/invitations/{token}"), None, None).await;
    assert_eq!(invitation.body["requires"]["password"], false, "{}", invitation.text);
    let accepted = t
        .call(
            "POST",
            &format!("/v1/invitations/{token}/accept"),
            None,
            Some(json!({"first_name": "Cody", "last_name": "Tester", "phone": "+1 555 010 0100", "eula_accepted": true})),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    invited.body["id"].as_str().unwrap().to_string()
}

async fn login_methods_are_any_non_empty_set_of_what_the_server_has(t: TestApp) {
    let org = t.create_org("Methods", "paid").await;
    let set = set_org_methods(&t, &org, json!(["email_otp", "password", "email_otp"])).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["login_methods"], json!(["password", "email_otp"]), "each once, in order");
    let empty = set_org_methods(&t, &org, json!([])).await;
    assert_eq!((empty.status, empty.code()), (400, "validation_failed"), "{}", empty.text);
    assert_eq!(empty.body["errors"][0]["field"], "login_methods");
    assert_eq!(empty.body["errors"][0]["code"], "required");
    // Single sign-on needs a connection someone has signed in through (tests/suite/sso.rs).
    let sso = set_org_methods(&t, &org, json!(["sso"])).await;
    assert_eq!((sso.status, sso.code()), (409, "sso_not_ready"), "{}", sso.text);
    let org_now = t
        .call("GET", &format!("/v1/orgs/{}", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(
        org_now.body["login_methods"],
        json!(["password", "email_otp"]),
        "refusals change nothing"
    );
    // A member's own override: a set, or null to follow the org.
    let (member_id, _) = t.add_member(&org, "m@methods.test", "member", None).await;
    let only_codes = set_member_methods(&t, &org, &member_id, json!(["email_otp"])).await;
    assert_eq!(only_codes.status, 200, "{}", only_codes.text);
    assert_eq!(only_codes.body["login_methods"], json!(["email_otp"]));
    let refused = t.login("m@methods.test", PASSWORD).await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "login_method_not_allowed"),
        "{}",
        refused.text
    );
    // Only after the password is checked: a wrong one says nothing about the account.
    assert_eq!(t.login("m@methods.test", "not the password").await.code(), "invalid_credentials");
    let cleared = set_member_methods(&t, &org, &member_id, json!(null)).await;
    assert_eq!(cleared.status, 200, "{}", cleared.text);
    assert!(cleared.body.get("login_methods").is_none(), "follows the org: {}", cleared.text);
    assert_eq!(t.login("m@methods.test", PASSWORD).await.status, 200, "follows the org again");
    let audit = t.audit_of(&org, &member_id).await;
    assert!(audit
        .iter()
        .any(|(action, _, _, reason)| action == "member_updated" && reason == "login_methods_changed"));
}

/// One code signs in to every account of the address whose org (or own setting) allows
/// codes, all at once, with each org's name and the member's role.
async fn a_code_signs_in_to_every_account_that_allows_codes(t: TestApp) {
    let person = "pat@codes.test";
    let allows = t.create_org("Codes Allowed", "paid").await;
    let password_only = t.create_org("Codes Password", "paid").await;
    let overridden = t.create_org("Codes Override", "paid").await;
    assert_eq!(set_org_methods(&t, &allows, json!(["password", "email_otp"])).await.status, 200);
    add_account(&t, &allows, person, "dept_admin").await;
    add_account(&t, &password_only, person, "member").await;
    let in_override = add_account(&t, &overridden, person, "member").await;
    assert_eq!(
        set_member_methods(&t, &overridden, &in_override, json!(["email_otp"])).await.status,
        200
    );

    let asked = ask_code(&t, person).await;
    assert_eq!((asked.status, asked.body.clone()), (202, json!({"expires_in": 600})));
    let emails = t.emails_to(person);
    let email = emails.last().unwrap();
    assert!(email.text_body.contains("Codes Allowed") && email.text_body.contains("Codes Override"));
    assert!(!email.text_body.contains("Codes Password"), "{}", email.text_body);
    let code = last_code(&t, person);
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));

    let signed_in = verify(&t, person, &format!(" {} {} ", &code[..3], &code[3..])).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let accounts = signed_in.body["accounts"].as_array().unwrap();
    let orgs: Vec<(&str, &str)> = accounts
        .iter()
        .map(|a| (a["org_name"].as_str().unwrap(), a["role"].as_str().unwrap()))
        .collect();
    assert_eq!(orgs, [("Codes Allowed", "dept_admin"), ("Codes Override", "member")]);
    for account in accounts {
        let token = account["access_token"].as_str().unwrap();
        let me = t.call("GET", "/v1/me", Some(token), None).await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.body["org_id"], account["org_id"]);
        let refreshed = t
            .call(
                "POST",
                "/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": account["refresh_token"]})),
            )
            .await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    }
    let again = verify(&t, person, &code).await;
    assert_eq!((again.status, again.code()), (401, "invalid_code"), "single use");
}

/// The answer and the work are the same with or without accounts; no code is emailed to
/// an address none of whose accounts allows codes.
async fn asking_for_a_code_tells_nothing_about_accounts(t: TestApp) {
    let org = t.create_org("Codes Quiet", "paid").await;
    t.add_member(&org, "password-only@quiet.test", "member", None).await;
    let known = ask_code(&t, "password-only@quiet.test").await;
    let unknown = ask_code(&t, "nobody@quiet.test").await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, 202);
    assert!(t.emails_to("nobody@quiet.test").is_empty());
    assert!(t
        .emails_to("password-only@quiet.test")
        .iter()
        .all(|e| !e.subject.contains("sign-in code")));
    let invalid = t.call("POST", "/v1/auth/otp", None, Some(json!({"email": "not an email"}))).await;
    assert_eq!((invalid.status, invalid.code()), (400, "validation_failed"));
}

async fn a_code_lasts_ten_minutes_and_a_newer_one_replaces_it(t: TestApp) {
    let org = t.create_org("Codes Time", "paid").await;
    assert_eq!(set_org_methods(&t, &org, json!(["email_otp", "password"])).await.status, 200);
    let person = "admin@codes-time.test";
    ask_code(&t, person).await;
    let first = last_code(&t, person);
    t.clock.advance(601);
    assert_eq!(verify(&t, person, &first).await.code(), "invalid_code", "expired");
    ask_code(&t, person).await;
    let older = last_code(&t, person);
    ask_code(&t, person).await;
    let newer = last_code(&t, person);
    if older != newer {
        assert_eq!(verify(&t, person, &older).await.code(), "invalid_code", "replaced");
    }
    assert_eq!(verify(&t, person, &newer).await.status, 200);
}

/// Five wrong codes spend a code, even when they come all at once: every wrong try is
/// counted before it is answered, none lost.
/// `n` verifications of `code` for `address`, each on its own task, all at once.
async fn all_at_once(t: &Arc<TestApp>, n: usize, address: &str, code: &str) -> Vec<Answer> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (t, address, code) = (t.clone(), address.to_string(), code.to_string());
            tokio::spawn(async move { verify(&t, &address, &code).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

async fn a_burst_of_wrong_codes_spends_the_code(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Codes Burst", "paid").await;
    assert_eq!(set_org_methods(&t, &org, json!(["email_otp"])).await.status, 200);
    let person = "admin@codes-burst.test";
    ask_code(&t, person).await;
    let code = last_code(&t, person);
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let answers = all_at_once(&t, 12, person, &wrong).await;
    assert!(
        answers.iter().all(|a| a.status == 401),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let late = verify(&t, person, &code).await;
    assert_eq!((late.status, late.code()), (401, "invalid_code"), "out of tries");
    let stored = t
        .app
        .store
        .get(&format!("SIGNIN#{person}"), "CODE")
        .await
        .unwrap()
        .expect("the code's record");
    assert_eq!(stored.json()["failures"], 5, "counted to the limit, no further");
}

/// Of two sign-ins with the same right code at once, one gets in.
async fn a_code_signs_in_once_under_concurrency(t: TestApp) {
    let t = Arc::new(t);
    let org = t.create_org("Codes Once", "paid").await;
    assert_eq!(set_org_methods(&t, &org, json!(["email_otp"])).await.status, 200);
    let person = "admin@codes-once.test";
    ask_code(&t, person).await;
    let code = last_code(&t, person);
    let answers = all_at_once(&t, 6, person, &code).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| [200, 401].contains(s)), "{statuses:?}");
}

async fn codes_are_limited_per_email_and_per_client(t: TestApp) {
    t.create_org("Codes Limit", "paid").await;
    for _ in 0..5 {
        assert_eq!(
            t.call_from("198.51.100.7", "POST", "/v1/auth/otp", json!({"email": "a@limit.test"}))
                .await
                .status,
            202
        );
    }
    let limited = t
        .call_from("198.51.100.8", "POST", "/v1/auth/otp", json!({"email": "a@limit.test"}))
        .await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert!(limited.headers.contains_key("retry-after"));
    for i in 0..25 {
        let answer = t
            .call_from("198.51.100.7", "POST", "/v1/auth/otp", json!({"email": format!("b{i}@limit.test")}))
            .await;
        assert_eq!(answer.status, 202);
    }
    let per_ip = t
        .call_from("198.51.100.7", "POST", "/v1/auth/otp", json!({"email": "c@limit.test"}))
        .await;
    assert_eq!(per_ip.status, 429, "30 an hour from one client");
    t.clock.advance(3600);
    assert_eq!(
        t.call_from("198.51.100.7", "POST", "/v1/auth/otp", json!({"email": "c@limit.test"}))
            .await
            .status,
        202
    );
}

/// A session begun by code ends at its next refresh once codes are taken away.
async fn a_refresh_checks_the_method_its_session_began_with(t: TestApp) {
    let org = t.create_org("Codes Refresh", "paid").await;
    assert_eq!(set_org_methods(&t, &org, json!(["password", "email_otp"])).await.status, 200);
    let (member_id, _) = t.add_member(&org, "r@refresh.test", "member", None).await;
    ask_code(&t, "r@refresh.test").await;
    let by_code = verify(&t, "r@refresh.test", &last_code(&t, "r@refresh.test")).await;
    let by_password = t.login("r@refresh.test", PASSWORD).await;
    assert_eq!(set_member_methods(&t, &org, &member_id, json!(["password"])).await.status, 200);
    let refused = t
        .call(
            "POST",
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": by_code.body["accounts"][0]["refresh_token"]})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "login_method_not_allowed"),
        "{}",
        refused.text
    );
    let kept = t
        .call(
            "POST",
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": by_password.body["refresh_token"]})),
        )
        .await;
    assert_eq!(kept.status, 200, "{}", kept.text);
    // A right code for an address whose accounts no longer allow codes.
    ask_code(&t, "r@refresh.test").await;
    assert!(
        t.emails_to("r@refresh.test")
            .iter()
            .filter(|e| e.subject.contains("sign-in code"))
            .count()
            == 1
    );
}

/// An org with admins A (a password) and B (codes only, no password).
async fn org_with_a_codes_only_admin(t: &TestApp, name: &str) -> (OrgFixture, String, String) {
    let org = t.create_org(name, "paid").await;
    assert_eq!(set_org_methods(t, &org, json!(["email_otp"])).await.status, 200);
    let slug = name.to_lowercase().replace(' ', "-");
    let b_email = format!("b@{slug}.test");
    let b = add_member_without_password(t, &org, &b_email, "org_admin").await;
    assert_eq!(set_org_methods(t, &org, json!(["password", "email_otp"])).await.status, 200);
    (org, b, b_email)
}

/// No change leaves an org without an org admin who can sign in.
async fn an_org_keeps_an_org_admin_who_can_sign_in(t: TestApp) {
    let (org, b, b_email) = org_with_a_codes_only_admin(&t, "Lockout").await;
    // B signs in by code and removes A: B can still sign in (codes).
    ask_code(&t, &b_email).await;
    let b_token = verify(&t, &b_email, &last_code(&t, &b_email)).await.body["accounts"][0]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/{}/remove", org.org_id, org.admin_id),
            Some(&b_token),
            None,
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    // Passwords only would leave B, the only org admin, without a way in.
    let refused = set_org_methods(&t, &org, json!(["password"])).await;
    assert_eq!(
        (refused.status, refused.code()),
        (409, "no_org_admin_can_sign_in"),
        "{}",
        refused.text
    );
    let refused = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{}/members/{b}", org.org_id),
            Some(&b_token),
            Some(json!({"login_methods": ["password"]})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (409, "no_org_admin_can_sign_in"),
        "{}",
        refused.text
    );
    let org_now = t.call("GET", &format!("/v1/orgs/{}", org.org_id), Some(&b_token), None).await;
    assert_eq!(org_now.body["login_methods"], json!(["password", "email_otp"]), "nothing changed");
    let b_now = t
        .call("GET", &format!("/v1/orgs/{}/members/{b}", org.org_id), Some(&b_token), None)
        .await;
    assert_eq!(b_now.body["status"], "licensed");
}

/// Two changes, each fine alone, that together would leave no org admin able to sign in:
/// at once, one of them is refused.
async fn concurrent_changes_never_lock_the_admins_out(t: TestApp) {
    let (org, _b, b_email) = org_with_a_codes_only_admin(&t, "Lockout Race").await;
    ask_code(&t, &b_email).await;
    let b_token = verify(&t, &b_email, &last_code(&t, &b_email)).await.body["accounts"][0]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let t = Arc::new(t);
    let remove_path = format!("/v1/orgs/{}/members/{}/remove", org.org_id, org.admin_id);
    let settings = {
        let (t, org) = (t.clone(), org.clone());
        tokio::spawn(async move { set_org_methods(&t, &org, json!(["password"])).await })
    };
    let removal = {
        let t = t.clone();
        tokio::spawn(async move { t.call("POST", &remove_path, Some(&b_token), None).await })
    };
    let (passwords_only, removal) = (settings.await.unwrap(), removal.await.unwrap());
    let outcomes = [
        (passwords_only.status, passwords_only.code().to_string()),
        (removal.status, removal.code().to_string()),
    ];
    let succeeded = outcomes.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(succeeded, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .any(|(status, code)| *status == 409 && code == "no_org_admin_can_sign_in"),
        "{outcomes:?}"
    );
}

on_every_backend!(
    login_methods_are_any_non_empty_set_of_what_the_server_has,
    a_code_signs_in_to_every_account_that_allows_codes,
    asking_for_a_code_tells_nothing_about_accounts,
    a_code_lasts_ten_minutes_and_a_newer_one_replaces_it,
    a_burst_of_wrong_codes_spends_the_code,
    a_code_signs_in_once_under_concurrency,
    codes_are_limited_per_email_and_per_client,
    a_refresh_checks_the_method_its_session_began_with,
    an_org_keeps_an_org_admin_who_can_sign_in,
    concurrent_changes_never_lock_the_admins_out,
);

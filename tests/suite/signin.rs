//! SPEC §6 (password part): login, JWKS, rate limits, token lifetime, secrets at rest.

use serde_json::json;

use roster_tests::{TestApp, PASSWORD};

async fn tokens_are_rs256_and_published_as_jwks(t: TestApp) {
    t.create_org("Keys", "free").await;
    let jwks = t.call("GET", "/.well-known/jwks.json", None, None).await;
    let key = &jwks.body["keys"][0];
    assert_eq!((key["kty"].as_str(), key["alg"].as_str()), (Some("RSA"), Some("RS256")));
    let login = t.login("admin@keys.test", PASSWORD).await;
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    let token = login.body["access_token"].as_str().unwrap();
    let claims = t.app.keys.verify(token, t.app.now().unix_timestamp()).unwrap();
    assert_eq!(claims.aud, "roster-api");
    // Short-lived: after 15 minutes the token is refused.
    t.clock.advance(901);
    let late = t.call("GET", "/v1/me", Some(token), None).await;
    assert_eq!((late.status, late.code()), (401, "token_expired"));
    let forged = format!("{}x", &token[..token.len() - 1]);
    assert_eq!(t.call("GET", "/v1/me", Some(&forged), None).await.status, 401);
}

/// Failed logins are limited per email, without letting a stranger lock the person out:
/// the right password from a client the person signed in from before (its device token)
/// still gets through, with a failure count of its own.
async fn wrong_passwords_are_rate_limited_per_email(t: TestApp) {
    t.create_org("Limits", "free").await;
    let admin = "admin@limits.test";
    let first = t.login(admin, PASSWORD).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let device = first.body["device_token"].as_str().expect("a device token").to_string();
    let login_from_device = |password: &'static str| {
        t.call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": admin, "password": password, "device_token": device})),
        )
    };
    for _ in 0..5 {
        assert_eq!(t.login(admin, "not the password").await.status, 401);
    }
    let limited = t.login(admin, PASSWORD).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"), "a new client waits");
    let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after));
    let own = login_from_device(PASSWORD).await;
    assert_eq!(own.status, 200, "the person's own client still signs in: {}", own.text);
    assert_eq!(own.body["device_token"].as_str(), Some(device.as_str()));
    // The device's own failures are limited too.
    for _ in 0..5 {
        assert_eq!(login_from_device("not the password").await.status, 401);
    }
    assert_eq!(login_from_device(PASSWORD).await.status, 429);
    // Someone else's device token is no way around the limit.
    t.add_member(&t.create_org("Other Limits", "free").await, "else@limits.test", "member", None)
        .await;
    let other = t.login("else@limits.test", PASSWORD).await.body["device_token"]
        .as_str()
        .unwrap()
        .to_string();
    let borrowed = t
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": admin, "password": PASSWORD, "device_token": other})),
        )
        .await;
    assert_eq!(borrowed.status, 429);
    t.clock.advance(retry_after as i64);
    assert_eq!(t.login(admin, PASSWORD).await.status, 200, "the window passed");
    let unknown = t.login("nobody@limits.test", PASSWORD).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (401, "invalid_credentials"),
        "unknown emails look like wrong passwords"
    );
}

/// An email with accounts in several orgs: a wrong password answers like any other wrong
/// password (and counts); only the right one is asked which org, with the orgs named.
async fn an_email_with_accounts_in_several_orgs_names_the_org(t: TestApp) {
    let first = t.create_org("First", "free").await;
    let second = t.create_org("Second", "free").await;
    t.add_member(&first, "both@orgs.test", "member", None).await;
    t.call(
        "POST",
        &format!("/v1/orgs/{}/invitations", second.org_id),
        Some(&second.admin_token),
        Some(json!({"email": "both@orgs.test", "role": "member"})),
    )
    .await;
    t.drain().await;
    t.accept(&t.last_invitation_token("both@orgs.test"), "Both").await;
    let wrong = t.login("both@orgs.test", "not the password").await;
    assert_eq!((wrong.status, wrong.code()), (401, "invalid_credentials"), "{}", wrong.text);
    assert!(wrong.body.get("orgs").is_none());
    let ambiguous = t.login("both@orgs.test", PASSWORD).await;
    assert_eq!(ambiguous.status, 400, "{}", ambiguous.text);
    assert_eq!(ambiguous.body["errors"][0]["code"], "org_required");
    let mut names: Vec<&str> = ambiguous.body["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["First", "Second"]);
    let chosen = t
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "both@orgs.test", "password": PASSWORD, "org_id": second.org_id})),
        )
        .await;
    assert_eq!(chosen.body["org_id"], second.org_id.as_str());
    // The wrong password above counted: four more reach the limit of five.
    for _ in 0..4 {
        t.login("both@orgs.test", "not the password").await;
    }
    assert_eq!(t.login("both@orgs.test", PASSWORD).await.status, 429);
}

/// Many people behind one address (a hospital's NAT): once failures from it reach the
/// per-IP limit, a new client there waits, but a person signing in from a client they used
/// before (its device token) still gets in: a stranger never locks a named person out.
async fn a_shared_address_full_of_failures_does_not_lock_out_known_devices(t: TestApp) {
    let t = t.configure(|config| config.login_failures_per_ip = 3);
    t.create_org("Nat", "free").await;
    let nat = "198.51.100.77";
    let login_from = |email: &'static str, password: &'static str, device: Option<String>| {
        let t = &t;
        async move {
            t.call_from(
                nat,
                "POST",
                "/v1/auth/login",
                json!({"email": email, "password": password, "device_token": device}),
            )
            .await
        }
    };
    let first = login_from("admin@nat.test", PASSWORD, None).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let device = first.body["device_token"].as_str().unwrap().to_string();
    for stranger in ["a@nat.test", "b@nat.test", "c@nat.test"] {
        assert_eq!(login_from(stranger, "guess", None).await.status, 401);
    }
    assert_eq!(login_from("d@nat.test", "guess", None).await.status, 429, "the address is limited");
    assert_eq!(login_from("admin@nat.test", PASSWORD, None).await.status, 429, "a new client waits");
    let known = login_from("admin@nat.test", PASSWORD, Some(device)).await;
    assert_eq!(known.status, 200, "a known device still signs in: {}", known.text);
}

async fn secrets_are_never_stored_in_clear(t: TestApp) {
    let org = t.create_org("Secrets", "free").await;
    t.invite(&org, &org.admin_token, json!({"email": "s@secrets.test", "role": "member"}))
        .await;
    t.call(
        "POST",
        &format!("/v1/orgs/{}/accounts", org.org_id),
        Some(&org.admin_token),
        Some(json!({"email": "c@secrets.test", "first_name": "C", "last_name": "S", "role": "member"})),
    )
    .await;
    t.drain().await;
    let token = t.last_invitation_token("s@secrets.test");
    let temporary = t.last_temporary_password("c@secrets.test");
    let login = t.login("admin@secrets.test", PASSWORD).await;
    let device = login.body["device_token"].as_str().unwrap().to_string();
    let refresh = login.body["refresh_token"].as_str().unwrap().to_string();
    let device_pk = format!("DEVICE#{}", roster_app::secrets::sha256_hex(&device));
    let refresh_pk = format!("REFRESH#{}", roster_app::secrets::sha256_hex(&refresh));
    let mut everything = String::new();
    for prefix in [
        format!("ORG#{}", org.org_id),
        "ACCOUNTS#admin@secrets.test".into(),
        device_pk,
        refresh_pk,
    ] {
        for item in t
            .app
            .query_all(roster_app::ports::Query::table(prefix, roster_app::ports::SkCondition::Any))
            .await
            .unwrap()
        {
            everything.push_str(&item.data);
        }
    }
    assert!(everything.contains("admin@secrets.test"), "the device is stored, by hash");
    assert!(!everything.contains(&device), "device token stored");
    assert!(everything.contains("session_ends_at"), "the refresh token is stored, by hash");
    assert!(!everything.contains(&refresh), "refresh token stored");
    assert!(!everything.contains(&token), "invitation token stored");
    assert!(!everything.contains(&temporary), "temporary password stored");
    assert!(!everything.contains(PASSWORD), "password stored");
    assert!(everything.contains("$argon2id$"), "passwords are Argon2id hashes");
}

/// A session lasts a working day through refresh tokens: each works once (a second use
/// ends the session for both holders), and the session ends at its end, on removal, and
/// on a password change.
async fn sessions_last_a_working_day_through_single_use_refresh_tokens(t: TestApp) {
    let org = t.create_org("Sessions", "paid").await;
    let (member, _) = t.add_member(&org, "day@sessions.test", "member", None).await;
    let refresh = |token: String| t.call("POST", "/v1/auth/refresh", None, Some(json!({"refresh_token": token})));
    let token_of = |answer: &roster_tests::Answer| answer.body["refresh_token"].as_str().expect("a refresh token").to_string();
    let login = t.login("day@sessions.test", PASSWORD).await;
    assert_eq!(login.body["refresh_expires_in"], 12 * 3600);
    let first = token_of(&login);
    let renewed = refresh(first.clone()).await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let me = t.call("GET", "/v1/me", renewed.body["access_token"].as_str(), None).await;
    assert_eq!(me.status, 200);
    let second = token_of(&renewed);
    assert_ne!(second, first, "rotated");
    // The first one again: someone copied it. The session ends for both.
    let reused = refresh(first).await;
    assert_eq!((reused.status, reused.code()), (401, "invalid_refresh_token"));
    assert_eq!(refresh(second).await.status, 401, "the session ended");

    // A working day, however often refreshed.
    let mut token = token_of(&t.login("day@sessions.test", PASSWORD).await);
    for _ in 0..11 {
        t.clock.advance(3600);
        let next = refresh(token).await;
        assert_eq!(next.status, 200, "{}", next.text);
        token = token_of(&next);
    }
    t.clock.advance(3600);
    assert_eq!(refresh(token).await.status, 401, "over after twelve hours");

    // A password change ends it.
    let login = t.login("day@sessions.test", PASSWORD).await;
    let changed = t
        .call(
            "POST",
            "/v1/me/password",
            login.body["access_token"].as_str(),
            Some(json!({"current_password": PASSWORD, "new_password": "a different passphrase"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(refresh(token_of(&login)).await.status, 401, "password changed");

    // So does removal.
    let token = token_of(&t.login("day@sessions.test", "a different passphrase").await);
    // (The admin's own access token lapsed in those twelve hours.)
    let admin = t.login_token("admin@sessions.test").await;
    let removed = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/{member}/remove", org.org_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(refresh(token.clone()).await.status, 401, "removed");
    // Brought back (reinvited, accepted): the old session stays over.
    let reinvited = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/{member}/reinvite", org.org_id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(reinvited.status, 200, "{}", reinvited.text);
    t.drain().await;
    assert_eq!(t.accept(&t.last_invitation_token("day@sessions.test"), "Back").await.status, 200);
    assert_eq!(refresh(token).await.status, 401, "a session from before the removal stays over");
}

on_every_backend!(
    sessions_last_a_working_day_through_single_use_refresh_tokens,
    tokens_are_rs256_and_published_as_jwks,
    wrong_passwords_are_rate_limited_per_email,
    an_email_with_accounts_in_several_orgs_names_the_org,
    a_shared_address_full_of_failures_does_not_lock_out_known_devices,
    secrets_are_never_stored_in_clear
);

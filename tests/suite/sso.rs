//! SPEC §6: single sign-on per org (OIDC). The connection an org admin sets (its secret
//! sealed, never answered, logged or audited; each email domain claimed by one org), and
//! `sso` as a sign-in method only once the connection has been signed in through.

use serde_json::{json, Value};

use roster_tests::{Answer, OrgFixture, TestApp};

fn connection(domains: &[&str]) -> Value {
    json!({
        "issuer": "https://idp.example.com/tenant",
        "client_id": "roster-client",
        "client_secret": "the-client-secret-42",
        "email_domains": domains,
        "jit": "licensed",
    })
}

/// The same, at the test provider (a start by email reaches it).
fn provider_connection(domains: &[&str]) -> Value {
    let mut body = connection(domains);
    body["issuer"] = json!(issuer());
    body
}

async fn put_sso(t: &TestApp, org: &OrgFixture, body: Value) -> Answer {
    t.call("PUT", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), Some(body))
        .await
}

async fn an_org_admin_sets_reads_and_removes_its_connection(t: TestApp) {
    let org = t.create_org("SSO Clinic", "paid").await;
    let none = t
        .call("GET", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(none.status, 404, "{}", none.text);

    let set = put_sso(&t, &org, connection(&["Clinic.example", "clinic.example", "staff.clinic.example"])).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["issuer"], "https://idp.example.com/tenant");
    assert_eq!(set.body["email_domains"], json!(["clinic.example", "staff.clinic.example"]));
    assert_eq!(set.body["jit"], "licensed");
    assert_eq!(set.body["client_secret_set"], true);
    assert_eq!(set.body["redirect_uri"], "http://roster.test/v1/auth/sso/callback");
    assert!(set.body["tested_at"].is_null());
    assert!(!set.text.contains("the-client-secret-42"), "{}", set.text);

    let read = t
        .call("GET", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(read.body, set.body);

    // The secret is nowhere in clear: not in the store, not in the audit trail.
    let mut stored = String::new();
    for item in t
        .app
        .query_all(roster_app::ports::Query::table(
            format!("ORG#{}", org.org_id),
            roster_app::ports::SkCondition::Any,
        ))
        .await
        .unwrap()
    {
        stored.push_str(&item.data);
    }
    assert!(stored.contains("sealed_client_secret"), "the connection is stored");
    assert!(!stored.contains("the-client-secret-42"), "the secret is stored sealed");
    let audit = t
        .call("GET", &format!("/v1/orgs/{}/audit", org.org_id), Some(&org.admin_token), None)
        .await;
    assert!(audit.text.contains("sso_configured"), "{}", audit.text);
    assert!(!audit.text.contains("the-client-secret-42"));

    // Each domain waits for its DNS proof, a record of the org's own.
    let domains = set.body["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 2, "{}", set.text);
    assert_eq!(domains[1]["domain"], "staff.clinic.example");
    assert_eq!(domains[1]["dns_record_name"], "_roster-verification.staff.clinic.example");
    assert!(domains[1]["dns_record_value"]
        .as_str()
        .unwrap()
        .starts_with("roster-domain-verification="));
    assert!(domains[1]["verified_at"].is_null());

    // Another org may list a domain no one has verified; the first to verify it has it.
    let other = t.create_org("Elsewhere", "paid").await;
    let pending = put_sso(&t, &other, connection(&["staff.clinic.example"])).await;
    assert_eq!(pending.status, 200, "{}", pending.text);
    assert_ne!(
        pending.body["domains"][0]["dns_record_value"], domains[1]["dns_record_value"],
        "each org its own proof"
    );
    publish_proof(&set, "staff.clinic.example");
    publish_proof(&pending, "staff.clinic.example");
    let verified = verify_domain(&t, &org, "staff.clinic.example").await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert!(verified.body["domains"][1]["verified_at"].is_string(), "{}", verified.text);
    let again = verify_domain(&t, &org, "staff.clinic.example").await;
    assert_eq!(again.body, verified.body, "verifying again changes nothing");
    let late = verify_domain(&t, &other, "staff.clinic.example").await;
    assert_eq!((late.status, late.code()), (409, "sso_domain_claimed"), "{}", late.text);
    let claimed = put_sso(&t, &other, connection(&["staff.clinic.example"])).await;
    assert_eq!((claimed.status, claimed.code()), (409, "sso_domain_claimed"), "{}", claimed.text);
    // Re-setting the connection keeps each domain's proof and verification.
    let kept = put_sso(&t, &org, connection(&["clinic.example", "staff.clinic.example"])).await;
    assert_eq!(kept.body["domains"], verified.body["domains"], "{}", kept.text);
    // After the removal the domain is free again.
    let removed = t
        .call("DELETE", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let now_free = verify_domain(&t, &other, "staff.clinic.example").await;
    assert_eq!(now_free.status, 200, "{}", now_free.text);
    let gone = t
        .call("GET", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(gone.status, 404);
}

async fn bad_connections_are_refused_and_change_nothing(t: TestApp) {
    let org = t.create_org("Bad SSO", "paid").await;
    let cases = [
        (json!({"issuer": "http://idp.example.com"}), "issuer"),
        (json!({"issuer": "https://idp.example.com/?x=1"}), "issuer"),
        (json!({"issuer": ""}), "issuer"),
        (json!({"client_id": " "}), "client_id"),
        (json!({"client_secret": "has space inside"}), "client_secret"),
        (json!({"email_domains": ["not a domain"]}), "email_domains"),
        (json!({"email_domains": ["localhost"]}), "email_domains"),
    ];
    for (change, field) in cases {
        let mut body = connection(&["bad.example"]);
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let refused = put_sso(&t, &org, body).await;
        assert_eq!((refused.status, refused.code()), (400, "validation_failed"), "{}", refused.text);
        assert_eq!(refused.body["errors"][0]["field"], field, "{}", refused.text);
    }
    let webmail = put_sso(&t, &org, connection(&["gmail.com"])).await;
    assert_eq!(webmail.body["errors"][0]["field"], "email_domains", "{}", webmail.text);
    let unknown_jit = put_sso(
        &t,
        &org,
        json!({"issuer": "https://i.example", "client_id": "c", "client_secret": "s", "jit": "maybe"}),
    )
    .await;
    assert_eq!(unknown_jit.status, 400, "{}", unknown_jit.text);
    let none = t
        .call("GET", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(none.status, 404, "nothing was stored");
}

async fn sso_is_a_sign_in_method_only_once_its_connection_worked(t: TestApp) {
    let org = t.create_org("Not Yet", "paid").await;
    let without_connection = set_org_methods(&t, &org, json!(["password", "sso"])).await;
    assert_eq!(
        (without_connection.status, without_connection.code()),
        (409, "sso_not_ready"),
        "{}",
        without_connection.text
    );
    assert_eq!(put_sso(&t, &org, connection(&["notyet.example"])).await.status, 200);
    let untested = set_org_methods(&t, &org, json!(["password", "sso"])).await;
    assert_eq!((untested.status, untested.code()), (409, "sso_not_ready"), "{}", untested.text);
    let (member_id, _) = t.add_member(&org, "m@notyet.example", "member", None).await;
    let member = t.update_member(&org, &member_id, json!({"login_methods": ["sso"]})).await;
    assert_eq!((member.status, member.code()), (409, "sso_not_ready"), "{}", member.text);
    let org_now = t
        .call("GET", &format!("/v1/orgs/{}", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!(org_now.body["login_methods"], json!(["password"]));
}

async fn a_connection_an_org_admin_signs_in_by_stays(t: TestApp) {
    let org = t.create_org("Kept Clinic", "paid").await;
    connect(&t, &org, "kept-clinic.test", "off").await;
    callback(&t, &at_provider(&t, &format!("org={}", org.org_id), "admin@kept-clinic.test").await).await;
    let (second, _) = t.add_member(&org, "second@kept-clinic.test", "org_admin", None).await;
    let only_sso = t.update_member(&org, &second, json!({"login_methods": ["sso"]})).await;
    assert_eq!(only_sso.status, 200, "{}", only_sso.text);
    let removed = t
        .call("DELETE", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!((removed.status, removed.code()), (409, "sso_in_use"), "{}", removed.text);
}

/// A deployment (the Lambdas) refuses plain-http issuers when the connection is set, not
/// at every sign-in after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_refuses_an_http_issuer() {
    let mut t = TestApp::new();
    std::sync::Arc::get_mut(&mut t.app)
        .expect("not shared yet")
        .config
        .sso_allow_http_issuers = false;
    let org = t.create_org("Https Only", "paid").await;
    let mut body = connection(&["https-only.test"]);
    body["issuer"] = json!("http://127.0.0.1:9001");
    let refused = put_sso(&t, &org, body).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.body["errors"][0]["field"], "issuer");
}

async fn concurrent_claims_of_one_domain_leave_one_owner(t: TestApp) {
    let t = std::sync::Arc::new(t);
    let mut orgs = Vec::new();
    for i in 0..4 {
        let org = t.create_org(&format!("Claimant {i}"), "paid").await;
        // Each lists the domain and publishes its proof: all four could show they own it.
        let listed = put_sso(&t, &org, provider_connection(&["contested.example"])).await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        publish_proof(&listed, "contested.example");
        orgs.push(org);
    }
    let claims: Vec<_> = orgs
        .iter()
        .map(|org| {
            let (t, org) = (t.clone(), org.clone());
            tokio::spawn(async move { verify_domain(&t, &org, "contested.example").await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for claim in claims {
        let answer = claim.await.unwrap();
        outcomes.push((answer.status, answer.code().to_string()));
    }
    assert_eq!(outcomes.iter().filter(|(status, _)| *status == 200).count(), 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|(status, code)| *status == 200 || (*status == 409 && (code == "sso_domain_claimed" || code == "concurrent_update"))),
        "{outcomes:?}"
    );
    // `?email=` goes to the winner's connection, which lists the domain as verified.
    let winner = &orgs[outcomes.iter().position(|(status, _)| *status == 200).unwrap()];
    let winner_view = sso_settings(&t, winner).await;
    assert!(winner_view.body["domains"][0]["verified_at"].is_string(), "{}", winner_view.text);
    let start_by_email = || {
        t.call_with_headers(
            "GET",
            "/v1/auth/sso/start?email=a%40contested.example",
            &[("accept", "application/json")],
        )
    };
    assert_eq!(start_by_email().await.status, 200);
    // Losers giving up their pending listing (a PUT without it, a DELETE) keep the winner's claim.
    let losers: Vec<_> = orgs.iter().filter(|org| org.org_id != winner.org_id).collect();
    let dropped = put_sso(&t, losers[0], provider_connection(&["elsewhere.example"])).await;
    assert_eq!(dropped.status, 200, "{}", dropped.text);
    let deleted = t
        .call(
            "DELETE",
            &format!("/v1/orgs/{}/sso", losers[1].org_id),
            Some(&losers[1].admin_token),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(start_by_email().await.status, 200, "the winner still has it");
    // The winner dropping it from its list frees it.
    let freed = put_sso(&t, winner, provider_connection(&["winner.example"])).await;
    assert_eq!(freed.status, 200, "{}", freed.text);
    assert_eq!(start_by_email().await.status, 404);
    assert_eq!(verify_domain(&t, losers[2], "contested.example").await.status, 200);
}

fn legacy_claim(org: &OrgFixture, domain: &str) -> roster_app::ports::Write {
    roster_app::ports::Write::Put {
        item: roster_app::ports::Item::new(
            roster_app::table::sso_domain_pk(domain),
            roster_app::table::SSO_DOMAIN_SK,
            1,
            json!({"org_id": org.org_id}),
        ),
        condition: roster_app::ports::Condition::NotExists,
    }
}

/// A domain claimed before domains were verified (an item from an earlier release): it
/// routes nothing, verifying takes it over, and the org's next change of its connection
/// lets go of one it never verified.
async fn a_claim_from_before_verification_routes_nothing_and_is_let_go(t: TestApp) {
    let org = t.create_org("Legacy Clinic", "paid").await;
    let set = put_sso(&t, &org, provider_connection(&["legacy.example", "old.example"])).await;
    assert_eq!(set.status, 200, "{}", set.text);
    t.app
        .store
        .transact(vec![legacy_claim(&org, "legacy.example"), legacy_claim(&org, "old.example")])
        .await
        .unwrap();
    let by_email = t
        .call_with_headers(
            "GET",
            "/v1/auth/sso/start?email=a%40legacy.example",
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(by_email.status, 404, "an unverified domain routes nothing: {}", by_email.text);
    publish_proof(&set, "legacy.example");
    let verified = verify_domain(&t, &org, "legacy.example").await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    let again = put_sso(&t, &org, provider_connection(&["legacy.example", "old.example"])).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let other = t.create_org("Elsewhere", "paid").await;
    let listed = put_sso(&t, &other, provider_connection(&["old.example"])).await;
    assert_eq!(listed.status, 200, "the unproven claim is gone: {}", listed.text);
    let kept = put_sso(&t, &other, provider_connection(&["legacy.example"])).await;
    assert_eq!(
        (kept.status, kept.code()),
        (409, "sso_domain_claimed"),
        "the proven one stays: {}",
        kept.text
    );
}

/// A record set with many values (SPF, other services' proofs): an answer too long for
/// one UDP datagram comes truncated, and the resolver asks again over TCP.
async fn a_proof_among_many_records_is_found(t: TestApp) {
    let org = t.create_org("Busy Domain Clinic", "paid").await;
    let domain = "busy-dns.test";
    let set = put_sso(&t, &org, connection(&[domain])).await;
    assert_eq!(set.status, 200, "{}", set.text);
    for i in 0..12 {
        roster_tests::publish_txt(
            &format!("_roster-verification.{domain}"),
            &format!("some-other-service-verification={i:02}{}", "x".repeat(60)),
        );
    }
    publish_proof(&set, domain);
    let verified = verify_domain(&t, &org, domain).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

/// The test provider's issuer (`scripts/oidc.sh`, started by the test command).
fn issuer() -> String {
    std::env::var("ROSTER_OIDC_ISSUER")
        .expect("ROSTER_OIDC_ISSUER: run the tests with `bash scripts/test.sh` (it starts the OpenID provider)")
}

/// Connects `org` to the test provider for `domain`, and verifies the domain (its proof
/// published on the tests' DNS server).
async fn connect(t: &TestApp, org: &OrgFixture, domain: &str, jit: &str) {
    let body = json!({"issuer": issuer(), "client_id": "roster-test", "client_secret": "s3cret", "email_domains": [domain], "jit": jit});
    let set = put_sso(t, org, body).await;
    assert_eq!(set.status, 200, "{}", set.text);
    publish_proof(&set, domain);
    let verified = verify_domain(t, org, domain).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

/// Publishes, on the tests' DNS server, the TXT record the connection names for `domain`.
fn publish_proof(connection: &Answer, domain: &str) {
    let entry = connection.body["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == domain)
        .unwrap_or_else(|| panic!("{domain} is not listed: {}", connection.text));
    roster_tests::publish_txt(
        entry["dns_record_name"].as_str().unwrap(),
        entry["dns_record_value"].as_str().unwrap(),
    );
}

async fn verify_domain(t: &TestApp, org: &OrgFixture, domain: &str) -> Answer {
    t.call(
        "POST",
        &format!("/v1/orgs/{}/sso/domains/{domain}/verify", org.org_id),
        Some(&org.admin_token),
        None,
    )
    .await
}

fn location(answer: &Answer) -> String {
    answer
        .headers
        .get("location")
        .unwrap_or_else(|| panic!("no Location: {} {}", answer.status, answer.text))
        .to_str()
        .unwrap()
        .to_string()
}

/// A browser on its way back from the provider: the callback's path and query, and the
/// cookie the start gave it.
#[derive(Debug, Clone)]
struct Back {
    path: String,
    cookie: String,
}

impl Back {
    fn replace(&self, from: &str, to: &str) -> Back {
        Back {
            path: self.path.replace(from, to),
            cookie: self.cookie.clone(),
        }
    }
    fn param(&self, name: &str) -> String {
        let prefix = format!("{name}=");
        self.path
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix(prefix.as_str()))
            .unwrap()
            .to_string()
    }
}

/// Where the callback sent the browser: the console URL's fragment, and the browser's cookie.
#[derive(Debug, Clone)]
struct Fragment {
    text: String,
    cookie: String,
}

impl Fragment {
    fn starts_with(&self, prefix: &str) -> bool {
        self.text.starts_with(prefix)
    }
    fn contains(&self, text: &str) -> bool {
        self.text.contains(text)
    }
}

impl std::fmt::Display for Fragment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<str> for Fragment {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Fragment {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// Starts a sign-in (`start` is the query: `org=…` or `email=…`) and has the provider sign in
/// `hint` (the provider's login modes: tests/oidc/provider.mjs). Answers the browser as the
/// provider sends it back.
async fn at_provider(t: &TestApp, start: &str, hint: &str) -> Back {
    at_provider_with(t, start, hint, "").await
}

/// The same, with `extra` added to the authorize request (`&test_claims=…`: the provider
/// merges them into the ID token).
async fn at_provider_with(t: &TestApp, start: &str, hint: &str, extra: &str) -> Back {
    let started = t.call("GET", &format!("/v1/auth/sso/start?{start}"), None, None).await;
    assert_eq!(started.status, 303, "{}", started.text);
    let set_cookie = started.headers["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax") && set_cookie.contains("Path=/v1/auth/sso"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let authorize = format!(
        "{}&login_hint={}{extra}",
        location(&started),
        hint.replace('+', "%2B").replace('@', "%40")
    );
    assert!(authorize.starts_with(&issuer()), "{authorize}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answered = client.get(&authorize).send().await.unwrap();
    assert_eq!(answered.status().as_u16(), 302, "{:?}", answered.text().await);
    let back = answered.headers()["location"].to_str().unwrap().to_string();
    let path = back
        .strip_prefix("http://roster.test")
        .unwrap_or_else(|| panic!("the provider sent the browser to {back}"));
    assert!(path.starts_with("/v1/auth/sso/callback?"), "{path}");
    Back {
        path: path.to_string(),
        cookie,
    }
}

/// The callback, as the browser calls it: answers the console URL's fragment.
async fn callback(t: &TestApp, back: &Back) -> Fragment {
    let answer = t.call_with_cookie("GET", &back.path, &back.cookie, None).await;
    assert_eq!(answer.status, 303, "{}", answer.text);
    let console = location(&answer);
    let text = console
        .strip_prefix("http://roster.test/sso#")
        .unwrap_or_else(|| panic!("the callback sent the browser to {console}"))
        .to_string();
    Fragment {
        text,
        cookie: back.cookie.clone(),
    }
}

async fn collect(t: &TestApp, fragment: &Fragment) -> Answer {
    let handoff = fragment
        .text
        .strip_prefix("handoff=")
        .unwrap_or_else(|| panic!("not signed in: #{}", fragment.text));
    t.call_with_cookie("POST", "/v1/auth/sso/session", &fragment.cookie, Some(json!({"handoff": handoff})))
        .await
}

/// The org's sign-in methods, set by its admin: answers the patch's answer.
async fn set_org_methods(t: &TestApp, org: &OrgFixture, methods: Value) -> Answer {
    t.call(
        "PATCH",
        &format!("/v1/orgs/{}", org.org_id),
        Some(&org.admin_token),
        Some(json!({"login_methods": methods})),
    )
    .await
}

/// Signs `admin` in through the org's connection once (which marks it tested), then makes
/// `methods` the org's sign-in methods.
async fn test_then_allow(t: &TestApp, org: &OrgFixture, admin: &str, methods: Value) {
    callback(t, &at_provider(t, &format!("org={}", org.org_id), admin).await).await;
    let allowed = set_org_methods(t, org, methods).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
}

async fn sso_settings(t: &TestApp, org: &OrgFixture) -> Answer {
    t.call("GET", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await
}

async fn an_admin_tests_the_connection_enables_sso_and_signs_in_through_it(t: TestApp) {
    let org = t.create_org("Okta Clinic", "paid").await;
    connect(&t, &org, "okta-clinic.test", "off").await;
    let start = format!("org={}", org.org_id);

    // An answer for a connection that changed since the sign-in started is refused.
    let started_before = at_provider(&t, &start, "admin@okta-clinic.test").await;
    let changed = json!({"issuer": issuer(), "client_id": "another-client", "client_secret": "s3cret", "email_domains": ["okta-clinic.test"], "jit": "off"});
    assert_eq!(put_sso(&t, &org, changed).await.status, 200);
    assert_eq!(callback(&t, &started_before).await, "error=sso_state_invalid");
    connect(&t, &org, "okta-clinic.test", "off").await;

    // Before `sso` is a sign-in method, a sign-in proves the connection and opens nothing.
    let back = at_provider(&t, &start, "admin@okta-clinic.test").await;
    assert_eq!(callback(&t, &back).await, "error=login_method_not_allowed");
    assert!(sso_settings(&t, &org).await.body["tested_at"].is_string(), "tested");

    let enabled = set_org_methods(&t, &org, json!(["password", "sso"])).await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);

    // By org, and by email (its domain names the org).
    for start in [start.clone(), "email=admin%40okta-clinic.test".to_string()] {
        let fragment = callback(&t, &at_provider(&t, &start, "admin@okta-clinic.test").await).await;
        assert!(!fragment.contains("token"), "no token in a URL: {fragment}");
        let session = collect(&t, &fragment).await;
        assert_eq!(session.status, 200, "{}", session.text);
        let account = &session.body["accounts"][0];
        assert_eq!(account["org_name"], "Okta Clinic");
        assert_eq!(account["role"], "org_admin");
        let me = t.call("GET", "/v1/me", account["access_token"].as_str(), None).await;
        assert_eq!(me.status, 200, "{}", me.text);
        let refreshed = t
            .call(
                "POST",
                "/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": account["refresh_token"]})),
            )
            .await;
        assert_eq!(refreshed.status, 200, "{}", refreshed.text);
        // The one-time code works once.
        assert_eq!(collect(&t, &fragment).await.code(), "invalid_code");
    }

    // An email no member has, with just-in-time accounts off.
    let stranger = callback(&t, &at_provider(&t, &start, "nobody@okta-clinic.test").await).await;
    assert_eq!(stranger, "error=sso_no_account");
    // The connection can't go while the org signs in by it.
    let removed = t
        .call("DELETE", &format!("/v1/orgs/{}/sso", org.org_id), Some(&org.admin_token), None)
        .await;
    assert_eq!((removed.status, removed.code()), (409, "sso_in_use"), "{}", removed.text);
}

async fn the_provider_s_answer_is_checked(t: TestApp) {
    let org = t.create_org("Strict Clinic", "paid").await;
    connect(&t, &org, "strict-clinic.test", "licensed").await;
    let start = format!("org={}", org.org_id);
    let admin = "admin@strict-clinic.test";
    test_then_allow(&t, &org, admin, json!(["password", "sso"])).await;

    for mode in [
        "wrong-issuer",
        "wrong-audience",
        "wrong-nonce",
        "no-nonce",
        "unverified",
        "expired",
        "bad-signature",
        "unknown-kid",
    ] {
        let fragment = callback(&t, &at_provider(&t, &start, &format!("{mode}+{admin}")).await).await;
        assert_eq!(fragment, "error=sso_refused", "{mode}");
    }
    // The provider refusing: an error instead of a code.
    let refused = callback(&t, &at_provider(&t, &start, &format!("access-denied+{admin}")).await).await;
    assert_eq!(refused, "error=sso_refused");
    // A key the provider rotated in since its keys were cached: fetched again, accepted.
    let rotated = callback(&t, &at_provider(&t, &start, &format!("new-key+{admin}")).await).await;
    assert!(rotated.starts_with("handoff="), "{rotated}");

    // A tampered state matches no sign-in started here.
    let back = at_provider(&t, &start, admin).await;
    let tampered = back.replace("state=", "state=x");
    assert_eq!(callback(&t, &tampered).await, "error=sso_state_invalid");
    // The real answer still works once; played again it finds nothing.
    assert!(callback(&t, &back).await.starts_with("handoff="));
    assert_eq!(callback(&t, &back).await, "error=sso_state_invalid");
    // Its code, replayed with another sign-in's state: the provider refuses a used code.
    let other = at_provider(&t, &start, admin).await;
    let replayed = Back {
        path: format!("/v1/auth/sso/callback?code={}&state={}", back.param("code"), other.param("state")),
        cookie: other.cookie.clone(),
    };
    assert_eq!(callback(&t, &replayed).await, "error=sso_refused");
    // No state at all.
    let no_state = Back {
        path: "/v1/auth/sso/callback?code=abc".into(),
        cookie: other.cookie.clone(),
    };
    assert_eq!(callback(&t, &no_state).await, "error=sso_state_invalid");
    // Another browser (a link an attacker sends, to sign a victim in to the attacker's
    // account): without the starting browser's cookie, neither the answer nor the session
    // it opened counts.
    let sent_to_victim = at_provider(&t, &start, admin).await;
    let victim = Back {
        cookie: "roster_sso=someone-else".into(),
        ..sent_to_victim.clone()
    };
    assert_eq!(callback(&t, &victim).await, "error=sso_state_invalid");
    let finished = callback(&t, &sent_to_victim).await;
    let stolen = Fragment {
        cookie: "roster_sso=someone-else".into(),
        ..finished.clone()
    };
    assert_eq!(collect(&t, &stolen).await.code(), "invalid_code");
    assert_eq!(collect(&t, &finished).await.status, 200, "the starting browser still collects it");
    // An attempt expires after ten minutes.
    let late = at_provider(&t, &start, admin).await;
    t.clock.advance(11 * 60);
    assert_eq!(callback(&t, &late).await, "error=sso_state_invalid");
}

async fn a_domain_sends_sign_ins_to_its_org_only_once_verified(t: TestApp) {
    let org = t.create_org("Pending Clinic", "paid").await;
    let domain = "pending-clinic.test";
    let body =
        json!({"issuer": issuer(), "client_id": "roster-test", "client_secret": "s3cret", "email_domains": [domain], "jit": "licensed"});
    let set = put_sso(&t, &org, body).await;
    assert_eq!(set.status, 200, "{}", set.text);
    test_then_allow(&t, &org, "admin@pending-clinic.test", json!(["password", "sso"])).await;
    let start = format!("org={}", org.org_id);

    // Unverified: `?email=` finds no org, and the provider's people get no account.
    let by_email = t
        .call("GET", "/v1/auth/sso/start?email=ann%40pending-clinic.test", None, None)
        .await;
    assert_eq!(by_email.status, 404, "{}", by_email.text);
    let no_jit = callback(&t, &at_provider(&t, &start, "ann@pending-clinic.test").await).await;
    assert_eq!(no_jit, "error=sso_no_account");

    // Verifying before the record is there, or with another org's proof, is refused.
    let early = verify_domain(&t, &org, domain).await;
    assert_eq!((early.status, early.code()), (409, "sso_domain_unverified"), "{}", early.text);
    roster_tests::publish_txt(&format!("_roster-verification.{domain}"), "roster-domain-verification=not-this-org");
    let wrong = verify_domain(&t, &org, domain).await;
    assert_eq!((wrong.status, wrong.code()), (409, "sso_domain_unverified"), "{}", wrong.text);
    let unknown = verify_domain(&t, &org, "elsewhere.test").await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    // A member may not verify (the roles matrix has every role).
    let (_, member_token) = t.add_member(&org, "pat@pending-clinic.test", "member", None).await;
    let by_member = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/sso/domains/{domain}/verify", org.org_id),
            Some(&member_token),
            None,
        )
        .await;
    assert_eq!(by_member.status, 403, "{}", by_member.text);

    publish_proof(&set, domain);
    let verified = verify_domain(&t, &org, domain).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    let audit = t
        .call("GET", &format!("/v1/orgs/{}/audit", org.org_id), Some(&org.admin_token), None)
        .await;
    assert!(audit.text.contains("sso_domain_verified"), "{}", audit.text);
    let by_email = t
        .call("GET", "/v1/auth/sso/start?email=ann%40pending-clinic.test", None, None)
        .await;
    assert_eq!(by_email.status, 303, "{}", by_email.text);
    let jit = callback(&t, &at_provider(&t, &start, "ann@pending-clinic.test").await).await;
    assert!(jit.starts_with("handoff="), "{jit}");
}

/// Microsoft Entra ID's ID tokens carry no `email_verified`; its `xms_edov` (the email's
/// domain owner is verified) vouches for the email instead.
async fn an_entra_id_token_vouches_for_its_email_by_xms_edov(t: TestApp) {
    let org = t.create_org("Entra Clinic", "paid").await;
    connect(&t, &org, "entra-clinic.test", "off").await;
    let admin = "admin@entra-clinic.test";
    test_then_allow(&t, &org, admin, json!(["password", "sso"])).await;
    let start = format!("org={}", org.org_id);
    let entra = |claims: &str| {
        format!(
            "&test_claims={}",
            claims
                .replace('{', "%7B")
                .replace('}', "%7D")
                .replace('"', "%22")
                .replace(':', "%3A")
                .replace(',', "%2C")
        )
    };
    let vouched = callback(
        &t,
        &at_provider_with(&t, &start, admin, &entra(r#"{"email_verified":null,"xms_edov":true}"#)).await,
    )
    .await;
    assert!(vouched.starts_with("handoff="), "{vouched}");
    for claims in [
        r#"{"email_verified":null,"xms_edov":false}"#,
        r#"{"email_verified":null}"#,
        r#"{"email_verified":false,"xms_edov":true}"#,
    ] {
        let refused = callback(&t, &at_provider_with(&t, &start, admin, &entra(claims)).await).await;
        assert_eq!(refused, "error=sso_refused", "{claims}");
    }
}

/// A script (the console) asks where to go, with `Accept: application/json`: one attempt,
/// the same cookie.
async fn a_script_reads_where_a_sign_in_starts(t: TestApp) {
    let org = t.create_org("Script Clinic", "paid").await;
    connect(&t, &org, "script-clinic.test", "off").await;
    let started = t
        .call_with_headers(
            "GET",
            &format!("/v1/auth/sso/start?org={}", org.org_id),
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(started.status, 200, "{}", started.text);
    assert!(
        started.body["redirect_to"].as_str().unwrap().starts_with(&issuer()),
        "{}",
        started.text
    );
    let cookie = started.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("roster_sso="), "{cookie}");
    // The script then navigates there: the sign-in finishes with that cookie.
    test_then_allow(&t, &org, "admin@script-clinic.test", json!(["password", "sso"])).await;
    let scripted = t
        .call_with_headers(
            "GET",
            &format!("/v1/auth/sso/start?org={}", org.org_id),
            &[("accept", "application/json")],
        )
        .await;
    let authorize = format!(
        "{}&login_hint=admin%40script-clinic.test",
        scripted.body["redirect_to"].as_str().unwrap()
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answered = client.get(&authorize).send().await.unwrap();
    let back = answered.headers()["location"].to_str().unwrap().to_string();
    let back = Back {
        path: back.strip_prefix("http://roster.test").unwrap().to_string(),
        cookie: scripted.headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string(),
    };
    let fragment = callback(&t, &back).await;
    assert_eq!(collect(&t, &fragment).await.status, 200, "{fragment}");
    let browser = t
        .call_with_headers(
            "GET",
            &format!("/v1/auth/sso/start?org={}", org.org_id),
            &[("accept", "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8")],
        )
        .await;
    assert_eq!(browser.status, 303, "a browser's navigation is sent on: {}", browser.text);
}

async fn people_the_provider_knows_get_an_account_just_in_time(t: TestApp) {
    let org = t.create_org("Jit Clinic", "paid").await;
    connect(&t, &org, "jit-clinic.test", "licensed").await;
    let start = format!("org={}", org.org_id);
    test_then_allow(&t, &org, "admin@jit-clinic.test", json!(["sso"])).await;
    let org_path = format!("/v1/orgs/{}", org.org_id);

    let fragment = callback(&t, &at_provider(&t, &start, "newcomer@jit-clinic.test").await).await;
    let session = collect(&t, &fragment).await;
    assert_eq!(session.status, 200, "{}", session.text);
    assert_eq!(session.body["accounts"][0]["role"], "member");
    let member_id = session.body["accounts"][0]["member_id"].as_str().unwrap().to_string();
    let member = t
        .call("GET", &format!("{org_path}/members/{member_id}"), Some(&org.admin_token), None)
        .await;
    assert_eq!(member.body["status"], "licensed", "{}", member.text);
    assert_eq!(member.body["kind"], "full");
    let audit = t.audit_of(&org, &member_id).await;
    assert!(
        audit
            .iter()
            .any(|(action, _, _, reason)| action == "member_joined_by_sso" && reason == "just_in_time"),
        "{audit:?}"
    );
    // Again: the same account, not a second one.
    let again = collect(&t, &callback(&t, &at_provider(&t, &start, "newcomer@jit-clinic.test").await).await).await;
    assert_eq!(again.body["accounts"][0]["member_id"], member_id.as_str());
    // Only for the domains the connection lists and the org verified.
    let outsider = callback(&t, &at_provider(&t, &start, "someone@elsewhere.test").await).await;
    assert_eq!(outsider, "error=sso_no_account");

    // Seats: a full org makes no account.
    let full = t
        .call("PATCH", &org_path, Some(&org.admin_token), Some(json!({"seat_limit": 2})))
        .await;
    assert_eq!(full.status, 200, "{}", full.text);
    let no_seat = callback(&t, &at_provider(&t, &start, "third@jit-clinic.test").await).await;
    assert_eq!(no_seat, "error=seats_exhausted");

    // During a freeze too (a freeze holds admins' and sweeps' changes, not arrivals).
    let unlimited = t
        .call("PATCH", &org_path, Some(&org.admin_token), Some(json!({"seat_limit": null})))
        .await;
    assert_eq!(unlimited.status, 200, "{}", unlimited.text);
    let now = t.app.now();
    let freeze = json!({
        "starts_at": roster_app::views::rfc3339(now - time::Duration::hours(1)),
        "ends_at": roster_app::views::rfc3339(now + time::Duration::days(1)),
    });
    let frozen = t
        .call("PUT", &format!("{org_path}/freeze"), Some(&org.admin_token), Some(freeze))
        .await;
    assert_eq!(frozen.status, 200, "{}", frozen.text);
    let during = callback(&t, &at_provider(&t, &start, "frozen@jit-clinic.test").await).await;
    assert!(during.starts_with("handoff="), "{during}");
}

async fn approval_jit_waits_for_an_admin(t: TestApp) {
    let org = t.create_org("Approve Clinic", "paid").await;
    connect(&t, &org, "approve-clinic.test", "approval").await;
    let start = format!("org={}", org.org_id);
    test_then_allow(&t, &org, "admin@approve-clinic.test", json!(["password", "sso"])).await;
    let org_path = format!("/v1/orgs/{}", org.org_id);
    let waiting = callback(&t, &at_provider(&t, &start, "asks@approve-clinic.test").await).await;
    assert_eq!(waiting, "pending_approval=1");
    let pending = t
        .call("GET", &format!("{org_path}/members?tab=pending"), Some(&org.admin_token), None)
        .await;
    assert!(pending.text.contains("asks@approve-clinic.test"), "{}", pending.text);
    // Until approved, signing in again waits the same way (no second account).
    let again = callback(&t, &at_provider(&t, &start, "asks@approve-clinic.test").await).await;
    assert_eq!(again, "error=account_inactive");
}

async fn one_answer_signs_in_once_under_concurrency(t: TestApp) {
    let t = std::sync::Arc::new(t);
    let org = t.create_org("Race Clinic", "paid").await;
    connect(&t, &org, "race-clinic.test", "licensed").await;
    let start = format!("org={}", org.org_id);
    test_then_allow(&t, &org, "admin@race-clinic.test", json!(["password", "sso"])).await;
    // One answer, played eight times at once (a new person: a just-in-time account too).
    let back = at_provider(&t, &start, "racer@race-clinic.test").await;
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (t, back) = (t.clone(), back.clone());
            tokio::spawn(async move { callback(&t, &back).await })
        })
        .collect();
    let mut fragments = Vec::new();
    for call in calls {
        fragments.push(call.await.unwrap());
    }
    let signed_in: Vec<_> = fragments.iter().filter(|f| f.starts_with("handoff=")).collect();
    assert_eq!(signed_in.len(), 1, "{fragments:?}");
    assert!(
        fragments
            .iter()
            .all(|f| f.starts_with("handoff=") || f == "error=sso_state_invalid"),
        "{fragments:?}"
    );
    // Its handoff, collected eight times at once: one session.
    let handoff = signed_in[0].clone();
    let collects: Vec<_> = (0..8)
        .map(|_| {
            let (t, handoff) = (t.clone(), handoff.clone());
            tokio::spawn(async move { collect(&t, &handoff).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for c in collects {
        statuses.push(c.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    let members = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?q=racer", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(members.body["items"].as_array().unwrap().len(), 1, "one account: {}", members.text);
}

/// Issue 23: in an org whose people sign in only by single sign-on, a directory's new user
/// is a licensed account at once (the seat rules apply) and gets no invitation email: there
/// is nothing to accept.
async fn a_directory_provisions_an_sso_only_org_s_members_licensed_without_an_email(t: TestApp) {
    let org = t.create_org("Sso Directory", "paid").await;
    connect(&t, &org, "sso-directory.test", "off").await;
    test_then_allow(&t, &org, "admin@sso-directory.test", json!(["sso"])).await;
    let issued = t
        .call("POST", &format!("/v1/orgs/{}/scim/token", org.org_id), Some(&org.admin_token), None)
        .await;
    let token = issued.body["token"].as_str().unwrap().to_string();
    let user = |email: &str| json!({"userName": email, "name": {"givenName": "Sam", "familyName": "Sso"}, "emails": [{"value": email}], "active": true});
    let created = t
        .call("POST", "/scim/v2/Users", Some(&token), Some(user("sam@sso-directory.test")))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap();
    let member = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members/{id}", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(
        (member.body["status"].as_str(), member.body["kind"].as_str()),
        (Some("licensed"), Some("full")),
        "{}",
        member.text
    );
    t.drain().await;
    assert!(t.emails_to("sam@sso-directory.test").is_empty());
    // Seats: two are taken (the admin and Sam).
    let limited = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{}", org.org_id),
            Some(&org.admin_token),
            Some(json!({"seat_limit": 2})),
        )
        .await;
    assert_eq!(limited.status, 200, "{}", limited.text);
    let refused = t
        .call("POST", "/scim/v2/Users", Some(&token), Some(user("sky@sso-directory.test")))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.body["detail"].as_str().unwrap().starts_with("seats_exhausted"),
        "{}",
        refused.text
    );
}

on_every_backend!(
    a_directory_provisions_an_sso_only_org_s_members_licensed_without_an_email,
    an_admin_tests_the_connection_enables_sso_and_signs_in_through_it,
    the_provider_s_answer_is_checked,
    people_the_provider_knows_get_an_account_just_in_time,
    approval_jit_waits_for_an_admin,
    one_answer_signs_in_once_under_concurrency,
    an_org_admin_sets_reads_and_removes_its_connection,
    bad_connections_are_refused_and_change_nothing,
    sso_is_a_sign_in_method_only_once_its_connection_worked,
    concurrent_claims_of_one_domain_leave_one_owner,
    a_connection_an_org_admin_signs_in_by_stays,
    a_domain_sends_sign_ins_to_its_org_only_once_verified,
    an_entra_id_token_vouches_for_its_email_by_xms_edov,
    a_script_reads_where_a_sign_in_starts,
    a_claim_from_before_verification_routes_nothing_and_is_let_go,
    a_proof_among_many_records_is_found,
);

//! Property tests: random command sequences keep the invariants — one account per email
//! per org, seats never exceeded by a change, and an unlicensed member never becomes
//! licensed without a reinvite and acceptance (or an approval).

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{json, Value};

use roster_tests::{OrgFixture, TestApp};

const EMAILS: [&str; 4] = ["a@prop.test", "b@prop.test", "c@prop.test", "d@prop.test"];

#[derive(Debug, Clone)]
enum Command {
    Invite(usize),
    Accept(usize),
    Join(usize),
    Approve(usize),
    Reject(usize),
    Remove(usize),
    Reinvite(usize),
    Revoke(usize),
    SeatLimit(Option<u32>),
    LicenseEnd(usize, i64),
    AdvanceHours(i64),
}

fn command() -> impl Strategy<Value = Command> {
    let who = 0..EMAILS.len();
    prop_oneof![
        3 => who.clone().prop_map(Command::Invite),
        3 => who.clone().prop_map(Command::Accept),
        1 => who.clone().prop_map(Command::Join),
        2 => who.clone().prop_map(Command::Approve),
        1 => who.clone().prop_map(Command::Reject),
        2 => who.clone().prop_map(Command::Remove),
        2 => who.clone().prop_map(Command::Reinvite),
        1 => who.clone().prop_map(Command::Revoke),
        1 => proptest::option::of(1u32..4).prop_map(Command::SeatLimit),
        1 => (who, 1i64..72).prop_map(|(i, h)| Command::LicenseEnd(i, h)),
        1 => (1i64..200).prop_map(Command::AdvanceHours),
    ]
}

/// Every member of the org as stored: email → (id, status).
async fn members(t: &TestApp, org: &OrgFixture) -> Vec<Value> {
    let items = t
        .app
        .query_all(roster_app::ports::Query::table(
            format!("ORG#{}", org.org_id),
            roster_app::ports::SkCondition::BeginsWith("MEMBER#".into()),
        ))
        .await
        .unwrap();
    // As the app reads them: the stored data leaves out what the keys hold (the id).
    items
        .iter()
        .map(|i| serde_json::to_value(roster_app::table::decode_member(i).unwrap()).unwrap())
        .collect()
}

async fn run(commands: Vec<Command>) {
    let t = TestApp::new();
    let mut org = t.create_org("Props", "paid").await;
    let o = org.org_id.clone();
    let mut previous: HashMap<String, String> = HashMap::new();
    let mut seat_limit: Option<u32> = None;
    for command in commands {
        // Tokens expire as the clock moves; sign the admin in afresh each step.
        org.admin_token = t.login_token("admin@props.test").await;
        let admin = Some(org.admin_token.as_str());
        let id_of = |all: &[Value], i: usize| {
            all.iter()
                .find(|m| m["email"] == EMAILS[i])
                .map(|m| m["id"].as_str().unwrap().to_string())
        };
        let all = members(&t, &org).await;
        let licensed_before = all.iter().filter(|m| m["status"] == "licensed").count();
        match &command {
            Command::Invite(i) => {
                t.call(
                    "POST",
                    &format!("/v1/orgs/{o}/invitations"),
                    admin,
                    Some(json!({"email": EMAILS[*i], "role": "member"})),
                )
                .await;
            }
            Command::Accept(i) => {
                t.drain().await;
                if t.emails_to(EMAILS[*i]).iter().any(|e| e.text_body.contains("/invite/")) {
                    t.accept(&t.last_invitation_token(EMAILS[*i]), "Prop").await;
                }
            }
            Command::Join(i) => {
                let code = t.call("GET", &format!("/v1/orgs/{o}/invite-link"), admin, None).await.body["code"]
                    .as_str()
                    .unwrap()
                    .to_string();
                t.call(
                    "POST",
                    &format!("/v1/join/{code}"),
                    None,
                    Some(json!({"email": EMAILS[*i], "first_name": "J", "last_name": "P", "phone": "5550100100"})),
                )
                .await;
            }
            Command::SeatLimit(limit) => {
                seat_limit = *limit;
                t.call("PATCH", &format!("/v1/orgs/{o}"), admin, Some(json!({"seat_limit": limit})))
                    .await;
            }
            Command::AdvanceHours(hours) => {
                t.advance(hours * 3600).await;
            }
            Command::LicenseEnd(i, hours) => {
                if let Some(id) = id_of(&all, *i) {
                    let end = roster_app::views::rfc3339(t.app.now() + time::Duration::hours(*hours));
                    t.call(
                        "PATCH",
                        &format!("/v1/orgs/{o}/members/{id}"),
                        admin,
                        Some(json!({"license_end": end})),
                    )
                    .await;
                }
            }
            Command::Approve(i) | Command::Reject(i) | Command::Remove(i) | Command::Reinvite(i) | Command::Revoke(i) => {
                if let Some(id) = id_of(&all, *i) {
                    let (method, path) = match command {
                        Command::Approve(_) => ("POST", format!("/v1/orgs/{o}/members/{id}/approve")),
                        Command::Reject(_) => ("POST", format!("/v1/orgs/{o}/members/{id}/reject")),
                        Command::Remove(_) => ("POST", format!("/v1/orgs/{o}/members/{id}/remove")),
                        Command::Reinvite(_) => ("POST", format!("/v1/orgs/{o}/members/{id}/reinvite")),
                        _ => ("DELETE", format!("/v1/orgs/{o}/members/{id}/invitation")),
                    };
                    let answer = t.call(method, &path, admin, None).await;
                    assert!(answer.status < 500, "{command:?}: {}", answer.text);
                }
            }
        }
        let all = members(&t, &org).await;
        // One account per email per org.
        let mut emails: Vec<&str> = all.iter().map(|m| m["email"].as_str().unwrap()).collect();
        emails.sort();
        let unique = emails.len();
        emails.dedup();
        assert_eq!(emails.len(), unique, "duplicate account after {command:?}");
        // Seats: the counter matches, and no change took a license past the limit.
        let licensed = all.iter().filter(|m| m["status"] == "licensed").count();
        let seats = t
            .call(
                "GET",
                &format!("/v1/orgs/{o}"),
                Some(&t.login_token("admin@props.test").await),
                None,
            )
            .await
            .body["seats_used"]
            .as_u64()
            .unwrap() as usize;
        assert_eq!(seats, licensed, "seat counter out of step after {command:?}");
        if let Some(limit) = seat_limit {
            assert!(
                licensed <= licensed_before || licensed <= limit as usize,
                "seat limit {limit} exceeded after {command:?}"
            );
        }
        // No unlicensed member becomes licensed in one step; licenses come from acceptance or approval.
        for member in &all {
            let id = member["id"].as_str().unwrap().to_string();
            let status = member["status"].as_str().unwrap().to_string();
            if let Some(before) = previous.get(&id) {
                if status == "licensed" && before != "licensed" {
                    assert!(
                        ["invited", "pending_approval", "rejected"].contains(&before.as_str()),
                        "{before} → licensed by {command:?}"
                    );
                }
            }
            previous.insert(id, status);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_the_invariants(commands in proptest::collection::vec(command(), 1..14)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(commands));
    }
}

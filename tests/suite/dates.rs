//! Times from clients (license end, freeze window) are parsed at the boundary into UTC
//! within 1970–9998 (SPEC §5): anything else is a 400 that changes nothing, and every time
//! the API accepted renders again in every view (member, list, export, org).

use proptest::prelude::*;
use serde_json::json;

use roster_tests::{OrgFixture, TestApp};

/// `PUT …/freeze` as the org admin.
async fn set_freeze(t: &TestApp, org: &OrgFixture, window: serde_json::Value) -> roster_tests::Answer {
    t.call(
        "PUT",
        &format!("/v1/orgs/{}/freeze", org.org_id),
        Some(&org.admin_token),
        Some(window),
    )
    .await
}

/// Every view a member's license end or an org's freeze window shows up in answers 200.
async fn every_view_renders(t: &TestApp, org: &OrgFixture, member_id: &str) {
    let o = &org.org_id;
    let admin = Some(org.admin_token.as_str());
    for path in [
        format!("/v1/orgs/{o}/members/{member_id}"),
        format!("/v1/orgs/{o}/members?tab=licensed"),
        format!("/v1/orgs/{o}/members/export.csv"),
        format!("/v1/orgs/{o}"),
        format!("/v1/orgs/{o}/audit?member={member_id}"),
    ] {
        let answer = t.call("GET", &path, admin, None).await;
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.text);
    }
}

async fn times_past_9998_or_before_1970_in_utc_are_refused_and_reads_keep_working(t: TestApp) {
    let org = t.create_org("Far Dates", "paid").await;
    let (member_id, _) = t.add_member(&org, "far@dates.test", "member", None).await;
    let before = t.snapshot(&org).await;
    for text in [
        "9999-12-31T23:59:59-01:00",
        "0000-01-01T00:30:00+01:00",
        "1969-12-31T23:59:59Z",
        "2030-01-01T00:00:00",
        "tomorrow",
    ] {
        let refused = t.update_member(&org, &member_id, json!({"license_end": text})).await;
        assert_eq!(refused.status, 400, "license_end {text}: {}", refused.text);
        assert_eq!(refused.body["errors"][0]["field"], "license_end", "{text}: {}", refused.text);
        let freeze = json!({"starts_at": "2030-01-01T00:00:00Z", "ends_at": text, "reason": "far"});
        let refused = set_freeze(&t, &org, freeze).await;
        assert_eq!(refused.status, 400, "ends_at {text}: {}", refused.text);
        assert_eq!(refused.body["errors"][0]["field"], "ends_at", "{text}: {}", refused.text);
    }
    assert_eq!(t.snapshot(&org).await, before, "a refused time changed something");
    every_view_renders(&t, &org, &member_id).await;

    // The last moment of the range is accepted, stored in UTC and rendered everywhere.
    let edge = t
        .update_member(&org, &member_id, json!({"license_end": "9999-01-01T00:59:59+01:00"}))
        .await;
    assert_eq!(edge.status, 200, "{}", edge.text);
    assert_eq!(edge.body["license_end"], "9998-12-31T23:59:59Z");
    let freeze = json!({"starts_at": "2100-01-01T00:00:00+14:00", "ends_at": "9998-12-31T23:59:59Z", "reason": "long"});
    let set = set_freeze(&t, &org, freeze).await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["freeze"]["starts_at"], "2099-12-31T10:00:00Z");
    every_view_renders(&t, &org, &member_id).await;
    assert_eq!(t.member(&org, &member_id).await["license_end"], "9998-12-31T23:59:59Z");
}

on_every_backend!(times_past_9998_or_before_1970_in_utc_are_refused_and_reads_keep_working);

/// RFC 3339 texts across the whole range of years and offsets, fractions included.
fn rfc3339_text() -> impl Strategy<Value = String> {
    (
        0u32..=9999,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        proptest::option::of(0u32..1_000_000_000),
        prop_oneof![Just(None), (-23i32..=23, 0u32..60).prop_map(Some)],
    )
        .prop_map(|(year, month, day, hour, minute, second, nanos, offset)| {
            let fraction = nanos.map(|n| format!(".{n:09}")).unwrap_or_default();
            let offset = match offset {
                None => "Z".to_string(),
                Some((h, m)) => format!("{}{:02}:{m:02}", if h < 0 { '-' } else { '+' }, h.abs()),
            };
            format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{offset}")
        })
}

async fn accepted_dates_render(texts: Vec<String>) {
    let t = TestApp::new();
    let org = t.create_org("Prop Dates", "paid").await;
    let (member_id, _) = t.add_member(&org, "prop@dates.test", "member", None).await;
    for text in texts {
        let answer = t.update_member(&org, &member_id, json!({"license_end": text})).await;
        assert!([200, 400].contains(&answer.status), "{text}: {}", answer.text);
        let freeze = json!({"starts_at": "1970-01-01T00:00:00Z", "ends_at": text, "reason": "prop"});
        let set = set_freeze(&t, &org, freeze).await;
        assert!([200, 400].contains(&set.status), "{text}: {}", set.text);
        if set.status == 200 {
            // Lift it again so the next PATCH is not refused by an active window.
            let lifted = t
                .call("DELETE", &format!("/v1/orgs/{}/freeze", org.org_id), Some(&org.admin_token), None)
                .await;
            assert_eq!(lifted.status, 200, "{}", lifted.text);
        }
        every_view_renders(&t, &org, &member_id).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 30, ..ProptestConfig::default() })]

    /// Every date the API accepts renders in every view.
    #[test]
    fn every_accepted_date_renders_in_every_view(texts in proptest::collection::vec(rfc3339_text(), 1..12)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(accepted_dates_render(texts));
    }
}

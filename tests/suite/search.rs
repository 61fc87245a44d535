//! The member list's tabs, department filter and search (`q`): each tab lists its
//! statuses under every filter and role, and a search finds people by the start of their
//! email or of their name in either order, once each, in the tab they are in now.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;

use roster_tests::{OrgFixture, TestApp};

/// The emails a member list answers (one page), and whether it says there is more.
async fn listed(t: &TestApp, org: &OrgFixture, token: &str, query: &str) -> (Vec<String>, bool) {
    let page = t
        .call("GET", &format!("/v1/orgs/{}/members?{query}", org.org_id), Some(token), None)
        .await;
    assert_eq!(page.status, 200, "{query}: {}", page.text);
    let emails = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap().to_string())
        .collect();
    (emails, page.body["next_cursor"].is_string())
}

async fn a_search_finds_people_by_the_start_of_their_email_or_name(t: TestApp) {
    let org = t.create_org("Finder", "paid").await;
    let (_, ann) = t.add_member(&org, "ann.smith@find.test", "member", None).await;
    let (bob_id, bob) = t.add_member(&org, "robert@find.test", "member", None).await;
    for (token, first, last) in [(&ann, "Ann", "Smith"), (&bob, "Bob", "Annand")] {
        let named = t
            .call(
                "PATCH",
                "/v1/me",
                Some(token),
                Some(json!({"first_name": first, "last_name": last})),
            )
            .await;
        assert_eq!(named.status, 200, "{}", named.text);
    }
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "carl.ann@find.test", "role": "member"}))
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let admin = org.admin_token.clone();
    let search = |tab: &'static str, q: &'static str| {
        let (t, org, admin) = (&t, &org, admin.clone());
        async move { listed(t, org, &admin, &format!("tab={tab}&q={q}")).await }
    };
    let found = |emails: &[&str]| (emails.iter().map(|e| e.to_string()).collect::<Vec<_>>(), false);

    // Ann matches by her name and her email, and is listed once, at her first match.
    assert_eq!(search("licensed", "ann").await, found(&["ann.smith@find.test", "robert@find.test"]));
    assert_eq!(search("licensed", "ANN%20SMI").await, found(&["ann.smith@find.test"]));
    assert_eq!(
        search("licensed", "smith%20%20ann").await,
        found(&["ann.smith@find.test"]),
        "last name first"
    );
    assert_eq!(search("licensed", "ann.smith@find.test").await, found(&["ann.smith@find.test"]));
    assert_eq!(search("licensed", "rob").await, found(&["robert@find.test"]), "an email prefix");
    assert_eq!(
        search("licensed", "find.test").await,
        found(&[]),
        "the start of a term, not the middle"
    );
    assert_eq!(search("licensed", "carl").await, found(&[]), "another tab's member");
    assert_eq!(search("unlicensed", "carl").await, found(&["carl.ann@find.test"]));
    assert_eq!(
        search("licensed", "%20").await.0.len(),
        3,
        "a blank search lists the tab (the admin, Ann, Bob)"
    );

    // A new name is found at once, the old one no more; a member that changes tabs moves.
    let renamed = t
        .call(
            "PATCH",
            "/v1/me",
            Some(&ann),
            Some(json!({"first_name": "Anna", "last_name": "Jones"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(search("licensed", "smith").await, found(&[]));
    assert_eq!(search("licensed", "jones").await, found(&["ann.smith@find.test"]));
    assert_eq!(t.remove_member(&org, &bob_id).await.status, 200);
    assert_eq!(search("licensed", "annand").await, found(&[]));
    assert_eq!(search("unlicensed", "annand").await, found(&["robert@find.test"]));
    t.assert_name_index_in_step(&org).await;
}

/// Every tab lists its own statuses under every filter and role: a department admin (who
/// always has a department filter) gets the Licensed, Unlicensed and Pending tabs too.
async fn each_tab_lists_its_statuses_under_every_filter_and_role(t: TestApp) {
    let org = t.create_org("Tabs", "paid").await;
    let ward = t.create_department(&org, "Ward").await;
    let other = t.create_department(&org, "Other").await;
    let (_, dept_admin) = t.add_member(&org, "lead@tabs.test", "dept_admin", Some(&ward)).await;
    t.add_member(&org, "licensed@tabs.test", "member", Some(&ward)).await;
    t.add_member(&org, "elsewhere@tabs.test", "member", Some(&other)).await;
    for email in ["invited@tabs.test", "found@tabs.test"] {
        let invited = t
            .invite(
                &org,
                &org.admin_token,
                json!({"email": email, "role": "member", "department_id": ward}),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.text);
    }
    let pending = t.join(&org, "pending@tabs.test").await;
    let moved = t.update_member(&org, &pending, json!({"department_id": ward})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);

    let ward_tabs = [
        ("licensed", vec!["lead@tabs.test", "licensed@tabs.test"]),
        ("unlicensed", vec!["found@tabs.test", "invited@tabs.test"]),
        ("pending", vec!["pending@tabs.test"]),
    ];
    for (tab, in_ward) in &ward_tabs {
        let mut whole_org: BTreeSet<&str> = in_ward.iter().copied().collect();
        if *tab == "licensed" {
            whole_org.extend(["admin@tabs.test", "elsewhere@tabs.test"]);
        }
        let expected_ward: BTreeSet<&str> = in_ward.iter().copied().collect();
        for (role, token) in [("org admin", &org.admin_token), ("dept admin", &dept_admin)] {
            for filter in ["", "&department=WARD", "&q=", "&q=found"] {
                let query = format!("tab={tab}{}", filter.replace("WARD", &ward));
                let (emails, more) = listed(&t, &org, token, &query).await;
                let emails: BTreeSet<&str> = emails.iter().map(String::as_str).collect();
                let mut expected = if role == "org admin" && !filter.contains("department") {
                    whole_org.clone()
                } else {
                    expected_ward.clone()
                };
                if filter == "&q=found" {
                    expected.retain(|e| e.starts_with("found"));
                }
                assert_eq!((emails, more), (expected, false), "{role}: {query}");
            }
        }
    }
}

/// A search reads its email matches first (the tab index, in email order), then its name
/// matches ("first last", then "last first", each in term order): a page at a time, its
/// cursor goes from phase to phase, and a member whose email and names match is listed
/// once.
async fn a_search_pages_through_emails_then_names_once_each(t: TestApp) {
    let org = t.create_org("Pager", "paid").await;
    for (email, first, last) in [
        ("ann.b@pager.test", "", ""),
        ("zoe@pager.test", "Ann", "Young"),
        ("ann.c@pager.test", "Ann", "Clark"),
        ("yan@pager.test", "Bo", "Annett"),
        ("ann.a@pager.test", "Cy", "Doe"),
        ("other@pager.test", "Other", "One"),
        ("q@pager.test", "Ann", "Annis"),
        ("p@pager.test", "Annb", "Anna"),
    ] {
        add_licensed_named(&t, &org, email, first, last).await;
    }
    let mut emails = Vec::new();
    let mut cursors = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let after = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let path = format!("/v1/orgs/{}/members?tab=licensed&q=ANN&limit=1{after}", org.org_id);
        let page = t.call("GET", &path, Some(&org.admin_token), None).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 1, "{}", page.text);
        emails.extend(items.iter().map(|m| m["email"].as_str().unwrap().to_string()));
        cursor = page.body["next_cursor"].as_str().map(str::to_string);
        cursors.extend(cursor.clone());
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        emails,
        [
            "ann.a@pager.test",
            "ann.b@pager.test",
            "ann.c@pager.test",
            "q@pager.test",
            "zoe@pager.test",
            "p@pager.test",
            "yan@pager.test"
        ],
        "emails in email order, then \"first last\" (\"ann annis\", \"ann young\", \"annb anna\"), then \
         \"last first\" (\"annett bo\"; not \"annis ann\" nor \"anna annb\", whose \"first last\" matched): \
         Ann Clark, Ann Annis and Annb Anna once each"
    );
    // A name phase's start is a cursor too: the search goes on there.
    let from_names = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=licensed&q=ann&limit=1&cursor=f.", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(from_names.status, 200, "{}", from_names.text);
    assert_eq!(from_names.body["items"][0]["email"], "q@pager.test", "{}", from_names.text);
    // A cursor of one phase sent as the other's: not one this list gave out.
    let of_phase = |phase: &str| {
        cursors
            .iter()
            .find_map(|c| c.strip_prefix(phase).filter(|rest| !rest.is_empty()))
            .unwrap_or_else(|| panic!("a cursor in phase {phase}: {cursors:?}"))
            .to_string()
    };
    // And one from before layout 7 (`n.`, the search entries' phase): the search starts again.
    let swapped = [
        format!("f.{}", of_phase("e.")),
        format!("e.{}", of_phase("f.")),
        format!("l.{}", of_phase("f.")),
        format!("n.{}", of_phase("f.")),
    ];
    for cursor in ["garbage", "e.", "x.00", "n."]
        .into_iter()
        .chain(swapped.iter().map(String::as_str))
    {
        let page = t
            .call(
                "GET",
                &format!("/v1/orgs/{}/members?tab=licensed&q=ann&cursor={cursor}", org.org_id),
                Some(&org.admin_token),
                None,
            )
            .await;
        assert_eq!(page.status, 400, "{cursor}: {}", page.text);
        assert_eq!(page.body["errors"][0]["code"], "invalid_cursor", "{cursor}: {}", page.text);
    }
}

/// Adds a licensed member with `email`, who gives itself these names (none when empty).
async fn add_licensed_named(t: &TestApp, org: &OrgFixture, email: &str, first: &str, last: &str) {
    let (_, token) = t.add_member(org, email, "member", None).await;
    if !first.is_empty() {
        let named = t
            .call(
                "PATCH",
                "/v1/me",
                Some(&token),
                Some(json!({"first_name": first, "last_name": last})),
            )
            .await;
        assert_eq!(named.status, 200, "{}", named.text);
    }
}

/// While DynamoDB fills a name index just added to the table (layout 7's deploy), it answers
/// no query of it: a search skips that phase and finds people by email and by the other
/// name, rather than failing.
async fn a_name_index_being_filled_is_skipped_not_failed(t: TestApp) {
    let t = t.wrap_store(|inner| {
        Arc::new(roster_tests::stores::UnreadyIndexStore {
            inner,
            index: roster_app::ports::IndexName::Gsi5,
        })
    });
    let org = t.create_org("Filling", "paid").await;
    for (email, first, last) in [
        ("ann@filling.test", "", ""),
        ("y@filling.test", "Ann", "Young"),
        ("z@filling.test", "Bo", "Annett"),
    ] {
        add_licensed_named(&t, &org, email, first, last).await;
    }
    let found = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=licensed&q=ann", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    let emails: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["ann@filling.test", "y@filling.test"],
        "Bo Annett waits for GSI5: {}",
        found.text
    );
    assert!(found.body["next_cursor"].is_null(), "{}", found.text);
}

on_every_backend!(
    a_name_index_being_filled_is_skipped_not_failed,
    a_search_pages_through_emails_then_names_once_each,
    a_search_finds_people_by_the_start_of_their_email_or_name,
    each_tab_lists_its_statuses_under_every_filter_and_role,
);

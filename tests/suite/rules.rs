//! SPEC §2: every numbered lifecycle rule, on the embedded adapters with a test clock.

use serde_json::json;

use roster_tests::{TestApp, PASSWORD};

async fn rule_1_only_org_admins_manage_licenses(t: TestApp) {
    let org = t.create_org("Rule One", "free").await;
    let dept = t.create_department(&org, "Cardiology").await;
    let (_, dept_admin) = t.add_member(&org, "dept@r1.test", "dept_admin", Some(&dept)).await;
    let (member_id, member) = t.add_member(&org, "member@r1.test", "member", Some(&dept)).await;
    let o = &org.org_id;
    // Department admins may invite members into their department, not remove anyone.
    let invited = t.invite(&org, &dept_admin, json!({"email": "new@r1.test", "role": "member"})).await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    assert_eq!(
        invited.body["department_id"],
        dept.as_str(),
        "a department admin's invitation lands in its own department"
    );
    let removal = t
        .call("POST", &format!("/v1/orgs/{o}/members/{member_id}/remove"), Some(&dept_admin), None)
        .await;
    assert_eq!((removal.status, removal.code()), (403, "forbidden"));
    let other_dept = t.create_department(&org, "Oncology").await;
    let elsewhere = t
        .invite(
            &org,
            &dept_admin,
            json!({"email": "x@r1.test", "role": "member", "department_id": other_dept}),
        )
        .await;
    assert_eq!(elsewhere.status, 403);
    let as_admin = t
        .invite(&org, &dept_admin, json!({"email": "y@r1.test", "role": "dept_admin"}))
        .await;
    assert_eq!(as_admin.status, 403, "department admins invite members only");
    // Members invite only when the org allows it.
    let denied = t.invite(&org, &member, json!({"email": "z@r1.test", "role": "member"})).await;
    assert_eq!(denied.status, 403);
    let allowed = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{o}"),
            Some(&org.admin_token),
            Some(json!({"members_can_invite": true})),
        )
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    let invited = t.invite(&org, &member, json!({"email": "z@r1.test", "role": "member"})).await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    // Settings are the org admin's.
    let settings = t
        .call("PATCH", &format!("/v1/orgs/{o}"), Some(&dept_admin), Some(json!({"seat_limit": 3})))
        .await;
    assert_eq!(settings.status, 403);
    // Department admins read their own department's members only.
    let (outsider_id, _) = t.add_member(&org, "outsider@r1.test", "member", Some(&other_dept)).await;
    let (unplaced_id, _) = t.add_member(&org, "unplaced@r1.test", "member", None).await;
    let listed = t.call("GET", &format!("/v1/orgs/{o}/members"), Some(&dept_admin), None).await;
    let emails: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"member@r1.test") && emails.contains(&"dept@r1.test"), "{emails:?}");
    assert!(
        !emails.contains(&"outsider@r1.test") && !emails.contains(&"unplaced@r1.test"),
        "{emails:?}"
    );
    let other_list = t
        .call(
            "GET",
            &format!("/v1/orgs/{o}/members?department={other_dept}"),
            Some(&dept_admin),
            None,
        )
        .await;
    assert_eq!((other_list.status, other_list.code()), (403, "forbidden"));
    for id in [&outsider_id, &unplaced_id] {
        let read = t.call("GET", &format!("/v1/orgs/{o}/members/{id}"), Some(&dept_admin), None).await;
        assert_eq!(read.status, 404, "another department's member is not there for a department admin");
        // Nor for what it may not do anyway: a 403 would say the id exists.
        let removal = t
            .call("POST", &format!("/v1/orgs/{o}/members/{id}/remove"), Some(&dept_admin), None)
            .await;
        assert_eq!(removal.status, 404);
    }
    let own_removal = t
        .call("POST", &format!("/v1/orgs/{o}/members/{member_id}/remove"), Some(&dept_admin), None)
        .await;
    assert_eq!(
        own_removal.status, 403,
        "its own department's member is there; removing is the org admin's"
    );
    assert_eq!(
        t.call("GET", &format!("/v1/orgs/{o}/members/{member_id}"), Some(&dept_admin), None)
            .await
            .status,
        200
    );
    let export = t
        .call("GET", &format!("/v1/orgs/{o}/members/export.csv"), Some(&dept_admin), None)
        .await;
    assert_eq!(export.status, 200);
    assert!(
        export.text.contains("member@r1.test") && !export.text.contains("outsider@r1.test") && !export.text.contains("unplaced@r1.test")
    );
    let everyone = t
        .call("GET", &format!("/v1/orgs/{o}/members/export.csv"), Some(&org.admin_token), None)
        .await;
    assert!(everyone.text.contains("outsider@r1.test") && everyone.text.contains("unplaced@r1.test"));
}

async fn rule_2_removal_unlicenses_at_once_and_keeps_data(t: TestApp) {
    let org = t.create_org("Rule Two", "free").await;
    let (member_id, member_token) = t.add_member(&org, "leaver@r2.test", "member", None).await;
    assert_eq!(t.call("GET", "/v1/me", Some(&member_token), None).await.status, 200);
    let removed = t.remove_member(&org, &member_id).await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.body["status"], "unlicensed");
    // The token of a removed member stops working at once.
    let me = t.call("GET", "/v1/me", Some(&member_token), None).await;
    assert_eq!((me.status, me.code()), (401, "account_inactive"));
    let kept = t.member(&org, &member_id).await;
    assert_eq!(kept["first_name"], "Member", "profile kept");
    let tab = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=unlicensed", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert!(tab.body["items"].as_array().unwrap().iter().any(|m| m["id"] == member_id.as_str()));
    let licensed = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=licensed", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert!(!licensed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == member_id.as_str()));
    let again = t.remove_member(&org, &member_id).await;
    assert_eq!((again.status, again.code()), (409, "already_unlicensed"));
    assert_eq!(
        t.login("leaver@r2.test", PASSWORD).await.status,
        401,
        "an unlicensed member can't sign in"
    );
    t.assert_name_index_in_step(&org).await;
}

async fn rule_3_only_a_reinvite_brings_an_unlicensed_member_back(t: TestApp) {
    let org = t.create_org("Rule Three", "free").await;
    let (member_id, _) = t.add_member(&org, "back@r3.test", "member", None).await;
    let old_token = t.last_invitation_token("back@r3.test");
    let o = &org.org_id;
    t.update_member(&org, &member_id, json!({"position": "Nurse"})).await;
    t.remove_member(&org, &member_id).await;
    let code = t.join_code(&org).await;
    let join = t
        .call(
            "POST",
            &format!("/v1/join/{code}"),
            None,
            Some(json!({"email": "BACK@r3.test", "first_name": "B", "last_name": "C", "phone": "5550100100"})),
        )
        .await;
    // The join code answers as for anyone (it tells no one who belongs); the address is
    // told by email that only an admin can bring the account back.
    assert_eq!(
        (join.status, join.body["status"].as_str()),
        (202, Some("pending_approval")),
        "{}",
        join.text
    );
    assert!(join.body.get("id").is_none());
    t.drain().await;
    let notice = t.emails_to("back@r3.test").pop().unwrap();
    assert!(notice.text_body.contains("only an admin can bring it back"), "{}", notice.text_body);
    assert_eq!(t.member(&org, &member_id).await["status"], "unlicensed", "nothing changed");
    let old_link = t.accept(&old_token, "Again").await;
    assert_eq!(old_link.status, 410);
    let invite = t
        .invite(&org, &org.admin_token, json!({"email": "back@r3.test", "role": "member"}))
        .await;
    assert_eq!((invite.status, invite.code()), (409, "unlicensed"));
    let reinvited = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/members/{member_id}/reinvite"),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(reinvited.status, 200, "{}", reinvited.text);
    assert_eq!(reinvited.body["status"], "invited");
    t.drain().await;
    let accepted = t.accept(&t.last_invitation_token("back@r3.test"), "Returning").await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.body["status"], "licensed");
    assert_eq!(accepted.body["id"], member_id.as_str(), "the same account");
    assert_eq!(accepted.body["position"], "Nurse", "with its old profile");
    t.assert_name_index_in_step(&org).await;
}

async fn rule_4_one_account_per_email_with_an_actionable_reason(t: TestApp) {
    let org = t.create_org("Rule Four", "free").await;
    let o = &org.org_id;
    let dept = t.create_department(&org, "Ward").await;
    let invite = |email: &'static str| {
        let t = &t;
        let org = &org;
        let dept = dept.clone();
        async move {
            t.invite(
                &org,
                &org.admin_token,
                json!({"email": email, "role": "member", "department_id": dept}),
            )
            .await
        }
    };
    t.add_member(&org, "licensed@r4.test", "member", None).await;
    assert_eq!(
        invite("Licensed@R4.test ").await.code(),
        "already_licensed",
        "case and space don't matter, nor the department"
    );
    assert_eq!(invite("invited@r4.test").await.status, 201);
    assert_eq!(invite("invited@r4.test").await.code(), "already_invited");
    let (removed_id, _) = t.add_member(&org, "removed@r4.test", "member", None).await;
    t.remove_member(&org, &removed_id).await;
    assert_eq!(invite("removed@r4.test").await.code(), "unlicensed");
    let code = t.join_code(&org).await;
    let join = |email: &'static str| {
        let t = &t;
        let code = code.clone();
        async move {
            t.call(
                "POST",
                &format!("/v1/join/{code}"),
                None,
                Some(json!({"email": email, "first_name": "J", "last_name": "R", "phone": "5550100100"})),
            )
            .await
        }
    };
    let pending = join("pending@r4.test").await;
    assert_eq!(pending.status, 202, "{}", pending.text);
    assert_eq!(invite("pending@r4.test").await.code(), "pending_approval");
    join("rejected@r4.test").await;
    let rejected_id = t.pending_member_id(&org, "rejected@r4.test").await;
    t.call(
        "POST",
        &format!("/v1/orgs/{o}/members/{rejected_id}/reject"),
        Some(&org.admin_token),
        None,
    )
    .await;
    assert_eq!(invite("rejected@r4.test").await.code(), "rejected");
    assert_eq!(invite("invited@r4.test").await.status, 409);
}

async fn rule_5_expiry_at_use_time_resend_and_single_use(t: TestApp) {
    let org = t.create_org("Rule Five", "free").await;
    let o = &org.org_id;
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "late@r5.test", "role": "member"}))
        .await;
    let member_id = invited.body["id"].as_str().unwrap().to_string();
    t.drain().await;
    let first = t.last_invitation_token("late@r5.test");
    // Past 7 days the link is refused even though no sweep has run.
    t.clock.advance(7 * 86_400 + 1);
    // The admin's token expired with the jump; sign in again.
    let admin = t.login_token("admin@rule-five.test").await;
    let org = roster_tests::OrgFixture {
        admin_token: admin.clone(),
        ..org.clone()
    };
    assert_eq!(t.member(&org, &member_id).await["status"], "invited", "no sweep ran");
    let late = t.accept(&first, "Late").await;
    assert_eq!((late.status, late.code()), (410, "invitation_expired"));
    let resent = t
        .call("POST", &format!("/v1/orgs/{o}/members/{member_id}/reinvite"), Some(&admin), None)
        .await;
    assert_eq!(resent.status, 200, "{}", resent.text);
    t.drain().await;
    let second = t.last_invitation_token("late@r5.test");
    assert_ne!(first, second, "a resend issues a new secret");
    let old = t.accept(&first, "Old").await;
    assert_eq!((old.status, old.code()), (410, "invitation_superseded"));
    assert_eq!(t.accept(&second, "New").await.status, 200);
    let reused = t.accept(&second, "Twice").await;
    assert_eq!((reused.status, reused.code()), (410, "invitation_used"));
    // The TTL is an org setting.
    t.call("PATCH", &format!("/v1/orgs/{o}"), Some(&admin), Some(json!({"invite_ttl_days": 2})))
        .await;
    let short = t.invite(&org, &admin, json!({"email": "short@r5.test", "role": "member"})).await;
    let expires = time::OffsetDateTime::parse(
        short.body["invitation"]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - t.app.now()).whole_hours();
    assert!((47..=48).contains(&days), "{days} hours");
}

/// An invitation link names its org, member and invitation, so an invite writes no lookup
/// item; its secret is proven before anything is read, so a link Roster did not send is not
/// found whatever it names (it tells no one whether that member was invited). A link sent
/// before links named their member is still found by its lookup item.
async fn rule_5_links_name_their_member_and_prove_it(t: TestApp) {
    let org = t.create_org("Rule Five Links", "free").await;
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "named@r5.test", "role": "member"}))
        .await;
    let member_id = invited.body["id"].as_str().unwrap().to_string();
    let other = t
        .invite(&org, &org.admin_token, json!({"email": "other@r5.test", "role": "member"}))
        .await;
    let other_id = other.body["id"].as_str().unwrap().to_string();
    t.drain().await;
    let token = t.last_invitation_token("named@r5.test");
    let prefix = format!("{}_{member_id}_1_", org.org_id);
    let secret = token.strip_prefix(&prefix).unwrap_or_else(|| panic!("{token} names {prefix}"));
    let show = |token: String| {
        let t = &t;
        async move { t.call("GET", &format!("/v1/invitations/{token}"), None, None).await }
    };
    assert_eq!(show(token.clone()).await.status, 200);
    let mut altered = secret.to_string();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    for forged in [
        format!("{prefix}{altered}"),
        format!("{}_{member_id}_2_{secret}", org.org_id),
        format!("{}_{other_id}_1_{secret}", org.org_id),
    ] {
        let answer = show(forged.clone()).await;
        assert_eq!((answer.status, answer.code()), (404, "not_found"), "{forged}: {}", answer.text);
        let accepted = t.accept(&forged, "Forger").await;
        assert_eq!(accepted.status, 404, "{forged}: {}", accepted.text);
    }
    // The secret does not cover the org: the genuine link with another org's id finds no
    // member there, and tells its holder nothing about that org.
    let elsewhere = t.create_org("Rule Five Elsewhere", "free").await;
    let moved = format!("{}_{member_id}_1_{secret}", elsewhere.org_id);
    let answer = show(moved.clone()).await;
    assert_eq!((answer.status, answer.code()), (410, "invitation_revoked"), "{}", answer.text);
    assert_eq!(t.accept(&moved, "Mover").await.code(), "invitation_revoked");
    // A link from before: the secret alone, and the lookup item the invite wrote then.
    let lookup = roster_app::table::encode(
        roster_app::table::invitation_pk(&roster_app::secrets::sha256_hex(secret)),
        roster_app::table::INVITE_SK.into(),
        1,
        &roster_app::records::InvitationLookup {
            org_id: org.org_id.clone(),
            member_id: member_id.clone(),
            revoked: false,
        },
    );
    let unknown = show(secret.to_string()).await;
    assert_eq!(unknown.status, 404, "no lookup item: {}", unknown.text);
    t.app
        .store
        .transact(vec![roster_app::ports::Write::Put {
            item: lookup,
            condition: roster_app::ports::Condition::NotExists,
        }])
        .await
        .unwrap();
    let shown = show(secret.to_string()).await;
    assert_eq!(
        (shown.status, &shown.body["email"]),
        (200, &json!("named@r5.test")),
        "{}",
        shown.text
    );
    assert_eq!(t.accept(secret, "Early").await.status, 200);
    assert_eq!(t.accept(&token, "Twice").await.code(), "invitation_used");
}

async fn rule_6_acceptance_asks_for_what_the_org_requires(t: TestApp) {
    let org = t.create_org("Rule Six", "free").await;
    let o = &org.org_id;
    // Requiring 2FA needs one-time codes, which this server does not send yet: the setting
    // is refused rather than stored and not enforced.
    let two_factor = t
        .call(
            "PATCH",
            &format!("/v1/orgs/{o}"),
            Some(&org.admin_token),
            Some(json!({"require_2fa": true})),
        )
        .await;
    assert_eq!(two_factor.status, 400, "{}", two_factor.text);
    assert_eq!(two_factor.body["errors"][0]["field"], "require_2fa");
    assert_eq!(two_factor.body["errors"][0]["code"], "not_supported");
    t.invite(&org, &org.admin_token, json!({"email": "six@r6.test", "role": "member"}))
        .await;
    t.drain().await;
    let token = t.last_invitation_token("six@r6.test");
    let shown = t.call("GET", &format!("/v1/invitations/{token}"), None, None).await;
    assert_eq!(shown.body["email"], "six@r6.test");
    assert_eq!(shown.body["requires"]["two_factor_channel"], false);
    assert_eq!(shown.body["requires"]["password"], true);
    let incomplete = t
        .call(
            "POST",
            &format!("/v1/invitations/{token}/accept"),
            None,
            Some(json!({"first_name": "", "last_name": "S", "phone": "12", "eula_accepted": false})),
        )
        .await;
    assert_eq!(incomplete.status, 400);
    let fields: Vec<&str> = incomplete.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["first_name", "phone", "password", "eula_accepted"] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let with_email = t.call("POST", &format!("/v1/invitations/{token}/accept"), None, Some(json!({"first_name": "S", "last_name": "S", "phone": "5550100100", "password": PASSWORD, "eula_accepted": true, "two_factor_channel": "email", "email": "other@r6.test"}))).await;
    assert_eq!(
        (with_email.status, with_email.code()),
        (400, "invalid_body"),
        "the email is fixed by the invitation"
    );
    let ok = t.call("POST", &format!("/v1/invitations/{token}/accept"), None, Some(json!({"first_name": "S", "last_name": "S", "phone": "5550100100", "password": PASSWORD, "eula_accepted": true, "two_factor_channel": "mobile"}))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["email"], "six@r6.test");
    assert_eq!(ok.body["kind"], "full");
}

async fn rule_7_joins_that_need_approval_wait_for_it(t: TestApp) {
    let org = t.create_org("Rule Seven", "free").await;
    let o = &org.org_id;
    t.call(
        "PATCH",
        &format!("/v1/orgs/{o}"),
        Some(&org.admin_token),
        Some(json!({"members_can_invite": true, "enrollment_approval": true})),
    )
    .await;
    let (_, member) = t.add_member(&org, "inviter@r7.test", "member", None).await;
    t.invite(&org, &member, json!({"email": "friend@r7.test", "role": "member"})).await;
    t.drain().await;
    let accepted = t.accept(&t.last_invitation_token("friend@r7.test"), "Friend").await;
    assert_eq!(accepted.body["status"], "pending_approval");
    let approved = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/members/{}/approve", accepted.body["id"].as_str().unwrap()),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(approved.body["status"], "licensed");
    t.drain().await;
    assert!(t
        .emails_to("friend@r7.test")
        .iter()
        .any(|e| e.subject.starts_with("You can now use")));
    // The join code always needs approval; the approved person gets a temporary password.
    let code = t
        .call("GET", &format!("/v1/orgs/{o}/invite-link"), Some(&org.admin_token), None)
        .await;
    assert!(code.body["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let joined = t
        .call(
            "POST",
            &format!("/v1/join/{}", code.body["code"].as_str().unwrap()),
            None,
            Some(json!({"email": "walkin@r7.test", "first_name": "W", "last_name": "I", "phone": "5550100100"})),
        )
        .await;
    assert_eq!(joined.body["status"], "pending_approval");
    let pending = t
        .call("GET", &format!("/v1/orgs/{o}/members?tab=pending"), Some(&org.admin_token), None)
        .await;
    assert_eq!(pending.body["items"].as_array().unwrap().len(), 1);
    let walk_in = t.pending_member_id(&org, "walkin@r7.test").await;
    t.call(
        "POST",
        &format!("/v1/orgs/{o}/members/{walk_in}/approve"),
        Some(&org.admin_token),
        None,
    )
    .await;
    t.drain().await;
    let temporary = t.last_temporary_password("walkin@r7.test");
    assert!(t.login("walkin@r7.test", &temporary).await.body["password_change_required"]
        .as_bool()
        .unwrap());
    // A rotated code stops working.
    t.call("POST", &format!("/v1/orgs/{o}/invite-link/rotate"), Some(&org.admin_token), None)
        .await;
    let stale = t
        .call(
            "POST",
            &format!("/v1/join/{}", code.body["code"].as_str().unwrap()),
            None,
            Some(json!({"email": "late@r7.test", "first_name": "L", "last_name": "I", "phone": "5550100100"})),
        )
        .await;
    assert_eq!(stale.status, 404);
    t.assert_name_index_in_step(&org).await;
}

async fn rule_8_no_license_past_the_seat_limit(t: TestApp) {
    let org = t.create_org("Rule Eight", "paid").await;
    let o = &org.org_id;
    t.call(
        "PATCH",
        &format!("/v1/orgs/{o}"),
        Some(&org.admin_token),
        Some(json!({"seat_limit": 1})),
    )
    .await;
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "ninth@r8.test", "role": "member"}))
        .await;
    assert_eq!(invited.status, 201, "inviting takes no seat");
    t.drain().await;
    let token = t.last_invitation_token("ninth@r8.test");
    let full = t.accept(&token, "Ninth").await;
    assert_eq!((full.status, full.code()), (409, "seats_exhausted"));
    assert_eq!(
        t.member(&org, invited.body["id"].as_str().unwrap()).await["status"],
        "invited",
        "stays where it was"
    );
    let code = t.join_code(&org).await;
    t.call(
        "POST",
        &format!("/v1/join/{code}"),
        None,
        Some(json!({"email": "walk@r8.test", "first_name": "W", "last_name": "I", "phone": "5550100100"})),
    )
    .await;
    let walk_in = t.pending_member_id(&org, "walk@r8.test").await;
    let approve = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/members/{walk_in}/approve"),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!((approve.status, approve.code()), (409, "seats_exhausted"));
    let created = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/accounts"),
            Some(&org.admin_token),
            Some(json!({"email": "direct@r8.test", "first_name": "D", "last_name": "A", "role": "member"})),
        )
        .await;
    assert_eq!(created.code(), "seats_exhausted");
    t.call(
        "PATCH",
        &format!("/v1/orgs/{o}"),
        Some(&org.admin_token),
        Some(json!({"seat_limit": 2})),
    )
    .await;
    assert_eq!(
        t.accept(&token, "Ninth").await.status,
        200,
        "the same link works once a seat is free"
    );
    let seats = t.call("GET", &format!("/v1/orgs/{o}"), Some(&org.admin_token), None).await;
    assert_eq!(seats.body["seats_used"], 2);
}

async fn rule_9_a_passed_license_end_unlicenses_with_a_reason(t: TestApp) {
    let org = t.create_org("Rule Nine", "free").await;
    let (member_id, _) = t.add_member(&org, "temp@r9.test", "member", None).await;
    let end = roster_app::views::rfc3339(t.app.now() + time::Duration::days(3));
    let set = t.update_member(&org, &member_id, json!({"license_end": end})).await;
    assert_eq!(set.status, 200, "{}", set.text);
    let [_, early, _, _] = t.advance(2 * 86_400).await;
    assert_eq!(early.changed, 0);
    let [_, due, _, _] = t.advance(86_400 + 1).await;
    assert_eq!((due.examined, due.changed), (1, 1));
    let admin = t.login_token("admin@rule-nine.test").await;
    let org = roster_tests::OrgFixture { admin_token: admin, ..org };
    assert_eq!(t.member(&org, &member_id).await["status"], "unlicensed");
    let trail = t.audit_of(&org, &member_id).await;
    let last = trail.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str(), last.2.as_str(), last.3.as_str()),
        ("member_unlicensed", Some("licensed"), Some("unlicensed"), Some("license_expired"))
    );
    let [_, again, _, _] = t.advance(3600).await;
    assert_eq!(again.examined, 0, "an unlicensed member leaves the due index");
    t.assert_name_index_in_step(&org).await;
}

async fn rule_10_created_accounts_are_licensed_with_a_temporary_password(t: TestApp) {
    let org = t.create_org("Rule Ten", "free").await;
    let created = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/accounts", org.org_id),
            Some(&org.admin_token),
            Some(json!({"email": "made@r10.test", "first_name": "Made", "last_name": "Direct", "role": "member"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["status"], "licensed");
    t.drain().await;
    let email = &t.emails_to("made@r10.test")[0];
    assert!(email.text_body.contains("Login email: made@r10.test"));
    let temporary = t.last_temporary_password("made@r10.test");
    let login = t.login("made@r10.test", &temporary).await;
    assert_eq!(login.body["password_change_required"], true);
    let restricted = login.body["access_token"].as_str().unwrap();
    let elsewhere = t
        .call("GET", &format!("/v1/orgs/{}/members", org.org_id), Some(restricted), None)
        .await;
    assert_eq!((elsewhere.status, elsewhere.code()), (403, "password_change_required"));
    let changed = t
        .call(
            "POST",
            "/v1/me/password",
            Some(restricted),
            Some(json!({"current_password": temporary, "new_password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(
        t.login("made@r10.test", &temporary).await.status,
        401,
        "the temporary password is gone"
    );
    let normal = t.login("made@r10.test", "a brand new passphrase").await;
    assert_eq!(normal.body["password_change_required"], false);
    // A shell-only account can't sign in and gets no email.
    let shell = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/accounts", org.org_id),
            Some(&org.admin_token),
            Some(json!({"email": "oncall@r10.test", "first_name": "On", "last_name": "Call", "role": "member", "kind": "shell"})),
        )
        .await;
    assert_eq!(shell.body["kind"], "shell");
    t.drain().await;
    assert!(t.emails_to("oncall@r10.test").is_empty());
}

async fn rule_11_revoking_deletes_the_shell_and_keeps_the_fact(t: TestApp) {
    let org = t.create_org("Rule Eleven", "free").await;
    let o = &org.org_id;
    let invited = t
        .invite(&org, &org.admin_token, json!({"email": "oops@r11.test", "role": "member"}))
        .await;
    let id = invited.body["id"].as_str().unwrap().to_string();
    t.drain().await;
    let token = t.last_invitation_token("oops@r11.test");
    let revoked = t
        .call(
            "DELETE",
            &format!("/v1/orgs/{o}/members/{id}/invitation"),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    assert_eq!(
        t.call("GET", &format!("/v1/orgs/{o}/members/{id}"), Some(&org.admin_token), None)
            .await
            .status,
        404
    );
    let link = t.accept(&token, "Late").await;
    assert_eq!((link.status, link.code()), (410, "invitation_revoked"));
    let trail = t.audit_of(&org, &id).await;
    assert_eq!(
        trail.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        ["member_invited", "invitation_revoked"]
    );
    assert_eq!(
        t.invite(&org, &org.admin_token, json!({"email": "oops@r11.test", "role": "member"}))
            .await
            .status,
        201,
        "the email is free again"
    );

    // A former member's reinvitation revoked: the member stays unlicensed, and the link
    // says it was revoked (not used).
    let (former, _) = t.add_member(&org, "former@r11.test", "member", None).await;
    assert_eq!(t.remove_member(&org, &former).await.status, 200);
    let reinvite_path = format!("/v1/orgs/{o}/members/{former}/reinvite");
    let reinvite = || t.call("POST", &reinvite_path, Some(&org.admin_token), None);
    let reinvited = reinvite().await;
    assert_eq!(reinvited.status, 200, "{}", reinvited.text);
    t.drain().await;
    let token = t.last_invitation_token("former@r11.test");
    let revoked = t
        .call(
            "DELETE",
            &format!("/v1/orgs/{o}/members/{former}/invitation"),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    let link = t.call("GET", &format!("/v1/invitations/{token}"), None, None).await;
    assert_eq!((link.status, link.code()), (410, "invitation_revoked"), "{}", link.text);
    assert_eq!(t.accept(&token, "Late").await.code(), "invitation_revoked");
    // Invited again: the revoked link still says revoked (not superseded by the new one).
    let again = reinvite().await;
    assert_eq!(again.status, 200, "{}", again.text);
    let link = t.call("GET", &format!("/v1/invitations/{token}"), None, None).await;
    assert_eq!((link.status, link.code()), (410, "invitation_revoked"), "{}", link.text);
    t.assert_name_index_in_step(&org).await;
}

async fn rule_12_people_own_their_name_phone_and_email(t: TestApp) {
    let org = t.create_org("Rule Twelve", "free").await;
    let o = &org.org_id;
    let dept = t.create_department(&org, "Ward 12").await;
    let (member_id, member) = t.add_member(&org, "own@r12.test", "member", None).await;
    let before = t.snapshot(&org).await;
    let admin_edit = t
        .update_member(&org, &member_id, json!({"first_name": "Changed", "position": "Nurse"}))
        .await;
    assert_eq!(admin_edit.status, 400);
    assert_eq!(admin_edit.body["errors"][0]["code"], "user_owned");
    assert_eq!(t.snapshot(&org).await, before, "nothing changed");
    let own = t
        .call(
            "PATCH",
            "/v1/me",
            Some(&member),
            Some(json!({"first_name": "Owned", "phone": "+44 20 7946 0000"})),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["phone"], "+442079460000");
    let admin_fields = t
        .update_member(
            &org,
            &member_id,
            json!({"department_id": dept, "position": "Nurse", "job_id": "J-1", "location": "North", "role": "dept_admin"}),
        )
        .await;
    assert_eq!(admin_fields.status, 200, "{}", admin_fields.text);
    assert_eq!(admin_fields.body["role"], "dept_admin");
    let (other_id, _) = t.add_member(&org, "other@r12.test", "member", None).await;
    let bulk = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/members/bulk-edit"),
            Some(&org.admin_token),
            Some(json!({"member_ids": [member_id, other_id], "position": "Charge nurse", "location": null})),
        )
        .await;
    assert_eq!(bulk.body["updated"], 2, "{}", bulk.text);
    assert_eq!(t.member(&org, &other_id).await["position"], "Charge nurse");
    let bulk_role = t
        .call(
            "POST",
            &format!("/v1/orgs/{o}/members/bulk-edit"),
            Some(&org.admin_token),
            Some(json!({"member_ids": [other_id], "role": "org_admin"})),
        )
        .await;
    assert_eq!(
        (bulk_role.status, bulk_role.code()),
        (400, "invalid_body"),
        "bulk edit sets only department, position and location"
    );
}

async fn rule_13_freeze_windows_refuse_admin_changes_and_hold_sweeps_back(t: TestApp) {
    let org = t.create_org("Rule Thirteen", "free").await;
    let o = &org.org_id;
    let (member_id, _) = t.add_member(&org, "frozen@r13.test", "member", None).await;
    t.update_member(
        &org,
        &member_id,
        json!({"license_end": roster_app::views::rfc3339(t.app.now() + time::Duration::minutes(10))}),
    )
    .await;
    t.invite(&org, &org.admin_token, json!({"email": "jit@r13.test", "role": "member"}))
        .await;
    t.drain().await;
    let now = t.app.now();
    let window = json!({"starts_at": roster_app::views::rfc3339(now), "ends_at": roster_app::views::rfc3339(now + time::Duration::hours(2)), "reason": "migration"});
    let frozen = t
        .call("PUT", &format!("/v1/orgs/{o}/freeze"), Some(&t.operator_token), Some(window))
        .await;
    assert_eq!(frozen.status, 200, "{}", frozen.text);
    let refused = t
        .invite(&org, &org.admin_token, json!({"email": "no@r13.test", "role": "member"}))
        .await;
    assert_eq!((refused.status, refused.code()), (423, "frozen"));
    assert!(refused.body["ends_at"].is_string());
    assert_eq!(t.remove_member(&org, &member_id).await.status, 423);
    // Accepting still works (just-in-time provisioning).
    assert_eq!(t.accept(&t.last_invitation_token("jit@r13.test"), "Jit").await.status, 200);
    // The license end passes during the window: held back, then caught up.
    let [_, held, _, _] = t.advance(3600).await;
    assert_eq!((held.changed, held.held_back), (0, 1));
    // Held back means keyed to the window's end: later runs in the window don't read it.
    let [_, later, _, _] = t.advance(60).await;
    assert_eq!((later.examined, later.held_back), (0, 0));
    let [_, caught_up, _, _] = t.advance(3541).await;
    assert_eq!(caught_up.changed, 1);
    let member = t.app.find_member(o, &member_id).await.unwrap().unwrap();
    assert_eq!(member.status, roster_domain::MembershipStatus::Unlicensed);
}

/// Rule 13: an import a freeze held goes on as soon as the freeze is lifted, not when the
/// window would have ended.
async fn rule_13_a_lifted_freeze_releases_a_held_import(t: TestApp) {
    let org = t.create_org("Rule Thirteen Import", "paid").await;
    let path = format!("/v1/orgs/{}/freeze", org.org_id);
    let submitted = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some(json!({"emails": "i1@r13i.test, i2@r13i.test", "role": "member"})),
        )
        .await;
    assert_eq!(submitted.status, 202, "{}", submitted.text);
    let submitted = submitted.body["id"].as_str().unwrap().to_string();
    let now = t.app.now();
    let window = json!({"starts_at": roster_app::views::rfc3339(now), "ends_at": roster_app::views::rfc3339(now + time::Duration::days(30)), "reason": "migration"});
    let operator = Some(t.operator_token.as_str());
    assert_eq!(t.call("PUT", &path, operator, Some(window)).await.status, 200);
    t.drain().await;
    let held = t.get_import(&org, &submitted).await;
    assert_eq!(held.body["invited"], 0, "held by the freeze: {}", held.text);
    assert_eq!(t.call("DELETE", &path, operator, None).await.status, 200);
    // The release reads the due index, which on DynamoDB shows the hold a moment later.
    t.let_indexes_catch_up();
    t.drain().await;
    let done = t.get_import(&org, &submitted).await;
    assert_eq!(
        (done.body["status"].as_str(), done.body["invited"].as_u64()),
        (Some("completed"), Some(2)),
        "{}",
        done.text
    );
}

/// A window lifted or shortened before its end releases what it held: the expiries come
/// due at the new end (or at once), not at the first end.
async fn rule_13_a_freeze_ended_early_releases_what_it_held(t: TestApp) {
    let org = t.create_org("Rule Thirteen Early", "paid").await;
    let o = &org.org_id;
    let path = format!("/v1/orgs/{o}/freeze");
    let freeze_for = |hours: i64| {
        let now = t.app.now();
        json!({"starts_at": roster_app::views::rfc3339(now), "ends_at": roster_app::views::rfc3339(now + time::Duration::hours(hours)), "reason": "audit"})
    };
    // Both licenses are set now, while the admin's token is fresh: one ends in 10 minutes,
    // the other in two and a half hours.
    let ending_in = |email: &'static str, minutes: i64| {
        let (t, org) = (&t, &org);
        async move {
            let (id, _) = t.add_member(org, email, "member", None).await;
            let end = roster_app::views::rfc3339(t.app.now() + time::Duration::minutes(minutes));
            t.update_member(org, &id, json!({"license_end": end})).await;
            id
        }
    };
    let moved = ending_in("moved@r13.test", 10).await;
    let lifted = ending_in("lifted@r13.test", 150).await;
    let status = |id: String| {
        let app = t.app.clone();
        async move { app.find_member(o, &id).await.unwrap().unwrap().status }
    };
    let operator = Some(t.operator_token.as_str());
    use roster_domain::MembershipStatus::{Licensed, Unlicensed};

    // Shortened: held for a day, then the window ends in an hour; the license is
    // unlicensed once that hour has passed, not a day later.
    assert_eq!(t.call("PUT", &path, operator, Some(freeze_for(24))).await.status, 200);
    let [_, held, _, _] = t.advance(3600).await;
    assert_eq!(held.held_back, 1);
    assert_eq!(t.call("PUT", &path, operator, Some(freeze_for(1))).await.status, 200);
    // The release reads the due index, which on DynamoDB shows the hold written a run ago.
    t.let_indexes_catch_up();
    t.drain().await;
    let [_, rehold, _, _] = t.advance(60).await;
    assert_eq!((rehold.examined, rehold.held_back), (1, 1), "released, then held for the new end");
    assert_eq!(status(moved.clone()).await, Licensed);
    let [_, applied, _, _] = t.advance(3600).await;
    assert_eq!(applied.changed, 1);
    assert_eq!(status(moved).await, Unlicensed);

    // Lifted: the next run applies what the window held.
    assert_eq!(t.call("PUT", &path, operator, Some(freeze_for(24))).await.status, 200);
    let [_, held, _, _] = t.advance(3600).await;
    assert_eq!(held.held_back, 1);
    assert_eq!(t.call("DELETE", &path, operator, None).await.status, 200);
    t.let_indexes_catch_up();
    t.drain().await;
    let [_, applied, _, _] = t.advance(60).await;
    assert_eq!(applied.changed, 1);
    assert_eq!(status(lifted).await, Unlicensed);
}

async fn rule_14_every_change_writes_exactly_one_audit_event(t: TestApp) {
    let org = t.create_org("Rule Fourteen", "free").await;
    let o = &org.org_id;
    let (member_id, _) = t.add_member(&org, "trail@r14.test", "member", None).await;
    t.update_member(&org, &member_id, json!({"position": "Porter"})).await;
    t.remove_member(&org, &member_id).await;
    t.remove_member(&org, &member_id).await; // refused: no event
    t.call(
        "POST",
        &format!("/v1/orgs/{o}/members/{member_id}/reinvite"),
        Some(&org.admin_token),
        None,
    )
    .await;
    let trail = t.audit_of(&org, &member_id).await;
    let actions: Vec<&str> = trail.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "member_invited",
            "invitation_accepted",
            "member_updated",
            "member_removed",
            "member_reinvited"
        ]
    );
    let whole = t
        .call("GET", &format!("/v1/orgs/{o}/audit?limit=200"), Some(&org.admin_token), None)
        .await;
    let event = whole.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "member_removed")
        .unwrap()
        .clone();
    assert_eq!(event["actor_id"], org.admin_id.as_str());
    assert_eq!(event["ip"], "192.0.2.10");
}

on_every_backend!(
    rule_1_only_org_admins_manage_licenses,
    rule_2_removal_unlicenses_at_once_and_keeps_data,
    rule_3_only_a_reinvite_brings_an_unlicensed_member_back,
    rule_4_one_account_per_email_with_an_actionable_reason,
    rule_5_expiry_at_use_time_resend_and_single_use,
    rule_5_links_name_their_member_and_prove_it,
    rule_6_acceptance_asks_for_what_the_org_requires,
    rule_7_joins_that_need_approval_wait_for_it,
    rule_8_no_license_past_the_seat_limit,
    rule_9_a_passed_license_end_unlicenses_with_a_reason,
    rule_10_created_accounts_are_licensed_with_a_temporary_password,
    rule_11_revoking_deletes_the_shell_and_keeps_the_fact,
    rule_12_people_own_their_name_phone_and_email,
    rule_13_freeze_windows_refuse_admin_changes_and_hold_sweeps_back,
    rule_13_a_freeze_ended_early_releases_what_it_held,
    rule_13_a_lifted_freeze_releases_a_held_import,
    rule_14_every_change_writes_exactly_one_audit_event
);

//! Departments: a department with members is not deleted, and no one is moved into one
//! while it is being deleted (the decision is a consistent read, not a scan or an index).

use serde_json::json;

use std::sync::Arc;
use std::time::Duration;

use roster_tests::stores::JitterStore;
use roster_tests::{Answer, TestApp};

fn field_code(answer: &Answer) -> &str {
    answer.body["errors"][0]["code"].as_str().unwrap_or("")
}

async fn a_department_with_members_is_deleted_only_once_they_have_moved(t: TestApp) {
    let org = t.create_org("Depts", "paid").await;
    let o = &org.org_id;
    let cardiology = t.create_department(&org, "Cardiology").await;
    let (nurse, _) = t.add_member(&org, "nurse@dept.test", "member", Some(&cardiology)).await;
    let imported = t
        .import_pasted(
            &org,
            json!({"emails": "imp@dept.test", "role": "member", "department_id": cardiology}),
        )
        .await;
    assert_eq!(imported.body["invited"], 1, "{}", imported.text);
    let department_path = format!("/v1/orgs/{o}/departments/{cardiology}");
    let delete = || t.call("DELETE", &department_path, Some(&org.admin_token), None);

    let refused = delete().await;
    assert_eq!((refused.status, refused.code()), (409, "department_not_empty"));
    // Refused and reopened: it still takes new members.
    let invited = t
        .invite(
            &org,
            &org.admin_token,
            json!({"email": "new@dept.test", "role": "member", "department_id": cardiology}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);

    // Everyone leaves: moved out, removed, or their invitation revoked.
    assert_eq!(t.update_member(&org, &nurse, json!({"department_id": null})).await.status, 200);
    let pending = t
        .call("GET", &format!("/v1/orgs/{o}/members?tab=unlicensed"), Some(&org.admin_token), None)
        .await;
    for member in pending.body["items"].as_array().unwrap() {
        let id = member["id"].as_str().unwrap();
        let revoked = t
            .call(
                "DELETE",
                &format!("/v1/orgs/{o}/members/{id}/invitation"),
                Some(&org.admin_token),
                None,
            )
            .await;
        assert!(revoked.status < 300, "{}", revoked.text);
    }
    assert_eq!(delete().await.status, 204);
    let moved_in = t.update_member(&org, &nurse, json!({"department_id": cardiology})).await;
    assert_eq!((moved_in.status, field_code(&moved_in)), (400, "unknown_department"));
    let departments = t
        .call("GET", &format!("/v1/orgs/{o}/departments"), Some(&org.admin_token), None)
        .await;
    assert_eq!(departments.body["items"], json!([]));
}

/// A move into a department racing its deletion: either the move wins and the deletion
/// is refused, or the deletion wins and the move is refused. Never a member in a
/// department that is gone.
async fn moving_someone_in_while_the_department_is_deleted_never_strands_them(t: TestApp) {
    // Store calls that take a varying time, so the two requests interleave differently
    // from round to round.
    let t = t.wrap_store(|store| Arc::new(JitterStore::new(store, Duration::from_millis(3))));
    let org = t.create_org("Race Depts", "paid").await;
    let o = &org.org_id;
    let (member, _) = t.add_member(&org, "mover@dept.test", "member", None).await;
    let (mut deleted, mut kept) = (0, 0);
    for round in 0..20 {
        let department = t.create_department(&org, &format!("Ward {round}")).await;
        let department_path = format!("/v1/orgs/{o}/departments/{department}");
        // The deletion starts a little later each round, so that each can win.
        let (moved, removed) = tokio::join!(t.update_member(&org, &member, json!({"department_id": department})), async {
            tokio::time::sleep(Duration::from_micros(700 * (round % 10))).await;
            t.call("DELETE", &department_path, Some(&org.admin_token), None).await
        });
        let now_in = t.member(&org, &member).await["department_id"].clone();
        match removed.status {
            204 => {
                deleted += 1;
                assert_eq!((moved.status, field_code(&moved)), (400, "unknown_department"), "{}", moved.text);
                assert_ne!(now_in, json!(department), "stranded in a deleted department");
            }
            409 => {
                kept += 1;
                assert_eq!(removed.code(), "department_not_empty");
                assert_eq!(moved.status, 200, "{}", moved.text);
                assert_eq!(now_in, json!(department));
                // Refused and reopened: others can still be moved in.
                let (other, _) = t.add_member(&org, &format!("other{round}@dept.test"), "member", None).await;
                assert_eq!(
                    t.update_member(&org, &other, json!({"department_id": department})).await.status,
                    200
                );
                // Move out again for the next round.
                assert_eq!(t.update_member(&org, &member, json!({"department_id": null})).await.status, 200);
            }
            other => panic!("deletion answered {other}: {}", removed.text),
        }
    }
    assert_eq!(deleted + kept, 20);
}

on_every_backend!(
    a_department_with_members_is_deleted_only_once_they_have_moved,
    moving_someone_in_while_the_department_is_deleted_never_strands_them
);

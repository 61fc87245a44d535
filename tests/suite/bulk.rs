//! SPEC §3: preview, template, CSV and pasted-list imports, progress, failures, limits.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use roster_app::ports::Query;
use roster_app::ports::{QueueName, SkCondition};
use roster_app::usecases::members::{EXPORT_PAGE_MEMBERS, LIST_MAX_EXAMINED};
use roster_app::workers::{self, MessageOutcome};
use roster_app::Deadline;
use roster_tests::{Answer, OrgFixture, TestApp};

async fn preview_says_what_a_pasted_list_holds(t: TestApp) {
    let org = t.create_org("Preview", "free").await;
    t.add_member(&org, "known@p.test", "member", None).await;
    let preview = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/invitations/preview", org.org_id),
            Some(&org.admin_token),
            Some(json!({"emails": "a@p.test, b@p.test;known@p.test\nnot-an-email a@p.test"})),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    // Three distinct addresses are emails (a, b and the member's): the typo and the repeat
    // make the count lower than the five entries typed, which is how an admin spots them.
    assert_eq!(preview.body["recognized"], 3);
    assert_eq!(preview.body["valid"], json!(["a@p.test", "b@p.test"]));
    assert_eq!(preview.body["invalid"], json!(["not-an-email"]));
    assert_eq!(preview.body["duplicates"], json!(["a@p.test"]));
    assert_eq!(preview.body["existing"], json!([{"email": "known@p.test", "status": "licensed"}]));
}

async fn a_csv_import_reports_every_row_that_was_not_invited(t: TestApp) {
    let org = t.create_org("Csv", "free").await;
    let o = &org.org_id;
    t.create_department(&org, "Cardiology").await;
    t.add_member(&org, "existing@csv.test", "member", None).await;
    let template = t
        .call("GET", &format!("/v1/orgs/{o}/imports/template.csv"), Some(&org.admin_token), None)
        .await;
    assert!(template
        .text
        .starts_with("email,first_name,last_name,phone,department,position,role\n"));
    let csv = "email,first_name,last_name,phone,department,position,role\n\
               one@csv.test,One,A,+15550100001,cardiology,Nurse,member\n\
               bad-email,Two,B,,,,member\n\
               one@csv.test,Dup,C,,,,\n\
               existing@csv.test,Ex,D,,,,\n\
               four@csv.test,Four,E,,Nowhere,,\n\
               five@csv.test,=cmd|'/c calc'!A1,F,,,,dept_admin\n\
               six@csv.test,Six,G,,,,chief\n";
    let submitted = t
        .request(
            "POST",
            &format!("/v1/orgs/{o}/imports"),
            Some(&org.admin_token),
            Some("text/csv"),
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(submitted.status, 202, "{}", submitted.text);
    assert_eq!(submitted.body["status"], "queued");
    let id = submitted.body["id"].as_str().unwrap();
    let queued = t.get_import(&org, id).await;
    assert_eq!(
        (queued.body["total"].as_u64(), queued.body["processed"].as_u64()),
        (Some(7), Some(0))
    );
    t.drain().await;
    let done = t.get_import(&org, id).await;
    assert_eq!(done.body["status"], "completed", "{}", done.text);
    assert_eq!(done.body["processed"], 7);
    assert_eq!(done.body["invited"], 2);
    let failures: Vec<(u64, &str)> = done.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["row"].as_u64().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failures,
        [
            (3, "invalid_email"),
            (4, "duplicate_in_file"),
            (5, "already_member"),
            (6, "unknown_department"),
            (8, "invalid_role")
        ]
    );
    assert_eq!(t.emails_to("one@csv.test").len(), 1);
    // The export neutralizes the formula a row carried in.
    let export = t
        .call("GET", &format!("/v1/orgs/{o}/members/export.csv"), Some(&org.admin_token), None)
        .await;
    assert!(export.text.contains("'=cmd|'/c calc'!A1"), "{}", export.text);
    assert!(!export.text.contains(",=cmd"));
    t.assert_name_index_in_step(&org).await;
}

async fn a_pasted_list_import_applies_one_role_and_department(t: TestApp) {
    let org = t.create_org("Pasted", "free").await;
    let dept = t.create_department(&org, "ER").await;
    let done = t
        .import_pasted(
            &org,
            json!({"emails": "x@pl.test\ny@pl.test bogus", "role": "member", "department_id": dept}),
        )
        .await;
    assert_eq!(
        (done.body["invited"].as_u64(), done.body["failures"][0]["code"].as_str()),
        (Some(2), Some("invalid_email"))
    );
    let members = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=unlicensed&department={dept}", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(members.body["items"].as_array().unwrap().len(), 2);
}

async fn free_plans_import_at_most_100_a_day_per_admin_and_nothing_is_dropped(t: TestApp) {
    let org = t.create_org("Free Limit", "free").await;
    let emails: Vec<String> = (0..105).map(|i| format!("u{i}@limit.test")).collect();
    let done = t.import_pasted(&org, json!({"emails": emails.join("\n"), "role": "member"})).await;
    assert_eq!(done.body["invited"], 100);
    let limited: Vec<&str> = done.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(limited, vec!["rate_limited"; 5]);
    // The admin's windows are kept only a while: the store may delete each a day after it.
    let windows = t
        .app
        .store
        .query(roster_app::ports::Query::table(
            roster_app::table::rate_pk("import_admin", &org.admin_id),
            roster_app::ports::SkCondition::Any,
        ))
        .await
        .unwrap();
    assert!(!windows.items.is_empty());
    assert!(
        windows.items.iter().all(|window| window.expires_at.is_some()),
        "{:?}",
        windows.items
    );
    // A day later the window has moved on.
    t.clock.advance(24 * 3600 + 1);
    let org = roster_tests::OrgFixture {
        admin_token: t.login_token("admin@free-limit.test").await,
        ..org
    };
    let done = t
        .import_pasted(&org, json!({"emails": "late1@limit.test late2@limit.test", "role": "member"}))
        .await;
    assert_eq!(done.body["invited"], 2);
}

async fn the_free_limit_also_counts_per_client_ip(t: TestApp) {
    // Two admins of two free orgs, both calling from 192.0.2.10 (the harness's address).
    let first = t.create_org("Same Ip One", "free").await;
    let second = t.create_org("Same Ip Two", "free").await;
    let sixty =
        |prefix: &str| json!({"emails": (0..60).map(|i| format!("{prefix}{i}@ip.test")).collect::<Vec<_>>().join(" "), "role": "member"});
    assert_eq!(t.import_pasted(&first, sixty("a")).await.body["invited"], 60);
    let second = t.import_pasted(&second, sixty("b")).await;
    assert_eq!(second.body["invited"], 40, "the address had 40 of its 100 left: {}", second.text);
    assert_eq!(second.body["failures"].as_array().unwrap().len(), 20);
}

async fn paid_plans_have_no_import_limit(t: TestApp) {
    let org = t.create_org("Paid Limit", "paid").await;
    let emails: Vec<String> = (0..120).map(|i| format!("p{i}@paid.test")).collect();
    let done = t.import_pasted(&org, json!({"emails": emails.join(","), "role": "member"})).await;
    assert_eq!(
        (done.body["invited"].as_u64(), done.body["processed"].as_u64()),
        (Some(120), Some(120))
    );
}

async fn a_redelivered_import_message_resumes_and_never_duplicates(t: TestApp) {
    let org = t.create_org("Resume", "paid").await;
    let submitted = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some(json!({"emails": "r1@re.test r2@re.test r3@re.test", "role": "member"})),
        )
        .await;
    let id = submitted.body["id"].as_str().unwrap();
    let message = roster_app::tx::import_message(&org.org_id, id);
    // The same message delivered three times, once more after it finished.
    for _ in 0..3 {
        roster_app::workers::import_processor::handle(&t.worker_app("import-processor"), &message, Deadline::NONE)
            .await
            .unwrap();
    }
    t.drain().await;
    let done = t.get_import(&org, id).await;
    assert_eq!(
        (done.body["invited"].as_u64(), done.body["failures"].as_array().unwrap().len()),
        (Some(3), 0)
    );
    assert_eq!(t.emails_to("r1@re.test").len(), 1, "one email per invitation");
}

/// Submits a CSV import of `emails` as `org`'s admin (role member, no department).
async fn submit_csv(t: &TestApp, org: &OrgFixture, emails: &[String]) -> Answer {
    let csv: String = std::iter::once("email,first_name,last_name,phone,department,position,role\n".to_string())
        .chain(emails.iter().map(|email| format!("{email},Dee,Line,,,,member\n")))
        .collect();
    t.submit_import_csv(org, csv).await
}

/// An org larger than one page of reading: a search answers its first matches on its first
/// page (it reads the tab index by email and the tab's name indexes by name, never a
/// bounded scan of the tab), and the export
/// comes in pages linked with `rel="next"` that together hold every member once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_large_org_is_searched_and_exported_a_bounded_page_at_a_time() {
    let t = TestApp::new();
    let org = t.create_org("Large", "paid").await;
    let rows = EXPORT_PAGE_MEMBERS + 700;
    let emails: Vec<String> = (0..rows).map(|i| format!("big{i}@large.test")).collect();
    submit_csv(&t, &org, &emails).await;
    while workers::drain_once(&t.worker_app("import-processor"), QueueName::Import)
        .await
        .unwrap()
        > 0
    {}

    let members = format!("/v1/orgs/{}/members?tab=unlicensed&limit=50", org.org_id);
    let search = |q: &str| {
        let url = format!("{members}&q={q}");
        let (t, org) = (&t, &org);
        async move {
            let page = t.call("GET", &url, Some(&org.admin_token), None).await;
            assert_eq!(page.status, 200, "{}", page.text);
            let emails: Vec<String> = page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["email"].as_str().unwrap().to_string())
                .collect();
            (emails, page.body["next_cursor"].as_str().map(str::to_string))
        }
    };
    assert_eq!(
        search("nobody").await,
        (vec![], None),
        "nothing matches, and that is the whole answer"
    );
    assert_eq!(search("big4242@large.test").await, (vec!["big4242@large.test".to_string()], None));
    let (mut prefixed, next) = search("BIG424").await;
    prefixed.sort();
    let mut expected: Vec<String> = std::iter::once(424)
        .chain(4240..4250)
        .map(|i| format!("big{i}@large.test"))
        .collect();
    expected.sort();
    assert_eq!((prefixed, next), (expected, None), "an email prefix, any case");
    let (by_name, next) = search("dee%20li").await;
    assert_eq!(by_name.len(), 50, "a name prefix fills the first page");
    assert!(next.is_some());
    assert!(LIST_MAX_EXAMINED < rows);

    let (mut ids, mut pages) = (Vec::new(), 0);
    let mut next = Some(format!("/v1/orgs/{}/members/export.csv", org.org_id));
    while let Some(url) = next.take() {
        let page = t.call("GET", &url, Some(&org.admin_token), None).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        let mut lines = page.text.lines();
        assert!(lines.next().unwrap().starts_with("id,email,"), "every page has the header row");
        ids.extend(lines.map(|line| line.split(',').next().unwrap().to_string()));
        next = page.headers.get("link").map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with(">; rel=\"next\""), "{link}");
            link[1..link.find('>').unwrap()].to_string()
        });
    }
    assert_eq!(pages, 2);
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((total, ids.len()), (rows + 1, rows + 1), "every member once, the admin too");
}

/// An import on a worker whose time runs out every few hundred milliseconds (or after every
/// row): each run stops at a checkpoint and queues the rest; a redelivery of the first
/// message runs beside it. Every row ends invited exactly once.
async fn import_out_of_time(t: TestApp, rows: usize, budget: Duration) {
    let t = t.configure(|config| config.message_time_budget = budget);
    let org = t.create_org("Deadline", "paid").await;
    let emails: Vec<String> = (0..rows).map(|i| format!("d{i}@rows.test")).collect();
    let submitted = submit_csv(&t, &org, &emails).await;
    let id = submitted.body["id"].as_str().unwrap();
    let message = roster_app::tx::import_message(&org.org_id, id);
    let worker = t.worker_app("import-processor");
    let run = || workers::handle_message(&worker, QueueName::Import, &message, Deadline::after(budget));
    let (first, second) = tokio::join!(run(), run());
    assert_eq!((first, second), (MessageOutcome::Done, MessageOutcome::Done));
    let mut runs = 2;
    loop {
        let handled = workers::drain_once(&t.worker_app("import-processor"), QueueName::Import)
            .await
            .unwrap();
        if handled == 0 {
            break;
        }
        runs += handled;
    }
    assert!(runs > 3, "the import was handed on between runs ({runs} runs)");
    let done = t.get_import(&org, id).await;
    assert_eq!(
        (
            done.body["status"].as_str(),
            done.body["processed"].as_u64(),
            done.body["invited"].as_u64(),
            done.body["failures"].as_array().map(Vec::len)
        ),
        (Some("completed"), Some(rows as u64), Some(rows as u64), Some(0)),
        "{}",
        done.text
    );
    let mut invited: Vec<String> = t
        .app
        .query_all(Query::table(format!("ORG#{}", org.org_id), SkCondition::BeginsWith("MEMBER#".into())).limit(1000))
        .await
        .unwrap()
        .iter()
        .map(|item| item.json()["email"].as_str().unwrap().to_string())
        .filter(|email| email.ends_with("@rows.test"))
        .collect();
    invited.sort();
    let mut expected = emails;
    expected.sort();
    // Compared without printing 10,000 addresses on failure.
    assert!(
        invited == expected,
        "every row invited once: none lost, none twice ({} members for {} rows)",
        invited.len(),
        expected.len()
    );
    assert_eq!(t.app.queue.dead_letter_count(QueueName::Import).await.unwrap(), 0);
}

async fn an_import_continues_after_every_row_when_time_is_short(t: TestApp) {
    import_out_of_time(t, 12, Duration::ZERO).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_import_of_10_000_rows_with_a_300_ms_deadline_completes_without_loss_or_duplicates() {
    import_out_of_time(TestApp::new(), 10_000, Duration::from_millis(300)).await;
}

async fn a_broken_file_is_refused_whole_and_changes_nothing(t: TestApp) {
    let org = t.create_org("Broken", "free").await;
    let before = t.snapshot(&org).await;
    let broken = t
        .request(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some("text/csv"),
            b"email\nok@b.test\n\xff\xfe@b.test\n".to_vec(),
        )
        .await;
    assert_eq!(
        (broken.status, broken.body["errors"][0]["code"].as_str()),
        (400, Some("invalid_utf8"))
    );
    let no_email = t
        .request(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some("text/csv"),
            b"name\nAda\n".to_vec(),
        )
        .await;
    assert_eq!(no_email.body["errors"][0]["code"], "missing_column");
    let huge = t
        .request(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some("text/csv"),
            vec![b'a'; 5 * 1024 * 1024 + 1],
        )
        .await;
    assert_eq!((huge.status, huge.code()), (413, "payload_too_large"));
    assert_eq!(t.snapshot(&org).await, before);
}

/// Oversized cells fail their own rows, not the import (SPEC §3): a 300 KB department, a
/// 300 KB email and a 300 KB position in three rows of a file beside good rows, each a
/// row the store could not hold in one item.
async fn oversized_cells_fail_their_rows_not_the_import(t: TestApp) {
    let org = t.create_org("Big Cells", "paid").await;
    let huge = "x".repeat(300_000);
    let padded_phone = format!("1234567{}", "-".repeat(300_000));
    let csv = format!(
        "email,first_name,last_name,phone,department,position,role\n\
         fine1@cells.test,Fine,One,,,,member\n\
         dept@cells.test,Big,Dept,,{huge},,member\n\
         {huge}@cells.test,Big,Email,,,,member\n\
         pos@cells.test,Big,Position,,,{huge},member\n\
         fine2@cells.test,Fine,Two,,,Nurse,member\n\
         phone@cells.test,Padded,Phone,{padded_phone},,,member\n"
    );
    let submitted = t.submit_import_csv(&org, csv).await;
    t.drain().await;
    let done = t.get_import(&org, submitted.body["id"].as_str().unwrap()).await;
    assert_eq!(
        (done.body["status"].as_str(), done.body["invited"].as_u64()),
        (Some("completed"), Some(3)),
        "{}",
        done.text
    );
    let failures: Vec<(u64, &str)> = done.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["row"].as_u64().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(failures, [(3, "invalid_name"), (4, "invalid_email"), (5, "invalid_text")]);
    assert!(done.text.len() < 10_000, "the report holds no oversized cell");
}

/// Bulk work reads in batches and writes a batch to a transaction: a bulk edit of 300
/// members into a department and a preview of 300 existing addresses cost a few dozen store
/// calls, not several per member (on DynamoDB each is a round trip inside the function's
/// 10-second timeout). Out of time, a bulk edit answers what it did and what it did not.
async fn bulk_work_reads_in_batches_and_answers_within_its_deadline(t: TestApp) {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    // Each store call takes up to 2 ms, as a round trip to DynamoDB does.
    let t = t.wrap_store(move |inner| {
        let slow = Arc::new(roster_tests::stores::JitterStore::new(inner, Duration::from_millis(2)));
        Arc::new(roster_tests::CountingStore {
            inner: slow,
            calls: counted,
            transactions: Default::default(),
        })
    });
    let org = t.create_org("Batches", "paid").await;
    let emails: Vec<String> = (0..300).map(|i| format!("b{i:03}@batches.test")).collect();
    let imported = t.import_pasted(&org, json!({"emails": emails.join(" "), "role": "member"})).await;
    assert_eq!(imported.body["invited"], 300, "{}", imported.text);
    let ward = t.create_department(&org, "Ward").await;
    let ids: Vec<String> = {
        let mut ids = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = t
                .call(
                    "GET",
                    &format!("/v1/orgs/{}/members?tab=unlicensed&limit=200{cursor}", org.org_id),
                    Some(&org.admin_token),
                    None,
                )
                .await;
            ids.extend(
                page.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["id"].as_str().unwrap().to_string()),
            );
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break ids,
            }
        }
    };
    assert_eq!(ids.len(), 300);

    let before = calls.load(std::sync::atomic::Ordering::SeqCst);
    let edited = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/bulk-edit", org.org_id),
            Some(&org.admin_token),
            Some(json!({"member_ids": ids, "department_id": ward, "position": "Nurse"})),
        )
        .await;
    let used = calls.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(
        (edited.status, edited.body["updated"].as_u64()),
        (200, Some(300)),
        "{}",
        edited.text
    );
    assert!(used <= 80, "{used} store calls for 300 members");
    let in_ward = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/members?tab=unlicensed&department={ward}&limit=200", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await;
    assert_eq!(in_ward.body["items"].as_array().unwrap().len(), 200);

    let before = calls.load(std::sync::atomic::Ordering::SeqCst);
    let preview = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/invitations/preview", org.org_id),
            Some(&org.admin_token),
            Some(json!({"emails": emails.join("\n")})),
        )
        .await;
    let used = calls.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(preview.body["existing"].as_array().map(Vec::len), Some(300), "{}", preview.text);
    assert!(used <= 15, "{used} store calls for a preview of 300 addresses");

    // An id named twice is one member, edited once.
    let twice = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/bulk-edit", org.org_id),
            Some(&org.admin_token),
            Some(json!({"member_ids": [ids[0], ids[1], ids[0]], "location": "North"})),
        )
        .await;
    assert_eq!(
        (twice.body["updated"].as_u64(), twice.body["failures"].as_array().map(Vec::len)),
        (Some(2), Some(0)),
        "{}",
        twice.text
    );

    // Out of time after the first batch: the rest is answered as not done, and unchanged.
    let t = t.configure(|config| config.request_time_budget = Duration::ZERO);
    let late = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/members/bulk-edit", org.org_id),
            Some(&org.admin_token),
            Some(json!({"member_ids": ids, "position": "Charge nurse"})),
        )
        .await;
    assert_eq!(late.status, 200, "{}", late.text);
    let updated = late.body["updated"].as_u64().unwrap() as usize;
    let not_done: Vec<&str> = late.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "request_timeout")
        .map(|f| f["member_id"].as_str().unwrap())
        .collect();
    assert_eq!((updated, not_done.len()), (10, 290), "{}", late.text);
    for id in &not_done[..5] {
        assert_eq!(t.member(&org, id).await["position"], "Nurse", "not done is unchanged");
    }
}

/// An import writes as many rows a transaction as the store takes: a chunk's 100 on SQLite
/// (a commit writes each page it touched once, so fewer, larger ones are faster), about 18
/// under DynamoDB's 100 writes; never more than the store's limit.
async fn an_import_writes_as_many_rows_a_transaction_as_the_store_takes(t: TestApp) {
    let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = sizes.clone();
    let t = t.wrap_store(move |inner| {
        Arc::new(roster_tests::CountingStore {
            inner,
            calls: Default::default(),
            transactions: log,
        })
    });
    let limit = t.app.store.transaction_limit();
    let org = t.create_org("Big Commits", "paid").await;
    let department = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/departments", org.org_id),
            Some(&org.admin_token),
            Some(json!({"name": "Wards"})),
        )
        .await;
    assert_eq!(department.status, 201, "{}", department.text);
    let mut csv = String::from("email,first_name,last_name,phone,department,position,role\n");
    for i in 0..250 {
        csv.push_str(&format!("big{i}@commits.test,Ann,Last{i},,Wards,Nurse,member\n"));
    }
    sizes.lock().unwrap().clear();
    let submitted = t.submit_import_csv(&org, csv).await;
    t.drain().await;
    let status = t.import_status(&org, &submitted).await;
    assert_eq!(status.body["invited"], 250, "{}", status.text);
    let sizes = sizes.lock().unwrap().clone();
    let largest = *sizes.iter().max().unwrap();
    assert!(largest <= limit, "{largest} writes in one transaction, the store takes {limit}");
    // Each row is five writes (member, directory, department, audit, outbox; an invitation
    // link names its member, so no lookup, and the member's email and names are index
    // entries of its own item): a commit of a whole chunk is about five hundred.
    let chunk_sized = sizes.iter().filter(|size| **size >= 500).count();
    if limit >= 1_000 {
        assert_eq!(chunk_sized, 2, "the two full chunks in one commit each: {sizes:?}");
    } else {
        assert_eq!(chunk_sized, 0);
        // 18 rows a commit: five of each full chunk, two of the last 50 rows.
        assert!(
            sizes.iter().filter(|size| **size >= 80).count() >= 12,
            "about 18 rows a commit: {sizes:?}"
        );
    }
}

on_every_backend!(
    bulk_work_reads_in_batches_and_answers_within_its_deadline,
    oversized_cells_fail_their_rows_not_the_import,
    preview_says_what_a_pasted_list_holds,
    a_csv_import_reports_every_row_that_was_not_invited,
    a_pasted_list_import_applies_one_role_and_department,
    free_plans_import_at_most_100_a_day_per_admin_and_nothing_is_dropped,
    the_free_limit_also_counts_per_client_ip,
    paid_plans_have_no_import_limit,
    a_redelivered_import_message_resumes_and_never_duplicates,
    an_import_continues_after_every_row_when_time_is_short,
    a_broken_file_is_refused_whole_and_changes_nothing,
    an_import_writes_as_many_rows_a_transaction_as_the_store_takes
);

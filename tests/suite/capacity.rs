//! Issue 22, point 3: what each operation costs in DynamoDB capacity units, computed from
//! the items it reads and writes (`roster_aws::capacity`: item sizes as the adapter writes
//! them, transactions at twice a write, every global secondary index projecting the whole
//! item). The figures are printed (`cargo nextest run -p roster-tests --no-capture -E
//! 'test(capacity)'`, BENCHMARKS.md) and held to what they are today, so a change that
//! makes an operation dearer fails here; the targets are lower (≤ 10 write units
//! an invitation or imported row, ≤ 3 an email, 1 read unit a status poll).

use std::sync::{Arc, Mutex};

use serde_json::json;

use roster_app::ports::QueueName;
use roster_tests::{MeteredStore, TestApp, Units};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_units_per_operation_stay_within_today_s() {
    let metered = Arc::new(Mutex::new(Units::default()));
    let units = metered.clone();
    let t = TestApp::new().wrap_store(move |inner| Arc::new(MeteredStore { inner, units }));
    let org = t.create_org("Units", "paid").await;
    t.drain().await;
    let take = || std::mem::take(&mut *metered.lock().unwrap());
    take();

    let invited = t
        .invite(
            &org,
            &org.admin_token,
            json!({"email": "one@units.test", "role": "member", "first_name": "Una", "last_name": "Nits"}),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.text);
    let invite = take();
    assert_eq!(roster_app::workers::drain_once(&t.app, QueueName::Email).await.unwrap(), 1);
    let email = take();

    const ROWS: usize = 100;
    let mut csv = String::from("email,first_name,last_name,phone,department,position,role\n");
    for i in 0..ROWS {
        csv.push_str(&format!("row{i}@units.test,Ann,Last{i},,,,member\n"));
    }
    let submitted = t.submit_import_csv(&org, csv).await;
    let submit = take();
    roster_app::workers::drain_once(&t.app, QueueName::Import).await.unwrap();
    let import = take();
    let status = t.import_status(&org, &submitted).await;
    assert_eq!(status.body["invited"], ROWS, "{}", status.text);
    let poll = take();

    let per_row = Units {
        write: import.write / ROWS as f64,
        read: import.read / ROWS as f64,
        items_read: import.items_read / ROWS,
        calls: import.calls / ROWS,
    };
    println!("| operation | write units | read units |");
    println!("|---|---|---|");
    for (name, units) in [
        ("invite (POST …/invitations)", invite),
        ("one invitation email sent (the email worker)", email),
        ("import submit (100-row CSV)", submit),
        ("imported row (the import worker, per row)", per_row),
        ("import status poll (GET …/imports/{id})", poll),
    ] {
        println!("| {name} | {:.1} | {:.1} |", units.write, units.read);
    }
    // Today's figures (2026-12-06, after empty fields stopped being stored: invite 28 → 23,
    // imported row 28.3 → 23.3; after the due index went keys-only, a lone write stopped
    // being a transaction and a sent email's entry is deleted: email 6 → 3, the issue's
    // target; 2026-12-07, the directory entry is the email guard and GSI2 is gone: invite
    // 23 → 20, imported row 23.24 → 20.24; an invitation link names its member, so no
    // lookup item: invite 20 → 18, imported row 20.24 → 18.24): lower them as the design
    // gets there.
    for (name, measured, ceiling) in [
        ("invite write units", invite.write, 18.0),
        ("email write units", email.write, 3.0),
        ("imported row write units", per_row.write, 18.3),
        ("status poll read units", poll.read, 3.0),
    ] {
        assert!(measured <= ceiling, "{name}: {measured} > {ceiling}");
    }
}

/// Issue 22, point 2: an export page seeks to its cursor. It reads the members it holds and
/// none of those before it: on DynamoDB a Query from the cursor whose `Limit` is the page's
/// size, so the items read per page are the page's size (plus the org, the caller and the
/// departments), the last page as the first.
#[tokio::test]
async fn an_export_page_reads_its_own_members_and_no_more() {
    const PAGE: usize = 40;
    let metered = Arc::new(Mutex::new(Units::default()));
    let units = metered.clone();
    let t = TestApp::new()
        .configure(|config| config.export_page_members = PAGE)
        .wrap_store(move |inner| Arc::new(MeteredStore { inner, units }));
    let org = t.create_org("Pages", "paid").await;
    let mut csv = String::from("email,first_name,last_name,phone,department,position,role\n");
    for i in 0..110 {
        csv.push_str(&format!("page{i}@pages.test,Ann,Last{i},,,,member\n"));
    }
    t.submit_import_csv(&org, csv).await;
    t.drain().await;
    let mut next = Some(format!("/v1/orgs/{}/members/export.csv", org.org_id));
    let (mut pages, mut members) = (Vec::new(), 0);
    while let Some(url) = next.take() {
        std::mem::take(&mut *metered.lock().unwrap());
        let page = t.call("GET", &url, Some(&org.admin_token), None).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let rows = page.text.lines().count() - 1;
        members += rows;
        pages.push((rows, metered.lock().unwrap().items_read));
        next = page.headers.get("link").map(|link| {
            link.to_str()
                .unwrap()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_string()
        });
    }
    assert_eq!(members, 111, "every member once, the admin too: {pages:?}");
    assert_eq!(pages.len(), 3, "{pages:?}");
    // The same few items beside its rows on every page: the org and the caller (no departments).
    for (rows, read) in &pages {
        assert_eq!(*read, rows + 2, "a page of {rows} read {read} items: {pages:?}");
    }
}

//! Benchmarks written down in BENCHMARKS.md: latency per operation, bulk import rows per
//! second, sweep cost against table size, and app init on the AWS adapters.
//! Run: `cargo bench -p roster-tests --bench roster` (with AWS_ENDPOINT_URL set to a moto
//! server for the AWS rows, e.g. `eval "$(bash scripts/moto.sh)"` first).

use std::time::{Duration, Instant};

use serde_json::json;

use std::sync::{Arc, Mutex};

use roster_tests::{MeteredStore, OrgFixture, TestApp, Units};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

/// An org name that makes a valid admin email.
fn slug(label: &str) -> String {
    label.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').collect()
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Times `n` runs of `op(i)`; prints median and p95.
async fn time_op<F, Fut>(backend: &str, name: &str, n: usize, mut op: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        let status = op(i).await;
        samples.push(started.elapsed());
        assert!(status < 400, "{name} answered {status}");
    }
    let median = percentile(&mut samples, 0.5);
    let p95 = percentile(&mut samples, 0.95);
    println!("| {backend} | {name} | {n} | {} | {} |", micros(median), micros(p95));
}

async fn latencies(t: &TestApp, backend: &str, n: usize) {
    let org = t.create_org(&format!("Bench {}", slug(backend)), "paid").await;
    let o = org.org_id.clone();
    let admin = org.admin_token.clone();
    time_op(backend, "invite (POST …/invitations)", n, |i| {
        let (t, o, admin) = (t, o.clone(), admin.clone());
        async move {
            t.call(
                "POST",
                &format!("/v1/orgs/{o}/invitations"),
                Some(&admin),
                Some(json!({"email": format!("lat{i}@bench.test"), "role": "member"})),
            )
            .await
            .status
        }
    })
    .await;
    t.drain().await;
    let tokens: Vec<String> = (0..n).map(|i| t.last_invitation_token(&format!("lat{i}@bench.test"))).collect();
    time_op(backend, "accept (incl. Argon2id hash)", n, |i| {
        let (t, token) = (t, tokens[i].clone());
        async move { t.accept(&token, "Bench").await.status }
    })
    .await;
    time_op(backend, "login (incl. Argon2id verify)", n, |i| {
        let t = t;
        async move { t.login(&format!("lat{i}@bench.test"), roster_tests::PASSWORD).await.status }
    })
    .await;
    time_op(backend, "list members (page of 50)", n, |_| {
        let (t, o, admin) = (t, o.clone(), admin.clone());
        async move {
            t.call("GET", &format!("/v1/orgs/{o}/members?tab=licensed&limit=50"), Some(&admin), None)
                .await
                .status
        }
    })
    .await;
    let ids: Vec<String> = t
        .call("GET", &format!("/v1/orgs/{o}/members?tab=licensed&limit=200"), Some(&admin), None)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .filter(|id| *id != org.admin_id)
        .collect();
    time_op(backend, "remove (POST …/remove)", n.min(ids.len()), |i| {
        let (t, o, admin, id) = (t, o.clone(), admin.clone(), ids[i].clone());
        async move {
            t.call("POST", &format!("/v1/orgs/{o}/members/{id}/remove"), Some(&admin), None)
                .await
                .status
        }
    })
    .await;
}

async fn import_rate(t: &TestApp, backend: &str, rows: usize) {
    let org = t.create_org(&format!("Import {} {rows}", slug(backend)), "paid").await;
    let emails: Vec<String> = (0..rows).map(|i| format!("imp{i}@bench.test")).collect();
    let started = Instant::now();
    let submitted = t
        .call(
            "POST",
            &format!("/v1/orgs/{}/imports", org.org_id),
            Some(&org.admin_token),
            Some(json!({"emails": emails.join("\n"), "role": "member"})),
        )
        .await;
    t.drain().await;
    let elapsed = started.elapsed();
    let done = t.import_status(&org, &submitted).await;
    assert_eq!(done.body["invited"], rows, "{}", done.text);
    println!(
        "| {backend} | {rows} rows | {:.2} s | {:.0} rows/s |",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64()
    );
}

/// `total` open invitations of which `due` are past their expiry: the sweep reads only those.
async fn sweep_cost(backend: &str, total: usize, due: usize) {
    let t = TestApp::new();
    let org: OrgFixture = t.create_org(&format!("Sweep {} {total}", slug(backend)), "paid").await;
    let o = &org.org_id;
    let invite_all = |count: usize, offset: usize| {
        let (t, o, admin) = (&t, o.clone(), org.admin_token.clone());
        async move {
            let emails: Vec<String> = (0..count).map(|i| format!("sw{}@bench.test", i + offset)).collect();
            t.call(
                "POST",
                &format!("/v1/orgs/{o}/imports"),
                Some(&admin),
                Some(json!({"emails": emails.join("\n"), "role": "member"})),
            )
            .await;
            t.drain().await;
        }
    };
    t.call(
        "PATCH",
        &format!("/v1/orgs/{o}"),
        Some(&org.admin_token),
        Some(json!({"invite_ttl_days": 90})),
    )
    .await;
    invite_all(total - due, 0).await;
    t.call(
        "PATCH",
        &format!("/v1/orgs/{o}"),
        Some(&org.admin_token),
        Some(json!({"invite_ttl_days": 1})),
    )
    .await;
    invite_all(due, total).await;
    t.clock.advance(2 * 86_400);
    let started = Instant::now();
    let report = roster_app::workers::expiry::schedule(
        &t.app,
        roster_app::workers::expiry::ExpiryKind::Invitation,
        roster_app::Deadline::NONE,
    )
    .await
    .unwrap();
    let scheduled = started.elapsed();
    let applied = roster_app::workers::drain_once(&t.app, roster_app::ports::QueueName::Expiry)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(applied, due);
    println!(
        "| {backend} | {total} | {due} | {} | {} | {} | {} |",
        report.examined,
        report.changed,
        micros(scheduled),
        micros(elapsed)
    );
}

/// A backlog of `due` expired invitations in one org, written straight to the store (an
/// import of 50,000 would take longer than what it sets up): one expiry-scheduler run, then
/// the expiry queue drained by the worker.
async fn expiry_backlog(t: &TestApp, backend: &str, due: usize) {
    let org = t.create_org(&format!("Backlog {} {due}", slug(backend)), "paid").await;
    let org_record = t.app.load_org(&org.org_id).await.unwrap();
    let seeded = Instant::now();
    seed_invited(t, &org, &org_record, due, |i| {
        (format!("due{i}@backlog.test"), String::new(), String::new())
    })
    .await;
    let seeded = seeded.elapsed();
    t.clock.advance((org_record.settings.invite_ttl_days as i64 + 1) * 86_400);
    let started = Instant::now();
    let report = roster_app::workers::expiry::schedule(
        &t.app,
        roster_app::workers::expiry::ExpiryKind::Invitation,
        roster_app::Deadline::NONE,
    )
    .await
    .unwrap();
    let scheduled = started.elapsed();
    let mut applied = 0;
    loop {
        let handled = roster_app::workers::drain_once(&t.app, roster_app::ports::QueueName::Expiry)
            .await
            .unwrap();
        if handled == 0 {
            break;
        }
        applied += handled;
    }
    let drained = started.elapsed() - scheduled;
    assert_eq!((report.examined, report.changed, applied), (due, due, due));
    println!(
        "| {backend} | {due} | {} | {} | {:.2} s | {:.2} s ({:.0} jobs/s) | {:.1} s |",
        report.examined,
        report.changed,
        scheduled.as_secs_f64(),
        drained.as_secs_f64(),
        applied as f64 / drained.as_secs_f64(),
        seeded.as_secs_f64()
    );
}

/// Writes `n` invited members straight to the store (as an admin's invitations would),
/// 25 a transaction: `person(i)` gives each its email and names.
async fn seed_invited(
    t: &TestApp,
    org: &OrgFixture,
    org_record: &roster_domain::Org,
    n: usize,
    person: impl Fn(usize) -> (String, String, String),
) {
    use roster_app::usecases::membership::{attach_first_invitation, new_member, NewAccount};
    use roster_domain::{Email, Kind, MembershipStatus, Role};

    let members: Vec<usize> = (0..n).collect();
    // Up to five writes a member (member, account directory; its names are index entries of
    // the member item since layout 7; room to spare).
    for chunk in members.chunks(roster_app::ports::store::MAX_TRANSACTION_WRITES / 5) {
        let mut tx = roster_app::tx::Tx::new();
        for i in chunk {
            let (email, first_name, last_name) = person(*i);
            let account = NewAccount {
                email: Email::parse(&email).unwrap(),
                role: Role::Member,
                kind: Kind::Shell,
                status: MembershipStatus::Invited,
                department_id: None,
                first_name,
                last_name,
                phone: String::new(),
                position: None,
            };
            let mut member = new_member(&org.org_id, account, t.app.now());
            attach_first_invitation(&t.app, org_record, &mut member, false, Some(&org.admin_id))
                .await
                .unwrap();
            tx.member(None, &member);
        }
        tx.commit(&t.app).await.unwrap();
    }
}

const FIRST_NAMES: [&str; 20] = [
    "Ann", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max", "Nia", "Oto", "Pia", "Quin", "Rosa", "Sam",
    "Tove",
];

/// Search latency in an org of `size` invited members (SQLite on disk): an exact email, an
/// email prefix matching 11, and a first-name prefix matching a twentieth of the org.
async fn search_latency(size: usize) {
    let dir = std::env::temp_dir().join(format!("roster-bench-search-{}-{size}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = TestApp::on(roster_embedded::Database::open(&dir.join("roster.db")).unwrap());
    let org = t.create_org(&format!("Search {size}"), "paid").await;
    let org_record = t.app.load_org(&org.org_id).await.unwrap();
    let seeding = Instant::now();
    seed_invited(&t, &org, &org_record, size, |i| {
        (format!("m{i}@search.test"), FIRST_NAMES[i % 20].to_string(), format!("Last{i}"))
    })
    .await;
    let seeding = seeding.elapsed();
    let members = format!("/v1/orgs/{}/members?tab=unlicensed&limit=25", org.org_id);
    let target = size / 2 + 7;
    let queries = [
        ("exact email", format!("m{target}@search.test"), 1),
        ("email prefix", format!("m{}", target / 10), 11.min(size)),
        ("first-name prefix", "pi".to_string(), 25),
    ];
    for (name, q, expected) in queries {
        let mut samples = Vec::new();
        for _ in 0..200 {
            let started = Instant::now();
            let page = t.call("GET", &format!("{members}&q={q}"), Some(&org.admin_token), None).await;
            samples.push(started.elapsed());
            let found = page.body["items"].as_array().map_or(0, Vec::len);
            assert!(found >= expected.min(1) && found <= 25, "{name}: {found}");
        }
        println!(
            "| {size} | {name} (`q={q}`) | {} | {} | {:.1} s |",
            micros(percentile(&mut samples, 0.5)),
            micros(percentile(&mut samples, 0.99)),
            seeding.as_secs_f64()
        );
    }
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The whole CSV export of an org of `size` invited members (SQLite on disk), following
/// each page's `Link: rel="next"`: the time of each page and of all of them.
async fn export_pages(size: usize) {
    let dir = std::env::temp_dir().join(format!("roster-bench-export-{}-{size}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = TestApp::on(roster_embedded::Database::open(&dir.join("roster.db")).unwrap());
    let org = t.create_org(&format!("Export {size}"), "paid").await;
    let org_record = t.app.load_org(&org.org_id).await.unwrap();
    seed_invited(&t, &org, &org_record, size, |i| {
        (format!("x{i}@export.test"), FIRST_NAMES[i % 20].to_string(), format!("Last{i}"))
    })
    .await;
    let mut next = Some(format!("/v1/orgs/{}/members/export.csv", org.org_id));
    let (mut pages, mut rows) = (Vec::new(), 0);
    let started = Instant::now();
    while let Some(url) = next.take() {
        let page_started = Instant::now();
        let page = t.call("GET", &url, Some(&org.admin_token), None).await;
        pages.push(page_started.elapsed());
        rows += page.text.lines().count() - 1;
        next = page.headers.get("link").map(|link| {
            let link = link.to_str().unwrap();
            link[1..link.find('>').unwrap()].to_string()
        });
    }
    let total = started.elapsed();
    // The full pages (the last holds the rest): the first against the slowest.
    let full = &pages[..pages.len() - 1];
    let first = full[0];
    let slowest = full.iter().max().copied().unwrap_or(first);
    println!(
        "| {size} | {} | {rows} | {} | {} | {:.2} s |",
        pages.len(),
        micros(first),
        micros(slowest),
        total.as_secs_f64()
    );
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `rows`-row import into an org of `size` invited members (SQLite on disk), with readers
/// beside it: one task drains the queues (the import, then the invitation emails) while
/// another asks for `GET /v1/me` and the member list's first page in turn until the import is
/// done. The rate counts every invitation stored and every email handed to the mailer.
async fn import_under_load(size: usize, rows: usize) {
    let dir = std::env::temp_dir().join(format!("roster-bench-import-load-{}-{size}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = std::sync::Arc::new(TestApp::on(roster_embedded::Database::open(&dir.join("roster.db")).unwrap()));
    let org = t.create_org(&format!("Load {size}"), "paid").await;
    let org_record = t.app.load_org(&org.org_id).await.unwrap();
    seed_invited(&t, &org, &org_record, size, |i| {
        (format!("s{i}@load.test"), FIRST_NAMES[i % 20].to_string(), format!("Last{i}"))
    })
    .await;
    let mut csv = String::from("email,first_name,last_name,phone,department,position,role\n");
    for i in 0..rows {
        csv.push_str(&format!("new{i}@load.test,{},New{i},,,,member\n", FIRST_NAMES[i % 20]));
    }
    let sent_before = t.mailer.sent.lock().unwrap().len();
    let started = Instant::now();
    let submitted = t.submit_import_csv(&org, csv).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers = {
        let (t, done, token) = (t.clone(), done.clone(), org.admin_token.clone());
        let list = format!("/v1/orgs/{}/members?tab=unlicensed&limit=50", org.org_id);
        tokio::spawn(async move {
            let (mut me, mut members) = (Vec::new(), Vec::new());
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let asked = Instant::now();
                let answer = t.call("GET", "/v1/me", Some(&token), None).await;
                assert_eq!(answer.status, 200, "{}", answer.text);
                me.push(asked.elapsed());
                let asked = Instant::now();
                let answer = t.call("GET", &list, Some(&token), None).await;
                assert_eq!(answer.status, 200, "{}", answer.text);
                members.push(asked.elapsed());
            }
            (me, members)
        })
    };
    let importer = {
        let (t, done) = (t.clone(), done.clone());
        tokio::spawn(async move {
            t.drain().await;
            done.store(true, std::sync::atomic::Ordering::Relaxed);
        })
    };
    importer.await.unwrap();
    let elapsed = started.elapsed();
    let (mut me, mut members) = readers.await.unwrap();
    let status = t.import_status(&org, &submitted).await;
    assert_eq!(status.body["invited"], rows, "{}", status.text);
    assert_eq!(
        t.mailer.sent.lock().unwrap().len() - sent_before,
        rows,
        "every invitation's email sent"
    );
    let worst = |samples: &[Duration]| samples.iter().max().copied().unwrap_or_default();
    println!(
        "| {size} | {rows} | {:.2} s | {:.0} rows/s | {} | {} / {} / {} | {} / {} / {} |",
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        me.len() + members.len(),
        micros(percentile(&mut me, 0.5)),
        micros(percentile(&mut me, 0.99)),
        micros(worst(&me)),
        micros(percentile(&mut members, 0.5)),
        micros(percentile(&mut members, 0.99)),
        micros(worst(&members)),
    );
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ROSTER_BENCH=backlog` (or another section's name) runs that section alone.
/// Issue 23, point 6: a directory's first sync — `users` users created, then `groups` groups
/// of an equal share of them (each created, then filled by one PATCH) — with 8 requests in
/// flight, as an identity provider sends them; then one PATCH adding 1,000 members to a new
/// group. With `metered`, the store calls and DynamoDB write units per user and per group
/// member added (computed from item sizes, as in the capacity test).
async fn scim_first_sync(t: TestApp, backend: &str, users: usize, groups: usize, metered: Option<Arc<Mutex<Units>>>) {
    use futures_util::stream::{self, StreamExt};
    let t = Arc::new(t);
    let org = t.create_org(&format!("Directory {}", slug(backend)), "paid").await;
    let issued = t
        .call("POST", &format!("/v1/orgs/{}/scim/token", org.org_id), Some(&org.admin_token), None)
        .await;
    let token = issued.body["token"].as_str().unwrap().to_string();
    let take = || metered.as_ref().map(|m| std::mem::take(&mut *m.lock().unwrap()));
    take();
    let started = Instant::now();
    let ids: Vec<(u16, String)> = stream::iter(0..users)
        .map(|i| {
            let (t, token) = (t.clone(), token.clone());
            async move {
                let email = format!("dir{i}@sync.test");
                let body = json!({"userName": email, "name": {"givenName": "Dir", "familyName": format!("User{i}")}, "emails": [{"value": email}], "externalId": format!("ext-{i}"), "active": true});
                let answer = t.call("POST", "/scim/v2/Users", Some(&token), Some(body)).await;
                (answer.status, answer.body["id"].as_str().unwrap_or_default().to_string())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let users_time = started.elapsed();
    let user_units = take();
    eprintln!("{backend}: {users} users in {:.1} s", users_time.as_secs_f64());
    let failed: Vec<u16> = ids.iter().map(|(status, _)| *status).filter(|status| *status != 201).collect();
    let failures = failed.len();
    let ids: Vec<String> = ids.into_iter().map(|(_, id)| id).collect();
    let share = users / groups;
    let started = Instant::now();
    let answers: Vec<(u16, usize, String)> = stream::iter(0..groups)
        .map(|g| {
            let (t, token) = (t.clone(), token.clone());
            let members: Vec<serde_json::Value> = ids[g * share..(g + 1) * share].iter().map(|id| json!({"value": id})).collect();
            async move {
                let created = t.call("POST", "/scim/v2/Groups", Some(&token), Some(json!({"displayName": format!("Group {g}")}))).await;
                let id = created.body["id"].as_str().unwrap_or_default().to_string();
                let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": members}]});
                // Sent again after a 503 (its time budget ran out; the moves made are kept).
                let mut resent = 0;
                loop {
                    let patched = t.call("PATCH", &format!("/scim/v2/Groups/{id}"), Some(&token), Some(body.clone())).await;
                    if patched.status != 503 || resent == 20 {
                        let failure = if patched.status >= 300 { patched.text } else { String::new() };
                        return (created.status.max(patched.status), resent, failure);
                    }
                    resent += 1;
                }
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let groups_time = started.elapsed();
    let statuses: Vec<u16> = answers.iter().map(|(status, _, _)| *status).collect();
    let resent: usize = answers.iter().map(|(_, resent, _)| resent).sum();
    eprintln!(
        "{backend}: {groups} groups in {:.1} s, {resent} PATCH(es) sent again",
        groups_time.as_secs_f64()
    );
    for (status, resent, failure) in answers.iter().filter(|(status, _, _)| *status >= 300) {
        eprintln!("{backend}: a group answered {status} after {resent} resend(s): {failure}");
    }
    let group_units = take();
    let failures = failures + statuses.iter().filter(|s| **s >= 300).count();
    let group_failed: Vec<&u16> = statuses.iter().filter(|s| **s >= 300).collect();
    // One PATCH of 1,000 members (moved from their groups into a new one).
    let big = t
        .call("POST", "/scim/v2/Groups", Some(&token), Some(json!({"displayName": "Everyone"})))
        .await;
    let big_id = big.body["id"].as_str().unwrap().to_string();
    let members: Vec<serde_json::Value> = ids[..1000.min(users)].iter().map(|id| json!({"value": id})).collect();
    // A request that reaches its time budget answers 503 with the moves it made kept; the
    // directory sends it again, as identity providers do.
    let started = Instant::now();
    let mut requests = 0;
    let patched = loop {
        requests += 1;
        let patched = t
            .call(
                "PATCH",
                &format!("/scim/v2/Groups/{big_id}"),
                Some(&token),
                Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": members}]})),
            )
            .await;
        if patched.status != 503 || requests == 20 {
            break patched;
        }
    };
    let big_time = started.elapsed();
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(
        failures, 0,
        "requests of the sync failed: users {failed:?}, groups {group_failed:?}"
    );
    // The directory's import: every user, pages of 100 by startIndex.
    take();
    let started = Instant::now();
    let (mut start, mut listed) = (1, 0);
    loop {
        let page = t
            .call("GET", &format!("/scim/v2/Users?startIndex={start}&count=100"), Some(&token), None)
            .await;
        assert_eq!(page.status, 200, "{}", page.text);
        let on_page = page.body["Resources"].as_array().unwrap().len();
        listed += on_page;
        if on_page < 100 {
            break;
        }
        start += 100;
    }
    let listing_time = started.elapsed();
    assert_eq!(listed, users + 1, "every user and the admin");
    let listing_read = take().map_or("–".to_string(), |u| {
        format!("{:.2} items read a user", u.items_read as f64 / listed as f64)
    });
    let per = |units: Option<Units>, n: usize| {
        units.map_or("–".to_string(), |u| {
            format!("{:.1} calls, {:.1} WRU", u.calls as f64 / n as f64, u.write / n as f64)
        })
    };
    println!(
        "| {backend} | {users} users: {:.1} s ({:.0}/s) | {groups} groups of {share}: {:.1} s ({:.0} members/s), {resent} PATCH(es) sent again after a 503 | {:.2} s, {requests} request(s) | {:.1} s, {listing_read} | {} | {} |",
        users_time.as_secs_f64(),
        users as f64 / users_time.as_secs_f64(),
        groups_time.as_secs_f64(),
        (groups * share) as f64 / groups_time.as_secs_f64(),
        big_time.as_secs_f64(),
        listing_time.as_secs_f64(),
        per(user_units, users),
        per(group_units, groups * share),
    );
}

fn section(name: &str) -> bool {
    std::env::var("ROSTER_BENCH").map_or(true, |only| only == name)
}

#[tokio::main]
async fn main() {
    let moto = std::env::var("AWS_ENDPOINT_URL").is_ok();
    if section("latency") {
        println!("### Latency per operation (in-process, through the HTTP mapping)\n");
        println!("| backend | operation | n | median | p95 |\n|---|---|---|---|---|");
        latencies(&TestApp::new(), "embedded (SQLite)", 200).await;
        if moto {
            latencies(&TestApp::on_moto().await, "AWS adapters on moto", 50).await;
        }
    }
    if section("import") {
        println!("\n### Bulk import (pasted list, paid plan, submit to completed)\n");
        println!("| backend | size | time | rate |\n|---|---|---|---|");
        import_rate(&TestApp::new(), "embedded (SQLite)", 1000).await;
        if moto {
            import_rate(&TestApp::on_moto().await, "AWS adapters on moto", 100).await;
        }
    }
    if section("sweep") {
        println!("\n### Invitation expiry against table size (scheduler, then the expiry queue drained)\n");
        println!("| backend | open invitations | due | read | jobs sent | schedule time | time to drain |\n|---|---|---|---|---|---|---|");
        for total in [110, 1010, 5010] {
            sweep_cost("embedded (SQLite)", total, 10).await;
        }
    }
    if section("backlog") {
        println!("\n### An expiry backlog: one scheduler run, then the expiry queue drained\n");
        println!("| backend | due | items read | jobs sent | schedule | drain | (seeding) |\n|---|---|---|---|---|---|---|");
        if std::env::var("ROSTER_BENCH_MOTO_ONLY").is_err() {
            expiry_backlog(&TestApp::new(), "embedded (SQLite)", 50_000).await;
        }
        if moto {
            // moto copies the whole table for every transaction, so its cost per job grows
            // with the table: ROSTER_BENCH_MOTO_DUE sets a backlog it can finish.
            let due = std::env::var("ROSTER_BENCH_MOTO_DUE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(5_000);
            expiry_backlog(&TestApp::on_moto().await, "AWS adapters on moto", due).await;
        }
    }
    if section("search") {
        println!("\n### Search (`q`) against org size (SQLite on disk, in-process through the HTTP mapping, first page of 25)\n");
        println!("| members | search | median | p99 | (seeding) |\n|---|---|---|---|---|");
        let sizes = std::env::var("ROSTER_BENCH_SEARCH_SIZES").unwrap_or_else(|_| "1000,10000,100000".into());
        for size in sizes.split(',').filter_map(|s| s.trim().parse().ok()) {
            search_latency(size).await;
        }
    }
    if section("import-load") {
        println!("\n### A CSV-sized import into a large org while others read (SQLite on disk)\n");
        println!("| members before | rows | submit to done | rate | reads | `GET /v1/me` p50 / p99 / worst | member list p50 / p99 / worst |\n|---|---|---|---|---|---|---|");
        let size = std::env::var("ROSTER_BENCH_LOAD_MEMBERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        import_under_load(size, 10_000).await;
    }
    if section("export") {
        println!("\n### CSV export of a whole org (SQLite on disk, pages of 5,000 following `Link`)\n");
        println!("| members | pages | rows (the admin too) | first page | slowest full page | whole export |\n|---|---|---|---|---|---|");
        for size in [10_000, 100_000] {
            export_pages(size).await;
        }
    }
    if section("scim") {
        println!("\n### A directory's first sync (SCIM, 8 requests in flight)\n");
        println!("| backend | users created | groups filled | one PATCH of 1,000 members | every user listed, pages of 100 | per user | per group member |\n|---|---|---|---|---|---|---|");
        let users = std::env::var("ROSTER_BENCH_SCIM_USERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        if std::env::var("ROSTER_BENCH_MOTO_ONLY").is_err() {
            let units = Arc::new(Mutex::new(Units::default()));
            let metered = units.clone();
            let dir = std::env::temp_dir().join(format!("roster-bench-scim-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let t = TestApp::on(roster_embedded::Database::open(&dir.join("roster.db")).unwrap())
                .wrap_store(move |inner| Arc::new(MeteredStore { inner, units: metered }));
            scim_first_sync(t, "embedded (SQLite), metered", users, 50, Some(units)).await;
        }
        if moto {
            let users = std::env::var("ROSTER_BENCH_MOTO_SCIM_USERS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(users);
            scim_first_sync(TestApp::on_moto().await, "AWS adapters on moto", users, 50, None).await;
        }
    }
    if moto && section("init") {
        println!("\n### App init on the AWS adapters (what a Lambda does once per cold start)\n");
        println!("| step | time |\n|---|---|");
        let (sdk, mut config) = roster_tests::moto_resources().await;
        // As in Lambda, the queue URLs come from the environment: no lookups at init.
        let urls = roster_aws::config::resolve_queue_urls(&aws_sdk_sqs::Client::new(&sdk), &config)
            .await
            .unwrap();
        config.email_queue = roster_aws::config::QueueRef::Url(urls.email);
        config.import_queue = roster_aws::config::QueueRef::Url(urls.import);
        config.email_dlq = roster_aws::config::QueueRef::Url(urls.email_dlq.unwrap());
        config.import_dlq = roster_aws::config::QueueRef::Url(urls.import_dlq.unwrap());
        let material = roster_tests::test_key_material();
        let mut samples = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            roster_aws::build_app(&config, Some(material.clone()), None, 0, None).await.unwrap();
            samples.push(started.elapsed());
        }
        println!(
            "| SDK config from the environment + clients + RSA key parsing (median of 20) | {} |",
            micros(percentile(&mut samples, 0.5))
        );
    }
}

//! Benchmarks written down in BENCHMARKS.md: latency per operation, bulk import rows per
//! second, sweep cost against table size, and app init on the AWS adapters.
//! Run: `cargo bench -p roster-tests --bench roster` (with AWS_ENDPOINT_URL set to a moto
//! server for the AWS rows, e.g. `eval "$(bash scripts/moto.sh)"` first).

use std::time::{Duration, Instant};

use serde_json::json;

use roster_tests::{OrgFixture, TestApp};

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
    let done = t
        .call(
            "GET",
            &format!("/v1/orgs/{}/imports/{}", org.org_id, submitted.body["id"].as_str().unwrap()),
            Some(&org.admin_token),
            None,
        )
        .await;
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
    use roster_app::records::EmailGuard;
    use roster_app::table;
    use roster_app::usecases::membership::{attach_first_invitation, new_member, NewAccount};
    use roster_domain::{Email, Kind, MembershipStatus, Role};

    let org = t.create_org(&format!("Backlog {} {due}", slug(backend)), "paid").await;
    let org_record = t.app.load_org(&org.org_id).await.unwrap();
    let seeded = Instant::now();
    let members: Vec<usize> = (0..due).collect();
    // Four writes a member (email guard, member, account directory, search entry).
    for chunk in members.chunks(roster_app::ports::store::MAX_TRANSACTION_WRITES / 4) {
        let mut tx = roster_app::tx::Tx::new();
        for i in chunk {
            let account = NewAccount {
                email: Email::parse(&format!("due{i}@backlog.test")).unwrap(),
                role: Role::Member,
                kind: Kind::Shell,
                status: MembershipStatus::Invited,
                department_id: None,
                first_name: String::new(),
                last_name: String::new(),
                phone: String::new(),
                position: None,
            };
            let mut member = new_member(&org.org_id, account, t.app.now());
            attach_first_invitation(&t.app, &org_record, &mut member, false, Some(&org.admin_id)).unwrap();
            tx.put_new(table::encode(
                table::org_pk(&org.org_id),
                table::email_guard_sk(&member.email),
                1,
                &EmailGuard {
                    member_id: member.id.clone(),
                },
            ));
            tx.member(None, &member);
        }
        tx.commit(&t.app).await.unwrap();
    }
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

/// `ROSTER_BENCH=backlog` (or another section's name) runs that section alone.
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
    if moto && section("init") {
        println!("\n### App init on the AWS adapters (what a Lambda does once per cold start)\n");
        println!("| step | time |\n|---|---|");
        let (sdk, mut config) = roster_tests::moto_resources().await;
        // As in Lambda, the queue URLs come from the environment: no lookups at init.
        let urls = roster_aws::config::resolve_queue_urls(&sdk, &config).await.unwrap();
        config.email_queue = roster_aws::config::QueueRef::Url(urls.email);
        config.import_queue = roster_aws::config::QueueRef::Url(urls.import);
        config.email_dlq = roster_aws::config::QueueRef::Url(urls.email_dlq.unwrap());
        config.import_dlq = roster_aws::config::QueueRef::Url(urls.import_dlq.unwrap());
        let material = roster_tests::test_key_material();
        let mut samples = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            roster_aws::build_app(&config, Some(material.clone()), None, 0).await.unwrap();
            samples.push(started.elapsed());
        }
        println!(
            "| SDK config from the environment + clients + RSA key parsing (median of 20) | {} |",
            micros(percentile(&mut samples, 0.5))
        );
    }
}

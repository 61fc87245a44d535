//! Black-box: the built `roster-local` binary as a user runs it, over HTTP, reading the
//! invitation links from the mail it sent; its data survives a restart. Once on the
//! embedded backend (mail in the `.eml` outbox), once with `ROSTER_BACKEND=aws` against moto
//! (mail in moto's SES store), so the real AWS code paths run the same scenario.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// The `roster-local` binary built beside this test binary (`target/<profile>/`).
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let binary = profile_dir.join(format!("roster-local{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it first with `cargo build -p roster-local` (the README's test command does)",
        binary.display()
    );
    binary
}

/// Where the server's mail can be read.
#[derive(Clone)]
enum Mailbox {
    Outbox,
    Moto(String),
}

/// Where the server started on `data_dir` logs (at INFO, what an operator would see).
fn server_log(data_dir: &Path) -> PathBuf {
    data_dir.with_extension("log")
}

/// A running server; stopped (by PID) when dropped.
struct Server {
    child: Child,
    base: String,
    data_dir: PathBuf,
    mailbox: Mailbox,
}

impl Server {
    async fn start(data_dir: &Path, env: &[(String, String)], mailbox: Mailbox) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port, data_dir, env, mailbox).await
    }

    /// Starts on `port`: a restart on the same address keeps the same issuer, so tokens
    /// signed before it still check.
    async fn start_on(port: u16, data_dir: &Path, env: &[(String, String)], mailbox: Mailbox) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(server_log(data_dir))
            .unwrap();
        let child = Command::new(server_binary())
            .envs(env.iter().cloned())
            .env("ROSTER_ADDR", format!("127.0.0.1:{port}"))
            .env("ROSTER_DATA_DIR", data_dir)
            .env("ROSTER_TEST_CLOCK", "1")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start roster-local");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir: data_dir.to_path_buf(),
            mailbox,
        };
        for _ in 0..100 {
            if reqwest::get(format!("{}/.well-known/jwks.json", server.base)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("roster-local did not start");
    }

    fn operator_token(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("operator-token"))
            .unwrap()
            .trim()
            .to_string()
    }

    /// Creates an org (as the operator) with `admin` as its first org admin: the org's id,
    /// and the token of the admin's invitation, read from the mail.
    async fn create_org(&self, name: &str, plan: &str, admin: &str) -> (String, String) {
        let (status, created) = self
            .call(
                "POST",
                "/v1/orgs",
                Some(&self.operator_token()),
                Some(json!({"name": name, "plan": plan, "admin": {"email": admin, "first_name": "Bo", "last_name": "Ss"}})),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let org = created["org"]["id"].as_str().unwrap().to_string();
        (org, self.invitation_token(admin).await)
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let client = reqwest::Client::new();
        let mut request = client.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Waits for the invitation email to `to` and answers its link's token.
    async fn invitation_token(&self, to: &str) -> String {
        for _ in 0..100 {
            if let Some(body) = self.invitation_body(to).await {
                return roster_tests::link_token(&body);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no invitation email to {to}");
    }

    async fn invitation_body(&self, to: &str) -> Option<String> {
        match &self.mailbox {
            Mailbox::Outbox => std::fs::read_dir(self.data_dir.join("outbox")).unwrap().find_map(|entry| {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
                (text.contains(&format!("\r\nTo: {to}\r\n")) && text.contains("/invite/")).then(|| {
                    roster_tests::quoted_printable_decoded(&text)
                        .split_once("\n\n")
                        .unwrap()
                        .1
                        .to_string()
                })
            }),
            Mailbox::Moto(endpoint) => {
                let data: Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                data["ses"]["RawMessage"]
                    .as_array()?
                    .iter()
                    .rev()
                    .find(|m| m["destinations"][0] == to)
                    .and_then(|m| m["raw_data"].as_str())
                    .map(|raw| {
                        roster_tests::quoted_printable_decoded(raw)
                            .split_once("\n\n")
                            .map_or_else(String::new, |(_, body)| body.to_string())
                    })
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn accept(server: &Server, token: &str) -> (u16, Value) {
    server
        .call("POST", &format!("/v1/invitations/{token}/accept"), None, Some(json!({"first_name": "Ada", "last_name": "Lovelace", "phone": "+1 555 010 0100", "password": "correct horse battery", "eula_accepted": true})))
        .await
}

async fn login(server: &Server, email: &str) -> String {
    let (status, body) = server
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": email, "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_admin_scenario_over_http_survives_a_restart() {
    admin_scenario(Vec::new(), Mailbox::Outbox, "bb", None).await;
}

/// Issue 22, point 7: the server killed (SIGKILL) in the middle of an import and started
/// again finishes the job from its checkpoint: every row invited once, none lost, every
/// invitation emailed (delivery is at least once: an email whose send the kill cut off
/// may go out again; the outbox keeps one `.eml` file an outbox entry), those the killed
/// server had claimed once their claim lapses.
#[tokio::test]
async fn an_import_killed_midway_finishes_after_a_restart() {
    const ROWS: usize = 10_000;
    let data_dir = std::env::temp_dir().join(format!("roster-blackbox-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_file(server_log(&data_dir));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Server::start_on(port, &data_dir, &[], Mailbox::Outbox).await;
    let (org, token) = server.create_org("Kill Clinic", "paid", "boss@kill.test").await;
    assert_eq!(accept(&server, &token).await.0, 200);
    let admin = login(&server, "boss@kill.test").await;

    let mut csv = String::from("email,first_name,last_name,phone,department,position,role\n");
    for i in 0..ROWS {
        csv.push_str(&format!("row{i}@kill.test,Ann,Row{i},,,,member\n"));
    }
    let submitted = reqwest::Client::new()
        .post(format!("{}/v1/orgs/{org}/imports", server.base))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status().as_u16(), 202);
    let import: Value = submitted.json().await.unwrap();
    let import_path = format!("/v1/orgs/{org}/imports/{}", import["id"].as_str().unwrap());
    // Killed once some rows are in and before all are.
    let mut processed_at_kill = 0;
    for _ in 0..2000 {
        let (_, job) = server.call("GET", &import_path, Some(&admin), None).await;
        processed_at_kill = job["processed"].as_u64().unwrap();
        if processed_at_kill > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    // What the killed server left: the job part done, read through the store.
    let import_id = import["id"].as_str().unwrap();
    let left = {
        use roster_app::ports::Store;
        let database = roster_embedded::Database::open(&data_dir.join("roster.db")).unwrap();
        let store = roster_embedded::SqliteStore::new(database);
        store
            .get(&format!("ORG#{org}"), &format!("IMPORT#{import_id}"))
            .await
            .unwrap()
            .unwrap()
    };
    let left: Value = serde_json::from_str(&left.data).unwrap();
    let processed = left["processed"].as_u64().unwrap();
    assert!(
        processed >= processed_at_kill && processed < ROWS as u64,
        "killed in the middle: {processed} of {ROWS} rows done"
    );

    // Started again: the import's message comes back after its visibility timeout (30 s)
    // and the job goes on from its checkpoint.
    server = Server::start_on(port, &data_dir, &[], Mailbox::Outbox).await;
    let admin = login(&server, "boss@kill.test").await;
    let mut job = Value::Null;
    for _ in 0..1200 {
        job = server.call("GET", &import_path, Some(&admin), None).await.1;
        if job["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["invited"], ROWS, "{job}");
    assert_eq!(job["failures"], json!([]), "no row failed (none was taken for a duplicate): {job}");
    // Every row is one member, exactly once (the export's pages, following `Link`).
    let mut export = String::new();
    let mut next = Some(format!("{}/v1/orgs/{org}/members/export.csv", server.base));
    while let Some(url) = next.take() {
        let response = reqwest::Client::new().get(&url).bearer_auth(&admin).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        next = response
            .headers()
            .get("link")
            .and_then(|link| link.to_str().ok())
            .and_then(|link| link.strip_prefix('<'))
            .and_then(|link| link.split_once('>'))
            .map(|(target, _)| {
                if target.starts_with("http") {
                    target.to_string()
                } else {
                    format!("{}{target}", server.base)
                }
            });
        export.push_str(&response.text().await.unwrap());
    }
    let mut emails: Vec<&str> = export
        .lines()
        .filter_map(|line| line.split(',').find(|cell| cell.ends_with("@kill.test") && cell.starts_with("row")))
        .collect();
    emails.sort_unstable();
    let count = emails.len();
    emails.dedup();
    assert_eq!((count, emails.len()), (ROWS, ROWS), "each row a member, once");
    // And every invitation emailed (one `.eml` file an outbox entry). The entries the killed
    // server had claimed stay claimed for their lease, and delivery repair queues them again
    // once they are due (ten minutes): when the sending stops short, the test clock moves
    // past both and runs that sweep.
    let invited_files = || {
        std::fs::read_dir(data_dir.join("outbox"))
            .unwrap()
            .filter(|entry| {
                let text = std::fs::read_to_string(entry.as_ref().unwrap().path()).unwrap_or_default();
                text.contains("@kill.test\r\n") && text.contains("\r\nTo: row")
            })
            .count()
    };
    let mut sent = 0;
    let mut repaired = false;
    let mut unchanged_polls = 0;
    for _ in 0..900 {
        let now_sent = invited_files();
        if now_sent >= ROWS {
            sent = now_sent;
            break;
        }
        unchanged_polls = if now_sent == sent { unchanged_polls + 1 } else { 0 };
        sent = now_sent;
        if unchanged_polls >= 30 && !repaired {
            eprintln!("{sent} of {ROWS} emailed and no more coming: past the claims' lease and the repair's grace");
            let (status, _) = server
                .call("POST", "/v1/_test/clock", None, Some(json!({"advance_seconds": 11 * 60})))
                .await;
            assert_eq!(status, 200);
            repaired = true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent, ROWS, "every invitation emailed");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// A moto server of this test's own: its mail store (read through `/moto-api/data.json`,
/// which dumps everything moto holds) stays small. Stopped by PID when dropped.
struct PrivateMoto(Child);

impl PrivateMoto {
    async fn start() -> (PrivateMoto, String) {
        let server = std::env::var("ROSTER_MOTO_SERVER")
            .expect("ROSTER_MOTO_SERVER must name moto_server: run the tests with `bash scripts/test.sh`");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if reqwest::get(format!("{endpoint}/moto-api/")).await.is_ok() {
                return (PrivateMoto(child), endpoint);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not start");
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_same_scenario_on_the_aws_backend_against_moto() {
    let (_moto, endpoint) = PrivateMoto::start().await;
    let name = roster_tests::unique_name("blackbox");
    // The token keys come from a Secrets Manager secret, as in Lambda.
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .load()
        .await;
    let material = roster_app::KeyMaterial::generate();
    let keys_secret = roster_tests::create_secret(&sdk, &material.to_json()).await;
    let jwks = serde_json::to_value(
        roster_app::SigningKeys::new(&material, "http://roster.test", "roster-api")
            .unwrap()
            .jwks(),
    )
    .unwrap();
    let env = [
        ("ROSTER_KEYS_SECRET_ID", keys_secret),
        ("AWS_ENDPOINT_URL", endpoint.clone()),
        ("ROSTER_BACKEND", "aws".to_string()),
        ("ROSTER_CREATE_RESOURCES", "1".to_string()),
        ("ROSTER_TABLE_NAME", name.clone()),
        ("ROSTER_QUEUE_PREFIX", name.clone()),
        ("ROSTER_MAIL_FROM", format!("Roster <{name}@roster.test>")),
        ("ROSTER_SES_CONFIGURATION_SET", format!("{name}-events")),
    ];
    admin_scenario(
        env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        Mailbox::Moto(endpoint),
        &name,
        Some(jwks),
    )
    .await;
}

/// Operator creates an org, the admin accepts from the mail and works; the clock moves;
/// the server crashes and restarts on the same data. `jwks`, when the test chose the keys:
/// what the server must publish.
async fn admin_scenario(env: Vec<(String, String)>, mailbox: Mailbox, tag: &str, jwks: Option<Value>) {
    let domain = format!("{tag}.test");
    let at = |user: &str| format!("{user}@{domain}");
    let data_dir = std::env::temp_dir().join(format!("roster-blackbox-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_file(server_log(&data_dir));
    let outbox = matches!(mailbox, Mailbox::Outbox);
    let server = Server::start(&data_dir, &env, mailbox.clone()).await;
    if let Some(expected) = jwks {
        assert_eq!(server.call("GET", "/.well-known/jwks.json", None, None).await, (200, expected));
    }

    let (org, boss_token) = server.create_org("Black Box Clinic", "free", &at("boss")).await;
    let mut tokens = vec![boss_token];
    if outbox {
        assert_private(&data_dir);
    }
    assert_eq!(accept(&server, &tokens[0]).await.0, 200);
    let admin = login(&server, &at("boss")).await;

    let (_, dept) = server
        .call(
            "POST",
            &format!("/v1/orgs/{org}/departments"),
            Some(&admin),
            Some(json!({"name": "Radiology"})),
        )
        .await;
    let (status, invited) = server
        .call(
            "POST",
            &format!("/v1/orgs/{org}/invitations"),
            Some(&admin),
            Some(json!({"email": at("nurse"), "role": "member", "department_id": dept["id"]})),
        )
        .await;
    assert_eq!(status, 201, "{invited}");
    tokens.push(server.invitation_token(&at("nurse")).await);
    assert_eq!(accept(&server, &tokens[1]).await.0, 200);
    // Reading an invitation puts its token in the request path.
    let (status, _) = server.call("GET", &format!("/v1/invitations/{}", tokens[1]), None, None).await;
    assert_eq!(status, 410);
    let (_, late) = server
        .call(
            "POST",
            &format!("/v1/orgs/{org}/invitations"),
            Some(&admin),
            Some(json!({"email": at("late"), "role": "member"})),
        )
        .await;
    let (status, import) = server
        .call(
            "POST",
            &format!("/v1/orgs/{org}/imports"),
            Some(&admin),
            Some(json!({"emails": format!("{}, {} nope", at("p1"), at("p2")), "role": "member"})),
        )
        .await;
    assert_eq!(status, 202);
    let import_path = format!("/v1/orgs/{org}/imports/{}", import["id"].as_str().unwrap());
    let mut finished = Value::Null;
    for _ in 0..100 {
        let (_, body) = server.call("GET", &import_path, Some(&admin), None).await;
        if body["status"] == "completed" {
            finished = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        (finished["invited"].as_u64(), finished["failures"][0]["code"].as_str()),
        (Some(2), Some("invalid_email")),
        "{finished}"
    );
    tokens.push(server.invitation_token(&at("p2")).await);

    // The test clock: eight days later the open invitations have expired.
    let (status, moved) = server
        .call("POST", "/v1/_test/clock", None, Some(json!({"advance_seconds": 8 * 86_400})))
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["sweeps"]["invitation_expiry"]["changed"], 3);
    let admin = login(&server, &at("boss")).await;
    let (_, late_member) = server
        .call(
            "GET",
            &format!("/v1/orgs/{org}/members/{}", late["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(late_member["status"], "expired");
    let (_, licensed) = server
        .call("GET", &format!("/v1/orgs/{org}/members?tab=licensed"), Some(&admin), None)
        .await;
    assert_eq!(licensed["items"].as_array().unwrap().len(), 2);

    let server_port = server.base.rsplit(':').next().unwrap().to_string();
    // A crash and a restart on the same data directory: nothing is lost. On the embedded
    // backend the signing keys are rotated meanwhile (`roster-local keys rotate`): the token
    // signed before still works, the next key signs, and the key set has all three.
    drop(server);
    let kid = |token: &str| {
        use base64::Engine;
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        serde_json::from_slice::<Value>(&header).unwrap()["kid"].clone()
    };
    if outbox {
        let rotated = Command::new(server_binary())
            .args(["keys", "rotate"])
            .env("ROSTER_DATA_DIR", &data_dir)
            .output()
            .unwrap();
        assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    }
    let before_restart = admin.clone();
    let port: u16 = server_port.parse().unwrap();
    let server = Server::start_on(port, &data_dir, &env, mailbox).await;
    let (status, me) = server.call("GET", "/v1/me", Some(&before_restart), None).await;
    assert_eq!(status, 200, "a token signed before the rotation still works: {me}");
    let admin = login(&server, &at("boss")).await;
    if outbox {
        let (_, jwks) = server.call("GET", "/.well-known/jwks.json", None, None).await;
        let kids: Vec<Value> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].clone()).collect();
        assert_eq!(kids.len(), 3, "previous, current, next: {jwks}");
        assert_eq!((kids[0].clone(), kids[1].clone()), (kid(&before_restart), kid(&admin)));
    }
    let (_, after) = server
        .call("GET", &format!("/v1/orgs/{org}/members?tab=licensed"), Some(&admin), None)
        .await;
    assert_eq!(after["items"], licensed["items"]);
    let (_, unlicensed) = server
        .call("GET", &format!("/v1/orgs/{org}/members?tab=unlicensed"), Some(&admin), None)
        .await;
    assert_eq!(unlicensed["items"].as_array().unwrap().len(), 3);
    let (status, export) = server
        .call("GET", &format!("/v1/orgs/{org}/members/export.csv"), Some(&admin), None)
        .await;
    assert_eq!(status, 200);
    assert!(export.as_str().unwrap().contains(&at("nurse")));
    drop(server);
    // The log names routes and emails, never a token or a link with one (SPEC §7), and
    // says at most one line a request.
    let log = std::fs::read_to_string(server_log(&data_dir)).unwrap();
    for token in &tokens {
        assert!(!log.contains(token.as_str()), "an invitation token is in the log:\n{log}");
    }
    assert!(!log.contains("/invite/"), "a link is in the log:\n{log}");
    assert!(log.contains("/v1/invitations/{token}"), "requests are logged by route:\n{log}");
    if outbox {
        assert!(log.contains("email written to the outbox"), "{log}");
    }
    std::fs::remove_dir_all(&data_dir).unwrap();
    std::fs::remove_file(server_log(&data_dir)).unwrap();
}

/// Sends `request` on a new connection and reads until the server closes it; answers what
/// it sent back. Fails when the connection is still open after `limit`.
async fn read_until_closed(addr: &str, request: &[u8], limit: Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buffer).await {
            seen.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    let seen = String::from_utf8_lossy(&seen).into_owned();
    assert!(closed.is_ok(), "still open after {limit:?}, having answered {seen:?}");
    seen
}

/// Stalled clients are cut off: half the headers, a body shorter than its
/// `Content-Length`, and an idle kept-alive connection are each closed within the client
/// timeout (here 1 s).
#[tokio::test]
async fn stalled_clients_are_cut_off() {
    let data_dir = std::env::temp_dir().join(format!("roster-blackbox-stall-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let env = [("ROSTER_CLIENT_TIMEOUT_SECONDS".to_string(), "1".to_string())];
    let server = Server::start(&data_dir, &env, Mailbox::Outbox).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let limit = Duration::from_secs(5);
    let half_headers = read_until_closed(&addr, b"GET /v1/openapi.json HTTP/1.1\r\nHost: roster\r\n", limit).await;
    assert!(!half_headers.contains("200 OK"), "{half_headers}");
    let short_body = read_until_closed(
        &addr,
        b"POST /v1/auth/login HTTP/1.1\r\nHost: roster\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"em",
        limit,
    )
    .await;
    assert!(short_body.starts_with("HTTP/1.1 408"), "{short_body}");
    let idle = read_until_closed(&addr, b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: roster\r\n\r\n", limit).await;
    assert!(idle.starts_with("HTTP/1.1 200"), "answered, then closed when idle: {idle}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// The data directory and what is in it are its owner's only: the database and its WAL,
/// the outbox of emails (invitation links, temporary passwords) and the keys.
#[cfg(unix)]
fn assert_private(data_dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(data_dir), 0o700, "{}", data_dir.display());
    assert_eq!(mode(&data_dir.join("outbox")), 0o700);
    let mut files = vec![
        data_dir.join("roster.db"),
        data_dir.join("roster.db-wal"),
        data_dir.join("signing-keys.json"),
        data_dir.join("operator-token"),
    ];
    files.extend(std::fs::read_dir(data_dir.join("outbox")).unwrap().map(|e| e.unwrap().path()));
    assert!(files.len() > 4, "an email was written");
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[cfg(not(unix))]
fn assert_private(_data_dir: &Path) {}

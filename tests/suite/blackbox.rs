//! Black-box: the built `roster-local` binary as a user runs it, over HTTP, reading the
//! invitation links from its `.eml` outbox; its data survives a restart.

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

/// A running server; stopped (by PID) when dropped.
struct Server {
    child: Child,
    base: String,
    data_dir: PathBuf,
}

impl Server {
    async fn start(data_dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(server_binary())
            .env("ROSTER_ADDR", format!("127.0.0.1:{port}"))
            .env("ROSTER_DATA_DIR", data_dir)
            .env("ROSTER_TEST_CLOCK", "1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start roster-local");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir: data_dir.to_path_buf(),
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

    /// Waits for the invitation email to `to` in the outbox and answers its link's token.
    async fn invitation_token(&self, to: &str) -> String {
        for _ in 0..100 {
            for entry in std::fs::read_dir(self.data_dir.join("outbox")).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
                if text.contains(&format!("\r\nTo: {to}\r\n")) && text.contains("/invite/") {
                    return roster_tests::link_token(&text.replace("\r\n", "\n").split_once("\n\n").unwrap().1);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no invitation email to {to} in the outbox");
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
    let data_dir = std::env::temp_dir().join(format!("roster-blackbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let server = Server::start(&data_dir).await;
    let operator = server.operator_token();

    let (status, created) = server.call("POST", "/v1/orgs", Some(&operator), Some(json!({"name": "Black Box Clinic", "plan": "free", "admin": {"email": "boss@bb.test", "first_name": "Bo", "last_name": "Ss"}}))).await;
    assert_eq!(status, 201, "{created}");
    let org = created["org"]["id"].as_str().unwrap().to_string();
    assert_eq!(accept(&server, &server.invitation_token("boss@bb.test").await).await.0, 200);
    let admin = login(&server, "boss@bb.test").await;

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
            Some(json!({"email": "nurse@bb.test", "role": "member", "department_id": dept["id"]})),
        )
        .await;
    assert_eq!(status, 201, "{invited}");
    assert_eq!(accept(&server, &server.invitation_token("nurse@bb.test").await).await.0, 200);
    let (_, late) = server
        .call(
            "POST",
            &format!("/v1/orgs/{org}/invitations"),
            Some(&admin),
            Some(json!({"email": "late@bb.test", "role": "member"})),
        )
        .await;
    let (status, import) = server
        .call(
            "POST",
            &format!("/v1/orgs/{org}/imports"),
            Some(&admin),
            Some(json!({"emails": "p1@bb.test, p2@bb.test nope", "role": "member"})),
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
    server.invitation_token("p2@bb.test").await;

    // The test clock: eight days later the open invitations have expired.
    let (status, moved) = server
        .call("POST", "/v1/_test/clock", None, Some(json!({"advance_seconds": 8 * 86_400})))
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["sweeps"]["invitation_expiry"]["changed"], 3);
    let admin = login(&server, "boss@bb.test").await;
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

    // A crash and a restart on the same data directory: nothing is lost.
    drop(server);
    let server = Server::start(&data_dir).await;
    let admin = login(&server, "boss@bb.test").await;
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
    assert!(export.as_str().unwrap().contains("nurse@bb.test"));
    drop(server);
    std::fs::remove_dir_all(&data_dir).unwrap();
}

//! Test support: an in-process Roster on the embedded adapters with a test clock and a
//! capturing mailer, driven through the shared HTTP mapping, plus scenario helpers.

pub mod conformance;
pub mod grants;
pub mod stores;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{json, Value};

use roster_app::functions::{KeyUse, Sealing, TableUse, Trigger, WorkerFacts, WORKERS};
use roster_app::ports::{Clock, MailError, Mailer, OutgoingEmail, Queue, QueueName, Store, TestClock};
use roster_app::secrets::{random_bytes, sha256_hex};
use roster_app::workers::{self, sweeps};
use roster_app::{App, AppConfig, KeyMaterial, SigningKeys};
use roster_embedded::{Database, SqliteQueue, SqliteStore};
use roster_http::HttpRequest;

/// One RSA key per test process: generating one per test would dominate the run.
/// The tests' DNS server (tests/oidc/dns.mjs, started with the OpenID provider by
/// `scripts/oidc.sh`), or, without it, one that answers every lookup as unavailable.
pub fn test_dns() -> Arc<dyn roster_app::ports::DomainRecords> {
    match std::env::var(roster_dns::DNS_SERVER_VAR) {
        Ok(server) => Arc::new(roster_dns::HickoryDns::with_server(
            server.parse().expect("ROSTER_DNS_SERVER is an ip:port"),
        )),
        Err(_) => Arc::new(roster_app::ports::NoDomainRecords),
    }
}

/// Adds TXT `value` at `name` on the tests' DNS server (a name may hold several values, so
/// tests on other backends publishing at the same name don't take each other's down).
pub fn publish_txt(name: &str, value: &str) {
    use std::io::Write;
    let zone = std::env::var("ROSTER_TEST_DNS_ZONE")
        .expect("ROSTER_TEST_DNS_ZONE: run the tests with `bash scripts/test.sh` (it starts the DNS server)");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(std::path::Path::new(&zone).join(name.to_ascii_lowercase()))
        .expect("the DNS zone directory");
    // One write per value: appends from concurrent tests don't interleave.
    file.write_all(format!("{value}\n").as_bytes()).expect("the DNS zone directory");
}

pub fn test_key_material() -> KeyMaterial {
    static MATERIAL: OnceLock<KeyMaterial> = OnceLock::new();
    MATERIAL.get_or_init(KeyMaterial::generate).clone()
}

/// Keeps every email sent (through the real mailer, when there is one); can be told to
/// fail the next sends.
#[derive(Default)]
pub struct RecordingMailer {
    pub inner: Option<Arc<dyn Mailer>>,
    pub sent: Mutex<Vec<OutgoingEmail>>,
    pub fail_next: AtomicUsize,
    /// How long each send takes (a slow provider), in milliseconds.
    pub send_delay_ms: std::sync::atomic::AtomicU64,
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        let delay = self.send_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        if self.fail_next.load(Ordering::SeqCst) > 0 {
            self.fail_next.fetch_sub(1, Ordering::SeqCst);
            return Err(MailError::Transient("injected failure".into()));
        }
        let id = match &self.inner {
            Some(mailer) => mailer.send(email).await.inspect_err(|e| eprintln!("{} not sent: {e}", email.id))?,
            None => format!("mem-{}", email.id),
        };
        self.sent.lock().unwrap().push(email.clone());
        Ok(id)
    }
}

/// A queue that loses every message it is given while `drop_sends` is set, to test that
/// delivery repair makes a lost send harmless.
pub struct LossyQueue {
    pub inner: Arc<dyn Queue>,
    pub drop_sends: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl Queue for LossyQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), roster_app::ports::QueueError> {
        if self.drop_sends.load(Ordering::SeqCst) {
            return Err(roster_app::ports::QueueError::Unavailable("injected loss".into()));
        }
        self.inner.send(queue, body).await
    }
    async fn send_batch(&self, queue: QueueName, bodies: &[String]) -> Result<(), roster_app::ports::QueueError> {
        if self.drop_sends.load(Ordering::SeqCst) {
            return Err(roster_app::ports::QueueError::Unavailable("injected loss".into()));
        }
        self.inner.send_batch(queue, bodies).await
    }
    async fn receive(
        &self,
        queue: QueueName,
        max: usize,
    ) -> Result<Vec<roster_app::ports::ReceivedMessage>, roster_app::ports::QueueError> {
        self.inner.receive(queue, max).await
    }
    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), roster_app::ports::QueueError> {
        self.inner.ack(queue, receipt).await
    }
    async fn dead_letter_count(&self, queue: QueueName) -> Result<u64, roster_app::ports::QueueError> {
        self.inner.dead_letter_count(queue).await
    }
}

/// Counts the calls that reach the store, to show that a request was refused before any,
/// and records each transaction's size, to show how work is batched.
pub struct CountingStore {
    pub inner: Arc<dyn Store>,
    /// Shared, so a test keeps a handle after the store goes into the app.
    pub calls: Arc<AtomicUsize>,
    /// The number of writes of each transaction, in order.
    pub transactions: Arc<Mutex<Vec<usize>>>,
}

#[async_trait]
impl Store for CountingStore {
    fn transaction_limit(&self) -> usize {
        self.inner.transaction_limit()
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<roster_app::ports::Item>, roster_app::ports::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: roster_app::ports::Query) -> Result<roster_app::ports::Page, roster_app::ports::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.query(query).await
    }
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<roster_app::ports::Item>, roster_app::ports::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.batch_get(keys).await
    }
    async fn transact(&self, writes: Vec<roster_app::ports::Write>) -> Result<(), roster_app::ports::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.transactions.lock().unwrap().push(writes.len());
        self.inner.transact(writes).await
    }
    async fn add_to_counter(
        &self,
        pk: &str,
        sk: &str,
        delta: i64,
        below: Option<u64>,
        expires_at: i64,
    ) -> Result<Option<u64>, roster_app::ports::StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.add_to_counter(pk, sk, delta, below, expires_at).await
    }
}

/// DynamoDB's capacity units, as `roster_aws::capacity` computes them for the items a
/// store's callers read and write (the table's rules, whatever store runs underneath).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Units {
    pub write: f64,
    pub read: f64,
    /// Items read (got, queried or batch-got), whatever their size.
    pub items_read: usize,
    /// Store calls (a get, a query page, a batch, a transaction, a counter add): DynamoDB
    /// requests.
    pub calls: usize,
}

/// A store that adds up the capacity units of what it is asked, then does it.
pub struct MeteredStore {
    pub inner: Arc<dyn Store>,
    pub units: Arc<std::sync::Mutex<Units>>,
}

impl MeteredStore {
    fn add(&self, write: f64, read: f64) {
        let mut units = self.units.lock().unwrap();
        units.write += write;
        units.read += read;
        units.calls += 1;
    }

    fn count_read(&self, items: usize) {
        self.units.lock().unwrap().items_read += items;
    }

    /// The units of one write, with its index writes: inside a transaction (`alone` false)
    /// twice a plain write's, as DynamoDB charges; a write alone is a plain one (the
    /// adapter's `PutItem`, `DeleteItem` or `UpdateItem`).
    async fn write_units(&self, write: &roster_app::ports::Write, alone: bool) -> f64 {
        use roster_app::ports::Write;
        use roster_aws::capacity::{index_write_units, item_bytes, write_units};
        let (pk, sk) = write.key();
        let before = self.inner.get(pk, sk).await.ok().flatten();
        let before_bytes = before.as_ref().map_or(0, item_bytes);
        let factor = if alone { 1.0 } else { 2.0 };
        match write {
            Write::Put { item, .. } => {
                factor * write_units(before_bytes.max(item_bytes(item))) + index_write_units(before.as_ref(), Some(item))
            }
            Write::Delete { .. } => factor * write_units(before_bytes) + index_write_units(before.as_ref(), None),
            // A check alone is still a transaction.
            Write::Check { .. } => 2.0 * write_units(before_bytes),
            Write::Add { .. } => factor * write_units(before_bytes),
        }
    }
}

#[async_trait]
impl Store for MeteredStore {
    // No `transaction_limit`: DynamoDB's 100, whatever store runs underneath, as the units
    // it computes are DynamoDB's.
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<roster_app::ports::Item>, roster_app::ports::StoreError> {
        let item = self.inner.get(pk, sk).await?;
        self.add(
            0.0,
            roster_aws::capacity::read_units(item.as_ref().map_or(0, roster_aws::capacity::item_bytes), true),
        );
        self.count_read(usize::from(item.is_some()));
        Ok(item)
    }
    async fn query(&self, query: roster_app::ports::Query) -> Result<roster_app::ports::Page, roster_app::ports::StoreError> {
        use roster_aws::capacity::{index_entry_bytes, item_bytes, read_units};
        let index = query.index;
        let page = self.inner.query(query).await?;
        match index {
            // Index queries are eventually consistent; the table's are consistent.
            None => self.add(0.0, read_units(page.items.iter().map(item_bytes).sum(), true)),
            Some(index) => {
                let entries = page.items.iter().map(|item| index_entry_bytes(item, index)).sum();
                self.add(0.0, read_units(entries, false));
                // A keys-only index's items are then read from the table in one batch.
                if roster_aws::dynamo_store::projects_keys_only(index) && !page.items.is_empty() {
                    let items = page.items.iter().map(|item| read_units(item_bytes(item), true)).sum();
                    self.add(0.0, items);
                }
            }
        }
        self.count_read(page.items.len());
        Ok(page)
    }
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<roster_app::ports::Item>, roster_app::ports::StoreError> {
        let requested = keys.len();
        let items = self.inner.batch_get(keys).await?;
        let found: f64 = items
            .iter()
            .map(|item| roster_aws::capacity::read_units(roster_aws::capacity::item_bytes(item), true))
            .sum();
        // A key that names no item costs a read unit too.
        let not_found = requested.saturating_sub(items.len()) as f64 * roster_aws::capacity::read_units(0, true);
        self.add(0.0, found + not_found);
        self.count_read(items.len());
        Ok(items)
    }
    async fn transact(&self, writes: Vec<roster_app::ports::Write>) -> Result<(), roster_app::ports::StoreError> {
        let mut units = 0.0;
        for write in &writes {
            units += self.write_units(write, writes.len() == 1).await;
        }
        self.inner.transact(writes).await?;
        self.add(units, 0.0);
        Ok(())
    }
    async fn add_to_counter(
        &self,
        pk: &str,
        sk: &str,
        delta: i64,
        below: Option<u64>,
        expires_at: i64,
    ) -> Result<Option<u64>, roster_app::ports::StoreError> {
        let counted = self.inner.add_to_counter(pk, sk, delta, below, expires_at).await?;
        // One `UpdateItem` of a small item.
        self.add(1.0, 0.0);
        Ok(counted)
    }
}

/// A store whose transactions fail (as an unreachable store does) from the `fail_at`-th
/// one on, `failures` of them, while armed: a fault in the middle of an operation.
pub struct FaultyStore {
    pub inner: Arc<dyn Store>,
    /// Transactions to let through before failing (negative: disarmed).
    pub let_through: Arc<std::sync::atomic::AtomicI64>,
}

impl FaultyStore {
    fn fails_now(&self) -> bool {
        let left = self.let_through.fetch_sub(1, Ordering::SeqCst);
        if left == 0 {
            // Fails this one, then is disarmed.
            self.let_through.store(-1, Ordering::SeqCst);
            return true;
        }
        if left < 0 {
            self.let_through.store(-1, Ordering::SeqCst);
        }
        false
    }
}

#[async_trait]
impl Store for FaultyStore {
    fn transaction_limit(&self) -> usize {
        self.inner.transaction_limit()
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<roster_app::ports::Item>, roster_app::ports::StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: roster_app::ports::Query) -> Result<roster_app::ports::Page, roster_app::ports::StoreError> {
        self.inner.query(query).await
    }
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<roster_app::ports::Item>, roster_app::ports::StoreError> {
        self.inner.batch_get(keys).await
    }
    async fn transact(&self, writes: Vec<roster_app::ports::Write>) -> Result<(), roster_app::ports::StoreError> {
        if self.fails_now() {
            return Err(roster_app::ports::StoreError::Unavailable("injected fault".into()));
        }
        self.inner.transact(writes).await
    }
    async fn add_to_counter(
        &self,
        pk: &str,
        sk: &str,
        delta: i64,
        below: Option<u64>,
        expires_at: i64,
    ) -> Result<Option<u64>, roster_app::ports::StoreError> {
        self.inner.add_to_counter(pk, sk, delta, below, expires_at).await
    }
}

pub struct TestApp {
    pub app: Arc<App>,
    pub clock: Arc<TestClock>,
    pub mailer: Arc<RecordingMailer>,
    pub queue: Arc<LossyQueue>,
    pub operator_token: String,
    /// Set when the indexes lag behind the table (`TestApp::with_stale_indexes`).
    pub stale_indexes: Option<Arc<stores::StaleIndexStore>>,
    /// The public key only, as the functions get that neither sign tokens nor derive
    /// secrets: requests and workers run with the keys their function's facts give it.
    pub public_keys: Arc<SigningKeys>,
    /// The keys as the functions that sign tokens (`signing_keys`) or only derive secrets
    /// (`deriving_keys`) have them on Lambda: the public key, and the private keys read
    /// when first needed (`SigningKeys::later`).
    pub signing_keys: Arc<SigningKeys>,
    pub deriving_keys: Arc<SigningKeys>,
    /// What requests and workers did beyond their function's grants (`grants`).
    pub violations: Arc<grants::Violations>,
}

/// An HTTP answer, with the body parsed as JSON when it is JSON.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// An org with a signed-in org admin.
#[derive(Debug, Clone)]
pub struct OrgFixture {
    pub org_id: String,
    pub admin_id: String,
    pub admin_token: String,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// A fresh app on a private in-memory database.
    pub fn new() -> TestApp {
        Self::on(Database::in_memory().expect("in-memory database"))
    }

    pub fn on(database: Database) -> TestApp {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::new(database.clone()));
        let queue = Arc::new(SqliteQueue::new(database).with_redrive(std::time::Duration::ZERO, 5));
        let sealer = Arc::new(roster_app::ports::KeyFileSealer::new(&random_bytes::<32>()));
        Self::with_adapters(store, queue, None, sealer)
    }

    /// A fresh app on the AWS adapters against the moto server of `AWS_ENDPOINT_URL`: its
    /// own table, queues (visibility 0, 5 receives to the DLQ) and SES sender.
    pub async fn on_moto() -> TestApp {
        let (sdk, config) = moto_resources().await;
        let urls = roster_aws::config::resolve_queue_urls(&aws_sdk_sqs::Client::new(&sdk), &config)
            .await
            .expect("queue URLs");
        let store: Arc<dyn Store> = Arc::new(roster_aws::DynamoStore::new(
            roster_aws::dynamo_client::Client::new(&sdk),
            &config.table_name,
        ));
        let queue = Arc::new(roster_aws::SqsQueue::new(aws_sdk_sqs::Client::new(&sdk), urls, 0));
        let mailer: Arc<dyn Mailer> = Arc::new(roster_aws::SesMailer::new(
            roster_aws::ses_client::Client::new(&sdk),
            config.configuration_set.clone(),
        ));
        let sealer = Arc::new(roster_aws::KmsSealer::new(
            aws_sdk_kms::Client::new(&sdk),
            config.sealing_key_id.as_deref().expect("a KMS key"),
        ));
        let mut t = Self::with_adapters(store, queue, Some(mailer), sealer);
        Arc::get_mut(&mut t.app).expect("not shared yet").config.mail_from = config.mail_from.clone();
        t
    }

    pub fn with_adapters(
        store: Arc<dyn Store>,
        queue: Arc<dyn Queue>,
        real_mailer: Option<Arc<dyn Mailer>>,
        sealer: Arc<dyn roster_app::ports::Sealer>,
    ) -> TestApp {
        let queue = Arc::new(LossyQueue {
            inner: queue,
            drop_sends: false.into(),
        });
        let clock = Arc::new(TestClock::default());
        let mailer = Arc::new(RecordingMailer {
            inner: real_mailer,
            ..RecordingMailer::default()
        });
        let keys = SigningKeys::new(&test_key_material(), "http://roster.test", "roster-api").expect("keys");
        let keys_text = keys.public_key_text();
        let operator_token = format!("op-{}", sha256_hex(&format!("{:?}", random_bytes::<16>())));
        let mut config = AppConfig::new("http://roster.test", "Roster <roster@roster.test>");
        config.operator_token_sha256 = Some(sha256_hex(&operator_token));
        // The tests' OpenID provider is plain http on 127.0.0.1.
        config.sso_allow_http_issuers = true;
        let app = App {
            store,
            queue: queue.clone(),
            mailer: mailer.clone(),
            clock: clock.clone() as Arc<dyn Clock>,
            keys: Arc::new(keys),
            sealer,
            // The tests' provider (tests/oidc) is plain http on 127.0.0.1.
            identity: Arc::new(roster_oidc::OidcProviders::new(true)),
            // The tests' DNS server (tests/oidc/dns.mjs), whose zone `publish_txt` writes.
            dns: test_dns(),
            config,
        };
        TestApp {
            app: Arc::new(app),
            clock,
            mailer,
            queue,
            operator_token,
            stale_indexes: None,
            public_keys: Arc::new(SigningKeys::verify_only(&keys_text, "http://roster.test", "roster-api").expect("public key")),
            signing_keys: Arc::new(
                SigningKeys::later(&keys_text, Arc::new(test_key_material()), true, "http://roster.test", "roster-api").expect("keys"),
            ),
            deriving_keys: Arc::new(
                SigningKeys::later(&keys_text, Arc::new(test_key_material()), false, "http://roster.test", "roster-api").expect("keys"),
            ),
            violations: Arc::default(),
        }
    }

    /// The app as a function with these grants and `keys` has it on AWS: the same adapters,
    /// refusing (and recording, see `grants`) every use its policy would deny; the public key
    /// only unless it signs tokens or derives secrets. A route or worker whose facts grant
    /// less than its code uses fails the test that runs that code.
    pub fn app_granted(&self, grants: grants::Grants, keys: KeyUse) -> Arc<App> {
        let violations = self.violations.clone();
        Arc::new(App {
            store: Arc::new(grants::GrantedStore {
                inner: self.app.store.clone(),
                grants: grants.clone(),
                violations: violations.clone(),
            }),
            queue: Arc::new(grants::GrantedQueue {
                inner: self.app.queue.clone(),
                grants: grants.clone(),
                violations: violations.clone(),
            }),
            mailer: Arc::new(grants::GrantedMailer {
                inner: self.app.mailer.clone(),
                grants: grants.clone(),
                violations: violations.clone(),
            }),
            sealer: Arc::new(grants::GrantedSealer {
                inner: self.app.sealer.clone(),
                grants,
                violations,
            }),
            clock: self.app.clock.clone(),
            keys: match keys {
                KeyUse::PublicKey => self.public_keys.clone(),
                KeyUse::SignsTokens => self.signing_keys.clone(),
                KeyUse::DerivesSecrets => self.deriving_keys.clone(),
            },
            identity: self.app.identity.clone(),
            dns: self.app.dns.clone(),
            config: self.app.config.clone(),
        })
    }

    /// The app as the function of `route` has it (`None`: a request no route matches).
    pub fn route_app(&self, route: Option<&roster_http::routes::Route>) -> Arc<App> {
        let (function, table, sends, keys, sealing) = match route {
            Some(route) => (
                route.name,
                route.facts.table,
                route.facts.sends,
                route.facts.keys,
                route.facts.sealing,
            ),
            None => ("(no route)", TableUse::None, &[][..], KeyUse::PublicKey, Sealing::None),
        };
        let grants = grants::Grants {
            function,
            table,
            sends,
            consumes: None,
            mails: false,
            sealing,
        };
        self.app_granted(grants, keys)
    }

    /// The app as worker `name` has it.
    pub fn worker_app(&self, name: &str) -> Arc<App> {
        let worker: &WorkerFacts = WORKERS
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("no worker {name}"));
        let grants = grants::Grants {
            function: worker.name,
            // Every worker writes the table.
            table: TableUse::Writes,
            sends: worker.sends,
            consumes: match worker.trigger {
                Trigger::Queue { queue, .. } => Some(queue),
                Trigger::Schedule(_) => None,
            },
            mails: worker.mails,
            sealing: Sealing::None,
        };
        self.app_granted(grants, worker.keys)
    }

    /// The app as the consumer of `queue` has it.
    fn queue_worker_app(&self, queue: QueueName) -> Arc<App> {
        let worker = WORKERS
            .iter()
            .find(|w| matches!(w.trigger, Trigger::Queue { queue: q, .. } if q == queue))
            .unwrap_or_else(|| panic!("no worker consumes the {} queue", queue.as_str()));
        self.worker_app(worker.name)
    }

    /// Fails the test when a request or worker used more than its function is granted.
    pub fn assert_within_grants(&self) {
        let violations = self.violations.take();
        assert!(
            violations.is_empty(),
            "used beyond what its function's facts grant (the generated IAM policy would deny it): {violations:#?}"
        );
    }

    /// The embedded adapters with secondary indexes that show each write only `lag` after
    /// it committed, as DynamoDB's may. Every write decision runs against the lagging
    /// indexes; reads the test asserts on (GET requests, sweeps) first let them catch up,
    /// since a stale list is allowed and a stale decision is not.
    pub fn with_stale_indexes(lag: std::time::Duration) -> TestApp {
        let mut t = TestApp::new();
        let app = Arc::get_mut(&mut t.app).expect("not shared yet");
        let stale = Arc::new(stores::StaleIndexStore::new(app.store.clone(), lag));
        app.store = stale.clone();
        t.stale_indexes = Some(stale);
        t
    }

    /// Lets lagging indexes (`with_stale_indexes`) show every write so far.
    pub fn let_indexes_catch_up(&self) {
        if let Some(stale) = &self.stale_indexes {
            stale.settle();
        }
    }

    /// Changes the app's settings (before the app is shared).
    pub fn configure(mut self, change: impl FnOnce(&mut AppConfig)) -> TestApp {
        change(&mut Arc::get_mut(&mut self.app).expect("configure before sharing the app").config);
        self
    }

    /// Puts `wrap` around the store (before the app is shared).
    pub fn wrap_store(mut self, wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>) -> TestApp {
        let app = Arc::get_mut(&mut self.app).expect("wrap the store before sharing the app");
        app.store = wrap(app.store.clone());
        self
    }

    pub async fn request(&self, method: &str, path: &str, token: Option<&str>, content_type: Option<&str>, body: Vec<u8>) -> Answer {
        self.request_from("192.0.2.10", method, path, token, content_type, body).await
    }

    /// A JSON call from the client IP `ip`.
    pub async fn call_from(&self, ip: &str, method: &str, path: &str, body: Value) -> Answer {
        self.request_from(ip, method, path, None, Some("application/json"), body.to_string().into_bytes())
            .await
    }

    pub async fn request_from(
        &self,
        ip: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (path.to_string(), None),
        };
        let mut headers = HeaderMap::new();
        if let Some(token) = token {
            headers.insert(
                http::header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        if let Some(content_type) = content_type {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        }
        self.send(ip, method, path, query, headers, body).await
    }

    /// A call carrying a browser's `Cookie` header (single sign-on binds its steps to the
    /// browser that started them).
    pub async fn call_with_cookie(&self, method: &str, path: &str, cookie: &str, body: Option<Value>) -> Answer {
        self.call_with(method, path, &[("cookie", cookie)], body).await
    }

    /// A request without a token, with these headers (no body).
    pub async fn call_with_headers(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.call_with(method, path, headers, None).await
    }

    /// A JSON call (no body when `body` is `None`) with these headers.
    pub async fn call_with(&self, method: &str, path: &str, extra: &[(&str, &str)], body: Option<Value>) -> Answer {
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (path.to_string(), None),
        };
        let mut headers = HeaderMap::new();
        for (name, value) in extra {
            headers.insert(
                http::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        if body.is_some() {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.send("192.0.2.10", method, path, query, headers, body).await
    }

    async fn send(&self, ip: &str, method: &str, path: String, query: Option<String>, headers: HeaderMap, body: Vec<u8>) -> Answer {
        if method == "GET" {
            self.let_indexes_catch_up();
        }
        let request = HttpRequest {
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            path,
            query,
            headers,
            body: Bytes::from(body),
            client_ip: Some(ip.into()),
            deadline: None,
        };
        let route = match roster_http::routes::match_route(&request.method, &request.path) {
            roster_http::routes::RouteMatch::Found(route, _) => Some(route),
            _ => None,
        };
        let response = roster_http::handle(&self.route_app(route), request).await;
        self.assert_within_grants();
        let text = String::from_utf8_lossy(response.body()).into_owned();
        let answer = Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        };
        if let Some(route) = route {
            assert_documented_answer(route, &answer);
        }
        answer
    }

    /// A JSON call (no body when `body` is `None`).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        match body {
            Some(body) => {
                self.request(method, path, token, Some("application/json"), body.to_string().into_bytes())
                    .await
            }
            None => self.request(method, path, token, None, Vec::new()).await,
        }
    }

    /// Lets the queue workers handle everything queued now.
    pub async fn drain(&self) {
        for _ in 0..5 {
            let mut handled = 0;
            for queue in QueueName::ALL {
                handled += workers::drain_once(&self.queue_worker_app(queue), queue).await.expect("drain");
                self.assert_within_grants();
            }
            if handled == 0 {
                return;
            }
        }
    }

    /// Moves the clock, runs the sweeps, then the workers.
    pub async fn advance(&self, seconds: i64) -> [sweeps::SweepReport; 4] {
        self.clock.advance(seconds);
        self.let_indexes_catch_up();
        let reports = sweeps::run_all_as(
            &self.worker_app("expiry-scheduler"),
            &self.worker_app("delivery-repair"),
            roster_app::Deadline::NONE,
        )
        .await
        .expect("sweeps");
        self.assert_within_grants();
        self.drain().await;
        reports
    }

    pub fn emails_to(&self, address: &str) -> Vec<OutgoingEmail> {
        self.mailer
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.to == address)
            .cloned()
            .collect()
    }

    /// The token at the end of the newest invitation link sent to `address`.
    pub fn last_invitation_token(&self, address: &str) -> String {
        let emails = self.emails_to(address);
        let email = emails
            .iter()
            .rev()
            .find(|e| e.text_body.contains("/invite/"))
            .unwrap_or_else(|| panic!("no invitation email to {address}"));
        link_token(&email.text_body)
    }

    pub fn last_temporary_password(&self, address: &str) -> String {
        let emails = self.emails_to(address);
        let email = emails
            .iter()
            .rev()
            .find(|e| e.text_body.contains("Temporary password:"))
            .unwrap_or_else(|| panic!("no temporary password email to {address}"));
        email
            .text_body
            .lines()
            .find_map(|l| l.strip_prefix("Temporary password: "))
            .unwrap()
            .trim()
            .to_string()
    }

    pub async fn accept(&self, token: &str, first_name: &str) -> Answer {
        self.call(
            "POST",
            &format!("/v1/invitations/{token}/accept"),
            None,
            Some(json!({"first_name": first_name, "last_name": "Tester", "phone": "+1 555 010 0100", "password": PASSWORD, "eula_accepted": true})),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.call("POST", "/v1/auth/login", None, Some(json!({"email": email, "password": password})))
            .await
    }

    pub async fn login_token(&self, email: &str) -> String {
        let answer = self.login(email, PASSWORD).await;
        assert_eq!(answer.status, 200, "login of {email}: {}", answer.text);
        answer.body["access_token"].as_str().unwrap().to_string()
    }

    /// Creates an org (operator), accepts its admin's invitation and signs the admin in.
    pub async fn create_org(&self, name: &str, plan: &str) -> OrgFixture {
        let admin_email = format!("admin@{}.test", name.to_lowercase().replace(' ', "-"));
        let created = self
            .call(
                "POST",
                "/v1/orgs",
                Some(&self.operator_token),
                Some(json!({"name": name, "plan": plan, "admin": {"email": admin_email, "first_name": "Ada", "last_name": "Admin"}})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        self.drain().await;
        let accepted = self.accept(&self.last_invitation_token(&admin_email), "Ada").await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        OrgFixture {
            org_id: created.body["org"]["id"].as_str().unwrap().to_string(),
            admin_id: created.body["admin"]["id"].as_str().unwrap().to_string(),
            admin_token: self.login_token(&admin_email).await,
        }
    }

    /// Invites `email` with `role` (and department), accepts and signs in. Answers
    /// (member id, access token).
    /// Submits `csv` as an import by `org`'s admin; it must be accepted (202).
    pub async fn submit_import_csv(&self, org: &OrgFixture, csv: String) -> Answer {
        let submitted = self
            .request(
                "POST",
                &format!("/v1/orgs/{}/imports", org.org_id),
                Some(&org.admin_token),
                Some("text/csv"),
                csv.into_bytes(),
            )
            .await;
        assert_eq!(submitted.status, 202, "{}", submitted.text);
        submitted
    }

    /// `GET …/imports/{id}` of the import `submitted` answered, as the org's admin.
    pub async fn import_status(&self, org: &OrgFixture, submitted: &Answer) -> Answer {
        let id = submitted.body["id"].as_str().expect("a submitted import's id");
        self.call(
            "GET",
            &format!("/v1/orgs/{}/imports/{id}", org.org_id),
            Some(&org.admin_token),
            None,
        )
        .await
    }

    /// `POST /v1/orgs/{org}/invitations` with `token`'s bearer.
    pub async fn invite(&self, org: &OrgFixture, token: &str, invitation: Value) -> Answer {
        let path = format!("/v1/orgs/{}/invitations", org.org_id);
        self.call("POST", &path, Some(token), Some(invitation)).await
    }

    pub async fn add_member(&self, org: &OrgFixture, email: &str, role: &str, department: Option<&str>) -> (String, String) {
        let invited = self
            .invite(
                org,
                &org.admin_token,
                json!({"email": email, "role": role, "department_id": department}),
            )
            .await;
        assert_eq!(invited.status, 201, "{}", invited.text);
        self.drain().await;
        let accepted = self.accept(&self.last_invitation_token(email), "Member").await;
        assert_eq!(accepted.status, 200, "{}", accepted.text);
        (invited.body["id"].as_str().unwrap().to_string(), self.login_token(email).await)
    }

    /// Submits an import of a pasted list (`body`) as `org`'s admin, lets the workers run,
    /// and answers the import as it ended.
    pub async fn import_pasted(&self, org: &OrgFixture, body: Value) -> Answer {
        let submitted = self
            .call(
                "POST",
                &format!("/v1/orgs/{}/imports", org.org_id),
                Some(&org.admin_token),
                Some(body),
            )
            .await;
        assert_eq!(submitted.status, 202, "{}", submitted.text);
        self.drain().await;
        self.get_import(org, submitted.body["id"].as_str().unwrap()).await
    }

    /// `GET …/imports/{id}` as `org`'s admin: the import's progress and failures.
    pub async fn get_import(&self, org: &OrgFixture, id: &str) -> Answer {
        let path = format!("/v1/orgs/{}/imports/{id}", org.org_id);
        self.call("GET", &path, Some(&org.admin_token), None).await
    }

    pub async fn create_department(&self, org: &OrgFixture, name: &str) -> String {
        let answer = self
            .call(
                "POST",
                &format!("/v1/orgs/{}/departments", org.org_id),
                Some(&org.admin_token),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.body["id"].as_str().unwrap().to_string()
    }

    /// `POST …/members/{member_id}/remove` as the org admin.
    pub async fn remove_member(&self, org: &OrgFixture, member_id: &str) -> Answer {
        let path = format!("/v1/orgs/{}/members/{member_id}/remove", org.org_id);
        self.call("POST", &path, Some(&org.admin_token), None).await
    }

    /// `PATCH …/members/{member_id}` as the org admin.
    pub async fn update_member(&self, org: &OrgFixture, member_id: &str, changes: Value) -> Answer {
        let path = format!("/v1/orgs/{}/members/{member_id}", org.org_id);
        self.call("PATCH", &path, Some(&org.admin_token), Some(changes)).await
    }

    /// The org's join code, as its admin reads it from `GET …/invite-link`.
    pub async fn join_code(&self, org: &OrgFixture) -> String {
        let link = self
            .call("GET", &format!("/v1/orgs/{}/invite-link", org.org_id), Some(&org.admin_token), None)
            .await;
        assert_eq!(link.status, 200, "{}", link.text);
        link.body["code"].as_str().unwrap().to_string()
    }

    /// Asks to join `org` through its join code as `email`; answers the join request's
    /// member id, as the admin finds it in the Pending tab (the requester's answer has none).
    pub async fn join(&self, org: &OrgFixture, email: &str) -> String {
        let code = self.join_code(org).await;
        let joined = self
            .call(
                "POST",
                &format!("/v1/join/{code}"),
                None,
                Some(json!({"email": email, "first_name": "J", "last_name": "R", "phone": "5550100100"})),
            )
            .await;
        assert_eq!(
            (joined.status, joined.body["status"].as_str()),
            (202, Some("pending_approval")),
            "{}",
            joined.text
        );
        self.pending_member_id(org, email).await
    }

    /// The id of the member with `email` in the org's Pending tab.
    pub async fn pending_member_id(&self, org: &OrgFixture, email: &str) -> String {
        let pending = self
            .call(
                "GET",
                &format!("/v1/orgs/{}/members?tab=pending&limit=200", org.org_id),
                Some(&org.admin_token),
                None,
            )
            .await;
        pending.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .unwrap_or_else(|| panic!("{email} is not pending: {}", pending.text))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn member(&self, org: &OrgFixture, member_id: &str) -> Value {
        let answer = self
            .call(
                "GET",
                &format!("/v1/orgs/{}/members/{member_id}", org.org_id),
                Some(&org.admin_token),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.body
    }

    /// The audit trail of one member, oldest first: (action, from, to, reason).
    pub async fn audit_of(&self, org: &OrgFixture, member_id: &str) -> Vec<(String, Value, Value, Value)> {
        let answer = self
            .call(
                "GET",
                &format!("/v1/orgs/{}/audit?member={member_id}&limit=200", org.org_id),
                Some(&org.admin_token),
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_string(),
                    e["from_status"].clone(),
                    e["to_status"].clone(),
                    e["reason"].clone(),
                )
            })
            .collect()
    }

    /// Every stored item, to check that a refused request changed nothing.
    pub async fn snapshot(&self, org: &OrgFixture) -> Vec<(String, u64)> {
        let items = self
            .app
            .query_all(roster_app::ports::Query::table(
                format!("ORG#{}", org.org_id),
                roster_app::ports::SkCondition::Any,
            ))
            .await
            .unwrap();
        items.into_iter().map(|i| (i.sk, i.version)).collect()
    }

    /// Fails unless the org's members and their account directory entries match one to
    /// one (each member's email points at it; no entry of an email this test mailed or a
    /// member holds points at a member that is gone or has another email) and the search
    /// entries are in step: what a half-done change would break.
    pub async fn assert_members_consistent(&self, org: &OrgFixture) {
        use roster_app::ports::{Query, SkCondition};
        use roster_app::table;
        let members: Vec<roster_domain::Member> = self
            .app
            .query_all(Query::table(
                table::org_pk(&org.org_id),
                SkCondition::BeginsWith(table::MEMBER_PREFIX.into()),
            ))
            .await
            .unwrap()
            .iter()
            .map(|item| table::decode_member(item).unwrap())
            .collect();
        let mut emails: std::collections::BTreeSet<String> = members.iter().map(|m| m.email.to_string()).collect();
        emails.extend(self.mailer.sent.lock().unwrap().iter().map(|e| e.to.to_lowercase()));
        let mut expected: Vec<(String, String)> = members.iter().map(|m| (m.email.to_string(), m.id.clone())).collect();
        let mut stored = Vec::new();
        for email in emails {
            let Ok(parsed) = roster_domain::Email::parse(&email) else {
                continue;
            };
            if let Some(entry) = self
                .app
                .store
                .get(&table::directory_pk(&parsed), &table::directory_sk(&org.org_id))
                .await
                .unwrap()
            {
                let entry: roster_app::records::DirectoryEntry = table::decode(&entry).unwrap();
                stored.push((email, entry.member_id));
            }
        }
        expected.sort();
        stored.sort();
        assert_eq!(
            stored, expected,
            "each member has its directory entry, and no entry is left without its member"
        );
        self.assert_name_index_in_step(org).await;
    }

    /// Fails unless the org's name index entries (GSI4 "first last", GSI5 "last first") are
    /// exactly those its members have now, in their tabs. What it catches is a write path
    /// that stores a member some other way than `table::member_item` (without its name keys,
    /// or with stale ones), and on SQLite an index row left behind; a keys-only index's
    /// entries are read back through the member rows, so on DynamoDB (and the stale-index
    /// store) an entry whose member moved on is dropped by the read, as a search drops it.
    pub async fn assert_name_index_in_step(&self, org: &OrgFixture) {
        use roster_app::ports::{IndexName, Query, SkCondition};
        use std::collections::BTreeSet;
        // What the indexes hold once they have caught up (DynamoDB's lag).
        self.let_indexes_catch_up();
        let members = self
            .app
            .query_all(Query::table(
                roster_app::table::org_pk(&org.org_id),
                SkCondition::BeginsWith(roster_app::table::MEMBER_PREFIX.into()),
            ))
            .await
            .unwrap();
        let mut expected = BTreeSet::new();
        for item in &members {
            let member = roster_app::table::decode_member(item).unwrap();
            let tab = roster_app::table::tab_partition(&org.org_id, member.status.tab());
            let [first_last, last_first] = roster_domain::search::name_orders(&member);
            for (index, term) in [(IndexName::Gsi4, first_last), (IndexName::Gsi5, last_first)] {
                if let Some(term) = term {
                    expected.insert((index.as_str(), tab.clone(), term, member.id.clone()));
                }
            }
        }
        let mut stored = BTreeSet::new();
        for tab in [
            roster_domain::Tab::Licensed,
            roster_domain::Tab::Unlicensed,
            roster_domain::Tab::Pending,
        ] {
            let partition = roster_app::table::tab_partition(&org.org_id, tab);
            for index in [IndexName::Gsi4, IndexName::Gsi5] {
                let entries = self
                    .app
                    .query_all(Query::index(index, partition.clone(), SkCondition::Any))
                    .await
                    .unwrap();
                for item in entries {
                    let member = roster_app::table::decode_member(&item).unwrap();
                    let (at, term) = item.index_key(index).cloned().unwrap();
                    stored.insert((index.as_str(), at, term, member.id));
                }
            }
        }
        assert_eq!(stored, expected, "the name index holds the members' names, in their tabs");
    }
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
    }
}

/// The moto endpoint the test command started; AWS tests fail (never skip) without it.
pub fn moto_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL must point at a moto server: run the tests with `bash scripts/test.sh`, which starts one")
}

pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", &sha256_hex(&format!("{:?}", random_bytes::<16>()))[..12])
}

/// Stores `value` as a new Secrets Manager secret on `sdk`'s endpoint; answers its name.
pub async fn create_secret(sdk: &aws_config::SdkConfig, value: &str) -> String {
    let name = unique_name("roster-keys");
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(&name)
        .secret_string(value)
        .send()
        .await
        .expect("create the keys secret");
    name
}

/// A table, queues and a verified SES sender of this test's own on moto.
pub async fn moto_resources() -> (aws_config::SdkConfig, roster_aws::AwsConfig) {
    moto_endpoint();
    let sdk = roster_aws::config::sdk_config().await;
    let name = unique_name("roster");
    let queue = |suffix: &str| roster_aws::config::QueueRef::Name(format!("{name}-{suffix}"));
    let config = roster_aws::AwsConfig {
        table_name: name.clone(),
        email_queue: queue("email"),
        email_dlq: queue("email-dlq"),
        import_queue: queue("import"),
        import_dlq: queue("import-dlq"),
        expiry_queue: queue("expiry"),
        expiry_dlq: queue("expiry-dlq"),
        mail_from: format!("Roster <{name}@roster.test>"),
        configuration_set: Some(format!("{name}-events")),
        public_url: "http://roster.test".into(),
        operator_token_sha256: None,
        keys_secret_id: None,
        public_key: None,
        sealing_key_id: None,
    };
    let config = roster_aws::AwsConfig {
        sealing_key_id: Some(roster_aws::resources::create_sealing_key(&sdk).await.expect("KMS key")),
        ..config
    };
    roster_aws::resources::create_table(&sdk, &config.table_name).await.expect("table");
    roster_aws::resources::create_queues_with(&sdk, &config, 0, 5)
        .await
        .expect("queues");
    roster_aws::resources::create_mail_identity(&sdk, &config)
        .await
        .expect("SES identity");
    (sdk, config)
}

/// A MIME message's text with line endings as `\n` and quoted-printable soft line breaks and
/// escapes undone (enough for the ASCII the tests look for in emails).
pub fn quoted_printable_decoded(raw: &str) -> String {
    let joined = raw.replace("\r\n", "\n").replace("=\n", "");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(at) = rest.find('=') {
        out.push_str(&rest[..at]);
        match rest
            .get(at + 1..at + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .filter(u8::is_ascii)
        {
            Some(byte) => {
                out.push(byte as char);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('=');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The last path segment of the first link in an email body.
pub fn link_token(body: &str) -> String {
    let link = body.lines().find(|l| l.starts_with("http")).expect("a link");
    link.rsplit('/').next().unwrap().trim().to_string()
}

/// Every answer a route gives in any test is one its OpenAPI operation documents: a success
/// with a documented status (`roster_http::openapi::success_statuses`), or a problem whose
/// code the operation lists (`roster_http::openapi::error_codes`), with that code's status.
fn assert_documented_answer(route: &roster_http::Route, answer: &Answer) {
    if (200..300).contains(&answer.status) {
        assert!(
            roster_http::openapi::success_statuses(route).contains(&answer.status),
            "{} {} succeeded with {}, a status its OpenAPI operation does not document",
            route.method,
            route.path,
            answer.status
        );
        return;
    }
    let content_type = answer.headers.get(http::header::CONTENT_TYPE).map(|v| v.as_bytes());
    let code = match content_type {
        Some(b"application/problem+json") => answer.body["code"].as_str().unwrap_or_default(),
        // A SCIM error message: its status as a string, and a detail that starts with the code.
        Some(b"application/scim+json") => {
            assert_eq!(answer.body["schemas"][0], roster_domain::scim::ERROR_SCHEMA, "{}", answer.text);
            assert_eq!(answer.body["status"], answer.status.to_string(), "{}", answer.text);
            answer.body["detail"].as_str().and_then(|d| d.split(':').next()).unwrap_or_default()
        }
        _ => return,
    };
    let documented = roster_http::openapi::error_codes(route);
    assert!(
        documented.iter().any(|c| c.as_str() == code && c.status() == answer.status),
        "{} {} answered {} {code}, which its OpenAPI operation does not list (add it to `errors` in roster_http::openapi::operation)",
        route.method,
        route.path,
        answer.status
    );
}

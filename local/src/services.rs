//! Builds the app on the embedded adapters in a data directory and runs its workers.

use std::sync::Arc;
use std::time::Duration;

use roster_app::ports::{Clock, QueueName, SystemClock, TestClock};
use roster_app::workers::{self, sweeps};
use roster_app::{App, AppConfig, Deadline, SigningKeys};
use roster_embedded::key_files::{load_or_create_key_material, write_operator_token};
use roster_embedded::{Database, EmlOutboxMailer, SqliteQueue, SqliteStore};

use crate::config::{Backend, LocalConfig};

/// The running app and, when enabled, the test clock that drives it.
pub struct LocalServices {
    pub app: Arc<App>,
    pub test_clock: Option<Arc<TestClock>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error(transparent)]
    Database(#[from] roster_embedded::sqlite::OpenError),
    #[error("signing keys: {0}")]
    Keys(String),
    #[error("listening on {addr}: {source}")]
    Listen { addr: String, source: std::io::Error },
    #[error("AWS configuration: {0}")]
    Aws(#[from] roster_aws::ConfigError),
    #[error("creating the AWS resources: {0}")]
    CreateResources(String),
    #[error("DNS: {0}")]
    Dns(String),
}

impl LocalServices {
    /// Opens (or creates) what the backend needs and writes the operator token. The keys
    /// and the operator token live in the data directory with either backend (the keys in
    /// a Secrets Manager secret instead when `ROSTER_KEYS_SECRET_ID` names one).
    pub async fn start(config: &LocalConfig) -> Result<LocalServices, StartError> {
        let dir = &config.data_dir;
        let io = |source| StartError::DataDir {
            path: dir.display().to_string(),
            source,
        };
        roster_embedded::private_files::create_private_dir(dir).map_err(io)?;
        let operator_token_sha256 = write_operator_token(dir).map_err(io)?;
        let test_clock = config.test_clock.then(|| Arc::new(TestClock::default()));
        let clock: Arc<dyn Clock> = match &test_clock {
            Some(clock) => clock.clone(),
            None => Arc::new(SystemClock),
        };
        let app = match config.backend {
            Backend::Embedded => {
                let database = Database::open(&dir.join("roster.db"))?;
                let material = load_or_create_key_material(dir).map_err(io)?;
                let keys = SigningKeys::new(&material, &config.public_url, "roster-api").map_err(|e| StartError::Keys(e.to_string()))?;
                // Not a secret: what a deployment's functions without the keys secret get.
                std::fs::write(dir.join("public-key.txt"), keys.public_key_text() + "\n").map_err(io)?;
                let mut app_config = AppConfig::new(&config.public_url, &config.mail_from);
                app_config.operator_token_sha256 = Some(operator_token_sha256);
                // A provider under development may be plain http on this machine.
                app_config.sso_allow_http_issuers = true;
                App {
                    store: Arc::new(SqliteStore::new(database.clone())),
                    queue: Arc::new(SqliteQueue::new(database)),
                    mailer: Arc::new(EmlOutboxMailer::new(&dir.join("outbox")).map_err(io)?),
                    clock,
                    keys: Arc::new(keys),
                    sealer: local_sealer(dir).map_err(io)?,
                    identity: identity_providers(),
                    dns: domain_records()?,
                    config: app_config,
                }
            }
            Backend::Aws { create_resources } => {
                let mut aws = roster_aws::AwsConfig::from_env_or(&config.mail_from, &config.public_url)?;
                aws.operator_token_sha256 = Some(operator_token_sha256);
                if create_resources {
                    let sdk = roster_aws::config::sdk_config().await;
                    roster_aws::resources::create_all(&sdk, &aws)
                        .await
                        .map_err(StartError::CreateResources)?;
                }
                // The keys come from the secret when one is named, as in Lambda.
                let material = match aws.keys_secret_id {
                    Some(_) => None,
                    None => Some(load_or_create_key_material(dir).map_err(io)?),
                };
                // Long polling: the queue workers wait on SQS instead of spinning.
                // SSO client secrets are sealed by the KMS key `ROSTER_SEALING_KEY_ID` names, else
                // by the key file, as in the embedded mode.
                let mut app = roster_aws::build_app(&aws, material, Some(clock), 1, Some(local_sealer(dir).map_err(io)?)).await?;
                app.identity = identity_providers();
                app.dns = domain_records()?;
                app.config.sso_allow_http_issuers = true;
                app
            }
        };
        Ok(LocalServices {
            app: Arc::new(app),
            test_clock,
        })
    }

    /// Runs the queue consumers (polling) and the sweeps (every `sweep_interval`) forever.
    pub fn spawn_workers(&self, sweep_interval: Duration) {
        for queue in QueueName::ALL {
            let app = self.app.clone();
            tokio::spawn(async move {
                loop {
                    match workers::drain_once(&app, queue).await {
                        Ok(0) => tokio::time::sleep(Duration::from_millis(200)).await,
                        Ok(_) => {}
                        Err(error) => {
                            tracing::warn!(queue = queue.as_str(), %error, "queue worker failed; retrying");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            });
        }
        let app = self.app.clone();
        tokio::spawn(async move {
            loop {
                // A run that takes longer than the interval hands the rest to the next one.
                if let Err(error) = sweeps::run_all(&app, Deadline::after(sweep_interval)).await {
                    tracing::warn!(%error, "sweep failed; the next run catches up");
                }
                tokio::time::sleep(sweep_interval).await;
            }
        });
    }
}

/// The sealer on the data directory's key file (`sealing-key`).
fn local_sealer(dir: &std::path::Path) -> std::io::Result<Arc<dyn roster_app::ports::Sealer>> {
    let key = roster_embedded::key_files::load_or_create_sealing_key(dir)?;
    Ok(Arc::new(roster_app::ports::KeyFileSealer::new(&key)))
}

/// DNS for domain ownership proofs: the system's resolver, or `ROSTER_DNS_SERVER`'s.
fn domain_records() -> Result<Arc<dyn roster_app::ports::DomainRecords>, StartError> {
    roster_dns::HickoryDns::from_env().map_err(StartError::Dns)
}

/// Identity providers for single sign-on. For development, a provider on this machine may
/// be plain `http://` (the connection's issuer check allows that on loopback only).
fn identity_providers() -> Arc<dyn roster_app::ports::IdentityProviders> {
    Arc::new(roster_oidc::OidcProviders::new(true))
}

//! Roster's AWS adapters on the official SDK: the store on one DynamoDB table, the job
//! queues on SQS (with dead-letter queues), the mailer on SES v2, and the configuration
//! they are built from, read once from the environment.

pub mod capacity;
pub mod config;
pub mod dynamo_store;
pub mod kms_sealer;
pub mod layout;
pub mod resources;
pub mod ses_mailer;
pub mod sqs_queue;

pub use aws_sdk_dynamodb as dynamo_client;
pub use aws_sdk_sesv2 as ses_client;
pub use config::{AwsConfig, ConfigError};
pub use dynamo_store::DynamoStore;
pub use kms_sealer::KmsSealer;
pub use ses_mailer::SesMailer;
pub use sqs_queue::{QueueUrls, SqsQueue};

use std::sync::Arc;

use roster_app::ports::{Clock, NoIdentityProviders, NoMailer, NoQueue, NoSealer, Queue, Sealer, SystemClock};
use roster_app::{App, AppConfig, SigningKeys};

/// Which adapters a function builds. Each is a constant, so a binary
/// whose function leaves one out does not link that adapter's SDK client at all (issue 22:
/// each Lambda carries only what its endpoint uses). `roster_lambda` derives them from a
/// route's facts; roster-local and the tests build everything (`AllAdapters`).
pub trait Adapters {
    /// Reads or writes the table (every function but those that serve fixed documents).
    const TABLE: bool = true;
    /// Sends queue messages, or receives them (the workers).
    const QUEUE: bool = false;
    /// Sends email through SES (the email sender).
    const MAILER: bool = false;
    /// Seals or opens secrets with the KMS key, when the function is given one.
    const SEALER: bool = false;
    /// Reads the token keys from the keys secret, when the function is given one (it signs
    /// tokens or derives secrets); without, it checks tokens with the public key.
    const KEYS_SECRET: bool = false;
    /// Signs access tokens with the keys it reads (else it only derives secrets).
    const SIGNS_TOKENS: bool = false;
    /// Reads the keys secret in the background from start on, checking tokens with the
    /// public key meanwhile, when it is given both (a Lambda: its start waits for no call);
    /// else it reads the secret at start.
    const KEYS_IN_BACKGROUND: bool = false;
    /// Takes credentials and region from the environment only, as on Lambda
    /// (`config::sdk_config_from_env`), rather than from the SDK's whole default chain.
    const ENVIRONMENT_CREDENTIALS: bool = false;
}

/// Every adapter: what roster-local and the tests run on.
pub struct AllAdapters;

impl Adapters for AllAdapters {
    const QUEUE: bool = true;
    const MAILER: bool = true;
    const SEALER: bool = true;
    const KEYS_SECRET: bool = true;
    const SIGNS_TOKENS: bool = true;
}

/// The app on every AWS adapter (`build_app_with::<AllAdapters>`).
pub async fn build_app(
    config: &AwsConfig,
    key_material: Option<roster_app::KeyMaterial>,
    clock: Option<Arc<dyn Clock>>,
    receive_wait_seconds: i32,
    local_sealer: Option<Arc<dyn Sealer>>,
) -> Result<App, ConfigError> {
    build_app_with::<AllAdapters>(config, key_material, clock, receive_wait_seconds, local_sealer).await
}

/// The app on the AWS adapters, built once at start (Lambda init, or roster-local with
/// `ROSTER_BACKEND=aws`). The token keys are `key_material` when given, else read from
/// the configuration's secret: in the background from here on in a Lambda given the public
/// key too (`Adapters::KEYS_IN_BACKGROUND`), so its start waits for no call; at start
/// otherwise. A function given neither has the public key only.
pub async fn build_app_with<A: Adapters>(
    config: &AwsConfig,
    key_material: Option<roster_app::KeyMaterial>,
    clock: Option<Arc<dyn Clock>>,
    receive_wait_seconds: i32,
    local_sealer: Option<Arc<dyn Sealer>>,
) -> Result<App, ConfigError> {
    let sdk = if A::ENVIRONMENT_CREDENTIALS {
        config::sdk_config_from_env()
    } else {
        config::sdk_config().await
    };
    let invalid = |name: &'static str| {
        move |e: roster_app::KeyError| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }
    };
    let keys = match (key_material, &config.keys_secret_id, &config.public_key) {
        (Some(material), _, _) => {
            SigningKeys::new(&material, &config.public_url, "roster-api").map_err(invalid("ROSTER_KEYS_SECRET_ID"))?
        }
        (None, Some(secret_id), Some(public_key)) if A::KEYS_SECRET && A::KEYS_IN_BACKGROUND => SigningKeys::later(
            public_key,
            Arc::new(config::KeysSecret::in_background(&sdk, secret_id)),
            A::SIGNS_TOKENS,
            &config.public_url,
            "roster-api",
        )
        .map_err(invalid("ROSTER_PUBLIC_KEY"))?,
        // roster-local on AWS (or a Lambda given no public key): it reads the secret now,
        // and a bad one stops its start.
        (None, Some(secret_id), _) if A::KEYS_SECRET => {
            let material = config::fetch_key_material(&sdk, secret_id).await?;
            SigningKeys::new(&material, &config.public_url, "roster-api").map_err(invalid("ROSTER_KEYS_SECRET_ID"))?
        }
        (None, _, Some(public_key)) => {
            SigningKeys::verify_only(public_key, &config.public_url, "roster-api").map_err(invalid("ROSTER_PUBLIC_KEY"))?
        }
        (None, _, None) => return Err(ConfigError::Missing("ROSTER_KEYS_SECRET_ID or ROSTER_PUBLIC_KEY")),
    };
    // A Lambda function starts reading the keys secret when its first event arrives
    // (`roster_lambda`), not here: the read is no part of its start (issue 22, point 5).
    let keys = Arc::new(keys);
    let queue: Arc<dyn Queue> = if A::QUEUE {
        let client = aws_sdk_sqs::Client::new(&sdk);
        let urls = config::resolve_queue_urls(&client, config).await?;
        Arc::new(SqsQueue::new(client, urls, receive_wait_seconds))
    } else {
        Arc::new(NoQueue)
    };
    let mut app_config = AppConfig::new(&config.public_url, &config.mail_from);
    app_config.operator_token_sha256 = config.operator_token_sha256.clone();
    Ok(App {
        store: if A::TABLE {
            Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &config.table_name))
        } else {
            Arc::new(roster_app::ports::NoStore)
        },
        queue,
        mailer: if A::MAILER {
            Arc::new(SesMailer::new(aws_sdk_sesv2::Client::new(&sdk), config.configuration_set.clone()))
        } else {
            Arc::new(NoMailer)
        },
        clock: clock.unwrap_or_else(|| Arc::new(SystemClock)),
        keys,
        // The KMS key when the function is given one; else the caller's (roster-local's key
        // file); else none: a function that never seals or opens.
        sealer: match (&config.sealing_key_id, local_sealer) {
            (Some(key_id), _) if A::SEALER => Arc::new(KmsSealer::new(aws_sdk_kms::Client::new(&sdk), key_id)),
            (_, Some(sealer)) => sealer,
            (_, None) => Arc::new(NoSealer),
        },
        // The caller gives the functions that sign people in by SSO their providers.
        identity: Arc::new(NoIdentityProviders),
        dns: Arc::new(roster_app::ports::NoDomainRecords),
        config: app_config,
    })
}

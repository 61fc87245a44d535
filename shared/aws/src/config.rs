//! Settings of the AWS entry points, read once at start from the environment. Endpoints
//! come from the SDK's standard variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, …).

use aws_config::{BehaviorVersion, SdkConfig};
use roster_app::{KeyError, KeyMaterial};

use crate::sqs_queue::QueueUrls;

/// A queue named by URL or, failing that, by name (resolved at start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueRef {
    Url(String),
    Name(String),
}

#[derive(Debug, Clone)]
pub struct AwsConfig {
    /// `ROSTER_TABLE_NAME`, default `roster`.
    pub table_name: String,
    /// `ROSTER_EMAIL_QUEUE_URL` / `ROSTER_IMPORT_QUEUE_URL` and their `_DLQ_URL`s; when
    /// unset, the queues named `<ROSTER_QUEUE_PREFIX>-email`, `-email-dlq`, `-import`,
    /// `-import-dlq` (prefix default `roster`).
    pub email_queue: QueueRef,
    pub email_dlq: QueueRef,
    pub import_queue: QueueRef,
    pub import_dlq: QueueRef,
    /// `ROSTER_EXPIRY_QUEUE_URL` / `ROSTER_EXPIRY_DLQ_URL` (else `<prefix>-expiry`, `-expiry-dlq`).
    pub expiry_queue: QueueRef,
    pub expiry_dlq: QueueRef,
    /// `ROSTER_MAIL_FROM`: the verified SES sender.
    pub mail_from: String,
    /// `ROSTER_SES_CONFIGURATION_SET`.
    pub configuration_set: Option<String>,
    /// `ROSTER_PUBLIC_URL`: base of links in emails, and the tokens' issuer.
    pub public_url: String,
    /// `ROSTER_OPERATOR_TOKEN_SHA256`: SHA-256 (hex) of the operator's bearer token.
    pub operator_token_sha256: Option<String>,
    /// `ROSTER_KEYS_SECRET_ID`: the Secrets Manager secret (name or ARN) holding the token
    /// keys in `KeyMaterial::to_json`'s form, read once: on Lambda (given the public key
    /// too) in the background from start on, else at start.
    pub keys_secret_id: Option<String>,
    /// `ROSTER_PUBLIC_KEY`: the token keys' public halves (`<n>.<e>`, comma-separated), that
    /// every function checks access tokens with (those given no secret, and on Lambda the
    /// others too).
    pub public_key: Option<String>,
    /// `ROSTER_SEALING_KEY_ID`: the KMS key (id, ARN or alias) that seals SSO client
    /// secrets; given only to the functions that seal or open them.
    pub sealing_key_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn queue(url_var: &str, prefix: &str, suffix: &str) -> QueueRef {
    var(url_var).map_or_else(|| QueueRef::Name(format!("{prefix}-{suffix}")), QueueRef::Url)
}

impl AwsConfig {
    /// As `from_env`, with defaults for the sender and the public URL (local AWS mode).
    pub fn from_env_or(mail_from: &str, public_url: &str) -> Result<AwsConfig, ConfigError> {
        Self::read_env(Some((mail_from, public_url)))
    }

    pub fn from_env() -> Result<AwsConfig, ConfigError> {
        Self::read_env(None)
    }

    fn read_env(defaults: Option<(&str, &str)>) -> Result<AwsConfig, ConfigError> {
        let prefix = var("ROSTER_QUEUE_PREFIX").unwrap_or_else(|| "roster".into());
        Ok(AwsConfig {
            table_name: var("ROSTER_TABLE_NAME").unwrap_or_else(|| "roster".into()),
            email_queue: queue("ROSTER_EMAIL_QUEUE_URL", &prefix, "email"),
            email_dlq: queue("ROSTER_EMAIL_DLQ_URL", &prefix, "email-dlq"),
            import_queue: queue("ROSTER_IMPORT_QUEUE_URL", &prefix, "import"),
            import_dlq: queue("ROSTER_IMPORT_DLQ_URL", &prefix, "import-dlq"),
            expiry_queue: queue("ROSTER_EXPIRY_QUEUE_URL", &prefix, "expiry"),
            expiry_dlq: queue("ROSTER_EXPIRY_DLQ_URL", &prefix, "expiry-dlq"),
            mail_from: var("ROSTER_MAIL_FROM")
                .or_else(|| defaults.map(|d| d.0.to_string()))
                .ok_or(ConfigError::Missing("ROSTER_MAIL_FROM"))?,
            configuration_set: var("ROSTER_SES_CONFIGURATION_SET"),
            public_url: var("ROSTER_PUBLIC_URL")
                .or_else(|| defaults.map(|d| d.1.to_string()))
                .ok_or(ConfigError::Missing("ROSTER_PUBLIC_URL"))?,
            operator_token_sha256: var("ROSTER_OPERATOR_TOKEN_SHA256"),
            keys_secret_id: var("ROSTER_KEYS_SECRET_ID"),
            public_key: var("ROSTER_PUBLIC_KEY"),
            sealing_key_id: var("ROSTER_SEALING_KEY_ID"),
        })
    }

    /// The queue names to create when the deployment doesn't manage them (local AWS mode).
    pub fn queue_names(&self) -> Vec<(&'static str, &QueueRef)> {
        vec![
            ("email-dlq", &self.email_dlq),
            ("email", &self.email_queue),
            ("import-dlq", &self.import_dlq),
            ("import", &self.import_queue),
            ("expiry-dlq", &self.expiry_dlq),
            ("expiry", &self.expiry_queue),
        ]
    }
}

/// The SDK configuration from the standard environment (region, credentials, endpoint).
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The SDK configuration as a Lambda function has it: credentials and region from the
/// environment the Lambda runtime sets (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `AWS_REGION`), and `AWS_ENDPOINT_URL` when set (an emulator).
/// Unlike `sdk_config`'s default chain, it links no profile files, SSO, STS web identity,
/// ECS or instance-metadata providers: a function's binary leaves them out.
pub fn sdk_config_from_env() -> SdkConfig {
    let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"));
    let credentials = aws_config::environment::credentials::EnvironmentVariableCredentialsProvider::new();
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region.clone().map(aws_config::Region::new))
        .credentials_provider(aws_types::sdk_config::SharedCredentialsProvider::new(credentials));
    let endpoint = var("AWS_ENDPOINT_URL");
    builder = builder.http_client(https_client(endpoint.as_deref(), region.as_deref()));
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    builder.build()
}

/// The roots AWS's service endpoints chain to: Amazon Root CA 1 to 4 (Amazon Trust
/// Services) and Starfield Services Root G2 (which cross-signs them for older clients).
const AWS_ROOTS: &[u8] = include_bytes!("aws_roots.pem");

/// The SDK's HTTPS client (rustls on aws-lc, as the SDK's default), trusting the roots of
/// AWS's endpoints only, unless `endpoint` is another HTTPS server (an emulator or a proxy
/// with a certificate of its own), which gets the system's roots too. A function talks to
/// AWS alone: it has no use for the system's 140-odd roots, and reading and parsing them
/// was most of what the SDK added to a cold start (BENCHMARKS.md, "Lambda cold start").
///
/// `ROSTER_AWS_SYSTEM_ROOTS=1` adds the system's roots anyway (an egress proxy that
/// inspects TLS), as does a `region` of the China partition (`cn-…`), whose endpoints this
/// was not checked against. Proxy settings (`HTTPS_PROXY`) are not read by this client.
pub fn https_client(endpoint: Option<&str>, region: Option<&str>) -> aws_types::sdk_config::SharedHttpClient {
    use aws_smithy_http_client::tls;
    let other_https = endpoint.is_some_and(|url| url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://")));
    let china = region.is_some_and(|region| region.starts_with("cn-"));
    let system_roots = other_https || china || var("ROSTER_AWS_SYSTEM_ROOTS").as_deref() == Some("1");
    let trust = tls::TrustStore::empty()
        .with_native_roots(system_roots)
        .with_pem_certificate(AWS_ROOTS);
    let context = tls::TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store without a key or a server name builds");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// Resolves queue names to URLs (one call per queue named rather than given by URL), with
/// the client the queue adapter then sends with.
pub async fn resolve_queue_urls(client: &aws_sdk_sqs::Client, config: &AwsConfig) -> Result<QueueUrls, ConfigError> {
    let resolve = |queue: QueueRef| {
        let client = client.clone();
        async move {
            match queue {
                QueueRef::Url(url) => Ok(url),
                QueueRef::Name(name) => client
                    .get_queue_url()
                    .queue_name(&name)
                    .send()
                    .await
                    .map_err(|e| ConfigError::Invalid {
                        name: "queue",
                        reason: format!("{name}: {}", e.into_service_error()),
                    })?
                    .queue_url()
                    .map(str::to_string)
                    .ok_or(ConfigError::Invalid {
                        name: "queue",
                        reason: format!("{name} has no URL"),
                    }),
            }
        }
    };
    Ok(QueueUrls {
        email: resolve(config.email_queue.clone()).await?,
        email_dlq: resolve(config.email_dlq.clone()).await.ok(),
        import: resolve(config.import_queue.clone()).await?,
        import_dlq: resolve(config.import_dlq.clone()).await.ok(),
        expiry: resolve(config.expiry_queue.clone()).await?,
        expiry_dlq: resolve(config.expiry_dlq.clone()).await.ok(),
    })
}

/// The token keys from the Secrets Manager secret `secret_id` (one call, at start, with the
/// SDK's own timeouts). Keeping them there rather than in environment variables keeps them
/// out of the functions' configuration.
pub async fn fetch_key_material(sdk: &SdkConfig, secret_id: &str) -> Result<KeyMaterial, ConfigError> {
    KeysSecret::at_start(sdk, secret_id)
        .read()
        .await
        .map_err(|error| ConfigError::Invalid {
            name: "ROSTER_KEYS_SECRET_ID",
            reason: match error {
                KeyError::Unavailable(reason) | KeyError::InvalidMaterial(reason) => reason,
                other => other.to_string(),
            },
        })
}

/// The keys secret as a source of the token keys: read at start (`fetch_key_material`), or
/// in the background from a Lambda's start on (`SigningKeys::later`), where its client is
/// built with the read, off the start's path too.
pub struct KeysSecret {
    sdk: SdkConfig,
    secret_id: String,
    timeouts: Option<aws_types::sdk_config::TimeoutConfig>,
}

impl KeysSecret {
    fn at_start(sdk: &SdkConfig, secret_id: &str) -> KeysSecret {
        KeysSecret {
            sdk: sdk.clone(),
            secret_id: secret_id.to_string(),
            timeouts: None,
        }
    }

    /// Read in the background, bounded: the read may run across a freeze of the Lambda
    /// sandbox (started at init, not done when the first response went), and a connection
    /// that never answers then fails within 3 s, well inside a request's time, and the next
    /// caller reads again, rather than every caller waiting on it until the function times
    /// out.
    pub fn in_background(sdk: &SdkConfig, secret_id: &str) -> KeysSecret {
        KeysSecret {
            timeouts: Some(
                aws_types::sdk_config::TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(1))
                    .operation_attempt_timeout(std::time::Duration::from_secs(2))
                    .operation_timeout(std::time::Duration::from_secs(3))
                    .build(),
            ),
            ..KeysSecret::at_start(sdk, secret_id)
        }
    }

    /// `InvalidMaterial` when the secret is missing, not readable by this function or not
    /// token keys (a mistake to mend); `Unavailable` when the call fails otherwise
    /// (throttling, a timeout, the service out of reach: the next caller reads again). Both
    /// name the secret.
    async fn read(&self) -> Result<KeyMaterial, KeyError> {
        use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
        let mut config = aws_sdk_secretsmanager::config::Builder::from(&self.sdk);
        if let Some(timeouts) = &self.timeouts {
            config = config.timeout_config(timeouts.clone());
        }
        let client = aws_sdk_secretsmanager::Client::from_conf(config.build());
        let secret = client.get_secret_value().secret_id(&self.secret_id).send().await.map_err(|e| {
            let permanent = matches!(
                e.code(),
                Some(
                    "ResourceNotFoundException"
                        | "AccessDeniedException"
                        | "DecryptionFailure"
                        | "InvalidParameterException"
                        | "InvalidRequestException"
                )
            );
            let detail = format!("{}: {}", self.secret_id, DisplayErrorContext(&e));
            if permanent {
                KeyError::InvalidMaterial(detail)
            } else {
                KeyError::Unavailable(detail)
            }
        })?;
        let invalid = |reason: String| KeyError::InvalidMaterial(format!("{}: {reason}", self.secret_id));
        let text = secret
            .secret_string()
            .ok_or_else(|| invalid("the secret has no SecretString".into()))?;
        KeyMaterial::from_json(text).map_err(|e| match e {
            KeyError::InvalidMaterial(reason) => invalid(reason),
            other => invalid(other.to_string()),
        })
    }
}

#[async_trait::async_trait]
impl roster_app::KeyMaterialSource for KeysSecret {
    async fn load(&self) -> Result<KeyMaterial, KeyError> {
        self.read().await
    }
}

#[cfg(test)]
mod roots_tests {
    use base64::Engine;

    /// The five roots are whole certificates (a damaged one would only show at the first
    /// TLS handshake on AWS): each PEM block is DER and names its CA.
    #[test]
    fn the_aws_roots_are_the_five_certificates() {
        let text = std::str::from_utf8(super::AWS_ROOTS).unwrap();
        let blocks: Vec<Vec<u8>> = text
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body: String = block
                    .split("-----END CERTIFICATE-----")
                    .next()
                    .unwrap()
                    .split_whitespace()
                    .collect();
                base64::engine::general_purpose::STANDARD.decode(body).unwrap()
            })
            .collect();
        let names = [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ];
        assert_eq!(blocks.len(), names.len());
        for (der, name) in blocks.iter().zip(names) {
            assert_eq!(der[0], 0x30, "{name}: a DER sequence");
            assert!(der.windows(name.len()).any(|w| w == name.as_bytes()), "{name}");
        }
        // And a client's configuration takes them (the trust store is parsed as a client is
        // made), for AWS and for an HTTPS emulator.
        for endpoint in [None, Some("https://localhost:4566")] {
            let config = aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("eu-west-1"))
                .http_client(super::https_client(endpoint, Some("eu-west-1")))
                .build();
            aws_sdk_dynamodb::Client::from_conf(config);
        }
    }
}

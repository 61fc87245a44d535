//! The local server's settings, read once from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// `ROSTER_ADDR`, default `127.0.0.1:3000`.
    pub addr: SocketAddr,
    /// `ROSTER_DATA_DIR`, default `./.roster`.
    pub data_dir: PathBuf,
    /// `ROSTER_TEST_CLOCK=1` enables `POST /v1/_test/clock`.
    pub test_clock: bool,
    /// `ROSTER_PUBLIC_URL`, default `http://<addr>`: the base of links in emails.
    pub public_url: String,
    /// `ROSTER_MAIL_FROM`, default `Roster <roster@localhost>`.
    pub mail_from: String,
    /// `ROSTER_SWEEP_INTERVAL_SECONDS`, default 60.
    pub sweep_interval_seconds: u64,
    /// `ROSTER_BACKEND`: `embedded` (default) or `aws`.
    pub backend: Backend,
    /// `ROSTER_CLIENT_TIMEOUT_SECONDS`, default 10: how long a client may take to send a
    /// request's headers, to send its body, or to start its next request on a kept-alive
    /// connection, before the connection is closed.
    pub client_timeout_seconds: u64,
}

/// Where the data, the queues and the mail go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite and the `.eml` outbox in the data directory.
    Embedded,
    /// DynamoDB, SQS and SES v2 (endpoints from `AWS_ENDPOINT_URL` and friends), configured
    /// like the Lambdas; with `ROSTER_CREATE_RESOURCES=1` the table, queues, SES identity and
    /// configuration set are created first.
    Aws { create_resources: bool },
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not valid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

fn flag_value(name: &'static str) -> Result<bool, ConfigError> {
    match var(name).as_deref() {
        None | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("'{other}' is not 1 or 0"),
        }),
    }
}

fn seconds(name: &'static str, default: u64) -> Result<u64, ConfigError> {
    match var(name) {
        Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
            name,
            reason: format!("'{text}' is not a number of seconds"),
        }),
        None => Ok(default),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl LocalConfig {
    pub fn from_env() -> Result<LocalConfig, ConfigError> {
        let addr: SocketAddr =
            var("ROSTER_ADDR")
                .unwrap_or_else(|| "127.0.0.1:3000".into())
                .parse()
                .map_err(|e: std::net::AddrParseError| ConfigError::Invalid {
                    name: "ROSTER_ADDR",
                    reason: e.to_string(),
                })?;
        let test_clock = flag_value("ROSTER_TEST_CLOCK")?;
        let sweep_interval_seconds = seconds("ROSTER_SWEEP_INTERVAL_SECONDS", 60)?;
        let client_timeout_seconds = seconds("ROSTER_CLIENT_TIMEOUT_SECONDS", 10)?.max(1);
        let backend = match var("ROSTER_BACKEND").as_deref() {
            None | Some("embedded") => Backend::Embedded,
            Some("aws") => Backend::Aws {
                create_resources: flag_value("ROSTER_CREATE_RESOURCES")?,
            },
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "ROSTER_BACKEND",
                    reason: format!("'{other}' is not embedded or aws"),
                })
            }
        };
        Ok(LocalConfig {
            backend,
            addr,
            data_dir: var("ROSTER_DATA_DIR").map_or_else(|| PathBuf::from(".roster"), PathBuf::from),
            test_clock,
            public_url: var("ROSTER_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}")),
            mail_from: var("ROSTER_MAIL_FROM").unwrap_or_else(|| "Roster <roster@localhost>".into()),
            sweep_interval_seconds,
            client_timeout_seconds,
        })
    }
}

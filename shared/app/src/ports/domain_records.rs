//! The DNS port: the TXT records an org publishes to prove it owns an email domain its
//! single sign-on connection lists. The adapter (`roster-dns`, on hickory-resolver) asks
//! the system's resolver, or the one `ROSTER_DNS_SERVER` names.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// The resolver failed or did not answer (not the same as "no such record").
    #[error("DNS did not answer: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait DomainRecords: Send + Sync {
    /// The TXT values at `name` (each record's strings joined), none when the name or its
    /// TXT records don't exist.
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError>;
}

/// For functions that never look a domain up.
pub struct NoDomainRecords;

#[async_trait]
impl DomainRecords for NoDomainRecords {
    async fn txt(&self, _: &str) -> Result<Vec<String>, DnsError> {
        Err(DnsError::Unavailable("this function does not look up DNS".into()))
    }
}

//! The DNS port on hickory-resolver: TXT lookups, asked of the system's resolver (on Lambda
//! and in most installs) or of the server `ROSTER_DNS_SERVER` names (`ip:port`; the tests'
//! DNS server, or a resolver of the operator's choosing). Nothing is cached here: an admin
//! who just published a record and verifies again must not get an old "no such record".

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;

use roster_app::ports::{DnsError, DomainRecords};

/// The environment variable naming a DNS server to ask instead of the system's.
pub const DNS_SERVER_VAR: &str = "ROSTER_DNS_SERVER";

/// Builds its resolver at the first lookup: a function that never verifies a domain (all
/// but one Lambda) reads no resolver configuration at start-up.
pub struct HickoryDns {
    /// `None`: the system's resolver configuration.
    server: Option<SocketAddr>,
    resolver: OnceLock<Result<TokioResolver, String>>,
}

impl HickoryDns {
    /// The server `ROSTER_DNS_SERVER` names, else the system's resolver configuration.
    pub fn from_env() -> Result<Arc<dyn DomainRecords>, String> {
        let server = match std::env::var(DNS_SERVER_VAR).ok().filter(|v| !v.is_empty()) {
            Some(server) => Some(
                server
                    .parse()
                    .map_err(|e| format!("{DNS_SERVER_VAR}={server} is not an ip:port: {e}"))?,
            ),
            None => None,
        };
        Ok(Arc::new(HickoryDns {
            server,
            resolver: OnceLock::new(),
        }))
    }

    pub fn with_server(server: SocketAddr) -> HickoryDns {
        HickoryDns {
            server: Some(server),
            resolver: OnceLock::new(),
        }
    }

    fn resolver(&self) -> Result<&TokioResolver, DnsError> {
        let built = self.resolver.get_or_init(|| {
            let mut builder = match self.server {
                Some(server) => {
                    let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
                    TokioResolver::builder_with_config(
                        ResolverConfig::from_parts(None, vec![], servers),
                        TokioConnectionProvider::default(),
                    )
                }
                None => TokioResolver::builder_tokio().map_err(|e| format!("the system's DNS configuration: {e}"))?,
            };
            uncached(builder.options_mut());
            Ok(builder.build())
        });
        built.as_ref().map_err(|why| DnsError::Unavailable(why.clone()))
    }
}

fn uncached(options: &mut hickory_resolver::config::ResolverOpts) {
    options.positive_max_ttl = Some(Duration::ZERO);
    options.negative_max_ttl = Some(Duration::ZERO);
    // Room for the many TXT records a domain often has (SPF, other services' proofs) in one
    // UDP answer; a server that must truncate still makes the resolver retry over TCP.
    options.edns0 = true;
    options.timeout = Duration::from_secs(3);
    options.attempts = 2;
}

#[async_trait]
impl DomainRecords for HickoryDns {
    async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        // Fully qualified: never tried under the machine's search domains.
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match self.resolver()?.txt_lookup(fqdn).await {
            Ok(answer) => Ok(answer
                .iter()
                .map(|record| {
                    // One TXT record may be split in several strings: they are one value.
                    record
                        .txt_data()
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect::<String>()
                })
                .collect()),
            Err(error) if error.is_no_records_found() => Ok(Vec::new()),
            Err(error) => Err(DnsError::Unavailable(error.to_string())),
        }
    }
}

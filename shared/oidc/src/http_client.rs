//! The HTTP client `openidconnect` calls through: hyper-util's pooled client over rustls
//! (aws-lc-rs, the system's roots), a size limit on answers, a timeout, and no redirects.
//! On Lambda (`https://` only) it refuses to connect to any address that is not public —
//! loopback, private, link-local (the cloud's metadata service), shared, reserved, tunnels —
//! whether the URL names it or a host name resolves to it: an org admin's issuer, or the
//! endpoints its discovery document names, can't make Roster call inside its own network.
//! roster-local, which may talk to a provider on this machine or the office's network,
//! still never connects to a link-local address.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Discovery documents, key sets and token answers are small: anything larger is refused.
const MAX_BODY_BYTES: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

type HttpsClient = Client<HttpsConnector<HttpConnector<PublicOnly>>, Full<Bytes>>;

/// One per process (it keeps a connection pool).
#[derive(Clone)]
pub struct OidcHttp {
    /// Built at the first call: reading the system's roots (about 140 certificates, near a
    /// millisecond) is no part of a function's start (issue 22, point 5). A failed read
    /// fails every call.
    client: Arc<OnceLock<Result<HttpsClient, String>>>,
    /// Only public addresses (a deployment); tests and development talk to loopback.
    public_only: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcHttpError {
    #[error("the request to the identity provider failed")]
    Request(#[source] hyper_util::client::legacy::Error),
    #[error("reading the identity provider's answer failed")]
    Body(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the identity provider did not answer within {0:?}")]
    Timeout(Duration),
    #[error("{0} is not an address Roster may call")]
    NotPublic(String),
    #[error("the system's TLS roots could not be read: {0}")]
    Roots(String),
}

impl OidcHttp {
    /// `allow_http`: plain `http://` too (development and tests); else `https://` only.
    pub fn new(allow_http: bool) -> OidcHttp {
        OidcHttp {
            client: Arc::default(),
            public_only: !allow_http,
        }
    }

    fn client(&self) -> Result<&HttpsClient, OidcHttpError> {
        let built = self.client.get_or_init(|| {
            let mut http = HttpConnector::new_with_resolver(PublicOnly {
                inner: GaiResolver::new(),
                enforce: self.public_only,
            });
            // The TLS connector decides which schemes pass.
            http.enforce_http(false);
            http.set_connect_timeout(Some(Duration::from_secs(5)));
            let tls = HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
                .map_err(|error| error.to_string())?;
            let tls = if self.public_only { tls.https_only() } else { tls.https_or_http() };
            let connector = tls.enable_http1().wrap_connector(http);
            Ok(Client::builder(TokioExecutor::new()).build(connector))
        });
        built.as_ref().map_err(|error| OidcHttpError::Roots(error.clone()))
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = OidcHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            // A URL naming an address is connected to without the resolver: checked here.
            if let Some(ip) = request.uri().host().and_then(|h| h.trim_matches(['[', ']']).parse::<IpAddr>().ok()) {
                if !may_connect(ip, self.public_only) {
                    return Err(OidcHttpError::NotPublic(ip.to_string()));
                }
            }
            let (parts, body) = request.into_parts();
            let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
            let exchange = async {
                let response = self.client()?.request(request).await.map_err(OidcHttpError::Request)?;
                let (parts, body) = response.into_parts();
                let body = Limited::new(body, MAX_BODY_BYTES)
                    .collect()
                    .await
                    .map_err(OidcHttpError::Body)?
                    .to_bytes();
                Ok::<_, OidcHttpError>(http::Response::from_parts(parts, body.to_vec()))
            };
            tokio::time::timeout(REQUEST_TIMEOUT, exchange)
                .await
                .map_err(|_| OidcHttpError::Timeout(REQUEST_TIMEOUT))?
        })
    }
}

/// The system's resolver, keeping only the addresses Roster may connect to (`may_connect`;
/// public ones only when `enforce`d): a name with none fails to resolve.
#[derive(Clone)]
pub struct PublicOnly {
    inner: GaiResolver,
    enforce: bool,
}

impl tower_service::Service<Name> for PublicOnly {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let enforce = self.enforce;
        let resolving = self.inner.call(name.clone());
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = resolving.await?.collect();
            let public: Vec<SocketAddr> = addresses.into_iter().filter(|a| may_connect(a.ip(), enforce)).collect();
            if public.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    OidcHttpError::NotPublic(format!("every address of {name}")),
                ));
            }
            Ok(public.into_iter())
        })
    }
}

/// Whether Roster may connect to `ip`: in a deployment (`public_only`) a public address
/// only; in development (roster-local) also loopback and private networks (a provider on
/// this machine or the office's), but never link-local ones, where clouds answer with their
/// instance credentials (169.254.169.254, fe80::/10), nor unspecified or multicast ones.
pub fn may_connect(ip: IpAddr, public_only: bool) -> bool {
    if public_only {
        return is_public(ip);
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => !(v4.is_link_local() || v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast()),
        IpAddr::V6(v6) => !((v6.segments()[0] & 0xffc0) == 0xfe80 || v6.is_unspecified() || v6.is_multicast()),
    }
}

/// Whether `ip` is an address on the public internet (`IpAddr::is_global` is not stable).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let [first, second, ..] = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // IPv4-compatible (::/96), which may embed any IPv4 address.
                || v6.segments()[..6].iter().all(|s| *s == 0)
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // Site-local (deprecated, still routed inside some networks).
                || (first & 0xffc0) == 0xfec0
                || (first == 0x2001 && second == 0x0db8)
                // Teredo and 6to4 tunnel to embedded IPv4 addresses.
                || (first == 0x2001 && second == 0)
                || first == 0x2002
                // NAT64 (64:ff9b::/96 and 64:ff9b:1::/48).
                || (first == 0x0064 && second == 0xff9b)
                // Discard-only.
                || (first == 0x0100 && v6.segments()[1..4].iter().all(|s| *s == 0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378::1",
            "fec0::1",
            "100::1",
        ] {
            assert!(!is_public(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn development_reaches_this_machine_and_the_office_but_not_the_metadata_service() {
        for allowed in ["127.0.0.1", "10.0.0.5", "192.168.1.20", "::1", "93.184.216.34"] {
            assert!(may_connect(allowed.parse().unwrap(), false), "{allowed}");
        }
        for refused in ["169.254.169.254", "fe80::1", "::ffff:169.254.169.254", "0.0.0.0", "224.0.0.1"] {
            assert!(!may_connect(refused.parse().unwrap(), false), "{refused}");
        }
    }

    #[tokio::test]
    async fn a_deployment_does_not_call_inside_its_network() {
        let http = OidcHttp::new(false);
        for url in [
            "https://127.0.0.1/.well-known/openid-configuration",
            "https://[::1]/.well-known/openid-configuration",
            "https://169.254.169.254/latest/meta-data/",
            "https://localhost/.well-known/openid-configuration",
        ] {
            let request = http::Request::get(url).body(Vec::new()).unwrap();
            let error = openidconnect::AsyncHttpClient::call(&http, request).await.unwrap_err();
            assert!(
                crate::error_chain(&error).contains("not an address Roster may call"),
                "{url}: {}",
                crate::error_chain(&error)
            );
        }
    }
}

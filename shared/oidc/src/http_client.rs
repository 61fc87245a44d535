//! The HTTP client `openidconnect` calls through: hyper-util's pooled client over rustls
//! (aws-lc-rs, the system's roots), a size limit on answers, a timeout, and no redirects.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Discovery documents, key sets and token answers are small: anything larger is refused.
const MAX_BODY_BYTES: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One per process (it keeps a connection pool).
#[derive(Clone)]
pub struct OidcHttp {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcHttpError {
    #[error("the request to the identity provider failed")]
    Request(#[source] hyper_util::client::legacy::Error),
    #[error("reading the identity provider's answer failed")]
    Body(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the identity provider did not answer within {0:?}")]
    Timeout(Duration),
}

impl OidcHttp {
    /// `allow_http`: plain `http://` too (development and tests); else `https://` only.
    pub fn new(allow_http: bool) -> std::io::Result<OidcHttp> {
        let mut http = HttpConnector::new();
        // The TLS connector decides which schemes pass.
        http.enforce_http(false);
        http.set_connect_timeout(Some(Duration::from_secs(5)));
        let tls = HttpsConnectorBuilder::new().with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())?;
        let tls = if allow_http { tls.https_or_http() } else { tls.https_only() };
        let connector = tls.enable_http1().wrap_connector(http);
        Ok(OidcHttp {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = OidcHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
            let exchange = async {
                let response = self.client.request(request).await.map_err(OidcHttpError::Request)?;
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

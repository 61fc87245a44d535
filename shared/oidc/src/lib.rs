//! The identity-provider port on OpenID Connect: discovery (cached an hour per issuer, and
//! fetched again when an ID token names a key the cached set lacks), the authorization code
//! flow with PKCE, and the ID token's checks (signature against the provider's JWKS, issuer,
//! audience, expiry, nonce), all by the `openidconnect` crate. Its HTTP goes through hyper
//! and rustls on aws-lc-rs (the TLS stack the AWS SDK already uses), without redirects.

mod http_client;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    TokenResponse,
};

use roster_app::ports::{AuthorizationRequest, IdentityError, IdentityProviders, RelyingParty, VerifiedIdentity};

pub use http_client::OidcHttp;

/// How long a provider's discovery document and keys are used before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

type DiscoveredClient = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

pub struct OidcProviders {
    http: OidcHttp,
    /// Plain `http://` issuers (on loopback) are allowed: development and tests only.
    allow_http: bool,
    metadata: Mutex<HashMap<String, (CoreProviderMetadata, Instant)>>,
}

impl OidcProviders {
    /// `allow_http`: also talk to `http://` issuers (the domain only accepts them on
    /// loopback); never in a deployment, where the Lambda runtime's own API is on loopback.
    pub fn new(allow_http: bool) -> OidcProviders {
        OidcProviders {
            http: OidcHttp::new(allow_http),
            allow_http,
            metadata: Mutex::default(),
        }
    }

    /// The provider's metadata with its keys: cached, unless `fresh` asks for a new fetch.
    async fn metadata(&self, issuer: &str, fresh: bool) -> Result<CoreProviderMetadata, IdentityError> {
        if !self.allow_http && !issuer.starts_with("https://") {
            return Err(IdentityError::IssuerNotAllowed(issuer.to_string()));
        }
        if !fresh {
            let cached = self.metadata.lock().expect("metadata lock").get(issuer).cloned();
            if let Some((metadata, _)) = cached.filter(|(_, fetched)| fetched.elapsed() < METADATA_TTL) {
                return Ok(metadata);
            }
        }
        let issuer_url = IssuerUrl::new(issuer.to_string()).map_err(|e| IdentityError::IssuerNotAllowed(e.to_string()))?;
        // Checks that the document's `issuer` is exactly this one, then fetches `jwks_uri`.
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &self.http)
            .await
            .map_err(|e| IdentityError::Unavailable(format!("discovery of {issuer}: {}", error_chain(&e))))?;
        self.metadata
            .lock()
            .expect("metadata lock")
            .insert(issuer.to_string(), (metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
        party: &RelyingParty<'_>,
        secret: Option<&str>,
    ) -> Result<DiscoveredClient, IdentityError> {
        let redirect = RedirectUrl::new(party.redirect_uri.to_string()).map_err(|e| IdentityError::Unavailable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(party.client_id.to_string()),
            secret.map(|s| ClientSecret::new(s.to_string())),
        )
        .set_redirect_uri(redirect))
    }
}

/// Whether a verified ID token's payload says `"xms_edov": true` (Entra ID's optional claim;
/// a boolean, or the string `"true"` or `"1"` as some tenants send it). Read only after the
/// `openidconnect` checks passed: the payload is the provider's, unchanged.
fn entra_domain_owner_verified(id_token: &str) -> bool {
    let Some(payload) = id_token.split('.').nth(1) else {
        return false;
    };
    let Ok(payload) = URL_SAFE_NO_PAD.decode(payload) else {
        return false;
    };
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&payload) else {
        return false;
    };
    match &claims["xms_edov"] {
        serde_json::Value::Bool(verified) => *verified,
        serde_json::Value::String(text) => text == "true" || text == "1",
        _ => false,
    }
}

/// An error and its sources, on one line (no secrets: these name URLs and reasons).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[async_trait]
impl IdentityProviders for OidcProviders {
    async fn authorization_request(
        &self,
        party: &RelyingParty<'_>,
        login_hint: Option<&str>,
    ) -> Result<AuthorizationRequest, IdentityError> {
        let client = self.client(self.metadata(party.issuer, false).await?, party, None)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if let Some(hint) = login_hint {
            request = request.set_login_hint(LoginHint::new(hint.to_string()));
        }
        let (url, state, nonce) = request.url();
        Ok(AuthorizationRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    async fn verify(
        &self,
        party: &RelyingParty<'_>,
        client_secret: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<VerifiedIdentity, IdentityError> {
        let client = self.client(self.metadata(party.issuer, false).await?, party, Some(client_secret))?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| IdentityError::Unavailable(format!("the provider has no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(answer) => IdentityError::Refused(answer.to_string()),
                RequestTokenError::Parse(e, _) => IdentityError::Refused(format!("an unreadable token answer: {e}")),
                other => IdentityError::Unavailable(error_chain(&other)),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| IdentityError::InvalidToken("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            // The provider rotated its keys since they were cached: fetch them once more.
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                let client = self.client(self.metadata(party.issuer, true).await?, party, Some(client_secret))?;
                let verifier = client.id_token_verifier();
                let claims = id_token
                    .claims(&verifier, &nonce)
                    .map_err(|e| IdentityError::InvalidToken(e.to_string()))?
                    .clone();
                claims
            }
            Err(error) => return Err(IdentityError::InvalidToken(error.to_string())),
        };
        let vouched = match claims.email_verified() {
            Some(verified) => verified,
            // Microsoft Entra ID sends no `email_verified`: its `xms_edov` claim says the
            // email's domain owner is verified, which is its way of vouching for it.
            None => entra_domain_owner_verified(&id_token.to_string()),
        };
        let email = match claims.email() {
            Some(email) if vouched => email.as_str().to_string(),
            _ => return Err(IdentityError::EmailNotVerified),
        };
        Ok(VerifiedIdentity {
            email,
            given_name: claims.given_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()),
            family_name: claims.family_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn xms_edov_is_read_as_entra_sends_it() {
        assert!(entra_domain_owner_verified(&token(r#"{"xms_edov":true}"#)));
        assert!(entra_domain_owner_verified(&token(r#"{"xms_edov":"1"}"#)));
        assert!(!entra_domain_owner_verified(&token(r#"{"xms_edov":false}"#)));
        assert!(!entra_domain_owner_verified(&token(r#"{"email":"a@b.c"}"#)));
        assert!(!entra_domain_owner_verified("not-a-jwt"));
    }
}

//! The identity-provider port: OpenID Connect's authorization code flow with PKCE, as a
//! relying party. The adapter (`roster-oidc`, on the `openidconnect` crate) fetches the
//! provider's discovery document and keys, builds the authorization request, exchanges the
//! code and verifies the ID token; the use cases keep the attempt's state, nonce and PKCE
//! verifier server-side and decide what the verified identity may do.

use async_trait::async_trait;

/// Which client of which provider (the org's connection), and where the provider sends the
/// browser back.
#[derive(Debug, Clone)]
pub struct RelyingParty<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
}

/// Where to send the browser, and what its answer will be checked against.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What a verified ID token says about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    /// The account is found by this verified email (the provider's `sub` is not kept).
    pub email: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The provider could not be reached or answered something unreadable (retry later).
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code exchange (a used, expired or foreign code).
    #[error("the identity provider refused the sign-in: {0}")]
    Refused(String),
    /// The ID token failed a check: signature, issuer, audience, expiry or nonce.
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
    /// The token names no email, or one the provider has not verified.
    #[error("the identity provider did not vouch for an email")]
    EmailNotVerified,
    /// The issuer is not one this deployment may call (plain `http://` outside development).
    #[error("the issuer is not allowed here: {0}")]
    IssuerNotAllowed(String),
}

#[async_trait]
pub trait IdentityProviders: Send + Sync {
    /// The provider's authorization URL for a new attempt (scopes `openid email profile`,
    /// PKCE S256, a new `state` and `nonce`), with `login_hint` when the person gave an email.
    async fn authorization_request(
        &self,
        party: &RelyingParty<'_>,
        login_hint: Option<&str>,
    ) -> Result<AuthorizationRequest, IdentityError>;

    /// Exchanges `code` (with the attempt's PKCE verifier and the client secret) and verifies
    /// the ID token against the attempt's `nonce`; answers the identity only when the
    /// provider vouches for the email (`email_verified`).
    async fn verify(
        &self,
        party: &RelyingParty<'_>,
        client_secret: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<VerifiedIdentity, IdentityError>;
}

/// For functions that never talk to an identity provider.
pub struct NoIdentityProviders;

#[async_trait]
impl IdentityProviders for NoIdentityProviders {
    async fn authorization_request(&self, party: &RelyingParty<'_>, _: Option<&str>) -> Result<AuthorizationRequest, IdentityError> {
        Err(IdentityError::IssuerNotAllowed(party.issuer.to_string()))
    }
    async fn verify(&self, party: &RelyingParty<'_>, _: &str, _: &str, _: &str, _: &str) -> Result<VerifiedIdentity, IdentityError> {
        Err(IdentityError::IssuerNotAllowed(party.issuer.to_string()))
    }
}

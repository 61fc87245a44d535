//! The keys port: RS256 access tokens (published as JWKS for API Gateway's JWT
//! authorizer, which accepts only RSA) and the secret that invitation links and
//! temporary passwords are derived from.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, RsaPublicKeyComponents};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::secrets;

/// What an access token says. The role is deliberately absent: it is read from the
/// member record on every call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The member id.
    pub sub: String,
    pub org: String,
    pub iat: i64,
    pub exp: i64,
    /// Issued for a temporary password: only changing the password is allowed.
    #[serde(default)]
    pub pwd_change: bool,
    /// The member's credential version when the token was issued: a password change ends
    /// the tokens issued before it.
    #[serde(default)]
    pub cv: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("invalid key material: {0}")]
    InvalidMaterial(String),
    #[error("invalid token")]
    InvalidToken,
    #[error("token expired")]
    Expired,
    /// This process has only the public key (its function neither signs tokens nor derives
    /// secrets), or a function that only derives is asked to sign: a deployment mistake if
    /// it ever happens.
    #[error("the private token keys are not available to this function")]
    NotHeld,
    /// The private keys could not be read just now (the secret's store is throttling or out
    /// of reach): the next call reads again.
    #[error("the private token keys could not be read: {0}")]
    Unavailable(String),
}

/// The signing keys (PKCS#8 DER) and the token secret, as adapters persist them. Three
/// keys take part in a rotation: the current one signs; the next one is published ahead
/// (so a verifier's cached key set knows it before it signs); the previous one, which
/// signed before the last rotation, still checks the tokens it signed until they expire.
/// The token secret never rotates: invitation links and temporary passwords derive from it.
#[derive(Clone)]
pub struct KeyMaterial {
    pub signing_key_pkcs8: Vec<u8>,
    pub token_secret: Vec<u8>,
    pub next_signing_key_pkcs8: Option<Vec<u8>>,
    /// The previous key's public half (`<n>.<e>`).
    pub previous_public_key: Option<String>,
}

/// Never prints the secrets.
impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial { .. }")
    }
}

impl KeyMaterial {
    pub fn generate() -> KeyMaterial {
        KeyMaterial {
            signing_key_pkcs8: new_signing_key(),
            token_secret: secrets::random_bytes::<32>().to_vec(),
            next_signing_key_pkcs8: Some(new_signing_key()),
            previous_public_key: None,
        }
    }

    /// The material after one rotation: the next key signs, the current one only checks
    /// what it signed (as the previous), and a new next key is published ahead. No token
    /// signed before stops working before it expires; the token secret stays. Material with
    /// no next key yet (from before rotation) only gains one: a key signs only once it has
    /// been published a rotation ahead, so rotate it again once that has been deployed.
    pub fn rotated(&self) -> Result<KeyMaterial, KeyError> {
        // The whole material is checked first, as a function would read it.
        let keys = SigningKeys::new(self, "", "")?;
        let Some(next) = &self.next_signing_key_pkcs8 else {
            return Ok(KeyMaterial {
                next_signing_key_pkcs8: Some(new_signing_key()),
                ..self.clone()
            });
        };
        // The current key is the one after the previous, if any (`new`'s order).
        let current = &keys.verifiers[usize::from(self.previous_public_key.is_some())];
        Ok(KeyMaterial {
            signing_key_pkcs8: next.clone(),
            token_secret: self.token_secret.clone(),
            next_signing_key_pkcs8: Some(new_signing_key()),
            previous_public_key: Some(public_text(&current.public)),
        })
    }

    /// The one stored form, in a key file or a Secrets Manager secret:
    /// `{"signing_key_pkcs8": "<base64url>", "token_secret": "<base64url>",
    /// "next_signing_key_pkcs8": "<base64url>", "previous_public_key": "<n>.<e>"}` (the last
    /// two optional: material from before rotation has neither).
    pub fn to_json(&self) -> String {
        let mut json = serde_json::json!({
            "signing_key_pkcs8": URL_SAFE_NO_PAD.encode(&self.signing_key_pkcs8),
            "token_secret": URL_SAFE_NO_PAD.encode(&self.token_secret),
        });
        if let Some(next) = &self.next_signing_key_pkcs8 {
            json["next_signing_key_pkcs8"] = URL_SAFE_NO_PAD.encode(next).into();
        }
        if let Some(previous) = &self.previous_public_key {
            json["previous_public_key"] = previous.clone().into();
        }
        json.to_string()
    }

    /// Reads `to_json`'s form; the error names the missing or malformed field.
    pub fn from_json(text: &str) -> Result<KeyMaterial, KeyError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|_| KeyError::InvalidMaterial("the key material is not a JSON object".into()))?;
        let field = |name: &str| {
            value[name]
                .as_str()
                .and_then(|s| URL_SAFE_NO_PAD.decode(s.trim()).ok())
                .ok_or_else(|| KeyError::InvalidMaterial(format!("'{name}' is missing or not base64url")))
        };
        let optional = |name: &str| value.get(name).is_some_and(|v| !v.is_null()).then(|| field(name)).transpose();
        Ok(KeyMaterial {
            signing_key_pkcs8: field("signing_key_pkcs8")?,
            token_secret: field("token_secret")?,
            next_signing_key_pkcs8: optional("next_signing_key_pkcs8")?,
            previous_public_key: match &value["previous_public_key"] {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => Some(text.clone()),
                _ => return Err(KeyError::InvalidMaterial("'previous_public_key' is not \"<n>.<e>\"".into())),
            },
        })
    }
}

fn new_signing_key() -> Vec<u8> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
    pair.as_der().expect("PKCS#8 encoding").as_ref().to_vec()
}

/// A public key as `<n>.<e>` (base64url).
fn public_text(public: &RsaPublicKeyComponents<Vec<u8>>) -> String {
    format!("{}.{}", URL_SAFE_NO_PAD.encode(&public.n), URL_SAFE_NO_PAD.encode(&public.e))
}

/// One public key that checks tokens, and its key id.
struct Verifier {
    kid: String,
    public: RsaPublicKeyComponents<Vec<u8>>,
}

impl Verifier {
    fn new(public: RsaPublicKeyComponents<Vec<u8>>) -> Verifier {
        Verifier {
            kid: secrets::sha256_hex(&URL_SAFE_NO_PAD.encode(&public.n))[..16].to_string(),
            public,
        }
    }

    fn of_pair(pair: &RsaKeyPair) -> Verifier {
        Verifier::new(RsaPublicKeyComponents {
            n: pair.public_key().modulus().big_endian_without_leading_zero().to_vec(),
            e: pair.public_key().exponent().big_endian_without_leading_zero().to_vec(),
        })
    }

    /// From `<n>.<e>`; RSA of 2048 bits or more.
    fn parse(text: &str) -> Result<Verifier, KeyError> {
        let invalid = || KeyError::InvalidMaterial("a public key is not \"<n>.<e>\" in base64url".into());
        let (n, e) = text.trim().split_once('.').ok_or_else(invalid)?;
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| invalid());
        let public = RsaPublicKeyComponents {
            n: decode(n)?,
            e: decode(e)?,
        };
        if public.n.len() < 256 || public.e.is_empty() {
            return Err(KeyError::InvalidMaterial("the public key must be RSA, 2048 bits or more".into()));
        }
        Ok(Verifier::new(public))
    }
}

/// Where a function that signs tokens or derives secrets reads its private keys when it is
/// not given them at start (on AWS, the keys secret). `SigningKeys::later` reads it once, at
/// first use or by `prefetch`, and again after a failed read.
#[async_trait::async_trait]
pub trait KeyMaterialSource: Send + Sync {
    async fn load(&self) -> Result<KeyMaterial, KeyError>;
}

/// Material already at hand, as a source (tests, and a process given it some other way).
#[async_trait::async_trait]
impl KeyMaterialSource for KeyMaterial {
    async fn load(&self) -> Result<KeyMaterial, KeyError> {
        Ok(self.clone())
    }
}

/// The token keys as one process holds them: always the public keys (to check access
/// tokens, by the `kid` each carries, and publish the JWKS: the previous, current and next
/// keys); the private key and the token secret only where the function signs tokens or
/// derives secrets, either given at start or read from a `KeyMaterialSource` when first
/// needed.
pub struct SigningKeys {
    private: tokio::sync::OnceCell<PrivateKeys>,
    source: Option<Arc<dyn KeyMaterialSource>>,
    /// Whether the keys read from `source` sign tokens (else they only derive secrets).
    signs: bool,
    /// Whether `prefetch` started a read: one per process.
    prefetch_started: AtomicBool,
    verifiers: Vec<Verifier>,
    issuer: String,
    audience: String,
}

struct PrivateKeys {
    /// The current signing key, parsed; none in a function that only derives secrets
    /// (parsing and checking an RSA key takes about 0.4 ms it has no use for).
    signer: Option<Signer>,
    token_secret: Vec<u8>,
}

struct Signer {
    pair: RsaKeyPair,
    /// The signing key's id, as its verifier has it.
    kid: String,
}

impl Signer {
    fn parse(pkcs8: &[u8]) -> Result<Signer, KeyError> {
        let pair = parse_pair(pkcs8)?;
        Ok(Signer {
            kid: Verifier::of_pair(&pair).kid,
            pair,
        })
    }
}

impl PrivateKeys {
    fn from_material(material: &KeyMaterial, signs: bool) -> Result<PrivateKeys, KeyError> {
        if material.token_secret.len() < 32 {
            return Err(KeyError::InvalidMaterial("the token secret must be at least 32 bytes".into()));
        }
        Ok(PrivateKeys {
            signer: if signs {
                Some(Signer::parse(&material.signing_key_pkcs8)?)
            } else {
                None
            },
            token_secret: material.token_secret.clone(),
        })
    }
}

fn parse_pair(der: &[u8]) -> Result<RsaKeyPair, KeyError> {
    RsaKeyPair::from_pkcs8(der).map_err(|e| KeyError::InvalidMaterial(e.to_string()))
}

impl SigningKeys {
    pub fn new(material: &KeyMaterial, issuer: &str, audience: &str) -> Result<SigningKeys, KeyError> {
        let private = PrivateKeys::from_material(material, true)?;
        let current = private.signer.as_ref().map(|signer| Verifier::of_pair(&signer.pair));
        let mut verifiers = Vec::new();
        if let Some(previous) = &material.previous_public_key {
            verifiers.push(Verifier::parse(previous)?);
        }
        verifiers.extend(current);
        if let Some(next) = &material.next_signing_key_pkcs8 {
            verifiers.push(Verifier::of_pair(&parse_pair(next)?));
        }
        Ok(SigningKeys {
            private: tokio::sync::OnceCell::new_with(Some(private)),
            source: None,
            signs: true,
            prefetch_started: AtomicBool::new(false),
            verifiers,
            issuer: issuer.into(),
            audience: audience.into(),
        })
    }

    /// Keys that check tokens with `public_keys` (as `verify_only`) from the start, and
    /// read the private keys from `source` when first asked to sign or derive (or when
    /// `prefetch` is called): a function's start then waits for no secret, and a request
    /// waits only for what is left of the read when it first needs the keys. A function
    /// that `signs` parses the signing key with the read and refuses one that is not among
    /// `public_keys`, which every other function checks tokens with (a refused read is
    /// tried again by the next caller, as a failed one is); one that does not only derives.
    pub fn later(
        public_keys: &str,
        source: Arc<dyn KeyMaterialSource>,
        signs: bool,
        issuer: &str,
        audience: &str,
    ) -> Result<SigningKeys, KeyError> {
        Ok(SigningKeys {
            source: Some(source),
            signs,
            ..SigningKeys::verify_only(public_keys, issuer, audience)?
        })
    }

    /// Starts reading the private keys in the background (on the current Tokio runtime), so
    /// the read runs while a request does its own reads (a Lambda function calls this as
    /// each event arrives: the first starts the read). Only the first call of a process
    /// starts one; a failed read is logged and tried again at first use.
    pub fn prefetch(keys: &Arc<SigningKeys>) {
        if keys.source.is_none() || keys.private.initialized() || keys.prefetch_started.swap(true, Ordering::Relaxed) {
            return;
        }
        // Outside a Tokio runtime there is nothing to run it on: the keys are read at first use.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let keys = keys.clone();
        runtime.spawn(async move {
            if let Err(error) = keys.private().await {
                tracing::warn!(%error, "reading the private token keys failed; tried again when first needed");
            }
        });
    }

    /// The private keys: held, or read from the source now (once; every caller waits on
    /// the same read, and a failed or refused one is tried again by the next).
    async fn private(&self) -> Result<&PrivateKeys, KeyError> {
        let Some(source) = &self.source else {
            return self.private.get().ok_or(KeyError::NotHeld);
        };
        self.private
            .get_or_try_init(|| async {
                let private = PrivateKeys::from_material(&source.load().await?, self.signs)?;
                if let Some(signer) = &private.signer {
                    let own = Verifier::of_pair(&signer.pair).public;
                    if !self.verifiers.iter().any(|v| v.public.n == own.n && v.public.e == own.e) {
                        return Err(KeyError::InvalidMaterial(
                            "the key that signs is not among the public keys the other functions check with".into(),
                        ));
                    }
                }
                Ok(private)
            })
            .await
    }

    /// The signing key, read if it is read later.
    async fn signer(&self) -> Result<&Signer, KeyError> {
        self.private().await?.signer.as_ref().ok_or(KeyError::NotHeld)
    }

    /// Waits until this function can sign (reading the keys if they are read later): for a
    /// use case to call before it consumes anything a token is then issued for.
    pub async fn ready_to_sign(&self) -> Result<(), KeyError> {
        self.signer().await.map(|_| ())
    }

    /// Keys that check access tokens only, from `public_key_text`'s form: one or more
    /// `<n>.<e>`, separated by commas.
    pub fn verify_only(public_keys: &str, issuer: &str, audience: &str) -> Result<SigningKeys, KeyError> {
        let verifiers = public_keys
            .split(',')
            .filter(|text| !text.trim().is_empty())
            .map(Verifier::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if verifiers.is_empty() {
            return Err(KeyError::InvalidMaterial("no public key".into()));
        }
        Ok(SigningKeys {
            private: tokio::sync::OnceCell::new(),
            source: None,
            signs: false,
            prefetch_started: AtomicBool::new(false),
            verifiers,
            issuer: issuer.into(),
            audience: audience.into(),
        })
    }

    /// The public keys as `<n>.<e>[,<n>.<e>…]` (base64url): what functions without the
    /// secret get (`ROSTER_PUBLIC_KEY`), every key that may have signed a live token.
    pub fn public_key_text(&self) -> String {
        self.verifiers.iter().map(|v| public_text(&v.public)).collect::<Vec<_>>().join(",")
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    pub async fn sign(&self, claims: &AccessClaims) -> Result<String, KeyError> {
        let signer = self.signer().await?;
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": signer.kid});
        let signing_input = format!("{}.{}", encode_json(&header), encode_json(claims));
        let mut signature = vec![0u8; signer.pair.public_modulus_len()];
        signer
            .pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing with a valid key");
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// Checks signature, algorithm, key id, issuer, audience and expiry at `now_unix`.
    pub fn verify(&self, token: &str, now_unix: i64) -> Result<AccessClaims, KeyError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::InvalidToken);
        };
        let header: serde_json::Value = decode_json(header)?;
        let verifier = self
            .verifiers
            .iter()
            .find(|v| header["kid"] == v.kid.as_str())
            .filter(|_| header["alg"] == "RS256")
            .ok_or(KeyError::InvalidToken)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| KeyError::InvalidToken)?;
        let signing_input = &token[..header_and_payload_len(token)];
        verifier
            .public
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, signing_input.as_bytes(), &signature)
            .map_err(|_| KeyError::InvalidToken)?;
        let claims: AccessClaims = decode_json(payload)?;
        if claims.iss != self.issuer || claims.aud != self.audience {
            return Err(KeyError::InvalidToken);
        }
        if claims.exp <= now_unix {
            return Err(KeyError::Expired);
        }
        Ok(claims)
    }

    /// The public key set, as `GET /.well-known/jwks.json` serves it: the previous key (while
    /// tokens it signed may live), the current and the next.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .verifiers
                .iter()
                .map(|v| Jwk {
                    kty: "RSA",
                    use_: "sig",
                    alg: "RS256",
                    kid: v.kid.clone(),
                    n: URL_SAFE_NO_PAD.encode(&v.public.n),
                    e: URL_SAFE_NO_PAD.encode(&v.public.e),
                })
                .collect(),
        }
    }

    /// A secret derived from the token key for `purpose` and `input`: the same inputs give
    /// the same secret, so only its hash needs storing and a resent email carries it again.
    pub async fn derive_secret(&self, purpose: &str, input: &str) -> Result<String, KeyError> {
        let private = self.private().await?;
        Ok(secrets::hmac_base64url(&private.token_secret, &format!("{purpose}\n{input}")))
    }
}

/// The public keys that verify Roster's tokens (`GET /.well-known/jwks.json`, RFC 7517).
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// One RSA signing key.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Jwk {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
    pub kid: String,
    /// The modulus, base64url.
    pub n: String,
    /// The exponent, base64url.
    pub e: String,
}

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

fn encode_json<T: Serialize>(value: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("claims serialize"))
}

fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, KeyError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| KeyError::InvalidToken)?;
    serde_json::from_slice(&bytes).map_err(|_| KeyError::InvalidToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            iss: "roster".into(),
            aud: "roster-api".into(),
            sub: "m1".into(),
            org: "o1".into(),
            iat: 0,
            exp,
            pwd_change: false,
            cv: 0,
        }
    }

    #[tokio::test]
    async fn tokens_verify_and_tampering_is_caught() {
        let keys = SigningKeys::new(&KeyMaterial::generate(), "roster", "roster-api").unwrap();
        let token = keys.sign(&claims(100)).await.unwrap();
        assert_eq!(keys.verify(&token, 50).unwrap().sub, "m1");
        assert_eq!(keys.verify(&token, 100), Err(KeyError::Expired));
        let forged = token.replacen(
            &token[token.find('.').unwrap() + 1..token.rfind('.').unwrap()],
            &encode_json(&AccessClaims {
                sub: "m2".into(),
                ..claims(100)
            }),
            1,
        );
        assert_eq!(keys.verify(&forged, 50), Err(KeyError::InvalidToken));
        let other = SigningKeys::new(&KeyMaterial::generate(), "roster", "roster-api").unwrap();
        assert_eq!(other.verify(&token, 50), Err(KeyError::InvalidToken));
        assert_eq!(keys.jwks().keys[0].kty, "RSA");
    }

    #[tokio::test]
    async fn a_rotation_signs_with_the_next_key_and_still_checks_what_the_old_one_signed() {
        let material = KeyMaterial::generate();
        let before = SigningKeys::new(&material, "roster", "roster-api").unwrap();
        let old_token = before.sign(&claims(100)).await.unwrap();
        let kids = |keys: &SigningKeys| keys.jwks().keys.into_iter().map(|k| k.kid).collect::<Vec<_>>();
        assert_eq!(kids(&before).len(), 2, "the current and the next key are published");

        let rotated = KeyMaterial::from_json(&material.rotated().unwrap().to_json()).unwrap();
        let after = SigningKeys::new(&rotated, "roster", "roster-api").unwrap();
        assert_eq!(kids(&after).len(), 3, "previous, current, next");
        assert_eq!(kids(&after)[..2], kids(&before)[..], "the old current and next stay published");
        assert_eq!(after.verify(&old_token, 50).unwrap().sub, "m1", "no one is signed out");
        let new_token = after.sign(&claims(100)).await.unwrap();
        let kid_of = |token: &str| decode_json::<serde_json::Value>(token.split('.').next().unwrap()).unwrap()["kid"].clone();
        assert_eq!(kid_of(&new_token), kids(&before)[1].as_str(), "the next key signs now");
        assert_ne!(kid_of(&new_token), kid_of(&old_token));
        assert_eq!(
            after.derive_secret("invitation", "m1:1").await,
            before.derive_secret("invitation", "m1:1").await,
            "invitation links and temporary passwords stay valid"
        );
        // A function with the public keys only checks tokens of either key.
        let public = SigningKeys::verify_only(&after.public_key_text(), "roster", "roster-api").unwrap();
        assert!(public.verify(&old_token, 50).is_ok() && public.verify(&new_token, 50).is_ok());
        // Two rotations on, the first key is gone: its tokens have long expired.
        let twice = SigningKeys::new(&rotated.rotated().unwrap(), "roster", "roster-api").unwrap();
        assert_eq!(twice.verify(&old_token, 50), Err(KeyError::InvalidToken));
        assert!(twice.verify(&new_token, 50).is_ok());
    }

    #[test]
    fn material_from_before_rotation_still_reads() {
        let material = KeyMaterial::generate();
        let old_form = serde_json::json!({
            "signing_key_pkcs8": URL_SAFE_NO_PAD.encode(&material.signing_key_pkcs8),
            "token_secret": URL_SAFE_NO_PAD.encode(&material.token_secret),
        });
        let read = KeyMaterial::from_json(&old_form.to_string()).unwrap();
        assert!(read.next_signing_key_pkcs8.is_none() && read.previous_public_key.is_none());
        assert_eq!(SigningKeys::new(&read, "r", "a").unwrap().jwks().keys.len(), 1);
        // Its first rotation only publishes a next key: the signer stays until that is known.
        let first = read.rotated().unwrap();
        assert_eq!(first.signing_key_pkcs8, read.signing_key_pkcs8);
        assert!(first.next_signing_key_pkcs8.is_some() && first.previous_public_key.is_none());
        assert_eq!(SigningKeys::new(&first, "r", "a").unwrap().jwks().keys.len(), 2);
    }

    #[tokio::test]
    async fn the_public_key_alone_checks_tokens_but_signs_and_derives_nothing() {
        let keys = SigningKeys::new(&KeyMaterial::generate(), "roster", "roster-api").unwrap();
        let public = SigningKeys::verify_only(&keys.public_key_text(), "roster", "roster-api").unwrap();
        let token = keys.sign(&claims(100)).await.unwrap();
        assert_eq!(public.verify(&token, 50).unwrap(), claims(100));
        assert_eq!(public.jwks(), keys.jwks());
        assert_eq!(public.sign(&claims(100)).await, Err(KeyError::NotHeld));
        assert_eq!(public.derive_secret("invitation", "m1:1").await, Err(KeyError::NotHeld));
        assert!(keys.derive_secret("invitation", "m1:1").await.is_ok());
        for bad in ["", "no-dot", "!!.AQAB", "AQAB.AQAB"] {
            assert!(SigningKeys::verify_only(bad, "roster", "roster-api").is_err(), "{bad}");
        }
    }

    /// The keys secret as a function reads it: counts its reads, and fails while `failing`.
    struct CountedSource {
        material: std::sync::Mutex<KeyMaterial>,
        reads: std::sync::atomic::AtomicUsize,
        failing: std::sync::atomic::AtomicBool,
    }

    impl CountedSource {
        fn new(material: KeyMaterial, failing: bool) -> Arc<CountedSource> {
            Arc::new(CountedSource {
                material: std::sync::Mutex::new(material),
                reads: 0.into(),
                failing: failing.into(),
            })
        }
    }

    #[async_trait::async_trait]
    impl KeyMaterialSource for CountedSource {
        async fn load(&self) -> Result<KeyMaterial, KeyError> {
            self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::task::yield_now().await;
            if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(KeyError::InvalidMaterial("the secret could not be read".into()));
            }
            Ok(self.material.lock().unwrap().clone())
        }
    }

    #[tokio::test]
    async fn keys_read_later_are_read_once_when_first_needed_and_again_after_a_failure() {
        use std::sync::atomic::Ordering::SeqCst;
        let material = KeyMaterial::generate();
        let held = SigningKeys::new(&material, "roster", "roster-api").unwrap();
        let source = CountedSource::new(material.clone(), true);
        let keys = Arc::new(SigningKeys::later(&held.public_key_text(), source.clone(), true, "roster", "roster-api").unwrap());
        assert_eq!(source.reads.load(SeqCst), 0, "nothing is read at start");
        let old_token = held.sign(&claims(100)).await.unwrap();
        assert!(keys.verify(&old_token, 50).is_ok(), "tokens are checked with the public keys alone");
        assert_eq!(keys.jwks(), held.jwks());

        // A failed read fails the call that needed the keys, and is tried again by the next.
        assert!(matches!(keys.sign(&claims(100)).await, Err(KeyError::InvalidMaterial(_))));
        source.failing.store(false, SeqCst);
        let reads_before = source.reads.load(SeqCst);
        // Many callers at once share one read.
        let calls = (0..8).map(|i| {
            let keys = keys.clone();
            tokio::spawn(async move { keys.derive_secret("invitation", &format!("m{i}:1")).await })
        });
        for (i, call) in calls.enumerate() {
            let derived = call.await.unwrap().unwrap();
            assert_eq!(derived, held.derive_secret("invitation", &format!("m{i}:1")).await.unwrap());
        }
        assert_eq!(source.reads.load(SeqCst), reads_before + 1, "one read for every caller");
        let token = keys.sign(&claims(100)).await.unwrap();
        assert!(held.verify(&token, 50).is_ok(), "it signs with the secret's current key");
        assert_eq!(source.reads.load(SeqCst), reads_before + 1, "read once, then held");

        // Prefetch reads before any call needs the keys.
        let prefetched = Arc::new(SigningKeys::later(&held.public_key_text(), source.clone(), true, "roster", "roster-api").unwrap());
        SigningKeys::prefetch(&prefetched);
        for _ in 0..100 {
            if prefetched.private.initialized() {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(prefetched.private.initialized(), "the prefetch read the keys");
        assert_eq!(source.reads.load(SeqCst), reads_before + 2);
    }

    #[tokio::test]
    async fn a_prefetch_called_for_every_event_starts_one_read_even_when_it_fails() {
        use std::sync::atomic::Ordering::SeqCst;
        let material = KeyMaterial::generate();
        let held = SigningKeys::new(&material, "roster", "roster-api").unwrap();
        let source = CountedSource::new(material.clone(), true);
        let keys = Arc::new(SigningKeys::later(&held.public_key_text(), source.clone(), false, "roster", "roster-api").unwrap());
        for _ in 0..5 {
            SigningKeys::prefetch(&keys);
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
        }
        assert_eq!(source.reads.load(SeqCst), 1, "one background read a process, not one an event");
        // A failed read is tried again where the keys are needed.
        source.failing.store(false, SeqCst);
        assert_eq!(
            keys.derive_secret("invitation", "m1:1").await.unwrap(),
            held.derive_secret("invitation", "m1:1").await.unwrap()
        );
        assert_eq!(source.reads.load(SeqCst), 2);
    }

    #[tokio::test]
    async fn keys_read_later_refuse_a_signer_the_other_functions_could_not_check_until_it_is_mended() {
        let material = KeyMaterial::generate();
        let public = SigningKeys::new(&material, "roster", "roster-api").unwrap();
        let source = CountedSource::new(KeyMaterial::generate(), false);
        let keys = SigningKeys::later(&public.public_key_text(), source.clone(), true, "roster", "roster-api").unwrap();
        assert!(matches!(keys.ready_to_sign().await, Err(KeyError::InvalidMaterial(_))));
        assert!(
            matches!(keys.sign(&claims(100)).await, Err(KeyError::InvalidMaterial(_))),
            "read again, refused again"
        );
        assert_eq!(source.reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        // The secret is mended: the next call reads it again and signs.
        *source.material.lock().unwrap() = material;
        keys.ready_to_sign().await.unwrap();
        assert!(public.verify(&keys.sign(&claims(100)).await.unwrap(), 50).is_ok());
    }

    #[tokio::test]
    async fn keys_read_later_by_a_function_that_only_derives_do_not_sign() {
        let material = KeyMaterial::generate();
        let held = SigningKeys::new(&material, "roster", "roster-api").unwrap();
        let keys = SigningKeys::later(&held.public_key_text(), Arc::new(material), false, "roster", "roster-api").unwrap();
        assert_eq!(
            keys.derive_secret("invitation", "m1:1").await,
            held.derive_secret("invitation", "m1:1").await
        );
        assert_eq!(keys.sign(&claims(100)).await, Err(KeyError::NotHeld));
    }
}

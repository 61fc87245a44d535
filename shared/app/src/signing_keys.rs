//! The keys port: RS256 access tokens (published as JWKS for API Gateway's JWT
//! authorizer, which accepts only RSA) and the secret that invitation links and
//! temporary passwords are derived from.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, RsaPublicKeyComponents};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

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
    /// secrets): a deployment mistake if it is ever asked to.
    #[error("the private token keys are not available to this function")]
    NotHeld,
}

/// The private key (PKCS#8 DER) and the token secret, as adapters persist them.
#[derive(Clone)]
pub struct KeyMaterial {
    pub signing_key_pkcs8: Vec<u8>,
    pub token_secret: Vec<u8>,
}

/// Never prints the secrets.
impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial { .. }")
    }
}

impl KeyMaterial {
    pub fn generate() -> KeyMaterial {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        KeyMaterial {
            signing_key_pkcs8: pair.as_der().expect("PKCS#8 encoding").as_ref().to_vec(),
            token_secret: secrets::random_bytes::<32>().to_vec(),
        }
    }

    /// The one stored form, in a key file or a Secrets Manager secret:
    /// `{"signing_key_pkcs8": "<base64url>", "token_secret": "<base64url>"}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "signing_key_pkcs8": URL_SAFE_NO_PAD.encode(&self.signing_key_pkcs8),
            "token_secret": URL_SAFE_NO_PAD.encode(&self.token_secret),
        })
        .to_string()
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
        Ok(KeyMaterial {
            signing_key_pkcs8: field("signing_key_pkcs8")?,
            token_secret: field("token_secret")?,
        })
    }
}

/// The token keys as one process holds them: always the public key (to check access
/// tokens and publish the JWKS); the private key and the token secret only where the
/// function signs tokens or derives secrets.
pub struct SigningKeys {
    private: Option<PrivateKeys>,
    public: RsaPublicKeyComponents<Vec<u8>>,
    kid: String,
    issuer: String,
    audience: String,
}

struct PrivateKeys {
    pair: RsaKeyPair,
    token_secret: Vec<u8>,
}

impl SigningKeys {
    pub fn new(material: &KeyMaterial, issuer: &str, audience: &str) -> Result<SigningKeys, KeyError> {
        let pair = RsaKeyPair::from_pkcs8(&material.signing_key_pkcs8).map_err(|e| KeyError::InvalidMaterial(e.to_string()))?;
        if material.token_secret.len() < 32 {
            return Err(KeyError::InvalidMaterial("the token secret must be at least 32 bytes".into()));
        }
        let public = RsaPublicKeyComponents {
            n: pair.public_key().modulus().big_endian_without_leading_zero().to_vec(),
            e: pair.public_key().exponent().big_endian_without_leading_zero().to_vec(),
        };
        let mut keys = SigningKeys::from_public(public, issuer, audience);
        keys.private = Some(PrivateKeys {
            pair,
            token_secret: material.token_secret.clone(),
        });
        Ok(keys)
    }

    /// Keys that check access tokens only, from `public_key_text`'s form (`<n>.<e>`).
    pub fn verify_only(public_key: &str, issuer: &str, audience: &str) -> Result<SigningKeys, KeyError> {
        let invalid = || KeyError::InvalidMaterial("the public key is not \"<n>.<e>\" in base64url".into());
        let (n, e) = public_key.trim().split_once('.').ok_or_else(invalid)?;
        let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| invalid());
        let public = RsaPublicKeyComponents {
            n: decode(n)?,
            e: decode(e)?,
        };
        if public.n.len() < 256 || public.e.is_empty() {
            return Err(KeyError::InvalidMaterial("the public key must be RSA, 2048 bits or more".into()));
        }
        Ok(SigningKeys::from_public(public, issuer, audience))
    }

    fn from_public(public: RsaPublicKeyComponents<Vec<u8>>, issuer: &str, audience: &str) -> SigningKeys {
        SigningKeys {
            kid: secrets::sha256_hex(&URL_SAFE_NO_PAD.encode(&public.n))[..16].to_string(),
            private: None,
            public,
            issuer: issuer.into(),
            audience: audience.into(),
        }
    }

    /// The public key as `<n>.<e>` (base64url): what functions without the secret get.
    pub fn public_key_text(&self) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&self.public.n),
            URL_SAFE_NO_PAD.encode(&self.public.e)
        )
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    pub fn sign(&self, claims: &AccessClaims) -> Result<String, KeyError> {
        let private = self.private.as_ref().ok_or(KeyError::NotHeld)?;
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!("{}.{}", encode_json(&header), encode_json(claims));
        let mut signature = vec![0u8; private.pair.public_modulus_len()];
        private
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
        if header["alg"] != "RS256" || header["kid"] != self.kid.as_str() {
            return Err(KeyError::InvalidToken);
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| KeyError::InvalidToken)?;
        let signing_input = &token[..header_and_payload_len(token)];
        self.public
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

    /// The public key set, as `GET /.well-known/jwks.json` serves it.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![Jwk {
                kty: "RSA",
                use_: "sig",
                alg: "RS256",
                kid: self.kid.clone(),
                n: URL_SAFE_NO_PAD.encode(&self.public.n),
                e: URL_SAFE_NO_PAD.encode(&self.public.e),
            }],
        }
    }

    /// A secret derived from the token key for `purpose` and `input`: the same inputs give
    /// the same secret, so only its hash needs storing and a resent email carries it again.
    pub fn derive_secret(&self, purpose: &str, input: &str) -> Result<String, KeyError> {
        let private = self.private.as_ref().ok_or(KeyError::NotHeld)?;
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

    #[test]
    fn tokens_verify_and_tampering_is_caught() {
        let keys = SigningKeys::new(&KeyMaterial::generate(), "roster", "roster-api").unwrap();
        let token = keys.sign(&claims(100)).unwrap();
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

    #[test]
    fn the_public_key_alone_checks_tokens_but_signs_and_derives_nothing() {
        let keys = SigningKeys::new(&KeyMaterial::generate(), "roster", "roster-api").unwrap();
        let public = SigningKeys::verify_only(&keys.public_key_text(), "roster", "roster-api").unwrap();
        let token = keys.sign(&claims(100)).unwrap();
        assert_eq!(public.verify(&token, 50).unwrap(), claims(100));
        assert_eq!(public.jwks(), keys.jwks());
        assert_eq!(public.sign(&claims(100)), Err(KeyError::NotHeld));
        assert_eq!(public.derive_secret("invitation", "m1:1"), Err(KeyError::NotHeld));
        assert!(keys.derive_secret("invitation", "m1:1").is_ok());
        for bad in ["", "no-dot", "!!.AQAB", "AQAB.AQAB"] {
            assert!(SigningKeys::verify_only(bad, "roster", "roster-api").is_err(), "{bad}");
        }
    }
}

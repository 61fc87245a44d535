//! The sealer port: encrypts the few secrets Roster must keep and use again (an org's SSO
//! client secret) under a key the deployment holds and the table never sees. On AWS a KMS
//! key; locally a key file in the data directory (`KeyFileSealer`).
//!
//! Each sealed secret is bound to a context (the org it belongs to): opened under another
//! context it does not open, so a sealed value copied into another org's item is useless.

use async_trait::async_trait;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The sealed value does not open with this key and context (tampered, or another's).
    #[error("the sealed value does not open")]
    Unopenable,
    /// The key service did not answer (transient).
    #[error("the key service is unavailable: {0}")]
    Unavailable(String),
    /// This function holds no way to seal or open (a deployment mistake).
    #[error("this function cannot seal or open secrets")]
    NotHeld,
}

#[async_trait]
pub trait Sealer: Send + Sync {
    async fn seal(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, SealError>;
    async fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, SealError>;
}

/// AES-256-GCM under a 32-byte key: a random 96-bit nonce before the ciphertext and its tag,
/// the context as associated data.
pub struct KeyFileSealer {
    key: LessSafeKey,
}

impl KeyFileSealer {
    pub fn new(key: &[u8; 32]) -> KeyFileSealer {
        KeyFileSealer {
            key: LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte key is an AES-256 key")),
        }
    }
}

#[async_trait]
impl Sealer for KeyFileSealer {
    async fn seal(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, SealError> {
        let nonce = crate::secrets::random_bytes::<NONCE_LEN>();
        let mut sealed = plain.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut sealed)
            .map_err(|_| SealError::Unopenable)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    async fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Unopenable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Unopenable)?;
        let mut buffer = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| SealError::Unopenable)?;
        Ok(plain.to_vec())
    }
}

/// For functions that never seal or open (all but the SSO ones).
pub struct NoSealer;

#[async_trait]
impl Sealer for NoSealer {
    async fn seal(&self, _: &[u8], _: &str) -> Result<Vec<u8>, SealError> {
        Err(SealError::NotHeld)
    }
    async fn open(&self, _: &[u8], _: &str) -> Result<Vec<u8>, SealError> {
        Err(SealError::NotHeld)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let sealer = KeyFileSealer::new(&[7; 32]);
        let sealed = sealer.seal(b"client-secret", "org-a").await.unwrap();
        assert!(!sealed.windows(13).any(|w| w == b"client-secret"));
        assert_eq!(sealer.open(&sealed, "org-a").await.unwrap(), b"client-secret");
        assert_eq!(sealer.open(&sealed, "org-b").await, Err(SealError::Unopenable));
        assert_eq!(
            KeyFileSealer::new(&[8; 32]).open(&sealed, "org-a").await,
            Err(SealError::Unopenable)
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(sealer.open(&tampered, "org-a").await, Err(SealError::Unopenable));
        assert_ne!(
            sealer.seal(b"client-secret", "org-a").await.unwrap(),
            sealed,
            "a fresh nonce each time"
        );
    }
}

//! Randomness, hashing and password hashing: IDs, invitation secrets, Argon2id.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use aws_lc_rs::{digest, hmac, rand};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use time::OffsetDateTime;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The system's CSPRNG failing is not something the service can continue after.
    rand::fill(&mut bytes).expect("the system random number generator failed");
    bytes
}

/// A ULID: 48 bits of milliseconds since the epoch, then 80 random bits, in Crockford
/// base32. Sorts by creation time, and strictly increases within this process (an id made
/// in the same millisecond as the last one is that one plus one).
pub fn new_id(now: OffsetDateTime) -> String {
    static LAST: std::sync::Mutex<u128> = std::sync::Mutex::new(0);
    let millis = (now.unix_timestamp_nanos() / 1_000_000).clamp(0, (1 << 48) - 1) as u128;
    let random = u128::from_be_bytes({
        let mut b = [0u8; 16];
        b[6..].copy_from_slice(&random_bytes::<10>());
        b
    });
    let candidate = (millis << 80) | random;
    let value = {
        let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
        let value = if candidate > *last { candidate } else { *last + 1 };
        *last = value;
        value
    };
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A random bearer secret (256 bits, base64url): stored only as its SHA-256.
pub fn new_secret_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A short random code people can type (join codes): 10 Crockford base32 characters.
pub fn new_code() -> String {
    random_bytes::<10>().iter().map(|b| CROCKFORD[(b & 31) as usize] as char).collect()
}

pub fn sha256_hex(input: &str) -> String {
    digest::digest(&digest::SHA256, input.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// HMAC-SHA256 of `message` under `key`, base64url: deterministic secrets derived from
/// the service's token key, so they never need to be stored.
pub fn hmac_base64url(key: &[u8], message: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    URL_SAFE_NO_PAD.encode(hmac::sign(&key, message.as_bytes()).as_ref())
}

/// Whether two secrets are equal, in time that doesn't depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// Hashes a password with Argon2id (default, OWASP-recommended parameters). Tens of
/// milliseconds of CPU by design: run on the runtime's blocking threads, so that no other
/// request waits behind it on an async worker thread.
pub async fn hash_password(password: &str) -> String {
    let password = password.to_string();
    off_the_async_threads(move || {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt length");
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .expect("Argon2 with default parameters cannot fail")
            .to_string()
    })
    .await
}

/// Whether `password` is the one `phc` (an Argon2id hash) was made from; on the blocking
/// threads, as `hash_password`.
pub async fn verify_password(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    off_the_async_threads(move || {
        PasswordHash::new(&phc).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
}

/// Runs CPU-bound `work` on the runtime's blocking threads and waits for it; a panic in it
/// goes on in the caller.
async fn off_the_async_threads<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => panic!("blocking work cancelled (the runtime is shutting down): {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time() {
        let earlier = new_id(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
        let later = new_id(OffsetDateTime::from_unix_timestamp(1_700_000_001).unwrap());
        assert_eq!(earlier.len(), 26);
        assert!(earlier < later);
    }

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").await;
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash).await);
        assert!(!verify_password("wrong horse battery", &hash).await);
        assert!(!verify_password("correct horse battery", "not a hash").await);
    }

    /// Argon2id is tens of milliseconds of CPU, done on the blocking threads: a hash or a
    /// check is still pending after its first poll, so the async thread that polled it is
    /// free for other requests meanwhile (done inline, that first poll did all of it).
    #[tokio::test]
    async fn hashing_and_checking_passwords_leave_the_async_thread_free() {
        use std::future::Future;
        use std::task::Poll;
        async fn pending_at_first_poll<T>(work: impl Future<Output = T>) -> (bool, T) {
            let mut work = std::pin::pin!(work);
            let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx).is_pending())).await;
            (first, work.await)
        }
        let (pending, hash) = pending_at_first_poll(hash_password("correct horse battery")).await;
        assert!(pending, "hashing finished in its first poll: it ran on the async thread");
        let (pending, right) = pending_at_first_poll(verify_password("correct horse battery", &hash)).await;
        assert!(pending && right, "checking finished in its first poll: it ran on the async thread");
    }
}

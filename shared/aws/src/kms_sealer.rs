//! The sealer port on KMS: `Encrypt` and `Decrypt` under the deployment's key, with the
//! context (the org) as the encryption context, so a sealed secret opens only for its org
//! and CloudTrail records every use.

use async_trait::async_trait;
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::Client;

use roster_app::ports::{SealError, Sealer};

#[derive(Clone)]
pub struct KmsSealer {
    client: Client,
    key_id: String,
}

impl KmsSealer {
    pub fn new(client: Client, key_id: &str) -> Self {
        KmsSealer {
            client,
            key_id: key_id.to_string(),
        }
    }
}

/// Requests KMS refuses for what was sent (a tampered value, another org's context, a key
/// that is not this one) will not succeed by retrying; anything else may.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(error: aws_sdk_kms::error::SdkError<E>) -> SealError {
    match error.as_service_error().and_then(|e| e.code()) {
        Some("InvalidCiphertextException" | "IncorrectKeyException" | "InvalidKeyUsageException") => SealError::Unopenable,
        _ => SealError::Unavailable(aws_sdk_kms::error::DisplayErrorContext(&error).to_string()),
    }
}

#[async_trait]
impl Sealer for KmsSealer {
    async fn seal(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, SealError> {
        let output = self
            .client
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(plain))
            .encryption_context("roster:org", context)
            .send()
            .await
            .map_err(classify)?;
        Ok(output.ciphertext_blob().map(|b| b.as_ref().to_vec()).unwrap_or_default())
    }

    async fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, SealError> {
        let output = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(sealed))
            .encryption_context("roster:org", context)
            .send()
            .await
            .map_err(classify)?;
        output.plaintext().map(|b| b.as_ref().to_vec()).ok_or(SealError::Unopenable)
    }
}

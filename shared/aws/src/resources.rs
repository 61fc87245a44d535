//! Creates what the SAM template would (table, queues with dead-letter queues, SES sender
//! identity and configuration set) for running against an emulator or a bare account.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use aws_sdk_sqs::types::QueueAttributeName;

use roster_app::ports::IndexName;

use crate::config::{AwsConfig, QueueRef};
use crate::dynamo_store::{index_attributes, projects_keys_only};

/// How many receives before a message moves to its dead-letter queue.
pub const MAX_RECEIVES: u32 = 5;
/// How long a received message stays hidden from other consumers, in seconds.
pub const VISIBILITY_TIMEOUT_SECONDS: u32 = 60;

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and type set")
}

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type set")
}

/// The table with its two indexes (on-demand capacity). An existing table is kept.
pub async fn create_table(sdk: &SdkConfig, table: &str) -> Result<(), String> {
    let client = aws_sdk_dynamodb::Client::new(sdk);
    if client.describe_table().table_name(table).send().await.is_ok() {
        return Ok(());
    }
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .attribute_definitions(string_attribute("PK"))
        .attribute_definitions(string_attribute("SK"));
    let indexes = IndexName::ALL;
    // Each attribute defined once: GSI4 and GSI5 share GSI1's partition attribute.
    let attributes: std::collections::BTreeSet<&str> = indexes
        .iter()
        .flat_map(|index| <[&str; 2]>::from(index_attributes(*index)))
        .collect();
    for name in attributes {
        request = request.attribute_definitions(string_attribute(name));
    }
    for index in indexes {
        let (pk, sk) = index_attributes(index);
        let projection = if projects_keys_only(index) {
            ProjectionType::KeysOnly
        } else {
            ProjectionType::All
        };
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.as_str())
                .key_schema(key(pk, KeyType::Hash))
                .key_schema(key(sk, KeyType::Range))
                .projection(Projection::builder().projection_type(projection).build())
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    request.send().await.map_err(|e| e.into_service_error().to_string())?;
    Ok(())
}

/// The job queues, each with a dead-letter queue and a redrive policy.
pub async fn create_queues(sdk: &SdkConfig, config: &AwsConfig) -> Result<(), String> {
    create_queues_with(sdk, config, VISIBILITY_TIMEOUT_SECONDS, MAX_RECEIVES).await
}

/// The job queues with a given visibility timeout and receives before the DLQ.
pub async fn create_queues_with(
    sdk: &SdkConfig,
    config: &AwsConfig,
    visibility_timeout_seconds: u32,
    max_receives: u32,
) -> Result<(), String> {
    let client = aws_sdk_sqs::Client::new(sdk);
    for (main, dlq) in [
        (&config.email_queue, &config.email_dlq),
        (&config.import_queue, &config.import_dlq),
        (&config.expiry_queue, &config.expiry_dlq),
    ] {
        let (QueueRef::Name(main), QueueRef::Name(dlq)) = (main, dlq) else {
            continue;
        };
        let dlq_url = client
            .create_queue()
            .queue_name(dlq)
            .send()
            .await
            .map_err(|e| e.into_service_error().to_string())?
            .queue_url()
            .unwrap_or_default()
            .to_string();
        let dlq_arn = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| e.into_service_error().to_string())?
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .ok_or("the dead-letter queue has no ARN")?;
        let redrive = serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}).to_string();
        client
            .create_queue()
            .queue_name(main)
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(QueueAttributeName::VisibilityTimeout, visibility_timeout_seconds.to_string())
            .send()
            .await
            .map_err(|e| e.into_service_error().to_string())?;
    }
    Ok(())
}

/// A new symmetric KMS key for sealing SSO client secrets (local AWS mode and tests; a
/// deployment's template makes its own): answers its id.
pub async fn create_sealing_key(sdk: &SdkConfig) -> Result<String, String> {
    let created = aws_sdk_kms::Client::new(sdk)
        .create_key()
        .description("Roster: seals SSO client secrets")
        .send()
        .await
        .map_err(|e| aws_sdk_kms::error::DisplayErrorContext(&e).to_string())?;
    created
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .ok_or_else(|| "CreateKey answered no key".to_string())
}

/// The sender's SES identity and the configuration set; ones that exist are kept.
pub async fn create_mail_identity(sdk: &SdkConfig, config: &AwsConfig) -> Result<(), String> {
    let client = aws_sdk_sesv2::Client::new(sdk);
    kept(
        client
            .create_email_identity()
            .email_identity(sender_address(&config.mail_from))
            .send()
            .await
            .map_err(|e| e.into_service_error()),
    )?;
    if let Some(set) = &config.configuration_set {
        kept(
            client
                .create_configuration_set()
                .configuration_set_name(set)
                .send()
                .await
                .map_err(|e| e.into_service_error()),
        )?;
    }
    Ok(())
}

/// Success, or "already exists": as `AlreadyExistsException` or, from some endpoints, a
/// resource-specific code such as `ConfigurationSetAlreadyExistsException`.
fn kept<T, E: aws_sdk_sesv2::error::ProvideErrorMetadata + std::fmt::Display>(result: Result<T, E>) -> Result<(), String> {
    match result {
        Ok(_) => Ok(()),
        Err(error) if error.code().is_some_and(|code| code.ends_with("AlreadyExistsException")) => Ok(()),
        Err(error) => Err(format!("{error} ({})", error.code().unwrap_or("no code"))),
    }
}

/// `Name <a@b>` → `a@b`.
pub fn sender_address(from: &str) -> String {
    match (from.find('<'), from.rfind('>')) {
        (Some(start), Some(end)) if start < end => from[start + 1..end].trim().to_string(),
        _ => from.trim().to_string(),
    }
}

/// Everything above.
pub async fn create_all(sdk: &SdkConfig, config: &AwsConfig) -> Result<(), String> {
    create_table(sdk, &config.table_name).await?;
    create_queues(sdk, config).await?;
    create_mail_identity(sdk, config).await
}

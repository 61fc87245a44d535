//! The queue port on SQS: one queue per job kind, each with a dead-letter queue its
//! redrive policy moves a message to after a bounded number of receives.

use async_trait::async_trait;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry};
use aws_sdk_sqs::Client;

use roster_app::ports::{Queue, QueueError, QueueName, ReceivedMessage};

/// The URLs of the job queues and their dead-letter queues.
#[derive(Debug, Clone)]
pub struct QueueUrls {
    pub email: String,
    pub email_dlq: Option<String>,
    pub import: String,
    pub import_dlq: Option<String>,
    pub expiry: String,
    pub expiry_dlq: Option<String>,
}

#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    urls: QueueUrls,
    /// Long-poll wait for `receive`, in seconds (0 answers at once).
    wait_seconds: i32,
}

fn unavailable(error: impl std::fmt::Display) -> QueueError {
    QueueError::Unavailable(error.to_string())
}

impl SqsQueue {
    pub fn new(client: Client, urls: QueueUrls, wait_seconds: i32) -> Self {
        SqsQueue {
            client,
            urls,
            wait_seconds,
        }
    }

    fn url(&self, queue: QueueName) -> &str {
        match queue {
            QueueName::Email => &self.urls.email,
            QueueName::Import => &self.urls.import,
            QueueName::Expiry => &self.urls.expiry,
        }
    }

    fn dlq_url(&self, queue: QueueName) -> Option<&str> {
        match queue {
            QueueName::Email => self.urls.email_dlq.as_deref(),
            QueueName::Import => self.urls.import_dlq.as_deref(),
            QueueName::Expiry => self.urls.expiry_dlq.as_deref(),
        }
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(self.url(queue))
            .message_body(body)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        Ok(())
    }

    async fn send_batch(&self, queue: QueueName, bodies: &[String]) -> Result<(), QueueError> {
        for chunk in bodies.chunks(10) {
            let entries = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(unavailable)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let output = self
                .client
                .send_message_batch()
                .queue_url(self.url(queue))
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| unavailable(e.into_service_error()))?;
            if let Some(failed) = output.failed().first() {
                return Err(unavailable(format!(
                    "{} of {} messages not sent: {}",
                    output.failed().len(),
                    chunk.len(),
                    failed.message().unwrap_or(failed.code())
                )));
            }
        }
        Ok(())
    }

    async fn receive(&self, queue: QueueName, max: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        let output = self
            .client
            .receive_message()
            .queue_url(self.url(queue))
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(self.wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        Ok(output
            .messages()
            .iter()
            .filter_map(|m| {
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
                Some(ReceivedMessage {
                    id: m.message_id()?.to_string(),
                    body: m.body()?.to_string(),
                    receipt: m.receipt_handle()?.to_string(),
                    receive_count,
                })
            })
            .collect())
    }

    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(self.url(queue))
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        Ok(())
    }

    async fn dead_letter_count(&self, queue: QueueName) -> Result<u64, QueueError> {
        let Some(url) = self.dlq_url(queue) else { return Ok(0) };
        let output = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| unavailable(e.into_service_error()))?;
        Ok(output
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }
}

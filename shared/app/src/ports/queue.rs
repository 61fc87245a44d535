//! The queue port: durable at-least-once job queues with a dead-letter queue each.

use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    Email,
    Import,
    Expiry,
}

impl QueueName {
    pub const ALL: [QueueName; 3] = [QueueName::Email, QueueName::Import, QueueName::Expiry];
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Email => "email",
            QueueName::Import => "import",
            QueueName::Expiry => "expiry",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub id: String,
    pub body: String,
    /// Handle to acknowledge this delivery with.
    pub receipt: String,
    /// How many times this message has been handed out, this time included.
    pub receive_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError>;
    /// Sends several messages at once (SQS `SendMessageBatch`, 10 a call): all or, on an
    /// error, some of them; a caller that must not lose one keeps it due elsewhere.
    async fn send_batch(&self, queue: QueueName, bodies: &[String]) -> Result<(), QueueError>;
    /// Hands out up to `max` visible messages and hides them for the visibility timeout.
    /// A message handed out too often moves to the queue's dead-letter queue instead.
    async fn receive(&self, queue: QueueName, max: usize) -> Result<Vec<ReceivedMessage>, QueueError>;
    /// Deletes a handled message.
    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError>;
    /// Deletes several handled messages (one write where the queue allows it).
    async fn ack_batch(&self, queue: QueueName, receipts: &[String]) -> Result<(), QueueError> {
        for receipt in receipts {
            self.ack(queue, receipt).await?;
        }
        Ok(())
    }
    /// How many messages wait in the queue's dead-letter queue.
    async fn dead_letter_count(&self, queue: QueueName) -> Result<u64, QueueError>;
}

/// For functions that send no message (their facts name no queue): any use is an error,
/// which the IAM policy would refuse anyway.
pub struct NoQueue;

#[async_trait]
impl Queue for NoQueue {
    async fn send(&self, queue: QueueName, _: &str) -> Result<(), QueueError> {
        Err(not_held(queue))
    }
    async fn send_batch(&self, queue: QueueName, _: &[String]) -> Result<(), QueueError> {
        Err(not_held(queue))
    }
    async fn receive(&self, queue: QueueName, _: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        Err(not_held(queue))
    }
    async fn ack(&self, queue: QueueName, _: &str) -> Result<(), QueueError> {
        Err(not_held(queue))
    }
    async fn dead_letter_count(&self, queue: QueueName) -> Result<u64, QueueError> {
        Err(not_held(queue))
    }
}

fn not_held(queue: QueueName) -> QueueError {
    QueueError::Unavailable(format!("this function uses no queue (asked for the {} queue)", queue.as_str()))
}

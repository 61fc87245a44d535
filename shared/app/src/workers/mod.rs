//! The workers (SPEC §4): queue consumers and scheduled sweeps, each a function that
//! handles one message or one run, so Lambdas, the local server and tests drive them alike.

pub mod email_sender;
pub mod expiry;
pub mod import_processor;
pub mod pages;
pub mod sweeps;

use crate::app::App;
use crate::deadline::Deadline;
use crate::error::{AppError, AppResult};
use crate::ports::QueueName;

/// What a queue handler made of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Done (or nothing to do): delete the message.
    Done,
    /// Failed for now: leave it, so the queue hands it out again (and to the DLQ at last).
    Retry(String),
}

/// Handles one message of `queue`. Work that would run past `deadline` stops at a
/// checkpoint and continues in a new message (an import, or releasing what a freeze held).
pub async fn handle_message(app: &App, queue: QueueName, body: &str, deadline: Deadline) -> MessageOutcome {
    let result = match queue {
        QueueName::Email => email_sender::handle(app, body).await,
        QueueName::Import => import_processor::handle(app, body, deadline).await,
        QueueName::Expiry => expiry::handle(app, body, deadline).await,
    };
    outcome(queue, result)
}

/// Handles messages of `queue` received together, answering each one's outcome in order:
/// emails as one batch (their entries claimed, and marked sent, a write for all), the
/// others one by one.
pub async fn handle_messages(app: &App, queue: QueueName, bodies: &[&str], deadline: Deadline) -> Vec<MessageOutcome> {
    match queue {
        QueueName::Email => email_sender::handle_batch(app, bodies, deadline)
            .await
            .into_iter()
            .map(|result| outcome(queue, result))
            .collect(),
        _ => {
            let mut outcomes = Vec::with_capacity(bodies.len());
            for body in bodies {
                outcomes.push(handle_message(app, queue, body, deadline).await);
            }
            outcomes
        }
    }
}

fn outcome(queue: QueueName, result: AppResult<()>) -> MessageOutcome {
    match result {
        Ok(()) => MessageOutcome::Done,
        Err(AppError::MalformedMessage(reason)) => {
            tracing::error!(queue = queue.as_str(), %reason, "dropping a message that can never be handled");
            MessageOutcome::Done
        }
        Err(error) => {
            tracing::warn!(queue = queue.as_str(), %error, "message failed; it will be retried");
            MessageOutcome::Retry(error.to_string())
        }
    }
}

/// Receives and handles what `queue` holds now, once; answers how many were handled.
/// Each message gets `AppConfig::message_time_budget`. Failed messages stay for
/// redelivery after the visibility timeout.
pub async fn drain_once(app: &App, queue: QueueName) -> AppResult<usize> {
    let mut handled = 0;
    loop {
        let messages = app.queue.receive(queue, 10).await?;
        if messages.is_empty() {
            return Ok(handled);
        }
        let outcomes = match queue {
            QueueName::Email => {
                let bodies: Vec<&str> = messages.iter().map(|m| m.body.as_str()).collect();
                handle_messages(app, queue, &bodies, Deadline::after(app.config.message_time_budget)).await
            }
            // Long work (an import) gets the whole budget for each of its messages.
            _ => {
                let mut outcomes = Vec::with_capacity(messages.len());
                for message in &messages {
                    let deadline = Deadline::after(app.config.message_time_budget);
                    outcomes.push(handle_message(app, queue, &message.body, deadline).await);
                }
                outcomes
            }
        };
        let done: Vec<String> = messages
            .iter()
            .zip(outcomes)
            .filter(|(_, outcome)| *outcome == MessageOutcome::Done)
            .map(|(message, _)| message.receipt.clone())
            .collect();
        app.queue.ack_batch(queue, &done).await?;
        handled += done.len();
    }
}

pub(crate) fn parse_message<T: serde::de::DeserializeOwned>(body: &str) -> AppResult<T> {
    serde_json::from_str(body).map_err(|e| AppError::MalformedMessage(e.to_string()))
}

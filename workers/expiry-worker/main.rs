//! Lambda: SQS consumer: marks lapsed invitations expired and unlicenses members whose license end passed.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_queue_worker(roster_lambda::QueueName::Expiry).await
}

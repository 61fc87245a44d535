//! Lambda: SQS consumer: processes bulk imports.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_queue_worker(roster_lambda::QueueName::Import).await
}

//! Lambda: SQS consumer: renders and sends emails.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_worker::<roster_lambda::EmailSender>().await
}

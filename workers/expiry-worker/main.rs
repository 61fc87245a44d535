//! Lambda: SQS consumer: marks lapsed invitations expired, unlicenses members whose license end passed, releases what an ended freeze held.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_worker::<roster_lambda::ExpiryWorker>().await
}

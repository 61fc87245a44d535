//! Lambda: SQS consumer: processes bulk imports.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_worker::<roster_lambda::ImportProcessor>().await
}

//! Lambda: scheduled run: sends expiry jobs for everything due to the expiry queue.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_worker::<roster_lambda::ExpiryScheduler>().await
}

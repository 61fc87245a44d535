//! Lambda: scheduled run: sends expiry jobs for everything due to the expiry queue.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_sweep(roster_lambda::Sweep::ExpiryScheduler).await
}

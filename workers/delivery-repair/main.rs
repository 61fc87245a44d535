//! Lambda: scheduled sweep: re-queues emails and imports left pending.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_worker::<roster_lambda::DeliveryRepair>().await
}

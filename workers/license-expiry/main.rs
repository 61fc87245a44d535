//! Lambda: scheduled sweep: unlicenses members whose license end passed.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_sweep(roster_lambda::Sweep::LicenseExpiry).await
}

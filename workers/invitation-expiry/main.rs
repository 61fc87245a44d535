//! Lambda: scheduled sweep: marks lapsed invitations expired.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_sweep(roster_lambda::Sweep::InvitationExpiry).await
}

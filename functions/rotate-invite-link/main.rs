//! Lambda for `POST /v1/orgs/{org}/invite-link/rotate`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::RotateInviteLink>().await
}

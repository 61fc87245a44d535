//! Lambda for `POST /v1/orgs/{org}/invitations/preview`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::PreviewInvitations>().await
}

//! Lambda for `GET /v1/invitations/{token}`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::GetInvitation>().await
}

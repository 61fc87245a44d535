//! Lambda for `POST /v1/auth/sso/session`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::CollectSsoSession>().await
}

//! Lambda for `GET /v1/auth/sso/callback`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::FinishSso>().await
}

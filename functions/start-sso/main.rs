//! Lambda for `GET /v1/auth/sso/start`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::StartSso>().await
}

//! Lambda for `POST /v1/me/password`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::ChangePassword>().await
}

//! Lambda for `POST /v1/email-confirmations`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::ConfirmEmail>().await
}

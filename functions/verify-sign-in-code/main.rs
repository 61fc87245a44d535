//! Lambda for `POST /v1/auth/otp/verify`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::VerifySignInCode>().await
}

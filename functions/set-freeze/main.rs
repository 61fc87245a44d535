//! Lambda for `PUT /v1/orgs/{org}/freeze`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::SetFreeze>().await
}

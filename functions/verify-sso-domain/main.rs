//! Lambda for `POST /v1/orgs/{org}/sso/domains/{domain}/verify`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::VerifySsoDomain>().await
}

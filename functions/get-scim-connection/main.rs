//! Lambda for `GET /v1/orgs/{org}/scim/token`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::GetScimConnection>().await
}

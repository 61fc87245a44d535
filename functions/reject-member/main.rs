//! Lambda for `POST /v1/orgs/{org}/members/{member}/reject`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::RejectMember>().await
}

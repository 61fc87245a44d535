//! Lambda for `GET /v1/orgs/{org}/imports/template.csv`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::ImportTemplate>().await
}

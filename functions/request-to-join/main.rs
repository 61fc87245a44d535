//! Lambda for `POST /v1/join/{code}`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::RequestToJoin>().await
}

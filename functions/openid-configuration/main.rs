//! Lambda for `GET /.well-known/openid-configuration`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::OpenIdConfiguration>().await
}

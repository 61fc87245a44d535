//! Lambda for `POST /scim/v2/Users`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::ScimCreateUser>().await
}

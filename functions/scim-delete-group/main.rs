//! Lambda for `DELETE /scim/v2/Groups/{id}`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::ScimDeleteGroup>().await
}

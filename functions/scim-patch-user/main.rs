//! Lambda for `PATCH /scim/v2/Users/{id}`.

#[tokio::main]
async fn main() -> Result<(), roster_lambda::Error> {
    roster_lambda::run_endpoint::<roster_http::endpoints::ScimPatchUser>().await
}

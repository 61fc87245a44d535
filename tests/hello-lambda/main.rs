//! Hello world on Lambda: the smallest API Gateway function the same runtime crates make.

use lambda_http::{service_fn, Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async {
        Ok::<_, Error>(Response::builder().status(200).body(Body::Text("hello".into()))?)
    }))
    .await
}

//! Prints the OpenAPI document: `cargo run -q -p roster-http --example openapi >
//! shared/http/openapi.json`.

fn main() {
    let document = roster_http::openapi::document();
    println!("{}", serde_json::to_string_pretty(&document).expect("the document is JSON"));
}

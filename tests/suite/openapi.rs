//! The OpenAPI document is generated from the route table and the types (`roster_http::openapi`);
//! the committed copy is that document, and it names exactly the routes that exist.

use std::collections::BTreeSet;

use roster_tests::TestApp;

#[tokio::test]
async fn the_openapi_document_and_the_route_table_agree() {
    let t = TestApp::new();
    let answer = t.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(answer.status, 200);
    let doc = answer.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = roster_http::ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let invented: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
    assert!(
        invented.is_empty(),
        "the OpenAPI document names routes that don't exist: {invented:?}"
    );
    // Every schema reference resolves.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"").skip(1).map(|rest| rest.split('"').next().unwrap()) {
        let pointer = reference.trim_start_matches('#');
        assert!(doc.pointer(pointer).is_some(), "dangling reference {reference}");
    }
}

/// `shared/http/openapi.json` (served, and what the console's client is generated from) is
/// the generated document.
#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let committed: serde_json::Value = serde_json::from_str(roster_http::OPENAPI_JSON).unwrap();
    assert!(
        committed == roster_http::openapi::document(),
        "shared/http/openapi.json is stale: run `cargo run -q -p roster-http --example openapi > shared/http/openapi.json` (then `npm run gen:api` in console/)"
    );
}

/// The error codes are one closed list (`roster_domain::ErrorCode`): the OpenAPI document's
/// `ErrorCode` schema and the README's error table are that list, in its order.
#[test]
fn the_error_codes_are_one_list_in_the_document_and_the_readme() {
    use roster_domain::ErrorCode;
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../shared/http/openapi.json")).unwrap();
    let documented: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let listed: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        documented, listed,
        "shared/http/openapi.json's ErrorCode enum is not ErrorCode::ALL"
    );
    for pointer in [
        "/components/schemas/Problem/properties/code",
        "/components/schemas/FieldError/properties/code",
        "/components/schemas/ImportFailure/properties/code",
        "/components/schemas/BulkEditFailure/properties/code",
    ] {
        assert_eq!(doc.pointer(pointer).unwrap()["$ref"], "#/components/schemas/ErrorCode", "{pointer}");
    }

    let readme = include_str!("../../README.md");
    let table = readme
        .split("<!-- error-codes:start -->\n")
        .nth(1)
        .and_then(|rest| rest.split("<!-- error-codes:end -->").next())
        .expect("README.md has the error-code table between its markers");
    let expected: String = ["| code | status | meaning |\n|---|---|---|\n".to_string()]
        .into_iter()
        .chain(
            ErrorCode::ALL
                .iter()
                .map(|c| format!("| `{}` | {} | {} |\n", c.as_str(), c.status(), c.meaning())),
        )
        .collect();
    assert_eq!(table, expected, "README.md's error table is stale; it should read:\n{expected}");
}

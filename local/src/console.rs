//! The pages people use, embedded in the binary: the admin console at `/` and the
//! invitation, join and email-confirmation pages at `/invite/{token}`, `/join/{code}` and
//! `/confirm-email/{token}` (the URLs the emails carry). One single-page app built from `console/` (its `dist/` is committed and checked
//! for staleness by `scripts/console-test.sh`), so `cargo run -p roster-local` needs no npm.

use bytes::Bytes;
use http::{header, Method, Response, StatusCode};

const INDEX_HTML: &[u8] = include_bytes!("../../console/dist/index.html");
const APP_JS: &[u8] = include_bytes!("../../console/dist/assets/app.js");
const APP_CSS: &[u8] = include_bytes!("../../console/dist/assets/app.css");

/// The pages may load only their own script and style, and show the QR code's data URL.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Whether `path` belongs to the API rather than the pages.
fn is_api(path: &str) -> bool {
    path.starts_with("/v1/") || path == "/v1" || path.starts_with("/.well-known/") || path.starts_with("/scim/")
}

/// The console's answer to a GET of `path`, or `None` when the path is the API's.
pub fn page(method: &Method, path: &str) -> Option<Response<Bytes>> {
    if (method != Method::GET && method != Method::HEAD) || is_api(path) {
        return None;
    }
    let (content_type, body, cache) = match path {
        "/assets/app.js" => ("text/javascript; charset=utf-8", APP_JS, "no-cache"),
        "/assets/app.css" => ("text/css; charset=utf-8", APP_CSS, "no-cache"),
        // Every other path is a page of the single-page app, which routes it itself.
        _ => ("text/html; charset=utf-8", INDEX_HTML, "no-store"),
    };
    let response = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, cache)
        .header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "no-referrer")
        .body(Bytes::from_static(body))
        .expect("a valid response");
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_serve_the_app_and_api_paths_are_left_alone() {
        for path in ["/", "/invite/abc", "/join/ABCDEFGH12", "/confirm-email/abc", "/members/01J"] {
            let response = page(&Method::GET, path).unwrap();
            assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
            assert!(response.body().starts_with(b"<!"), "{path}");
        }
        assert_eq!(
            page(&Method::GET, "/assets/app.js").unwrap().headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        for path in ["/v1/orgs", "/.well-known/jwks.json", "/scim/v2/Users"] {
            assert!(page(&Method::GET, path).is_none(), "{path}");
        }
        assert!(page(&Method::POST, "/").is_none());
    }
}

//! The browser client: `GET /` and the files of `web/`, embedded at build time. Nothing else: the
//! routes in spin.toml send only these paths here (tests/api/infrastructure.rs checks both lists).
//! In AWS its function also gets `/health` (the Lambda Web Adapter's readiness check, added to
//! every function's manifest), answered like the other components do.
use bytes::Bytes;
use spin_sdk::http::{FullBody, IntoResponse, Request};

/// Every file served: (path, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("../../../web/index.html")),
    ("/app.js", "text/javascript; charset=utf-8", include_bytes!("../../../web/app.js")),
    ("/api.js", "text/javascript; charset=utf-8", include_bytes!("../../../web/api.js")),
    ("/config.js", "text/javascript; charset=utf-8", include_bytes!("../../../web/config.js")),
    ("/style.css", "text/css; charset=utf-8", include_bytes!("../../../web/style.css")),
];

/// The page's policy: its own scripts and styles only; API calls to its origin or, in
/// development (`?api=`), to loopback.
const CSP: &str = "default-src 'self'; img-src 'self' data:; connect-src 'self' http://127.0.0.1:* \
                   http://localhost:* https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

#[spin_sdk::http_service]
async fn handle(request: Request) -> impl IntoResponse {
    let if_none_match = request.headers().get("if-none-match").and_then(|v| v.to_str().ok());
    let (status, headers, body) = respond(request.method().as_str(), request.uri().path(), if_none_match);
    let mut response = http::Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.body(FullBody::new(Bytes::from_static(body))).expect("static headers are valid")
}

/// The answer to `method path`: status, headers and body.
pub fn respond(
    method: &str,
    path: &str,
    if_none_match: Option<&str>,
) -> (u16, Vec<(&'static str, String)>, &'static [u8]) {
    if path == "/health" {
        let body: &[u8] = br#"{"component":"web","status":"ok"}"#;
        return (200, vec![("content-type", "application/json".into())], body);
    }
    let Some(&(_, content_type, body)) = FILES.iter().find(|f| f.0 == path) else {
        let body: &[u8] = br#"{"error":{"code":"not_found","message":"no such file"}}"#;
        return (404, vec![("content-type", "application/json".into())], body);
    };
    if method != "GET" && method != "HEAD" {
        let body: &[u8] = br#"{"error":{"code":"method_not_allowed","message":"use GET"}}"#;
        return (405, vec![("content-type", "application/json".into()), ("allow", "GET, HEAD".into())], body);
    }
    let etag = etag(body);
    // Unversioned file names: the browser may keep a copy but must revalidate it (a 304 is cheap).
    let mut headers = vec![
        ("cache-control", "no-cache".to_owned()),
        ("etag", etag.clone()),
        ("x-content-type-options", "nosniff".to_owned()),
        ("referrer-policy", "no-referrer".to_owned()),
    ];
    if path == "/" {
        headers.push(("content-security-policy", CSP.to_owned()));
    }
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        return (304, headers, b"");
    }
    headers.push(("content-type", content_type.to_owned()));
    headers.push(("content-length", body.len().to_string()));
    (200, headers, if method == "HEAD" { b"" } else { body })
}

/// A strong ETag from the bytes (FNV-1a, 64 bit; microseconds for these few kilobytes).
fn etag(body: &[u8]) -> String {
    let hash = body
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3));
    format!("\"{hash:016x}\"")
}

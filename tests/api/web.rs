//! The web component: `/` and the files of web/, byte for byte, with their content types and
//! cache headers; revalidation; nothing else.
use api_tests::{repo_root, spawn_app};

fn header<'a>(r: &'a api_tests::TestResponse, name: &str) -> &'a str {
    r.headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or_default()
}

#[test]
fn serves_the_page_and_its_files_with_types_and_cache_headers() {
    let app = spawn_app();
    for (path, file, content_type) in [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/api.js", "api.js", "text/javascript; charset=utf-8"),
        ("/config.js", "config.js", "text/javascript; charset=utf-8"),
        ("/style.css", "style.css", "text/css; charset=utf-8"),
    ] {
        let r = app.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.text, std::fs::read_to_string(repo_root().join("web").join(file)).unwrap(), "{path}");
        assert_eq!(header(&r, "content-type"), content_type, "{path}");
        assert_eq!(header(&r, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        let etag = header(&r, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() == 18, "{path}: etag {etag:?}");
        // A cached copy is revalidated with a 304 and no body; a stale one gets the file.
        let again = app.send("GET", path, &[("if-none-match", &etag)], None);
        assert_eq!(again.status, 304, "{path}");
        assert!(again.text.is_empty());
        let stale = app.send("GET", path, &[("if-none-match", "\"0000000000000000\"")], None);
        assert_eq!(stale.status, 200, "{path}");
    }
    let page = app.get("/");
    assert!(header(&page, "content-security-policy").contains("default-src 'self'"));
}

#[test]
fn only_get_and_head_and_only_the_files() {
    let app = spawn_app();
    let head = app.send("HEAD", "/app.js", &[], None);
    assert_eq!(head.status, 200);
    let post = app.send("POST", "/", &[], Some(b"x"));
    assert_eq!(post.status, 405);
    assert_eq!(post.body["error"]["code"], "method_not_allowed");
    assert_eq!(header(&post, "allow"), "GET, HEAD");
    // Not routed to the web component at all: the gateway's JSON 404.
    for path in ["/index.html", "/web/app.js", "/../Cargo.toml", "/app.js.map"] {
        let r = app.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.body["error"]["code"], "not_found", "{path}");
    }
}

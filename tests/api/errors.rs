use api_tests::{free_port, spawn_app, spawn_app_with_env, unique_email};
use std::time::{Duration, Instant};

fn assert_json_error(r: &api_tests::TestResponse, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["error"]["code"], code, "{}", r.text);
    assert!(r.body["error"]["message"].is_string());
    assert_eq!(r.headers["content-type"], "application/json");
}

#[test]
fn malformed_json_is_400() {
    let app = spawn_app();
    for path in ["/register", "/login"] {
        assert_json_error(&app.post_raw(path, "application/json", b"{\"email\": "), 400, "malformed_json");
        assert_json_error(&app.post_raw(path, "application/json", b"{}"), 400, "malformed_json");
        assert_json_error(&app.post_raw(path, "application/json", b"[1,2]"), 400, "malformed_json");
        assert_json_error(&app.post_raw(path, "application/json", b"\xff\xfe"), 400, "malformed_json");
        assert_json_error(
            &app.post_raw(path, "application/json", br#"{"email": 5, "password": "correct horse"}"#),
            400,
            "malformed_json",
        );
    }
}

#[test]
fn wrong_content_type_is_415() {
    let r = spawn_app().post_raw("/register", "text/plain", b"email=a");
    assert_json_error(&r, 415, "unsupported_media_type");
}

#[test]
fn oversized_body_is_413() {
    let body = format!(r#"{{"email":"a@example.com","password":"{}"}}"#, "x".repeat(20_000));
    let r = spawn_app().post_raw("/register", "application/json", body.as_bytes());
    assert_json_error(&r, 413, "payload_too_large");
}

#[test]
fn wrong_method_is_405_with_allow() {
    let r = spawn_app().get("/register");
    assert_json_error(&r, 405, "method_not_allowed");
    assert_eq!(r.headers["allow"], "POST");
}

#[test]
fn unreachable_dynamodb_is_a_quick_503() {
    let dead = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_app_with_env(&[("AWS_ENDPOINT_URL_DYNAMODB", dead.as_str())]);
    let started = Instant::now();
    let r = app.register(&unique_email("down"), "correct horse battery");
    assert_json_error(&r, 503, "dependency_unavailable");
    assert!(!r.text.contains("127.0.0.1"), "internals stay out of the body: {}", r.text);
    assert!(started.elapsed() < Duration::from_secs(10));
    let r = app.login(&unique_email("down"), "correct horse battery");
    assert_json_error(&r, 503, "dependency_unavailable");
}

#[test]
fn missing_table_is_a_503_not_a_500() {
    let app = spawn_app_with_env(&[("USERS_TABLE", "no-such-table")]);
    let r = app.register(&unique_email("notable"), "correct horse battery");
    assert_json_error(&r, 503, "dependency_unavailable");
    assert!(app.logged("ResourceNotFoundException"), "the cause is logged");
}

use api_tests::spawn_app;

#[test]
fn health_answers_ok_with_a_request_id() {
    let app = spawn_app();
    let r = app.get("/health");
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    let id = r.headers["x-request-id"].to_str().unwrap();
    // The same id is in the component's log line for this request.
    assert!(app.logged(&format!("\"request_id\":\"{id}\"")), "request id {id} not logged");
    // A caller's own id is kept.
    let r = app.send("GET", "/health", &[("x-request-id", "frontend-req-42")], None);
    assert_eq!(r.headers["x-request-id"], "frontend-req-42");
}

#[test]
fn unknown_path_is_a_json_404() {
    let r = spawn_app().get("/nowhere");
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], "not_found");
    assert!(r.headers.contains_key("x-request-id"));
}

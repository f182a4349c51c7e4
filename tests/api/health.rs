use api_tests::spawn_app;

#[test]
fn health_answers_ok_with_a_request_id() {
    let app = spawn_app();
    let r = app.get("/health");
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    assert!(r.headers.get("x-request-id").is_some());
}

#[test]
fn unknown_path_is_a_json_404() {
    let r = spawn_app().get("/nowhere");
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], "not_found");
}

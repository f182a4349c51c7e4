use api_tests::{spawn_app, unique_email};
use serde_json::json;

#[test]
fn register_then_duplicate_is_409() {
    let app = spawn_app();
    let email = unique_email("dup");
    let first = app.register(&email, "correct horse battery");
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["email"], email);
    let id = first.body["id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "a hyphenated UUID");
    assert_eq!(&id[14..15], "4", "UUID version 4");

    let again = app.register(&email, "another password");
    assert_eq!(again.status, 409);
    assert_eq!(again.body["error"]["code"], "email_taken");
    // The same mailbox spelled differently is the same account.
    let shouted = app.register(&format!("  {}  ", email.to_uppercase()), "another password");
    assert_eq!(shouted.status, 409);
}

#[test]
fn stored_item_holds_an_argon2id_hash_and_no_plaintext() {
    let app = spawn_app();
    let email = unique_email("stored");
    let password = "plaintext-canary-4711";
    assert_eq!(app.register(&email, password).status, 201);
    let item = app.user_item(&email).expect("the item was written");
    let hash = item["password_hash"]["S"].as_str().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    let whole_item = item.to_string();
    assert!(!whole_item.contains(password), "plaintext password stored: {whole_item}");
    assert!(item["id"]["S"].is_string());
    app.settle_logs(&["/register"]);
    assert!(!app.logs().contains(password), "plaintext password logged");
}

#[test]
fn login_succeeds_with_the_right_password() {
    let app = spawn_app();
    let email = unique_email("login");
    let registered = app.register(&email, "correct horse battery");
    let r = app.login(&email.to_uppercase(), "correct horse battery");
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["access_token"].is_string());
    assert!(r.body["refresh_token"].is_string());
    assert_eq!(r.body["user_id"], registered.body["id"]);
    assert_eq!(r.body["email"], email);
}

#[test]
fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app();
    let email = unique_email("wrong");
    app.register(&email, "correct horse battery");
    let wrong = app.login(&email, "incorrect horse battery");
    let unknown = app.login(&unique_email("nobody"), "correct horse battery");
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.text, unknown.text, "the bodies must not tell which failed");
    assert_eq!(wrong.body["error"]["code"], "invalid_credentials");
}

#[test]
fn invalid_email_and_weak_password_are_400_and_write_nothing() {
    let app = spawn_app();
    let r = app.register("not-an-email", "correct horse battery");
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "invalid_email");
    let email = unique_email("weak");
    let r = app.register(&email, "short");
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "invalid_password");
    assert!(app.user_item(&email).is_none());
}

#[test]
fn extra_fields_are_refused() {
    let app = spawn_app();
    let email = unique_email("extra");
    let r = app
        .post_json("/register", &json!({"email": email, "password": "correct horse battery", "admin": true}));
    assert_eq!(r.status, 400);
    assert!(app.user_item(&email).is_none());
}

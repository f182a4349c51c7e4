use api_tests::{spawn_app, unique_email};
use serde_json::json;

fn refresh(app: &api_tests::TestApp, token: &str) -> api_tests::TestResponse {
    app.post_json("/token/refresh", &json!({"refresh_token": token}))
}

#[test]
fn login_returns_an_access_token_that_opens_me() {
    let app = spawn_app();
    let (email, _, tokens) = app.signed_up_user("me");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let me = app.send("GET", "/me", &[("authorization", &bearer)], None);
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["email"], email);
    assert_eq!(me.body["id"], tokens["user_id"]);

    let none = app.get("/me");
    assert_eq!(none.status, 401);
    assert_eq!(none.body["error"]["code"], "invalid_token");
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let forged = format!("{}x", bearer);
    assert_eq!(app.send("GET", "/me", &[("authorization", &forged)], None).status, 401);
}

#[test]
fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app();
    let (_, _, tokens) = app.signed_up_user("rotate");
    let first = tokens["refresh_token"].as_str().unwrap();
    let second = refresh(app, first);
    assert_eq!(second.status, 200, "{}", second.text);
    let second_token = second.body["refresh_token"].as_str().unwrap();
    assert_ne!(second_token, first);
    assert!(second.body["access_token"].is_string());

    // The old token no longer works, and presenting it revokes the family...
    let reuse = refresh(app, first);
    assert_eq!(reuse.status, 401);
    assert_eq!(reuse.body["error"]["code"], "invalid_refresh_token");
    // ...so the newest token is dead too.
    assert_eq!(refresh(app, second_token).status, 401);
}

#[test]
fn logout_makes_the_refresh_token_useless() {
    let app = spawn_app();
    let (_, _, tokens) = app.signed_up_user("logout");
    let token = tokens["refresh_token"].as_str().unwrap();
    let out = app.post_json("/logout", &json!({"refresh_token": token}));
    assert_eq!(out.status, 204, "{}", out.text);
    assert_eq!(refresh(app, token).status, 401);
    // Idempotent.
    assert_eq!(app.post_json("/logout", &json!({"refresh_token": token})).status, 204);
}

#[test]
fn refresh_tokens_are_stored_only_as_hashes_with_a_ttl() {
    let app = spawn_app();
    let (_, _, tokens) = app.signed_up_user("hashes");
    let token = tokens["refresh_token"].as_str().unwrap();
    let (family, secret) = token.split_once('.').unwrap();
    let item = app
        .dynamodb("GetItem", &json!({"TableName": "sessions", "Key": {"family_id": {"S": family}}}))["Item"]
        .clone();
    assert!(!item.to_string().contains(secret), "refresh secret stored in clear: {item}");
    let expires: u64 = item["expires_at"]["N"].as_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(expires > now + 29 * 24 * 3600 && expires <= now + 30 * 24 * 3600 + 5);
}

#[test]
fn garbage_refresh_tokens_are_401() {
    let app = spawn_app();
    for t in ["", "abc", "a.b", "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        assert_eq!(refresh(app, t).status, 401, "{t}");
    }
}

#[test]
fn delete_me_checks_the_password_then_removes_account_and_tokens() {
    let app = spawn_app();
    let (email, password, tokens) = app.signed_up_user("delete");
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
    let wrong = app.send("DELETE", "/me", &headers, Some(br#"{"password":"not the password"}"#));
    assert_eq!(wrong.status, 401);
    assert!(app.user_item(&email).is_some());

    let body = json!({"password": password}).to_string();
    let gone = app.send("DELETE", "/me", &headers, Some(body.as_bytes()));
    assert_eq!(gone.status, 204, "{}", gone.text);
    assert!(app.user_item(&email).is_none());
    assert_eq!(refresh(app, tokens["refresh_token"].as_str().unwrap()).status, 401);
    assert_eq!(app.send("GET", "/me", &[("authorization", &bearer)], None).status, 401);
    assert_eq!(app.login(&email, &password).status, 401);
    // The email is free again.
    assert_eq!(app.register(&email, &password).status, 201);
}

#[test]
fn me_allows_only_get_and_delete() {
    let r = spawn_app().post_json("/me", &json!({}));
    assert_eq!(r.status, 405);
    assert_eq!(r.headers["allow"], "GET, DELETE");
    let _ = unique_email("unused");
}

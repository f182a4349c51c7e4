//! Concurrency and hostile input against the real components.

use api_tests::{spawn_app, spawn_app_with_env, unique_email};
use serde_json::json;

#[test]
fn fifty_concurrent_registrations_of_one_email_give_one_account() {
    let app = spawn_app();
    let email = unique_email("race");
    let email = email.as_str();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| s.spawn(move || app.register(email, &format!("race password {i}")).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "{statuses:?}");
    let found = app.dynamodb(
        "Query",
        &json!({"TableName": "users", "KeyConditionExpression": "email = :e",
                "ExpressionAttributeValues": {":e": {"S": email}}}),
    );
    assert_eq!(found["Count"], 1);
}

/// More than a hundred bodies that are malformed, mistyped or hostile.
fn hostile_bodies(email: &str) -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"true".to_vec(),
        b"42".to_vec(),
        b"\"string\"".to_vec(),
        b"[]".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"{\"email\":}".to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        b"{\"email\":\"\xff@example.com\",\"password\":\"correct horse\"}".to_vec(),
        b"{\"email\":\"a@example.com\",\"password\":\"correct horse\"".to_vec(),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
        format!("{{\"email\":{}1{}}}", "[".repeat(500), "]".repeat(500)).into_bytes(),
        vec![b'{'; 16_000],
        vec![0u8; 100],
        b"\xef\xbb\xbf{\"email\":\"a@example.com\",\"password\":\"correct horse\"}".to_vec(),
        br#"{"email":"\ud800@example.com","password":"correct horse battery"}"#.to_vec(),
        br#"{"email":"a@example.com","password":1e999}"#.to_vec(),
        br#"{"email":"a@example.com","password":-0}"#.to_vec(),
        br#"{"email":"a@example.com","password":"correct horse battery"} trailing"#.to_vec(),
        br#"{"email":"a@example.com","password":"correct horse battery"}{}"#.to_vec(),
        br#"{'email':'a@example.com','password':'correct horse battery'}"#.to_vec(),
        br#"{email:"a@example.com",password:"correct horse battery"}"#.to_vec(),
        br#"{"email":"a@example.com","password":"correct horse battery",}"#.to_vec(),
        br#"{"email":"a@example.com" "password":"correct horse battery"}"#.to_vec(),
        b"email=a@example.com&password=correct+horse+battery".to_vec(),
        b"<?xml version=\"1.0\"?><login/>".to_vec(),
        br#"{"email":"a@example.com","password":"correct horse battery","password":{"$ne":1}}"#.to_vec(),
        br#"{"EMAIL":"a@example.com","PASSWORD":"correct horse battery"}"#.to_vec(),
        br#"{"email":["a@example.com"],"password":["correct horse battery"]}"#.to_vec(),
    ];
    let hostile_values = [
        json!(null),
        json!(1),
        json!(true),
        json!([]),
        json!({}),
        json!({"$ne": null}),
        json!({"$gt": ""}),
        json!({"S": "a@example.com"}),
        json!("' OR '1'='1"),
        json!("a@example.com' OR 1=1 --"),
        json!("a@example.com\r\nX-Injected: 1"),
        json!("a@example.com\u{0000}"),
        json!("<script>alert(1)</script>@example.com"),
        json!("${jndi:ldap://x/a}"),
        json!("../../etc/passwd"),
        json!("a".repeat(300)),
        json!(format!("{}@example.com", "a".repeat(70))),
        json!(""),
        json!(" "),
        json!("@"),
    ];
    for v in &hostile_values {
        bodies.push(json!({"email": v, "password": "correct horse battery"}).to_string().into_bytes());
        // Any string of 8 to 128 characters is a valid password, SQL-looking or not.
        let valid_password = v.as_str().is_some_and(|p| (8..=128).contains(&p.chars().count()));
        if !valid_password {
            bodies.push(json!({"email": email, "password": v}).to_string().into_bytes());
        }
        bodies.push(json!({"email": v, "password": v}).to_string().into_bytes());
    }
    for extra in [
        "admin",
        "id",
        "password_hash",
        "__proto__",
        "constructor",
        "Item",
        "TableName",
        "role",
        "is_admin",
        "created_at",
        "user_id",
        "ConditionExpression",
    ] {
        bodies.push(
            json!({"email": email, "password": "correct horse battery", extra: true})
                .to_string()
                .into_bytes(),
        );
    }
    bodies.push(json!({"email": email}).to_string().into_bytes());
    bodies.push(json!({"password": "correct horse battery"}).to_string().into_bytes());
    bodies.push(json!({"email": email, "password": "x".repeat(129)}).to_string().into_bytes());
    bodies.push(json!({"email": email, "password": "password"}).to_string().into_bytes());
    bodies.push(json!({"email": email, "password": "short"}).to_string().into_bytes());
    bodies.push(
        format!(r#"{{"email":"{email}","email":"{email}","password":"correct horse battery"}}"#).into_bytes(),
    );
    bodies
}

#[test]
fn hostile_bodies_get_4xx_json_and_write_nothing() {
    let app = spawn_app();
    let email = unique_email("hostile");
    let bodies = hostile_bodies(&email);
    assert!(bodies.len() >= 100, "{}", bodies.len());
    for path in ["/register", "/login", "/token/refresh", "/logout"] {
        for body in &bodies {
            let r = app.post_raw(path, "application/json", body);
            let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
            assert!((400..500).contains(&r.status), "{path} {shown}: {} {}", r.status, r.text);
            assert!(r.body["error"]["code"].is_string(), "{path} {shown}: {}", r.text);
        }
    }
    assert!(app.user_item(&email).is_none(), "a hostile body created an account");
    assert!(app.user_item("a@example.com").is_none());
    app.settle_logs(&["/register", "/login"]);
    assert!(!app.logs().contains("correct horse battery"), "a password reached the logs");
}

#[test]
fn hostile_headers_are_handled() {
    let app = spawn_app();
    let body = br#"{"email":"a@example.com","password":"correct horse battery"}"#;
    for (name, value) in [
        ("authorization", "Bearer "),
        ("authorization", "Bearer a.b.c"),
        ("authorization", "Basic YTpi"),
        ("x-request-id", "../../../etc/passwd"),
        ("x-forwarded-for", ""),
        ("x-forwarded-for", ",,,,"),
        ("content-type", "application/json; charset=\"utf-16\""),
    ] {
        let r =
            app.send("POST", "/login", &[("content-type", "application/json"), (name, value)], Some(body));
        assert!(r.status < 500, "{name}: {value}: {}", r.text);
        let id = r.headers["x-request-id"].to_str().unwrap();
        assert!(!id.contains('/'), "request id echoed unchecked: {id}");
    }
    let me = app.send("GET", "/me", &[("authorization", "Bearer a.b.c")], None);
    assert_eq!(me.status, 401);
}

#[test]
fn cors_preflight_and_headers_for_allowed_origins_only() {
    let app = spawn_app();
    let preflight = app.send(
        "OPTIONS",
        "/login",
        &[("origin", "https://app.example"), ("access-control-request-method", "POST")],
        None,
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.headers["access-control-allow-origin"], "https://app.example");
    assert!(preflight.headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let other = app.send(
        "OPTIONS",
        "/login",
        &[("origin", "https://evil.example"), ("access-control-request-method", "POST")],
        None,
    );
    assert!(other.headers.get("access-control-allow-origin").is_none());
    let r = app.send("GET", "/health", &[("origin", "https://app.example")], None);
    assert_eq!(r.status, 200);
    let r = app.send(
        "POST",
        "/login",
        &[("origin", "https://app.example"), ("content-type", "application/json")],
        Some(b"{}"),
    );
    assert_eq!(r.headers["access-control-allow-origin"], "https://app.example");
}

#[test]
fn expired_access_tokens_are_refused() {
    // Expiry is checked in whole seconds: a 2 s token is valid for at least 1 s after issue.
    let app = spawn_app_with_env(&[("ACCESS_TOKEN_TTL_SECONDS", "2")]);
    let (_, _, tokens) = app.signed_up_user("expiry");
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    assert_eq!(app.send("GET", "/me", &[("authorization", &bearer)], None).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let r = app.send("GET", "/me", &[("authorization", &bearer)], None);
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "invalid_token");
    // The refresh token still works and gives a fresh access token.
    let fresh = app.post_json("/token/refresh", &json!({"refresh_token": tokens["refresh_token"]}));
    assert_eq!(fresh.status, 200);
}

#[test]
fn no_table_and_no_log_holds_a_password_or_a_secret() {
    let app = spawn_app();
    let email = unique_email("scan");
    let password = "canary-password-Zq7!x";
    assert_eq!(app.register(&email, password).status, 201);
    let login = app.login(&email, password);
    let refresh = login.body["refresh_token"].as_str().unwrap().to_owned();
    let refresh_secret = refresh.split_once('.').unwrap().1.to_owned();
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {access}");
    app.send("GET", "/me", &[("authorization", &bearer)], None);
    app.chat(&access, &json!({"message": "hello"}), "application/json");
    app.post_json("/token/refresh", &json!({"refresh_token": refresh}));
    // a line of the private key's body (the PEM's second line)
    let private_key_line = app_core::config::LOCAL_SIGNING_KEY.lines().nth(1).unwrap();
    let secrets = [password, refresh_secret.as_str(), access.as_str(), private_key_line];
    for table in ["users", "sessions", "throttle", "conversations"] {
        let dump = app.dynamodb("Scan", &json!({"TableName": table})).to_string();
        for secret in secrets {
            assert!(!dump.contains(secret), "table {table} holds a secret");
        }
    }
    app.settle_logs(&["/register", "/login", "/chat"]);
    let logs = app.logs();
    for secret in secrets {
        assert!(!logs.contains(secret), "the logs hold a secret");
    }
}

//! The throttling rule (README, "Throttling") on a stack with a short window.

use api_tests::{spawn_app, spawn_app_with_env, unique_email, TestApp};
use serde_json::json;
use std::time::Duration;

fn login_from(app: &TestApp, email: &str, password: &str, address: &str) -> api_tests::TestResponse {
    let body = json!({"email": email, "password": password}).to_string();
    app.send(
        "POST",
        "/login",
        &[("content-type", "application/json"), ("x-forwarded-for", address)],
        Some(body.as_bytes()),
    )
}

#[test]
fn failed_logins_slow_down_then_block_then_release() {
    let app = spawn_app_with_env(&[
        ("THROTTLE_WINDOW_SECONDS", "10"),
        ("LOGIN_SLOWDOWN_AFTER", "2"),
        ("LOGIN_BLOCK_AFTER", "4"),
    ]);
    // Start at the beginning of a window so it does not roll over mid-test.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    std::thread::sleep(Duration::from_millis(10_000 - (now.as_millis() % 10_000) as u64 + 50));
    let email = unique_email("throttle");
    let password = "right password 123";
    assert_eq!(app.register(&email, password).status, 201);
    let attacker = "10.66.0.1";
    assert_eq!(login_from(&app, &email, "wrong-1", attacker).status, 401);
    assert_eq!(login_from(&app, &email, "wrong-2", attacker).status, 401);
    // Slow-down: the next attempt within a second is refused without checking the password.
    let slowed = login_from(&app, &email, password, attacker);
    assert_eq!(slowed.status, 429, "{}", slowed.text);
    assert_eq!(slowed.body["error"]["code"], "too_many_requests");
    assert_eq!(slowed.headers["retry-after"], "1");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(login_from(&app, &email, "wrong-3", attacker).status, 401);
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(login_from(&app, &email, "wrong-4", attacker).status, 401);
    // Blocked for the rest of the window, even with the right password.
    let blocked = login_from(&app, &email, password, attacker);
    assert_eq!(blocked.status, 429);
    let retry: u64 = blocked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");

    // The real user, from their own address, is not locked out by the attacker.
    assert_eq!(login_from(&app, &email, password, "10.77.0.1").status, 200);

    // And the block lifts by itself when the window ends.
    std::thread::sleep(Duration::from_secs(retry) + Duration::from_millis(200));
    assert_eq!(login_from(&app, &email, password, attacker).status, 200);
}

#[test]
fn registrations_per_address_are_limited() {
    let app = spawn_app();
    let address = "10.99.0.1";
    let statuses: Vec<u16> = (0..12)
        .map(|i| {
            let body =
                json!({"email": unique_email(&format!("reg{i}")), "password": "correct horse battery"})
                    .to_string();
            app.send(
                "POST",
                "/register",
                &[("content-type", "application/json"), ("x-forwarded-for", address)],
                Some(body.as_bytes()),
            )
            .status
        })
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 10, "{statuses:?}");
    assert_eq!(&statuses[10..], &[429, 429]);
}

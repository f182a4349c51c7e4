//! One rule for the client address (the subject of per-address limits) under every runtime: from
//! X-Forwarded-For only when a trusted proxy is in front, from the peer Spin reports when nothing
//! is, and never from a header the client wrote.

use api_tests::{runtime, spawn_app_with_env, unique_email, Runtime};
use serde_json::json;

/// Registrations allowed per address in these stacks: the third from one address is refused.
const LIMIT: &str = "2";

fn register(app: &api_tests::TestApp, headers: &[(&str, &str)]) -> u16 {
    let body = json!({"email": unique_email("addr"), "password": "a long enough password"}).to_string();
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    app.send("POST", "/register", &all, Some(body.as_bytes())).status
}

#[test]
fn forged_headers_do_not_change_the_client_address_with_nothing_in_front() {
    // What `scripts/run` runs: under Spin nothing is in front (the peer address Spin reports);
    // under wasmtime the local gateway is the trusted proxy and appends the peer.
    let rule = match runtime() {
        Runtime::Spin => [("CLIENT_IP_SOURCE", "peer"), ("CLIENT_IP_HOPS", "1")],
        Runtime::Wasmtime => [("CLIENT_IP_SOURCE", "forwarded"), ("CLIENT_IP_HOPS", "1")],
    };
    let app = spawn_app_with_env(&[rule[0], rule[1], ("REGISTRATIONS_PER_ADDRESS", LIMIT)]);
    // Each request claims another address, in every header a client could write.
    let statuses: Vec<u16> = (1..=4)
        .map(|i| {
            let forged = format!("203.0.113.{i}");
            let forged_peer = format!("203.0.113.{i}:4000");
            register(
                &app,
                &[
                    ("x-forwarded-for", &forged),
                    ("spin-client-addr", &forged_peer),
                    ("x-client-addr", &forged),
                ],
            )
        })
        .collect();
    assert_eq!(statuses, [201, 201, 429, 429], "every request counts against the one real peer");
}

#[test]
fn a_trusted_proxy_names_the_client() {
    // The tests' own stacks: the test client acts as the trusted proxy, so the address it puts in
    // X-Forwarded-For is the client's: two addresses, two budgets.
    let app = spawn_app_with_env(&[("REGISTRATIONS_PER_ADDRESS", LIMIT)]);
    let a: Vec<u16> = (0..3).map(|_| register(&app, &[("x-forwarded-for", "198.51.100.1")])).collect();
    let b: Vec<u16> = (0..3).map(|_| register(&app, &[("x-forwarded-for", "198.51.100.2")])).collect();
    assert_eq!(a, [201, 201, 429]);
    assert_eq!(b, [201, 201, 429]);
}

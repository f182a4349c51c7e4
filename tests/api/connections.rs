//! Spin pools outbound HTTP connections; `wasmtime serve` opens one per request. Shown with a
//! counting TCP relay in front of DynamoDB Local: requests made vs connections opened.

use api_tests::{dynamodb_endpoint, runtime, spawn_app_with_env, unique_email, Relay, Runtime};
use std::sync::atomic::Ordering;
use std::time::Duration;

#[test]
fn outbound_connections_per_runtime() {
    let relay = Relay::start(dynamodb_endpoint(), "dynamodb", Duration::ZERO, Default::default());
    let connections = relay.connections;
    let app = spawn_app_with_env(&[("AWS_ENDPOINT_URL_DYNAMODB", &relay.address)]);
    let before = connections.load(Ordering::SeqCst);
    const REQUESTS: usize = 20;
    for _ in 0..REQUESTS {
        // Each registration is two DynamoDB calls (the per-address counter, then the PutItem).
        let r = app.register(&unique_email("conn"), "a long enough password");
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let opened = connections.load(Ordering::SeqCst) - before;
    let calls = 2 * REQUESTS;
    eprintln!("{:?}: {calls} DynamoDB calls over {opened} new connections", runtime());
    match runtime() {
        Runtime::Spin => {
            assert!(opened * 4 <= calls, "Spin should reuse connections: {opened} for {calls} calls")
        }
        Runtime::Wasmtime => {
            assert!(opened >= calls, "wasmtime serve opens one per call: {opened} for {calls}")
        }
    }
}

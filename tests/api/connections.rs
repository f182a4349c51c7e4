//! Spin pools outbound HTTP connections; `wasmtime serve` opens one per request. Shown with a
//! counting TCP relay in front of DynamoDB Local: requests made vs connections opened.

use api_tests::{dynamodb_endpoint, runtime, spawn_app_with_env, unique_email, Runtime};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A relay to `target` that counts the connections it accepts.
fn counting_relay(target: &str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let target = target.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let server = TcpStream::connect(&target).unwrap();
            for (mut from, mut to) in
                [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
            {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    });
    (address, count)
}

#[test]
fn outbound_connections_per_runtime() {
    let (relay, connections) = counting_relay(dynamodb_endpoint());
    let app = spawn_app_with_env(&[("AWS_ENDPOINT_URL_DYNAMODB", &relay)]);
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

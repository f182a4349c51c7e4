//! The floor a login is measured against: one DynamoDB Local GetItem plus a native argon2id verify
//! with the same parameters, nothing else. Prints one JSON line of per-login times (ms).
//!
//!     login-floor <dynamodb endpoint> <email> <password> <rounds>

use app_core::domain::{Password, PasswordHash, PasswordHasher};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, endpoint, email, password, rounds] = &args[..] else {
        panic!("usage: login-floor <dynamodb endpoint> <email> <password> <rounds>")
    };
    let rounds: usize = rounds.parse().unwrap();
    let hasher = PasswordHasher::new();
    let password = Password::parse_candidate(password).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
    let body =
        serde_json::json!({"TableName": "users", "Key": {"email": {"S": email}}, "ConsistentRead": true});
    let mut total = Vec::with_capacity(rounds);
    let mut hashing = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let mut response = agent
            .post(format!("{endpoint}/"))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", "DynamoDB_20120810.GetItem")
            .header("authorization", "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
            .send(body.to_string())
            .unwrap();
        let item: serde_json::Value =
            serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        let stored =
            PasswordHash::from_stored(item["Item"]["password_hash"]["S"].as_str().unwrap().to_owned());
        let hash_started = Instant::now();
        assert!(hasher.verify(&password, Some(&stored)));
        hashing.push(hash_started.elapsed().as_secs_f64() * 1000.0);
        total.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{}", serde_json::json!({"total_ms": total, "hash_ms": hashing}));
}

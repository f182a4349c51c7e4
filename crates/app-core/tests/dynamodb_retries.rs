//! Bounded retries for DynamoDB throttling. DynamoDB Local never throttles, so this uses a
//! scripted transport (a named fake for a fault the real part cannot produce).

mod support;

use app_core::domain::PasswordHasher;
use app_core::Services;
use std::time::{Duration, SystemTime};
use support::{config, ScriptedDynamoDb};

const THROTTLED: (u16, &str) = (
    400,
    r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#,
);

fn run(script: Vec<(u16, &'static str)>) -> (Result<Vec<u8>, String>, u32, Vec<Duration>) {
    let transport = ScriptedDynamoDb::new(script.into_iter().map(|(status, body)| (status, body.to_owned())));
    let config = config(&[]);
    let hasher = PasswordHasher::new();
    let services = Services {
        config: &config,
        transport: &transport,
        hasher: &hasher,
        permissions: &[app_core::permissions::Access {
            table: app_core::permissions::Table::Users,
            index: None,
            action: "GetItem",
        }],
    };
    let result = futures_executor::block_on(services.dynamodb(
        "GetItem",
        &serde_json::json!({"TableName": "users"}),
        SystemTime::now(),
    ))
    .map_err(|e| e.to_string());
    (result, transport.seen.into_inner().len() as u32, transport.slept.into_inner())
}

#[test]
fn throttling_is_retried_with_growing_backoff() {
    let (result, calls, slept) = run(vec![THROTTLED, THROTTLED, (200, "{}")]);
    assert_eq!(result.unwrap(), b"{}");
    assert_eq!(calls, 3);
    assert_eq!(slept.len(), 2);
    assert!(slept[0] >= Duration::from_millis(25) && slept[0] < Duration::from_millis(50));
    assert!(slept[1] >= Duration::from_millis(50) && slept[1] < Duration::from_millis(75));
}

#[test]
fn persistent_throttling_gives_up_after_three_attempts() {
    let (result, calls, _) = run(vec![THROTTLED, THROTTLED, THROTTLED, (200, "{}")]);
    assert!(result.unwrap_err().contains("throttled"));
    assert_eq!(calls, 3);
}

#[test]
fn undeclared_calls_are_refused_before_sending() {
    let transport = ScriptedDynamoDb::ok([serde_json::json!({})]);
    let config = config(&[]);
    let hasher = PasswordHasher::new();
    let services = Services { config: &config, transport: &transport, hasher: &hasher, permissions: &[] };
    let result = futures_executor::block_on(services.dynamodb(
        "DeleteItem",
        &serde_json::json!({"TableName": "users"}),
        SystemTime::now(),
    ));
    let error = result.unwrap_err();
    assert!(error.to_string().contains("undeclared"));
    assert!(transport.seen.into_inner().is_empty());
    // Our fault, not DynamoDB's: 500 internal_error, not 503.
    let api = app_core::ApiError::from(error);
    assert_eq!((api.status(), api.code()), (500, "internal_error"));
}

#[test]
fn client_errors_are_not_retried() {
    let missing = (
        400,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"no table"}"#,
    );
    let (result, calls, _) = run(vec![missing, (200, "{}")]);
    assert!(result.is_err());
    assert_eq!(calls, 1);
}

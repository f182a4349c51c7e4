//! Bounded retries for DynamoDB throttling. DynamoDB Local never throttles, so this uses a
//! scripted transport (a named fake for a fault the real part cannot produce).

use app_core::domain::PasswordHasher;
use app_core::{Config, Services, Transport, TransportError};
use std::cell::RefCell;
use std::time::{Duration, SystemTime};

/// FAKE: answers from a script of (status, body) and records sleeps.
struct ScriptedDynamoDb {
    script: RefCell<Vec<(u16, &'static str)>>,
    calls: RefCell<u32>,
    slept: RefCell<Vec<Duration>>,
}

impl Transport for ScriptedDynamoDb {
    async fn send(
        &self,
        _: http::Request<Vec<u8>>,
        _: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        *self.calls.borrow_mut() += 1;
        let (status, body) = self.script.borrow_mut().remove(0);
        Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap())
    }
    async fn sleep(&self, d: Duration) {
        self.slept.borrow_mut().push(d);
    }
}

const THROTTLED: (u16, &str) = (
    400,
    r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#,
);

fn config() -> Config {
    Config::from_vars(|k| {
        Some(match k {
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => "x".into(),
            "TOKEN_SIGNING_KEY" => app_core::config::LOCAL_SIGNING_KEY.into(),
            "TOKEN_PUBLIC_KEYS" => app_core::config::LOCAL_PUBLIC_KEYS.into(),
            "AWS_ENDPOINT_URL_DYNAMODB" => "http://127.0.0.1:8000".into(),
            _ => return None,
        })
    })
    .unwrap()
}

fn run(script: Vec<(u16, &'static str)>) -> (Result<Vec<u8>, String>, u32, Vec<Duration>) {
    let transport = ScriptedDynamoDb { script: RefCell::new(script), calls: 0.into(), slept: vec![].into() };
    let config = config();
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
    (result, transport.calls.into_inner(), transport.slept.into_inner())
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
    let transport =
        ScriptedDynamoDb { script: RefCell::new(vec![(200, "{}")]), calls: 0.into(), slept: vec![].into() };
    let config = config();
    let hasher = PasswordHasher::new();
    let services = Services { config: &config, transport: &transport, hasher: &hasher, permissions: &[] };
    let result = futures_executor::block_on(services.dynamodb(
        "DeleteItem",
        &serde_json::json!({"TableName": "users"}),
        SystemTime::now(),
    ));
    let error = result.unwrap_err();
    assert!(error.to_string().contains("undeclared"));
    assert_eq!(transport.calls.into_inner(), 0);
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

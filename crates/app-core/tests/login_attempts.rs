//! Taking a refused password attempt back when concurrent attempts changed its pair meanwhile (the
//! end-to-end tests cannot time such a race). A scripted transport stands in for DynamoDB: a named
//! fake for an interleaving the real part cannot be made to produce on demand.

mod support;

use app_core::domain::PasswordHasher;
use app_core::{ApiError, Services};
use serde_json::json;
use std::time::SystemTime;
use support::{config, ScriptedDynamoDb};

const REFUSED: (u16, &str) = (
    400,
    r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
);

/// Counts one attempt whose UpdateItem returns (pair count, address count), then answers the
/// take-backs from `then`. Returns the outcome and the UpdateExpressions sent after the count.
fn attempt(pair: u64, address: u64, then: &[(u16, &str)]) -> (Result<(), ApiError>, Vec<String>) {
    let config = config(&[]);
    let now = SystemTime::now();
    let keys = config.throttle.keys("ada@example.com", "10.1.2.3", app_core::tokens::unix_seconds(now));
    let counted = json!({"Attributes": {
        "key": {"S": keys.login_address}, "count": {"N": address.to_string()},
        keys.login_pair.clone(): {"N": pair.to_string()},
    }});
    let script =
        [(200, counted.to_string())].into_iter().chain(then.iter().map(|(s, b)| (*s, b.to_string())));
    let transport = ScriptedDynamoDb::new(script);
    let hasher = PasswordHasher::new();
    let services = Services {
        config: &config,
        transport: &transport,
        hasher: &hasher,
        permissions: app_core::permissions::LOGIN,
    };
    let result = futures_executor::block_on(services.count_password_attempt(&keys, now)).map(drop);
    assert!(transport.script.borrow().is_empty(), "every scripted answer used");
    let seen = transport.seen.into_inner();
    let updates = seen[1..].iter().map(|(_, b)| b["UpdateExpression"].as_str().unwrap().to_owned()).collect();
    (result, updates)
}

const REMOVE: &str = "REMOVE #pair, #at ADD #count :minus";
const DECREMENT: &str = "ADD #count :minus, #pair :minus";

#[test]
fn a_refused_first_attempt_of_its_pair_removes_the_pair_in_one_write() {
    // The address is blocked (101 > 100); this was the pair's only attempt.
    let (result, updates) = attempt(1, 101, &[(200, "{}")]);
    assert!(matches!(result, Err(ApiError::TooManyRequests { .. })), "{result:?}");
    assert_eq!(updates, [REMOVE]);
}

#[test]
fn when_a_concurrent_attempt_joined_the_pair_the_take_back_decrements_instead() {
    let (result, updates) = attempt(1, 101, &[REFUSED, (200, "{}")]);
    assert!(matches!(result, Err(ApiError::TooManyRequests { .. })), "{result:?}");
    assert_eq!(updates, [REMOVE, DECREMENT]);
}

#[test]
fn a_refused_attempt_on_a_pair_with_failures_decrements_then_removes_if_it_was_reset_meanwhile() {
    // 11 > LOGIN_BLOCK_AFTER (10): the pair is blocked.
    let (result, updates) = attempt(11, 11, &[(200, "{}")]);
    assert!(matches!(result, Err(ApiError::TooManyRequests { .. })), "{result:?}");
    assert_eq!(updates, [DECREMENT]);
    // A success reset the pair meanwhile: the decrement's condition fails; the address's count is
    // still taken back.
    let (result, updates) = attempt(11, 11, &[REFUSED, (200, "{}")]);
    assert!(matches!(result, Err(ApiError::TooManyRequests { .. })), "{result:?}");
    assert_eq!(updates, [DECREMENT, REMOVE]);
    // Both conditions refused (the pair keeps changing): the attempt stays counted, still a 429.
    let (result, updates) = attempt(11, 11, &[REFUSED, REFUSED]);
    assert!(matches!(result, Err(ApiError::TooManyRequests { .. })), "{result:?}");
    assert_eq!(updates, [DECREMENT, REMOVE]);
}

#[test]
fn an_allowed_attempt_writes_nothing_more() {
    let (result, updates) = attempt(1, 1, &[]);
    assert!(result.is_ok(), "{result:?}");
    assert!(updates.is_empty());
}

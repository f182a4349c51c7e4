//! Deleting conversations: unprocessed items of a BatchWriteItem are sent again, with backoff.
//! DynamoDB Local never leaves items unprocessed, so this uses a scripted transport (a named fake
//! for a fault the real part cannot produce); the end-to-end suite deletes against DynamoDB Local.

mod support;

use app_core::conversations::delete_all_conversations_of_user;
use app_core::domain::{PasswordHasher, UserId};
use app_core::permissions::{Access, Table};
use app_core::Services;
use serde_json::{json, Value};
use std::time::SystemTime;
use support::{config, ScriptedDynamoDb};

fn key(sk: String) -> Value {
    json!({"user_id": {"S": "9f0c1b7e-1111-4222-8333-444455556666"}, "sk": {"S": sk}})
}

#[test]
fn every_page_is_deleted_in_batches_of_25_and_unprocessed_items_are_sent_again() {
    let page1: Vec<Value> = (0..30).map(|i| key(format!("turn#a#{i:08}"))).collect();
    let page2: Vec<Value> = (0..3).map(|i| key(format!("conv#{i}"))).collect();
    let script = vec![
        json!({"Items": page1, "LastEvaluatedKey": page1[29]}),
        // The first batch of 25: two left unprocessed, then one, then done.
        json!({"UnprocessedItems": {"conversations": [{"DeleteRequest": {"Key": page1[3]}}, {"DeleteRequest": {"Key": page1[7]}}]}}),
        json!({"UnprocessedItems": {"conversations": [{"DeleteRequest": {"Key": page1[7]}}]}}),
        json!({"UnprocessedItems": {}}),
        json!({}), // the other 5 of page 1
        json!({"Items": page2}),
        json!({}),
    ];
    let transport = ScriptedDynamoDb::ok(script);
    let config = config(&[]);
    let hasher = PasswordHasher::new();
    let permissions: &[Access] = &[
        Access { table: Table::Conversations, index: None, action: "Query" },
        Access { table: Table::Conversations, index: None, action: "BatchWriteItem" },
    ];
    // Only the table name matters to the permission check: the chat table's default name.
    let services = Services { config: &config, transport: &transport, hasher: &hasher, permissions };
    let user = UserId::parse("9f0c1b7e-1111-4222-8333-444455556666").unwrap();
    let deleted = futures_executor::block_on(delete_all_conversations_of_user(
        &services,
        "not-the-conversations-table",
        &user,
        SystemTime::now(),
    ));
    // A table this config does not know is refused by the permission check. The conversations
    // table is known without the chat settings too (register deletes an account's conversations).
    assert!(deleted.unwrap_err().to_string().contains("undeclared"));
    assert!(transport.seen.borrow().is_empty(), "nothing was sent");

    let config = support::config(&[("SAGEMAKER_ENDPOINT_NAME", "e")]);
    let services = Services { config: &config, transport: &transport, hasher: &hasher, permissions };
    let deleted = futures_executor::block_on(delete_all_conversations_of_user(
        &services,
        "conversations",
        &user,
        SystemTime::now(),
    ));
    assert_eq!(deleted.unwrap(), 33);
    let seen = transport.seen.into_inner();
    let ops: Vec<&str> = seen.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "Query",
            "BatchWriteItem",
            "BatchWriteItem",
            "BatchWriteItem",
            "BatchWriteItem",
            "Query",
            "BatchWriteItem"
        ]
    );
    let batch = |i: usize| seen[i].1["RequestItems"]["conversations"].as_array().unwrap().len();
    assert_eq!([batch(1), batch(2), batch(3), batch(4), batch(6)], [25, 2, 1, 5, 3]);
    assert_eq!(seen[2].1["RequestItems"]["conversations"][1]["DeleteRequest"]["Key"], page1[7]);
    assert_eq!(seen[5].1["ExclusiveStartKey"], page1[29], "the second page starts after the first");
    assert_eq!(transport.slept.into_inner().len(), 2, "a backoff before each resend");
}

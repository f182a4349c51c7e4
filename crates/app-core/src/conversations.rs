//! The conversations table, its one home: item mapping, request builders and the operations on it.
//!
//! Partition `user_id` (so every read is scoped to its owner), sort key `sk` = `conv#<id>` for a
//! conversation's summary and `turn#<id>#<seq, 8 digits>` for each turn. Conversation ids are
//! UUIDv7, so `conv#` keys sort by creation time and a page of the list is a key range.

use crate::aws::dynamodb::{number_attr, parse_body, string_attr, DynamoError};
use crate::domain::{ConversationId, UserId};
use crate::store::{backoff, Services, StoreError};
use crate::transport::Transport;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{json, Value};
use std::time::SystemTime;

/// One turn of a conversation: the user's message and the model's reply, stored together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnItem {
    pub seq: u64,
    pub user_message: String,
    pub reply: String,
    pub created_at: u64,
    /// The reply was cut by the token limit.
    pub truncated: bool,
}

/// A conversation's summary row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationItem {
    pub id: ConversationId,
    pub title: String,
    pub created_at: u64,
    pub updated_at: u64,
    pub turns: u64,
}

/// A position in a listing, handed to clients as an opaque string: the base64url of the last sort
/// key returned. Decoding checks the key is one this listing could have produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    pub fn encode(&self) -> String {
        Base64UrlUnpadded::encode_string(self.0.as_bytes())
    }

    /// A cursor of the conversation list (`conv#<id>`).
    pub fn parse_list(raw: &str) -> Option<Cursor> {
        let sk = Self::decode(raw)?;
        let id = ConversationId::parse(sk.strip_prefix("conv#")?)?;
        (sk == format!("conv#{id}")).then_some(Cursor(sk))
    }

    /// A cursor of one conversation's turns (`turn#<id>#<seq>`).
    pub fn parse_turns(raw: &str, id: &ConversationId) -> Option<Cursor> {
        let sk = Self::decode(raw)?;
        let seq = sk.strip_prefix(&format!("turn#{id}#"))?;
        (seq.len() == 8 && seq.bytes().all(|b| b.is_ascii_digit())).then_some(Cursor(sk))
    }

    fn decode(raw: &str) -> Option<String> {
        if raw.is_empty() || raw.len() > 200 {
            return None;
        }
        String::from_utf8(Base64UrlUnpadded::decode_vec(raw).ok()?).ok()
    }
}

/// One page of a listing and where the next begins (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// Request builders and parsers (pure).
pub struct Conversations;

/// Keys read per Query page while deleting (four batches' worth).
const KEYS_PAGE: u32 = 100;

/// At most this many writes in one BatchWriteItem (DynamoDB's limit).
pub const BATCH_WRITE_MAX: usize = 25;

impl Conversations {
    fn meta_sk(id: &ConversationId) -> String {
        format!("conv#{id}")
    }

    fn meta_key(user_id: &UserId, id: &ConversationId) -> Value {
        json!({"user_id": {"S": user_id.to_string()}, "sk": {"S": Self::meta_sk(id)}})
    }

    fn turn_sk(id: &ConversationId, seq: u64) -> String {
        format!("turn#{id}#{seq:08}")
    }

    pub fn get(table: &str, user_id: &UserId, id: &ConversationId) -> Value {
        json!({"TableName": table, "Key": Self::meta_key(user_id, id), "ConsistentRead": true})
    }

    pub fn from_get_response(body: &[u8]) -> Result<Option<ConversationItem>, DynamoError> {
        let v = parse_body(body)?;
        v.get("Item").map(Self::conversation).transpose()
    }

    fn conversation(item: &Value) -> Result<ConversationItem, DynamoError> {
        let sk = string_attr(item, "sk")?;
        let id = sk
            .strip_prefix("conv#")
            .and_then(ConversationId::parse)
            .ok_or_else(|| DynamoError::Malformed(format!("not a conversation key: {sk}")))?;
        Ok(ConversationItem {
            id,
            title: string_attr(item, "title").unwrap_or_default(),
            created_at: number_attr(item, "created_at").unwrap_or(0),
            updated_at: number_attr(item, "updated_at").unwrap_or(0),
            turns: number_attr(item, "turns").unwrap_or(0),
        })
    }

    /// A page of the user's conversations, newest first (ids are time-ordered).
    pub fn list(table: &str, user_id: &UserId, limit: u32, after: Option<&Cursor>) -> Value {
        let mut q = json!({
            "TableName": table,
            "KeyConditionExpression": "user_id = :u AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":u": {"S": user_id.to_string()}, ":p": {"S": "conv#"}},
            "ScanIndexForward": false,
            "Limit": limit,
        });
        if let Some(c) = after {
            q["ExclusiveStartKey"] = json!({"user_id": {"S": user_id.to_string()}, "sk": {"S": c.0}});
        }
        q
    }

    fn next_cursor(v: &Value) -> Option<Cursor> {
        v["LastEvaluatedKey"]["sk"]["S"].as_str().map(|sk| Cursor(sk.to_owned()))
    }

    pub fn from_list_response(body: &[u8]) -> Result<Page<ConversationItem>, DynamoError> {
        let v = parse_body(body)?;
        let items = v["Items"]
            .as_array()
            .map(|a| a.iter().map(Self::conversation).collect())
            .unwrap_or_else(|| Ok(vec![]))?;
        Ok(Page { items, next: Self::next_cursor(&v) })
    }

    /// The newest `limit` turns, newest first (the history sent to the model).
    pub fn newest_turns(table: &str, user_id: &UserId, id: &ConversationId, limit: u32) -> Value {
        json!({
            "TableName": table,
            "KeyConditionExpression": "user_id = :u AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":u": {"S": user_id.to_string()}, ":p": {"S": format!("turn#{id}#")}},
            "ConsistentRead": true,
            "ScanIndexForward": false,
            "Limit": limit,
        })
    }

    /// A page of turns in conversation order (oldest first), after `after`.
    pub fn turns(
        table: &str,
        user_id: &UserId,
        id: &ConversationId,
        limit: u32,
        after: Option<&Cursor>,
    ) -> Value {
        let mut q = json!({
            "TableName": table,
            "KeyConditionExpression": "user_id = :u AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":u": {"S": user_id.to_string()}, ":p": {"S": format!("turn#{id}#")}},
            "ConsistentRead": true,
            "Limit": limit,
        });
        if let Some(c) = after {
            q["ExclusiveStartKey"] = json!({"user_id": {"S": user_id.to_string()}, "sk": {"S": c.0}});
        }
        q
    }

    pub fn turns_from_response(body: &[u8]) -> Result<Page<TurnItem>, DynamoError> {
        let v = parse_body(body)?;
        let items = v["Items"].as_array().cloned().unwrap_or_default();
        let items = items
            .iter()
            .map(|i| {
                Ok(TurnItem {
                    seq: number_attr(i, "seq").unwrap_or(0),
                    user_message: string_attr(i, "user_message")?,
                    reply: string_attr(i, "reply")?,
                    created_at: number_attr(i, "created_at").unwrap_or(0),
                    truncated: i["truncated"]["BOOL"].as_bool().unwrap_or(false),
                })
            })
            .collect::<Result<Vec<_>, DynamoError>>()?;
        Ok(Page { items, next: Self::next_cursor(&v) })
    }

    /// One transaction: the turn is written and the summary advanced from `turn.seq - 1` to
    /// `turn.seq` (created when `turn.seq == 1`), or nothing is written at all.
    pub fn append_turn(
        table: &str,
        user_id: &UserId,
        id: &ConversationId,
        title: &str,
        turn: &TurnItem,
    ) -> Value {
        let mut item = json!({
            "user_id": {"S": user_id.to_string()},
            "sk": {"S": Self::turn_sk(id, turn.seq)},
            "seq": {"N": turn.seq.to_string()},
            "user_message": {"S": turn.user_message},
            "reply": {"S": turn.reply},
            "created_at": {"N": turn.created_at.to_string()},
        });
        if turn.truncated {
            item["truncated"] = json!({"BOOL": true});
        }
        let put_turn = json!({"Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(sk)",
        }});
        let summary = if turn.seq == 1 {
            json!({"Put": {
                "TableName": table,
                "Item": {
                    "user_id": {"S": user_id.to_string()},
                    "sk": {"S": Self::meta_sk(id)},
                    "title": {"S": title},
                    "created_at": {"N": turn.created_at.to_string()},
                    "updated_at": {"N": turn.created_at.to_string()},
                    "turns": {"N": "1"},
                },
                "ConditionExpression": "attribute_not_exists(sk)",
            }})
        } else {
            json!({"Update": {
                "TableName": table,
                "Key": Self::meta_key(user_id, id),
                "UpdateExpression": "SET turns = :seq, updated_at = :now",
                "ConditionExpression": "turns = :prev",
                "ExpressionAttributeValues": {
                    ":seq": {"N": turn.seq.to_string()},
                    ":prev": {"N": (turn.seq - 1).to_string()},
                    ":now": {"N": turn.created_at.to_string()},
                },
            }})
        };
        json!({"TransactItems": [put_turn, summary]})
    }

    /// Sets the title of an existing conversation; returns the whole summary.
    pub fn rename(table: &str, user_id: &UserId, id: &ConversationId, title: &str) -> Value {
        json!({
            "TableName": table,
            "Key": Self::meta_key(user_id, id),
            "UpdateExpression": "SET title = :t",
            "ConditionExpression": "attribute_exists(sk)",
            "ExpressionAttributeValues": {":t": {"S": title}},
            "ReturnValues": "ALL_NEW",
        })
    }

    pub fn from_update_response(body: &[u8]) -> Result<ConversationItem, DynamoError> {
        let v = parse_body(body)?;
        Self::conversation(&v["Attributes"])
    }

    /// Deletes the summary (returning it, to tell "was there" from "was not").
    pub fn delete_summary(table: &str, user_id: &UserId, id: &ConversationId) -> Value {
        json!({"TableName": table, "Key": Self::meta_key(user_id, id), "ReturnValues": "ALL_OLD"})
    }

    /// A page of keys: of one conversation's turns (`prefix` `turn#<id>#`) or of every item of the
    /// user (`prefix` None).
    pub fn keys(table: &str, user_id: &UserId, prefix: Option<&str>, after: Option<&Value>) -> Value {
        let mut q = json!({
            "TableName": table,
            "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id.to_string()}},
            "ProjectionExpression": "user_id, sk",
            "ConsistentRead": true,
            "Limit": KEYS_PAGE,
        });
        if let Some(p) = prefix {
            q["KeyConditionExpression"] = json!("user_id = :u AND begins_with(sk, :p)");
            q["ExpressionAttributeValues"][":p"] = json!({"S": p});
        }
        if let Some(key) = after {
            q["ExclusiveStartKey"] = key.clone();
        }
        q
    }

    /// (keys, where the next page starts) of a [`Conversations::keys`] response.
    pub fn keys_from_response(body: &[u8]) -> Result<(Vec<Value>, Option<Value>), DynamoError> {
        let v = parse_body(body)?;
        let keys = v["Items"]
            .as_array()
            .map(|a| a.iter().map(|i| json!({"user_id": i["user_id"], "sk": i["sk"]})).collect())
            .unwrap_or_default();
        Ok((keys, v.get("LastEvaluatedKey").filter(|k| k.is_object()).cloned()))
    }

    /// BatchWriteItem deleting `keys` (at most [`BATCH_WRITE_MAX`]).
    pub fn batch_delete(table: &str, keys: &[Value]) -> Value {
        let requests: Vec<Value> = keys.iter().map(|k| json!({"DeleteRequest": {"Key": k}})).collect();
        json!({"RequestItems": {table: requests}})
    }

    /// The keys a BatchWriteItem response left unprocessed (to send again).
    pub fn unprocessed_deletes(body: &[u8], table: &str) -> Result<Vec<Value>, DynamoError> {
        let v = parse_body(body)?;
        Ok(v["UnprocessedItems"][table]
            .as_array()
            .map(|a| {
                a.iter().filter_map(|r| r["DeleteRequest"]["Key"].as_object()).map(|k| json!(k)).collect()
            })
            .unwrap_or_default())
    }
}

/// Attempts of one batch while DynamoDB leaves items unprocessed (the first included).
const BATCH_ATTEMPTS: u32 = 8;

/// Deletes `keys`, 25 per BatchWriteItem, sending unprocessed items again with backoff.
pub async fn delete_keys<T: Transport>(
    services: &Services<'_, T>,
    table: &str,
    keys: &[Value],
    now: SystemTime,
) -> Result<(), StoreError> {
    for chunk in keys.chunks(BATCH_WRITE_MAX) {
        let mut pending = chunk.to_vec();
        let mut attempt = 0;
        while !pending.is_empty() {
            attempt += 1;
            if attempt > BATCH_ATTEMPTS {
                return Err(
                    DynamoError::Throttled(format!("{} deletes left unprocessed", pending.len())).into()
                );
            }
            if attempt > 1 {
                services.transport.sleep(backoff((attempt - 1).min(5))).await;
            }
            let body = services
                .dynamodb("BatchWriteItem", &Conversations::batch_delete(table, &pending), now)
                .await?;
            pending = Conversations::unprocessed_deletes(&body, table)?;
        }
    }
    Ok(())
}

/// Deletes every item under `prefix` (or all of the user's items), page by page; returns how many.
async fn delete_all_under<T: Transport>(
    services: &Services<'_, T>,
    table: &str,
    user_id: &UserId,
    prefix: Option<&str>,
    now: SystemTime,
) -> Result<u64, StoreError> {
    let mut deleted = 0;
    let mut after: Option<Value> = None;
    loop {
        let query = Conversations::keys(table, user_id, prefix, after.as_ref());
        let (keys, next) =
            Conversations::keys_from_response(&services.dynamodb("Query", &query, now).await?)?;
        delete_keys(services, table, &keys, now).await?;
        deleted += keys.len() as u64;
        match next {
            Some(key) => after = Some(key),
            None => return Ok(deleted),
        }
    }
}

/// Deletes one conversation: the summary first (so no turn can be added after: a turn's
/// transaction requires the summary), then every turn, all pages. `Ok(false)` when nothing of
/// it existed. A retried delete finishes what an interrupted one left.
pub async fn delete_conversation<T: Transport>(
    services: &Services<'_, T>,
    table: &str,
    user_id: &UserId,
    id: &ConversationId,
    now: SystemTime,
) -> Result<bool, StoreError> {
    let old =
        services.dynamodb("DeleteItem", &Conversations::delete_summary(table, user_id, id), now).await?;
    let existed = parse_body(&old)?.get("Attributes").is_some_and(|a| a.is_object());
    let turns = delete_all_under(services, table, user_id, Some(&format!("turn#{id}#")), now).await?;
    Ok(existed || turns > 0)
}

/// Deletes ALL conversations of a user (every summary and turn, all pages, batched by 25,
/// unprocessed items retried); returns how many items were deleted. For `DELETE /me`: the caller
/// needs `Query` and `BatchWriteItem` on the conversations table declared (permissions.rs).
pub async fn delete_all_conversations_of_user<T: Transport>(
    services: &Services<'_, T>,
    table: &str,
    user_id: &UserId,
    now: SystemTime,
) -> Result<u64, StoreError> {
    delete_all_under(services, table, user_id, None, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ConversationId {
        ConversationId::parse("0191c1d2-7e3a-7b4c-8d5e-6f708192a3b4").unwrap()
    }

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let c = Cursor(format!("conv#{}", id()));
        assert_eq!(Cursor::parse_list(&c.encode()), Some(c.clone()));
        assert_eq!(Cursor::parse_turns(&c.encode(), &id()), None, "a list cursor is no turns cursor");
        let t = Cursor(format!("turn#{}#00000042", id()));
        assert_eq!(Cursor::parse_turns(&t.encode(), &id()), Some(t.clone()));
        let other = ConversationId::parse("0191c1d2-7e3a-7b4c-8d5e-6f708192a3b5").unwrap();
        assert_eq!(Cursor::parse_turns(&t.encode(), &other), None, "another conversation's cursor");
        for bad in ["", "!!!", "bm90IGEga2V5", &Base64UrlUnpadded::encode_string(b"conv#x"), &"A".repeat(300)]
        {
            assert_eq!(Cursor::parse_list(bad), None, "{bad}");
            assert_eq!(Cursor::parse_turns(bad, &id()), None, "{bad}");
        }
        let upper = Cursor(format!("conv#{}", id().to_string().to_uppercase()));
        assert_eq!(Cursor::parse_list(&upper.encode()), None, "only keys the table holds");
    }

    #[test]
    fn list_pages_newest_first_from_the_cursor() {
        let user = UserId::parse("9f0c1b7e-1111-4222-8333-444455556666").unwrap();
        let c = Cursor(format!("conv#{}", id()));
        let q = Conversations::list("c", &user, 20, Some(&c));
        assert_eq!(q["ScanIndexForward"], false);
        assert_eq!(q["Limit"], 20);
        assert_eq!(q["ExclusiveStartKey"]["sk"]["S"], format!("conv#{}", id()));
        assert_eq!(q["ExclusiveStartKey"]["user_id"]["S"], user.to_string());
        let body = serde_json::to_vec(&json!({
            "Items": [{"user_id": {"S": user.to_string()}, "sk": {"S": format!("conv#{}", id())},
                       "title": {"S": "t"}, "turns": {"N": "3"}}],
            "LastEvaluatedKey": {"user_id": {"S": user.to_string()}, "sk": {"S": format!("conv#{}", id())}},
        }))
        .unwrap();
        let page = Conversations::from_list_response(&body).unwrap();
        assert_eq!(page.items[0].turns, 3);
        assert_eq!(page.next, Some(c));
    }

    #[test]
    fn batch_deletes_and_unprocessed_items() {
        let keys: Vec<Value> =
            (0..3).map(|i| json!({"user_id": {"S": "u"}, "sk": {"S": format!("k{i}")}})).collect();
        let b = Conversations::batch_delete("c", &keys);
        assert_eq!(b["RequestItems"]["c"].as_array().unwrap().len(), 3);
        assert_eq!(b["RequestItems"]["c"][1]["DeleteRequest"]["Key"]["sk"]["S"], "k1");
        let left =
            serde_json::to_vec(&json!({"UnprocessedItems": {"c": [{"DeleteRequest": {"Key": keys[2]}}]}}))
                .unwrap();
        assert_eq!(Conversations::unprocessed_deletes(&left, "c").unwrap(), vec![keys[2].clone()]);
        assert!(Conversations::unprocessed_deletes(b"{\"UnprocessedItems\":{}}", "c").unwrap().is_empty());
    }

    #[test]
    fn truncated_turns_are_marked() {
        let user = UserId::parse("9f0c1b7e-1111-4222-8333-444455556666").unwrap();
        let turn =
            TurnItem { seq: 2, user_message: "u".into(), reply: "r".into(), created_at: 5, truncated: true };
        let tx = Conversations::append_turn("c", &user, &id(), "t", &turn);
        assert_eq!(tx["TransactItems"][0]["Put"]["Item"]["truncated"]["BOOL"], true);
        assert_eq!(tx["TransactItems"][1]["Update"]["ConditionExpression"], "turns = :prev");
    }
}

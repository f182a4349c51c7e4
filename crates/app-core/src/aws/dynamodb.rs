//! DynamoDB JSON protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`): request builders and
//! response parsers, all pure.

use crate::aws::{sign, Credentials, RequestError};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::SystemTime;

/// Where and as whom to reach DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoDb {
    pub endpoint: String,
    pub region: String,
    pub credentials: Credentials,
}

impl DynamoDb {
    /// A signed `POST /` request for `operation` with the given JSON body.
    pub fn request(
        &self,
        operation: &str,
        body: &Value,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        let bytes = serde_json::to_vec(body).map_err(RequestError::new)?;
        let mut request = http::Request::post(format!("{}/", self.endpoint.trim_end_matches('/')))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
            .header("content-length", bytes.len())
            .body(bytes)
            .map_err(RequestError::new)?;
        sign(&mut request, &self.credentials, &self.region, "dynamodb", now)?;
        Ok(request)
    }
}

/// A user as stored in the users table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserItem {
    pub email: String,
    pub id: String,
    pub password_hash: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Whether the owner proved they read mail at this address (`POST /email/verify`).
    pub email_verified: bool,
    /// Bumped when every access token issued so far must stop working (password reset or
    /// change, deletion); access tokens carry the version they were issued under (`ver`).
    pub token_version: u64,
}

impl UserItem {
    /// PutItem that succeeds only if no item with this email exists.
    pub fn put_new(&self, table: &str) -> Value {
        json!({
            "TableName": table,
            "Item": {
                "email": {"S": self.email},
                "id": {"S": self.id},
                "password_hash": {"S": self.password_hash},
                "created_at": {"N": self.created_at.to_string()},
                "email_verified": {"BOOL": self.email_verified},
                "token_version": {"N": self.token_version.to_string()},
            },
            "ConditionExpression": "attribute_not_exists(email)",
        })
    }

    pub fn get_by_email(table: &str, email: &str) -> Value {
        json!({
            "TableName": table,
            "Key": {"email": {"S": email}},
            "ConsistentRead": true,
        })
    }

    /// Parses a GetItem response body: `Ok(None)` when there is no such item.
    pub fn from_get_response(body: &[u8]) -> Result<Option<UserItem>, DynamoError> {
        let v = parse_body(body)?;
        v.get("Item").map(UserItem::from_item).transpose()
    }

    fn from_item(item: &Value) -> Result<UserItem, DynamoError> {
        Ok(UserItem {
            email: string_attr(item, "email")?,
            id: string_attr(item, "id")?,
            password_hash: string_attr(item, "password_hash")?,
            created_at: number_attr(item, "created_at").unwrap_or(0),
            email_verified: item["email_verified"]["BOOL"].as_bool().unwrap_or(false),
            token_version: number_attr(item, "token_version").unwrap_or(0),
        })
    }

    /// A condition on this user for a transaction: it still exists as `id` and access tokens of
    /// `version` are still valid (what a chat turn checks in the same write, at no extra round trip).
    pub fn condition_check_current(table: &str, email: &str, id: &str, version: u64) -> Value {
        // Items written before versions existed have none: that is version 0.
        let condition = if version == 0 {
            "id = :id AND (attribute_not_exists(token_version) OR token_version = :v)"
        } else {
            "id = :id AND token_version = :v"
        };
        json!({"ConditionCheck": {
            "TableName": table,
            "Key": {"email": {"S": email}},
            "ConditionExpression": condition,
            "ExpressionAttributeValues": {":id": {"S": id}, ":v": {"N": version.to_string()}},
        }})
    }

    /// Marks the address verified (as one part of a transaction with the token's consumption).
    pub fn mark_verified(table: &str, email: &str, id: &str) -> Value {
        json!({"Update": {
            "TableName": table,
            "Key": {"email": {"S": email}},
            "UpdateExpression": "SET email_verified = :t",
            "ConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":t": {"BOOL": true}, ":id": {"S": id}},
        }})
    }

    /// Sets a new password hash and invalidates every access token issued so far (a transaction
    /// part). `verified`: the change came through a link mailed to the address, which proves it.
    pub fn set_password(table: &str, email: &str, id: &str, new_hash: &str, verified: bool) -> Value {
        let mut update = json!({
            "TableName": table,
            "Key": {"email": {"S": email}},
            "UpdateExpression": "SET password_hash = :h ADD token_version :one",
            "ConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":h": {"S": new_hash}, ":one": {"N": "1"}, ":id": {"S": id}},
        });
        if verified {
            update["UpdateExpression"] =
                json!("SET password_hash = :h, email_verified = :t ADD token_version :one");
            update["ExpressionAttributeValues"][":t"] = json!({"BOOL": true});
        }
        update
    }

    /// UpdateItem: a new password, only if the stored hash is still `old_hash` (of two concurrent
    /// changes one wins); every access token issued so far stops working.
    pub fn change_password(table: &str, email: &str, id: &str, old_hash: &str, new_hash: &str) -> Value {
        let mut update = Self::set_password(table, email, id, new_hash, false);
        update["ConditionExpression"] = json!("id = :id AND password_hash = :old");
        update["ExpressionAttributeValues"][":old"] = json!({"S": old_hash});
        update
    }

    /// UpdateItem: every access token issued so far stops working (the first step of a deletion).
    pub fn revoke_access_tokens(table: &str, email: &str, id: &str) -> Value {
        json!({
            "TableName": table,
            "Key": {"email": {"S": email}},
            "UpdateExpression": "ADD token_version :one",
            "ConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":id": {"S": id}},
        })
    }
}

/// What a login needs before checking the password, in one round trip: the user and the two
/// throttle counters (BatchGetItem across both tables).
pub struct LoginLookup;

impl LoginLookup {
    pub fn request(users_table: &str, email: &str, throttle_table: &str, counter_keys: &[&str]) -> Value {
        let counters: Vec<Value> = counter_keys.iter().map(|k| json!({"key": {"S": k}})).collect();
        json!({"RequestItems": {
            users_table: {"Keys": [{"email": {"S": email}}], "ConsistentRead": true},
            throttle_table: {"Keys": counters, "ConsistentRead": true},
        }})
    }

    /// Keys DynamoDB left for later (it may, under load); the caller asks again.
    pub fn unprocessed(body: &[u8]) -> Result<bool, DynamoError> {
        let v = parse_body(body)?;
        Ok(v["UnprocessedKeys"].as_object().is_some_and(|o| !o.is_empty()))
    }

    pub fn user(body: &[u8], users_table: &str) -> Result<Option<UserItem>, DynamoError> {
        let v = parse_body(body)?;
        v["Responses"][users_table]
            .as_array()
            .and_then(|items| items.first())
            .map(UserItem::from_item)
            .transpose()
    }
}

impl UserItem {
    /// DeleteItem of this user, only if the id still matches (a re-registered email is another user).
    pub fn delete(table: &str, email: &str, id: &str) -> Value {
        json!({
            "TableName": table,
            "Key": {"email": {"S": email}},
            "ConditionExpression": "id = :id",
            "ExpressionAttributeValues": {":id": {"S": id}},
        })
    }
}

pub(crate) fn string_attr(item: &Value, name: &str) -> Result<String, DynamoError> {
    item.get(name)
        .and_then(|a| a.get("S"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| DynamoError::Malformed(format!("item lacks string attribute {name}")))
}

pub(crate) fn number_attr(item: &Value, name: &str) -> Option<u64> {
    item.get(name)?.get("N")?.as_str()?.parse().ok()
}

pub(crate) fn parse_body(body: &[u8]) -> Result<Value, DynamoError> {
    serde_json::from_slice(body).map_err(|e| DynamoError::Malformed(format!("response is not JSON: {e}")))
}

/// One login's refresh-token family: only the hash of the current token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionItem {
    pub family_id: String,
    pub user_id: String,
    pub email: String,
    pub token_hash: String,
    pub expires_at: u64,
    pub revoked: bool,
}

impl SessionItem {
    pub const BY_USER_INDEX: &'static str = "by_user";

    pub fn put_new(&self, table: &str) -> Value {
        json!({
            "TableName": table,
            "Item": {
                "family_id": {"S": self.family_id},
                "user_id": {"S": self.user_id},
                "email": {"S": self.email},
                "token_hash": {"S": self.token_hash},
                "expires_at": {"N": self.expires_at.to_string()},
            },
            "ConditionExpression": "attribute_not_exists(family_id)",
        })
    }

    pub fn get(table: &str, family_id: &str) -> Value {
        json!({"TableName": table, "Key": {"family_id": {"S": family_id}}, "ConsistentRead": true})
    }

    pub fn from_get_response(body: &[u8]) -> Result<Option<SessionItem>, DynamoError> {
        let v = parse_body(body)?;
        let Some(item) = v.get("Item") else { return Ok(None) };
        Ok(Some(SessionItem {
            family_id: string_attr(item, "family_id")?,
            user_id: string_attr(item, "user_id")?,
            email: string_attr(item, "email")?,
            token_hash: string_attr(item, "token_hash")?,
            expires_at: number_attr(item, "expires_at").unwrap_or(0),
            revoked: item.get("revoked_at").is_some(),
        }))
    }

    /// Replaces the current token hash, only if it is still `old_hash`, not revoked and not
    /// expired: of two concurrent uses of one token, exactly one wins. `expires_at` is left as the
    /// login set it: a login's refresh tokens have an absolute lifetime that rotation never extends.
    pub fn rotate(table: &str, family_id: &str, old_hash: &str, new_hash: &str, now: u64) -> Value {
        json!({
            "TableName": table,
            "Key": {"family_id": {"S": family_id}},
            "UpdateExpression": "SET token_hash = :new",
            "ConditionExpression": "token_hash = :old AND attribute_not_exists(revoked_at) AND expires_at > :now",
            "ExpressionAttributeValues": {
                ":new": {"S": new_hash}, ":old": {"S": old_hash}, ":now": {"N": now.to_string()},
            },
        })
    }

    /// Marks the family revoked, if it exists. The family id is 128 random bits handed out only
    /// inside that login's refresh tokens, so any of them — current or already rotated — ends it.
    pub fn revoke(table: &str, family_id: &str, now: u64) -> Value {
        json!({
            "TableName": table,
            "Key": {"family_id": {"S": family_id}},
            "UpdateExpression": "SET revoked_at = :now",
            "ConditionExpression": "attribute_exists(family_id)",
            "ExpressionAttributeValues": {":now": {"N": now.to_string()}},
        })
    }

    pub fn query_by_user(table: &str, user_id: &str) -> Value {
        json!({
            "TableName": table,
            "IndexName": Self::BY_USER_INDEX,
            "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ProjectionExpression": "family_id",
        })
    }

    /// The next page of a query (from its `LastEvaluatedKey`), if there is one.
    pub fn next_page(query: &Value, body: &[u8]) -> Result<Option<Value>, DynamoError> {
        let v = parse_body(body)?;
        Ok(v.get("LastEvaluatedKey").filter(|k| k.is_object()).map(|k| {
            let mut next = query.clone();
            next["ExclusiveStartKey"] = k.clone();
            next
        }))
    }

    pub fn family_ids_from_query(body: &[u8]) -> Result<Vec<String>, DynamoError> {
        let v = parse_body(body)?;
        v.get("Items")
            .and_then(Value::as_array)
            .map(|items| items.iter().map(|i| string_attr(i, "family_id")).collect())
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    pub fn delete(table: &str, family_id: &str) -> Value {
        json!({"TableName": table, "Key": {"family_id": {"S": family_id}}})
    }
}

/// Atomic counters with TTL, for throttling.
pub struct ThrottleCounters;

impl ThrottleCounters {
    /// Adds one and returns the new count (UpdateItem ADD, ReturnValues UPDATED_NEW).
    pub fn increment(table: &str, key: &str, now: u64, expires_at: u64) -> Value {
        json!({
            "TableName": table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": "ADD #count :one SET last_at = :now, expires_at = :exp",
            "ExpressionAttributeNames": {"#count": "count"},
            "ExpressionAttributeValues": {
                ":one": {"N": "1"}, ":now": {"N": now.to_string()}, ":exp": {"N": expires_at.to_string()},
            },
            "ReturnValues": "UPDATED_NEW",
        })
    }

    pub fn count_from_update(body: &[u8]) -> Result<u64, DynamoError> {
        let v = parse_body(body)?;
        v.get("Attributes")
            .and_then(|a| number_attr(a, "count"))
            .ok_or_else(|| DynamoError::Malformed("UpdateItem returned no count".into()))
    }

    /// Parses a BatchGetItem response into (count, last_at) per key; absent keys are zero.
    pub fn from_batch_get(
        body: &[u8],
        table: &str,
        key: &str,
    ) -> Result<crate::throttle::Counter, DynamoError> {
        let v = parse_body(body)?;
        let items = v["Responses"][table].as_array().cloned().unwrap_or_default();
        Ok(items
            .iter()
            .find(|i| i["key"]["S"].as_str() == Some(key))
            .map(|i| crate::throttle::Counter {
                count: number_attr(i, "count").unwrap_or(0),
                last_at: number_attr(i, "last_at").unwrap_or(0),
            })
            .unwrap_or_default())
    }

    pub fn delete(table: &str, key: &str) -> Value {
        json!({"TableName": table, "Key": {"key": {"S": key}}})
    }
}

/// Password attempts from one client address in one window, one item per address
/// (`login-address#<window>#<hash(address)>`): `count` counts the address's attempts over all
/// accounts, and for each account tried from there `pair_<hash>` counts that (account, address)
/// pair's attempts and `pair_<hash>_at` holds its last failure. An attempt is counted on both with
/// one write, and a success resets its pair and takes the address's count back with one more.
///
/// A pair's attributes are removed when its login succeeds or when its only attempt is taken back,
/// so the item holds the pairs with failures (at most `address_block_after` before the address is
/// blocked) and the attempts in flight: it stays far from DynamoDB's 400 KB item limit.
pub struct LoginAttempts;

impl LoginAttempts {
    /// The expression names of `count` and the pair's count, with its last failure's when the
    /// expression uses it (DynamoDB refuses names an expression does not use).
    fn names(pair: &str, last_failure: bool) -> Value {
        let mut names = json!({"#count": "count", "#pair": pair});
        if last_failure {
            names["#at"] = json!(format!("{pair}_at"));
        }
        names
    }

    /// Counts an attempt before it is judged: adds one to the address's and the pair's counts and
    /// returns the item as it is then (ReturnValues ALL_NEW, so concurrent attempts each see their
    /// own numbers, with the pair's last failure when it has one).
    pub fn count(table: &str, key: &str, pair: &str, expires_at: u64) -> Value {
        json!({
            "TableName": table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": "ADD #count :one, #pair :one SET expires_at = :exp",
            "ExpressionAttributeNames": Self::names(pair, false),
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":exp": {"N": expires_at.to_string()}},
            "ReturnValues": "ALL_NEW",
        })
    }

    /// (the pair's counter, the address's counter) as [`LoginAttempts::count`] returned them; a
    /// pair without a recorded failure has `last_at` 0.
    pub fn counters_from_update(
        body: &[u8],
        pair: &str,
    ) -> Result<(crate::throttle::Counter, crate::throttle::Counter), DynamoError> {
        let v = parse_body(body)?;
        let a = v
            .get("Attributes")
            .ok_or_else(|| DynamoError::Malformed("UpdateItem returned no counts".into()))?;
        let number = |name: &str| {
            number_attr(a, name)
                .ok_or_else(|| DynamoError::Malformed(format!("UpdateItem returned no {name}")))
        };
        let last_at = number_attr(a, &format!("{pair}_at")).unwrap_or(0);
        Ok((
            crate::throttle::Counter { count: number(pair)?, last_at },
            crate::throttle::Counter { count: number("count")?, last_at: 0 },
        ))
    }

    /// Takes a refused attempt back from both counts. `alone`: the pair's count was this attempt
    /// only, so its attributes go (provided that is still so); otherwise the pair's count goes
    /// down by one (provided another attempt or failure is still counted on it). A refused
    /// condition means concurrent attempts changed the pair meanwhile: try the other form.
    pub fn take_back(table: &str, key: &str, pair: &str, alone: bool) -> Value {
        let (update, condition) = if alone {
            (
                "REMOVE #pair, #at ADD #count :minus",
                "attribute_exists(#count) AND (attribute_not_exists(#pair) OR #pair <= :one)",
            )
        } else {
            ("ADD #count :minus, #pair :minus", "#pair > :one")
        };
        json!({
            "TableName": table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": Self::names(pair, alone),
            "ExpressionAttributeValues": {":minus": {"N": "-1"}, ":one": {"N": "1"}},
        })
    }

    /// The attempt was a wrong password: it stays counted, and the pair's slow-down waits from now.
    pub fn record_failure(table: &str, key: &str, pair: &str, now: u64) -> Value {
        json!({
            "TableName": table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": "SET #at = :now",
            "ExpressionAttributeNames": {"#at": format!("{pair}_at")},
            "ExpressionAttributeValues": {":now": {"N": now.to_string()}},
        })
    }

    /// The attempt had the right password: its pair starts over and the address's count is taken
    /// back (unless the window's item is gone).
    pub fn reset_pair(table: &str, key: &str, pair: &str) -> Value {
        json!({
            "TableName": table,
            "Key": {"key": {"S": key}},
            "UpdateExpression": "REMOVE #pair, #at ADD #count :minus",
            "ConditionExpression": "attribute_exists(#count)",
            "ExpressionAttributeNames": Self::names(pair, true),
            "ExpressionAttributeValues": {":minus": {"N": "-1"}},
        })
    }
}

/// What a DynamoDB error response means to us.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DynamoError {
    #[error("conditional check failed")]
    ConditionalCheckFailed,
    /// Another transaction was writing the same item (`TransactionConflict` as a cancellation
    /// reason, or `TransactionConflictException`): the write lost a race, like a failed condition.
    #[error("transaction conflict")]
    TransactionConflict,
    #[error("throttled: {0}")]
    Throttled(String),
    #[error("DynamoDB error {kind}: {message}")]
    Service { status: u16, kind: String, message: String },
    #[error("malformed DynamoDB response: {0}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct CancellationReason {
    #[serde(rename = "Code")]
    code: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "CancellationReasons")]
    cancellation_reasons: Option<Vec<CancellationReason>>,
    #[serde(rename = "__type")]
    kind: Option<String>,
    // AWS uses `message`; DynamoDB Local uses `Message`.
    #[serde(alias = "Message")]
    message: Option<String>,
}

impl DynamoError {
    /// Interprets a non-2xx DynamoDB response.
    pub fn from_response(status: u16, body: &[u8]) -> DynamoError {
        let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
        let (kind, message, reasons) = match parsed {
            Some(b) => (
                b.kind.unwrap_or_default(),
                b.message.unwrap_or_default(),
                b.cancellation_reasons.map(|r| r.into_iter().filter_map(|r| r.code).collect::<Vec<_>>()),
            ),
            None => (String::new(), String::from_utf8_lossy(body).into_owned(), None),
        };
        // `__type` is `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException`.
        let short = kind.rsplit('#').next().unwrap_or("").to_owned();
        match short.as_str() {
            "ConditionalCheckFailedException" => DynamoError::ConditionalCheckFailed,
            "TransactionCanceledException" => {
                // The reasons, one per item: `CancellationReasons[].Code` (AWS), else the list in
                // the message ("... reasons [None, ConditionalCheckFailed]"; DynamoDB Local).
                let reasons = reasons.unwrap_or_else(|| {
                    message
                        .rsplit_once('[')
                        .map(|(_, list)| {
                            list.trim_end_matches(']').split(',').map(|r| r.trim().to_owned()).collect()
                        })
                        .unwrap_or_default()
                });
                let any = |code: &str| reasons.iter().any(|r| r == code);
                if any("ConditionalCheckFailed") {
                    DynamoError::ConditionalCheckFailed
                } else if any("TransactionConflict") {
                    DynamoError::TransactionConflict
                } else if any("ThrottlingError") || any("ProvisionedThroughputExceeded") {
                    DynamoError::Throttled(message)
                } else {
                    DynamoError::Service { status, kind: short, message }
                }
            }
            "TransactionConflictException" => DynamoError::TransactionConflict,
            "ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded" => {
                DynamoError::Throttled(message)
            }
            _ => DynamoError::Service { status, kind: short, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn client() -> DynamoDb {
        DynamoDb {
            endpoint: "http://127.0.0.1:8000".into(),
            region: "us-east-1".into(),
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "secret".into(),
                session_token: Some("token".into()),
            },
        }
    }

    fn item() -> UserItem {
        UserItem {
            email: "a@example.com".into(),
            id: "9f0c1b7e-1111-4222-8333-444455556666".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
            created_at: 1_795_000_000,
            email_verified: false,
            token_version: 0,
        }
    }

    #[test]
    fn put_new_is_conditional_on_absence() {
        let body = item().put_new("users");
        assert_eq!(body["TableName"], "users");
        assert_eq!(body["ConditionExpression"], "attribute_not_exists(email)");
        assert_eq!(body["Item"]["email"]["S"], "a@example.com");
        assert_eq!(body["Item"]["password_hash"]["S"], "$argon2id$v=19$m=19456,t=2,p=1$x$y");
    }

    #[test]
    fn request_is_signed_json_protocol() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let req = client().request("GetItem", &UserItem::get_by_email("users", "a@example.com"), t).unwrap();
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri(), "http://127.0.0.1:8000/");
        let h = req.headers();
        assert_eq!(h["x-amz-target"], "DynamoDB_20120810.GetItem");
        assert_eq!(h["content-type"], "application/x-amz-json-1.0");
        assert_eq!(h["content-length"], req.body().len().to_string().as_str());
        assert_eq!(h["x-amz-date"], "20231114T221320Z");
        assert_eq!(h["x-amz-security-token"], "token");
        assert!(h.get("host").is_none(), "Host is left to the runtime");
        let auth = h["authorization"].to_str().unwrap();
        assert!(auth
            .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/dynamodb/aws4_request"));
        assert!(auth.contains("SignedHeaders=content-length;content-type;host;"));
    }

    #[test]
    fn get_response_parsing() {
        assert_eq!(UserItem::from_get_response(b"{}").unwrap(), None);
        let body = serde_json::to_vec(&json!({"Item": item().put_new("t")["Item"]})).unwrap();
        assert_eq!(UserItem::from_get_response(&body).unwrap(), Some(item()));
        assert!(matches!(
            UserItem::from_get_response(b"{\"Item\":{\"email\":{\"S\":\"x\"}}}"),
            Err(DynamoError::Malformed(_))
        ));
        assert!(UserItem::from_get_response(b"not json").is_err());
    }

    #[test]
    fn error_parsing_reads_both_message_spellings() {
        // AWS
        let aws = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#;
        assert_eq!(
            DynamoError::from_response(400, aws),
            DynamoError::Service {
                status: 400,
                kind: "ResourceNotFoundException".into(),
                message: "Requested resource not found".into()
            }
        );
        // DynamoDB Local
        let local = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"Cannot do operations on a non-existent table"}"#;
        match DynamoError::from_response(400, local) {
            DynamoError::Service { message, .. } => {
                assert_eq!(message, "Cannot do operations on a non-existent table")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn conditional_check_and_throttling_are_recognised() {
        let ccf = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed"}"#;
        assert_eq!(DynamoError::from_response(400, ccf), DynamoError::ConditionalCheckFailed);
        let thr = br#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#;
        assert_eq!(DynamoError::from_response(400, thr), DynamoError::Throttled("slow down".into()));
        let garbage = b"<html>bad gateway</html>";
        // Transactions: each cancellation reason mapped, from the structured list or the message.
        let tx = |reasons: &str| {
            let body = format!(
                r#"{{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","message":"Transaction cancelled, please refer cancellation reasons for specific reasons [x]","CancellationReasons":[{reasons}]}}"#
            );
            DynamoError::from_response(400, body.as_bytes())
        };
        assert_eq!(
            tx(
                r#"{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}"#
            ),
            DynamoError::ConditionalCheckFailed
        );
        assert_eq!(
            tx(
                r#"{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}"#
            ),
            DynamoError::TransactionConflict
        );
        assert!(matches!(tx(r#"{"Code":"ThrottlingError"},{"Code":"None"}"#), DynamoError::Throttled(_)));
        assert!(matches!(tx(r#"{"Code":"ValidationError"}"#), DynamoError::Service { .. }));
        let local = br#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]"}"#;
        assert_eq!(DynamoError::from_response(400, local), DynamoError::TransactionConflict);
        let local = br#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]"}"#;
        assert_eq!(DynamoError::from_response(400, local), DynamoError::ConditionalCheckFailed);
        let conflict = br#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"ongoing"}"#;
        assert_eq!(DynamoError::from_response(400, conflict), DynamoError::TransactionConflict);
        assert!(matches!(DynamoError::from_response(502, garbage), DynamoError::Service { status: 502, .. }));
    }

    #[test]
    fn login_attempts_name_every_attribute_their_expressions_use_and_no_other() {
        // DynamoDB refuses a request with a name or value its expressions do not use, and one
        // using a name or value it does not define.
        let placeholders = |text: &str, sigil: char| -> std::collections::BTreeSet<String> {
            text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == sigil))
                .filter(|w| w.starts_with(sigil))
                .map(str::to_owned)
                .collect()
        };
        let defined = |body: &Value, field: &str| -> std::collections::BTreeSet<String> {
            body[field].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
        };
        let bodies = [
            LoginAttempts::count("throttle", "k", "pair_ab", 99),
            LoginAttempts::take_back("throttle", "k", "pair_ab", true),
            LoginAttempts::take_back("throttle", "k", "pair_ab", false),
            LoginAttempts::record_failure("throttle", "k", "pair_ab", 5),
            LoginAttempts::reset_pair("throttle", "k", "pair_ab"),
        ];
        for body in bodies {
            let expressions = format!(
                "{} {}",
                body["UpdateExpression"].as_str().unwrap(),
                body["ConditionExpression"].as_str().unwrap_or("")
            );
            assert_eq!(placeholders(&expressions, '#'), defined(&body, "ExpressionAttributeNames"), "{body}");
            assert_eq!(
                placeholders(&expressions, ':'),
                defined(&body, "ExpressionAttributeValues"),
                "{body}"
            );
        }
    }

    #[test]
    fn login_attempts_read_both_counts_and_the_pairs_last_failure() {
        let body = br#"{"Attributes":{"count":{"N":"7"},"expires_at":{"N":"99"},"pair_ab":{"N":"3"},"pair_ab_at":{"N":"1234"},"pair_cd":{"N":"5"},"pair_cd_at":{"N":"99"}}}"#;
        let (pair, address) = LoginAttempts::counters_from_update(body, "pair_ab").unwrap();
        assert_eq!((pair.count, pair.last_at, address.count), (3, 1234, 7));
        // No failure recorded yet: last_at 0. No count for the pair: malformed.
        let body = br#"{"Attributes":{"count":{"N":"7"},"pair_ab":{"N":"1"}}}"#;
        let (pair, _) = LoginAttempts::counters_from_update(body, "pair_ab").unwrap();
        assert_eq!((pair.count, pair.last_at), (1, 0));
        assert!(LoginAttempts::counters_from_update(body, "pair_cd").is_err());
    }
}

//! Daily chat quotas per user: messages and model tokens, counted in the `throttle` table (atomic
//! `ADD`, TTL-expired), one item per user and UTC day: `usage#<user id>#<yyyy-mm-dd>`.
//!
//! A message is admitted by one conditional `UpdateItem` made before the model is called: it adds
//! the message and reserves its tokens (estimated prompt + `max_new_tokens`) only if both counters
//! stay within the limits, so parallel requests cannot pass the limits together. After the answer
//! the reservation is corrected to what the endpoint reported (or estimated) — usually downwards.

use crate::aws::dynamodb::{number_attr, parse_body, DynamoError};
use crate::domain::UserId;
use serde_json::{json, Value};

/// The limits of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyLimits {
    pub messages: u64,
    pub tokens: u64,
}

/// A UTC day: its number since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(u64);

impl Day {
    pub fn of(unix_seconds: u64) -> Day {
        Day(unix_seconds / 86_400)
    }

    /// Seconds until the day ends (at least 1): the `Retry-After` of a refused message.
    pub fn seconds_left(&self, unix_seconds: u64) -> u64 {
        ((self.0 + 1) * 86_400).saturating_sub(unix_seconds).max(1)
    }

    pub fn ends_at(&self) -> u64 {
        (self.0 + 1) * 86_400
    }

    /// `yyyy-mm-dd` (proleptic Gregorian, from days since 1970-01-01).
    pub fn date(&self) -> String {
        // Howard Hinnant's civil_from_days.
        let z = self.0 as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// One user's use of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Used {
    pub messages: u64,
    pub tokens: u64,
}

/// Request builders and parsers (pure).
pub struct UsageCounters;

impl UsageCounters {
    pub fn key(user_id: &UserId, day: Day) -> String {
        format!("usage#{user_id}#{}", day.date())
    }

    /// Admits one message reserving `tokens`, only if afterwards neither counter exceeds its
    /// limit; a refusal is `ConditionalCheckFailed`. Returns the new counts (UPDATED_NEW).
    pub fn admit(table: &str, user_id: &UserId, day: Day, tokens: u64, limits: DailyLimits) -> Value {
        json!({
            "TableName": table,
            "Key": {"key": {"S": Self::key(user_id, day)}},
            "UpdateExpression": "ADD messages :one, tokens :t SET expires_at = :exp",
            "ConditionExpression":
                "(attribute_not_exists(messages) OR messages < :mlimit) AND (attribute_not_exists(tokens) OR tokens <= :tmax)",
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":t": {"N": tokens.to_string()},
                ":mlimit": {"N": limits.messages.to_string()},
                // tokens + reservation <= limit, written without arithmetic in the condition.
                ":tmax": {"N": (limits.tokens as i128 - tokens as i128).to_string()},
                ":exp": {"N": (day.ends_at() + 86_400).to_string()},
            },
            "ReturnValues": "UPDATED_NEW",
        })
    }

    /// Corrects the token counter by `delta` (negative: a refund of an unused reservation).
    pub fn adjust_tokens(table: &str, user_id: &UserId, day: Day, delta: i64) -> Value {
        json!({
            "TableName": table,
            "Key": {"key": {"S": Self::key(user_id, day)}},
            "UpdateExpression": "ADD tokens :d",
            "ConditionExpression": "attribute_exists(tokens)",
            "ExpressionAttributeValues": {":d": {"N": delta.to_string()}},
        })
    }

    pub fn get(table: &str, user_id: &UserId, day: Day) -> Value {
        json!({"TableName": table, "Key": {"key": {"S": Self::key(user_id, day)}}, "ConsistentRead": true})
    }

    pub fn from_get_response(body: &[u8]) -> Result<Used, DynamoError> {
        let v = parse_body(body)?;
        Ok(v.get("Item")
            .map(|i| Used {
                messages: number_attr(i, "messages").unwrap_or(0),
                tokens: number_attr(i, "tokens").unwrap_or(0),
            })
            .unwrap_or_default())
    }

    pub fn from_update_response(body: &[u8]) -> Result<Used, DynamoError> {
        let v = parse_body(body)?;
        let a = &v["Attributes"];
        Ok(Used {
            messages: number_attr(a, "messages").unwrap_or(0),
            tokens: number_attr(a, "tokens").unwrap_or(0),
        })
    }

    /// The keys a user's counters can have now (today and yesterday; older ones have expired
    /// by TTL): for deleting an account.
    pub fn keys_of_user(user_id: &UserId, unix_seconds: u64) -> Vec<String> {
        let today = Day::of(unix_seconds);
        vec![Self::key(user_id, today), Self::key(user_id, Day(today.0.saturating_sub(1)))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates() {
        assert_eq!(Day::of(0).date(), "1970-01-01");
        assert_eq!(Day::of(951_782_400).date(), "2000-02-29");
        assert_eq!(Day::of(1_796_255_999).date(), "2026-12-02");
        assert_eq!(Day::of(1_796_256_000).date(), "2026-12-03");
        assert_eq!(Day::of(1_796_255_999).seconds_left(1_796_255_999), 1);
        assert_eq!(Day::of(1_796_169_600).seconds_left(1_796_169_600), 86_400);
    }

    #[test]
    fn admission_is_conditional_on_both_limits() {
        let user = UserId::parse("9f0c1b7e-1111-4222-8333-444455556666").unwrap();
        let day = Day::of(1_796_200_000);
        let q = UsageCounters::admit("throttle", &user, day, 300, DailyLimits { messages: 5, tokens: 1000 });
        assert_eq!(q["Key"]["key"]["S"], format!("usage#{user}#2026-12-02"));
        assert_eq!(q["ExpressionAttributeValues"][":mlimit"]["N"], "5");
        assert_eq!(q["ExpressionAttributeValues"][":tmax"]["N"], "700");
        assert_eq!(q["ReturnValues"], "UPDATED_NEW");
        assert!(q["UpdateExpression"].as_str().unwrap().starts_with("ADD messages :one, tokens :t"));
        let over =
            UsageCounters::admit("throttle", &user, day, 3000, DailyLimits { messages: 5, tokens: 1000 });
        assert_eq!(
            over["ExpressionAttributeValues"][":tmax"]["N"], "-2000",
            "a reservation over the limit never fits"
        );
        let body = br#"{"Attributes":{"messages":{"N":"3"},"tokens":{"N":"120"}}}"#;
        assert_eq!(UsageCounters::from_update_response(body).unwrap(), Used { messages: 3, tokens: 120 });
        assert_eq!(UsageCounters::from_get_response(b"{}").unwrap(), Used::default());
    }
}

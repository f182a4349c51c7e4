//! One-use tokens mailed to people (email verification, password reset): the `tokens` table's
//! home — its item mapping and operations.
//!
//! A token is 256 random bits (base64url, 43 characters) sent only inside a link; the table keeps
//! its SHA-256 as the key, with the user it is for, its purpose and `expires_at` (the DynamoDB TTL,
//! also checked on use, since TTL deletion lags). Using a token deletes it with a conditional
//! write, so of two concurrent uses exactly one wins.

use crate::aws::dynamodb::{number_attr, parse_body, string_attr, DynamoError};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify",
            Purpose::ResetPassword => "reset",
        }
    }
}

/// A token as presented or freshly made. Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct MailToken(String);

impl fmt::Debug for MailToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailToken(<redacted>)")
    }
}

impl MailToken {
    pub const BYTES: usize = 32;

    pub fn random() -> MailToken {
        let mut buf = [0u8; Self::BYTES];
        OsRng.fill_bytes(&mut buf);
        MailToken(Base64UrlUnpadded::encode_string(&buf))
    }

    /// A presented token: exactly 32 bytes in unpadded base64url, or nothing.
    pub fn parse(raw: &str) -> Option<MailToken> {
        let decoded = Base64UrlUnpadded::decode_vec(raw).ok()?;
        (decoded.len() == Self::BYTES && raw.len() == 43).then(|| MailToken(raw.to_owned()))
    }

    /// For the link only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The table key: SHA-256 (a 256-bit random value needs no slow hash).
    pub fn hash(&self) -> String {
        Base64UrlUnpadded::encode_string(&Sha256::digest(self.0.as_bytes()))
    }
}

/// A stored token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenItem {
    pub token_hash: String,
    pub purpose: &'static str,
    pub user_id: String,
    pub email: String,
    pub expires_at: u64,
}

/// The tokens table.
pub struct MailTokens;

impl MailTokens {
    pub const BY_USER_INDEX: &'static str = "by_user";

    pub fn put(table: &str, item: &TokenItem) -> Value {
        json!({
            "TableName": table,
            "Item": {
                "token_hash": {"S": item.token_hash},
                "purpose": {"S": item.purpose},
                "user_id": {"S": item.user_id},
                "email": {"S": item.email},
                "expires_at": {"N": item.expires_at.to_string()},
            },
            "ConditionExpression": "attribute_not_exists(token_hash)",
        })
    }

    pub fn get(table: &str, token_hash: &str) -> Value {
        json!({"TableName": table, "Key": {"token_hash": {"S": token_hash}}, "ConsistentRead": true})
    }

    /// The stored token, if it exists, is for `purpose` and has not expired at `now`.
    pub fn usable_from_get(
        body: &[u8],
        purpose: Purpose,
        now: u64,
    ) -> Result<Option<TokenItem>, DynamoError> {
        let v = parse_body(body)?;
        let Some(item) = v.get("Item") else { return Ok(None) };
        let found = TokenItem {
            token_hash: string_attr(item, "token_hash")?,
            purpose: purpose.as_str(),
            user_id: string_attr(item, "user_id")?,
            email: string_attr(item, "email")?,
            expires_at: number_attr(item, "expires_at").unwrap_or(0),
        };
        let right_purpose = string_attr(item, "purpose")? == purpose.as_str();
        Ok((right_purpose && found.expires_at > now).then_some(found))
    }

    /// The transaction part that uses the token up: it must still exist, be for `purpose`, belong
    /// to `user_id` and not have expired.
    pub fn consume(table: &str, token_hash: &str, purpose: Purpose, user_id: &str, now: u64) -> Value {
        json!({"Delete": {
            "TableName": table,
            "Key": {"token_hash": {"S": token_hash}},
            "ConditionExpression": "purpose = :p AND user_id = :u AND expires_at > :now",
            "ExpressionAttributeValues": {
                ":p": {"S": purpose.as_str()}, ":u": {"S": user_id}, ":now": {"N": now.to_string()},
            },
        }})
    }

    pub fn delete(table: &str, token_hash: &str) -> Value {
        json!({"TableName": table, "Key": {"token_hash": {"S": token_hash}}})
    }

    /// Every token of a user (the index holds keys only).
    pub fn query_by_user(table: &str, user_id: &str) -> Value {
        json!({
            "TableName": table,
            "IndexName": Self::BY_USER_INDEX,
            "KeyConditionExpression": "user_id = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
        })
    }

    pub fn hashes_from_query(body: &[u8]) -> Result<Vec<String>, DynamoError> {
        let v = parse_body(body)?;
        v["Items"]
            .as_array()
            .map(|a| a.iter().map(|i| string_attr(i, "token_hash")).collect())
            .unwrap_or(Ok(vec![]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_random_bits_and_parse_strictly() {
        let a = MailToken::random();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a, MailToken::random());
        assert_eq!(MailToken::parse(a.expose()), Some(a.clone()));
        assert!(!format!("{a:?}").contains(a.expose()));
        assert_ne!(a.hash(), a.expose());
        for bad in
            ["", "short", &"A".repeat(44), &format!("{}=", a.expose()), &a.expose().replace(|_| true, "+")]
        {
            assert_eq!(MailToken::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn expired_or_other_purpose_is_unusable() {
        let body = |purpose: &str, exp: u64| {
            serde_json::to_vec(&json!({"Item": {
                "token_hash": {"S": "h"}, "purpose": {"S": purpose}, "user_id": {"S": "u"},
                "email": {"S": "a@example.com"}, "expires_at": {"N": exp.to_string()}}}))
            .unwrap()
        };
        assert!(MailTokens::usable_from_get(&body("reset", 200), Purpose::ResetPassword, 100)
            .unwrap()
            .is_some());
        assert!(MailTokens::usable_from_get(&body("reset", 100), Purpose::ResetPassword, 100)
            .unwrap()
            .is_none());
        assert!(MailTokens::usable_from_get(&body("verify", 200), Purpose::ResetPassword, 100)
            .unwrap()
            .is_none());
        assert!(MailTokens::usable_from_get(b"{}", Purpose::ResetPassword, 100).unwrap().is_none());
    }
}

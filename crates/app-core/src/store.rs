//! Talking to DynamoDB through the transport: one call with bounded retries, and the few
//! operations the use cases need.

use crate::api::ApiError;
use crate::aws::dynamodb::{DynamoError, LoginAttempts, SessionItem, ThrottleCounters, UserItem};
use crate::aws::ses::{Mail, MailError, Ses};
use crate::config::Config;
use crate::domain::PasswordHasher;
use crate::one_use_tokens::MailTokens;
use crate::permissions::{accesses, Access, Table};
use crate::throttle::{Decision, WindowKeys};
use crate::transport::{Transport, TransportError};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use serde_json::Value;
use std::time::{Duration, SystemTime};

/// What a use case needs from the outside: configuration, a way to send requests, a hasher.
pub struct Services<'a, T: Transport> {
    pub config: &'a Config,
    pub transport: &'a T,
    pub hasher: &'a PasswordHasher,
    /// What this component may do in DynamoDB (see [`crate::permissions`]).
    pub permissions: &'static [Access],
}

impl<T: Transport> Clone for Services<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Transport> Copy for Services<'_, T> {}

/// Why a DynamoDB call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Dynamo(#[from] DynamoError),
    #[error(transparent)]
    Build(#[from] crate::aws::RequestError),
    #[error("undeclared DynamoDB access: {0} (see app_core::permissions)")]
    Undeclared(String),
}

impl StoreError {
    pub fn is_conditional_check_failed(&self) -> bool {
        matches!(self, StoreError::Dynamo(DynamoError::ConditionalCheckFailed))
    }

    /// A write that lost a race: its condition failed, or another transaction held the item.
    pub fn is_write_conflict(&self) -> bool {
        matches!(
            self,
            StoreError::Dynamo(DynamoError::ConditionalCheckFailed | DynamoError::TransactionConflict)
        )
    }
}

/// DynamoDB failing or out of reach is a 503; a request we could not build, or an access the
/// permissions do not declare, is our fault: a 500.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Transport(_) | StoreError::Dynamo(_) => {
                ApiError::DependencyUnavailable(e.to_string())
            }
            StoreError::Build(_) | StoreError::Undeclared(_) => ApiError::Internal(e.to_string()),
        }
    }
}

/// Attempts for throttling and 5xx answers (the first try included).
const MAX_ATTEMPTS: u32 = 3;

/// The wait before attempt `attempt + 1`: 25 ms doubled per attempt, plus up to 25 ms of jitter.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let jitter = u64::from(OsRng.next_u32() % 25);
    Duration::from_millis(25 * (1 << (attempt - 1)) + jitter)
}

impl<T: Transport> Services<'_, T> {
    /// Sends one DynamoDB operation and returns the body of its 2xx response. Throttling and 5xx
    /// answers are retried with exponential backoff and jitter (25, 50 ms + up to 25 ms).
    pub async fn dynamodb(
        &self,
        operation: &str,
        body: &Value,
        now: SystemTime,
    ) -> Result<Vec<u8>, StoreError> {
        self.check_declared(operation, body)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outgoing = self.config.dynamodb.request(operation, body, now).map_err(StoreError::Build)?;
            let response = self.transport.send(outgoing, self.config.dynamodb_timeout).await?;
            let status = response.status().as_u16();
            if (200..300).contains(&status) {
                return Ok(response.into_body());
            }
            let error = DynamoError::from_response(status, response.body());
            let retryable = matches!(error, DynamoError::Throttled(_)) || status >= 500;
            if !retryable || attempt >= MAX_ATTEMPTS {
                return Err(error.into());
            }
            self.transport.sleep(backoff(attempt)).await;
        }
    }

    fn table(&self, name: &str) -> Option<Table> {
        let c = self.config;
        let chat_table =
            Some(c.chat.as_ref().map(|chat| chat.table.as_str()).unwrap_or(&c.conversations_table));
        match name {
            n if n == c.users_table => Some(Table::Users),
            n if n == c.sessions_table => Some(Table::Sessions),
            n if n == c.throttle_table => Some(Table::Throttle),
            n if n == c.tokens_table => Some(Table::Tokens),
            n if Some(n) == chat_table => Some(Table::Conversations),
            _ => None,
        }
    }

    /// Refuses a call this component has not declared (it would fail in AWS, denied by IAM).
    fn check_declared(&self, operation: &str, body: &Value) -> Result<(), StoreError> {
        for (name, index, action) in accesses(operation, body) {
            let declared = self.table(&name).is_some_and(|table| {
                self.permissions
                    .iter()
                    .any(|p| p.table == table && p.index == index.as_deref() && p.action == action)
            });
            if !declared {
                return Err(StoreError::Undeclared(format!("{action} on {name} {index:?}")));
            }
        }
        Ok(())
    }

    pub async fn find_user(&self, email: &str, now: SystemTime) -> Result<Option<UserItem>, StoreError> {
        let body =
            self.dynamodb("GetItem", &UserItem::get_by_email(&self.config.users_table, email), now).await?;
        Ok(UserItem::from_get_response(&body)?)
    }

    pub async fn find_session(
        &self,
        family_id: &str,
        now: SystemTime,
    ) -> Result<Option<SessionItem>, StoreError> {
        let body =
            self.dynamodb("GetItem", &SessionItem::get(&self.config.sessions_table, family_id), now).await?;
        Ok(SessionItem::from_get_response(&body)?)
    }

    /// Adds one to a throttle counter and returns the new count.
    pub async fn count(&self, key: &str, expires_at: u64, now: SystemTime) -> Result<u64, StoreError> {
        let t = crate::tokens::unix_seconds(now);
        let body = self
            .dynamodb(
                "UpdateItem",
                &ThrottleCounters::increment(&self.config.throttle_table, key, t, expires_at),
                now,
            )
            .await?;
        Ok(ThrottleCounters::count_from_update(&body)?)
    }

    /// Counts a password attempt for (account, address) and for the address before anything is
    /// verified, with one write (see [`LoginAttempts`]), and decides on the counts it returned
    /// (see [`crate::throttle`]). A refused attempt takes its counts back and is 429.
    pub async fn count_password_attempt(
        &self,
        keys: &WindowKeys,
        now: SystemTime,
    ) -> Result<PasswordAttempt, ApiError> {
        let attempt = PasswordAttempt { key: keys.login_address.clone(), pair: keys.login_pair.clone() };
        let table = &self.config.throttle_table;
        let count = LoginAttempts::count(table, &attempt.key, &attempt.pair, keys.expires_at);
        let counted = self.dynamodb("UpdateItem", &count, now).await?;
        let (pair, address) =
            LoginAttempts::counters_from_update(&counted, &attempt.pair).map_err(StoreError::from)?;
        let t = crate::tokens::unix_seconds(now);
        if let Decision::Deny { retry_after } = self.config.throttle.check_login(pair, address, t) {
            self.take_back(&attempt, pair.count == 1, now).await?;
            return Err(ApiError::TooManyRequests { retry_after });
        }
        Ok(attempt)
    }

    /// The counted attempt was a wrong password: it stays counted, and the slow-down waits from now.
    pub async fn password_failed(
        &self,
        attempt: &PasswordAttempt,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let t = crate::tokens::unix_seconds(now);
        let body = LoginAttempts::record_failure(&self.config.throttle_table, &attempt.key, &attempt.pair, t);
        self.dynamodb("UpdateItem", &body, now).await.map(drop)
    }

    /// The counted attempt had the right password: the (account, address) counter starts over and
    /// the address's count is taken back, in one write.
    pub async fn password_verified(
        &self,
        attempt: &PasswordAttempt,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let reset = LoginAttempts::reset_pair(&self.config.throttle_table, &attempt.key, &attempt.pair);
        match self.dynamodb("UpdateItem", &reset, now).await {
            Err(e) if e.is_conditional_check_failed() => Ok(()), // the window's item is gone
            other => other.map(drop),
        }
    }

    /// Takes a refused attempt back (see [`LoginAttempts::take_back`]): in the form its count
    /// suggests, then, if concurrent attempts changed the pair meanwhile, in the other. Should
    /// both conditions fail (the pair keeps changing, or the window's item is gone), the attempt
    /// stays counted: the strict side.
    async fn take_back(
        &self,
        attempt: &PasswordAttempt,
        alone: bool,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let table = &self.config.throttle_table;
        for alone in [alone, !alone] {
            let body = LoginAttempts::take_back(table, &attempt.key, &attempt.pair, alone);
            match self.dynamodb("UpdateItem", &body, now).await {
                Ok(_) => return Ok(()),
                Err(e) if e.is_conditional_check_failed() => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Counts one use of a per-window limit and refuses it (429) past `limit`.
    pub async fn limit(
        &self,
        key: &str,
        limit: u64,
        expires_at: u64,
        now: SystemTime,
    ) -> Result<(), ApiError> {
        let count = self.count(key, expires_at, now).await?;
        match self.config.throttle.check_limit(count, limit, crate::tokens::unix_seconds(now)) {
            Decision::Allow => Ok(()),
            Decision::Deny { retry_after } => Err(ApiError::TooManyRequests { retry_after }),
        }
    }

    /// Sends one mail through SES (the register component only: it alone may reach SES).
    pub async fn send_mail(&self, mail: &Mail, now: SystemTime) -> Result<String, MailError> {
        let config = self.config.mail.as_ref().map_err(|e| MailError::Build(e.clone()))?;
        let request = config.ses.send_email(mail, now)?;
        let response = self
            .transport
            .send(request, config.timeout)
            .await
            .map_err(|e| MailError::Unreachable(e.to_string()))?;
        Ses::read_response(&response)
    }

    /// Deletes every session (refresh-token family) of a user but `keep`, all pages.
    pub async fn delete_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let table = &self.config.sessions_table;
        let mut query = Some(SessionItem::query_by_user(table, user_id));
        while let Some(q) = query {
            let found = self.dynamodb("Query", &q, now).await?;
            for family in SessionItem::family_ids_from_query(&found)? {
                if Some(family.as_str()) != keep {
                    self.dynamodb("DeleteItem", &SessionItem::delete(table, &family), now).await?;
                }
            }
            query = SessionItem::next_page(&q, &found)?;
        }
        Ok(())
    }

    /// Deletes every one-use token of a user, all pages.
    pub async fn delete_mail_tokens(&self, user_id: &str, now: SystemTime) -> Result<(), StoreError> {
        let table = &self.config.tokens_table;
        let mut query = Some(MailTokens::query_by_user(table, user_id));
        while let Some(q) = query {
            let found = self.dynamodb("Query", &q, now).await?;
            for hash in MailTokens::hashes_from_query(&found)? {
                self.dynamodb("DeleteItem", &MailTokens::delete(table, &hash), now).await?;
            }
            query = SessionItem::next_page(&q, &found)?;
        }
        Ok(())
    }
}

/// A password attempt that was counted and allowed (see [`Services::count_password_attempt`]).
pub struct PasswordAttempt {
    /// The address's item of this window.
    key: String,
    /// The (account, address) pair's attribute in it.
    pair: String,
}

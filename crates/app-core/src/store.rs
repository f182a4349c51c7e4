//! Talking to DynamoDB through the transport: one call with bounded retries, and the few
//! operations the use cases need.

use crate::api::ApiError;
use crate::aws::dynamodb::{DynamoError, LoginLookup, SessionItem, ThrottleCounters, UserItem};
use crate::config::Config;
use crate::domain::PasswordHasher;
use crate::permissions::{accesses, Access, Table};
use crate::throttle::Counter;
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
    #[error("building the request failed: {0}")]
    Build(String),
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

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::DependencyUnavailable(e.to_string())
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
            let outgoing = self
                .config
                .dynamodb
                .request(operation, body, now)
                .map_err(|e| StoreError::Build(e.to_string()))?;
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
        let chat_table = c.chat.as_ref().map(|chat| chat.table.as_str()).ok();
        match name {
            n if n == c.users_table => Some(Table::Users),
            n if n == c.sessions_table => Some(Table::Sessions),
            n if n == c.throttle_table => Some(Table::Throttle),
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

    /// The user and two throttle counters, in one round trip (asking again, up to three times,
    /// for keys DynamoDB leaves unprocessed).
    pub async fn login_lookup(
        &self,
        email: &str,
        a: &str,
        b: &str,
        now: SystemTime,
    ) -> Result<(Option<UserItem>, Counter, Counter), StoreError> {
        let (users, throttle) = (&self.config.users_table, &self.config.throttle_table);
        let request = LoginLookup::request(users, email, throttle, &[a, b]);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let body = self.dynamodb("BatchGetItem", &request, now).await?;
            if !LoginLookup::unprocessed(&body)? {
                return Ok((
                    LoginLookup::user(&body, users)?,
                    ThrottleCounters::from_batch_get(&body, throttle, a)?,
                    ThrottleCounters::from_batch_get(&body, throttle, b)?,
                ));
            }
            if attempt >= MAX_ATTEMPTS {
                return Err(DynamoError::Throttled("keys left unprocessed".into()).into());
            }
            self.transport.sleep(backoff(attempt)).await;
        }
    }
}

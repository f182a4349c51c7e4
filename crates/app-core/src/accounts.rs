//! The account use cases: register and login.

use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{DynamoError, UserItem};
use crate::config::Config;
use crate::domain::{Email, Password, PasswordHash, PasswordHasher, UserId};
use crate::transport::Transport;
use serde::Deserialize;
use serde_json::json;
use std::time::UNIX_EPOCH;

/// What a use case needs from the outside: configuration, a way to send requests, a hasher.
pub struct Services<'a, T: Transport> {
    pub config: &'a Config,
    pub transport: &'a T,
    pub hasher: &'a PasswordHasher,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsBody {
    email: String,
    password: String,
}

/// `POST /register` → 201 `{"id","email"}`; 409 when the email is taken.
pub async fn register<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    request.require_method(http::Method::POST)?;
    let body: CredentialsBody = request.json()?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::InvalidEmail(e.to_string()))?;
    let password =
        Password::parse(&body.password).map_err(|e| ApiError::InvalidPassword(e.to_string()))?;
    let id = UserId::random();
    let hash = services.hasher.hash(&password)?;
    let item = UserItem {
        email: email.as_str().to_owned(),
        id: id.to_string(),
        password_hash: hash.as_str().to_owned(),
        created_at: unix_seconds(request).to_string(),
    };
    let table = &services.config.users_table;
    match dynamodb(services, request, "PutItem", &item.put_new(table)).await {
        Ok(_) => Ok(ApiResponse::json(
            201,
            &json!({"id": item.id, "email": item.email}),
        )),
        Err(DynamoCallError::Dynamo(DynamoError::ConditionalCheckFailed)) => {
            Err(ApiError::EmailTaken)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /login` → 200 `{"user_id","email"}`; one 401 for unknown email and wrong password.
pub async fn login<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    request.require_method(http::Method::POST)?;
    let body: CredentialsBody = request.json()?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::InvalidEmail(e.to_string()))?;
    let password = Password::parse_candidate(&body.password)
        .map_err(|e| ApiError::InvalidPassword(e.to_string()))?;
    let table = &services.config.users_table;
    let response = dynamodb(
        services,
        request,
        "GetItem",
        &UserItem::get_by_email(table, email.as_str()),
    )
    .await?;
    let user = UserItem::from_get_response(&response).map_err(DynamoCallError::Dynamo)?;
    let stored = user
        .as_ref()
        .map(|u| PasswordHash::from_stored(u.password_hash.clone()));
    // Unknown email: verified against a dummy hash of the same cost, so both failures look alike.
    if !services.hasher.verify(&password, stored.as_ref()) {
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.expect("verify succeeds only with a stored hash");
    Ok(ApiResponse::json(
        200,
        &json!({"user_id": user.id, "email": user.email}),
    ))
}

fn unix_seconds(request: &ApiRequest) -> u64 {
    request
        .received_at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Why a DynamoDB call failed.
#[derive(Debug, thiserror::Error)]
pub enum DynamoCallError {
    #[error(transparent)]
    Transport(#[from] crate::TransportError),
    #[error(transparent)]
    Dynamo(#[from] DynamoError),
    #[error("building the request failed: {0}")]
    Build(String),
}

impl From<DynamoCallError> for ApiError {
    fn from(e: DynamoCallError) -> ApiError {
        ApiError::DependencyUnavailable(e.to_string())
    }
}

/// Sends one DynamoDB operation and returns the body of its 2xx response.
async fn dynamodb<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    operation: &str,
    body: &serde_json::Value,
) -> Result<Vec<u8>, DynamoCallError> {
    let outgoing = services
        .config
        .dynamodb
        .request(operation, body, request.received_at)
        .map_err(|e| DynamoCallError::Build(e.to_string()))?;
    let response = services.transport.send(outgoing).await?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(response.into_body())
    } else {
        Err(DynamoError::from_response(status, response.body()).into())
    }
}

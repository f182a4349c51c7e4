//! Account lifecycle (the `register` component): `POST /register`, `GET /me`, `DELETE /me`.

use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{SessionItem, UserItem};
use crate::domain::{Email, Password, PasswordHash, UserId};
use crate::store::Services;
use crate::throttle::Decision;
use crate::tokens::{unix_seconds, AccessClaims};
use crate::transport::Transport;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsBody {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
}

/// The `{"email","password"}` of a `POST`: the email parsed, the password as typed (register and
/// login apply different password rules).
pub(crate) fn posted_credentials(request: &ApiRequest) -> Result<(Email, String), ApiError> {
    request.require_method(http::Method::POST)?;
    let body: CredentialsBody = request.json()?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::InvalidEmail(e.to_string()))?;
    Ok((email, body.password))
}

/// Routes of the register component.
pub async fn handle<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    match request.path.as_str() {
        "/register" => register(services, request).await,
        "/me" => match request.method {
            http::Method::GET => me(services, request).await,
            http::Method::DELETE => delete_me(services, request).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, DELETE".into() }),
        },
        _ => Err(ApiError::NotFound),
    }
}

/// `POST /register` → 201 `{"id","email"}`; 409 when the email is taken; 429 past the
/// per-address registration limit.
pub async fn register<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (email, raw_password) = posted_credentials(request)?;
    let password = Password::parse(&raw_password).map_err(|e| ApiError::InvalidPassword(e.to_string()))?;

    let config = services.config;
    let now = request.received_at;
    let address = request.client_address(&config.client_address);
    let keys = config.throttle.keys(email.as_str(), &address, unix_seconds(now));
    let count = services.count(&keys.register_address, keys.expires_at, now).await?;
    if let Decision::Deny { retry_after } = config.throttle.check_register(count, unix_seconds(now)) {
        return Err(ApiError::TooManyRequests { retry_after });
    }

    let item = UserItem {
        email: email.as_str().to_owned(),
        id: UserId::random().to_string(),
        password_hash: services.hasher.hash(&password)?.as_str().to_owned(),
        created_at: unix_seconds(now),
    };
    match services.dynamodb("PutItem", &item.put_new(&config.users_table), now).await {
        Ok(_) => Ok(ApiResponse::json(201, &json!({"id": item.id, "email": item.email}))),
        Err(e) if e.is_conditional_check_failed() => Err(ApiError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// The caller's verified access token, and their account as it is now.
async fn authenticated<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<(AccessClaims, UserItem), ApiError> {
    let claims = request.access_claims(&services.config.access_tokens)?;
    match services.find_user(&claims.email, request.received_at).await? {
        Some(user) if user.id == claims.sub => Ok((claims, user)),
        _ => Err(ApiError::InvalidToken), // the account is gone
    }
}

/// `GET /me` → 200 `{"id","email","created_at"}`.
pub async fn me<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (_, user) = authenticated(services, request).await?;
    Ok(ApiResponse::json(200, &json!({"id": user.id, "email": user.email, "created_at": user.created_at})))
}

/// `DELETE /me` with `{"password"}` → 204; the account and all its refresh tokens are deleted.
pub async fn delete_me<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (_, user) = authenticated(services, request).await?;
    let body: PasswordBody = request.json()?;
    let password =
        Password::parse_candidate(&body.password).map_err(|e| ApiError::InvalidPassword(e.to_string()))?;
    let stored = PasswordHash::from_stored(user.password_hash.clone());
    if !services.hasher.verify(&password, Some(&stored)) {
        return Err(ApiError::InvalidCredentials);
    }
    let now = request.received_at;
    let table = &services.config.sessions_table;
    let found = services.dynamodb("Query", &SessionItem::query_by_user(table, &user.id), now).await?;
    for family in SessionItem::family_ids_from_query(&found).map_err(crate::store::StoreError::from)? {
        services.dynamodb("DeleteItem", &SessionItem::delete(table, &family), now).await?;
    }
    match services
        .dynamodb("DeleteItem", &UserItem::delete(&services.config.users_table, &user.email, &user.id), now)
        .await
    {
        Ok(_) => Ok(ApiResponse::no_content()),
        Err(e) if e.is_conditional_check_failed() => Err(ApiError::InvalidToken),
        Err(e) => Err(e.into()),
    }
}

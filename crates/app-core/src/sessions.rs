//! Sessions (the `login` component): `POST /login`, `POST /token/refresh`, `POST /logout`.

use crate::accounts::posted_credentials;
use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{SessionItem, ThrottleCounters};
use crate::domain::{Password, PasswordHash};
use crate::store::Services;
use crate::throttle::Decision;
use crate::tokens::{unix_seconds, RefreshToken};
use crate::transport::Transport;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshBody {
    refresh_token: String,
}

/// The refresh token a `POST` body presents.
fn presented_refresh_token(request: &ApiRequest) -> Result<RefreshToken, ApiError> {
    request.require_method(http::Method::POST)?;
    let body: RefreshBody = request.json()?;
    RefreshToken::parse(&body.refresh_token).ok_or(ApiError::InvalidRefreshToken)
}

/// Routes of the login component.
pub async fn handle<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    match request.path.as_str() {
        "/login" => login(services, request).await,
        "/token/refresh" => refresh(services, request).await,
        "/logout" => logout(services, request).await,
        _ => Err(ApiError::NotFound),
    }
}

fn token_response<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    user_id: &str,
    email: &str,
    refresh: &RefreshToken,
) -> ApiResponse {
    let config = services.config;
    ApiResponse::json(
        200,
        &json!({
            "access_token": config.access_tokens.issue(user_id, email, request.received_at),
            "token_type": "Bearer",
            "expires_in": config.access_tokens.ttl_seconds,
            "refresh_token": refresh.expose(),
            "refresh_expires_in": config.refresh_ttl_seconds,
            "user_id": user_id,
            "email": email,
        }),
    )
}

/// `POST /login` → 200 with tokens; one 401 for unknown email and wrong password; 429 when
/// throttled (see [`crate::throttle`]).
pub async fn login<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (email, raw_password) = posted_credentials(request)?;
    let password =
        Password::parse_candidate(&raw_password).map_err(|e| ApiError::InvalidPassword(e.to_string()))?;

    let config = services.config;
    let now = request.received_at;
    let t = unix_seconds(now);
    let address = request.client_address(&config.client_address);
    let keys = config.throttle.keys(email.as_str(), &address, t);
    let (user, pair, per_address) =
        services.login_lookup(email.as_str(), &keys.login_pair, &keys.login_address, now).await?;
    if let Decision::Deny { retry_after } = config.throttle.check_login(pair, per_address, t) {
        return Err(ApiError::TooManyRequests { retry_after });
    }

    let stored = user.as_ref().map(|u| PasswordHash::from_stored(u.password_hash.clone()));
    // Unknown email: verified against a dummy hash of the same cost, so both failures look alike.
    // (Computed before looking at `user`, so the unknown path cannot skip it.)
    let hashing = std::time::Instant::now();
    let verified = services.hasher.verify(&password, stored.as_ref());
    let hash_ms = hashing.elapsed().as_secs_f64() * 1000.0;
    let Some(user) = user.filter(|_| verified) else {
        services.count(&keys.login_pair, keys.expires_at, now).await?;
        services.count(&keys.login_address, keys.expires_at, now).await?;
        return Err(ApiError::InvalidCredentials);
    };

    if pair.count > 0 {
        let reset = ThrottleCounters::delete(&config.throttle_table, &keys.login_pair);
        services.dynamodb("DeleteItem", &reset, now).await?;
    }
    let refresh = RefreshToken::new_family();
    let session = SessionItem {
        family_id: refresh.family.clone(),
        user_id: user.id.clone(),
        email: user.email.clone(),
        token_hash: refresh.secret_hash(),
        expires_at: t + config.refresh_ttl_seconds,
        revoked: false,
    };
    services.dynamodb("PutItem", &session.put_new(&config.sessions_table), now).await?;
    let mut response = token_response(services, request, &user.id, &user.email, &refresh);
    // How long the password check took (browser devtools show it; the benchmarks read it).
    response.headers.push(("server-timing".into(), format!("argon2;dur={hash_ms:.3}")));
    Ok(response)
}

/// `POST /token/refresh` `{"refresh_token"}` → 200 with a new access token and a new refresh
/// token; the old one stops working. Presenting an already-rotated token revokes the whole family
/// (it was copied: whoever holds the newer one must log in again).
pub async fn refresh<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let token = presented_refresh_token(request)?;
    let config = services.config;
    let now = request.received_at;
    let t = unix_seconds(now);
    let table = &config.sessions_table;
    let session = services.find_session(&token.family, now).await?.ok_or(ApiError::InvalidRefreshToken)?;
    if session.revoked || session.expires_at <= t {
        return Err(ApiError::InvalidRefreshToken);
    }
    let presented = token.secret_hash();
    let next = token.rotate();
    let rotated = if presented == session.token_hash {
        let update = SessionItem::rotate(
            table,
            &token.family,
            &presented,
            &next.secret_hash(),
            t + config.refresh_ttl_seconds,
        );
        match services.dynamodb("UpdateItem", &update, now).await {
            Ok(_) => true,
            Err(e) if e.is_conditional_check_failed() => false, // lost a race with another use
            Err(e) => return Err(e.into()),
        }
    } else {
        false
    };
    if !rotated {
        services.dynamodb("UpdateItem", &SessionItem::revoke(table, &token.family, t, None), now).await?;
        return Err(ApiError::InvalidRefreshToken);
    }
    Ok(token_response(services, request, &session.user_id, &session.email, &next))
}

/// `POST /logout` `{"refresh_token"}` → 204; that token's family is revoked. Idempotent.
pub async fn logout<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let token = presented_refresh_token(request)?;
    let now = request.received_at;
    let revoke = SessionItem::revoke(
        &services.config.sessions_table,
        &token.family,
        unix_seconds(now),
        Some(&token.secret_hash()),
    );
    match services.dynamodb("UpdateItem", &revoke, now).await {
        Ok(_) => Ok(ApiResponse::no_content()),
        Err(e) if e.is_conditional_check_failed() => Ok(ApiResponse::no_content()),
        Err(e) => Err(e.into()),
    }
}

//! Sessions (the `login` component): `POST /login`, `POST /token/refresh`, `POST /logout`.

use crate::accounts::posted_credentials;
use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{SessionItem, UserItem};
use crate::domain::{Password, PasswordHash};
use crate::store::Services;
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
    user: &UserItem,
    refresh: &RefreshToken,
    refresh_expires_at: u64,
) -> ApiResponse {
    let config = services.config;
    let (user_id, email) = (&user.id, &user.email);
    let now = request.received_at;
    let access =
        config.access_tokens.issue_for_session(user_id, email, user.token_version, &refresh.family, now);
    ApiResponse::json(
        200,
        &json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": config.access_tokens.ttl_seconds,
            "refresh_token": refresh.expose(),
            "refresh_expires_in": refresh_expires_at.saturating_sub(unix_seconds(now)),
            "user_id": user_id,
            "email": email,
        }),
    )
}

/// `POST /login` → 200 with tokens; one 401 for unknown email and wrong password; 429 when
/// throttled (see [`crate::throttle`]: the attempt is counted before the password is checked);
/// 403 `email_not_verified` with `REQUIRE_VERIFIED_EMAIL`, only once the password is right.
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
    let (attempt, user) =
        futures::join!(services.count_password_attempt(&keys, now), services.find_user(email.as_str(), now));
    let attempt = attempt?;
    let user = user?;

    let stored = user.as_ref().map(|u| PasswordHash::from_stored(u.password_hash.clone()));
    // Unknown email: verified against a dummy hash of the same cost, so both failures look alike.
    // (Computed before looking at `user`, so the unknown path cannot skip it.)
    let hashing = std::time::Instant::now();
    let verified = services.hasher.verify(&password, stored.as_ref());
    let hash_ms = hashing.elapsed().as_secs_f64() * 1000.0;
    let Some(user) = user.filter(|_| verified) else {
        services.password_failed(&attempt, now).await?;
        return Err(ApiError::InvalidCredentials);
    };
    if config.require_verified_email && !user.email_verified {
        services.password_verified(&attempt, now).await?;
        return Err(ApiError::EmailNotVerified);
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
    let put = session.put_new(&config.sessions_table);
    let (reset, put) =
        futures::join!(services.password_verified(&attempt, now), services.dynamodb("PutItem", &put, now));
    reset?;
    put?;
    let mut response = token_response(services, request, &user, &refresh, session.expires_at);
    // How long the password check took (browser devtools show it; the benchmarks read it).
    response.headers.push(("server-timing".into(), format!("argon2;dur={hash_ms:.3}")));
    Ok(response)
}

/// `POST /token/refresh` `{"refresh_token"}` → 200 with a new access token and a new refresh
/// token; the old one stops working. Presenting an already-rotated token revokes the whole family
/// (it was copied: whoever holds the newer one must log in again). The login's absolute lifetime
/// is kept: rotation never extends it. The user is read as well (in parallel with the rotation),
/// so a deleted account gets nothing and the new access token carries the current token version.
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
    if presented != session.token_hash {
        services.dynamodb("UpdateItem", &SessionItem::revoke(table, &token.family, t), now).await?;
        return Err(ApiError::InvalidRefreshToken);
    }
    let update = SessionItem::rotate(table, &token.family, &presented, &next.secret_hash(), t);
    let (rotated, user) = futures::join!(
        services.dynamodb("UpdateItem", &update, now),
        services.find_user(&session.email, now)
    );
    match rotated {
        Ok(_) => {}
        Err(e) if e.is_conditional_check_failed() => {
            // Lost a race with another use of the same token: it was copied.
            services.dynamodb("UpdateItem", &SessionItem::revoke(table, &token.family, t), now).await?;
            return Err(ApiError::InvalidRefreshToken);
        }
        Err(e) => return Err(e.into()),
    }
    match user? {
        Some(user) if user.id == session.user_id => {
            Ok(token_response(services, request, &user, &next, session.expires_at))
        }
        _ => Err(ApiError::InvalidRefreshToken), // the account is gone
    }
}

/// `POST /logout` `{"refresh_token"}` → 204; the login that token belongs to is revoked, whether
/// the token is the login's current one or was already rotated. Idempotent.
pub async fn logout<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let token = presented_refresh_token(request)?;
    let now = request.received_at;
    let revoke = SessionItem::revoke(&services.config.sessions_table, &token.family, unix_seconds(now));
    match services.dynamodb("UpdateItem", &revoke, now).await {
        Ok(_) => Ok(ApiResponse::no_content()),
        Err(e) if e.is_conditional_check_failed() => Ok(ApiResponse::no_content()),
        Err(e) => Err(e.into()),
    }
}

//! Sessions (the `login` component): `POST /login`, `POST /token/refresh`, `POST /logout`.

use crate::accounts::posted_credentials;
use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{SessionItem, UserItem};
use crate::aws::secrets_manager::SecretsManager;
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
        "/.well-known/jwks.json" => {
            request.require_method(http::Method::GET)?;
            Ok(public_document(&services.config.access_tokens.jwks()))
        }
        "/.well-known/openid-configuration" => {
            request.require_method(http::Method::GET)?;
            Ok(public_document(&openid_configuration(&services.config.access_tokens)))
        }
        _ => Err(ApiError::NotFound),
    }
}

/// The OpenID discovery document a JWT authorizer reads: the issuer and where its keys are.
pub fn openid_configuration(tokens: &crate::tokens::AccessTokens) -> serde_json::Value {
    json!({
        "issuer": tokens.issuer,
        "jwks_uri": format!("{}/.well-known/jwks.json", tokens.issuer.trim_end_matches('/')),
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
    })
}

/// Makes sure login holds a signing key before anything is written. Given directly (local runs)
/// it always does; in AWS it reads the key from Secrets Manager (`TOKEN_SIGNING_KEY_SECRET`) on
/// its instance's first sign-in and again every [`SIGNING_KEY_REREAD_SECONDS`]. When a re-read
/// fails, the key held is used on (it is still published); with none, the answer is a 503.
/// Returns what to log (never the key).
///
/// [`SIGNING_KEY_REREAD_SECONDS`]: crate::tokens::SIGNING_KEY_REREAD_SECONDS
async fn ensure_signing_key<T: Transport>(
    services: &Services<'_, T>,
    now: std::time::SystemTime,
) -> Result<Option<String>, ApiError> {
    let tokens = &services.config.access_tokens;
    let Some(secret) = services.config.signing_key_secret.as_ref().filter(|_| tokens.needs_signing_key(now))
    else {
        return Ok(None);
    };
    // Err((is an outage, why)): an outage (unreachable, throttled, its 5xx) or our configuration
    // (no such secret, access denied, a key that is not published) — both a 503, told apart.
    let read = async {
        let misconfigured = |e: &dyn std::fmt::Display| (false, e.to_string());
        let request =
            secret.secrets_manager.get_secret_value(&secret.secret_id, now).map_err(|e| misconfigured(&e))?;
        let response = services.transport.send(request, services.config.dynamodb_timeout).await;
        let response = response.map_err(|e| (true, format!("Secrets Manager: {e}")))?;
        let pem = SecretsManager::read_response(response.status().as_u16(), response.body())
            .map_err(|e| (e.is_outage(), e.to_string()))?;
        tokens.install_signing_key(&pem, now).map_err(|e| misconfigured(&e))
    };
    match read.await {
        Ok(kid) => Ok(Some(format!("signing key {kid} read from Secrets Manager"))),
        Err((_, e)) if tokens.signing_kid().is_some() => {
            Ok(Some(format!("signing key not re-read, the one held is used: {e}")))
        }
        Err((true, e)) => Err(ApiError::DependencyUnavailable(format!("no token signing key: {e}"))),
        Err((false, e)) => Err(ApiError::Misconfigured(format!("no token signing key: {e}"))),
    }
}

/// A public, cacheable document (5 minutes: a rotation publishes the next key hours ahead).
fn public_document(body: &serde_json::Value) -> ApiResponse {
    let mut response = ApiResponse::json(200, body);
    response.headers.push(("cache-control".into(), "public, max-age=300".into()));
    response
}

fn token_response<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    user: &UserItem,
    refresh: &RefreshToken,
    refresh_expires_at: u64,
) -> Result<ApiResponse, ApiError> {
    let config = services.config;
    let (user_id, email) = (&user.id, &user.email);
    let now = request.received_at;
    let access_token = config
        .access_tokens
        .issue_for_session(user_id, email, user.token_version, &refresh.family, now)
        .map_err(ApiError::Misconfigured)?;
    Ok(ApiResponse::json(
        200,
        &json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": config.access_tokens.ttl_seconds,
            "refresh_token": refresh.expose(),
            "refresh_expires_in": refresh_expires_at.saturating_sub(unix_seconds(now)),
            "user_id": user_id,
            "email": email,
        }),
    ))
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
    let ms = |since: std::time::Instant| since.elapsed().as_secs_f64() * 1000.0;
    let round1 = std::time::Instant::now();
    let (attempt, user, key) = futures::join!(
        services.count_password_attempt(&keys, now),
        services.find_user(email.as_str(), now),
        ensure_signing_key(services, now)
    );
    let round1_ms = ms(round1);
    let attempt = attempt?;
    let user = user?;
    let key_note = key?;

    let stored = user.as_ref().map(|u| PasswordHash::from_stored(u.password_hash.clone()));
    // Unknown email: verified against a dummy hash of the same cost, so both failures look alike.
    // (Computed before looking at `user`, so the unknown path cannot skip it.)
    let hashing = std::time::Instant::now();
    let verified = services.hasher.verify(&password, stored.as_ref());
    let hash_ms = ms(hashing);
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
    // The access token is signed while DynamoDB works on the two writes: yielding to the runtime
    // once first lets it send them (it moves outbound requests only while the guest waits), then
    // the signing (~4 ms of CPU in wasm) runs as DynamoDB answers. Login outside argon2, p50 under
    // Spin: 22.4 -> 21.0 ms (alternating stacks, 100 logins each). The overlap is partial on the
    // 2-core machine, where DynamoDB Local shares the cores (2026-12-04, Spin, 150 logins: the
    // signature ends at ~6.4 ms, the reset answers at 7.9 and the session's put at 9.8); waiting
    // longer first (20 yields, or 0.5 or 1.5 ms) measured no better.
    let round2 = std::time::Instant::now();
    let (reset, put, (response, sign_ms)) = futures::join!(
        services.password_verified(&attempt, now),
        services.dynamodb("PutItem", &put, now),
        async {
            services.transport.sleep(std::time::Duration::ZERO).await;
            let signing = std::time::Instant::now();
            (token_response(services, request, &user, &refresh, session.expires_at), ms(signing))
        }
    );
    let round2_ms = ms(round2);
    reset?;
    put?;
    let mut response = response?;
    // Where the time went (browser devtools show it; the benchmarks read it): the first round trip
    // (the attempt counted, the user read), the password check, the second round trip (the counters'
    // reset and the session written) and, within it, the access token's signature.
    response.headers.push((
        "server-timing".into(),
        format!(
            "dynamodb-1;dur={round1_ms:.3}, argon2;dur={hash_ms:.3}, dynamodb-2;dur={round2_ms:.3}, sign;dur={sign_ms:.3}"
        ),
    ));
    response.log_detail = key_note;
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
    let (session, key) =
        futures::join!(services.find_session(&token.family, now), ensure_signing_key(services, now));
    let session = session?.ok_or(ApiError::InvalidRefreshToken)?;
    let key_note = key?;
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
            let mut response = token_response(services, request, &user, &next, session.expires_at)?;
            response.log_detail = key_note;
            Ok(response)
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

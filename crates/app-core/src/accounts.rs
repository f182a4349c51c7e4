//! Account lifecycle (the `register` component): `POST /register`, `GET /me`, `DELETE /me`,
//! `POST /me/password`, `POST /email/verify`, `POST /email/verify/resend`, `POST /password/forgot`,
//! `POST /password/reset`. It is the only component that sends mail.

use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::aws::dynamodb::{DynamoError, ThrottleCounters, UserItem};
use crate::aws::ses::Mail;
use crate::conversations;
use crate::domain::{Email, Password, PasswordHash, UserId};
use crate::one_use_tokens::{MailToken, MailTokens, Purpose, TokenItem};
use crate::store::{Services, StoreError};
use crate::throttle::Decision;
use crate::tokens::{unix_seconds, AccessClaims};
use crate::transport::Transport;
use crate::usage::UsageCounters;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangePasswordBody {
    current_password: String,
    new_password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    token: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    token: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailBody {
    email: String,
}

/// The `{"email","password"}` of a `POST`: the email parsed, the password as typed (register and
/// login apply different password rules).
pub(crate) fn posted_credentials(request: &ApiRequest) -> Result<(Email, String), ApiError> {
    request.require_method(http::Method::POST)?;
    let body: CredentialsBody = request.json()?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::InvalidEmail(e.to_string()))?;
    Ok((email, body.password))
}

fn new_password(raw: &str) -> Result<Password, ApiError> {
    Password::parse(raw).map_err(|e| ApiError::InvalidPassword(e.to_string()))
}

fn candidate_password(raw: &str) -> Result<Password, ApiError> {
    Password::parse_candidate(raw).map_err(|e| ApiError::InvalidPassword(e.to_string()))
}

fn posted_mail_token(raw: &str) -> Result<MailToken, ApiError> {
    MailToken::parse(raw).ok_or(ApiError::InvalidEmailToken)
}

/// Routes of the register component.
pub async fn handle<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let post = |r: &ApiRequest| r.require_method(http::Method::POST);
    match request.path.as_str() {
        "/register" => register(services, request).await,
        "/me" => match request.method {
            http::Method::GET => me(services, request).await,
            http::Method::DELETE => delete_me(services, request).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, DELETE".into() }),
        },
        "/me/password" => {
            post(request)?;
            change_password(services, request).await
        }
        "/email/verify" => {
            post(request)?;
            verify_email(services, request).await
        }
        "/email/verify/resend" => {
            post(request)?;
            resend_verification(services, request).await
        }
        "/password/forgot" => {
            post(request)?;
            forgot_password(services, request).await
        }
        "/password/reset" => {
            post(request)?;
            reset_password(services, request).await
        }
        _ => Err(ApiError::NotFound),
    }
}

/// `POST /register` → 201 `{"id","email","email_verified"}`; 409 when the email is taken; 429 past
/// the per-address registration limit. A verification mail goes out; if it cannot, the account
/// still exists (the failure is logged) and `POST /email/verify/resend` sends it again.
pub async fn register<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (email, raw_password) = posted_credentials(request)?;
    let password = new_password(&raw_password)?;

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
        email_verified: false,
        token_version: 0,
    };
    match services.dynamodb("PutItem", &item.put_new(&config.users_table), now).await {
        Ok(_) => {}
        Err(e) if e.is_conditional_check_failed() => return Err(ApiError::EmailTaken),
        Err(e) => return Err(e.into()),
    }
    let mut response =
        ApiResponse::json(201, &json!({"id": item.id, "email": item.email, "email_verified": false}));
    if let Err(e) = send_verification(services, &item, now).await {
        response.log_detail = Some(format!("verification mail not sent: {e:?}"));
    }
    Ok(response)
}

/// Stores a new one-use token for `user` and mails its link. If the mail cannot go out, the token
/// is deleted again (nothing is left that nobody received).
async fn mail_token<T: Transport>(
    services: &Services<'_, T>,
    user: &UserItem,
    purpose: Purpose,
    now: std::time::SystemTime,
) -> Result<(), ApiError> {
    let config = services.config;
    let mail_config = config.mail.as_ref().map_err(|e| ApiError::MailUnavailable(e.clone()))?;
    let token = MailToken::random();
    let (ttl, mail): (u64, Mail) = match purpose {
        Purpose::VerifyEmail => {
            let ttl = config.verify_token_ttl_seconds;
            let m = crate::mail::verification(
                &mail_config.from,
                &user.email,
                &mail_config.app_base_url,
                &token,
                ttl.div_ceil(3600),
            );
            (ttl, m)
        }
        Purpose::ResetPassword => {
            let ttl = config.reset_token_ttl_seconds;
            let m = crate::mail::password_reset(
                &mail_config.from,
                &user.email,
                &mail_config.app_base_url,
                &token,
                ttl.div_ceil(60),
            );
            (ttl, m)
        }
    };
    let item = TokenItem {
        token_hash: token.hash(),
        purpose: purpose.as_str(),
        user_id: user.id.clone(),
        email: user.email.clone(),
        expires_at: unix_seconds(now) + ttl,
    };
    services.dynamodb("PutItem", &MailTokens::put(&config.tokens_table, &item), now).await?;
    if let Err(e) = services.send_mail(&mail, now).await {
        let _ = services
            .dynamodb("DeleteItem", &MailTokens::delete(&config.tokens_table, &item.token_hash), now)
            .await;
        return Err(ApiError::MailUnavailable(e.to_string()));
    }
    Ok(())
}

async fn send_verification<T: Transport>(
    services: &Services<'_, T>,
    user: &UserItem,
    now: std::time::SystemTime,
) -> Result<(), ApiError> {
    mail_token(services, user, Purpose::VerifyEmail, now).await
}

/// The caller's verified access token, and their account as it is now: the token must be of the
/// account's current token version (a password reset or change, or a deletion, ends older ones).
async fn authenticated<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<(AccessClaims, UserItem), ApiError> {
    let claims = request.access_claims(&services.config.access_tokens)?;
    match services.find_user(&claims.email, request.received_at).await? {
        Some(user) if user.id == claims.sub && user.token_version == claims.ver => Ok((claims, user)),
        _ => Err(ApiError::InvalidToken), // the account is gone, or the token was revoked
    }
}

/// `GET /me` → 200 `{"id","email","created_at","email_verified"}`.
pub async fn me<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (_, user) = authenticated(services, request).await?;
    Ok(ApiResponse::json(
        200,
        &json!({"id": user.id, "email": user.email, "created_at": user.created_at, "email_verified": user.email_verified}),
    ))
}

/// Checks `password` against the caller's stored one under the login throttle (counted first;
/// failures count against (account, address) like failed logins).
async fn check_password_throttled<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
    user: &UserItem,
    password: &Password,
) -> Result<(), ApiError> {
    let config = services.config;
    let now = request.received_at;
    let address = request.client_address(&config.client_address);
    let keys = config.throttle.keys(&user.email, &address, unix_seconds(now));
    let attempt = services.count_password_attempt(&keys, now).await?;
    let stored = PasswordHash::from_stored(user.password_hash.clone());
    if !services.hasher.verify(password, Some(&stored)) {
        services.password_failed(&attempt, now).await?;
        return Err(ApiError::InvalidCredentials);
    }
    services.password_verified(&attempt, now).await?;
    Ok(())
}

/// `DELETE /me` with `{"password"}` → 204. Deletes everything of the account: first its token
/// version is bumped (every access token stops working, so nothing new is written meanwhile),
/// then its sessions, one-use tokens and conversations (all pages), then the user item, then a
/// last sweep of sessions a concurrent login may have added. If a step fails the user item is
/// still there, so deleting again (after logging in again) finishes the job.
pub async fn delete_me<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (_, user) = authenticated(services, request).await?;
    let body: PasswordBody = request.json()?;
    let password = candidate_password(&body.password)?;
    check_password_throttled(services, request, &user, &password).await?;

    let now = request.received_at;
    let users = &services.config.users_table;
    match services
        .dynamodb("UpdateItem", &UserItem::revoke_access_tokens(users, &user.email, &user.id), now)
        .await
    {
        Ok(_) => {}
        Err(e) if e.is_conditional_check_failed() => return Err(ApiError::InvalidToken),
        Err(e) => return Err(e.into()),
    }
    services.delete_sessions(&user.id, None, now).await?;
    services.delete_mail_tokens(&user.id, now).await?;
    let user_id = UserId::parse(&user.id)
        .ok_or_else(|| StoreError::Dynamo(DynamoError::Malformed("user id is not a UUID".into())))?;
    let conversations_table = &services.config.conversations_table;
    conversations::delete_all_conversations_of_user(services, conversations_table, &user_id, now).await?;
    // The daily chat counters (today's and yesterday's; older ones have expired).
    for key in UsageCounters::keys_of_user(&user_id, unix_seconds(now)) {
        services
            .dynamodb("DeleteItem", &ThrottleCounters::delete(&services.config.throttle_table, &key), now)
            .await?;
    }
    match services.dynamodb("DeleteItem", &UserItem::delete(users, &user.email, &user.id), now).await {
        Ok(_) => {}
        Err(e) if e.is_conditional_check_failed() => return Err(ApiError::InvalidToken),
        Err(e) => return Err(e.into()),
    }
    services.delete_sessions(&user.id, None, now).await?;
    Ok(ApiResponse::no_content())
}

/// `POST /me/password` `{"current_password","new_password"}` → 204. The current password is
/// checked under the login throttle; the new one must meet the password rule. Every access token
/// issued so far stops working (this login gets a new one with `POST /token/refresh`) and every
/// other login's refresh tokens are revoked.
pub async fn change_password<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (claims, user) = authenticated(services, request).await?;
    let body: ChangePasswordBody = request.json()?;
    let current = candidate_password(&body.current_password)?;
    let next = new_password(&body.new_password)?;
    check_password_throttled(services, request, &user, &current).await?;

    let now = request.received_at;
    let hash = services.hasher.hash(&next)?;
    let update = UserItem::change_password(
        &services.config.users_table,
        &user.email,
        &user.id,
        &user.password_hash,
        hash.as_str(),
    );
    match services.dynamodb("UpdateItem", &update, now).await {
        Ok(_) => {}
        // Changed (or deleted) concurrently: this request's view is stale.
        Err(e) if e.is_conditional_check_failed() => return Err(ApiError::InvalidToken),
        Err(e) => return Err(e.into()),
    }
    let keep = Some(claims.sid.as_str()).filter(|s| !s.is_empty());
    services.delete_sessions(&user.id, keep, now).await?;
    Ok(ApiResponse::no_content())
}

/// `POST /email/verify` `{"token"}` → 204: the token is used up and the address marked verified,
/// in one transaction (of two concurrent uses exactly one wins). 400 `invalid_email_token` for a
/// forged, expired, used or wrong-purpose token.
pub async fn verify_email<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let body: TokenBody = request.json()?;
    let token = posted_mail_token(&body.token)?;
    let config = services.config;
    let now = request.received_at;
    let t = unix_seconds(now);
    let found =
        services.dynamodb("GetItem", &MailTokens::get(&config.tokens_table, &token.hash()), now).await?;
    let item = MailTokens::usable_from_get(&found, Purpose::VerifyEmail, t)
        .map_err(StoreError::from)?
        .ok_or(ApiError::InvalidEmailToken)?;
    let transaction = json!({"TransactItems": [
        MailTokens::consume(&config.tokens_table, &item.token_hash, Purpose::VerifyEmail, &item.user_id, t),
        UserItem::mark_verified(&config.users_table, &item.email, &item.user_id),
    ]});
    match services.dynamodb("TransactWriteItems", &transaction, now).await {
        Ok(_) => Ok(ApiResponse::no_content()),
        Err(e) if e.is_conditional_check_failed() => Err(ApiError::InvalidEmailToken),
        Err(e) => Err(e.into()),
    }
}

/// `POST /email/verify/resend` (Bearer) → 204 and a new verification mail; 409 when already
/// verified; 429 past `RESEND_PER_ACCOUNT` per window (counted first, so it holds in parallel);
/// 503 `mail_unavailable` when SES is down or refuses.
pub async fn resend_verification<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let (_, user) = authenticated(services, request).await?;
    if user.email_verified {
        return Err(ApiError::EmailAlreadyVerified);
    }
    let config = services.config;
    let now = request.received_at;
    let keys = config.throttle.keys(&user.email, "", unix_seconds(now));
    services.limit(&keys.resend_account, config.throttle.resend_per_account, keys.expires_at, now).await?;
    send_verification(services, &user, now).await?;
    Ok(ApiResponse::no_content())
}

/// `POST /password/forgot` `{"email"}` → 202 with one body whether or not an account exists, and
/// no sooner than `FORGOT_MIN_MS` after arrival either way (so the timing tells nothing either).
/// Throttled per address and per email (429, the same for both). When SES is down or refuses,
/// the answer is still 202 and the failure is logged.
pub async fn forgot_password<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let body: EmailBody = request.json()?;
    let email = Email::parse(&body.email).map_err(|e| ApiError::InvalidEmail(e.to_string()))?;
    let config = services.config;
    let now = request.received_at;
    let address = request.client_address(&config.client_address);
    let keys = config.throttle.keys(email.as_str(), &address, unix_seconds(now));
    let rules = &config.throttle;
    let (by_address, by_email) = futures::join!(
        services.limit(&keys.forgot_address, rules.forgot_per_address, keys.expires_at, now),
        services.limit(&keys.forgot_email, rules.forgot_per_email, keys.expires_at, now),
    );
    by_address?;
    by_email?;
    let mut response = ApiResponse::json(
        202,
        &json!({"status": "accepted", "message": "if an account exists for this address, a reset link is on its way"}),
    );
    if let Some(user) = services.find_user(email.as_str(), now).await? {
        if let Err(e) = mail_token(services, &user, Purpose::ResetPassword, now).await {
            response.log_detail = Some(format!("reset mail not sent: {e:?}"));
        }
    }
    let elapsed = std::time::SystemTime::now().duration_since(now).unwrap_or_default();
    if let Some(rest) = config.forgot_min_duration.checked_sub(elapsed) {
        services.transport.sleep(rest).await;
    }
    Ok(response)
}

/// `POST /password/reset` `{"token","password"}` → 204: the new password (the password rule
/// applies) is set and the token used up in one transaction (of two concurrent uses exactly one
/// wins); every access token of the user stops working and every refresh token is revoked.
pub async fn reset_password<T: Transport>(
    services: &Services<'_, T>,
    request: &ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let body: ResetBody = request.json()?;
    let token = posted_mail_token(&body.token)?;
    let password = new_password(&body.password)?;
    let config = services.config;
    let now = request.received_at;
    let t = unix_seconds(now);
    let found =
        services.dynamodb("GetItem", &MailTokens::get(&config.tokens_table, &token.hash()), now).await?;
    let item = MailTokens::usable_from_get(&found, Purpose::ResetPassword, t)
        .map_err(StoreError::from)?
        .ok_or(ApiError::InvalidEmailToken)?;
    let hash = services.hasher.hash(&password)?;
    let transaction = json!({"TransactItems": [
        MailTokens::consume(&config.tokens_table, &item.token_hash, Purpose::ResetPassword, &item.user_id, t),
        {"Update": UserItem::set_password(&config.users_table, &item.email, &item.user_id, hash.as_str(), true)},
    ]});
    match services.dynamodb("TransactWriteItems", &transaction, now).await {
        Ok(_) => {}
        Err(e) if e.is_conditional_check_failed() => return Err(ApiError::InvalidEmailToken),
        Err(e) => return Err(e.into()),
    }
    services.delete_sessions(&item.user_id, None, now).await?;
    Ok(ApiResponse::no_content())
}

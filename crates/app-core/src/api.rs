//! The HTTP contract the frontend sees: requests in, JSON responses and errors out.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::SystemTime;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A request as the runtime adapter hands it to the core.
#[derive(Debug)]
pub struct ApiRequest {
    pub method: http::Method,
    pub path: String,
    /// The raw query string (without `?`; empty when there is none).
    pub query: String,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub received_at: SystemTime,
}

impl ApiRequest {
    /// Decodes a JSON body into `T`, refusing wrong content types, oversized bodies and
    /// malformed JSON with the matching 4xx.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type =
            self.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::UnsupportedMediaType);
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge { max: MAX_BODY_BYTES });
        }
        serde_json::from_slice(&self.body).map_err(|e| ApiError::MalformedJson(e.to_string()))
    }

    /// Refuses any method but `allowed` with 405 and an Allow header.
    pub fn require_method(&self, allowed: http::Method) -> Result<(), ApiError> {
        if self.method == allowed {
            Ok(())
        } else {
            Err(ApiError::MethodNotAllowed { allow: allowed.to_string() })
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Authorization: Bearer <token>` token, if any.
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
    }

    /// The claims of a valid `Authorization: Bearer` access token; 401 `invalid_token` otherwise.
    pub fn access_claims(
        &self,
        tokens: &crate::tokens::AccessTokens,
    ) -> Result<crate::tokens::AccessClaims, ApiError> {
        let token = self.bearer_token().ok_or(ApiError::InvalidToken)?;
        tokens.verify(token, self.received_at).map_err(|_| ApiError::InvalidToken)
    }

    /// The client address under `rule` (see [`ClientAddressRule`]); "unknown" when the source is
    /// missing or unusable.
    pub fn client_address(&self, rule: &ClientAddressRule) -> String {
        let address = match rule {
            // Spin appends its own `spin-client-addr` after any the client sent: the last one is
            // Spin's (tested against a forged one).
            ClientAddressRule::Peer => {
                self.headers.get_all("spin-client-addr").iter().next_back().and_then(|v| v.to_str().ok()).map(
                    |a| a.parse::<std::net::SocketAddr>().map(|s| s.ip().to_string()).unwrap_or(a.to_owned()),
                )
            }
            ClientAddressRule::Forwarded { header, hops } => self
                .header(header)
                .map(|chain| chain.split(',').map(str::trim).filter(|a| !a.is_empty()).collect::<Vec<_>>())
                .and_then(|entries| entries.len().checked_sub(*hops).map(|i| entries[i].to_owned())),
            // The Lambda Web Adapter sets this header from the event, replacing any the client sent.
            ClientAddressRule::LambdaContext => self
                .header("x-amzn-request-context")
                .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
                .and_then(|c| {
                    let ip = c.pointer("/http/sourceIp").or_else(|| c.pointer("/identity/sourceIp"))?;
                    ip.as_str().map(str::to_owned)
                }),
        };
        address.filter(|a| !a.is_empty() && a.len() <= 64).unwrap_or_else(|| "unknown".to_owned())
    }

    pub fn origin(&self) -> Option<&str> {
        self.header("origin")
    }

    /// The query parameters, percent-decoded; refuses names outside `allowed`, repeated names,
    /// and undecodable or oversized strings with 400 `invalid_query`.
    pub fn query_params(&self, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
        if self.query.len() > 1024 {
            return Err(ApiError::InvalidQuery("query string is too long".into()));
        }
        let mut out: Vec<(String, String)> = Vec::new();
        for pair in self.query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (percent_decode(name)?, percent_decode(value)?);
            if !allowed.contains(&name.as_str()) {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {name:?} (allowed: {})",
                    allowed.join(", ")
                )));
            }
            if out.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::InvalidQuery(format!("query parameter {name:?} given twice")));
            }
            out.push((name, value));
        }
        Ok(out)
    }
}

fn percent_decode(raw: &str) -> Result<String, ApiError> {
    let bad = || ApiError::InvalidQuery("query string is not valid percent-encoded UTF-8".into());
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = raw.get(i + 1..i + 3).ok_or_else(bad)?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// Where the client address comes from: only from something the client cannot write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAddressRule {
    /// Nothing in front (`spin up` alone): the peer address Spin reports in `spin-client-addr`.
    Peer,
    /// A trusted proxy in front appends the peer to `header` (API Gateway, the local gateway): the
    /// entry `hops` from the right. Entries to its left may have been written by the client.
    Forwarded { header: String, hops: usize },
    /// Behind the Lambda Web Adapter: the caller's address as API Gateway or the Function URL saw
    /// it (`x-amzn-request-context`, `http.sourceIp`), a header the adapter always writes itself.
    LambdaContext,
}

/// CORS for the configured frontend origins. Preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) is answered here; other responses get the allow headers added
/// when the request's Origin is allowed.
pub mod cors {
    use super::{ApiRequest, ApiResponse};

    const ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
    const ALLOW_HEADERS: &str = "authorization, content-type, x-request-id, accept";
    const EXPOSE_HEADERS: &str = "x-request-id, retry-after";

    fn allowed<'a>(origins: &[String], request: &'a ApiRequest) -> Option<&'a str> {
        let origin = request.origin()?;
        origins.iter().any(|o| o == origin || o == "*").then_some(origin)
    }

    pub fn is_preflight(request: &ApiRequest) -> bool {
        request.method == http::Method::OPTIONS
            && request.headers.contains_key("access-control-request-method")
    }

    pub fn preflight(origins: &[String], request: &ApiRequest) -> ApiResponse {
        let mut response = ApiResponse::no_content();
        if let Some(origin) = allowed(origins, request) {
            response.headers.extend([
                ("access-control-allow-origin".into(), origin.to_owned()),
                ("access-control-allow-methods".into(), ALLOW_METHODS.into()),
                ("access-control-allow-headers".into(), ALLOW_HEADERS.into()),
                ("access-control-max-age".into(), "600".into()),
            ]);
        }
        response.headers.push(("vary".into(), "origin".into()));
        response
    }

    pub fn decorate(origins: &[String], request: &ApiRequest, response: &mut ApiResponse) {
        if let Some(origin) = allowed(origins, request) {
            response.headers.extend([
                ("access-control-allow-origin".into(), origin.to_owned()),
                ("access-control-expose-headers".into(), EXPOSE_HEADERS.into()),
            ]);
        }
        response.headers.push(("vary".into(), "origin".into()));
    }
}

/// A response ready for the adapter to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The stable error code, when this is an error (for the log line).
    pub error_code: Option<&'static str>,
    /// An internal cause worth logging (never sent to the client).
    pub log_detail: Option<String>,
}

impl ApiResponse {
    pub fn no_content() -> ApiResponse {
        ApiResponse { status: 204, headers: vec![], body: vec![], error_code: None, log_detail: None }
    }

    pub fn json<T: Serialize>(status: u16, value: &T) -> ApiResponse {
        ApiResponse {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(value).expect("response values serialize"),
            error_code: None,
            log_detail: None,
        }
    }
}

/// Every error the API returns. Each has a status and a stable `code`; the body is always
/// `{"error":{"code":"...","message":"..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("request body is not valid JSON for this endpoint: {0}")]
    MalformedJson(String),
    #[error("{0}")]
    InvalidEmail(String),
    #[error("{0}")]
    InvalidPassword(String),
    #[error("email or password is incorrect")]
    InvalidCredentials,
    #[error("a valid access token is required (Authorization: Bearer <token>)")]
    InvalidToken,
    #[error("the refresh token is invalid, expired or revoked")]
    InvalidRefreshToken,
    #[error("too many attempts; retry after {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    #[error("no such resource")]
    NotFound,
    #[error("method not allowed; use {allow}")]
    MethodNotAllowed { allow: String },
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("request body is larger than {max} bytes")]
    PayloadTooLarge { max: usize },
    #[error("content type must be application/json")]
    UnsupportedMediaType,
    #[error("{0}")]
    InvalidMessage(String),
    #[error("message is longer than {max} characters")]
    MessageTooLong { max: usize },
    #[error("the conversation changed meanwhile (another turn was added); retry")]
    ConversationConflict,
    /// The field is the internal cause: logged, never sent to the client.
    #[error("the model failed to answer")]
    ModelFailed(String),
    #[error("the model is unavailable; try again later")]
    ModelUnavailable(String),
    #[error("the model did not answer in time")]
    ModelTimeout,
    /// The field is the internal cause: logged, never sent to the client.
    #[error("a backing service is unavailable; try again later")]
    DependencyUnavailable(String),
    #[error("the service is not configured: {0}")]
    Misconfigured(String),
    /// A fault of ours (a request that could not be built, a hash that could not be computed).
    /// The field is the internal cause: logged, never sent to the client.
    #[error("internal error")]
    Internal(String),
    /// The field is the internal cause: logged, never sent to the client.
    #[error("mail cannot be sent right now; try again later")]
    MailUnavailable(String),
    #[error("this account's email address is not verified yet; use the link mailed to it")]
    EmailNotVerified,
    #[error("the link is invalid, expired or was already used")]
    InvalidEmailToken,
    #[error("this email address is already verified")]
    EmailAlreadyVerified,
    #[error("{0}")]
    InvalidQuery(String),
    #[error("the cursor is not one this listing returned")]
    InvalidCursor,
    #[error("{0}")]
    InvalidTitle(String),
    #[error("daily chat quota reached; retry after {retry_after} seconds")]
    QuotaExceeded { retry_after: u64 },
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::MalformedJson(_) | ApiError::InvalidEmail(_) | ApiError::InvalidPassword(_) => 400,
            ApiError::InvalidCredentials | ApiError::InvalidToken | ApiError::InvalidRefreshToken => 401,
            ApiError::TooManyRequests { .. } => 429,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::EmailTaken => 409,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::InvalidMessage(_) => 400,
            ApiError::MessageTooLong { .. } => 413,
            ApiError::ConversationConflict => 409,
            ApiError::ModelFailed(_) => 502,
            ApiError::ModelUnavailable(_) => 503,
            ApiError::ModelTimeout => 504,
            ApiError::DependencyUnavailable(_) | ApiError::Misconfigured(_) => 503,
            ApiError::Internal(_) => 500,
            ApiError::MailUnavailable(_) => 503,
            ApiError::EmailNotVerified => 403,
            ApiError::InvalidEmailToken => 400,
            ApiError::EmailAlreadyVerified => 409,
            ApiError::InvalidQuery(_) | ApiError::InvalidCursor | ApiError::InvalidTitle(_) => 400,
            ApiError::QuotaExceeded { .. } => 429,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidEmail(_) => "invalid_email",
            ApiError::InvalidPassword(_) => "invalid_password",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::InvalidToken => "invalid_token",
            ApiError::InvalidRefreshToken => "invalid_refresh_token",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::EmailTaken => "email_taken",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::InvalidMessage(_) => "invalid_message",
            ApiError::MessageTooLong { .. } => "message_too_long",
            ApiError::ConversationConflict => "conversation_conflict",
            ApiError::ModelFailed(_) => "model_error",
            ApiError::ModelUnavailable(_) => "model_unavailable",
            ApiError::ModelTimeout => "model_timeout",
            ApiError::DependencyUnavailable(_) => "dependency_unavailable",
            ApiError::Internal(_) => "internal_error",
            ApiError::Misconfigured(_) => "misconfigured",
            ApiError::MailUnavailable(_) => "mail_unavailable",
            ApiError::EmailNotVerified => "email_not_verified",
            ApiError::InvalidEmailToken => "invalid_email_token",
            ApiError::EmailAlreadyVerified => "email_already_verified",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::InvalidTitle(_) => "invalid_title",
            ApiError::QuotaExceeded { .. } => "quota_exceeded",
        }
    }

    pub fn into_response(self) -> ApiResponse {
        let body = serde_json::json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = ApiResponse::json(self.status(), &body);
        response.error_code = Some(self.code());
        if let ApiError::DependencyUnavailable(detail)
        | ApiError::Internal(detail)
        | ApiError::Misconfigured(detail)
        | ApiError::ModelFailed(detail)
        | ApiError::ModelUnavailable(detail)
        | ApiError::MailUnavailable(detail) = &self
        {
            response.log_detail = Some(detail.clone());
        }
        match self {
            ApiError::MethodNotAllowed { allow } => response.headers.push(("allow".into(), allow)),
            ApiError::TooManyRequests { retry_after } | ApiError::QuotaExceeded { retry_after } => {
                response.headers.push(("retry-after".into(), retry_after.to_string()))
            }
            ApiError::InvalidToken => response.headers.push(("www-authenticate".into(), "Bearer".into())),
            _ => {}
        }
        response
    }
}

/// A request to AWS that could not be built or signed: our fault, answered 500 `internal_error`.
impl From<crate::aws::RequestError> for ApiError {
    fn from(e: crate::aws::RequestError) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

/// A password that could not be hashed (argon2 refused its input or parameters): our fault.
impl From<password_hash::Error> for ApiError {
    fn from(e: password_hash::Error) -> ApiError {
        ApiError::Internal(format!("argon2 hashing failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &[u8]) -> ApiRequest {
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", content_type.parse().unwrap());
        ApiRequest {
            method: http::Method::POST,
            path: "/register".into(),
            query: String::new(),
            headers,
            body: body.to_vec(),
            received_at: SystemTime::now(),
        }
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        email: String,
    }

    #[test]
    fn json_body_checks() {
        assert!(request("application/json", br#"{"email":"x"}"#).json::<Body>().is_ok());
        assert!(request("application/json; charset=utf-8", br#"{"email":"x"}"#).json::<Body>().is_ok());
        assert_eq!(request("text/plain", b"{}").json::<Body>().unwrap_err().status(), 415);
        assert_eq!(request("application/json", b"{").json::<Body>().unwrap_err().status(), 400);
        assert_eq!(request("application/json", b"{}").json::<Body>().unwrap_err().status(), 400);
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(request("application/json", &big).json::<Body>().unwrap_err().status(), 413);
    }

    #[test]
    fn client_address_takes_the_trusted_hop() {
        let forwarded = |hops| ClientAddressRule::Forwarded { header: "x-forwarded-for".into(), hops };
        let mut r = request("application/json", b"");
        assert_eq!(r.client_address(&forwarded(1)), "unknown");
        r.headers.insert("x-forwarded-for", "6.6.6.6, 10.0.0.7, 127.0.0.1".parse().unwrap());
        assert_eq!(r.client_address(&forwarded(1)), "127.0.0.1");
        assert_eq!(r.client_address(&forwarded(2)), "10.0.0.7");
        assert_eq!(r.client_address(&forwarded(4)), "unknown");
    }

    #[test]
    fn client_address_from_spin_ignores_forged_headers() {
        let mut r = request("application/json", b"");
        r.headers.insert("x-forwarded-for", "6.6.6.6".parse().unwrap());
        assert_eq!(r.client_address(&ClientAddressRule::Peer), "unknown");
        // A client-sent spin-client-addr comes first; Spin's own is appended after it.
        r.headers.append("spin-client-addr", "6.6.6.6:1".parse().unwrap());
        r.headers.append("spin-client-addr", "10.1.2.3:55000".parse().unwrap());
        assert_eq!(r.client_address(&ClientAddressRule::Peer), "10.1.2.3");
        r.headers.insert("spin-client-addr", "[::1]:8080".parse().unwrap());
        assert_eq!(r.client_address(&ClientAddressRule::Peer), "::1");
    }

    #[test]
    fn client_address_from_the_lambda_request_context() {
        let mut r = request("application/json", b"");
        r.headers.insert("x-forwarded-for", "6.6.6.6".parse().unwrap());
        assert_eq!(r.client_address(&ClientAddressRule::LambdaContext), "unknown");
        let v2 = r#"{"http":{"method":"POST","sourceIp":"203.0.113.9"},"requestId":"x"}"#;
        r.headers.insert("x-amzn-request-context", v2.parse().unwrap());
        assert_eq!(r.client_address(&ClientAddressRule::LambdaContext), "203.0.113.9");
        let v1 = r#"{"identity":{"sourceIp":"198.51.100.4"}}"#;
        r.headers.insert("x-amzn-request-context", v1.parse().unwrap());
        assert_eq!(r.client_address(&ClientAddressRule::LambdaContext), "198.51.100.4");
    }

    #[test]
    fn bearer_tokens() {
        let mut r = request("application/json", b"");
        assert_eq!(r.bearer_token(), None);
        r.headers.insert("authorization", "Bearer abc.def".parse().unwrap());
        assert_eq!(r.bearer_token(), Some("abc.def"));
        r.headers.insert("authorization", "Basic abc".parse().unwrap());
        assert_eq!(r.bearer_token(), None);
    }

    #[test]
    fn cors_only_for_allowed_origins() {
        let origins = vec!["https://app.example".to_owned()];
        let mut r = request("application/json", b"");
        r.method = http::Method::OPTIONS;
        r.headers.insert("access-control-request-method", "POST".parse().unwrap());
        r.headers.insert("origin", "https://app.example".parse().unwrap());
        assert!(cors::is_preflight(&r));
        let ok = cors::preflight(&origins, &r);
        assert_eq!(ok.status, 204);
        assert!(ok.headers.contains(&("access-control-allow-origin".into(), "https://app.example".into())));
        r.headers.insert("origin", "https://evil.example".parse().unwrap());
        let refused = cors::preflight(&origins, &r);
        assert!(!refused.headers.iter().any(|(k, _)| k == "access-control-allow-origin"));
    }

    #[test]
    fn query_parameters() {
        let mut r = request("application/json", b"");
        r.query = "limit=5&cursor=a%2Bb%3D".into();
        assert_eq!(
            r.query_params(&["limit", "cursor"]).unwrap(),
            vec![("limit".into(), "5".into()), ("cursor".into(), "a+b=".into())]
        );
        for bad in ["x=1", "limit=1&limit=2", "limit=%zz", "limit=%ff", "cursor=%4"] {
            r.query = bad.into();
            let e = r.query_params(&["limit", "cursor"]).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_query"), "{bad}");
        }
        r.query = String::new();
        assert!(r.query_params(&["limit"]).unwrap().is_empty());
    }

    #[test]
    fn too_many_requests_carries_retry_after() {
        let r = ApiError::TooManyRequests { retry_after: 7 }.into_response();
        assert_eq!(r.status, 429);
        assert!(r.headers.contains(&("retry-after".into(), "7".into())));
    }

    #[test]
    fn error_body_shape() {
        let r = ApiError::MethodNotAllowed { allow: "POST".into() }.into_response();
        assert_eq!(r.status, 405);
        assert!(r.headers.contains(&("allow".into(), "POST".into())));
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "method_not_allowed");
        assert!(v["error"]["message"].as_str().unwrap().contains("POST"));
    }

    #[test]
    fn internal_faults_are_500_with_the_cause_logged_not_returned() {
        let cause = "building the request failed: invalid header value";
        let r = ApiError::from(crate::aws::RequestError(cause.into())).into_response();
        assert_eq!(r.status, 500);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "internal_error");
        assert!(!String::from_utf8_lossy(&r.body).contains("header"));
        assert!(r.log_detail.unwrap().contains(cause));
    }
}

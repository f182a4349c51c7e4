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
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    pub received_at: SystemTime,
}

impl ApiRequest {
    /// Decodes a JSON body into `T`, refusing wrong content types, oversized bodies and
    /// malformed JSON with the matching 4xx.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type = self
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media_type = content_type.split(';').next().unwrap_or("").trim();
        if !media_type.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::UnsupportedMediaType);
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                max: MAX_BODY_BYTES,
            });
        }
        serde_json::from_slice(&self.body).map_err(|e| ApiError::MalformedJson(e.to_string()))
    }

    /// Refuses any method but `allowed` with 405 and an Allow header.
    pub fn require_method(&self, allowed: http::Method) -> Result<(), ApiError> {
        if self.method == allowed {
            Ok(())
        } else {
            Err(ApiError::MethodNotAllowed {
                allow: allowed.to_string(),
            })
        }
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
    #[error("not implemented yet")]
    NotImplemented,
    /// The field is the internal cause: logged, never sent to the client.
    #[error("a backing service is unavailable; try again later")]
    DependencyUnavailable(String),
    #[error("the service is not configured: {0}")]
    Misconfigured(String),
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::MalformedJson(_)
            | ApiError::InvalidEmail(_)
            | ApiError::InvalidPassword(_) => 400,
            ApiError::InvalidCredentials => 401,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::EmailTaken => 409,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::UnsupportedMediaType => 415,
            ApiError::NotImplemented => 501,
            ApiError::DependencyUnavailable(_) | ApiError::Misconfigured(_) => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::InvalidEmail(_) => "invalid_email",
            ApiError::InvalidPassword(_) => "invalid_password",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::EmailTaken => "email_taken",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::NotImplemented => "not_implemented",
            ApiError::DependencyUnavailable(_) => "dependency_unavailable",
            ApiError::Misconfigured(_) => "misconfigured",
        }
    }

    pub fn into_response(self) -> ApiResponse {
        let body = serde_json::json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = ApiResponse::json(self.status(), &body);
        response.error_code = Some(self.code());
        if let ApiError::DependencyUnavailable(detail) | ApiError::Misconfigured(detail) = &self {
            response.log_detail = Some(detail.clone());
        }
        if let ApiError::MethodNotAllowed { allow } = self {
            response.headers.push(("allow".into(), allow));
        }
        response
    }
}

/// Failures inside a use case that are not the caller's fault: logged in full, answered with
/// a 503 that says nothing about internals.
impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> ApiError {
        ApiError::DependencyUnavailable(format!("{e:#}"))
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
        assert!(request("application/json", br#"{"email":"x"}"#)
            .json::<Body>()
            .is_ok());
        assert!(
            request("application/json; charset=utf-8", br#"{"email":"x"}"#)
                .json::<Body>()
                .is_ok()
        );
        assert_eq!(
            request("text/plain", b"{}")
                .json::<Body>()
                .unwrap_err()
                .status(),
            415
        );
        assert_eq!(
            request("application/json", b"{")
                .json::<Body>()
                .unwrap_err()
                .status(),
            400
        );
        assert_eq!(
            request("application/json", b"{}")
                .json::<Body>()
                .unwrap_err()
                .status(),
            400
        );
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(
            request("application/json", &big)
                .json::<Body>()
                .unwrap_err()
                .status(),
            413
        );
    }

    #[test]
    fn error_body_shape() {
        let r = ApiError::MethodNotAllowed {
            allow: "POST".into(),
        }
        .into_response();
        assert_eq!(r.status, 405);
        assert!(r.headers.contains(&("allow".into(), "POST".into())));
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "method_not_allowed");
        assert!(v["error"]["message"].as_str().unwrap().contains("POST"));
    }
}

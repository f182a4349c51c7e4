//! AWS Secrets Manager `GetSecretValue` (JSON 1.1 protocol, SigV4 service `secretsmanager`):
//! request building and response reading, pure. Login reads the access tokens' private key with
//! it (its role is the only one allowed to), so the key is in no template, environment or log.

use crate::aws::{json_error, sign, Credentials};
use serde_json::{json, Value};
use std::time::SystemTime;

/// Where and as whom to reach Secrets Manager.
#[derive(Debug, Clone)]
pub struct SecretsManager {
    /// `https://secretsmanager.<region>.amazonaws.com`, or `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
    pub endpoint: String,
    pub region: String,
    pub credentials: Credentials,
}

/// Why a secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Secrets Manager answered with an error: not found, access denied (the role, or the key
    /// that encrypts the secret), throttled, or its own fault (`status` tells which side).
    #[error("Secrets Manager refused GetSecretValue ({status} {kind}): {message}")]
    Refused { status: u16, kind: String, message: String },
    /// A 2xx answer without a `SecretString` (e.g. a binary secret).
    #[error("the secret has no SecretString")]
    NotAString,
    #[error("the request could not be built: {0}")]
    Build(String),
}

impl SecretError {
    /// Whether waiting could help (throttling, a fault of the service) rather than a change of
    /// configuration (a missing secret, a denied role).
    pub fn is_outage(&self) -> bool {
        matches!(self, SecretError::Refused { status, kind, .. }
            if *status >= 500 || kind.contains("Throttling") || kind.contains("TooManyRequests"))
    }
}

impl SecretsManager {
    /// The signed request for the current version (`AWSCURRENT`) of `secret_id` (a name or ARN).
    pub fn get_secret_value(
        &self,
        secret_id: &str,
        now: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, SecretError> {
        let build = |e: &dyn std::fmt::Display| SecretError::Build(e.to_string());
        let bytes = serde_json::to_vec(&json!({ "SecretId": secret_id })).map_err(|e| build(&e))?;
        let mut request = http::Request::post(format!("{}/", self.endpoint.trim_end_matches('/')))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "secretsmanager.GetSecretValue")
            .header("content-length", bytes.len())
            .body(bytes)
            .map_err(|e| build(&e))?;
        sign(&mut request, &self.credentials, &self.region, "secretsmanager", now).map_err(|e| build(&e))?;
        Ok(request)
    }

    /// The `SecretString` of a 2xx answer; the error otherwise (`__type` names it, the message is in
    /// `Message` or `message`). Nothing of a successful body is ever put into an error.
    pub fn read_response(status: u16, body: &[u8]) -> Result<String, SecretError> {
        if (200..300).contains(&status) {
            let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            return parsed["SecretString"].as_str().map(str::to_owned).ok_or(SecretError::NotAString);
        }
        let (kind, message) = json_error(body);
        Err(SecretError::Refused { status, kind, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn secrets() -> SecretsManager {
        SecretsManager {
            endpoint: "https://secretsmanager.eu-west-1.amazonaws.com".into(),
            region: "eu-west-1".into(),
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "secret".into(),
                session_token: Some("session".into()),
            },
        }
    }

    #[test]
    fn get_secret_value_is_a_signed_json_1_1_post() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let request = secrets().get_secret_value("wasm-chat/token-signing-key", t).unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://secretsmanager.eu-west-1.amazonaws.com/");
        let h = |n: &str| request.headers()[n].to_str().unwrap().to_owned();
        assert_eq!(h("x-amz-target"), "secretsmanager.GetSecretValue");
        assert_eq!(h("content-type"), "application/x-amz-json-1.1");
        assert_eq!(h("x-amz-security-token"), "session");
        assert!(
            h("authorization").contains("/eu-west-1/secretsmanager/aws4_request"),
            "{}",
            h("authorization")
        );
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body, json!({"SecretId": "wasm-chat/token-signing-key"}));
    }

    #[test]
    fn responses_give_the_string_or_a_typed_error() {
        let ok =
            br#"{"ARN":"arn:x","Name":"n","SecretString":"-----BEGIN PRIVATE KEY-----","VersionId":"v"}"#;
        assert_eq!(SecretsManager::read_response(200, ok).unwrap(), "-----BEGIN PRIVATE KEY-----");
        assert_eq!(
            SecretsManager::read_response(200, br#"{"SecretBinary":"AA=="}"#),
            Err(SecretError::NotAString)
        );
        let missing = br#"{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}"#;
        let err = SecretsManager::read_response(400, missing).unwrap_err();
        assert!(matches!(&err, SecretError::Refused { kind, .. } if kind == "ResourceNotFoundException"));
        assert!(!err.is_outage());
        let denied =
            br#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized"}"#;
        let err = SecretsManager::read_response(400, denied).unwrap_err();
        assert!(matches!(&err, SecretError::Refused { kind, message, .. }
            if kind == "AccessDeniedException" && message == "not authorized"));
        assert!(SecretsManager::read_response(400, br#"{"__type":"ThrottlingException"}"#)
            .unwrap_err()
            .is_outage());
        assert!(SecretsManager::read_response(503, b"<html>").unwrap_err().is_outage());
    }
}

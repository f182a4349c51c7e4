//! Amazon SES v2 `SendEmail` (`POST /v2/email/outbound-emails`, REST-JSON, SigV4 service `ses`):
//! request building and response reading, pure.

use crate::aws::{json_error, sign, Credentials};
use serde_json::{json, Value};
use std::time::SystemTime;

/// Where and as whom to reach SES.
#[derive(Debug, Clone)]
pub struct Ses {
    /// `https://email.<region>.amazonaws.com`, or `AWS_ENDPOINT_URL_SES`.
    pub endpoint: String,
    pub region: String,
    pub credentials: Credentials,
}

/// One message: plain text and HTML alternatives of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a mail was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("SES refused the mail ({status} {kind}): {message}")]
    Refused { status: u16, kind: String, message: String },
    #[error("SES is unreachable: {0}")]
    Unreachable(String),
    #[error("the mail could not be built: {0}")]
    Build(String),
}

impl Ses {
    /// The IAM action a send needs (SES v2 `POST /v2/email/outbound-emails`).
    pub const ACTION: &'static str = "SendEmail";

    pub fn body(mail: &Mail) -> Value {
        let part = |data: &str| json!({"Data": data, "Charset": "UTF-8"});
        json!({
            "FromEmailAddress": mail.from,
            "Destination": {"ToAddresses": [mail.to]},
            "Content": {"Simple": {
                "Subject": part(&mail.subject),
                "Body": {"Text": part(&mail.text), "Html": part(&mail.html)},
            }},
        })
    }

    /// The signed `SendEmail` request.
    pub fn send_email(&self, mail: &Mail, now: SystemTime) -> Result<http::Request<Vec<u8>>, MailError> {
        let build = |e: &dyn std::fmt::Display| MailError::Build(e.to_string());
        let bytes = serde_json::to_vec(&Self::body(mail)).map_err(|e| build(&e))?;
        let mut request =
            http::Request::post(format!("{}/v2/email/outbound-emails", self.endpoint.trim_end_matches('/')))
                .header("content-type", "application/json")
                .header("content-length", bytes.len())
                .body(bytes)
                .map_err(|e| build(&e))?;
        sign(&mut request, &self.credentials, &self.region, "ses", now).map_err(|e| build(&e))?;
        Ok(request)
    }

    /// The `MessageId` of a 2xx answer; the error otherwise (SES puts the error type in the
    /// `x-amzn-ErrorType` header and the message in the body's `message`).
    pub fn read_response(response: &http::Response<Vec<u8>>) -> Result<String, MailError> {
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            let body: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
            return Ok(body["MessageId"].as_str().unwrap_or_default().to_owned());
        }
        let (body_kind, message) = json_error(response.body());
        let kind = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|k| k.split(':').next().unwrap_or(k).to_owned())
            .unwrap_or(body_kind);
        Err(MailError::Refused { status, kind, message })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn ses() -> Ses {
        Ses {
            endpoint: "https://email.eu-west-1.amazonaws.com".into(),
            region: "eu-west-1".into(),
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".into(),
                secret_access_key: "secret".into(),
                session_token: None,
            },
        }
    }

    fn mail() -> Mail {
        Mail {
            from: "no-reply@example.com".into(),
            to: "ada@example.com".into(),
            subject: "Hi".into(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        }
    }

    #[test]
    fn send_email_is_a_signed_rest_json_post() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let r = ses().send_email(&mail(), t).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.uri(), "https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails");
        assert_eq!(r.headers()["content-type"], "application/json");
        let auth = r.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/ses/aws4_request")
        );
        let body: Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(body["Destination"]["ToAddresses"][0], "ada@example.com");
        assert_eq!(body["Content"]["Simple"]["Body"]["Text"]["Data"], "text");
        assert_eq!(body["Content"]["Simple"]["Body"]["Html"]["Data"], "<p>html</p>");
    }

    #[test]
    fn errors_are_read_from_header_and_body() {
        let ok = http::Response::builder().status(200).body(br#"{"MessageId":"m-1"}"#.to_vec()).unwrap();
        assert_eq!(Ses::read_response(&ok).unwrap(), "m-1");
        let refused = http::Response::builder()
            .status(400)
            .header("x-amzn-ErrorType", "MessageRejected:http://internal.amazon.com/coral/")
            .body(br#"{"message":"Email address is not verified."}"#.to_vec())
            .unwrap();
        assert_eq!(
            Ses::read_response(&refused).unwrap_err(),
            MailError::Refused {
                status: 400,
                kind: "MessageRejected".into(),
                message: "Email address is not verified.".into()
            }
        );
        let garbage = http::Response::builder().status(502).body(b"<html>".to_vec()).unwrap();
        assert!(matches!(Ses::read_response(&garbage), Err(MailError::Refused { status: 502, .. })));
    }
}

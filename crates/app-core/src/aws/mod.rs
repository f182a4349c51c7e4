//! AWS access without an SDK: requests are built as plain `http::Request`s, signed with
//! `aws-sigv4`, and sent by whatever [`crate::Transport`] the runtime provides.

pub mod dynamodb;
pub mod sagemaker;
pub mod secrets_manager;
pub mod ses;
mod sigv4;

pub use sigv4::{sign, Credentials};

/// Building or signing an AWS request failed: a fault of ours (a 500), neither the caller's nor
/// AWS's. A plain type rather than `anyhow::Error`, whose backtrace support linked std's backtrace
/// printer and symbol demangler into every component (~41 KiB of wasm each).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("building the request failed: {0}")]
pub struct RequestError(pub String);

impl RequestError {
    pub(crate) fn new(cause: impl std::fmt::Display) -> RequestError {
        RequestError(cause.to_string())
    }
}

/// The error of a JSON AWS answer: its type (`__type`, namespace before `#` dropped) and message
/// (`Message` or `message`; else the start of the body), for services without richer errors.
pub(crate) fn json_error(body: &[u8]) -> (String, String) {
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let kind = parsed["__type"].as_str().unwrap_or_default();
    let kind = kind.rsplit('#').next().unwrap_or(kind).to_owned();
    let message = parsed["Message"]
        .as_str()
        .or(parsed["message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
    (kind, message)
}

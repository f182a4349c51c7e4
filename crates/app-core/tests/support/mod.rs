//! What the scripted-transport tests share: a FAKE DynamoDB that answers from a script, for faults
//! and interleavings the real one (DynamoDB Local) cannot be made to produce, and the local
//! configuration.
#![allow(dead_code)] // each test binary uses its own part

use app_core::{Config, Transport, TransportError};
use serde_json::Value;
use std::cell::RefCell;
use std::time::Duration;

/// FAKE: answers from a script of (status, body) and records the requests (operation, body) and
/// the sleeps.
#[derive(Default)]
pub struct ScriptedDynamoDb {
    pub script: RefCell<Vec<(u16, String)>>,
    pub seen: RefCell<Vec<(String, Value)>>,
    pub slept: RefCell<Vec<Duration>>,
}

impl ScriptedDynamoDb {
    pub fn new(script: impl IntoIterator<Item = (u16, String)>) -> Self {
        ScriptedDynamoDb { script: RefCell::new(script.into_iter().collect()), ..Default::default() }
    }

    /// Every answer a 200 with one of these bodies, in order.
    pub fn ok(bodies: impl IntoIterator<Item = Value>) -> Self {
        Self::new(bodies.into_iter().map(|b| (200, b.to_string())))
    }
}

impl Transport for ScriptedDynamoDb {
    async fn send(
        &self,
        r: http::Request<Vec<u8>>,
        _: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let op = r.headers()["x-amz-target"].to_str().unwrap().trim_start_matches("DynamoDB_20120810.");
        self.seen.borrow_mut().push((op.to_owned(), serde_json::from_slice(r.body()).unwrap()));
        let (status, body) = self.script.borrow_mut().remove(0);
        Ok(http::Response::builder().status(status).body(body.into_bytes()).unwrap())
    }

    async fn sleep(&self, d: Duration) {
        self.slept.borrow_mut().push(d);
    }
}

/// The local configuration (the embedded development keys, DynamoDB on localhost), with `extra`
/// settings on top.
pub fn config(extra: &[(&str, &str)]) -> Config {
    Config::from_vars(|k| {
        if let Some((_, v)) = extra.iter().find(|(name, _)| *name == k) {
            return Some(v.to_string());
        }
        Some(match k {
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => "x".into(),
            "TOKEN_SIGNING_KEY" => app_core::config::LOCAL_SIGNING_KEY.into(),
            "TOKEN_PUBLIC_KEYS" => app_core::config::LOCAL_PUBLIC_KEYS.into(),
            "AWS_ENDPOINT_URL_DYNAMODB" => "http://127.0.0.1:8000".into(),
            _ => return None,
        })
    })
    .unwrap()
}

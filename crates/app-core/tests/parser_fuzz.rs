//! Fuzzing (proptest) of every parser that reads outside input: none may panic, and each either
//! refuses or returns a well-formed value.

use app_core::api::{ApiRequest, MAX_BODY_BYTES};
use app_core::aws::dynamodb::{DynamoError, LoginAttempts, SessionItem, ThrottleCounters, UserItem};
use app_core::aws::sagemaker::{parse_error, parse_reply, ModelStreamDecoder, PayloadFormat};
use app_core::conversations::{Conversations, Cursor};
use app_core::domain::ConversationId;
use app_core::tokens::{AccessTokens, RefreshToken};
use proptest::prelude::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn request(content_type: &str, body: Vec<u8>, headers: &[(&'static str, String)]) -> ApiRequest {
    let mut map = http::HeaderMap::new();
    if let Ok(v) = content_type.parse() {
        map.insert("content-type", v);
    }
    for (k, v) in headers {
        if let Ok(v) = v.parse() {
            map.insert(*k, v);
        }
    }
    ApiRequest {
        method: http::Method::POST,
        path: "/x".into(),
        query: String::new(),
        headers: map,
        body,
        received_at: SystemTime::now(),
    }
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Credentials {
    email: String,
    password: String,
}

/// Bytes that are often JSON-like.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        "\\PC{0,300}".prop_map(String::into_bytes),
        ("\\PC{0,40}", "\\PC{0,40}")
            .prop_map(|(e, p)| format!(r#"{{"email":"{e}","password":"{p}"}}"#).into_bytes()),
        (0usize..200).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn request_bodies(body in jsonish(), ct in prop_oneof![Just("application/json".to_owned()), "\\PC{0,30}"]) {
        let r = request(&ct, body, &[]);
        if let Err(e) = r.json::<Credentials>() {
            prop_assert!((400..500).contains(&e.status()));
            let response = e.into_response();
            let v: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            prop_assert!(v["error"]["code"].is_string());
        }
    }

    #[test]
    fn request_headers(value in "\\PC{0,100}") {
        let r = request("application/json", vec![], &[("authorization", value.clone()), ("x-forwarded-for", value.clone()), ("origin", value)]);
        let _ = r.bearer_token();
        for rule in [
            app_core::api::ClientAddressRule::Forwarded { header: "x-forwarded-for".into(), hops: 1 },
            app_core::api::ClientAddressRule::Peer,
            app_core::api::ClientAddressRule::LambdaContext,
        ] {
            prop_assert!(r.client_address(&rule).len() <= 64);
        }
    }

    #[test]
    fn tokens(raw in "\\PC{0,300}", dots in "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,50}") {
        let keys = AccessTokens::new(app_core::config::LOCAL_PUBLIC_KEYS, None, "i", "a", 900).unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        prop_assert!(keys.verify(&raw, now).is_err());
        prop_assert!(keys.verify(&dots, now).is_err());
        if let Some(t) = RefreshToken::parse(&raw) {
            prop_assert_eq!(RefreshToken::parse(&t.expose()), Some(t));
        }
    }

    #[test]
    fn dynamodb_responses(body in jsonish(), status in 100u16..600) {
        let _ = DynamoError::from_response(status, &body);
        let _ = UserItem::from_get_response(&body);
        let _ = SessionItem::from_get_response(&body);
        let _ = SessionItem::family_ids_from_query(&body);
        let _ = ThrottleCounters::count_from_update(&body);
        let _ = ThrottleCounters::from_batch_get(&body, "t", "k");
        let _ = LoginAttempts::counters_from_update(&body, "pair_k");
        let _ = Conversations::from_get_response(&body);
        let _ = Conversations::from_list_response(&body);
        let _ = Conversations::turns_from_response(&body);
        let _ = Conversations::from_update_response(&body);
        let _ = Conversations::keys_from_response(&body);
        let _ = Conversations::unprocessed_deletes(&body, "conversations");
        let _ = app_core::usage::UsageCounters::from_get_response(&body);
        let text = String::from_utf8_lossy(&body);
        let _ = Cursor::parse_list(&text);
        if let Some(id) = ConversationId::parse("0191c1d2-7e3a-7b4c-8d5e-6f708192a3b4") {
            let _ = Cursor::parse_turns(&text, &id);
        }
        let _ = ConversationId::parse(&text);
    }

    #[test]
    fn model_responses(body in jsonish(), status in 100u16..600) {
        for format in [PayloadFormat::Messages, PayloadFormat::Tgi] {
            let _ = parse_reply(format, &body);
            let mut decoder = ModelStreamDecoder::new(format);
            for chunk in body.chunks(7) {
                if decoder.feed(chunk).is_err() {
                    break;
                }
            }
        }
        let _ = parse_error(status, &http::HeaderMap::new(), &body);
    }
}

#[test]
fn the_body_limit_is_what_the_docs_say() {
    assert_eq!(MAX_BODY_BYTES, 16 * 1024);
}
